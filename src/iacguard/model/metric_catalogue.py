"""The metric catalogue: what CloudWatch publishes for the AWS namespaces rules judge alarms by.

The facts live in ``data/metrics.yaml`` (each namespace and metric names the AWS page it comes
from; ``schemas/metric-catalogue.schema.json`` is its shape). :func:`metric_catalogue` reads the
file the first time a rule asks and keeps the parsed, immutable result. A namespace that is not
in the catalogue (a custom metric, a service the catalogue does not cover) is never judged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

#: The statistics whose value for a count metric with a ``constant`` never changes.
CONSTANT_STATISTICS = frozenset({"Average", "Minimum", "Maximum"})


class CatalogueError(ValueError):
    """The packaged catalogue is malformed (a packaging defect, never a user's mistake)."""


@dataclass(frozen=True)
class ValueSource:
    """How a reference to a resource of one type can give a dimension's value."""

    resource_type: str
    #: The forms that give the value: "Ref", or GetAtt attribute names. Empty: none does.
    use: tuple[str, ...]
    #: What ``!Ref`` gives instead, when it is not the value (for messages).
    ref: str | None


@dataclass(frozen=True)
class DimensionSpec:
    name: str
    literal: re.Pattern[str] | None
    literal_form: str
    sources: Mapping[str, ValueSource]


@dataclass(frozen=True)
class MetricSpec:
    namespace: str
    name: str
    kind: str  # count | gauge | percentage | duration | size
    unit: str
    statistics: tuple[str, ...]
    #: The dimension combinations CloudWatch publishes it under; None: not judged.
    combinations: tuple[frozenset[str], ...] | None
    #: The value Average, Minimum and Maximum always return, where the documentation says so.
    constant: float | None
    source: str


@dataclass(frozen=True)
class NamespaceSpec:
    name: str
    source: str
    #: No dimension but those listed exists in this namespace.
    dimensions_complete: bool
    dimensions: Mapping[str, DimensionSpec]
    metrics: Mapping[str, MetricSpec]


@dataclass(frozen=True)
class MetricCatalogue:
    namespaces: Mapping[str, NamespaceSpec]

    def namespace(self, name: str) -> NamespaceSpec | None:
        return self.namespaces.get(name)

    def namespaces_publishing(self, metric: str) -> tuple[str, ...]:
        """The catalogued namespaces that publish a metric of this name."""
        return tuple(n for n, spec in self.namespaces.items() if metric in spec.metrics)

    def namespaces_with_dimension(self, dimension: str) -> tuple[str, ...]:
        return tuple(n for n, spec in self.namespaces.items() if dimension in spec.dimensions)


@functools.lru_cache(maxsize=1)
def metric_catalogue() -> MetricCatalogue:
    """The packaged catalogue, read once."""
    text = (resources.files("iacguard") / "data" / "metrics.yaml").read_text("utf-8")
    # libyaml reads the catalogue in 0.03 s where the pure-Python loader takes 0.2 s, which a
    # pre-commit run on one template with an alarm would feel.
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_catalogue(yaml.load(text, Loader=loader))


def parse_catalogue(data: Any) -> MetricCatalogue:
    """The catalogue from its YAML data; :class:`CatalogueError` names what is malformed."""
    if not isinstance(data, Mapping) or not isinstance(data.get("namespaces"), Mapping):
        raise CatalogueError("metric catalogue: no 'namespaces' mapping")
    return MetricCatalogue(
        {str(name): _namespace(str(name), body) for name, body in data["namespaces"].items()}
    )


def _namespace(name: str, body: Any) -> NamespaceSpec:
    if not isinstance(body, Mapping):
        raise CatalogueError(f"metric catalogue: namespace {name} is not a mapping")
    source = _text(body, "source", name)
    groups = body.get("dimension-sets") or {}
    dimensions = {
        str(dimension): _dimension(str(dimension), spec or {}, name)
        for dimension, spec in _mapping(body, "dimensions", name).items()
    }
    metrics = {
        str(metric): _metric(name, str(metric), spec, groups, source)
        for metric, spec in _mapping(body, "metrics", name).items()
    }
    for metric in metrics.values():
        unknown = {d for combination in metric.combinations or () for d in combination}
        unknown -= set(dimensions)
        if unknown:
            raise CatalogueError(
                f"metric catalogue: {name} {metric.name} uses undeclared dimensions "
                f"{sorted(unknown)}"
            )
    return NamespaceSpec(
        name, source, bool(body.get("dimensions-complete")), dimensions, metrics
    )


def _dimension(name: str, spec: Mapping[str, Any], namespace: str) -> DimensionSpec:
    pattern = spec.get("literal")
    sources = {
        str(resource_type): ValueSource(
            str(resource_type), _names(source.get("use")), source.get("ref")
        )
        for resource_type, source in (spec.get("sources") or {}).items()
    }
    try:
        literal = re.compile(pattern) if isinstance(pattern, str) else None
    except re.error as exc:
        raise CatalogueError(f"metric catalogue: {namespace} {name}: {exc}") from None
    return DimensionSpec(name, literal, str(spec.get("literal-form", "")), sources)


def _metric(
    namespace: str, name: str, spec: Any, groups: Mapping[str, Any], source: str
) -> MetricSpec:
    if not isinstance(spec, Mapping):
        raise CatalogueError(f"metric catalogue: {namespace} {name} is not a mapping")
    sets = spec.get("sets")
    if isinstance(sets, str):
        if sets not in groups:
            raise CatalogueError(f"metric catalogue: {namespace} {name}: no set group {sets}")
        sets = groups[sets]
    constant = spec.get("constant")
    return MetricSpec(
        namespace=namespace,
        name=name,
        kind=_text(spec, "kind", name),
        unit=_text(spec, "unit", name),
        statistics=_names(spec.get("statistics")),
        combinations=None if sets is None else tuple(frozenset(c) for c in sets),
        constant=float(constant) if isinstance(constant, (int, float)) else None,
        source=str(spec.get("source", source)),
    )


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(str(item) for item in value)
    return ()


def _text(body: Mapping[str, Any], key: str, where: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise CatalogueError(f"metric catalogue: {where} has no {key}")
    return value


def _mapping(body: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = body.get(key)
    if not isinstance(value, Mapping):
        raise CatalogueError(f"metric catalogue: {where} has no {key} mapping")
    return value


def describe_combination(combination: frozenset[str]) -> str:
    """``LoadBalancer + TargetGroup``; the empty combination is "no dimension"."""
    return " + ".join(sorted(combination)) if combination else "no dimension"
