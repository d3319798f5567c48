"""What a template hands to other stacks: exported outputs and nested-stack parameters.

A relationship rule ("is this topic subscribed?", "is this load balancer alarmed?") cannot see
other stacks. When a resource is exported or passed to a nested stack, the other end of the
relationship may well live there: :func:`external_hints` says so, and the rule answers
UNKNOWN rather than FAIL. Within one CDK assembly the other stacks *are* visible:
:func:`outputs_naming` and :func:`reads_output` follow a value across stacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iacguard.model.intrinsics import is_whole_sub_variable, single_function, whole_reference
from iacguard.model.refs import Reference, build_reference_index
from iacguard.model.template import Resource, Template
from iacguard.model.values import node_at

NESTED_STACK = "AWS::CloudFormation::Stack"
#: A SAM nested application becomes an ``AWS::CloudFormation::Stack`` when deployed: whatever
#: is passed to it leaves the template exactly as it does for a nested stack.
NESTED_APPLICATION = "AWS::Serverless::Application"
NESTED_STACK_TYPES = (NESTED_STACK, NESTED_APPLICATION)

#: How a reference names its target: ("Ref", "") or ("GetAtt", attribute).
Form = tuple[str, str]


def exported_references(template: Template) -> Mapping[str, tuple[Reference, ...]]:
    """References made by the ``Value`` of exported outputs, by the resource they name.

    An index: use ``template.index(exported_references)``.
    """
    exported = {
        f"Outputs.{name}": Resource(f"Outputs.{name}", "Output", body)
        for name, body in template.outputs.items()
        if isinstance(name, str) and isinstance(body, Mapping) and "Export" in body
    }
    index = build_reference_index(exported)
    return {
        target: tuple(ref for ref in refs if ref.path[:1] == ("Value",))
        for target, refs in index.by_target.items()
    }


def nested_stack_parameters(template: Template) -> Mapping[str, str]:
    """Resource -> the first nested stack or nested SAM application it is passed to.

    An index (``template.index``).
    """
    passed: dict[str, str] = {}
    for stack in template.resources_of_type(*NESTED_STACK_TYPES):
        for reference in template.refs.references_from(stack.logical_id):
            passed.setdefault(reference.target, stack.logical_id)
    return passed


def reference_form(reference: Reference, value_node: Any) -> Form | None:
    """(``Ref``/``GetAtt``, attribute) when the reference *is* the whole value; None when it is
    only part of a larger expression (``Fn::Select``, ``Fn::Join``, text around ``${X}``)."""
    text = value_node.get("Fn::Sub") if isinstance(value_node, Mapping) else None
    if text is None:
        return reference.kind, reference.attribute  # a plain Ref or Fn::GetAtt
    if isinstance(text, list) and text:
        text = text[0]
    if not is_whole_sub_variable(text):
        return None
    return ("GetAtt", reference.attribute) if reference.attribute else ("Ref", "")


def external_hints(
    template: Template, logical_id: str, forms: frozenset[Form] | None = None
) -> list[str]:
    """Reasons to believe another stack handles this resource: it is exported (in one of the
    given forms, when forms are given) or passed to a nested stack."""
    hints: list[str] = []
    for reference in template.index(exported_references).get(logical_id, ()):
        output = reference.source.removeprefix("Outputs.")
        form = reference_form(reference, node_at(template.outputs.get(output), reference.path))
        if forms is None or form in forms:
            hints.append(f"it is exported by output {output}")
            break
    stack = template.index(nested_stack_parameters).get(logical_id)
    if stack is not None:
        hints.append(f"it is passed to {nested_stack_label(template, stack)}")
    return hints


def nested_stack_label(template: Template, logical_id: str) -> str:
    """``nested stack X`` or ``nested application X``, as the template declares it."""
    resource = template.resources.get(logical_id)
    if resource is not None and resource.type == NESTED_APPLICATION:
        return f"nested application {logical_id}"
    return f"nested stack {logical_id}"


def export_name(export: Any, template: Template) -> str | None:
    """The literal name of an ``Export``; ``${AWS::StackName}`` is known inside an assembly."""
    name = export.get("Name") if isinstance(export, Mapping) else None
    if isinstance(name, str):
        return name
    text = name.get("Fn::Sub") if isinstance(name, Mapping) else None
    if isinstance(text, str) and template.cfn_stack_name:
        resolved = text.replace("${AWS::StackName}", template.cfn_stack_name)
        return None if "${" in resolved else resolved
    return None


def outputs_naming(
    template: Template, logical_id: str, forms: frozenset[Form]
) -> tuple[frozenset[str], frozenset[str]]:
    """(output names, export names) of outputs whose whole value is this resource in one of the
    given forms (for a load balancer's alarms: its full name)."""
    outputs: set[str] = set()
    exports: set[str] = set()
    for name, body in template.outputs.items():
        if not isinstance(name, str) or not isinstance(body, Mapping):
            continue
        reference = whole_reference(body.get("Value"), through_sub=True)
        if reference is None or reference.target != logical_id or reference.form not in forms:
            continue
        outputs.add(name)
        export = export_name(body.get("Export"), template)
        if export is not None:
            exports.add(export)
    return frozenset(outputs), frozenset(exports)


def reads_output(
    value: Any, stack_name: str, outputs: frozenset[str], exports: frozenset[str]
) -> bool:
    """Is a value that stack's output, by export or by CDK's ``Fn::GetStackOutput``?"""
    call = single_function(value)
    if call is None:
        return False
    function, argument = call
    if function == "Fn::ImportValue":
        return isinstance(argument, str) and argument in exports
    if function == "Fn::GetStackOutput" and isinstance(argument, Mapping):
        return argument.get("StackName") == stack_name and argument.get("OutputName") in outputs
    return False
