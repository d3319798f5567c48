"""Click options made from the setting definitions, and settings resolved from what was given.

Every default is None (or empty): an option not given leaves the configuration file's value
alone. Precedence is resolved in :mod:`iacguard.settings.resolve`, not by click.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from iacguard.settings.definitions import Kind, SettingField, ValueType, setting_fields
from iacguard.settings.resolve import CommandLine, ResolvedSettings, resolve_settings

F = TypeVar("F", bound=Callable[..., Any])

_VALUE_TYPES: Mapping[ValueType, Any] = {
    ValueType.TEXT: None,
    ValueType.PATH: click.Path(path_type=Path),
    ValueType.FILE: click.Path(path_type=Path, dir_okay=False),
    ValueType.FOLDER: click.Path(path_type=Path, file_okay=False),
    ValueType.COUNT: click.IntRange(min=1),
    ValueType.SECONDS: click.FloatRange(min=0),
}


def settings_options(include: Callable[[SettingField], bool]) -> Callable[[F], F]:
    """The options of every setting ``include`` accepts, after --config and --isolated."""
    chosen = [item for item in setting_fields() if item.definition.option and include(item)]
    options = [
        click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
                     help="Read settings from this file instead of the nearest pyproject.toml "
                     "[tool.iacguard] / .iacguard.yaml."),
        click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
        *(setting_option(item) for item in chosen),
    ]

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def setting_option(item: SettingField, **overrides: Any) -> Callable[[F], F]:
    """The click option of one setting; ``overrides`` replace click arguments (a default)."""
    option = item.definition.option
    assert option is not None
    arguments: dict[str, Any] = {"help": option.help, "default": None}
    if option.metavar:
        arguments["metavar"] = option.metavar
    if option.kind in (Kind.LIST, Kind.REPEATED):
        arguments["multiple"] = True
    if option.kind is Kind.SWITCH and "/" not in option.flags[0]:
        arguments["is_flag"] = True
    if option.kind is Kind.CHOICE:
        arguments["type"] = click.Choice(option.choices)
    elif _VALUE_TYPES.get(option.value_type) is not None:
        arguments["type"] = _VALUE_TYPES[option.value_type]
    arguments.update(overrides)
    decorator: Callable[[F], F] = click.option(*option.flags, item.name, **arguments)
    return decorator


def setting_named(name: str) -> SettingField:
    return next(item for item in setting_fields() if item.name == name)


def resolved(paths: Sequence[Path], values: Mapping[str, Any]) -> ResolvedSettings:
    """The run's settings from the command's parsed options (config_file, isolated and every
    setting option, by field name)."""
    given = {name: value for name, value in values.items()
             if name not in ("config_file", "isolated")}
    return resolve_settings(
        paths, command_line(given), values.get("config_file"), bool(values.get("isolated"))
    )


def command_line(values: Mapping[str, Any]) -> CommandLine:
    """``--select A --select B`` and ``--select A,B`` alike, for options that list values."""
    lists = {item.name for item in setting_fields()
             if item.definition.option and item.definition.option.kind is Kind.LIST}
    return CommandLine(**{
        name: _split(value) if name in lists and value is not None else value
        for name, value in values.items()
    })


def _split(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
