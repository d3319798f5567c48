"""Reading one intrinsic function as a whole: which resource a value *is* a reference to.

The reference index (``refs.py``) finds every reference anywhere in a value. Checks often need
the narrower fact: is this value, as a whole, ``!Ref X`` or ``!GetAtt X.Attr`` (or a ``!Sub``
that is nothing but ``${X}``)? Only then does it carry exactly what ``X`` returns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_WHOLE_SUB = re.compile(r"^\$\{([^}!]+)\}$")


@dataclass(frozen=True)
class WholeReference:
    kind: str  # "Ref" | "GetAtt"
    target: str
    attribute: str = ""  # GetAtt only; "" when not a plain string

    @property
    def form(self) -> tuple[str, str]:
        return self.kind, self.attribute


def single_function(value: Any) -> tuple[str, Any] | None:
    """(function, argument) of a one-key mapping, as intrinsics are written; else None."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    return (function, argument) if isinstance(function, str) else None


def whole_reference(value: Any, *, through_sub: bool = False) -> WholeReference | None:
    """The reference a value is, as a whole: ``!Ref X``, ``!GetAtt X.Attr`` (either spelling),
    and with ``through_sub`` also ``!Sub '${X}'`` / ``!Sub '${X.Attr}'``."""
    call = single_function(value)
    if call is None:
        return None
    function, argument = call
    if function == "Ref":
        return WholeReference("Ref", argument) if isinstance(argument, str) else None
    if function == "Fn::GetAtt":
        return _getatt(argument)
    if function == "Fn::Sub" and through_sub and isinstance(argument, str):
        match = _WHOLE_SUB.match(argument)
        if match is not None:
            target, _, attribute = match.group(1).partition(".")
            return WholeReference("GetAtt", target, attribute) if attribute else WholeReference(
                "Ref", target
            )
    return None


def _getatt(argument: Any) -> WholeReference | None:
    if isinstance(argument, str):
        target, _, attribute = argument.partition(".")
        return WholeReference("GetAtt", target, attribute)
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        attribute = argument[1] if len(argument) > 1 and isinstance(argument[1], str) else ""
        return WholeReference("GetAtt", argument[0], attribute)
    return None


def is_whole_sub_variable(text: Any) -> bool:
    """Is ``Fn::Sub`` text exactly one ``${...}`` variable?"""
    return isinstance(text, str) and _WHOLE_SUB.match(text) is not None


def expression_key(value: Any) -> str | None:
    """A stable text form of an expression, so that two equal expressions compare equal."""
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return None


def literal_text(value: Any) -> tuple[str, tuple[Any, ...]] | None:
    """The text a value is written as: a string, or the template text of an ``Fn::Sub`` (its
    ``${...}`` left in place), with the path below ``value`` of the node holding that text."""
    if isinstance(value, str):
        return value, ()
    call = single_function(value)
    if call is None or call[0] != "Fn::Sub":
        return None
    argument = call[1]
    if isinstance(argument, str):
        return argument, ("Fn::Sub",)
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        return argument[0], ("Fn::Sub", 0)
    return None
