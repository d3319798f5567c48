"""What the CloudWatch alarms of a template watch: metrics by namespace, name and dimension.

:func:`alarm_watches` reads every ``AWS::CloudWatch::Alarm`` once (its own metric, and each
``MetricStat`` of its metric math) into :class:`MetricWatch` es. Use it as an index,
``template.index(alarm_watches)``, so a template with many alarms and many entry points is
still read in linear time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.model.refs import Reference
from iacguard.model.template import Resource, Template
from iacguard.model.truth import Truth
from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolver,
    existence,
    is_intrinsic,
    is_opaque,
    merge_assumptions,
    path_under,
)

ALARM = "AWS::CloudWatch::Alarm"


@dataclass(frozen=True)
class Dimension:
    name: str
    value: Any  # as written in the template
    path: tuple[Any, ...]  # of the value, relative to the alarm resource
    assumptions: tuple[Assumption, ...]


@dataclass(frozen=True)
class MetricWatch:
    """One metric an alarm watches: the alarm's own metric, or one ``MetricStat`` of its math."""

    alarm: str
    path: tuple[Any, ...]
    namespaces: frozenset[str]
    metric_names: frozenset[str]
    open_ended: bool  # namespace or metric name is only known at deploy time
    dimensions: tuple[Dimension, ...]
    assumptions: tuple[Assumption, ...]

    def watches(self, namespace: str, metrics: frozenset[str]) -> Truth:
        in_namespace = namespace in self.namespaces
        named = bool(self.metric_names & metrics)
        if in_namespace and named:
            return True
        could_be = (in_namespace or not self.namespaces) and (named or not self.metric_names)
        return None if self.open_ended and could_be else False


@dataclass(frozen=True)
class AlarmWatches:
    watches: tuple[MetricWatch, ...]
    by_location: Mapping[tuple[str, tuple[Any, ...]], MetricWatch]

    def locate(self, reference: Reference) -> tuple[MetricWatch, Dimension] | None:
        """The watched metric and dimension whose value holds a reference from an alarm."""
        for length in range(len(reference.path), 0, -1):
            watch = self.by_location.get((reference.source, reference.path[:length]))
            if watch is None:
                continue
            for dimension in watch.dimensions:
                if path_under(reference.path, dimension.path):
                    return watch, dimension
            return None
        return None


def alarm_watches(template: Template) -> AlarmWatches:
    """Every metric the template's alarms watch. An index: ``template.index(alarm_watches)``."""
    resolver = Resolver(template)
    alarms = template.resources_of_type(ALARM)
    watches = [watch for alarm in alarms for watch in _watches_of(alarm, resolver)]
    return AlarmWatches(tuple(watches), {(w.alarm, w.path): w for w in watches})


def _watches_of(alarm: Resource, resolver: Resolver) -> Iterator[MetricWatch]:
    base = existence(alarm)
    properties = alarm.properties
    if "MetricName" in properties or "Namespace" in properties:
        yield _watch(alarm.logical_id, resolver, properties, ("Properties",), base)
    for metric in resolver.lookup(alarm.node, "Properties.Metrics.*.MetricStat.Metric"):
        assumptions = merge_assumptions(base, metric.assumptions)
        if assumptions is not None and isinstance(metric.value, Mapping) and not is_intrinsic(
            metric.value
        ):
            yield _watch(alarm.logical_id, resolver, metric.value, metric.path, assumptions)


def _watch(
    alarm: str,
    resolver: Resolver,
    metric: Mapping[str, Any],
    path: tuple[Any, ...],
    assumptions: tuple[Assumption, ...],
) -> MetricWatch:
    namespaces, open_namespace = literal_strings(
        resolver, metric.get("Namespace", ABSENT), (*path, "Namespace")
    )
    names, open_name = literal_strings(
        resolver, metric.get("MetricName", ABSENT), (*path, "MetricName")
    )
    return MetricWatch(
        alarm=alarm,
        path=path,
        namespaces=frozenset(namespaces),
        metric_names=frozenset(names),
        open_ended=open_namespace or open_name,
        dimensions=tuple(_dimensions(resolver, metric, path)),
        assumptions=assumptions,
    )


def _dimensions(
    resolver: Resolver, metric: Mapping[str, Any], path: tuple[Any, ...]
) -> Iterator[Dimension]:
    for item in resolver.lookup(metric, "Dimensions.*", path):
        if not isinstance(item.value, Mapping) or is_intrinsic(item.value):
            continue
        names, _ = literal_strings(resolver, item.value.get("Name", ABSENT), (*item.path, "Name"))
        for name in sorted(names):
            yield Dimension(
                name, item.value.get("Value", ABSENT), (*item.path, "Value"), item.assumptions
            )


def literal_strings(
    resolver: Resolver, value: Any, path: tuple[Any, ...]
) -> tuple[set[str], bool]:
    """The literal strings a value can take, and whether some branch is only known at deploy."""
    literals: set[str] = set()
    open_ended = False
    for resolved in resolver.resolve(value, path):
        if isinstance(resolved.value, str) and not is_opaque(resolved.value):
            literals.add(resolved.value)
        elif resolved.value is not ABSENT:
            open_ended = True
    return literals, open_ended
