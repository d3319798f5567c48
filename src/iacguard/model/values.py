"""Tri-state reading of template values: known, absent, or UNKNOWN.

Reading a property never guesses. ``Fn::If`` yields both branches (each tagged with the condition
it assumes), a ``Ref`` to a parameter with ``AllowedValues`` yields one branch per allowed value,
``AWS::NoValue`` is absence, and anything only known at deploy time is :class:`Unknown`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.model.template import Resource, Template

#: Beyond this many combinations a value is reported UNKNOWN rather than enumerated.
MAX_BRANCHES = 64
_MAX_RESOLVE_DEPTH = 50


class _Absent:
    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known before deploy. ``present`` says whether the key exists."""

    reason: str
    present: bool = True


@dataclass(frozen=True, order=True)
class Assumption:
    kind: str  # "condition" | "parameter"
    name: str
    value: Any


def existence(resource: Resource) -> tuple[Assumption, ...]:
    """A resource with ``Condition: X`` exists only when X is true."""
    name = resource.condition
    return (Assumption("condition", name, True),) if name else ()


@dataclass(frozen=True)
class Resolved:
    value: Any
    path: tuple[Any, ...]
    assumptions: tuple[Assumption, ...] = ()


def node_at(node: Any, path: Sequence[Any]) -> Any:
    """The raw value at ``path`` (mapping keys and list indices), or ABSENT where it stops."""
    for segment in path:
        in_mapping = isinstance(node, Mapping) and segment in node
        in_list = isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node)
        if not (in_mapping or in_list):
            return ABSENT
        node = node[segment]
    return node


def if_assumptions(node: Any, path: Sequence[Any]) -> tuple[Assumption, ...]:
    """The ``Fn::If`` branches a path below ``node`` walks through, as the conditions it needs."""
    found: list[Assumption] = []
    for position, segment in enumerate(path):
        if segment == "Fn::If" and isinstance(node, Mapping) and position + 1 < len(path):
            argument = node.get("Fn::If")
            branch = path[position + 1]
            if isinstance(argument, list) and argument and isinstance(argument[0], str):
                found.append(Assumption("condition", argument[0], branch == 1))
        node = node_at(node, (segment,))
    return tuple(found)


def path_under(path: Sequence[Any], prefix: Sequence[Any]) -> bool:
    """Does ``path`` start with ``prefix``, segment for segment?"""
    return len(path) >= len(prefix) and tuple(path[: len(prefix)]) == tuple(prefix)


def is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (key,) = value
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::") or key == "Condition")


def is_live_list(value: Any) -> bool:
    """A list property that may hold items (a literal non-empty list, or an expression)."""
    if isinstance(value, list):
        return bool(value)
    return value is not ABSENT and value is not None and value != ""


def is_dynamic_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{{resolve:")


def consistent(assumptions: tuple[Assumption, ...], extra: Assumption) -> bool:
    return all(
        not (a.kind == extra.kind and a.name == extra.name and a.value != extra.value)
        for a in assumptions
    )


def merge_assumptions(
    left: tuple[Assumption, ...], right: tuple[Assumption, ...]
) -> tuple[Assumption, ...] | None:
    """Combine two assumption sets, or None when they contradict each other."""
    merged = list(left)
    for assumption in right:
        if not consistent(tuple(merged), assumption):
            return None
        if assumption not in merged:
            merged.append(assumption)
    return tuple(sorted(merged))


class Resolver:
    """Resolves intrinsics of one template, honouring parameter values given by the user."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._conditions: dict[str, bool | None] = {}

    def resolve(
        self,
        value: Any,
        path: tuple[Any, ...],
        assumptions: tuple[Assumption, ...] = (),
        depth: int = 0,
    ) -> list[Resolved]:
        if depth > _MAX_RESOLVE_DEPTH:
            return [Resolved(Unknown("intrinsics nested too deeply"), path, assumptions)]
        if not is_intrinsic(value):
            return [Resolved(value, path, assumptions)]
        ((function, argument),) = value.items()
        if function == "Fn::If":
            return self._resolve_if(argument, path, assumptions, depth)
        if function == "Ref" and isinstance(argument, str):
            return self._resolve_ref(value, argument, path, assumptions)
        if function == "Fn::Sub" and isinstance(argument, str) and "${" not in argument:
            return [Resolved(argument, path, assumptions)]
        return [Resolved(value, path, assumptions)]

    def _resolve_if(
        self,
        argument: Any,
        path: tuple[Any, ...],
        assumptions: tuple[Assumption, ...],
        depth: int,
    ) -> list[Resolved]:
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            return [Resolved(Unknown("malformed Fn::If"), path, assumptions)]
        decided = self.condition_value(argument[0])
        if decided is not None:
            branch = 1 if decided else 2
            return self.resolve(argument[branch], (*path, "Fn::If", branch), assumptions, depth + 1)
        results: list[Resolved] = []
        for branch, truth in ((1, True), (2, False)):
            assumption = Assumption("condition", argument[0], truth)
            if not consistent(assumptions, assumption):
                continue
            added = assumptions if assumption in assumptions else (*assumptions, assumption)
            results.extend(
                self.resolve(argument[branch], (*path, "Fn::If", branch), added, depth + 1)
            )
        return results[:MAX_BRANCHES] if len(results) <= MAX_BRANCHES else [
            Resolved(Unknown("too many condition combinations"), path, assumptions)
        ]

    def condition_value(self, name: str) -> bool | None:
        """A condition's value when parameter values given by the user (``--parameter``) decide
        it; None otherwise, so both branches of an ``Fn::If`` stay in play."""
        if not self.template.parameter_values:
            return None
        if name not in self._conditions:
            # The conditions it refers to are decided first, in order, without recursion: a
            # template can chain hundreds of conditions one on another.
            for each in self._dependency_order(name):
                self._conditions[each] = None  # a cycle of conditions decides nothing
                used: list[str] = []
                value = self._condition(self._condition_definition(each), used, 0)
                self._conditions[each] = value if used else None
        return self._conditions[name]

    def _dependency_order(self, name: str) -> list[str]:
        """``name`` and the undecided conditions it refers to, each after those it refers to
        (depth first, iteratively; a condition already on the path is a cycle and left out)."""
        order: list[str] = []
        seen = set(self._conditions)
        stack: list[tuple[str, bool]] = [(name, False)]
        while stack:
            current, expanded = stack.pop()
            if expanded:
                order.append(current)
                continue
            if current in seen:
                continue
            seen.add(current)
            stack.append((current, True))
            referenced = _referenced_conditions(self._condition_definition(current))
            stack.extend((other, False) for other in reversed(referenced))
        return order

    def _condition_definition(self, name: str) -> Any:
        section = self.template.root.get("Conditions")
        return section.get(name) if isinstance(section, Mapping) else None

    def _condition(self, expression: Any, used: list[str], depth: int) -> bool | None:
        if depth > _MAX_RESOLVE_DEPTH or not isinstance(expression, Mapping):
            return None
        if len(expression) != 1:
            return None
        ((function, argument),) = expression.items()
        if function == "Condition" and isinstance(argument, str):
            value = self._conditions.get(argument)  # decided first (see condition_value)
            if value is not None:
                used.append(argument)
            return value
        if not isinstance(argument, list):
            return None
        if function == "Fn::Equals" and len(argument) == 2:
            left, right = (self._condition_operand(item, used) for item in argument)
            return None if left is None or right is None else left == right
        parts = [self._condition(item, used, depth + 1) for item in argument]
        if function == "Fn::Not" and len(parts) == 1:
            return None if parts[0] is None else not parts[0]
        if function == "Fn::And":
            return False if False in parts else (None if None in parts else True)
        if function == "Fn::Or":
            return True if True in parts else (None if None in parts else False)
        return None

    def _condition_operand(self, value: Any, used: list[str]) -> str | None:
        """Fn::Equals compares strings; only literals and user-given parameters are known."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        if isinstance(value, Mapping) and len(value) == 1 and "Ref" in value:
            name = value["Ref"]
            if isinstance(name, str) and name in self.template.parameter_values:
                used.append(name)
                return self._condition_operand(self.template.parameter_values[name], [])
        return None

    def _resolve_ref(
        self,
        value: Any,
        name: str,
        path: tuple[Any, ...],
        assumptions: tuple[Assumption, ...],
    ) -> list[Resolved]:
        if name == "AWS::NoValue":
            return [Resolved(ABSENT, path, assumptions)]
        if name in self.template.parameter_values:
            return [Resolved(self.template.parameter_values[name], path, assumptions)]
        parameter = self.template.parameters.get(name)
        if parameter is None:
            # A resource reference or a pseudo parameter: present, content known only at deploy.
            return [Resolved(value, path, assumptions)]
        if parameter.allowed_values is None:
            return [Resolved(Unknown(f"depends on parameter {name}"), path, assumptions)]
        results = []
        for allowed in parameter.allowed_values:
            assumption = Assumption("parameter", name, allowed)
            if consistent(assumptions, assumption):
                results.append(Resolved(allowed, path, (*assumptions, assumption)))
        return results

    def lookup(self, node: Any, dotted: str, base: tuple[Any, ...] = ()) -> list[Resolved]:
        """All values at ``dotted`` (``*`` walks list items) below ``node``."""
        segments = tuple(dotted.split(".")) if dotted else ()
        return list(self._walk(node, segments, base, ()))

    def _walk(
        self,
        value: Any,
        segments: tuple[str, ...],
        path: tuple[Any, ...],
        assumptions: tuple[Assumption, ...],
    ) -> Iterator[Resolved]:
        for resolved in self.resolve(value, path, assumptions):
            if not segments:
                yield resolved
                continue
            current = resolved.value
            if current is ABSENT or isinstance(current, Unknown):
                yield Resolved(_descend_missing(current), resolved.path, resolved.assumptions)
                continue
            head, rest = segments[0], segments[1:]
            if head == "*":
                if isinstance(current, list):
                    for position, item in enumerate(current):
                        for element in self.resolve(
                            item, (*resolved.path, position), resolved.assumptions
                        ):
                            if element.value is ABSENT:
                                continue  # AWS::NoValue removes the list item
                            yield from self._walk(
                                element.value, rest, element.path, element.assumptions
                            )
                elif is_intrinsic(current):
                    yield Resolved(
                        Unknown("list built by an intrinsic function", present=False),
                        resolved.path,
                        resolved.assumptions,
                    )
                continue
            if isinstance(current, Mapping) and not is_intrinsic(current):
                if head in current:
                    yield from self._walk(
                        current[head], rest, (*resolved.path, head), resolved.assumptions
                    )
                else:
                    yield Resolved(ABSENT, (*resolved.path, head), resolved.assumptions)
            elif is_intrinsic(current):
                yield Resolved(
                    Unknown("value built by an intrinsic function", present=False),
                    resolved.path,
                    resolved.assumptions,
                )
            else:
                yield Resolved(ABSENT, (*resolved.path, head), resolved.assumptions)


def _descend_missing(current: Any) -> Any:
    if current is ABSENT:
        return ABSENT
    return Unknown(current.reason, present=False)


TRUE_STRINGS = frozenset({"true"})
FALSE_STRINGS = frozenset({"false"})


def as_bool(value: Any) -> bool | None:
    """CloudFormation accepts "true"/"false" strings wherever a boolean goes."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in TRUE_STRINGS:
            return True
        if lowered in FALSE_STRINGS:
            return False
    return None


def flag_value(value: Any) -> Any:
    """A boolean setting as CloudFormation reads it: "false" or "True" become booleans, so a
    message says what the setting *is*; any other value stays as written."""
    flag = as_bool(value)
    return value if flag is None else flag


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def is_opaque(value: Any) -> bool:
    """Present, but its content cannot be compared statically."""
    return isinstance(value, Unknown) or is_intrinsic(value) or is_dynamic_reference(value)


def _referenced_conditions(expression: Any) -> list[str]:
    """The names of the conditions an expression refers to (``{"Condition": name}``), in order."""
    names: list[str] = []
    pending = [expression]
    while pending:
        current = pending.pop()
        if isinstance(current, Mapping):
            if len(current) == 1 and isinstance(current.get("Condition"), str):
                names.append(current["Condition"])
            else:
                pending.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            pending.extend(reversed(current))
    return names
