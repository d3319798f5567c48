"""IGD001 stateful-resource-without-retention-policies: a resource that holds data keeps it
when CloudFormation deletes or replaces the resource (model/stateful.py says which types hold
data, what each type's defaults do, and which ones are checked unless the ``stateful-types``
option says otherwise).

Deliberate choices pass: an explicit ``DeletionPolicy: Delete``, or an ``UpdateReplacePolicy:
Delete`` written without a ``DeletionPolicy``, says the data may go. Retaining on deletion but
deleting on replacement is reported: the two policies contradict each other.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model.stateful import SNAPSHOT, DataType, data_type

#: Deletion policies that keep the data (or a snapshot of it) when the resource goes away.
PROTECTIVE_POLICIES = ("Retain", "RetainExceptOnCreate", "Snapshot")
_REPLACED_WITH_DATA_LOSS = {
    "all": [
        {"path": "DeletionPolicy", "in": list(PROTECTIVE_POLICIES)},
        {"path": "UpdateReplacePolicy", "equals": "Delete"},
    ]
}
_DELETION = "deleting the stack or removing the resource from the template"
_REPLACEMENT = "a change that replaces it"


@rule_check
def stateful_resource_without_retention_policies(ctx: CheckContext) -> Iterator[Verdict]:
    data = data_type(ctx.resource)
    checked = ctx.options.get("stateful-types") or ()
    if isinstance(checked, str):
        checked = (checked,)
    if data is None or ctx.resource.type not in checked or _protected(ctx, data):
        yield Verdict(Outcome.SKIP if data is None else Outcome.PASS)
        return
    if _deliberate_delete(ctx):
        yield Verdict(Outcome.PASS)
        return
    subject = {"resource": f"{data.label} {ctx.resource.logical_id}"}
    problems = _missing(ctx, data)
    if len(problems) == 2 and ctx.same_spot(problems[0][1], problems[1][1]):
        # Both missing: one finding on the resource says it all.
        problem = (
            "has no DeletionPolicy or UpdateReplacePolicy: deleting the stack, removing the "
            f"resource from the template or {_REPLACEMENT} deletes {data.loses}"
        )
        yield problems[0][1].with_values(problem=problem, **subject)
        return
    for attribute, verdict in problems:
        yield verdict.with_values(problem=_one_missing(attribute, data, ctx), **subject)
    if problems:
        return
    # Both set: retaining on delete but deleting on replacement still loses the data.
    verdict = ctx.evaluate_failing(_REPLACED_WITH_DATA_LOSS)
    problem = (
        f"keeps its data on deletion but not on replacement: UpdateReplacePolicy is Delete, so "
        f"{_REPLACEMENT} deletes {data.loses}"
    )
    yield verdict if verdict.outcome is Outcome.PASS else verdict.with_values(
        problem=problem, **subject
    )


def _protected(ctx: CheckContext, data: DataType) -> bool:
    """The resource's own deletion protection is on: CloudFormation cannot delete it."""
    if data.protection is None:
        return False
    name, value = data.protection
    path = f"Properties.{name}"
    if data.protected_by_default:
        unprotected = {"path": path, "equals": False}
    else:
        unprotected = {"path": path, "not-equals": value}
    return ctx.evaluate_failing(unprotected).outcome is Outcome.PASS


def _deliberate_delete(ctx: CheckContext) -> bool:
    """``DeletionPolicy: Delete`` written out, or ``UpdateReplacePolicy: Delete`` with no
    DeletionPolicy: the author has decided that this data may be lost."""
    node = ctx.resource.node
    deletion, replacement = node.get("DeletionPolicy"), node.get("UpdateReplacePolicy")
    return deletion == "Delete" or (deletion is None and replacement == "Delete")


def _missing(ctx: CheckContext, data: DataType) -> list[tuple[str, Verdict]]:
    attributes = ["UpdateReplacePolicy"]
    if data.deletion_default != SNAPSHOT:
        attributes.insert(0, "DeletionPolicy")
    missing = [
        (attribute, ctx.evaluate_failing({"path": attribute, "absent": True}))
        for attribute in attributes
    ]
    return [(attribute, v) for attribute, v in missing if v.outcome is not Outcome.PASS]


def _one_missing(attribute: str, data: DataType, ctx: CheckContext) -> str:
    if attribute == "DeletionPolicy":
        return f"has no DeletionPolicy: {_DELETION} deletes {data.loses}"
    problem = f"has no UpdateReplacePolicy: {_REPLACEMENT} deletes {data.loses}"
    if data.deletion_default == SNAPSHOT and "DeletionPolicy" not in ctx.resource.node:
        problem += (
            " without a final snapshot (a deletion keeps one: DeletionPolicy defaults to "
            "Snapshot)"
        )
    return problem
