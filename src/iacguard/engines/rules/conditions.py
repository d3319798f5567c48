"""Evaluate declarative rule conditions with three-valued logic over intrinsic branches.

A condition evaluates to a list of :class:`~iacguard.model.truth.Branch` results: one per
combination of ``Fn::If`` conditions and parameter values that matters. Branches that assume
contradictory things (the same condition both true and false) are dropped, so ``all``/``any``
stay correlated. The logic itself (connectives, value tests, folding) is ``model/truth.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.model import truth as logic
from iacguard.model.template import Resource, Template
from iacguard.model.truth import Branch, Truth
from iacguard.model.values import (
    ABSENT,
    MAX_BRANCHES,
    Assumption,
    Resolver,
    as_number,
    merge_assumptions,
)


@dataclass
class EvaluationScope:
    """What a condition is evaluated against: one resource of one template."""

    template: Template
    resource: Resource
    resolver: Resolver
    options: Mapping[str, Any]


_LEAF_OPERATORS = (
    "exists",
    "absent",
    "empty",
    "equals",
    "not-equals",
    "in",
    "not-in",
    "regex",
    "not-regex",
    "gt",
    "ge",
    "lt",
    "le",
)


def evaluate(condition: Mapping[str, Any], scope: EvaluationScope) -> list[Branch]:
    if "all" in condition:
        children = [evaluate(c, scope) for c in condition["all"]]
        return _combine(children, logic.all_of, last_witness=True)
    if "any" in condition:
        children = [evaluate(c, scope) for c in condition["any"]]
        return _combine(children, logic.any_of, last_witness=False)
    if "not" in condition:
        return [
            Branch(logic.negate(b.truth), b.assumptions, b.path, b.value)
            for b in evaluate(condition["not"], scope)
        ]
    if "referenced-by" in condition:
        return [_referenced_by(condition["referenced-by"], scope)]
    if "references" in condition:
        return [_references(condition["references"], scope)]
    return _leaf(condition, scope)


def _leaf(condition: Mapping[str, Any], scope: EvaluationScope) -> list[Branch]:
    operator = next(op for op in _LEAF_OPERATORS if op in condition)
    expected = condition[operator]
    values = scope.resolver.lookup(scope.resource.node, condition["path"])
    test = _operator(operator, expected, scope.options)
    if not values:
        # A "*" over an empty list: no element exists, so element tests are false.
        base = tuple(condition["path"].split(".")[:1])
        return [Branch(test(ABSENT) if operator in ("absent", "empty") else False, (), base)]
    grouped: dict[tuple[Assumption, ...], Branch] = {}
    for resolved in values:
        truth = test(resolved.value)
        key = tuple(sorted(resolved.assumptions))
        previous = grouped.get(key)
        if previous is None or _prefer(truth, previous.truth):
            grouped[key] = Branch(truth, key, resolved.path, resolved.value)
        elif previous.truth is not True and truth is None:
            grouped[key] = Branch(None, key, previous.path, previous.value)
    return list(grouped.values())


def _prefer(new: Truth, old: Truth) -> bool:
    """Several list items under the same assumptions: any true item makes the leaf true."""
    return new is True and old is not True


def _operator(operator: str, expected: Any, options: Mapping[str, Any]) -> Callable[[Any], Truth]:
    if isinstance(expected, str) and expected.startswith("option:"):
        expected = options.get(expected.removeprefix("option:"))
    if operator == "exists":
        return lambda v: logic.exists(v) if expected else logic.negate(logic.exists(v))
    if operator == "absent":
        return lambda v: logic.negate(logic.exists(v)) if expected else logic.exists(v)
    if operator == "empty":
        return lambda v: logic.is_empty(v) if expected else logic.negate(logic.is_empty(v))
    if operator == "equals":
        return lambda v: logic.equals(v, expected)
    if operator == "not-equals":
        return lambda v: logic.not_equals(v, expected)
    if operator == "in":
        return lambda v: logic.one_of(v, expected)
    if operator == "not-in":
        return lambda v: logic.none_of(v, expected)
    if operator == "regex":
        pattern = logic.BoundedPattern(str(expected))
        return lambda v: logic.matches(v, pattern)
    if operator == "not-regex":
        pattern = logic.BoundedPattern(str(expected))
        return lambda v: logic.negate(logic.matches(v, pattern))
    comparison = {
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }[operator]
    bound = as_number(expected)
    return lambda v: logic.compare(v, bound, comparison)


def _combine(
    children: list[list[Branch]],
    operator: Callable[[Sequence[Truth]], Truth],
    last_witness: bool,
) -> list[Branch]:
    total = 1
    for child in children:
        total *= max(len(child), 1)
    if total > MAX_BRANCHES:
        # Too many combinations to track: fall back to plain three-valued logic per child.
        flattened = [_collapse(child) for child in children]
        return [_join(flattened, (), operator, last_witness)]
    results: list[Branch] = []
    for combination in itertools.product(*children):
        assumptions: tuple[Assumption, ...] | None = ()
        for branch in combination:
            assumptions = merge_assumptions(assumptions or (), branch.assumptions)
            if assumptions is None:
                break
        if assumptions is None:
            continue
        results.append(_join(list(combination), assumptions, operator, last_witness))
    return results


def _join(
    branches: list[Branch],
    assumptions: tuple[Assumption, ...],
    operator: Callable[[Sequence[Truth]], Truth],
    last_witness: bool,
) -> Branch:
    truth = operator([b.truth for b in branches])
    deciding = [b for b in branches if b.truth == truth] or branches
    witness = deciding[-1] if last_witness else deciding[0]
    return Branch(truth, assumptions, witness.path, witness.value)


def _collapse(branches: list[Branch]) -> Branch:
    truth = logic.unanimous(b.truth for b in branches)
    return Branch(truth, (), branches[0].path, branches[0].value)


def _relationship_where(
    where: Mapping[str, Any] | None, other: Resource, scope: EvaluationScope
) -> Truth:
    if where is None:
        return True
    other_scope = EvaluationScope(scope.template, other, scope.resolver, scope.options)
    return logic.unanimous(b.truth for b in evaluate(where, other_scope))


def _path_prefix(relationship: Mapping[str, Any]) -> tuple[str, ...]:
    dotted = relationship.get("path")
    return tuple(dotted.split(".")) if dotted else ()


def _under(path: tuple[Any, ...], prefix: tuple[str, ...]) -> bool:
    """Does a concrete path (with list indices and Fn::If hops) lie below a dotted prefix?"""
    named = [p for p in path if isinstance(p, str) and p != "Fn::If"]
    return all(
        want == "*" or (i < len(named) and named[i] == want) for i, want in enumerate(prefix)
    ) and len(named) >= len(prefix)


def _referenced_by(relationship: Mapping[str, Any], scope: EvaluationScope) -> Branch:
    types = set(relationship["types"])
    prefix = _path_prefix(relationship)
    truths: list[Truth] = []
    for reference in scope.template.refs.referrers(scope.resource.logical_id):
        other = scope.template.resources.get(reference.source)
        if other is None or other.type not in types or not _under(reference.path, prefix):
            continue
        truths.append(_relationship_where(relationship.get("where"), other, scope))
    return Branch(logic.any_of(truths), (), ())


def _references(relationship: Mapping[str, Any], scope: EvaluationScope) -> Branch:
    types = set(relationship["types"])
    prefix = _path_prefix(relationship)
    truths: list[Truth] = []
    for reference in scope.template.refs.references_from(scope.resource.logical_id):
        if not _under(reference.path, prefix):
            continue
        other = scope.template.resources.get(reference.target)
        if other is None or other.type not in types:
            continue
        truths.append(_relationship_where(relationship.get("where"), other, scope))
    return Branch(logic.any_of(truths), (), ())

