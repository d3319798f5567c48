"""What a ``# iacguard: ignore[...]`` comment covers, from the line it applies to.

People write the comment where they see the resource, not where a rule happens to point:

- on the logical-id line, the ``Type`` line or the ``Properties`` line of a resource (or on a
  line of its own just above one of them): every finding of the named rules on that resource,
  wherever it points (a missing property points at ``Properties``, a wrong value at its key);
- on the line of a key inside a resource (a property, ``DeletionPolicy``): the findings about
  that key and what is under it;
- anywhere else (``Outputs``, ``Parameters``): the findings on that very line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.load.parse import MappingNode, SequenceNode, Span
from iacguard.model.template import Template
from iacguard.suppress.directives import Scope

#: Keys of a resource whose line stands for the whole resource.
_RESOURCE_LINE_KEYS = ("Type", "Properties")


@dataclass(frozen=True)
class _Target:
    logical_id: str
    lines: tuple[int, int]
    property_path: str = ""  # empty: the whole resource


def inline_scope(template: Template, line: int) -> Scope:
    """The scope of an inline comment that applies to ``line`` (1-based)."""
    target = template.index(_targets_by_line).get(line)
    if target is None:
        return Scope(file=template.display_path, line=line)
    return Scope(
        file=template.display_path,
        logical_id=target.logical_id,
        lines=target.lines,
        property_path=target.property_path or None,
    )


def _targets_by_line(template: Template) -> dict[int, _Target]:
    """For each line that starts a resource or one of its keys, what a comment there covers.
    The outermost key of a line wins (``Topic: {Type: X}`` is the resource's line)."""
    resources = template.root.get("Resources")
    if not isinstance(resources, MappingNode):
        return {}
    targets: dict[int, _Target] = {}
    for logical_id, node in resources.items():
        if not isinstance(node, MappingNode) or logical_id not in resources.key_spans:
            continue
        start = resources.key_spans[logical_id].start_line
        whole = _Target(str(logical_id), (start, max(start, _last_line(node.span))))
        targets.setdefault(start, whole)
        for key in _RESOURCE_LINE_KEYS:
            if key in node.key_spans:
                targets.setdefault(node.key_spans[key].start_line, whole)
        for path, first, last in _key_lines(node, ()):
            if path[0] == "Type" or path == ("Properties",):
                continue
            targets.setdefault(first, _Target(str(logical_id), (first, last), ".".join(path)))
    return targets


def _last_line(span: Span) -> int:
    """The last line a span has text on: a block's end mark sits at the start of the next line."""
    if span.end_column == 1 and span.end_line > span.start_line:
        return span.end_line - 1
    return span.end_line


def _key_lines(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int, int]]:
    """(property path, first line, last line) of every key under ``node``, outermost first.
    List positions and ``Fn::If`` are left out of paths, as in findings."""
    if isinstance(node, MappingNode):
        for key, value in node.items():
            inner = path if key == "Fn::If" else (*path, str(key))
            key_span = node.key_spans.get(key)
            value_span = node.value_spans.get(key)
            if key_span is not None and inner != path:
                last = _last_line(value_span if value_span is not None else key_span)
                yield inner, key_span.start_line, max(key_span.start_line, last)
            yield from _key_lines(value, inner)
    elif isinstance(node, SequenceNode):
        for item in node:
            yield from _key_lines(item, path)
