"""Compare a value of BASE with the same value of HEAD in three states: the same, changed, or
UNKNOWN (an intrinsic function on either side that cannot be compared before deploy).

Values are compared as CloudFormation sees them: scalars as strings (``5`` equals ``"5"``,
``true`` equals ``"true"``). ``Fn::If`` is compared branch by branch (branches assume the same
condition on both sides), a ``Ref`` to a parameter with ``AllowedValues`` value by value, and
``AWS::NoValue`` is absence. Two identical expressions are the same value unless they refer to
a resource that is being replaced (its physical id changes) or to a parameter whose Default
changed. References on the HEAD side are read through the logical-id renames already found,
so ``!Ref NewName`` equals ``!Ref OldName`` when NewName is OldName renamed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.model.template import Template
from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolved,
    Resolver,
    Unknown,
    is_dynamic_reference,
    is_intrinsic,
    merge_assumptions,
)

_SUB_NAME = re.compile(r"\$\{(?!!)([^}.]+)((?:\.[^}]+)?)\}")
_MAX_DEPTH = 60


class State(str, enum.Enum):
    SAME = "same"
    CHANGED = "changed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Difference:
    state: State
    base: Any = ABSENT
    head: Any = ABSENT
    #: Why it changed when the text did not (a replaced reference), or why it is UNKNOWN.
    reason: str = ""
    assumptions: tuple[Assumption, ...] = ()


SAME = Difference(State.SAME)


def describe(value: Any) -> str:
    """A short, readable rendering of a template value for messages."""
    if value is ABSENT:
        return "not set"
    if isinstance(value, Unknown):
        return f"unknown ({value.reason})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return f"!Ref {argument}"
        if key == "Fn::GetAtt" and isinstance(argument, list):
            return "!GetAtt " + ".".join(str(part) for part in argument)
    text = repr(_plain(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def referenced_names(value: Any, depth: int = 0) -> set[str]:
    """Logical ids and parameters a value refers to (Ref, GetAtt, ${} of Fn::Sub)."""
    names: set[str] = set()
    if depth > _MAX_DEPTH:
        return names
    if isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                names.add(argument)
            elif key == "Fn::GetAtt":
                first = argument[0] if isinstance(argument, list) and argument else argument
                if isinstance(first, str):
                    names.add(first.split(".", 1)[0])
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) and argument else argument
                if isinstance(text, str):
                    names.update(match.group(1) for match in _SUB_NAME.finditer(text))
                if isinstance(argument, list) and len(argument) > 1:
                    names.update(referenced_names(argument[1], depth + 1))
            else:
                names.update(referenced_names(argument, depth + 1))
    elif isinstance(value, list):
        for item in value:
            names.update(referenced_names(item, depth + 1))
    return names


class Comparer:
    """Compares values of one BASE template with values of one HEAD template."""

    def __init__(
        self,
        base: Template,
        head: Template,
        renamed: Mapping[str, str] | None = None,
        replaced: Callable[[str], bool] = lambda logical_id: False,
    ) -> None:
        self.base = Resolver(base)
        self.head = Resolver(head)
        self.renamed = dict(renamed or {})
        self.replaced = replaced
        self.moved_defaults = _changed_defaults(base, head)

    # -- normalisation --------------------------------------------------------------------

    def _head_name(self, name: str) -> str:
        return self.renamed.get(name, name)

    def normalise(self, value: Any, head_side: bool, depth: int = 0) -> Any:
        """A comparable form: scalars as strings, HEAD references renamed to BASE ids."""
        if depth > _MAX_DEPTH:
            return "<too deep>"
        if isinstance(value, dict):
            if head_side and len(value) == 1:
                renamed = self._rename_reference(value)
                if renamed is not None:
                    return renamed
            return {str(k): self.normalise(v, head_side, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.normalise(v, head_side, depth + 1) for v in value]
        return _scalar(value)

    def _rename_reference(self, value: dict[Any, Any]) -> Any:
        ((key, argument),) = value.items()
        if key == "Ref" and isinstance(argument, str):
            return {"Ref": self._head_name(argument)}
        if key == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and parts and isinstance(parts[0], str):
                return {"Fn::GetAtt": [self._head_name(parts[0]), *map(_scalar, parts[1:])]}
        if key == "Fn::Sub" and isinstance(argument, str):
            return {"Fn::Sub": _SUB_NAME.sub(
                lambda m: "${" + self._head_name(m.group(1)) + m.group(2) + "}", argument
            )}
        return None

    # -- comparison -----------------------------------------------------------------------

    def compare(
        self, base: Any, head: Any, assumptions: tuple[Assumption, ...] = (), depth: int = 0
    ) -> Difference:
        if depth > _MAX_DEPTH:
            return Difference(State.UNKNOWN, base, head, "values nested too deeply", assumptions)
        if isinstance(base, Unknown) or isinstance(head, Unknown):
            reason = base.reason if isinstance(base, Unknown) else head.reason
            return Difference(State.UNKNOWN, base, head, reason, assumptions)
        if self.normalise(base, False) == self.normalise(head, True):
            return self._identical(base, head, assumptions)
        pairs = []
        for resolved_base in self.base.resolve(base, (), assumptions):
            for resolved_head in self.head.resolve(head, (), assumptions):
                merged = merge_assumptions(resolved_base.assumptions, resolved_head.assumptions)
                if merged is not None:
                    pairs.append(self._compare_resolved(resolved_base, resolved_head, merged,
                                                        depth))
        return combine(pairs, base, head)

    def _identical(self, base: Any, head: Any, assumptions: tuple[Assumption, ...]) -> Difference:
        names = referenced_names(base)
        replaced = sorted(name for name in names if self.replaced(name))
        if replaced:
            reason = f"refers to {replaced[0]}, which is replaced (its physical id changes)"
            return Difference(State.CHANGED, base, head, reason, assumptions)
        moved = sorted(names & self.moved_defaults)
        if moved:
            reason = f"the Default of parameter {moved[0]} changed"
            return Difference(State.UNKNOWN, base, head, reason, assumptions)
        return Difference(State.SAME, base, head, "", assumptions)

    def _compare_resolved(
        self, base: Resolved, head: Resolved, assumptions: tuple[Assumption, ...], depth: int
    ) -> Difference:
        left, right = base.value, head.value
        if left is ABSENT or right is ABSENT:
            state = State.SAME if left is right else State.CHANGED
            return Difference(state, left, right, "", assumptions)
        opaque = _opaque_reason(left) or _opaque_reason(right)
        if opaque:
            if self.normalise(left, False) == self.normalise(right, True):
                return self._identical(left, right, assumptions)
            return Difference(State.UNKNOWN, left, right, opaque, assumptions)
        if isinstance(left, dict) and isinstance(right, dict):
            parts = [
                self.compare(left.get(key, ABSENT), right.get(key, ABSENT), assumptions, depth + 1)
                for key in sorted(set(left) | set(right), key=str)
            ]
            return combine(parts, left, right)
        if isinstance(left, list) and isinstance(right, list):
            if len(left) != len(right):
                return Difference(State.CHANGED, left, right, "", assumptions)
            parts = [
                self.compare(a, b, assumptions, depth + 1)
                for a, b in zip(left, right, strict=True)
            ]
            return combine(parts, left, right)
        same = self.normalise(left, False) == self.normalise(right, True)
        return Difference(State.SAME if same else State.CHANGED, left, right, "", assumptions)


def _opaque_reason(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason
    if is_dynamic_reference(value):
        return "a dynamic reference resolved at deploy time"
    if is_intrinsic(value):
        ((function, _),) = value.items()
        return f"a value computed by {function} at deploy time"
    return ""


def combine(parts: list[Difference], base: Any, head: Any) -> Difference:
    """One verdict from several: a change in any branch or part is a change (under that
    branch's assumptions, unless every branch changes); otherwise UNKNOWN wins over SAME."""
    if not parts:
        return Difference(State.SAME, base, head)
    changed = [p for p in parts if p.state is State.CHANGED]
    if changed:
        first = changed[0]
        assumptions = first.assumptions
        if len(changed) == len(parts):  # every branch changes: only shared assumptions matter
            assumptions = tuple(
                a for a in assumptions if all(a in p.assumptions for p in changed)
            )
        return Difference(State.CHANGED, first.base, first.head, first.reason, assumptions)
    unknown = [p for p in parts if p.state is State.UNKNOWN]
    if unknown:
        return unknown[0]
    return Difference(State.SAME, base, head)


def _changed_defaults(base: Template, head: Template) -> set[str]:
    """Parameters whose Default differs, unless the user gave the value (--parameter)."""
    given = set(base.parameter_values) | set(head.parameter_values)
    changed = set()
    for name, parameter in base.parameters.items():
        other = head.parameters.get(name)
        if other is None or name in given:
            continue
        if _scalar_or_none(parameter.default) != _scalar_or_none(other.default):
            changed.add(name)
    return changed


def _scalar_or_none(value: Any) -> str | None:
    return None if value is None else _scalar(value)
