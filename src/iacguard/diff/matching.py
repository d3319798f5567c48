"""Pair each BASE resource with the HEAD resource it becomes.

CloudFormation knows a resource only by its logical id: a resource whose logical id changes is
deleted and a new one is created. To say *which* resource that is, the leftovers are paired up:

1. the same logical id (and type): the same resource;
2. in CDK assemblies, the same construct path, or the same construct id under a new scope: a
   **move** (the construct is the same, its logical id is derived from its new path);
3. the same type and the same literal physical name, or the same type and near-identical
   properties: a **rename**.

A pair found by 2 or 3 is a replacement, not an update.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iacguard.diff.schema_facts import SchemaFacts
from iacguard.model.template import Resource, Template

#: Properties this alike make a removed and an added resource of one type the same resource.
SIMILARITY_THRESHOLD = 0.8
#: Removed x added resources of one type compared pair by pair, at most.
MAX_SIMILARITY_PAIRS = 10_000
#: Names the CDK gives the CloudFormation resource inside an L2 construct (ECS services use
#: "Service"): the construct is identified by its own id together with this child name.
_GENERIC_CHILDREN = frozenset({"Resource", "Default", "Service"})
_MAX_FLATTEN_DEPTH = 40


class How(str, enum.Enum):
    SAME_ID = "same-id"
    MOVED = "moved"
    RENAMED = "renamed"


@dataclass(frozen=True)
class ResourcePair:
    base: Resource
    head: Resource
    how: How
    #: Why a moved or renamed pair was matched, for messages.
    evidence: str = ""


@dataclass
class ResourceMatch:
    pairs: list[ResourcePair] = field(default_factory=list)
    removed: list[Resource] = field(default_factory=list)
    added: list[Resource] = field(default_factory=list)

    @property
    def renamed(self) -> dict[str, str]:
        """HEAD logical id -> BASE logical id, for every pair whose id changed."""
        return {
            p.head.logical_id: p.base.logical_id for p in self.pairs if p.how is not How.SAME_ID
        }


def _comparable(resources: Iterable[Resource]) -> list[Resource]:
    return [r for r in resources if r.type != "AWS::CDK::Metadata"]


def match_resources(base: Template, head: Template, facts: SchemaFacts) -> ResourceMatch:
    match = ResourceMatch()
    removed: list[Resource] = []
    for resource in _comparable(base.resources.values()):
        counterpart = head.resources.get(resource.logical_id)
        if counterpart is None:
            removed.append(resource)
        elif counterpart.type == resource.type:
            match.pairs.append(ResourcePair(resource, counterpart, How.SAME_ID))
        # A changed type under one logical id is rejected by CloudFormation: nothing to judge.
    added = [
        r for r in _comparable(head.resources.values()) if r.logical_id not in base.resources
    ]
    for finder in (_same_construct_path, _same_construct_id, _same_physical_name(facts),
                   _same_properties, _similar_properties):
        for pair in finder(removed, added):
            match.pairs.append(pair)
            removed.remove(pair.base)
            added.remove(pair.head)
    match.removed = removed
    match.added = added
    return match


def _unique_pairs(
    removed: list[Resource], added: list[Resource], key: Any, evidence: Any, how: How
) -> list[ResourcePair]:
    """Pairs whose key (of the same type) identifies exactly one resource on each side."""
    def index(resources: list[Resource]) -> dict[Any, list[Resource]]:
        found: dict[Any, list[Resource]] = {}
        for resource in resources:
            value = key(resource)
            if value is not None:
                found.setdefault((resource.type, value), []).append(resource)
        return found

    base_index, head_index = index(removed), index(added)
    pairs = []
    for identity, olds in base_index.items():
        news = head_index.get(identity, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append(ResourcePair(olds[0], news[0], how, evidence(olds[0], news[0])))
    return pairs


def _same_construct_path(removed: list[Resource], added: list[Resource]) -> list[ResourcePair]:
    return _unique_pairs(
        removed, added, lambda r: r.cdk_path or None,
        lambda old, new: f"construct {new.cdk_path} has a new logical id", How.MOVED,
    )


def construct_id(cdk_path: str) -> tuple[str, ...] | None:
    """The construct's own id (with the generic child name the CDK adds), without its scope."""
    segments = tuple(s for s in cdk_path.split("/") if s)
    if len(segments) < 2:
        return None
    if segments[-1] in _GENERIC_CHILDREN and len(segments) >= 3:
        return segments[-2:]
    return segments[-1:]


def _same_construct_id(removed: list[Resource], added: list[Resource]) -> list[ResourcePair]:
    return _unique_pairs(
        removed, added, lambda r: construct_id(r.cdk_path) if r.cdk_path else None,
        lambda old, new: f"construct moved from {scope_of(old.cdk_path)} to "
        f"{scope_of(new.cdk_path)}", How.MOVED,
    )


def scope_of(cdk_path: str) -> str:
    """The scope part of a construct path (what a move changes)."""
    segments = [s for s in cdk_path.split("/") if s]
    identity = construct_id(cdk_path) or ()
    return "/".join(segments[: len(segments) - len(identity)]) or cdk_path


def _same_physical_name(facts: SchemaFacts) -> Any:
    def name_of(resource: Resource) -> str | None:
        prop = facts.for_type(resource.type).name_property
        value = resource.properties.get(prop) if prop else None
        return value if isinstance(value, str) and value else None

    def finder(removed: list[Resource], added: list[Resource]) -> list[ResourcePair]:
        return _unique_pairs(
            removed, added, name_of,
            lambda old, new: f"same {facts.for_type(old.type).name_property} {name_of(old)!r}",
            How.RENAMED,
        )

    return finder


def _same_properties(removed: list[Resource], added: list[Resource]) -> list[ResourcePair]:
    """Identical properties (found by hashing, so a change that renames thousands of resources
    stays linear)."""
    return _unique_pairs(
        removed, added, lambda r: json.dumps(r.properties, sort_keys=True, default=str),
        lambda old, new: "same type and properties", How.RENAMED,
    )


def _similar_properties(removed: list[Resource], added: list[Resource]) -> list[ResourcePair]:
    """Mutual best matches of one type whose properties are near-identical. Types with more
    candidate pairs than :data:`MAX_SIMILARITY_PAIRS` are left unmatched (their resources are
    judged as removed and added) rather than compared pair by pair."""
    leaves = {id(r): _leaves(r.properties) for r in [*removed, *added]}
    scores: dict[tuple[int, int], float] = {}
    for resource_type in {r.type for r in removed}:
        olds = [r for r in removed if r.type == resource_type]
        news = [r for r in added if r.type == resource_type]
        if len(olds) * len(news) > MAX_SIMILARITY_PAIRS:
            continue
        for old in olds:
            for new in news:
                scores[(id(old), id(new))] = _similarity(leaves[id(old)], leaves[id(new)])
    pairs = []
    for old in removed:
        best = _best(old, added, scores, lambda o, n: (id(o), id(n)))
        if best is None or _best(best, removed, scores, lambda n, o: (id(o), id(n))) is not old:
            continue
        score = scores[(id(old), id(best))]
        alike = "properties" if score == 1.0 else f"{int(score * 100)}% of the properties"
        pairs.append(ResourcePair(old, best, How.RENAMED, f"same type and {alike}"))
    return pairs


def _best(resource: Resource, candidates: list[Resource], scores: Mapping[tuple[int, int], float],
          key: Any) -> Resource | None:
    ranked = sorted(
        ((scores[key(resource, c)], c) for c in candidates if key(resource, c) in scores),
        key=lambda item: -item[0],
    )
    if not ranked or ranked[0][0] < SIMILARITY_THRESHOLD:
        return None
    if len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return None  # two equally good candidates: no guess
    return ranked[0][1]


def _similarity(left: Mapping[str, str], right: Mapping[str, str]) -> float:
    """The share of property paths (on either side) whose values are equal."""
    paths = set(left) | set(right)
    if not paths:
        return 1.0
    return sum(1 for path in paths if left.get(path) == right.get(path)) / len(paths)


def _leaves(value: Any) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(node: Any, path: str, depth: int) -> None:
        if depth > _MAX_FLATTEN_DEPTH:
            return
        if isinstance(node, dict):
            for key, item in node.items():
                walk(item, f"{path}.{key}", depth + 1)
        elif isinstance(node, list):
            for position, item in enumerate(node):
                walk(item, f"{path}[{position}]", depth + 1)
        else:
            found[path] = str(node)

    walk(value, "", 0)
    return found
