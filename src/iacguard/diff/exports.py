"""Exports whose value a change alters while another stack imports them.

CloudFormation refuses to change or delete an export that another stack imports ("Export ...
cannot be updated as it is in use by ..."); the update fails and rolls back. Replacing a
resource changes its physical id, and with it every export of its ``Ref`` or ``Fn::GetAtt``.
Importers are looked for in BASE: what is deployed is what imports the old value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.diff.events import EXPORT_IN_USE, Event, Site
from iacguard.diff.remedies import export_in_use
from iacguard.diff.stacks import StackVersion
from iacguard.diff.values import describe, referenced_names
from iacguard.model.template import Resource, Template


@dataclass(frozen=True)
class Export:
    output: str
    name: Any  # as written (a string, or an expression)
    resolved: str | None  # the name as a string, when it can be known


def _resolved_name(name: Any, template: Template) -> str | None:
    if isinstance(name, str):
        return name
    if isinstance(name, dict) and len(name) == 1 and "Fn::Sub" in name:
        text = name["Fn::Sub"]
        if isinstance(text, str) and template.cfn_stack_name:
            text = text.replace("${AWS::StackName}", template.cfn_stack_name)
        if isinstance(text, str) and "${" not in text:
            return text
    return None


def exports_of(template: Template, logical_id: str) -> Iterator[Export]:
    """Exported outputs whose value refers to ``logical_id``."""
    for output, body in template.outputs.items():
        if not isinstance(body, dict):
            continue
        export = body.get("Export")
        name = export.get("Name") if isinstance(export, dict) else None
        if name is None or logical_id not in referenced_names(body.get("Value")):
            continue
        yield Export(str(output), name, _resolved_name(name, template))


def importers(export: Export, producer: StackVersion,
              stacks: Sequence[StackVersion]) -> list[StackVersion]:
    """The stacks (other than the producer) whose templates import the export by name."""
    if export.resolved is None:
        return []
    found = []
    for stack in stacks:
        if stack.key == producer.key:
            continue
        for references in stack.template.refs.external.values():
            if any(r.kind == "ImportValue" and _resolved_name(r.name, stack.template)
                   == export.resolved for r in references):
                found.append(stack)
                break
    return found


def export_label(export: Export) -> str:
    return repr(export.resolved) if export.resolved is not None else describe(export.name)


@dataclass(frozen=True)
class Departure:
    """A BASE resource whose physical id changes or goes away."""

    resource: Resource
    what: str  # "is replaced (...)", "is removed from the template", ...
    successor: Resource | None = None  # the HEAD resource that takes its place
    unknown: str = ""


def export_events(
    base: StackVersion, head: StackVersion, base_stacks: Sequence[StackVersion],
    departures: Sequence[Departure],
) -> Iterator[Event]:
    for departure in departures:
        old_id = departure.resource.logical_id
        for export in exports_of(base.template, old_id):
            users = importers(export, base, base_stacks)
            label = export_label(export)
            unknown = departure.unknown
            if not users:
                unknown = unknown or (f"no stack compared here imports {label}; stacks "
                                      "deployed elsewhere may")
            consequence = (
                f"stack {users[0].label} imports it, and " if users else "if a stack imports it, "
            ) + ("CloudFormation refuses to change or delete an export that is in use: the "
                 "update fails and the stack rolls back")
            yield Event(
                EXPORT_IN_USE,
                _export_site(base, head, export, departure),
                {"change": f"changes export {label} (output {export.output}): "
                           f"{old_id} {departure.what}, so the exported value changes",
                 "consequence": consequence},
                export_in_use(old_id, label),
                unknown=unknown,
            )


def _export_site(base: StackVersion, head: StackVersion, export: Export,
                 departure: Departure) -> Site:
    output = head.template.outputs.get(export.output)
    resource = departure.successor or departure.resource
    if isinstance(output, dict):
        return Site(head, ("Outputs", export.output, "Export"), resource.logical_id,
                    resource.type, resource.cdk_path)
    if departure.successor is not None:
        return Site.of(head, departure.successor)
    if base.locatable:
        return Site(base, ("Outputs", export.output, "Export"), resource.logical_id,
                    resource.type, resource.cdk_path)
    return Site(head, ("Outputs",), resource.logical_id, resource.type, resource.cdk_path)
