"""What a change does, before it becomes a finding: the rule it falls under, where it points,
and the words that explain it (what changes, what CloudFormation will do, how to avoid it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.diff.stacks import StackVersion
from iacguard.model.template import Resource
from iacguard.model.values import Assumption

DATA_DESTROYED = "IGC001"
DATA_ORPHANED = "IGC002"
DATA_SNAPSHOT_ONLY = "IGC003"
NAME_CONFLICT = "IGC004"
EXPORT_IN_USE = "IGC005"
STACK_REMOVED = "IGC006"
POLICY_WEAKENED = "IGC007"
ROLLBACK_WEAKENED = "IGC008"


@dataclass(frozen=True)
class Site:
    """A place in one version of a template: a resource (or an output, or the template)."""

    stack: StackVersion
    path: tuple[Any, ...]  # from the template root; the nearest existing key is pointed at
    logical_id: str = ""
    resource_type: str = ""
    construct_path: str = ""

    @classmethod
    def of(cls, stack: StackVersion, resource: Resource, *inner: Any) -> Site:
        return cls(stack, (*resource.path, *inner), resource.logical_id, resource.type,
                   resource.cdk_path)


@dataclass(frozen=True)
class Event:
    rule_id: str
    site: Site
    #: Fills the rule's message: ``change`` (what the change does to the resource) and
    #: ``consequence`` (what CloudFormation will then do), plus anything else it names.
    words: Mapping[str, str]
    remedy: str
    #: Non-empty when the outcome cannot be decided statically; says why.
    unknown: str = ""
    assumptions: tuple[Assumption, ...] = ()
    #: Where the resource is in BASE, when the finding points elsewhere.
    origin: Site | None = None
    property_path: str = ""
