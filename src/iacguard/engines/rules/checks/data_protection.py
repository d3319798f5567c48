"""Python checks for the data protection theme (logic the YAML rule format cannot say)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, CheckFunction, Verdict
from iacguard.findings import Outcome
from iacguard.load.parse import span_of

#: Deletion policies that keep the data (or a snapshot of it) when the resource goes away.
PROTECTIVE_POLICIES = ("Retain", "RetainExceptOnCreate", "Snapshot")
#: The CDK's `autoDeleteImages` empties a repository through this custom resource.
CDK_AUTO_DELETE_IMAGES = "Custom::ECRAutoDeleteImages"


# --- IGD001: explicit DeletionPolicy and UpdateReplacePolicy -------------------------------


def stateful_resource_policies(ctx: CheckContext) -> Iterator[Verdict]:
    missing = [
        (attribute, ctx.evaluate_failing({"path": attribute, "absent": True}))
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy")
    ]
    problems = [(attribute, v) for attribute, v in missing if v.outcome is not Outcome.PASS]
    if len(problems) == 2 and _same_spot(ctx, problems[0][1], problems[1][1]):
        # Both missing: one finding on the resource says it all.
        yield _with_problem(problems[0][1], "does not set DeletionPolicy or UpdateReplacePolicy")
        return
    for attribute, verdict in problems:
        yield _with_problem(verdict, f"does not set {attribute}")
    if problems:
        return
    # Both set: retaining on delete but deleting on replacement still loses the data.
    replaced = ctx.evaluate_failing(
        {
            "all": [
                {"path": "DeletionPolicy", "in": list(PROTECTIVE_POLICIES)},
                {"path": "UpdateReplacePolicy", "equals": "Delete"},
            ]
        }
    )
    yield _with_problem(
        replaced,
        "keeps its data on deletion but not on replacement (UpdateReplacePolicy is Delete)",
    )


def _same_spot(ctx: CheckContext, first: Verdict, second: Verdict) -> bool:
    """Two verdicts that would be reported on the same template line and column."""
    if first.outcome is not second.outcome or first.assumptions != second.assumptions:
        return False
    data = ctx.template.document.data
    return span_of(data, (*ctx.resource.path, *first.path)) == span_of(
        data, (*ctx.resource.path, *second.path)
    )


def _with_problem(verdict: Verdict, problem: str) -> Verdict:
    if verdict.outcome is Outcome.PASS:
        return verdict
    return Verdict(
        verdict.outcome,
        verdict.path,
        {**verdict.values, "problem": problem},
        verdict.assumptions,
    )


# --- IGD002: DynamoDB deletion protection and point-in-time recovery ---------------------

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


def dynamodb_table_protection(ctx: CheckContext) -> Iterator[Verdict]:
    failing: list[tuple[Verdict, str, str]] = []
    for path, setting, problem in _TABLE_SETTINGS.get(ctx.resource.type, ()):
        verdict = ctx.evaluate_failing({"path": path, "not-equals": True})
        if verdict.outcome is not Outcome.PASS:
            failing.append((verdict, setting, problem))
    if len(failing) == 2 and _same_spot(ctx, failing[0][0], failing[1][0]):
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
        values: dict[str, Any] = {**verdict.values, "problem": problem, "setting": setting}
        yield Verdict(verdict.outcome, verdict.path, values, verdict.assumptions)
    if not failing:
        yield Verdict(Outcome.PASS)


# --- IGD005: ECR repositories emptied on delete --------------------------------------------


def ecr_repository_force_emptied(ctx: CheckContext) -> Iterator[Verdict]:
    empty_on_delete = ctx.evaluate_failing({"path": "Properties.EmptyOnDelete", "equals": True})
    if empty_on_delete.outcome is not Outcome.PASS:
        yield Verdict(
            empty_on_delete.outcome,
            empty_on_delete.path,
            {
                **empty_on_delete.values,
                "how": "EmptyOnDelete is true"
                if empty_on_delete.outcome is Outcome.FAIL
                else "EmptyOnDelete may be true",
            },
            empty_on_delete.assumptions,
        )
        return
    for reference in ctx.template.refs.referrers(ctx.resource.logical_id):
        other = ctx.template.resources.get(reference.source)
        if other is not None and other.type == CDK_AUTO_DELETE_IMAGES:
            how = f"the CDK custom resource {other.logical_id} deletes its images"
            yield Verdict(Outcome.FAIL, (), {"how": how, "value": other.logical_id})
            return
    yield Verdict(Outcome.PASS)


CHECKS: dict[str, CheckFunction] = {
    "stateful_resource_policies": stateful_resource_policies,
    "dynamodb_table_protection": dynamodb_table_protection,
    "ecr_repository_force_emptied": ecr_repository_force_emptied,
}
