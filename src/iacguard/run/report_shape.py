"""Whether a report read back from a file (a shard report, a cache entry) is exactly what
iacguard writes: every field of the type its annotation says.

The codec decodes by field name and trusts the values; a file from elsewhere can hold a line
number that is text, a message that is a list or a finding that is a number. Such a value would
fail much later, while sorting or rendering, as a crash. Checked here right after decoding, it is
a one-line problem with the file it came from instead.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from iacguard.findings import Evaluation, FileProblem, Finding, Report, Role, Suppression


class ShapeError(ValueError):
    """Decoded data that iacguard did not write; the message says where and what."""


def check_report_shape(report: Report) -> None:
    """Raise :class:`ShapeError` unless every part of ``report`` has its declared type."""
    for name in ("findings", "problems", "evaluations"):
        for index, item in enumerate(getattr(report, name)):
            _check_dataclass(item, f"{name}[{index}]")
    for name in ("files_checked", "files_skipped", "notices"):
        for index, text in enumerate(getattr(report, name)):
            if not isinstance(text, str):
                raise ShapeError(f"{name}[{index}] is {_kind(text)}, not text")


def _check_dataclass(value: Any, where: str) -> None:
    for field_name, hint in _hints(type(value)):
        _check_value(getattr(value, field_name), hint, f"{where}.{field_name}")


def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    known = _HINTS.get(cls)
    return known if known is not None else _hints_of(cls)


def _hints_of(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((item.name, hints[item.name]) for item in dataclasses.fields(cls))


#: Resolving string annotations costs more than checking a finding: done once per class.
_HINTS: Mapping[type, tuple[tuple[str, Any], ...]] = MappingProxyType({
    cls: _hints_of(cls) for cls in (Finding, FileProblem, Evaluation, Suppression, Role)
})


def _check_value(value: Any, hint: Any, where: str) -> None:
    origin = typing.get_origin(hint)
    if hint is Any:
        return
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return
        (real,) = [option for option in options if option is not type(None)]
        _check_value(value, real, where)
    elif origin is tuple:
        if not isinstance(value, tuple):
            raise ShapeError(f"{where} is {_kind(value)}, not a list")
        for index, item in enumerate(value):
            _check_value(item, typing.get_args(hint)[0], f"{where}[{index}]")
    elif origin is dict:
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise ShapeError(f"{where} is {_kind(value)}, not an object")
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise ShapeError(f"{where} is {_kind(value)}, not an object")
        _check_dataclass(value, where)
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(value, hint):
            raise ShapeError(f"{where} is {_kind(value)}, not one of its values")
    elif hint in (int, bool, str, float) and type(value) is not hint:
        raise ShapeError(f"{where} is {_kind(value)}, not {_NAMES[hint]}")


_NAMES = {int: "a whole number", bool: "true or false", str: "text", float: "a number"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__
