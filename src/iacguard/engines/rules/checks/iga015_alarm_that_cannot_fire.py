"""IGA015 alarm-that-cannot-fire: an alarm watches a metric the way CloudWatch publishes it
(model/alarm_health.py judges it against the metric catalogue)."""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model.alarm_health import alarm_defects


@rule_check
def alarm_that_cannot_fire(ctx: CheckContext) -> Iterable[Verdict]:
    defects = ctx.template.index(alarm_defects).get(ctx.resource.logical_id, ())
    if not defects:
        return [Verdict(Outcome.PASS)]
    first, *others = defects
    problem = first.problem
    if others:
        more = "problem" if len(others) == 1 else "problems"
        problem += f" ({len(others)} more {more}: {others[0].reason})"
    return [
        Verdict(
            Outcome.FAIL,
            first.path,
            {"problem": problem},
            first.assumptions,
        )
    ]
