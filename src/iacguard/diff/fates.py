"""Turn "this resource is replaced or removed" into what happens to its data, in words."""

from __future__ import annotations

from dataclasses import dataclass

from iacguard.diff.data_facts import Fate, effective_policy, fate_of
from iacguard.diff.events import (
    DATA_DESTROYED,
    DATA_ORPHANED,
    DATA_SNAPSHOT_ONLY,
    Event,
    Site,
)
from iacguard.diff.schema_facts import SchemaFacts
from iacguard.diff.stacks import StackVersion
from iacguard.model.template import Resource
from iacguard.model.values import Assumption

_RULE_OF_FATE = {
    Fate.DESTROYED: DATA_DESTROYED,
    Fate.ORPHANED: DATA_ORPHANED,
    Fate.LEFT_IF_NOT_EMPTY: DATA_ORPHANED,
    Fate.SNAPSHOT: DATA_SNAPSHOT_ONLY,
}


@dataclass(frozen=True)
class Loss:
    """One resource whose data a change puts at risk, and why."""

    old: Resource  # the BASE resource that goes away
    old_stack: StackVersion
    #: The resource whose policy attribute decides: HEAD's UpdateReplacePolicy for a
    #: replacement in place, BASE's DeletionPolicy when the old logical id disappears.
    policy_owner: Resource
    attribute: str
    replaced: bool  # a new resource takes its place (False: it is only removed)
    site: Site
    change: str
    remedy: str
    origin: Site | None = None
    unknown: str = ""
    assumptions: tuple[Assumption, ...] = ()


def policy_text(owner: Resource, attribute: str, policy: str, explicit: bool) -> str:
    if explicit:
        return f"{attribute}: {policy}"
    if policy == "Delete":
        return f"no {attribute}; the default is Delete"
    return f"no {attribute}; the default for {owner.type} is {policy}"


def physical_name(resource: Resource, stack: StackVersion, facts: SchemaFacts) -> str:
    """How a person finds the old resource in the account."""
    prop = facts.for_type(resource.type).name_property
    value = resource.properties.get(prop) if prop else None
    known = stack.template.cfn_stack_name
    where = f"stack {known}" if known else f"the stack deployed from {stack.label}"
    if isinstance(value, str) and value:
        return f"{value!r} (logical id {resource.logical_id} in {where})"
    return (
        f"the resource CloudFormation created for {resource.logical_id} in {where} "
        f"(aws cloudformation describe-stack-resource --stack-name {known or '<stack>'} "
        f"--logical-resource-id {resource.logical_id})"
    )


def _consequence(fate: Fate, replaced: bool, rule: str, old_name: str) -> str:
    if fate is Fate.DESTROYED:
        if replaced:
            return (f"CloudFormation creates a new, empty resource, points the stack at it, then "
                    f"deletes the old one with its data ({rule})")
        return f"CloudFormation deletes it with its data ({rule})"
    if fate is Fate.ORPHANED:
        return (f"CloudFormation creates a new, empty resource that the stack and its consumers "
                f"use from then on, and leaves the old one outside the stack with the data "
                f"({rule}); migrate the data from {old_name}")
    if fate is Fate.SNAPSHOT:
        start = ("CloudFormation creates a new, empty resource, then takes a final snapshot of "
                 "the old one and deletes it" if replaced
                 else "CloudFormation takes a final snapshot and deletes it")
        return (f"{start} ({rule}): the data survives only in the snapshot, and restoring it "
                f"makes yet another resource with a new endpoint")
    if replaced:
        return (f"CloudFormation creates a new, empty resource for the stack, then tries to "
                f"delete the old one ({rule}): while {old_name} holds data the deletion fails "
                f"and it is left outside the stack, with the data the stack no longer uses")
    return (f"CloudFormation tries to delete it ({rule}): while it holds data the deletion "
            f"fails and it is left outside the stack; if it is empty it is deleted")


def loss_event(loss: Loss, facts: SchemaFacts) -> Event | None:
    """The finding-to-be for one resource's data; None when no data is at risk."""
    policy, explicit = effective_policy(loss.policy_owner, loss.attribute)
    unknown = loss.unknown
    if policy is None:
        value = loss.policy_owner.node.get(loss.attribute)
        unknown = unknown or f"{loss.attribute} is {value!r}, not a literal policy"
        policy, explicit = "Delete", True
    fate = fate_of(loss.old, loss.old_stack.template, policy, loss.replaced)
    rule_id = _RULE_OF_FATE.get(fate)
    if rule_id is None:
        return None
    rule = policy_text(loss.policy_owner, loss.attribute, policy, explicit)
    old_name = physical_name(loss.old, loss.old_stack, facts)
    return Event(
        rule_id=rule_id,
        site=loss.site,
        words={"change": loss.change,
               "consequence": _consequence(fate, loss.replaced, rule, old_name)},
        remedy=loss.remedy,
        unknown=unknown,
        assumptions=loss.assumptions,
        origin=loss.origin,
    )
