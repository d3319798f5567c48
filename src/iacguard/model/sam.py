"""SAM ``Globals``: what a serverless resource inherits when it does not set a property itself.

Rules see templates before the SAM transform runs, so a property of an
``AWS::Serverless::Function`` may live in ``Globals.Function`` instead. The helpers here apply
SAM's documented merge and its ``IgnoreGlobals`` resource attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iacguard.model.refs import Reference, build_reference_index
from iacguard.model.template import Resource, Template
from iacguard.model.values import ABSENT, Resolved, Resolver, is_intrinsic


def ignores_global(resource: Resource, key: str) -> bool:
    """SAM's ``IgnoreGlobals`` resource attribute: ``"*"`` or a list of property names."""
    ignored = resource.node.get("IgnoreGlobals")
    if ignored == "*":
        return True
    return isinstance(ignored, list) and ("*" in ignored or key in ignored)


def merge_sam_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge: maps merge key by key, lists concatenate (globals first), and any
    other local value replaces the global one. Intrinsic functions count as plain values."""
    if local_value is ABSENT:
        return global_value
    if _plain_mapping(global_value) and _plain_mapping(local_value):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_sam_globals(global_value.get(key, ABSENT), value)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*global_value, *local_value]
    return local_value


def _plain_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) and not is_intrinsic(value)


def function_with_globals(template: Template, function: Resource) -> Resource:
    """The function as SAM deploys it: its Properties with ``Globals.Function`` merged in."""
    defaults = template.globals.get("Function")
    if not _plain_mapping(defaults):
        return function
    node = dict(function.node)
    node["Properties"] = merge_sam_globals(defaults, function.properties)
    return Resource(function.logical_id, function.type, node, function.cdk_path)


def setting_with_globals(
    resolver: Resolver, resource: Resource, own: str, section: str, dotted: str
) -> tuple[list[Resolved], bool]:
    """The values at ``own`` (a dotted path from the resource); when the resource does not set
    it, the values at ``Globals.<section>.<dotted>`` instead, placed at ``own`` (findings point
    into the resource; Globals has no place in its path). The flag says they came from Globals.
    """
    values = resolver.lookup(resource.node, own)
    if any(v.value is not ABSENT for v in values) or ignores_global(
        resource, dotted.split(".")[0]
    ):
        return values, False
    defaults = resolver.template.globals.get(section)
    if not isinstance(defaults, Mapping) or dotted.split(".")[0] not in defaults:
        return values, False
    where = tuple(own.split("."))
    inherited = resolver.lookup(defaults, dotted)
    return [Resolved(v.value, where, v.assumptions) for v in inherited], True


GLOBALS_FUNCTION = "Globals.Function"


def globals_function_references(template: Template) -> Mapping[str, tuple[Reference, ...]]:
    """References made in ``Globals.Function`` (which the template's reference index, built
    over Resources, does not see), by the resource they name. Their ``source`` is
    ``Globals.Function`` and their path starts with ``Properties``, as if the section were a
    function's properties. An index: ``template.index(globals_function_references)``."""
    defaults = template.globals.get("Function")
    if not isinstance(defaults, Mapping):
        return {}
    pseudo = Resource(GLOBALS_FUNCTION, "Globals", {"Properties": defaults})
    index = build_reference_index({GLOBALS_FUNCTION: pseudo})
    return {target: tuple(found) for target, found in index.by_target.items()}
