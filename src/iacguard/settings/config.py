"""Settings for one run: built-in defaults, then one configuration file, then the command line.

The configuration file is ``[tool.iacguard]`` in ``pyproject.toml`` or a ``.iacguard.yaml`` /
``.iacguard.yml``, the nearest one found walking up from the first checked path. It is validated
against ``schemas/config.schema.json``; every mistake stops the run with ``file:line: problem``,
because a typo in a configuration file silently changes what is checked.

Click options default to None so that "not given on the command line" can be told apart from
"given with the default value"; precedence is resolved here and nowhere else.
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import functools
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from iacguard.errors import ConfigError
from iacguard.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

YAML_CONFIG_NAMES = (".iacguard.yaml", ".iacguard.yml")
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "iacguard")
DEFAULT_SOURCE = "default"
COMMAND_LINE_SOURCE = "command line"

#: Every setting with its built-in value, in the order ``iacguard config`` prints them.
DEFAULTS: Mapping[str, Any] = {
    "include": [],
    "exclude": [],
    "select": [],
    "ignore": [],
    "extend-select": [],
    "severity": {},
    "fail-on": "error",
    "rules": [],
    "parameters": {},
    "validate": True,
    "regions": ["us-east-1"],
    "engines": ["iacguard"],
    "output": [],
    "show-unknown": False,
    "inline-suppressions": True,
    "rule-options": {},
    "facts": {},
    "suppressions": [],
}

#: iacguard's own rule ids all start with IG. Other selectors may name cfn-lint rules (ids such
#: as E3012 or cfn-lint/E3012, prefixes, names), which only cfn-lint knows, so they pass unchecked.
_OWN_RULE_PREFIX = "IG"
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


@dataclass(frozen=True)
class CommandLine:
    """Settings given as flags; None (or an empty tuple) means "not given"."""

    include: Sequence[str] | None = None
    exclude: Sequence[str] | None = None
    select: Sequence[str] | None = None
    ignore: Sequence[str] | None = None
    extend_select: Sequence[str] | None = None
    fail_on: str | None = None
    rules: Sequence[Path] | None = None
    validate: bool | None = None
    regions: Sequence[str] | None = None
    show_unknown: bool | None = None
    inline_suppressions: bool | None = None
    output: Sequence[str] | None = None
    engines: Sequence[str] | None = None

    def given(self) -> dict[str, Any]:
        """The settings this command line sets, under their configuration-file names."""
        result: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or (isinstance(value, (tuple, list)) and not value):
                continue
            result[item.name.replace("_", "-")] = list(value) if isinstance(
                value, (tuple, list)
            ) else value
        return result


@dataclass(frozen=True)
class ConfigSuppression:
    """One entry of the configuration's ``suppressions`` list."""

    rule_id: str
    path: str  # glob of template display paths
    logical_id: str  # glob of logical ids
    reason: str
    expires: datetime.date | None
    file: str  # the configuration file, as shown in reports
    line: int


@dataclass(frozen=True)
class Settings:
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    extend_select: tuple[str, ...]
    severity: Mapping[str, Severity]
    fail_on: str
    rules: tuple[Path, ...]
    parameters: tuple[tuple[str, Mapping[str, Any]], ...]
    validate: bool
    regions: tuple[str, ...]
    #: Report files as ``FORMAT:PATH`` (or a plain ``PATH`` from --output); a configuration
    #: file's paths are already made relative to that file.
    output: tuple[str, ...]
    show_unknown: bool
    inline_suppressions: bool
    rule_options: Mapping[str, Mapping[str, Any]]
    facts: Mapping[str, Any]
    suppressions: tuple[ConfigSuppression, ...]
    #: Where each setting's value came from: "default", the configuration file, "command line".
    sources: Mapping[str, str]
    #: The effective values under their configuration-file names, for ``iacguard config``.
    effective: Mapping[str, Any]
    config: ConfigFile | None = None
    #: Engines that check each template: "iacguard" (our rules) and/or "checkov".
    engines: tuple[str, ...] = ("iacguard",)

    def where(self, key_path: tuple[Any, ...]) -> str:
        """``file:line`` of a setting when it came from the file, else how it was given."""
        key = str(key_path[0])
        if self.config is not None and self.sources.get(key) == self.config.display:
            return self.config.where(key_path)
        return f"--{key}"


# --------------------------------------------------------------------------- resolving


def resolve_settings(
    paths: Sequence[Path] = (),
    command_line: CommandLine | None = None,
    config_path: Path | None = None,
    isolated: bool = False,
    cwd: Path | None = None,
) -> Settings:
    """Defaults, overridden by the configuration file, overridden by the command line."""
    base = (cwd or Path.cwd()).resolve()
    config: ConfigFile | None = None
    if config_path is not None and isolated:
        raise ConfigError("--config and --isolated cannot be used together")
    if config_path is not None:
        config = read_config_file(config_path, base)
    elif not isolated:
        config = find_config(search_start(paths, base), base)
    merged = {key: value for key, value in DEFAULTS.items()}
    sources = dict.fromkeys(DEFAULTS, DEFAULT_SOURCE)
    if config is not None:
        for key, value in config.data.items():
            merged[key] = value
            sources[key] = config.display
    for key, value in (command_line or CommandLine()).given().items():
        merged[key] = value
        sources[key] = COMMAND_LINE_SOURCE
    return _build(merged, sources, config, base)


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


def find_config(start: Path, base: Path) -> ConfigFile | None:
    """The nearest configuration file in ``start`` or a parent folder. In one folder a
    ``.iacguard.yaml`` wins over ``.iacguard.yml``, which wins over ``pyproject.toml``."""
    for folder in (start, *start.parents):
        for name in YAML_CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return read_config_file(candidate, base)
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _has_iacguard_table(pyproject):
            return read_config_file(pyproject, base)
    return None


def _has_iacguard_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    if "iacguard" not in text:  # cheap: most pyproject files never mention us
        return False
    data = _parse_toml(text, _display(pyproject, pyproject.parent))
    return isinstance(data.get("tool"), dict) and "iacguard" in data["tool"]


def read_config_file(path: Path, base: Path) -> ConfigFile:
    display = _display(path, base)
    if not path.is_file():
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
    _validate(data, display, line_of)
    return ConfigFile(path.resolve(), display, data, line_of)


def _display(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _read_toml(path: Path, display: str) -> tuple[Any, LineFinder]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display}: cannot read configuration file: {exc}") from None
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
        document = load_document(path, display)
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


# --------------------------------------------------------------------------- validation


@functools.lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    text = (resources.files("iacguard") / "schemas" / "config.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validate(data: Any, display: str, line_of: LineFinder) -> None:
    import jsonschema  # deferred: only needed when a configuration file exists

    if not isinstance(data, dict):
        raise ConfigError(f"{display}:1: expected a mapping of settings, not {_kind(data)}")
    validator = jsonschema.Draft202012Validator(config_schema())
    problems = [_describe(error) for error in validator.iter_errors(data)]
    if not problems:
        return
    located = sorted((line_of(key_path), message) for key_path, message in problems)
    line, message = located[0]
    raise ConfigError(f"{display}:{line}: {message}")


def _describe(error: Any) -> tuple[tuple[Any, ...], str]:
    """The key path to point at and a one-line explanation of a schema error."""
    key_path = tuple(error.absolute_path)
    where = _key_name(key_path)
    value = error.instance
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = next(key for key in value if key not in allowed)
        inside = f" in {where}" if key_path else ""
        return (*key_path, unknown), f"unknown key {unknown!r}{inside}" + _suggest(unknown, allowed)
    if validator == "required":
        missing = next(key for key in error.validator_value if key not in value)
        return key_path, f"{where}: {missing!r} is required"
    if validator == "type":
        return key_path, f"{where} must be {_type_words(error.validator_value)}, not {_kind(value)}"
    if validator == "enum":
        choices = [str(choice) for choice in error.validator_value]
        return key_path, (
            f"{where}: {value!r} is not one of {', '.join(choices)}"
            + _suggest(str(value), choices)
        )
    if validator in ("minLength", "minItems"):
        return key_path, f"{where} must not be empty"
    if validator == "pattern":
        expected = error.schema.get("description", f"matching {error.validator_value}")
        return key_path, f"{where}: {value!r} is not {expected}"
    if validator == "propertyNames":
        return key_path, f"{where}: key is not a rule id such as IGE001"
    if validator == "anyOf":
        return key_path, f"{where} must be a string, number, boolean or list"
    return key_path, f"{where}: {error.message}"


def _key_name(key_path: tuple[Any, ...]) -> str:
    if not key_path:
        return "configuration"
    text = ""
    for segment in key_path:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return f"'{text}'"


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _type_words(expected: Any) -> str:
    names = {
        "array": "a list",
        "object": "a mapping",
        "boolean": "true or false",
        "string": "a string",
        "number": "a number",
        "integer": "a whole number",
        "null": "empty",
    }
    options = expected if isinstance(expected, list) else [expected]
    return " or ".join(names.get(str(option), str(option)) for option in options)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value} (a number)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# --------------------------------------------------------------------------- building


def _build(
    merged: Mapping[str, Any], sources: Mapping[str, str], config: ConfigFile | None, base: Path
) -> Settings:
    def relative_to_source(key: str, written: str) -> Path:
        path = Path(written).expanduser()
        if config is not None and sources[key] == config.display and not path.is_absolute():
            return config.path.parent / path
        return path

    effective = dict(merged)
    rules = tuple(relative_to_source("rules", str(p)) for p in merged["rules"])
    effective["rules"] = [_display(p, base) for p in rules]
    def relocated_output(written: str) -> str:
        report_format, _, target = written.partition(":")
        return f"{report_format}:{_display(relative_to_source('output', target), base)}"

    output = tuple(
        relocated_output(item) if sources["output"] != COMMAND_LINE_SOURCE else item
        for item in merged["output"]
    )
    effective["output"] = list(output)
    settings = Settings(
        include=tuple(merged["include"]),
        exclude=tuple(merged["exclude"]),
        select=tuple(merged["select"]),
        ignore=tuple(merged["ignore"]),
        extend_select=tuple(merged["extend-select"]),
        severity={rule: Severity(level) for rule, level in merged["severity"].items()},
        fail_on=merged["fail-on"],
        rules=rules,
        parameters=tuple((glob, dict(values)) for glob, values in merged["parameters"].items()),
        validate=bool(merged["validate"]),
        regions=tuple(merged["regions"]),
        engines=tuple(merged["engines"]),
        output=output,
        show_unknown=bool(merged["show-unknown"]),
        inline_suppressions=bool(merged["inline-suppressions"]),
        rule_options={rule: dict(options) for rule, options in merged["rule-options"].items()},
        facts=dict(merged["facts"]),
        suppressions=_config_suppressions(merged["suppressions"], config),
        sources=dict(sources),
        effective=effective,
        config=config,
    )
    return settings


def _config_suppressions(
    entries: Sequence[Mapping[str, Any]], config: ConfigFile | None
) -> tuple[ConfigSuppression, ...]:
    if not entries or config is None:
        return ()
    result = []
    for index, entry in enumerate(entries):
        expires = entry.get("expires")
        result.append(
            ConfigSuppression(
                rule_id=str(entry["id"]),
                path=str(entry.get("path", "*")),
                logical_id=str(entry.get("logical-id", "*")),
                reason=str(entry.get("reason", "")).strip(),
                expires=_date(expires, config, ("suppressions", index, "expires"))
                if expires is not None
                else None,
                file=config.display,
                line=config.line_of(("suppressions", index)),
            )
        )
    return tuple(result)


def _date(text: str, config: ConfigFile, key_path: tuple[Any, ...]) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{config.where(key_path)}: {_key_name(key_path)}: {text!r} is not a valid date"
        ) from None


def path_matches(display_path: str, pattern: str) -> bool:
    """A glob matches a file's display path, its name, or a folder that contains it."""
    stripped = pattern.rstrip("/")
    name = display_path.rsplit("/", 1)[-1]
    return (
        fnmatch.fnmatchcase(display_path, stripped)
        or fnmatch.fnmatchcase(name, stripped)
        or fnmatch.fnmatchcase(display_path, stripped + "/*")
    )


# --------------------------------------------------------------------------- cross-checks


def check_rule_references(
    settings: Settings,
    known: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, str],
    tags: Sequence[str],
    report_formats: Sequence[str],
) -> None:
    """Settings that name rules, rule options or report formats must name existing ones.

    ``known`` maps every rule id to its declared options; ``names`` maps rule names to ids.
    """
    ids = sorted(known)
    for key in ("select", "ignore", "extend-select"):
        for index, selector in enumerate(settings.effective[key]):
            if not _selector_matches(selector, ids, names, tags):
                raise ConfigError(
                    f"{settings.where((key, index))}: {selector!r} matches no rule"
                    + _suggest(selector, [*ids, *names])
                )
    for key in ("severity", "rule-options", "suppressions"):
        _check_rule_ids(settings, key, ids, names)
    for rule_id, options in settings.rule_options.items():
        declared = known.get(names.get(rule_id, rule_id), {})
        for option in options:
            if option not in declared:
                offered = ", ".join(sorted(declared)) or "none"
                raise ConfigError(
                    f"{settings.where(('rule-options', rule_id, option))}: rule {rule_id} has no "
                    f"option {option!r} (options: {offered})" + _suggest(option, list(declared))
                )
    if settings.sources["output"] == COMMAND_LINE_SOURCE:
        return  # --output values are checked where they are parsed
    for index, written in enumerate(settings.output):
        report_format = written.partition(":")[0]
        if report_format not in report_formats:
            raise ConfigError(
                f"{settings.where(('output', index))}: unknown report format "
                f"{report_format!r} (formats: {', '.join(report_formats)})"
                + _suggest(report_format, report_formats)
            )


def _check_rule_ids(
    settings: Settings, key: str, ids: Sequence[str], names: Mapping[str, str]
) -> None:
    value = settings.effective[key]
    written = (
        [(index, entry["id"]) for index, entry in enumerate(value)]
        if key == "suppressions"
        else [(rule_id, rule_id) for rule_id in value]
    )
    for position, rule_id in written:
        if rule_id in ids or rule_id in names or not _is_own(rule_id, key):
            continue
        key_path = (key, position, "id") if key == "suppressions" else (key, position)
        raise ConfigError(
            f"{settings.where(key_path)}: unknown rule {rule_id!r}" + _suggest(rule_id, ids)
        )


def _is_own(rule_id: str, key: str) -> bool:
    """Whether a setting names one of iacguard's rules (which must exist). Only suppressions
    may name cfn-lint rules: severity and rule options apply to iacguard's rules alone."""
    return key != "suppressions" or rule_id.upper().startswith(_OWN_RULE_PREFIX)


def _selector_matches(
    selector: str, ids: Sequence[str], names: Mapping[str, str], tags: Sequence[str]
) -> bool:
    return (
        not selector.upper().startswith(_OWN_RULE_PREFIX)
        or any(rule_id.startswith(selector) for rule_id in ids)
        or selector in names
        or selector in tags
    )


# --------------------------------------------------------------------------- showing


def describe_settings(settings: Settings) -> str:
    """``iacguard config``: every effective value and where it came from."""
    config = settings.config
    lines = [f"configuration file: {config.display if config else '(none)'}", ""]
    values = {
        key: json.dumps(settings.effective[key], default=str, ensure_ascii=False)
        for key in DEFAULTS
    }
    key_width = max(len(key) for key in DEFAULTS)
    value_width = min(max(len(value) for value in values.values()), 40)
    for key, value in values.items():
        lines.append(
            f"{key:<{key_width}}  {value:<{value_width}}  ({settings.sources[key]})"
        )
    return "\n".join(lines) + "\n"


def settings_as_json(settings: Settings) -> str:
    config = settings.config
    document = {
        "config_file": config.display if config else None,
        "settings": {
            key: {"value": settings.effective[key], "source": settings.sources[key]}
            for key in DEFAULTS
        },
    }
    return json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n"
