"""IGD002 dynamodb-table-unprotected: DynamoDB deletion protection and point-in-time recovery
(for a global table, on every replica)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.engines.rules.conditions import evaluate
from iacguard.findings import Outcome
from iacguard.model.truth import unanimous

#: Resource type -> (path, setting name, what goes wrong without it), one per protection.
_TABLE_SETTINGS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "AWS::DynamoDB::Table": (
        (
            "Properties.DeletionProtectionEnabled",
            "DeletionProtectionEnabled",
            "can be deleted by a stack update or deletion",
        ),
        (
            "Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
            "PointInTimeRecoveryEnabled",
            "cannot be restored to a point in time",
        ),
    ),
    "AWS::DynamoDB::GlobalTable": (
        (
            "Properties.Replicas.*.DeletionProtectionEnabled",
            "DeletionProtectionEnabled",
            "has a replica that can be deleted by a stack update or deletion",
        ),
        (
            "Properties.Replicas.*.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
            "PointInTimeRecoveryEnabled",
            "has a replica that cannot be restored to a point in time",
        ),
    ),
}


#: Retained on deletion and on replacement: no stack operation deletes the table.
RETAINED = {
    "all": [
        {"path": "DeletionPolicy", "in": ["Retain", "RetainExceptOnCreate"]},
        {"path": "UpdateReplacePolicy", "equals": "Retain"},
    ]
}


@rule_check
def dynamodb_table_unprotected(ctx: CheckContext) -> Iterator[Verdict]:
    failing: list[tuple[Verdict, str, str]] = []
    retained = unanimous(b.truth for b in evaluate(RETAINED, ctx.scope)) is True
    for path, setting, problem in _TABLE_SETTINGS.get(ctx.resource.type, ()):
        if retained and setting == "DeletionProtectionEnabled":
            continue
        verdict = ctx.evaluate_failing({"path": path, "not-equals": True})
        if verdict.outcome is not Outcome.PASS:
            failing.append((verdict, setting, problem))
    if len(failing) == 2 and ctx.same_spot(failing[0][0], failing[1][0]):
        # Neither setting is there: one finding on the shared spot names both.
        (verdict, first_setting, first_problem), (_, second_setting, second_problem) = failing
        second_problem = second_problem.removeprefix("has a replica that ")
        failing = [
            (
                verdict,
                f"{first_setting} and {second_setting}",
                f"{first_problem} and {second_problem}",
            )
        ]
    for verdict, setting, problem in failing:
        yield verdict.with_values(problem=problem, setting=setting)
    if not failing:
        yield Verdict(Outcome.PASS)
