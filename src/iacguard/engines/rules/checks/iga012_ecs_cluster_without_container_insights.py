"""IGA012 ecs-cluster-without-container-insights: ``ClusterSettings`` has ``containerInsights``
set to ``enabled`` or ``enhanced``.

Without the setting the account default decides; the ``account-default`` option says what that
default is (``unknown`` unless configured), and the ``container-insights`` fact can declare it on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.engines.rules.api import (
    CheckContext,
    Verdict,
    rule_check,
    unknown,
    verdict_from_values,
)
from iacguard.findings import Outcome
from iacguard.model.truth import Truth, none_of
from iacguard.model.values import ABSENT, is_intrinsic

_INSIGHTS_ON = frozenset({"enabled", "enhanced"})


def _insights_off(value: Any) -> Truth:
    return none_of(value, _INSIGHTS_ON)


@rule_check
def ecs_cluster_without_container_insights(ctx: CheckContext) -> Iterable[Verdict]:
    settings = [
        item
        for item in ctx.lookup("Properties.ClusterSettings.*")
        if isinstance(item.value, Mapping)
        and not is_intrinsic(item.value)
        and item.value.get("Name") == "containerInsights"
    ]
    if settings:
        values = [
            value
            for item in settings
            for value in ctx.resolver.resolve(
                item.value.get("Value", ABSENT), (*item.path, "Value"), item.assumptions
            )
        ]
        return [verdict_from_values(values, _insights_off)]
    default = str(ctx.options.get("account-default", "unknown"))
    if ctx.fact("container-insights") is True:
        default = "enabled"  # declared in the configuration: the account setting turns it on
    path = ("Properties", "ClusterSettings")
    if default in _INSIGHTS_ON:
        return [Verdict(Outcome.PASS)]
    if default == "disabled":
        return [Verdict(Outcome.FAIL, path, {"value": ABSENT})]
    reason = "no containerInsights setting, so the account default decides"
    return [unknown(path, reason)]
