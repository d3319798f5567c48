"""A CloudFormation template as rules see it: typed access to resources, parameters and outputs."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iacguard.load import LoadedDocument, MappingNode, Span, span_of
from iacguard.model.refs import ReferenceIndex, build_reference_index

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_EMPTY: Mapping[str, Any] = MappingNode(Span(1, 1, 1, 1))


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    allowed_values: tuple[Any, ...] | None
    default: Any


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    node: Mapping[str, Any]
    cdk_path: str = ""

    @property
    def properties(self) -> Mapping[str, Any]:
        value = self.node.get("Properties")
        return value if isinstance(value, dict) else _EMPTY

    @property
    def metadata(self) -> Mapping[str, Any]:
        value = self.node.get("Metadata")
        return value if isinstance(value, dict) else _EMPTY

    @property
    def condition(self) -> str | None:
        value = self.node.get("Condition")
        return value if isinstance(value, str) else None

    @property
    def depends_on(self) -> tuple[str, ...]:
        value = self.node.get("DependsOn")
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(v for v in value if isinstance(v, str))
        return ()

    @property
    def deletion_policy(self) -> Any:
        return self.node.get("DeletionPolicy")

    @property
    def update_replace_policy(self) -> Any:
        return self.node.get("UpdateReplacePolicy")

    @property
    def update_policy(self) -> Any:
        return self.node.get("UpdatePolicy")

    @property
    def path(self) -> tuple[str, str]:
        return ("Resources", self.logical_id)


@dataclass
class Template:
    """One loaded template. ``display_path`` is what reports show (relative to the run's root)."""

    document: LoadedDocument
    display_path: str
    resources: dict[str, Resource]
    parameters: dict[str, Parameter]
    conditions: frozenset[str]
    outputs: Mapping[str, Any]
    transforms: tuple[str, ...]
    parameter_values: dict[str, Any] = field(default_factory=dict)
    stack_name: str = ""
    refs: ReferenceIndex = field(default_factory=ReferenceIndex)
    #: Facts a CDK assembly adds (artifact id, creation stack frames) keyed by logical id.
    source_frames: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def root(self) -> Mapping[str, Any]:
        data = self.document.data
        return data if isinstance(data, dict) else _EMPTY

    @property
    def is_sam(self) -> bool:
        return SAM_TRANSFORM in self.transforms

    @property
    def globals(self) -> Mapping[str, Any]:
        value = self.root.get("Globals")
        return value if isinstance(value, dict) else _EMPTY

    def resources_of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    def span(self, path: tuple[Any, ...]) -> Span:
        return span_of(self.document.data, path)


def looks_like_template(data: Any) -> bool:
    """A CloudFormation template has a format version or Resources entries that have a Type."""
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(body, dict) and "Type" in body for body in resources.values()
    )


def _parameters(data: Mapping[str, Any]) -> dict[str, Parameter]:
    section = data.get("Parameters")
    if not isinstance(section, dict):
        return {}
    result: dict[str, Parameter] = {}
    for name, body in section.items():
        if not isinstance(name, str) or not isinstance(body, dict):
            continue
        allowed = body.get("AllowedValues")
        result[name] = Parameter(
            name=name,
            type=str(body.get("Type", "String")),
            allowed_values=tuple(allowed) if isinstance(allowed, list) and allowed else None,
            default=body.get("Default"),
        )
    return result


def _transforms(data: Mapping[str, Any]) -> tuple[str, ...]:
    value = data.get("Transform")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def build_template(
    document: LoadedDocument,
    display_path: str,
    parameter_values: Mapping[str, Any] | None = None,
) -> Template:
    """Wrap loaded data. Malformed sections (a list of Resources, a resource without Type) are
    skipped here; validation reports them, rules simply do not see them."""
    data = document.data if isinstance(document.data, dict) else _EMPTY
    resources: dict[str, Resource] = {}
    section = data.get("Resources")
    if isinstance(section, dict):
        for logical_id, body in section.items():
            if not isinstance(logical_id, str) or not isinstance(body, dict):
                continue
            resource_type = body.get("Type")
            if not isinstance(resource_type, str):
                continue
            metadata = body.get("Metadata")
            cdk_path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
            resources[logical_id] = Resource(
                logical_id=logical_id,
                type=resource_type,
                node=body,
                cdk_path=cdk_path if isinstance(cdk_path, str) else "",
            )
    conditions = data.get("Conditions")
    outputs = data.get("Outputs")
    template = Template(
        document=document,
        display_path=display_path,
        resources=resources,
        parameters=_parameters(data),
        conditions=frozenset(k for k in conditions if isinstance(k, str))
        if isinstance(conditions, dict)
        else frozenset(),
        outputs=outputs if isinstance(outputs, dict) else _EMPTY,
        transforms=_transforms(data),
        parameter_values=dict(parameter_values or {}),
    )
    template.refs = build_reference_index(resources)
    return template


def format_version(data: Mapping[str, Any]) -> str:
    value = data.get("AWSTemplateFormatVersion")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return str(value) if value is not None else ""
