"""A report as plain JSON data and back: the one codec behind the JSON report, the result cache,
worker processes and ``iacguard merge``.

Findings, problems and evaluations are encoded field by field from their dataclasses and
decoded by their type hints, so a field added to :class:`~iacguard.findings.Finding` travels
everywhere without another edit. Keys come out in the order the JSON report has always used;
a field the order does not name yet goes last. Missing optional keys decode to their defaults,
so reports written before a field existed still read.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

from iacguard.findings import Evaluation, FileProblem, Finding, Report, Suppression

T = TypeVar("T")

#: The JSON report's key order (fields not named here follow, in declaration order).
_FINDING_ORDER = (
    "rule_id", "rule_name", "source", "severity", "outcome", "message", "fix", "file",
    "start_line", "start_column", "end_line", "end_column", "logical_id", "resource_type",
    "property_path", "construct_path", "stack", "fingerprint", "help_uri", "related",
    "suppression",
)
_PROBLEM_ORDER = ("file", "line", "column", "message", "requested")
_PLAIN = frozenset({str, int, float, bool, type(None)})

#: Turns an encoded value back into a field's value; None: the value is used as it is.
Converter = Callable[[Any], Any] | None


def report_to_data(report: Report) -> dict[str, Any]:
    """Everything a run found; ``rules_run`` is kept as the ids of the rules."""
    return {
        "findings": [finding_to_data(finding) for finding in report.findings],
        "problems": [_in_order(encode(problem), _PROBLEM_ORDER) for problem in report.problems],
        "files": {"checked": list(report.files_checked), "skipped": list(report.files_skipped)},
        "notices": list(report.notices),
        "rules_run": sorted(rule.id for rule in report.rules_run),
        "evaluations": [encode(evaluation) for evaluation in report.evaluations],
    }


def report_from_data(data: Mapping[str, Any], known_rules: Iterable[Any] = ()) -> Report:
    """The inverse of :func:`report_to_data`; ``rules_run`` ids become the ``known_rules`` with
    those ids (rules that are not known are left out). Raises KeyError, TypeError or
    ValueError for data of another shape."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a report as a mapping, not {type(data).__name__}")
    ran = set(data.get("rules_run", ()))
    return Report(
        findings=[decode(Finding, item) for item in data["findings"]],
        problems=[decode(FileProblem, item) for item in data["problems"]],
        evaluations=[decode(Evaluation, item) for item in data.get("evaluations", ())],
        files_checked=list(data["files"]["checked"]),
        files_skipped=list(data["files"]["skipped"]),
        rules_run=[rule for rule in known_rules if rule.id in ran],
        notices=list(data["notices"]),
    )


def finding_to_data(finding: Finding) -> dict[str, Any]:
    data = encode(finding)
    data["fingerprint"] = finding.fingerprint  # derived, written for readers of the report
    return _in_order(data, _FINDING_ORDER)


def encode(value: Any) -> Any:
    """Dataclasses become mappings of their fields, enums their values, tuples lists."""
    if type(value) in _PLAIN:  # most values: checked first, as a run encodes thousands
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: encode(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    return value


def decode(cls: type[T], data: Mapping[str, Any]) -> T:
    """A dataclass from :func:`encode`'s output; keys that are not fields are ignored."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a mapping for {cls.__name__}, not {type(data).__name__}")
    fields = _FIELDS.get(cls) or _fields_of(cls)
    values = {
        name: data[name] if convert is None else convert(data[name])
        for name, convert in fields
        if name in data
    }
    return cls(**values)


def _fields_of(cls: type) -> tuple[tuple[str, Converter], ...]:
    """Each field a constructor takes, with how to convert its encoded value."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (item.name, _converter(hints[item.name]))
        for item in dataclasses.fields(cls)
        if item.init
    )


def _converter(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (real,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        inner = _converter(real)
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])
        return tuple if item is None else (lambda value: tuple(item(each) for each in value))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda value: decode(hint, value)
    return None


#: The classes a report holds, their fields worked out once: resolving type hints (the
#: annotations are strings) costs more than decoding a finding, and a run decodes thousands.
_FIELDS: Mapping[type, tuple[tuple[str, Converter], ...]] = MappingProxyType({
    cls: _fields_of(cls) for cls in (Finding, FileProblem, Evaluation, Suppression)
})


def _in_order(data: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    ordered = {key: data[key] for key in order if key in data}
    ordered.update((key, value) for key, value in data.items() if key not in ordered)
    return ordered
