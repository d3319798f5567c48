"""Each setting is defined once (a field of Settings); everything else derives from it.

These tests are driven from the definitions, so a setting added tomorrow is covered without
editing them: its option reaches the command line, its key the schema, and its value the cache
key, unless its definition says it cannot change a result.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import json
import typing
from pathlib import Path
from typing import Any

import pytest

from iacguard.cli import cli
from iacguard.findings import Severity
from iacguard.run.runner import CheckSettings, settings_fingerprint
from iacguard.settings.definitions import SettingField, Settings, setting_fields
from iacguard.settings.schema import SCHEMA_FILE, config_schema, schema_text
from iacguard.suppress.config_entry import ConfigSuppression

SETTINGS = list(setting_fields())
HINTS = typing.get_type_hints(Settings)


def another_value(item: SettingField) -> Any:
    """A valid value of the setting that differs from its default."""
    hint, default = HINTS[item.name], item.default
    option = item.definition.option
    if hint is bool:
        return not default
    if hint is float:
        return default + 1.5
    if hint is str:
        choices = option.choices if option else ()
        return next(choice for choice in choices if choice != default)
    arguments = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and arguments[1:] == (Ellipsis,):
        return (*default, _item_of(arguments[0]))
    if typing.get_origin(hint) is collections.abc.Mapping:
        value_hint = arguments[1]
        return {**default, "IGE001": Severity.NOTE if value_hint is Severity else {"x": 1}}
    if type(None) in arguments:  # optional: anything instead of None
        (real,) = [argument for argument in arguments if argument is not type(None)]
        return {Path: Path("elsewhere"), int: 3, str: "main"}.get(real, (0, 2))
    raise AssertionError(f"teach another_value about {item.name}: {hint}")


def _item_of(hint: Any) -> Any:
    if hint is Path:
        return Path("more-rules")
    if hint is ConfigSuppression:
        return ConfigSuppression("IGE001", "*", "*", "accepted", datetime.date(2030, 1, 1),
                                 ".iacguard.yaml", 3)
    return "checkov" if hint is str else hint()


@pytest.mark.parametrize("item", SETTINGS, ids=[item.name for item in SETTINGS])
def test_a_setting_is_in_the_cache_key_unless_it_cannot_change_a_result(
    item: SettingField,
) -> None:
    base = CheckSettings(paths=(Path("."),), rules=())
    changed = dataclasses.replace(base, settings=dataclasses.replace(
        base.settings, **{item.name: another_value(item)}))
    same = settings_fingerprint(changed) == settings_fingerprint(base)
    assert same is not item.definition.affects_results, (
        f"{item.key}: affects results = {item.definition.affects_results}, yet changing it "
        f"{'does not change' if same else 'changes'} the cache fingerprint"
    )


def test_only_settings_that_cannot_change_a_result_are_left_out_of_the_cache_key() -> None:
    left_out = {item.key for item in SETTINGS if not item.definition.affects_results}
    assert left_out == {
        "include", "exclude", "fail-on", "output", "write-baseline", "format", "jobs",
        "cache-dir", "no-cache", "shard", "quiet", "statistics",
        # A finished validation finds the same under any budget; a stopped one is not cached
        # (tests/test_validate_timeout.py).
        "validate-timeout",
    }


def test_the_shipped_schema_is_the_one_the_definitions_give() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "schemas/config.schema.json is stale: run python -m iacguard.settings.schema"
    )


def test_every_configuration_key_is_a_setting_and_the_other_way_round() -> None:
    in_schema = set(config_schema()["properties"])
    assert in_schema == {item.key for item in SETTINGS if item.in_config_file}
    assert all(item.definition.option or item.in_config_file for item in SETTINGS)


def test_check_offers_every_option_and_config_every_file_setting_with_one() -> None:
    def option_names(command: str) -> set[str]:
        return {param.name for param in cli.commands[command].params
                if isinstance(param.name, str)}

    with_option = [item for item in SETTINGS if item.definition.option is not None]
    assert {item.name for item in with_option} <= option_names("check")
    assert {item.name for item in with_option if item.in_config_file} <= option_names("config")
    flags = [flag for item in with_option for flag in item.definition.option.flags]  # type: ignore[union-attr]
    assert len(flags) == len(set(flags))


def test_a_file_setting_given_on_the_command_line_is_shown_with_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iacguard.cli import main

    monkeypatch.chdir(tmp_path)
    main(["config", "--isolated", "--format", "json", "--region", "eu-west-1,eu-north-1",
          "--output", "sarif:out.sarif"])
    shown = json.loads(capsys.readouterr().out)["settings"]
    assert shown["regions"] == {"value": ["eu-west-1", "eu-north-1"], "source": "command line"}
    assert shown["output"] == {"value": ["sarif:out.sarif"], "source": "command line"}
    assert len(shown) == len([item for item in SETTINGS if item.in_config_file])
