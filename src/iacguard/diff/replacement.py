"""Which resources CloudFormation replaces in place: a create-only property changes.

A property counts as changed when its value differs, and also when its text is the same but it
refers to a resource that is itself replaced (its physical id changes, so the value does): the
replacements are found by repeating the comparison until no new one appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iacguard.diff.matching import How, ResourcePair
from iacguard.diff.schema_facts import PropertyPath, SchemaFacts
from iacguard.diff.values import Comparer, Difference, State, combine, describe
from iacguard.model.values import ABSENT, Resolved, merge_assumptions


@dataclass(frozen=True)
class Replacement:
    """Why a resource is (or may be) replaced in place."""

    path: PropertyPath
    difference: Difference
    conditional: bool = False  # a conditionalCreateOnlyProperty: replaced only sometimes

    @property
    def dotted(self) -> str:
        return ".".join("[*]" if part == "*" else part for part in self.path).replace(".[*]", "[*]")

    @property
    def certain(self) -> bool:
        return self.difference.state is State.CHANGED and not self.conditional

    def describe_change(self) -> str:
        difference = self.difference
        if difference.reason and difference.state is State.CHANGED:
            return f"{self.dotted} {difference.reason}"
        return (f"{self.dotted} changes from {describe(difference.base)} to "
                f"{describe(difference.head)}")

    @property
    def unknown(self) -> str:
        if self.conditional:
            return (f"CloudFormation replaces it only when it cannot update {self.dotted} "
                    "in place")
        return self.difference.reason if self.difference.state is State.UNKNOWN else ""


def replacements(
    pairs: Iterable[ResourcePair], comparer: Comparer, facts: SchemaFacts, replaced: set[str]
) -> dict[str, Replacement]:
    """Replacements in place by BASE logical id. ``replaced`` (BASE ids already known to be
    replaced, e.g. renamed) grows with every certain replacement found. A resource is judged
    again only when something it refers to turns out to be replaced, so the work stays
    proportional to the references, not to the square of the resources."""
    candidates = {p.base.logical_id: p for p in pairs if p.how is How.SAME_ID}
    found: dict[str, Replacement] = {}
    pending = list(replaced)
    for logical_id, pair in candidates.items():
        if _judge(pair, comparer, facts, found):
            replaced.add(logical_id)
            pending.append(logical_id)
    referrers = comparer.base.template.refs
    while pending:
        for reference in referrers.referrers(pending.pop()):
            referrer = candidates.get(reference.source)
            if referrer is None or reference.source in replaced:
                continue
            if _judge(referrer, comparer, facts, found):
                replaced.add(reference.source)
                pending.append(reference.source)
    return found


def _judge(pair: ResourcePair, comparer: Comparer, facts: SchemaFacts,
           found: dict[str, Replacement]) -> bool:
    """Record why ``pair`` is (or may be) replaced; True when it certainly is."""
    replacement = _replacement(pair, comparer, facts)
    if replacement is None:
        found.pop(pair.base.logical_id, None)
        return False
    found[pair.base.logical_id] = replacement
    return replacement.certain


def _replacement(pair: ResourcePair, comparer: Comparer, facts: SchemaFacts) -> Replacement | None:
    type_facts = facts.for_type(pair.base.type)
    uncertain: Replacement | None = None
    for path in type_facts.create_only:
        difference = compare_property(pair, path, comparer)
        if difference.state is State.CHANGED:
            return Replacement(path, difference)
        if difference.state is State.UNKNOWN and uncertain is None:
            uncertain = Replacement(path, difference)
    for path in type_facts.conditional_create_only:
        difference = compare_property(pair, path, comparer)
        if difference.state is State.CHANGED and uncertain is None:
            uncertain = Replacement(path, difference, conditional=True)
    return uncertain


def compare_property(pair: ResourcePair, path: PropertyPath, comparer: Comparer) -> Difference:
    """One property (a path below ``Properties``; ``*`` for list items) in BASE and HEAD."""
    base = pair.base.properties.get(path[0], ABSENT)
    head = pair.head.properties.get(path[0], ABSENT)
    if len(path) == 1 or comparer.normalise(base, False) == comparer.normalise(head, True):
        return comparer.compare(base, head)
    dotted = "Properties." + ".".join(path)
    return _compare_lookups(
        comparer.base.lookup(pair.base.node, dotted),
        comparer.head.lookup(pair.head.node, dotted),
        comparer,
    )


def _where(resolved: Resolved) -> tuple[Any, ...]:
    """A value's position without the Fn::If branch it came through."""
    kept: list[Any] = []
    skip = False
    for segment in resolved.path:
        if skip:
            skip = False
            continue
        if segment == "Fn::If":
            skip = True
            continue
        kept.append(segment)
    return tuple(kept)


def _compare_lookups(
    base: list[Resolved], head: list[Resolved], comparer: Comparer
) -> Difference:
    positions = {_where(r) for r in [*base, *head]}
    parts = []
    for position in sorted(positions, key=repr):
        olds = [r for r in base if _where(r) == position] or [Resolved(ABSENT, position)]
        news = [r for r in head if _where(r) == position] or [Resolved(ABSENT, position)]
        for old in olds:
            for new in news:
                merged = merge_assumptions(old.assumptions, new.assumptions)
                if merged is not None:
                    parts.append(comparer.compare(old.value, new.value, merged))
    return combine(parts, ABSENT, ABSENT)
