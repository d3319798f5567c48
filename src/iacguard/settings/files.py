"""Configuration files: finding the nearest one, reading TOML or YAML, and the line of each key.

The configuration file is ``[tool.iacguard]`` in ``pyproject.toml`` or a ``.iacguard.yaml`` /
``.iacguard.yml``, the nearest one found walking up from the first checked path. It is validated
against the schema of the settings; every mistake stops the run with ``file:line: problem``,
because a typo in a configuration file silently changes what is checked.
"""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard.discover.boundary import Boundary
from iacguard.errors import ConfigError
from iacguard.load.files import FileReadError, read_bounded
from iacguard.settings.conversions import display_path
from iacguard.settings.schema import validate_config
from iacguard.settings.trust import refuse_link_out_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

YAML_CONFIG_NAMES = (".iacguard.yaml", ".iacguard.yml")
#: A configuration file is a few kilobytes; a pyproject.toml rarely passes 100 KiB.
MAX_CONFIG_BYTES = 1024 * 1024
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "iacguard")
_TOML_ERROR_LINE = re.compile(r"at line (\d+)")

LineFinder = Callable[[tuple[Any, ...]], int]


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file that was read and validated."""

    path: Path
    display: str
    data: Mapping[str, Any]
    #: 1-based line of a key path such as ``("suppressions", 0, "reason")``.
    line_of: LineFinder

    def where(self, key_path: tuple[Any, ...]) -> str:
        return f"{self.display}:{self.line_of(key_path)}"


def search_start(paths: Sequence[Path], base: Path) -> Path:
    """The folder where the search for a configuration file starts."""
    if not paths:
        return base
    first = paths[0] if paths[0].is_absolute() else base / paths[0]
    if first.is_dir():
        return first.resolve()
    if first.parent.is_dir():
        return first.parent.resolve()
    return base


def find_config(start: Path, base: Path, boundary: Boundary | None = None) -> ConfigFile | None:
    """The nearest configuration file in ``start`` or a parent folder. In one folder a
    ``.iacguard.yaml`` wins over ``.iacguard.yml``, which wins over ``pyproject.toml``.

    A ``.iacguard.yaml`` that is there but is no regular file (a named pipe, a device) is an
    error, not a silent default; inside ``boundary`` one that is a symbolic link leading out of
    it is refused unread."""
    for folder in (start, *start.parents):
        for name in YAML_CONFIG_NAMES:
            candidate = folder / name
            if _present(candidate):
                if boundary is not None:
                    refuse_link_out_of(candidate, base, boundary)
                return read_config_file(candidate, base)
        pyproject = folder / PYPROJECT
        if _present(pyproject) and _has_iacguard_table(pyproject):
            if boundary is not None:
                refuse_link_out_of(pyproject, base, boundary)
            return read_config_file(pyproject, base)
    return None


def _present(path: Path) -> bool:
    """There, and not a folder (a broken link or a pipe is there, and reading says what)."""
    return path.is_symlink() or (path.exists() and not path.is_dir())


def _read_config_text(path: Path, display: str) -> str:
    try:
        return read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except FileReadError as error:
        raise ConfigError(f"{display}: cannot read configuration file: {error.reason}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{display}: cannot read configuration file: not valid UTF-8 "
                          f"(byte offset {error.start})") from None


def _has_iacguard_table(pyproject: Path) -> bool:
    try:
        text = read_bounded(pyproject, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except (FileReadError, UnicodeDecodeError):
        return False
    if "iacguard" not in text:  # cheap: most pyproject files never mention us
        return False
    data = _parse_toml(text, display_path(pyproject, pyproject.parent))
    return isinstance(data.get("tool"), dict) and "iacguard" in data["tool"]


def read_config_file(path: Path, base: Path) -> ConfigFile:
    display = display_path(path, base)
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{display}: configuration file does not exist")
    if path.suffix == ".toml":
        raw, line_of = _read_toml(path, display)
    elif path.suffix in (".yaml", ".yml"):
        raw, line_of = _read_yaml(path, display)
    else:
        raise ConfigError(
            f"{display}: a configuration file must be pyproject.toml, a .toml file or a "
            ".yaml/.yml file"
        )
    data = _plain(raw)
    validate_config(data, display, line_of)
    return ConfigFile(path.resolve(), display, data, line_of)


def _read_toml(path: Path, display: str) -> tuple[Any, LineFinder]:
    text = _read_config_text(path, display)
    data = _parse_toml(text, display)
    table_name = ""
    if path.name == PYPROJECT:
        tool = data.get("tool")
        if not isinstance(tool, dict) or "iacguard" not in tool:
            raise ConfigError(f"{display}:1: has no [tool.iacguard] table")
        data = tool["iacguard"]
        table_name = ".".join(PYPROJECT_TABLE)
    return data, _toml_line_finder(text, table_name)


def _parse_toml(text: str, display: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_ERROR_LINE.search(str(exc))
        line = match.group(1) if match else str(max(1, len(text.splitlines())))
        message = str(exc).split(" (at ", 1)[0]
        raise ConfigError(f"{display}:{line}: invalid TOML: {message}") from None


def _read_yaml(path: Path, display: str) -> tuple[Any, LineFinder]:
    from iacguard.load.parse import LoadError, load_document, span_of

    try:
        document = load_document(path, display, _read_config_text(path, display))
    except LoadError as exc:
        raise ConfigError(str(exc)) from None
    data = document.data

    def line_of(key_path: tuple[Any, ...]) -> int:
        return span_of(data, key_path).start_line

    return data, line_of


def _toml_line_finder(text: str, table: str) -> LineFinder:
    """TOML parsers keep no positions, so find a key's line by searching the text forwards:
    each key of the path is looked for after the line where the previous one was found."""
    lines = text.splitlines()
    start = 0
    if table:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*(\.|\])")
        dotted = re.compile(r"^\s*" + re.escape(table) + r"\.")
        start = next(
            (i for i, line in enumerate(lines) if header.match(line) or dotted.match(line)), 0
        )

    def line_of(key_path: tuple[Any, ...]) -> int:
        position = start
        parent = ""
        for segment in key_path:
            if isinstance(segment, int):
                position = _toml_item_line(lines, position, parent, segment)
            else:
                parent = str(segment)
                position = _toml_key_line(lines, position, parent)
        return position + 1

    return line_of


def _toml_key_line(lines: Sequence[str], position: int, key: str) -> int:
    quoted = re.escape(key)
    pattern = re.compile(
        r"(^|[\s{,.\[])(" + quoted + r"|\"" + quoted + r"\"|'" + quoted + r"')\s*(=|\]|\.)"
    )
    for index in range(position, len(lines)):
        if not lines[index].lstrip().startswith("#") and pattern.search(lines[index]):
            return index
    return position


def _toml_item_line(lines: Sequence[str], position: int, parent: str, index: int) -> int:
    array_header = re.compile(r"^\s*\[\[[^\]]*\b" + re.escape(parent) + r"\s*\]\]")
    headers = [i for i in range(position, len(lines)) if array_header.match(lines[i])]
    if headers:
        return headers[index] if index < len(headers) else headers[-1]
    # An inline array written one item per line; on a single line, that line is the answer.
    value = lines[position].partition("=")[2] if position < len(lines) else ""
    if value.count("[") and value.count("[") <= value.count("]"):
        return position
    items: list[int] = []
    for i in range(position + 1, len(lines)):
        stripped = lines[i].strip()
        if stripped.startswith("]") or (stripped.startswith("[") and not items):
            break
        if stripped and not stripped.startswith("#"):
            items.append(i)
    return items[index] if index < len(items) else position


def _plain(value: Any) -> Any:
    """Plain JSON-like data: dates become ``YYYY-MM-DD`` strings so one schema fits YAML,
    TOML and JSON-style input, and spanned YAML nodes become ordinary dicts and lists."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
