"""IGD001 stateful-resource-without-retention-policies: explicit ``DeletionPolicy`` and
``UpdateReplacePolicy`` that keep the data."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome

#: Deletion policies that keep the data (or a snapshot of it) when the resource goes away.
PROTECTIVE_POLICIES = ("Retain", "RetainExceptOnCreate", "Snapshot")
_REPLACED_WITH_DATA_LOSS = {
    "all": [
        {"path": "DeletionPolicy", "in": list(PROTECTIVE_POLICIES)},
        {"path": "UpdateReplacePolicy", "equals": "Delete"},
    ]
}


@rule_check
def stateful_resource_without_retention_policies(ctx: CheckContext) -> Iterator[Verdict]:
    missing = [
        (attribute, ctx.evaluate_failing({"path": attribute, "absent": True}))
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy")
    ]
    problems = [(attribute, v) for attribute, v in missing if v.outcome is not Outcome.PASS]
    if len(problems) == 2 and ctx.same_spot(problems[0][1], problems[1][1]):
        # Both missing: one finding on the resource says it all.
        yield _with_problem(problems[0][1], "does not set DeletionPolicy or UpdateReplacePolicy")
        return
    for attribute, verdict in problems:
        yield _with_problem(verdict, f"does not set {attribute}")
    if problems:
        return
    # Both set: retaining on delete but deleting on replacement still loses the data.
    yield _with_problem(
        ctx.evaluate_failing(_REPLACED_WITH_DATA_LOSS),
        "keeps its data on deletion but not on replacement (UpdateReplacePolicy is Delete)",
    )


def _with_problem(verdict: Verdict, problem: str) -> Verdict:
    return verdict if verdict.outcome is Outcome.PASS else verdict.with_values(problem=problem)
