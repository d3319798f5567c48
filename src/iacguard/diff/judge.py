"""Judge one matched pair of stacks (BASE and HEAD of one stack): every replacement, move,
rename and removal by what happens to the data, plus names that would clash, exports in use,
retention policies and rollback protections that are weakened."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from iacguard.diff import remedies
from iacguard.diff.data_facts import (
    POLICY_STRENGTH,
    RETAINED,
    data_resources,
    effective_policy,
    holds_data,
    is_nested_stack,
)
from iacguard.diff.events import (
    NAME_CONFLICT,
    POLICY_WEAKENED,
    ROLLBACK_WEAKENED,
    STACK_REMOVED,
    Event,
    Site,
)
from iacguard.diff.exports import Departure, export_events
from iacguard.diff.fates import Loss, loss_event
from iacguard.diff.matching import How, ResourceMatch, ResourcePair, match_resources
from iacguard.diff.replacement import Replacement, replacements
from iacguard.diff.rollback import WEAKENINGS
from iacguard.diff.schema_facts import SchemaFacts
from iacguard.diff.stacks import StackVersion
from iacguard.diff.values import Comparer, State, describe
from iacguard.model.template import Resource
from iacguard.model.values import Assumption, Resolver


@dataclass(frozen=True)
class Sides:
    """Everything a judgement may look at beyond the stack pair itself."""

    facts: SchemaFacts
    base_stacks: Sequence[StackVersion]
    #: (parent key, logical id of the stack resource) -> the nested stack, in BASE.
    base_children: Mapping[tuple[str, str], StackVersion]


@dataclass(frozen=True)
class Gone:
    """A BASE resource that disappears from the stack (its data's fate is judged), and why."""

    resource: Resource
    replaced: bool  # a new resource takes its place
    change: str
    remedy: str
    site: Site
    origin: Site | None = None
    policy_owner: Resource | None = None  # default: the resource, with its DeletionPolicy
    attribute: str = "DeletionPolicy"
    unknown: str = ""
    assumptions: tuple[Assumption, ...] = ()
    #: The logical id ``change`` speaks of (the HEAD id when it changes), if not the resource's.
    subject: str = ""


class PairJudge:
    """The judgement of one BASE stack against its HEAD version."""

    def __init__(self, base: StackVersion, head: StackVersion, sides: Sides) -> None:
        self.base, self.head, self.sides = base, head, sides
        self.match: ResourceMatch = match_resources(base.template, head.template, sides.facts)
        self.replaced = {p.base.logical_id for p in self.match.pairs if p.how is not How.SAME_ID}
        self.comparer = Comparer(base.template, head.template, self.match.renamed,
                                 self.replaced.__contains__)
        self.in_place = replacements(self.match.pairs, self.comparer, sides.facts, self.replaced)

    def events(self) -> Iterator[Event]:
        for pair in self.match.pairs:
            if pair.how is How.SAME_ID:
                replacement = self.in_place.get(pair.base.logical_id)
                if replacement is not None:
                    yield from self._replaced_in_place(pair, replacement)
                yield from self._condition_added(pair)
            else:
                yield from self._new_logical_id(pair)
            yield from self._policy_weakened(pair)
            yield from self._rollback_weakened(pair)
        for resource in self.match.removed:
            yield from self._removed(resource)
        yield from self._exports()

    # -- sites ---------------------------------------------------------------------------

    def removal_site(self, resource: Resource) -> tuple[Site, Site | None]:
        """Where a finding about a removed BASE resource points, and its BASE origin."""
        origin = Site.of(self.base, resource)
        if self.base.locatable:
            return origin, None
        site = Site(self.head, ("Resources",), resource.logical_id, resource.type,
                    resource.cdk_path)
        return site, origin

    # -- losses --------------------------------------------------------------------------

    def _losses(self, gone: Gone) -> Iterator[Event]:
        yield from losses(gone, self.base, self.sides)

    def _replaced_in_place(self, pair: ResourcePair, replacement: Replacement) -> Iterator[Event]:
        verb = "is replaced" if replacement.certain else "may be replaced"
        kind = "" if replacement.conditional else " (a create-only property)"
        site = Site.of(self.head, pair.head, "Properties", replacement.path[0])
        yield from self._losses(Gone(
            pair.base, True, f"{verb}: {replacement.describe_change()}{kind}",
            remedies.in_place(replacement.dotted, describe(replacement.difference.base)),
            site, policy_owner=pair.head, attribute="UpdateReplacePolicy",
            unknown=replacement.unknown, assumptions=replacement.difference.assumptions,
        ))
        name = self.sides.facts.for_type(pair.base.type).name_property
        if name and replacement.path != (name,) and name in pair.head.properties:
            kept = self.comparer.compare(pair.base.properties.get(name),
                                         pair.head.properties[name])
            if kept.state is not State.CHANGED:
                yield Event(
                    NAME_CONFLICT, site,
                    {"change": f"{verb} ({replacement.describe_change()}) but keeps its custom "
                               f"{name} {describe(pair.head.properties[name])}",
                     "consequence": "CloudFormation cannot replace a resource with a custom name "
                                    "while the old one still holds it: the update fails and "
                                    "the stack rolls back"},
                    remedies.name_conflict(name, replacement.dotted),
                    unknown=replacement.unknown or (kept.reason if kept.state is State.UNKNOWN
                                                    else ""),
                    assumptions=replacement.difference.assumptions,
                )

    def _new_logical_id(self, pair: ResourcePair) -> Iterator[Event]:
        change = (f"replaces {pair.base.logical_id} ({pair.evidence}; a new logical id is a "
                  "new resource for CloudFormation)")
        site = Site.of(self.head, pair.head)
        yield from self._losses(Gone(pair.base, True, change,
                                     remedies.new_logical_id(pair.base, pair.head), site,
                                     subject=pair.head.logical_id))
        name = self.sides.facts.for_type(pair.base.type).name_property
        if name and name in pair.base.properties and name in pair.head.properties:
            kept = self.comparer.compare(pair.base.properties[name], pair.head.properties[name])
            if kept.state is not State.CHANGED:
                yield Event(
                    NAME_CONFLICT, Site.of(self.head, pair.head, "Properties", name),
                    {"change": f"{change} but keeps {name} "
                               f"{describe(pair.head.properties[name])}",
                     "consequence": "CloudFormation creates the new resource before it deletes "
                                    f"{pair.base.logical_id}, so the name is still taken: the "
                                    "creation fails and the stack rolls back"},
                    remedies.name_conflict_new_id(pair.base, name),
                    unknown=kept.reason if kept.state is State.UNKNOWN else "",
                )

    def _removed(self, resource: Resource) -> Iterator[Event]:
        site, origin = self.removal_site(resource)
        yield from self._losses(Gone(resource, False, "is removed from the template",
                                     remedies.removed(resource), site, origin))

    def _condition_added(self, pair: ResourcePair) -> Iterator[Event]:
        condition = pair.head.condition
        if condition is None or condition == pair.base.condition:
            return
        decided = Resolver(self.head.template).condition_value(condition)
        if decided is True:
            return
        assumptions = () if decided is False else (Assumption("condition", condition, False),)
        was = ("was always created" if pair.base.condition is None
               else f"was created under condition {pair.base.condition}")
        yield from self._losses(Gone(
            pair.base, False, f"is now created only when condition {condition} is true (it {was})",
            remedies.condition_added(condition), Site.of(self.head, pair.head, "Condition"),
            assumptions=assumptions,
        ))

    # -- weakened protections ------------------------------------------------------------

    def _policy_weakened(self, pair: ResourcePair) -> Iterator[Event]:
        if not (holds_data(pair.base) or is_nested_stack(pair.base)):
            return
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            before, _ = effective_policy(pair.base, attribute)
            after, explicit = effective_policy(pair.head, attribute)
            if before is None or POLICY_STRENGTH[before] == 0:
                continue
            site = Site.of(self.head, pair.head, attribute)
            if after is None:
                yield Event(POLICY_WEAKENED, site, remedies.weakened_words(attribute, before, "?",
                                                                         True),
                            remedies.weakened(attribute, before),
                            unknown=f"{attribute} is {pair.head.node.get(attribute)!r}")
            elif POLICY_STRENGTH[after] < POLICY_STRENGTH[before]:
                yield Event(POLICY_WEAKENED, site,
                            remedies.weakened_words(attribute, before, after, explicit),
                            remedies.weakened(attribute, before))

    def _rollback_weakened(self, pair: ResourcePair) -> Iterator[Event]:
        compare = WEAKENINGS.get(pair.base.type)
        if compare is None:
            return
        found = list(compare(pair.base, pair.head, self.comparer))
        known = [w for w in found if not w.unknown]
        chosen = known or found
        if not chosen:
            return
        yield Event(
            ROLLBACK_WEAKENED, Site.of(self.head, pair.head, "Properties", *chosen[0].path),
            {"change": "; ".join(w.what for w in chosen), "consequence": chosen[0].effect},
            remedies.ROLLBACK,
            unknown="" if known else "; ".join(w.unknown for w in chosen),
        )

    # -- exports -------------------------------------------------------------------------

    def _exports(self) -> Iterator[Event]:
        departures = [Departure(resource, "is removed from the template")
                      for resource in self.match.removed]
        for pair in self.match.pairs:
            if pair.how is not How.SAME_ID:
                departures.append(Departure(pair.base, f"becomes {pair.head.logical_id}",
                                            pair.head))
                continue
            replacement = self.in_place.get(pair.base.logical_id)
            if replacement is not None:
                departures.append(Departure(
                    pair.base, f"is replaced ({replacement.describe_change()})", pair.head,
                    replacement.unknown))
        yield from export_events(self.base, self.head, self.sides.base_stacks, departures)


def losses(gone: Gone, stack: StackVersion, sides: Sides, cause: str = "") -> Iterator[Event]:
    """What happens to the data of a BASE resource that goes away (and, for a nested stack
    resource, to the data of every resource inside it)."""
    if holds_data(gone.resource):
        event = loss_event(Loss(
            old=gone.resource, old_stack=stack, policy_owner=gone.policy_owner or gone.resource,
            attribute=gone.attribute, replaced=gone.replaced, site=gone.site, change=gone.change,
            remedy=gone.remedy, origin=gone.origin, unknown=gone.unknown,
            assumptions=gone.assumptions,
        ), sides.facts)
        if event is not None:
            yield event
        return
    nested = sides.base_children.get((stack.key, gone.resource.logical_id))
    if not is_nested_stack(gone.resource) or nested is None:
        return
    cause = cause or f"{gone.subject or gone.resource.logical_id} {gone.change}"
    retained = effective_policy(gone.resource, "DeletionPolicy")[0] in RETAINED
    for inner in nested.template.resources.values():
        if nested.locatable:
            site, origin = Site.of(nested, inner), None
        else:
            site = replace(gone.site, logical_id=inner.logical_id, resource_type=inner.type,
                           construct_path=inner.cdk_path)
            origin = gone.origin or Site.of(stack, gone.resource)
        inner_gone = replace(
            gone, resource=inner, site=site, origin=origin,
            change=f"is in nested stack {nested.label}, which goes away as its stack resource "
                   f"{cause}",
            subject="",
            policy_owner=gone.resource if retained else gone.policy_owner,
            attribute="DeletionPolicy",
        )
        yield from losses(inner_gone, nested, sides, cause)


def stack_inventory(stack: StackVersion, sides: Sides) -> list[str]:
    """What deleting a whole stack does to each resource that holds data (nested ones too)."""
    from iacguard.diff.data_facts import fate_of

    lines = []
    for resource in data_resources(stack.template.resources.values()):
        policy = effective_policy(resource, "DeletionPolicy")[0] or "Delete"
        fate = fate_of(resource, stack.template, policy, replaced=False)
        lines.append(f"{resource.logical_id} ({resource.type}) {remedies.FATE_ON_DELETE[fate]}")
    for resource in stack.template.resources.values():
        child = sides.base_children.get((stack.key, resource.logical_id))
        if is_nested_stack(resource) and child is not None:
            lines.extend(stack_inventory(child, sides))
    return lines


def removed_stack_event(
    stack: StackVersion, head_stacks: Sequence[StackVersion], sides: Sides
) -> Event:
    """A BASE stack with no HEAD counterpart: nothing deletes it, and nothing updates it."""
    renamed_to = next(
        (s.label for s in head_stacks
         if stack.artifact_id and s.artifact_id == stack.artifact_id and s.parent is None), "")
    inventory = stack_inventory(stack, sides)
    held = ("; if it is deleted, " + "; ".join(inventory)) if inventory else (
        "; it holds no resource with data")
    change = (f"is renamed: the same stack now deploys as {renamed_to}" if renamed_to
              else "is no longer in HEAD")
    source = "the app" if stack.artifact_id else "the templates deployed"
    return Event(
        STACK_REMOVED,
        Site(stack, ("Resources",)),
        {"change": change,
         "consequence": f"deployments neither update nor delete a stack that leaves {source}: "
                        "it stays deployed, unmanaged" + held},
        remedies.stack_removed(renamed_to),
    )
