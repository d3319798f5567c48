"""Mistakes in a rule file that the JSON Schema cannot name well (issue 20, item 8).

- A mistyped operator (``not-equal``) gets "did you mean 'not-equals'?" at its line.
- A property path that the resource type does not have (``Properties.VersioningConfig.Status``
  on ``AWS::S3::Bucket``) would make the rule flag every resource, silently: it is checked
  against the resource schemas that cfn-lint ships (read from its package data, only when a
  custom rule is loaded) and reported with a suggestion.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from iacguard.errors import RuleFileError
from iacguard.load.cfnlint_schemas import cfnlint_schemas_dir
from iacguard.load.parse import span_of
from iacguard.suggest import did_you_mean

#: The keys a condition may have (rule.schema.json, $defs/condition).
CONDITION_KEYS = (
    "all", "any", "not", "path", "exists", "absent", "empty", "equals", "not-equals", "in",
    "not-in", "regex", "not-regex", "gt", "ge", "lt", "le", "referenced-by", "references",
)
#: What a resource has besides its properties.
RESOURCE_ATTRIBUTES = (
    "Type", "Properties", "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "DependsOn",
    "Condition", "CreationPolicy", "UpdatePolicy",
)


def check_condition_present(path: Path, data: Any) -> None:
    """A template rule without a condition would otherwise get the schema's "not valid under
    any of the given schemas", which names nothing."""
    if not isinstance(data, Mapping) or data.get("kind") == "change":
        return
    if "when" not in data and "check" not in data:
        raise RuleFileError(f"{path}:1: the rule has no condition: add 'when' (the condition "
                            "under which a resource fails; see docs/custom-rules.md)")


def check_operators(path: Path, data: Any) -> None:
    """Raise for the first condition key that is not an operator, with a suggestion."""
    if not isinstance(data, Mapping):
        return
    for key in ("when", "applies-when"):
        for where, condition in _conditions(data.get(key), (key,)):
            _check_keys(path, data, where, condition, CONDITION_KEYS, "operator")
    decided = data.get("decided-when")
    if isinstance(decided, Mapping):
        for where, condition in _conditions(decided.get("condition"),
                                            ("decided-when", "condition")):
            _check_keys(path, data, where, condition, CONDITION_KEYS, "operator")


def _check_keys(path: Path, data: Any, where: tuple[Any, ...], mapping: Mapping[str, Any],
                known: Sequence[str], what: str) -> None:
    for key in mapping:
        if key not in known:
            line = span_of(data, (*where, key)).start_line
            hint = did_you_mean(str(key), known) or f" (one of: {', '.join(known)})"
            raise RuleFileError(f"{path}:{line}: unknown {what} {key!r}{hint}")


def _conditions(
    condition: Any, where: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """Every condition mapping under ``condition`` with its path in the rule file."""
    if not isinstance(condition, Mapping):
        return
    yield where, condition
    for key in ("all", "any"):
        children = condition.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                yield from _conditions(child, (*where, key, index))
    yield from _conditions(condition.get("not"), (*where, "not"))
    for key in ("referenced-by", "references"):
        relation = condition.get(key)
        if isinstance(relation, Mapping):
            yield from _conditions(relation.get("where"), (*where, key, "where"))


def check_paths(path: Path, data: Any) -> None:
    """Raise for the first property path that the rule's resource types do not have."""
    if not isinstance(data, Mapping):
        return
    types = [t for t in data.get("resource-types") or () if isinstance(t, str)]
    for key in ("when", "applies-when"):
        _check_condition_paths(path, data, (key,), data.get(key), types)
    decided = data.get("decided-when")
    if isinstance(decided, Mapping):
        _check_condition_paths(path, data, ("decided-when", "condition"),
                               decided.get("condition"), types)
    location = data.get("location")
    if isinstance(location, str):
        _check_path(path, data, ("location",), location, types)


def _check_condition_paths(path: Path, data: Any, where: tuple[Any, ...], condition: Any,
                           types: Sequence[str]) -> None:
    if not isinstance(condition, Mapping):
        return
    if isinstance(condition.get("path"), str):
        _check_path(path, data, (*where, "path"), condition["path"], types)
    for key in ("all", "any"):
        children = condition.get(key)
        for index, child in enumerate(children if isinstance(children, list) else ()):
            _check_condition_paths(path, data, (*where, key, index), child, types)
    _check_condition_paths(path, data, (*where, "not"), condition.get("not"), types)
    for key in ("referenced-by", "references"):
        relation = condition.get(key)
        if isinstance(relation, Mapping):
            # "where" is about the related resource: its types are the relationship's.
            related = [t for t in relation.get("types") or () if isinstance(t, str)]
            _check_condition_paths(path, data, (*where, key, "where"), relation.get("where"),
                                   related)


def _check_path(rule_file: Path, data: Any, where: tuple[Any, ...], dotted: str,
                types: Sequence[str]) -> None:
    for resource_type in types:
        problem = path_problem(resource_type, dotted)
        if problem:
            line = span_of(data, where).start_line
            raise RuleFileError(f"{rule_file}:{line}: {problem}")


def path_problem(resource_type: str, dotted: str) -> str:
    """What is wrong with ``dotted`` for ``resource_type``, or "" when it exists (or when no
    schema says: a type cfn-lint does not know, a property of free-form JSON)."""
    segments = dotted.split(".")
    if segments[0] not in RESOURCE_ATTRIBUTES:
        return (f"path {dotted!r}: a resource has no {segments[0]!r}"
                + did_you_mean(segments[0], RESOURCE_ATTRIBUTES))
    if segments[0] != "Properties" or len(segments) == 1:
        return ""
    schema = resource_schema(resource_type)
    if schema is None:
        return ""
    node: Mapping[str, Any] = schema
    walked = ["Properties"]
    for segment in segments[1:]:
        node = _resolve(schema, node)
        if segment == "*":
            items = node.get("items")
            if not isinstance(items, Mapping):
                return ""
            node = items
        else:
            properties = _properties(schema, node)
            if properties is None:
                return ""  # free-form (a policy document, JSON): nothing to check against
            if segment not in properties:
                known = sorted(properties)
                return (f"path {dotted!r}: {resource_type} has no property "
                        f"{'.'.join([*walked, segment])!r}" + did_you_mean(segment, known))
            node = properties[segment]
        walked.append(segment)
    return ""


def _resolve(schema: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/definitions/") \
            and seen < 20:
        node = schema.get("definitions", {}).get(node["$ref"].split("/")[-1], {})
        seen += 1
    return node


def _properties(schema: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any] | None:
    """The properties a node may have, gathered across oneOf/anyOf/allOf alternatives; None
    when the node does not list them."""
    found: dict[str, Any] = {}
    listed = False
    for candidate in [node, *(_resolve(schema, alternative)
                              for key in ("oneOf", "anyOf", "allOf")
                              for alternative in node.get(key) or ()
                              if isinstance(alternative, Mapping))]:
        properties = candidate.get("properties")
        if isinstance(properties, Mapping):
            listed = True
            found.update(properties)
        elif candidate is node and "items" in candidate:
            # A list where an object was expected: the path walks into each item.
            items = candidate["items"]
            if isinstance(items, Mapping):
                inner = _properties(schema, _resolve(schema, items))
                if inner is not None:
                    listed = True
                    found.update(inner)
    return found if listed else None


@functools.lru_cache(maxsize=256)
def resource_schema(resource_type: str) -> Mapping[str, Any] | None:
    """cfn-lint's resource schema of ``resource_type`` (us-east-1), read from its package data
    without importing cfn-lint; None when cfn-lint has no schema for the type."""
    schemas = cfnlint_schemas_dir()
    if schemas is None:
        return None
    name = _provider_index(str(schemas)).get(resource_type)
    if name is None:
        return None
    try:
        text = (schemas / "resources" / f"{name}.json").read_text(encoding="utf-8")
        schema: Mapping[str, Any] = json.loads(text)
    except (OSError, ValueError):
        return None
    return schema


@functools.lru_cache(maxsize=1)
def _provider_index(schemas: str) -> Mapping[str, str]:
    """Resource type -> schema file (without .json) for us-east-1."""
    try:
        path = Path(schemas) / "providers" / "us-east-1.json"
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
