"""The reference index: who points at whom, built in one pass so relationship rules are O(1).

A reference is any ``Ref``, ``Fn::GetAtt``, ``${X}`` / ``${X.Attr}`` inside ``Fn::Sub`` (in any
nesting, including inside ``Fn::Join``/``Fn::Select``/``Fn::If``) or ``DependsOn`` entry.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: ``${Name}`` / ``${Name.Attr}`` in Fn::Sub text (``${!Literal}`` is not a variable). A name never
#: holds ``{``: excluding it keeps matching linear on hostile text such as ``${${${...``.
SUB_VARIABLE = re.compile(r"\$\{(?!!)([^{}]+)\}")
_MAX_WALK_DEPTH = 120


@dataclass(frozen=True)
class Reference:
    source: str  # logical id of the resource holding the reference
    target: str  # logical id (or parameter / pseudo parameter) it names
    kind: str  # "Ref" | "GetAtt" | "Sub" | "DependsOn"
    path: tuple[Any, ...]  # where inside the source resource
    attribute: str = ""


@dataclass(frozen=True)
class ExternalReference:
    """A value that comes from outside the template (an export or another stack's output)."""

    source: str
    kind: str  # "ImportValue" | "GetStackOutput"
    name: Any
    path: tuple[Any, ...]


@dataclass
class ReferenceIndex:
    by_target: dict[str, list[Reference]] = field(default_factory=lambda: defaultdict(list))
    by_source: dict[str, list[Reference]] = field(default_factory=lambda: defaultdict(list))
    external: dict[str, list[ExternalReference]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def referrers(self, target: str) -> list[Reference]:
        return self.by_target.get(target, [])

    def references_from(self, source: str) -> list[Reference]:
        return self.by_source.get(source, [])

    def add(self, reference: Reference) -> None:
        self.by_target[reference.target].append(reference)
        self.by_source[reference.source].append(reference)


def build_reference_index(resources: Mapping[str, Any]) -> ReferenceIndex:
    index = ReferenceIndex()
    for logical_id, resource in resources.items():
        body = resource.node
        for key, value in body.items():
            if key == "DependsOn":
                targets = [value] if isinstance(value, str) else value
                if isinstance(targets, list):
                    for position, target in enumerate(targets):
                        if isinstance(target, str):
                            index.add(Reference(logical_id, target, "DependsOn", (key, position)))
                continue
            if key in ("Type", "Metadata"):
                continue
            for reference in _references_in(logical_id, value, (key,), 0):
                if isinstance(reference, ExternalReference):
                    index.external[logical_id].append(reference)
                else:
                    index.add(reference)
    return index


def _references_in(
    source: str, value: Any, path: tuple[Any, ...], depth: int
) -> Iterator[Reference | ExternalReference]:
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, list):
        for position, item in enumerate(value):
            yield from _references_in(source, item, (*path, position), depth + 1)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref" and isinstance(argument, str):
            yield Reference(source, argument, "Ref", path)
            return
        if function == "Fn::GetAtt":
            target, attribute = _getatt_parts(argument)
            if target:
                yield Reference(source, target, "GetAtt", path, attribute)
                return
        if function == "Fn::Sub":
            yield from _sub_references(source, argument, path, depth)
            return
        if function in ("Fn::ImportValue", "Fn::GetStackOutput"):
            yield ExternalReference(source, function.removeprefix("Fn::"), argument, path)
    for key, item in value.items():
        yield from _references_in(source, item, (*path, key), depth + 1)


def _getatt_parts(argument: Any) -> tuple[str, str]:
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        attribute = argument[1] if len(argument) > 1 and isinstance(argument[1], str) else ""
        return argument[0], attribute
    if isinstance(argument, str) and "." in argument:
        target, attribute = argument.split(".", 1)
        return target, attribute
    return "", ""


def _sub_references(
    source: str, argument: Any, path: tuple[Any, ...], depth: int
) -> Iterator[Reference | ExternalReference]:
    text = argument
    variables: Mapping[str, Any] = {}
    if isinstance(argument, list) and argument:
        text = argument[0]
        if len(argument) > 1 and isinstance(argument[1], dict):
            variables = argument[1]
            for name, item in variables.items():
                yield from _references_in(source, item, (*path, "Fn::Sub", 1, name), depth + 1)
    if not isinstance(text, str):
        return
    for match in SUB_VARIABLE.finditer(text):
        name = match.group(1).strip()
        if name in variables:
            continue
        target, _, attribute = name.partition(".")
        kind = "GetAtt" if attribute else "Sub"
        yield Reference(source, target, kind, path, attribute)
