"""Settings that name rules, rule options or report formats must name existing ones.

Checked once the rules are loaded, with the same ``file:line`` (or ``--flag``) as every other
configuration mistake, because a misspelt rule id in ``ignore`` silently checks too much.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from iacguard.errors import ConfigError
from iacguard.settings.resolve import COMMAND_LINE_SOURCE, ResolvedSettings
from iacguard.suggest import did_you_mean

#: iacguard's own rule ids all start with IG. Other selectors may name cfn-lint rules (ids such
#: as E3012 or cfn-lint/E3012, prefixes, names), which only cfn-lint knows, so they pass unchecked.
_OWN_RULE_PREFIX = "IG"


def check_rule_references(
    settings: ResolvedSettings,
    known: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, str],
    tags: Sequence[str],
    report_formats: Sequence[str],
) -> None:
    """``known`` maps every rule id to its declared options; ``names`` maps rule names to ids."""
    ids = sorted(known)
    for key in ("select", "ignore", "extend-select"):
        for index, selector in enumerate(settings.effective[key]):
            if not _selector_matches(selector, ids, names, tags):
                raise ConfigError(
                    f"{settings.where((key, index))}: {selector!r} matches no rule"
                    + did_you_mean(selector, [*ids, *names])
                )
    for key in ("severity", "rule-options", "suppressions"):
        _check_rule_ids(settings, key, ids, names)
    _check_rule_options(settings, known, names)
    _check_report_formats(settings, report_formats)


def _check_rule_options(
    settings: ResolvedSettings, known: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]
) -> None:
    for rule_id, options in settings.rule_options.items():
        declared = known.get(names.get(rule_id, rule_id), {})
        for option in options:
            if option not in declared:
                offered = ", ".join(sorted(declared)) or "none"
                raise ConfigError(
                    f"{settings.where(('rule-options', rule_id, option))}: rule {rule_id} has no "
                    f"option {option!r} (options: {offered})" + did_you_mean(option, declared)
                )


def _check_report_formats(settings: ResolvedSettings, report_formats: Sequence[str]) -> None:
    if settings.sources["output"] == COMMAND_LINE_SOURCE:
        return  # --output values are checked where they are parsed
    for index, written in enumerate(settings.output):
        report_format = written.partition(":")[0]
        if report_format not in report_formats:
            raise ConfigError(
                f"{settings.where(('output', index))}: unknown report format "
                f"{report_format!r} (formats: {', '.join(report_formats)})"
                + did_you_mean(report_format, report_formats)
            )


def _check_rule_ids(
    settings: ResolvedSettings, key: str, ids: Sequence[str], names: Mapping[str, str]
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
            f"{settings.where(key_path)}: unknown rule {rule_id!r}" + did_you_mean(rule_id, ids)
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
