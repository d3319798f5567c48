"""Names written as ``Fn::Sub`` text, so that differently written names compare equal.

``/aws/lambda/${Fn}``, ``!Sub /aws/lambda/${Fn}`` and ``!Join ['', [/aws/lambda/, !Ref Fn]]``
all name the same log group; :func:`name_template` turns each into the same text.
"""

from __future__ import annotations

import re
from typing import Any

from iacguard.model.intrinsics import expression_key, whole_reference
from iacguard.model.refs import SUB_VARIABLE


def name_template(value: Any, depth: int = 0) -> str | None:
    """A name as Fn::Sub text ('/aws/lambda/${Fn}'), so differently written names compare.

    A Ref becomes ``${X}``, a GetAtt ``${X.Attr}``; Fn::Join and Fn::Sub with a variable map are
    flattened. Any other intrinsic (Fn::FindInMap, Fn::If, ...) becomes an opaque token made
    from its exact text: the same expression yields the same value on both sides, and different
    ones are simply not matched. None for values that are not names at all.
    """
    if depth > 20:
        return None
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if not isinstance(function, str) or not (function == "Ref" or function.startswith("Fn::")):
        return None
    if function in ("Ref", "Fn::GetAtt"):
        return _reference_template(value)
    if function == "Fn::Sub":
        return _sub_template(argument, depth)
    if function == "Fn::Join":
        joined = _join_template(argument, depth)
        if joined is not None:
            return joined
    return _opaque_token(value)


def _reference_template(value: Any) -> str | None:
    """``${X}`` for a Ref, ``${X.Attr}`` for a complete GetAtt; other intrinsic arguments to a
    Ref are opaque, an incomplete GetAtt names nothing."""
    reference = whole_reference(value)
    if reference is None:
        return None if "Fn::GetAtt" in value else _opaque_token(value)
    if reference.kind == "Ref":
        return f"${{{reference.target}}}"
    return f"${{{reference.target}.{reference.attribute}}}" if reference.attribute else None


def _opaque_token(value: Any) -> str | None:
    key = expression_key(value)
    return None if key is None else "${" + key + "}"


def _sub_template(argument: Any, depth: int) -> str | None:
    if isinstance(argument, str):
        return argument
    if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
        return None
    text, variables = argument
    if not isinstance(variables, dict):
        return None
    replacements: dict[str, str] = {}
    for name, item in variables.items():
        replacement = name_template(item, depth + 1)
        if replacement is None:
            return None
        replacements[name] = replacement

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        return replacements.get(key, match.group(0))

    return SUB_VARIABLE.sub(substitute, text)


def _join_template(argument: Any, depth: int) -> str | None:
    if not (isinstance(argument, list) and len(argument) == 2):
        return None
    delimiter, parts = argument
    if not isinstance(delimiter, str) or not isinstance(parts, list):
        return None
    pieces = [name_template(part, depth + 1) for part in parts]
    if any(piece is None for piece in pieces):
        return None
    return delimiter.join(piece for piece in pieces if piece is not None)
