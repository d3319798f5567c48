"""Settings for one run: built-in defaults, then one configuration file, then the command line.

Click options default to None so that "not given on the command line" can be told apart from
"given with the default value"; precedence is resolved here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacguard.discover.boundary import Boundary
from iacguard.errors import ConfigError
from iacguard.settings.conversions import Origin
from iacguard.settings.definitions import SettingField, Settings, setting_fields
from iacguard.settings.files import ConfigFile, find_config, read_config_file, search_start
from iacguard.settings.trust import confine_outputs, confine_rule_paths, is_repository_config

DEFAULT_SOURCE = "default"
COMMAND_LINE_SOURCE = "command line"


class CommandLine:
    """Settings given as flags, by field name (``fail_on="note"``); None or an empty list
    means "not given"."""

    def __init__(self, **given: Any) -> None:
        names = {item.name for item in setting_fields()}
        unknown = sorted(set(given) - names)
        if unknown:
            raise TypeError(f"not a setting: {', '.join(unknown)}")
        self._given = {
            name: value for name, value in given.items()
            if value is not None and not (isinstance(value, (tuple, list)) and not value)
        }

    def given(self) -> dict[str, Any]:
        """The settings this command line sets, by field name."""
        return dict(self._given)


@dataclass(frozen=True)
class ResolvedSettings(Settings):
    """Settings with where each value came from."""

    #: Where each setting's value came from, by key: "default", the configuration file's name,
    #: or "command line".
    sources: Mapping[str, str] = field(default_factory=dict)
    #: The effective values of the configuration-file settings under their keys, as
    #: ``iacguard config`` shows them.
    effective: Mapping[str, Any] = field(default_factory=dict)
    config: ConfigFile | None = None

    def values(self) -> Settings:
        """The settings alone, without where they came from (plain data a worker process
        can be sent)."""
        return Settings(**{item.name: getattr(self, item.name) for item in setting_fields()})

    def where(self, key_path: tuple[Any, ...]) -> str:
        """``file:line`` of a setting when it came from the file, else how it was given."""
        key = str(key_path[0])
        if self.config is not None and self.sources.get(key) == self.config.display:
            return self.config.where(key_path)
        return f"--{key}"


def resolve_settings(
    paths: Sequence[Path] = (),
    command_line: CommandLine | None = None,
    config_path: Path | None = None,
    isolated: bool = False,
    cwd: Path | None = None,
) -> ResolvedSettings:
    """Defaults, overridden by the configuration file, overridden by the command line."""
    base = (cwd or Path.cwd()).resolve()
    boundary = Boundary.for_run(paths, base)
    config = _configuration(paths, config_path, isolated, base, boundary)
    every = list(setting_fields())
    by_key = {item.key: item for item in every}
    written: dict[str, tuple[Any, Origin]] = {}
    sources = {item.key: DEFAULT_SOURCE for item in every}
    if config is not None:
        in_file = Origin(base, config.path.parent, config.display, config.line_of)
        for key, value in config.data.items():
            written[by_key[key].name] = (value, in_file)
            sources[key] = config.display
    for name, value in (command_line or CommandLine()).given().items():
        written[name] = (value, Origin(base))
        sources[name.replace("_", "-")] = COMMAND_LINE_SOURCE
    values: dict[str, Any] = {}
    effective: dict[str, Any] = {}
    for item in every:
        raw, origin = written.get(item.name, (None, None))
        values[item.name] = item.default if origin is None else _converted(item, raw, origin)
        if item.in_config_file:
            effective[item.key] = _shown(item, values[item.name], raw, origin, base)
    if config is not None and is_repository_config(config, boundary):
        _confine(config, values, sources, base)
    return ResolvedSettings(**values, sources=sources, effective=effective, config=config)


def _confine(config: ConfigFile, values: Mapping[str, Any], sources: Mapping[str, str],
             base: Path) -> None:
    """Paths a configuration file in the repository wrote stay inside the repository
    (:mod:`iacguard.settings.trust`); paths from the command line are the user's own."""
    if sources["output"] == config.display:
        confine_outputs(config, values["output"], base)
    if sources["rules"] == config.display:
        confine_rule_paths(config, values["rules"])


def _configuration(
    paths: Sequence[Path], config_path: Path | None, isolated: bool, base: Path,
    boundary: Boundary,
) -> ConfigFile | None:
    if config_path is not None and isolated:
        raise ConfigError("--config and --isolated cannot be used together")
    if config_path is not None:
        return read_config_file(config_path, base)
    return None if isolated else find_config(search_start(paths, base), base, boundary)


def _converted(item: SettingField, raw: Any, origin: Origin) -> Any:
    if item.definition.convert is not None:
        return item.definition.convert(raw, origin)
    return tuple(raw) if isinstance(raw, list) else raw


def _shown(item: SettingField, value: Any, raw: Any, origin: Origin | None, base: Path) -> Any:
    if item.definition.shown is not None:
        return item.definition.shown(value, base)
    return _plain(item.default if origin is None else raw)


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value
