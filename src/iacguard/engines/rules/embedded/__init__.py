"""Validators for documents embedded as strings inside CloudFormation templates.

The check functions know nothing about templates: they take the embedded text and report
problems with positions inside that text, so the caller can map them onto the template.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from iacguard import suggest


@dataclass(frozen=True)
class EmbeddedProblem:
    """One problem found in an embedded document."""

    code: str
    message: str
    line: int
    column: int
    pointer: str


PathToken = str | int

# libyaml is several times faster; both loaders only compose nodes, never build objects.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


def compose_yaml(text: str) -> yaml.Node | None:
    """Parse `text` into a node graph with marks; raises what the YAML parser raises."""
    node: yaml.Node | None = yaml.compose(text, Loader=_YAML_LOADER)
    return node


def mark_position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def yaml_error_position(error: yaml.YAMLError, text: str) -> tuple[int, int]:
    """1-based position of a YAML error, or (1, 1) when the parser gave none."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1, int(mark.column) + 1
    offset = getattr(error, "position", None)
    if isinstance(offset, int):
        return offset_position(text, min(max(offset, 0), len(text)))
    return 1, 1


def yaml_error_reason(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if isinstance(problem, str) and problem:
        # Composer errors split one sentence: "expected a single document", "but found ...".
        if problem.startswith("but ") and isinstance(context, str) and context:
            return f"{context}, {problem}"
        return problem
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def offset_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def pointer_join(pointer: str, token: PathToken) -> str:
    escaped = str(token).replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{escaped}"


def pointer_from_path(path: Iterable[PathToken]) -> str:
    pointer = ""
    for token in path:
        pointer = pointer_join(pointer, token)
    return pointer


def key_text(node: yaml.Node) -> str | None:
    """The text of a mapping key, or None for complex (non-scalar) keys."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


def mapping_pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
    return pairs


def named_pairs(node: yaml.MappingNode) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(name, key node, value node) for plain keys; merge (<<) and complex keys are skipped."""
    for key_node, value_node in mapping_pairs(node):
        name = key_text(key_node)
        if name is not None and key_node.tag != _MERGE_TAG:
            yield name, key_node, value_node


def mapping_get(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The last (key, value) pair named `key`: YAML and JSON loaders both keep the last one."""
    found = None
    for key_node, value_node in mapping_pairs(node):
        if key_text(key_node) == key:
            found = (key_node, value_node)
    return found


def did_you_mean(name: str, choices: Sequence[str]) -> str:
    """'; did you mean X?' when a choice is close, else '; expected one of ...'."""
    return suggest.did_you_mean(name, choices) or f"; expected one of {', '.join(choices)}"


def duplicate_key_problems(root: yaml.Node, document: str) -> Iterator[EmbeddedProblem]:
    """Report every repeated key in every mapping of the graph.

    Aliases can make the graph shared or even cyclic, so each node is visited once and the
    walk is iterative to survive deeply nested input.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[PathToken, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            items: list[yaml.Node] = node.value
            stack.extend((item, (*path, i)) for i, item in enumerate(items))
        elif isinstance(node, yaml.MappingNode):
            yield from _duplicates_in(node, path, document)
            for key_node, value_node in mapping_pairs(node):
                name = key_text(key_node)
                if name is not None:
                    stack.append((value_node, (*path, name)))


def _duplicates_in(
    node: yaml.MappingNode, path: tuple[PathToken, ...], document: str
) -> Iterator[EmbeddedProblem]:
    first_seen: set[str] = set()
    for name, key_node, _ in named_pairs(node):
        if name in first_seen:
            line, column = mark_position(key_node)
            where = display_path(path) or document
            yield EmbeddedProblem(
                "duplicate-key",
                f"{where} repeats key '{name}'; only the last value is used",
                line,
                column,
                pointer_from_path((*path, name)),
            )
        first_seen.add(name)


def display_path(path: Iterable[PathToken]) -> str:
    """Render ['rules', 0, 'selection'] as 'rules[0].selection' for messages."""
    text = ""
    for token in path:
        if isinstance(token, int):
            text += f"[{token}]"
        else:
            text += f".{token}" if text else token
    return text


def sort_problems(problems: Iterable[EmbeddedProblem]) -> list[EmbeddedProblem]:
    unique = set(problems)
    return sorted(unique, key=lambda p: (p.line, p.column, p.code, p.pointer, p.message))


# Imported last: both modules import EmbeddedProblem and the helpers above from this package.
from iacguard.engines.rules.embedded.buildspec import (  # noqa: E402
    check_buildspec_text,
    looks_like_inline_buildspec,
)
from iacguard.engines.rules.embedded.ecr_lifecycle import check_lifecycle_policy_text  # noqa: E402

__all__ = [
    "EmbeddedProblem",
    "check_buildspec_text",
    "check_lifecycle_policy_text",
    "looks_like_inline_buildspec",
]
