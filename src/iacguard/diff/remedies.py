"""How to avoid what a change would do: the fix of each change-safety finding, in words that
name the resource, the property and the CDK call involved."""

from __future__ import annotations

from iacguard.diff.data_facts import Fate
from iacguard.model.template import Resource

_TWO_STEP = (
    "set DeletionPolicy and UpdateReplacePolicy to Retain (RemovalPolicy.RETAIN in the CDK) "
    "and deploy that first; then make the change and migrate the data from the old resource to "
    "the new one (or import the retained resource)"
)

ROLLBACK = (
    "Keep the alarms and automatic rollback: a deployment must be able to stop and roll back by "
    "itself when it goes wrong. When an alarm is replaced, add the new one in the same change."
)

FATE_ON_DELETE = {
    Fate.DESTROYED: "is deleted with its data",
    Fate.SNAPSHOT: "is deleted after a final snapshot",
    Fate.LEFT_IF_NOT_EMPTY: "is deleted if it is empty (otherwise its deletion fails)",
    Fate.KEPT: "is kept (retained)",
    Fate.ORPHANED: "is kept (retained)",
}


def in_place(dotted: str, old_value: str) -> str:
    return (f"Keep {dotted} at {old_value}. If the new value is needed, {_TWO_STEP}.")


def new_logical_id(base: Resource, head: Resource) -> str:
    old = base.logical_id
    if head.cdk_path:
        keep = (f"Keep the logical id {old}: keep the construct where it was, or call "
                f"overrideLogicalId('{old}') on its CfnResource "
                f"(node.defaultChild) after the move")
    else:
        keep = f"Keep the logical id {old}: a logical id is the resource's identity"
    return f"{keep}. If a new resource is intended, {_TWO_STEP}."


def removed(resource: Resource) -> str:
    return (
        f"If {resource.logical_id} is removed on purpose and its data must be kept, deploy "
        "DeletionPolicy: Retain (RemovalPolicy.RETAIN in the CDK) first and remove it in a later "
        "change; otherwise save the data before this is deployed."
    )


def condition_added(condition: str) -> str:
    return (
        f"Make sure condition {condition} is true wherever this stack is deployed with data, or "
        "set DeletionPolicy: Retain before the condition is added."
    )


def name_conflict(name: str, cause: str) -> str:
    return (
        f"Do not reuse the name: give the replacement a new {name}, or remove {name} and let "
        f"CloudFormation generate one; or keep {cause} unchanged."
    )


def name_conflict_new_id(base: Resource, name: str) -> str:
    return (
        f"Keep the logical id {base.logical_id} (overrideLogicalId in the CDK), or give the new "
        f"resource a new {name} instead of reusing the old one."
    )


def weakened_words(attribute: str, before: str, after: str, explicit: bool) -> dict[str, str]:
    shown = after if explicit else f"{after} (the default, as {attribute} is removed)"
    if attribute == "DeletionPolicy":
        consequence = ("removing the resource from the template, or deleting the stack, will "
                       "now delete its data" if after == "Delete" else
                       "removing the resource or deleting the stack will keep only a snapshot")
    else:
        consequence = ("a future change to a create-only property will delete the old resource "
                       "and its data" if after == "Delete" else
                       "a future replacement will keep only a snapshot of the old resource")
    return {"change": f"{attribute} changes from {before} to {shown}",
            "consequence": consequence}


def weakened(attribute: str, before: str) -> str:
    return (
        f"Keep {attribute}: {before} on resources that hold data. Delete is right only where "
        "losing the data is intended; then record that decision in a suppression with a reason."
    )


def export_in_use(old_id: str, export: str) -> str:
    return (
        f"Keep the logical id {old_id} (overrideLogicalId in the CDK) so the export keeps its "
        f"value; or first deploy the importing stacks without Fn::ImportValue of {export}, then "
        "this change. In the CDK, stack.exportValue() keeps the old export alive for one "
        "deployment while consumers move over."
    )


def stack_removed(renamed_to: str) -> str:
    if renamed_to:
        return (
            f"Keep the old stack name: a new name deploys a new, empty stack ({renamed_to}). If "
            "the new name is intended, migrate the data and delete the old stack on purpose."
        )
    return (
        "If the stack is no longer wanted, save the data its resources hold and delete it on "
        "purpose (cdk destroy / aws cloudformation delete-stack). If it was removed from the app "
        "by mistake, add it back."
    )
