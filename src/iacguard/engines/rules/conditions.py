"""Evaluate declarative rule conditions with three-valued logic over intrinsic branches.

A condition evaluates to a list of :class:`Branch` results: one per combination of ``Fn::If``
conditions and parameter values that matters. Branches that assume contradictory things (the
same condition both true and false) are dropped, so ``all``/``any`` stay correlated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.model.template import Resource, Template
from iacguard.model.values import (
    ABSENT,
    MAX_BRANCHES,
    Assumption,
    Resolved,
    Resolver,
    Unknown,
    as_bool,
    as_number,
    is_opaque,
    merge_assumptions,
)

Truth = bool | None


@dataclass(frozen=True)
class Branch:
    truth: Truth
    assumptions: tuple[Assumption, ...]
    path: tuple[Any, ...]  # the value that decided, relative to the resource
    value: Any = None


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
        return _combine([evaluate(c, scope) for c in condition["all"]], _and, last_witness=True)
    if "any" in condition:
        return _combine([evaluate(c, scope) for c in condition["any"]], _or, last_witness=False)
    if "not" in condition:
        return [
            Branch(None if b.truth is None else not b.truth, b.assumptions, b.path, b.value)
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
        return lambda v: _exists(v) if expected else _negate(_exists(v))
    if operator == "absent":
        return lambda v: _negate(_exists(v)) if expected else _exists(v)
    if operator == "empty":
        return lambda v: _empty(v) if expected else _negate(_empty(v))
    if operator == "equals":
        return lambda v: _equals(v, expected)
    if operator == "not-equals":
        return lambda v: True if v is ABSENT else _negate(_equals(v, expected))
    if operator == "in":
        return lambda v: _in(v, expected)
    if operator == "not-in":
        return lambda v: True if v is ABSENT else _negate(_in(v, expected))
    if operator in ("regex", "not-regex"):
        pattern = re.compile(str(expected))
        positive = operator == "regex"
        return lambda v: _regex(v, pattern, positive)
    comparison = {
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }[operator]
    bound = as_number(expected)
    return lambda v: _compare(v, bound, comparison)


def _negate(truth: Truth) -> Truth:
    return None if truth is None else not truth


def _exists(value: Any) -> Truth:
    if value is ABSENT:
        return False
    if isinstance(value, Unknown):
        return True if value.present else None
    return True


def _empty(value: Any) -> Truth:
    if value is ABSENT:
        return True
    if is_opaque(value):
        return None
    return value in ([], {}, "") or value is None


def _normalise(value: Any, like: Any) -> Any:
    if isinstance(like, bool):
        converted = as_bool(value)
        return value if converted is None else converted
    if isinstance(like, (int, float)) and not isinstance(like, bool):
        number = as_number(value)
        return value if number is None else number
    if isinstance(like, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _equals(value: Any, expected: Any) -> Truth:
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    return bool(_normalise(value, expected) == expected)


def _in(value: Any, options: Sequence[Any]) -> Truth:
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    return any(_normalise(value, option) == option for option in options)


def _regex(value: Any, pattern: re.Pattern[str], positive: bool) -> Truth:
    if value is ABSENT:
        return not positive
    if is_opaque(value):
        return None
    if isinstance(value, (dict, list)):
        return not positive
    found = pattern.search(str(value)) is not None
    return found if positive else not found


def _compare(value: Any, bound: float | None, comparison: Callable[[float, float], bool]) -> Truth:
    if value is ABSENT:
        return False
    if is_opaque(value) or bound is None:
        return None
    number = as_number(value)
    if number is None:
        return None
    return comparison(number, bound)


def _and(truths: Sequence[Truth]) -> Truth:
    if any(t is False for t in truths):
        return False
    if any(t is None for t in truths):
        return None
    return True


def _or(truths: Sequence[Truth]) -> Truth:
    if any(t is True for t in truths):
        return True
    if any(t is None for t in truths):
        return None
    return False


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
    truths = [b.truth for b in branches]
    truth: Truth = True if all(t is True for t in truths) else (
        False if all(t is False for t in truths) else None
    )
    return Branch(truth, (), branches[0].path, branches[0].value)


def decide(branches: Sequence[Branch]) -> tuple[Truth, Branch | None]:
    """Fold the branches of a *failing* condition into one answer.

    True (the rule fails) when every branch fails, or when a branch fails under conditions only:
    some real deployment would be broken. A failure that depends only on which allowed parameter
    value is chosen is UNKNOWN. False when no branch fails and none is unknown.
    """
    failing = [b for b in branches if b.truth is True]
    if failing:
        if len(failing) == len(branches):
            return True, failing[0]
        for branch in failing:
            if not any(a.kind == "parameter" for a in branch.assumptions):
                return True, branch
        return None, failing[0]
    unknown = [b for b in branches if b.truth is None]
    if unknown:
        return None, unknown[0]
    return False, branches[0] if branches else None


def _relationship_where(
    where: Mapping[str, Any] | None, other: Resource, scope: EvaluationScope
) -> Truth:
    if where is None:
        return True
    other_scope = EvaluationScope(scope.template, other, scope.resolver, scope.options)
    branches = evaluate(where, other_scope)
    truths = [b.truth for b in branches]
    if truths and all(t is True for t in truths):
        return True
    if any(t is True for t in truths) or any(t is None for t in truths):
        return None
    return False


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
    return Branch(_or(truths) if truths else False, (), ())


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
    return Branch(_or(truths) if truths else False, (), ())


def resolved_truth(values: Sequence[Resolved], test: Callable[[Any], Truth]) -> Truth:
    """Helper for Python checks: a property passes when every branch passes."""
    truths = [test(v.value) for v in values]
    if truths and all(t is True for t in truths):
        return True
    if any(t is False for t in truths):
        return False
    return None
