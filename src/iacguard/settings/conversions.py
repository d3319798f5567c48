"""How a written value (configuration file or command line) becomes a setting's value.

Each function takes the value as written and where it was written (:class:`Origin`): paths in a
configuration file are relative to that file, and its suppressions carry its line numbers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard.engines import parse_engines
from iacguard.errors import ConfigError, IacguardError
from iacguard.findings import Severity
from iacguard.schema_errors import key_path_text
from iacguard.settings.parameters import parse_parameter_flags, read_parameters_file
from iacguard.suppress.config_entry import ConfigSuppression


@dataclass(frozen=True)
class Origin:
    """Where a value was written, for values that depend on it (paths, line numbers)."""

    #: The folder iacguard runs from; paths are shown relative to it.
    base: Path
    #: The configuration file's folder, when the value came from that file.
    folder: Path | None = None
    #: The configuration file as shown in messages.
    file: str = ""
    #: 1-based line of a key path in the configuration file.
    line_of: Callable[[tuple[Any, ...]], int] | None = None


def strings(value: Any, origin: Origin) -> tuple[str, ...]:
    return tuple(str(item) for item in value)


def flag(value: Any, origin: Origin) -> bool:
    return bool(value)


def seconds(value: Any, origin: Origin) -> float:
    """A number of seconds (the schema or the option has checked it is a number >= 0)."""
    return float(value)


def _written_path(written: Any, origin: Origin) -> Path:
    path = Path(str(written)).expanduser()
    if origin.folder is not None and not path.is_absolute():
        return origin.folder / path
    return path


def display_path(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def rule_paths(value: Any, origin: Origin) -> tuple[Path, ...]:
    return tuple(_written_path(item, origin) for item in value)


def report_files(value: Any, origin: Origin) -> tuple[str, ...]:
    """``FORMAT:PATH`` entries; a configuration file's paths are relative to that file."""
    if origin.folder is None:
        return tuple(str(item) for item in value)
    relocated = []
    for item in value:
        report_format, _, target = str(item).partition(":")
        shown = display_path(_written_path(target, origin), origin.base)
        relocated.append(f"{report_format}:{shown}")
    return tuple(relocated)


def severities(value: Any, origin: Origin) -> dict[str, Severity]:
    return {str(rule): Severity(level) for rule, level in value.items()}


def nested_mappings(value: Any, origin: Origin) -> dict[str, dict[str, Any]]:
    return {str(key): dict(inner) for key, inner in value.items()}


def mapping(value: Any, origin: Origin) -> dict[str, Any]:
    return dict(value)


def engine_names(value: Any, origin: Origin) -> tuple[str, ...]:
    return parse_engines(str(item) for item in value)


def parameter_flags(value: Any, origin: Origin) -> dict[str, Any]:
    return parse_parameter_flags([str(item) for item in value])


def parameter_file(value: Any, origin: Origin) -> dict[str, Any]:
    return read_parameters_file(Path(value))


def shard(value: Any, origin: Origin) -> tuple[int, int]:
    """``K/N`` (1-based on the command line) as a 0-based (index, count)."""
    text = str(value)
    index, separator, count = text.partition("/")
    if not (separator and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise IacguardError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return int(index) - 1, int(count)


def config_suppressions(value: Any, origin: Origin) -> tuple[ConfigSuppression, ...]:
    if origin.line_of is None:
        return ()  # only a configuration file can list suppressions
    entries = []
    for index, entry in enumerate(value):
        expires = entry.get("expires")
        entries.append(ConfigSuppression(
            rule_id=str(entry["id"]),
            path=str(entry.get("path", "*")),
            logical_id=str(entry.get("logical-id", "*")),
            reason=str(entry.get("reason", "")).strip(),
            expires=None if expires is None else _date(
                str(expires), origin, ("suppressions", index, "expires")
            ),
            file=origin.file,
            line=origin.line_of(("suppressions", index)),
        ))
    return tuple(entries)


def _date(text: str, origin: Origin, key_path: tuple[Any, ...]) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        line = origin.line_of(key_path) if origin.line_of is not None else 1
        raise ConfigError(
            f"{origin.file}:{line}: '{key_path_text(key_path)}': {text!r} is not a valid date"
        ) from None


def shown_paths(value: Any, base: Path) -> list[str]:
    return [display_path(path, base) for path in value]


def shown_list(value: Any, base: Path) -> list[Any]:
    return list(value)
