"""Alarms that can never fire, judged against the metric catalogue (``metric_catalogue.py``).

An alarm on a metric CloudWatch never publishes in the way the alarm asks for sits in
INSUFFICIENT_DATA forever. :func:`alarm_defects` finds, for every ``AWS::CloudWatch::Alarm`` of a
template (its own metric and each ``MetricStat`` of its metric math):

- a metric name the namespace does not publish (only when it is another namespace's metric or
  a near miss of one of this namespace's: the catalogue does not claim to know every metric);
- a dimension name the namespace does not publish, and a combination of dimensions a
  catalogued metric is never published under (``TargetGroup`` alone on an ALB metric);
- a dimension value that cannot be the one CloudWatch uses (``!Ref`` of a load balancer gives
  its ARN; a literal that does not have the published form);
- a statistic that means nothing for the metric (Sum of a percentage; Average of an ALB count,
  which is always 1, so a threshold above 1 is never crossed);
- a metric-math expression that names an id no metric of the alarm defines.

Only what the template states literally is judged: a namespace outside the catalogue, a name
or a set of dimensions chosen by a condition or known only at deploy time is left alone. Use it
as an index, ``template.index(alarm_defects)``; :func:`dead_alarm` answers "can this alarm ever
fire?" for the rules that count alarms as coverage or as rollback triggers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from iacguard.model.describe import describe, quote
from iacguard.model.intrinsics import whole_reference
from iacguard.model.metric_catalogue import (
    CONSTANT_STATISTICS,
    DimensionSpec,
    MetricSpec,
    NamespaceSpec,
    describe_combination,
    metric_catalogue,
)
from iacguard.model.metrics import ALARM, Dimension, MetricWatch, alarm_watches
from iacguard.model.template import Resource, Template
from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolver,
    as_number,
    is_intrinsic,
    is_opaque,
    merge_assumptions,
    node_at,
)
from iacguard.suggest import closest

#: How alike a written name must be to a published one to be taken for a misspelling of it.
_MISSPELT = 0.8
#: Lower-case words in a metric-math expression are the ids of the alarm's metrics.
_EXPRESSION_ID = re.compile(r"(?<![\w.$])[a-z][A-Za-z0-9_]*")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_PROPERTIES = ("Properties",)


@dataclass(frozen=True)
class AlarmDefect:
    """Why an alarm can never fire, or watches a value that means nothing."""

    alarm: str
    path: tuple[Any, ...]  # relative to the alarm resource
    reason: str
    never_fires: bool
    assumptions: tuple[Assumption, ...] = ()

    @property
    def problem(self) -> str:
        return f"can never fire: {self.reason}" if self.never_fires else self.reason


def alarm_defects(template: Template) -> Mapping[str, tuple[AlarmDefect, ...]]:
    """The defects of every alarm, never-firing ones first. An index:
    ``template.index(alarm_defects)``."""
    resolver = Resolver(template)
    by_alarm: dict[str, list[MetricWatch]] = defaultdict(list)
    for watch in template.index(alarm_watches).watches:
        by_alarm[watch.alarm].append(watch)
    result: dict[str, tuple[AlarmDefect, ...]] = {}
    for alarm in template.resources_of_type(ALARM):
        found = [*_math_defects(alarm, resolver)]
        for watch in by_alarm.get(alarm.logical_id, ()):
            found.extend(_watch_defects(template, alarm, watch, resolver))
        if found:
            result[alarm.logical_id] = tuple(sorted(found, key=lambda d: not d.never_fires))
    return result


def dead_alarm(template: Template, logical_id: str) -> AlarmDefect | None:
    """Why the alarm can never fire in any deployment, or None when it may fire."""
    for defect in template.index(alarm_defects).get(logical_id, ()):
        if defect.never_fires and not defect.assumptions:
            return defect
    return None


def named_alarm(template: Template, value: Any) -> Resource | None:
    """The alarm of this template that a deployment gate's entry names: ``!Ref``/``!GetAtt``
    of it, or a literal equal to its ``AlarmName``. None for anything else (another stack's
    alarm, a composite alarm, a value known only at deploy time)."""
    target = template.referenced_resource(value)
    if target is not None:
        return target if target.type == ALARM else None
    if isinstance(value, str):
        return template.index(_alarms_by_name).get(value)
    return None


def dead_gate(template: Template, names: Sequence[Any]) -> str | None:
    """Why none of the alarms a deployment gate names (CodeDeploy, ECS, SAM) can ever fire, or
    None when one of them may: a gate that cannot fire never rolls anything back."""
    dead: list[AlarmDefect] = []
    for value in names:
        alarm = named_alarm(template, value)
        defect = None if alarm is None else dead_alarm(template, alarm.logical_id)
        if defect is None:
            return None
        dead.append(defect)
    if not dead:
        return None
    first = dead[0]
    if len(dead) == 1:
        return f"its only rollback alarm, {first.alarm}, can never fire: {first.reason}"
    alarms = ", ".join(defect.alarm for defect in dead)
    return (
        f"none of its {len(dead)} rollback alarms can fire ({alarms}); alarm {first.alarm}: "
        f"{first.reason}"
    )


def _alarms_by_name(template: Template) -> Mapping[str, Resource]:
    """Alarms by their literal ``AlarmName``. An index."""
    found: dict[str, Resource] = {}
    for alarm in template.resources_of_type(ALARM):
        name = alarm.properties.get("AlarmName")
        if isinstance(name, str):
            found.setdefault(name, alarm)
    return found


def _defect(
    alarm: Resource,
    path: tuple[Any, ...],
    reason: str,
    never_fires: bool = True,
    assumptions: tuple[Assumption, ...] = (),
) -> AlarmDefect:
    return AlarmDefect(alarm.logical_id, path, reason, never_fires, assumptions)


# --- metric math ---------------------------------------------------------------------------


def _math_defects(alarm: Resource, resolver: Resolver) -> Iterator[AlarmDefect]:
    values = resolver.lookup(alarm.node, "Properties.Metrics")
    if len(values) != 1 or values[0].assumptions or not isinstance(values[0].value, list):
        return
    items = values[0].value
    ids: list[str] = []
    for item in items:
        identifier = item.get("Id") if isinstance(item, Mapping) else None
        if is_intrinsic(item) or not isinstance(identifier, str):
            return  # an id known only at deploy time: nothing can be said
        ids.append(identifier)
    for position, item in enumerate(items):
        expression = item.get("Expression")
        if not isinstance(expression, str) or expression.lstrip().upper().startswith("SELECT"):
            continue  # Metrics Insights queries name metrics, not ids
        missing = [name for name in _expression_ids(expression) if name not in ids]
        if missing:
            reason = (
                f"its expression {quote(expression)} uses {missing[0]}, but no metric of the "
                f"alarm has that Id (the Ids are {', '.join(ids)})"
            )
            yield _defect(alarm, (*values[0].path, position, "Expression"), reason)


def _expression_ids(expression: str) -> list[str]:
    return list(dict.fromkeys(_EXPRESSION_ID.findall(_QUOTED.sub("", expression))))


# --- one watched metric --------------------------------------------------------------------


def _watch_defects(
    template: Template, alarm: Resource, watch: MetricWatch, resolver: Resolver
) -> Iterator[AlarmDefect]:
    if watch.open_ended or len(watch.namespaces) != 1 or len(watch.metric_names) != 1:
        return
    catalogue = metric_catalogue()
    namespace = catalogue.namespace(next(iter(watch.namespaces)))
    if namespace is None:
        return  # a custom metric, or a service the catalogue does not cover
    (name,) = watch.metric_names
    spec = namespace.metrics.get(name)
    if spec is None:
        reason = _unknown_metric(namespace, name)
        if reason is not None:
            yield _defect(alarm, (*watch.path, "MetricName"), reason)
        return
    metric = node_at(alarm.node, watch.path)
    names = _dimension_names(resolver, metric, watch.path)
    if names is not None:
        yield from _dimension_defects(alarm, namespace, spec, names, watch.path)
    for dimension in watch.dimensions:
        known = namespace.dimensions.get(dimension.name)
        if known is not None:
            yield from _value_defects(template, alarm, known, dimension, resolver)
    yield from _statistic_defects(alarm, spec, watch, resolver)


def _unknown_metric(namespace: NamespaceSpec, name: str) -> str | None:
    """Why an uncatalogued metric name is a mistake, or None when it may be a real metric."""
    others = [n for n in metric_catalogue().namespaces_publishing(name) if n != namespace.name]
    suggestion = closest(name, namespace.metrics)
    if others:
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        return f"{name} is a metric of {others[0]}, not of {namespace.name}{hint}"
    if suggestion is not None and _misspelt(name, suggestion):
        return f"{namespace.name} publishes no metric named {name}; did you mean {suggestion}?"
    return None


def _dimension_names(
    resolver: Resolver, metric: Any, base: tuple[Any, ...]
) -> dict[str, tuple[Any, ...]] | None:
    """The dimension names the metric states, with the path of each; None when a condition or
    a deploy-time value decides them."""
    values = resolver.lookup(metric, "Dimensions", base)
    if len(values) != 1 or values[0].assumptions:
        return None
    dimensions = values[0].value
    if dimensions is ABSENT:
        return {}
    if not isinstance(dimensions, list):
        return None
    names: dict[str, tuple[Any, ...]] = {}
    for position, item in enumerate(dimensions):
        if not isinstance(item, Mapping) or is_intrinsic(item):
            return None
        written = resolver.resolve(item.get("Name", ABSENT), ())
        if len(written) != 1 or not isinstance(written[0].value, str):
            return None
        if is_opaque(written[0].value) or written[0].assumptions:
            return None
        names[written[0].value] = (*values[0].path, position, "Name")
    return names


def _dimension_defects(
    alarm: Resource,
    namespace: NamespaceSpec,
    spec: MetricSpec,
    names: Mapping[str, tuple[Any, ...]],
    base: tuple[Any, ...],
) -> Iterator[AlarmDefect]:
    for name, path in names.items():
        if name in namespace.dimensions:
            continue
        reason = _unknown_dimension(namespace, name)
        if reason is not None:
            yield _defect(alarm, path, reason)
            return  # the combination is wrong for the same reason: say it once
    given = frozenset(names)
    if spec.combinations is None or given in spec.combinations:
        return
    where = (*base, "Dimensions") if names else (*base, "MetricName")
    yield _defect(alarm, where, _unpublished_combination(namespace, spec, given))


def _unknown_dimension(namespace: NamespaceSpec, name: str) -> str | None:
    others = [
        n for n in metric_catalogue().namespaces_with_dimension(name) if n != namespace.name
    ]
    suggestion = closest(name, namespace.dimensions)
    misspelt = suggestion is not None and _misspelt(name, suggestion)
    if not (namespace.dimensions_complete or others or misspelt):
        return None
    reason = f"{namespace.name} publishes no dimension named {name}"
    if others:
        reason += f" ({name} is a dimension of {others[0]})"
    return reason + (f"; did you mean {suggestion}?" if suggestion else "")


def _unpublished_combination(
    namespace: NamespaceSpec, spec: MetricSpec, given: frozenset[str]
) -> str:
    published = spec.combinations or ()
    listed = ", ".join(f"per {describe_combination(c)}" if c else "without dimensions"
                       for c in published)
    alone = " alone" if len(given) == 1 else ""
    written = "without dimensions" if not given else f"per {describe_combination(given)}{alone}"
    reason = f"{namespace.name} publishes {spec.name} {listed}, never {written}"
    supersets = sorted((c for c in published if given < c), key=len)
    if supersets:
        return reason + f"; did you mean to add {describe_combination(supersets[0] - given)}?"
    subsets = sorted((c for c in published if c < given), key=len, reverse=True)
    if subsets:
        return reason + f"; did you mean to drop {describe_combination(given - subsets[0])}?"
    return reason


def _value_defects(
    template: Template,
    alarm: Resource,
    spec: DimensionSpec,
    dimension: Dimension,
    resolver: Resolver,
) -> Iterator[AlarmDefect]:
    for resolved in resolver.resolve(dimension.value, dimension.path):
        reason = _wrong_value(template, spec, resolved.value)
        if reason is None:
            continue
        assumptions = merge_assumptions(dimension.assumptions, resolved.assumptions)
        if assumptions is not None:
            yield _defect(alarm, resolved.path, reason, assumptions=assumptions)
            return


def _wrong_value(template: Template, spec: DimensionSpec, value: Any) -> str | None:
    reference = whole_reference(value, through_sub=True)
    if reference is not None:
        target = template.resources.get(reference.target)
        source = None if target is None else spec.sources.get(target.type)
        form = "Ref" if reference.kind == "Ref" else reference.attribute
        if source is None or form in source.use:
            return None
        gives = source.ref if form == "Ref" and source.ref else f"its {form}"
        if form == "Ref" and not source.ref:
            gives = "something else"
        written = [_written(reference.target, use) for use in source.use]
        expected = _alternatives(written) if written else spec.literal_form or spec.name
        return (
            f"dimension {spec.name} is {describe(value)}, which gives {gives}, not the value "
            f"CloudWatch publishes {spec.name} under (use {expected})"
        )
    literal = isinstance(value, str) and not is_opaque(value)
    if literal and spec.literal is not None and spec.literal.match(value) is None:
        return (
            f"dimension {spec.name} is {describe(value)}, but CloudWatch publishes "
            f"{spec.name} as {spec.literal_form}"
        )
    return None


def _alternatives(choices: list[str]) -> str:
    """``A``, ``A or B``, ``A, B or C``."""
    return choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"


def _written(target: str, use: str) -> str:
    return describe({"Ref": target} if use == "Ref" else {"Fn::GetAtt": [target, use]})


def _statistic_defects(
    alarm: Resource, spec: MetricSpec, watch: MetricWatch, resolver: Resolver
) -> Iterator[AlarmDefect]:
    own = watch.path == _PROPERTIES
    path = (*_PROPERTIES, "Statistic") if own else (*watch.path[:-1], "Stat")
    values = resolver.lookup(alarm.node, ".".join(str(p) for p in path)) if own else [
        *resolver.resolve(node_at(alarm.node, path), path)
    ]
    if len(values) != 1 or not isinstance(values[0].value, str) or values[0].assumptions:
        return
    statistic = values[0].value
    if spec.constant is not None and statistic in CONSTANT_STATISTICS:
        constant = f"{spec.constant:g}"
        if own and _never_above(alarm, spec.constant):
            reason = (
                f"the {statistic} of {spec.name} is always {constant}, never above its "
                f"threshold; use Sum"
            )
            yield _defect(alarm, path, reason)
        else:
            reason = (
                f"watches the {statistic} of {spec.name}, which is always {constant}, so its "
                f"threshold means nothing; use Sum"
            )
            yield _defect(alarm, path, reason, never_fires=False)
    elif spec.kind == "percentage" and statistic in ("Sum", "SampleCount"):
        useful = _alternatives([s for s in spec.statistics if s != "Sum"] or ["Average"])
        reason = (
            f"watches the {statistic} of {spec.name}, a percentage: it adds up samples and "
            f"means nothing; use {useful}"
        )
        yield _defect(alarm, path, reason, never_fires=False)


def _never_above(alarm: Resource, constant: float) -> bool:
    """Does an alarm on a value that is always ``constant`` wait for it to rise above its
    threshold, which it never does?"""
    properties = alarm.properties
    threshold = as_number(properties.get("Threshold"))
    operator = properties.get("ComparisonOperator")
    if threshold is None:
        return False
    if operator == "GreaterThanThreshold":
        return threshold >= constant
    return operator == "GreaterThanOrEqualToThreshold" and threshold > constant


def _misspelt(name: str, suggestion: str) -> bool:
    """Close enough, ignoring case, to be a misspelling rather than another metric's name."""
    return SequenceMatcher(None, name.lower(), suggestion.lower()).ratio() >= _MISSPELT
