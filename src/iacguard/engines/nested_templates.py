"""Local nested templates that cfn-lint would open, and which of them it must not.

cfn-lint reads the template a nested stack names when its ``TemplateURL`` (or a SAM
application's ``Location``) is a local path: rule E3043 compares parameters with it, and the
attributes of ``Fn::GetAtt`` on the stack come from it. A pull request controls that path. It
could name a file outside the repository (whose parameter names would then show up in the
report), a named pipe (cfn-lint would wait on it forever) or ``/dev/zero`` (it would read until
memory ran out).

Before validation, every local location in the template is looked at the way cfn-lint would
open it (relative to the template's folder, normalised). If one leads outside the run's
:class:`~iacguard.discover.boundary.Boundary`, or is there but is no regular file within the
template size limit, or cannot be told before transforms run (a ``Fn::ForEach`` placeholder),
cfn-lint validates the template without its file name, and so opens no nested template at all;
a notice says so. Templates whose nested templates are inside are validated exactly as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from iacguard.discover.boundary import Boundary
from iacguard.load.files import MAX_TEMPLATE_BYTES, FileReadError, check_readable

#: The resource types whose property names a template cfn-lint opens.
NESTED_LOCATION_PROPERTIES: Mapping[str, str] = {
    "AWS::CloudFormation::Stack": "TemplateURL",
    "AWS::Serverless::Application": "Location",
}
_REMOTE = ("http://", "https://", "s3://")
#: ``Fn::ForEach`` writes its identifiers into strings as ${Name} or &{Name}.
_PLACEHOLDERS = ("${", "&{")


def nested_locations(data: Any) -> list[str]:
    """Every string a nested-stack location property can be, anywhere in the template (either
    branch of an ``Fn::If``, resources in ``Fn::ForEach`` bodies too), in document order."""
    found: list[str] = []
    pending: list[Any] = [data]
    while pending:
        current = pending.pop()
        if isinstance(current, Mapping):
            kind = current.get("Type")
            properties = current.get("Properties")
            if isinstance(kind, str) and isinstance(properties, Mapping):
                name = NESTED_LOCATION_PROPERTIES.get(kind)
                if name is not None:
                    found.extend(_strings(properties.get(name)))
            pending.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            pending.extend(reversed(current))
    return found


def withheld_locations(template_path: Path, data: Any, boundary: Boundary) -> list[str]:
    """The local locations cfn-lint must not open for the template at ``template_path``."""
    folder = os.path.dirname(os.path.abspath(template_path))
    return [
        location for location in nested_locations(data)
        if not location.startswith(_REMOTE) and not _safe(folder, location, boundary)
    ]


def _safe(folder: str, location: str, boundary: Boundary) -> bool:
    if any(mark in location for mark in _PLACEHOLDERS):
        return False
    target = Path(os.path.normpath(os.path.join(folder, location)))
    if not boundary.contains(target):
        return False
    if not os.path.lexists(target):
        return True  # cfn-lint finds nothing there to read
    try:
        check_readable(target, MAX_TEMPLATE_BYTES)
    except FileReadError:
        return False
    return True


def _strings(value: Any) -> Iterator[str]:
    """The strings a location can be once conditions are decided, as cfn-lint reads it: the
    value itself, or either branch of an ``Fn::If`` (other functions are not read as paths)."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, Mapping) and len(current) == 1:
            branches = current.get("Fn::If")
            if isinstance(branches, list) and len(branches) == 3:
                pending.extend((branches[2], branches[1]))
