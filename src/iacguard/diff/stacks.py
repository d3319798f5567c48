"""The two sides of a comparison: the templates of BASE (what is deployed) and of HEAD (what
will be deployed), each with the identity that matches it to its counterpart."""

from __future__ import annotations

from dataclasses import dataclass

from iacguard.model.template import Template


@dataclass(frozen=True)
class StackVersion:
    """One template of one side.

    ``key`` is what matches a BASE template to its HEAD counterpart: the CloudFormation stack
    name for a CDK assembly's stacks, the path below the compared folder for plain templates.
    A nested stack's key is its parent's key and the logical id of the parent's
    ``AWS::CloudFormation::Stack`` resource, so a nested stack whose parent resource gets a new
    logical id is a new stack, as it is for CloudFormation.
    """

    key: str
    template: Template
    #: (parent key, logical id of the stack resource in the parent) for a nested stack.
    parent: tuple[str, str] | None = None
    #: How messages name the stack (a CloudFormation stack name, or the template's path).
    name: str = ""
    #: The CDK artifact id, which tells a renamed stack from a removed one.
    artifact_id: str = ""
    #: False when the template has no file a report can point into (a version read from git):
    #: findings about it are then placed in the HEAD template and point back at it.
    locatable: bool = True

    @property
    def label(self) -> str:
        return self.name or self.template.display_path


def nested_key(parent_key: str, logical_id: str) -> str:
    return f"{parent_key}/{logical_id}" if parent_key else logical_id
