"""What the CloudFormation resource provider schemas say about replacement.

cfn-lint ships the registry's provider schemas as package data (``cfnlint/data/schemas``): a
per-region index (``providers/<region>.json``: type -> schema file) and one JSON schema per
type (``resources/<hash>.json``). They are read here at run time, as plain JSON, without
importing cfn-lint; nothing from them is copied into this repository.

From a schema this module takes the properties whose change replaces the resource
(``createOnlyProperties``), those that replace it only when an update in place is impossible
(``conditionalCreateOnlyProperties``), and the property that holds a custom physical name (a
writable, single-property ``primaryIdentifier``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard.load.cfnlint_schemas import cfnlint_schemas_dir

#: Schemas differ little between regions; iacguard validates against us-east-1 by default.
DEFAULT_REGION = "us-east-1"
#: SAM resources are compared as the resources the transform turns them into: the SAM schemas
#: declare no create-only properties of their own. Property names the SAM type renames are
#: mapped to the underlying name (facts from the SAM specification).
SAM_UNDERLYING: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "AWS::Serverless::SimpleTable": ("AWS::DynamoDB::Table", {"PrimaryKey": "KeySchema"}),
    "AWS::Serverless::Function": ("AWS::Lambda::Function", {}),
    "AWS::Serverless::StateMachine": (
        "AWS::StepFunctions::StateMachine", {"Name": "StateMachineName"}
    ),
    "AWS::Serverless::Application": ("AWS::CloudFormation::Stack", {}),
    "AWS::Serverless::LayerVersion": ("AWS::Lambda::LayerVersion", {}),
}

#: A property path inside ``Properties``; "*" stands for every item of a list.
PropertyPath = tuple[str, ...]


@dataclass(frozen=True)
class ReplacementFacts:
    """Replacement behaviour of one resource type, as its provider schema declares it."""

    resource_type: str
    #: False when no schema was found: nothing can be said about replacements.
    known: bool
    create_only: tuple[PropertyPath, ...] = ()
    conditional_create_only: tuple[PropertyPath, ...] = ()
    #: The property that sets the resource's physical name, when the user may set it.
    name_property: str | None = None


def _pointer_to_path(pointer: str) -> PropertyPath | None:
    parts = pointer.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "properties":
        return None
    return tuple(parts[1:])


def _outermost(paths: list[PropertyPath]) -> tuple[PropertyPath, ...]:
    """Drop paths inside another listed path: comparing the parent covers them."""
    kept = sorted(set(paths), key=len)
    result: list[PropertyPath] = []
    for path in kept:
        if not any(path[: len(parent)] == parent for parent in result):
            result.append(path)
    return tuple(sorted(result))


def _facts_from_schema(resource_type: str, schema: Mapping[str, Any]) -> ReplacementFacts:
    def paths(key: str) -> list[PropertyPath]:
        found = (_pointer_to_path(p) for p in schema.get(key) or () if isinstance(p, str))
        return [p for p in found if p is not None]

    create_only = _outermost(paths("createOnlyProperties"))
    conditional = tuple(
        p for p in _outermost(paths("conditionalCreateOnlyProperties"))
        if not any(p[: len(c)] == c for c in create_only)
    )
    identifier = paths("primaryIdentifier")
    read_only = set(paths("readOnlyProperties"))
    name_property = None
    if len(identifier) == 1 and len(identifier[0]) == 1 and identifier[0] not in read_only:
        name_property = identifier[0][0]
    return ReplacementFacts(resource_type, True, create_only, conditional, name_property)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class SchemaFacts:
    """Replacement facts by resource type, read lazily from cfn-lint's provider schemas."""

    def __init__(self, schemas_dir: Path | None, region: str = DEFAULT_REGION) -> None:
        self.schemas_dir = schemas_dir
        self._index: dict[str, str] = {}
        self._facts: dict[str, ReplacementFacts] = {}
        if schemas_dir is not None:
            for name in (f"{region}.json", "sam.json"):
                index = _read_json(schemas_dir / "providers" / name)
                if isinstance(index, dict):
                    self._index.update(
                        {k: v for k, v in index.items() if isinstance(v, str)}
                    )

    @property
    def available(self) -> bool:
        return bool(self._index)

    def for_type(self, resource_type: str) -> ReplacementFacts:
        cached = self._facts.get(resource_type)
        if cached is None:
            cached = self._load(resource_type)
            self._facts[resource_type] = cached
        return cached

    def _load(self, resource_type: str) -> ReplacementFacts:
        underlying = SAM_UNDERLYING.get(resource_type)
        if underlying is not None:
            target, renamed = underlying
            facts = self.for_type(target)
            back = {new: old for old, new in renamed.items()}

            def sam_path(path: PropertyPath) -> PropertyPath:
                return (back.get(path[0], path[0]), *path[1:])

            return ReplacementFacts(
                resource_type,
                facts.known,
                tuple(sam_path(p) for p in facts.create_only),
                tuple(sam_path(p) for p in facts.conditional_create_only),
                back.get(facts.name_property or "", facts.name_property),
            )
        schema_file = self._index.get(resource_type)
        if self.schemas_dir is None or schema_file is None:
            return ReplacementFacts(resource_type, False)
        schema = _read_json(self.schemas_dir / "resources" / f"{schema_file}.json")
        if not isinstance(schema, dict):
            return ReplacementFacts(resource_type, False)
        return _facts_from_schema(resource_type, schema)


@functools.lru_cache(maxsize=4)
def schema_facts(region: str = DEFAULT_REGION) -> SchemaFacts:
    """The facts of the installed cfn-lint's schemas (read once per process and region)."""
    return SchemaFacts(cfnlint_schemas_dir(), region)
