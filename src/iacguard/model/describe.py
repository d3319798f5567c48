"""Template values as messages show them: written the way CloudFormation YAML writes them.

``describe`` is the only place a template value becomes message text, so every rule reads the
same: strings in single quotes (``'PassThrough'``), intrinsics in their short YAML form
(``!Ref AWS::StackName``, ``!GetAtt Alb.LoadBalancerFullName``, ``!Sub '${AWS::StackName}-x'``),
lists and mappings in flow style (``[]``, ``{Name: 'x'}``), booleans as ``true``/``false``, an
absent value as "not set" and a value known only at deploy time as "unknown (reason)". A value
too long for one message is shortened from the inside out (``!If [IsProd, ...]``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.model.values import ABSENT, Assumption, Unknown, is_intrinsic

#: Longest description a message gets; longer values are shortened.
MAX_LENGTH = 60
_ELLIPSIS = "..."
#: Functions whose argument is a name (a logical id, a condition), written bare.
_NAMED_BY_ARGUMENT = frozenset({"Ref", "Condition"})


def describe(value: Any) -> str:
    """One template value as message text (see the module docstring for the forms)."""
    if value is ABSENT:
        return "not set"
    if isinstance(value, Unknown):
        return f"unknown ({value.reason})"
    for depth in (None, 3, 2, 1, 0, -1):
        text = _render(value, depth)
        if len(text) <= MAX_LENGTH:
            return text
    return text[: MAX_LENGTH - len(_ELLIPSIS)] + _ELLIPSIS


def describe_assumptions(assumptions: Iterable[Assumption]) -> str:
    """``condition IsProd is false and parameter Env is 'prod'``."""
    return " and ".join(_assumption(a) for a in assumptions)


def _assumption(assumption: Assumption) -> str:
    if assumption.kind == "condition":
        return f"condition {assumption.name} is {'true' if assumption.value else 'false'}"
    return f"parameter {assumption.name} is {describe(assumption.value)}"


def quote(text: str) -> str:
    """YAML's single-quoted style: the quote itself is doubled; line breaks stay visible."""
    return "'" + text.replace("'", "''").replace("\n", "\\n") + "'"


def _render(value: Any, depth: int | None) -> str:
    """``depth``: how many levels of structure to show in full (None: all). At depth 0 a list,
    mapping or function shows its first item and ``...``; below that, only ``[...]``."""
    if value is ABSENT:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return quote(value if depth is None or len(value) <= MAX_LENGTH // 2 else _cut(value))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if is_intrinsic(value):
        ((function, argument),) = value.items()
        return _intrinsic(function, argument, depth)
    if isinstance(value, Mapping):
        entries = [_Entry(item, f"{key}: ") for key, item in value.items()]
        return _flow(entries, "{}", depth)
    if isinstance(value, list):
        return _flow([_Entry(item) for item in value], "[]", depth)
    return str(value)


@dataclass(frozen=True)
class _Entry:
    """One item of a flow collection: a value to render, or a name written as it is."""

    value: Any
    prefix: str = ""  # "Key: " in a mapping
    bare: bool = False

    def render(self, depth: int | None) -> str:
        shown = str(self.value) if self.bare else _render(self.value, depth)
        return self.prefix + shown


def _intrinsic(function: str, argument: Any, depth: int | None) -> str:
    tag = "!" + function.removeprefix("Fn::")
    if function in _NAMED_BY_ARGUMENT and isinstance(argument, str):
        return f"{tag} {argument}"
    if function == "Fn::GetAtt":
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
            return f"{tag} {parts[0]}.{parts[1]}"
    if function == "Fn::If" and isinstance(argument, list) and argument:
        # The condition is a name; the branches are values.
        condition = _Entry(argument[0], bare=isinstance(argument[0], str))
        return f"{tag} " + _flow([condition, *map(_Entry, argument[1:])], "[]", depth)
    return f"{tag} {_render(argument, depth)}"


def _flow(entries: list[_Entry], brackets: str, depth: int | None) -> str:
    opening, closing = brackets[0], brackets[-1]
    if not entries:
        return brackets
    if depth is not None and depth < 0:
        return f"{opening}{_ELLIPSIS}{closing}"
    if depth == 0:
        more = f", {_ELLIPSIS}" if len(entries) > 1 else ""
        return f"{opening}{entries[0].render(-1)}{more}{closing}"
    return f"{opening}{', '.join(entry.render(_deeper(depth)) for entry in entries)}{closing}"


def _deeper(depth: int | None) -> int | None:
    return None if depth is None else depth - 1


def _cut(text: str) -> str:
    return text[: MAX_LENGTH // 2] + _ELLIPSIS
