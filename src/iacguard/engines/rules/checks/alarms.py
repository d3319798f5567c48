"""Python checks for the alarms theme (logic the YAML rule format cannot say).

Most checks here are relationship checks: a resource is healthy when some *other* resource (an
alarm, a subscription, a notification rule) points at it. They find those resources through the
template's reference index and through small per-template indexes that are built once and cached,
so a template with many alarms and many entry points is still read in linear time.

What counts as "unknown": a relationship whose other end is only known at deploy time (a
parameter, an import, an expression that names no resource of this template, a nested stack or an
export another stack may consume). Unknown is never reported as a failure.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from iacguard.engines.rules.api import CheckContext, CheckFunction, Verdict, verdict_from_branches
from iacguard.engines.rules.conditions import Branch, Truth
from iacguard.findings import Outcome
from iacguard.model.refs import Reference, build_reference_index
from iacguard.model.template import Resource, Template
from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolved,
    Resolver,
    Unknown,
    as_bool,
    consistent,
    is_intrinsic,
    is_opaque,
    merge_assumptions,
    node_at,
)

ALARM = "AWS::CloudWatch::Alarm"
COMPOSITE_ALARM = "AWS::CloudWatch::CompositeAlarm"
NESTED_STACK = "AWS::CloudFormation::Stack"
SNS_TOPIC = "AWS::SNS::Topic"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"
PIPELINE = "AWS::CodePipeline::Pipeline"
NOTIFICATION_RULE = "AWS::CodeStarNotifications::NotificationRule"
EVENT_RULE = "AWS::Events::Rule"


# --------------------------------------------------------------------------------------------
# Per-template caching


@dataclass(frozen=True, eq=False)
class _TemplateKey:
    """A hashable handle on a template for ``functools`` caches, equal only to itself.

    The cache holds the template while the entry lives, so no other template can get the same
    ``id`` and be mistaken for it.
    """

    template: Template

    def __hash__(self) -> int:
        return id(self.template)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TemplateKey) and other.template is self.template


# --------------------------------------------------------------------------------------------
# Small helpers over template values


def _condition_of(resource: Resource) -> tuple[Assumption, ...]:
    """A resource with ``Condition: X`` exists only when X is true."""
    name = resource.condition
    return (Assumption("condition", name, True),) if name else ()


def _if_assumptions(node: Any, path: Sequence[Any]) -> tuple[Assumption, ...]:
    """The ``Fn::If`` branches a path walks through, as the conditions it needs."""
    found: list[Assumption] = []
    for position, segment in enumerate(path):
        if segment == "Fn::If" and isinstance(node, Mapping) and position + 1 < len(path):
            argument = node.get("Fn::If")
            branch = path[position + 1]
            if isinstance(argument, list) and argument and isinstance(argument[0], str):
                found.append(Assumption("condition", argument[0], branch == 1))
        node = node_at(node, (segment,))
    return tuple(found)


def _under(path: Sequence[Any], prefix: Sequence[Any]) -> bool:
    return len(path) >= len(prefix) and tuple(path[: len(prefix)]) == tuple(prefix)


def _literal_strings(
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


def _canonical(value: Any) -> str:
    """A stable text form of an intrinsic expression, to compare two of them for equality."""
    return "~" + json.dumps(value, sort_keys=True, default=str)


def _is_live_list(value: Any) -> bool:
    """A list property that may hold items (a literal non-empty list, or an expression)."""
    if isinstance(value, list):
        return bool(value)
    return value is not ABSENT and value is not None and value != ""


#: CDK singleton functions carry a 32-hex-digit UUID in their construct id.
_CDK_SINGLETON = re.compile(r"[0-9a-f]{32}$")


def _cdk_framework_function(resource: Resource) -> bool:
    """Lambda functions that CDK adds for its own custom resources (log retention, auto-delete,
    bucket notifications, provider frameworks). Their users never see or operate them."""
    for segment in resource.cdk_path.split("/"):
        if segment.startswith(("Custom::", "framework-")) or _CDK_SINGLETON.search(segment):
            return True
    return False


# --------------------------------------------------------------------------------------------
# Exports and nested stacks: hints that another stack may hold the other end of a relationship


@functools.lru_cache(maxsize=8)
def _exported_references(key: _TemplateKey) -> Mapping[str, tuple[Reference, ...]]:
    """References made by the ``Value`` of outputs that are exported, by the resource they name."""
    exported = {
        f"Outputs.{name}": Resource(f"Outputs.{name}", "Output", body)
        for name, body in key.template.outputs.items()
        if isinstance(name, str) and isinstance(body, Mapping) and "Export" in body
    }
    index = build_reference_index(exported)
    return {
        target: tuple(ref for ref in refs if ref.path[:1] == ("Value",))
        for target, refs in index.by_target.items()
    }


def _reference_form(reference: Reference, value_node: Any) -> tuple[str, str] | None:
    """(``Ref``/``GetAtt``, attribute) when the reference *is* the whole value; None when it is
    only part of a larger expression (``Fn::Select``, ``Fn::Join``, text around ``${X}``)."""
    text = value_node.get("Fn::Sub") if isinstance(value_node, Mapping) else None
    if text is None:
        return reference.kind, reference.attribute  # a plain Ref or Fn::GetAtt
    if isinstance(text, list) and text:
        text = text[0]
    if not isinstance(text, str) or not _WHOLE_SUB.match(text):
        return None
    return ("GetAtt", reference.attribute) if reference.attribute else ("Ref", "")


_WHOLE_SUB = re.compile(r"^\$\{[^}!]+\}$")


def _external_hints(
    key: _TemplateKey, logical_id: str, forms: frozenset[tuple[str, str]] | None = None
) -> list[str]:
    """Reasons to believe another stack handles this resource: it is exported (in one of the
    given forms, when forms are given) or passed to a nested stack."""
    return list(_external_hints_cached(key, logical_id, forms))


@functools.lru_cache(maxsize=1024)
def _external_hints_cached(
    key: _TemplateKey, logical_id: str, forms: frozenset[tuple[str, str]] | None
) -> tuple[str, ...]:
    """Cached: a topic shared by hundreds of alarms is asked about once per alarm."""
    template = key.template
    hints: list[str] = []
    for reference in _exported_references(key).get(logical_id, ()):
        output = template.outputs.get(reference.source.removeprefix("Outputs."))
        form = _reference_form(reference, node_at(output, reference.path))
        if forms is None or form in forms:
            hints.append(f"it is exported by output {reference.source.removeprefix('Outputs.')}")
            break
    for reference in template.refs.referrers(logical_id):
        source = template.resources.get(reference.source)
        if source is not None and source.type == NESTED_STACK:
            hints.append(f"it is passed to nested stack {reference.source}")
            break
    return tuple(hints)


# --------------------------------------------------------------------------------------------
# What the alarms of a template watch


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
class _AlarmIndex:
    watches: tuple[MetricWatch, ...]
    by_location: Mapping[tuple[str, tuple[Any, ...]], MetricWatch]


@functools.lru_cache(maxsize=8)
def _alarm_index(key: _TemplateKey) -> _AlarmIndex:
    resolver = Resolver(key.template)
    watches = [
        watch
        for alarm in key.template.resources_of_type(ALARM)
        for watch in _watches_of(alarm, resolver)
    ]
    return _AlarmIndex(tuple(watches), {(w.alarm, w.path): w for w in watches})


def _watches_of(alarm: Resource, resolver: Resolver) -> Iterator[MetricWatch]:
    base = _condition_of(alarm)
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
    namespaces, open_namespace = _literal_strings(
        resolver, metric.get("Namespace", ABSENT), (*path, "Namespace")
    )
    names, open_name = _literal_strings(
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
        names, _ = _literal_strings(resolver, item.value.get("Name", ABSENT), (*item.path, "Name"))
        for name in sorted(names):
            yield Dimension(
                name, item.value.get("Value", ABSENT), (*item.path, "Value"), item.assumptions
            )


def _locate(index: _AlarmIndex, reference: Reference) -> tuple[MetricWatch, Dimension] | None:
    """The watched metric and dimension whose value holds a reference from an alarm."""
    for length in range(len(reference.path), 0, -1):
        watch = index.by_location.get((reference.source, reference.path[:length]))
        if watch is None:
            continue
        for dimension in watch.dimensions:
            if _under(reference.path, dimension.path):
                return watch, dimension
        return None
    return None


# --------------------------------------------------------------------------------------------
# Entry points and the alarms that cover them (IGA004, IGA005, IGA006)


def _load_balancer_name(full_name: str) -> str:
    """``app/<name>/<id>`` (the ``LoadBalancer`` dimension) -> ``<name>``."""
    parts = full_name.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "app" else full_name


def _same_text(value: str) -> str:
    return value


def _load_balancer_identity(resource: Resource) -> str | None:
    name = resource.properties.get("Name")
    return name if isinstance(name, str) else None


def _rest_api_identity(resource: Resource) -> str | None:
    """API Gateway publishes REST API metrics under the API's name (``ApiName``)."""
    name = resource.properties.get("Name", ABSENT)
    if isinstance(name, str):
        return name
    if name is not ABSENT:
        return _canonical(name)
    body = resource.properties.get("Body")
    title = body.get("info", {}).get("title") if isinstance(body, Mapping) else None
    return title if isinstance(title, str) else None


def _no_identity(resource: Resource) -> str | None:
    return None


def _function_identity(resource: Resource) -> str | None:
    name = resource.properties.get("FunctionName", ABSENT)
    if isinstance(name, str):
        return name
    return None if name is ABSENT else _canonical(name)


@dataclass(frozen=True)
class EntryKind:
    """How CloudWatch names one kind of resource in its metrics."""

    name: str  # prefix of the rule options that list the metric names (``<name>-metrics``)
    label: str
    types: tuple[str, ...]
    namespace: str
    dimension: str
    #: reference forms that give exactly the dimension value (Ref, or GetAtt of an attribute)
    direct_forms: frozenset[tuple[str, str]]
    expected_form: str  # how to write the dimension value, for messages ({id} is replaced)
    literal_key: Callable[[str], str]
    identity: Callable[[Resource], str | None]
    #: the namespace also publishes metrics without dimensions, aggregated over all resources
    aggregate: bool = False


ENTRY_KINDS: Mapping[str, EntryKind] = {
    kind.name: kind
    for kind in (
        EntryKind(
            name="alb",
            label="Application load balancer",
            types=(LOAD_BALANCER,),
            namespace="AWS/ApplicationELB",
            dimension="LoadBalancer",
            direct_forms=frozenset({("GetAtt", "LoadBalancerFullName")}),
            expected_form="!GetAtt {id}.LoadBalancerFullName",
            literal_key=_load_balancer_name,
            identity=_load_balancer_identity,
        ),
        EntryKind(
            name="rest-api",
            label="REST API",
            types=(REST_API,),
            namespace="AWS/ApiGateway",
            dimension="ApiName",
            direct_forms=frozenset(),
            expected_form="the API's Name",
            literal_key=_same_text,
            identity=_rest_api_identity,
        ),
        EntryKind(
            name="http-api",
            label="HTTP API",
            types=(HTTP_API,),
            namespace="AWS/ApiGateway",
            dimension="ApiId",
            direct_forms=frozenset({("Ref", ""), ("GetAtt", "ApiId")}),
            expected_form="!Ref {id}",
            literal_key=_same_text,
            identity=_no_identity,
        ),
        EntryKind(
            name="lambda",
            label="Lambda function",
            types=(LAMBDA_FUNCTION, SAM_FUNCTION),
            namespace="AWS/Lambda",
            dimension="FunctionName",
            direct_forms=frozenset({("Ref", "")}),
            expected_form="!Ref {id}",
            literal_key=_same_text,
            identity=_function_identity,
            aggregate=True,
        ),
    )
}


@dataclass(frozen=True)
class _DimensionIndex:
    """Alarm dimensions of one entry kind that do not reference a resource of the template."""

    #: literal or expression value -> the watches that use it (only values naming an entry point)
    by_key: Mapping[str, tuple[tuple[MetricWatch, Dimension], ...]]
    #: values only known at deploy time (parameters, imports, expressions naming nothing here)
    open_values: tuple[tuple[MetricWatch, Dimension], ...]
    #: literal values that match no entry point of the template by name
    foreign_literals: tuple[tuple[MetricWatch, Dimension], ...]
    #: watches in the namespace without any dimension (aggregated over all resources)
    aggregates: tuple[MetricWatch, ...]


@functools.lru_cache(maxsize=32)
def _dimension_index(key: _TemplateKey, kind_name: str) -> _DimensionIndex:
    kind = ENTRY_KINDS[kind_name]
    template = key.template
    identities = {
        identity
        for resource in template.resources_of_type(*kind.types)
        if (identity := kind.identity(resource)) is not None
    }
    by_key: dict[str, list[tuple[MetricWatch, Dimension]]] = defaultdict(list)
    open_values: list[tuple[MetricWatch, Dimension]] = []
    foreign: list[tuple[MetricWatch, Dimension]] = []
    aggregates: list[MetricWatch] = []
    for watch in _alarm_index(key).watches:
        namespace_open = watch.open_ended and not watch.namespaces
        if kind.namespace not in watch.namespaces and not namespace_open:
            continue
        if not watch.dimensions:
            aggregates.append(watch)
        for dimension in watch.dimensions:
            if dimension.name != kind.dimension or _names_entry_by_reference(
                template, watch.alarm, dimension, kind
            ):
                continue
            value = dimension.value
            value_key = kind.literal_key(value) if isinstance(value, str) else _canonical(value)
            if value_key in identities:
                by_key[value_key].append((watch, dimension))
            elif isinstance(value, str):
                foreign.append((watch, dimension))
            elif value is not ABSENT:
                open_values.append((watch, dimension))
    return _DimensionIndex(
        {k: tuple(v) for k, v in by_key.items()}, tuple(open_values), tuple(foreign),
        tuple(aggregates),
    )


def _names_entry_by_reference(
    template: Template, alarm: str, dimension: Dimension, kind: EntryKind
) -> bool:
    for reference in template.refs.references_from(alarm):
        target = template.resources.get(reference.target)
        if target is None or target.type not in kind.types:
            continue
        if _under(reference.path, dimension.path):
            return True
    return False


@dataclass
class _Coverage:
    """What the template says about the alarms of one entry point."""

    #: for each alarm found: the conditions under which it exists
    covers: list[tuple[Assumption, ...]] = field(default_factory=list)
    #: why an alarm might watch it, but the template cannot tell
    doubts: list[str] = field(default_factory=list)
    #: alarms that reference it with a value CloudWatch will never match: (alarm, written form)
    misdirected: list[tuple[str, str]] = field(default_factory=list)

    def add(self, truth: Truth, watch: MetricWatch, extra: tuple[Assumption, ...] = ()) -> None:
        if truth is True:
            merged = merge_assumptions(watch.assumptions, extra)
            if merged is not None:
                self.covers.append(merged)
        elif truth is None:
            self.doubts.append(f"alarm {watch.alarm} watches a metric known only at deploy time")


def _coverage(ctx: CheckContext, kind: EntryKind, metrics: frozenset[str]) -> _Coverage:
    key = _TemplateKey(ctx.template)
    entry = ctx.resource
    coverage = _Coverage()
    _cover_by_reference(ctx, key, kind, metrics, coverage)
    dimension_index = _dimension_index(key, kind.name)
    identity = kind.identity(entry)
    if identity is not None:
        for watch, _dimension in dimension_index.by_key.get(identity, ()):
            coverage.add(watch.watches(kind.namespace, metrics), watch)
    if kind.aggregate:
        for watch in dimension_index.aggregates:
            coverage.add(watch.watches(kind.namespace, metrics), watch)
    for watch, dimension in dimension_index.open_values:
        if watch.watches(kind.namespace, metrics) is not False:
            coverage.doubts.append(
                f"alarm {watch.alarm} sets {dimension.name} to a value known only at deploy time"
            )
    for watch, dimension in dimension_index.foreign_literals if identity is None else ():
        if watch.watches(kind.namespace, metrics) is not False:
            coverage.doubts.append(
                f"alarm {watch.alarm} watches {dimension.name} {dimension.value!r}, which may be"
                " this resource under the name CloudFormation gives it"
            )
    _cover_across_stacks(ctx, kind, metrics, coverage)
    coverage.doubts.extend(_external_hints(key, entry.logical_id, kind.direct_forms))
    return coverage


# --------------------------------------------------------------------------------------------
# Alarms in other stacks of the same CDK assembly


def _whole_reference(value: Any, logical_id: str) -> tuple[str, str] | None:
    """(``Ref``/``GetAtt``, attribute) when ``value`` is exactly a reference to ``logical_id``."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if function == "Ref" and argument == logical_id:
        return "Ref", ""
    if function == "Fn::GetAtt":
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and parts[0] == logical_id:
            return "GetAtt", str(parts[1])
    if function == "Fn::Sub" and isinstance(argument, str) and _WHOLE_SUB.match(argument):
        name = argument[2:-1]
        target, _, attribute = name.partition(".")
        if target == logical_id:
            return ("GetAtt", attribute) if attribute else ("Ref", "")
    return None


def _export_name(export: Any, template: Template) -> str | None:
    name = export.get("Name") if isinstance(export, Mapping) else None
    if isinstance(name, str):
        return name
    text = name.get("Fn::Sub") if isinstance(name, Mapping) else None
    if isinstance(text, str) and template.cfn_stack_name:
        resolved = text.replace("${AWS::StackName}", template.cfn_stack_name)
        return None if "${" in resolved else resolved
    return None


def _outputs_naming(
    template: Template, logical_id: str, forms: frozenset[tuple[str, str]]
) -> tuple[frozenset[str], frozenset[str]]:
    """(output names, export names) of outputs whose whole value is this resource in a form
    CloudWatch dimensions use (for a load balancer, its full name)."""
    outputs: set[str] = set()
    exports: set[str] = set()
    for name, body in template.outputs.items():
        if not isinstance(name, str) or not isinstance(body, Mapping):
            continue
        if _whole_reference(body.get("Value"), logical_id) not in forms:
            continue
        outputs.add(name)
        export = _export_name(body.get("Export"), template)
        if export is not None:
            exports.add(export)
    return frozenset(outputs), frozenset(exports)


def _reads_output(value: Any, stack_name: str, outputs: frozenset[str], exports: frozenset[str]
                  ) -> bool:
    """Is a dimension value this stack's output, by export or by CDK's ``Fn::GetStackOutput``?"""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    ((function, argument),) = value.items()
    if function == "Fn::ImportValue":
        return isinstance(argument, str) and argument in exports
    if function == "Fn::GetStackOutput" and isinstance(argument, Mapping):
        return argument.get("StackName") == stack_name and argument.get("OutputName") in outputs
    return False


def _cover_across_stacks(
    ctx: CheckContext, kind: EntryKind, metrics: frozenset[str], coverage: _Coverage
) -> None:
    """Within one assembly, an alarm in another stack that reads this resource through an
    export or ``Fn::GetStackOutput`` counts, as it would once deployed."""
    if len(ctx.workspace) < 2:
        return
    outputs, exports = _outputs_naming(ctx.template, ctx.resource.logical_id, kind.direct_forms)
    if not outputs:
        return
    for other in ctx.workspace:
        if other is ctx.template:
            continue
        for watch in _alarm_index(_TemplateKey(other)).watches:
            for dimension in watch.dimensions:
                if dimension.name == kind.dimension and _reads_output(
                    dimension.value, ctx.template.cfn_stack_name, outputs, exports
                ):
                    # Conditions of another template are not this template's conditions.
                    coverage.add(watch.watches(kind.namespace, metrics), replace(watch,
                                                                               assumptions=()))


def _cover_by_reference(
    ctx: CheckContext,
    key: _TemplateKey,
    kind: EntryKind,
    metrics: frozenset[str],
    coverage: _Coverage,
) -> None:
    template = ctx.template
    index = _alarm_index(key)
    for reference in template.refs.referrers(ctx.resource.logical_id):
        source = template.resources.get(reference.source)
        if source is None or source.type != ALARM:
            continue
        located = _locate(index, reference)
        if located is None or located[1].name != kind.dimension:
            continue
        watch, dimension = located
        truth = watch.watches(kind.namespace, metrics)
        if truth is False:
            continue
        rest = reference.path[len(dimension.path):]
        value_node = node_at(source.node, reference.path)
        form = None if _inside_expression(rest) else _reference_form(reference, value_node)
        if form is not None and form not in kind.direct_forms:
            coverage.misdirected.append((watch.alarm, _describe_form(form, reference.target)))
            continue
        branch = _if_assumptions(node_at(source.node, dimension.path), rest)
        coverage.add(truth, watch, merge_assumptions(dimension.assumptions, branch) or ())


def _inside_expression(rest: Sequence[Any]) -> bool:
    """Is the reference nested in a function other than ``Fn::If`` (so it only feeds a value)?"""
    position = 0
    while position < len(rest):
        if rest[position] == "Fn::If" and position + 1 < len(rest):
            position += 2
            continue
        return True
    return False


def _describe_form(form: tuple[str, str], target: str) -> str:
    kind, attribute = form
    return f"!Ref {target}" if kind == "Ref" else f"!GetAtt {target}.{attribute}"


def _uncovered(
    covers: Sequence[tuple[Assumption, ...]], given: tuple[Assumption, ...]
) -> tuple[Assumption, ...] | None:
    """Condition values under which the resource exists but none of the alarms does.

    None when some alarm exists whenever the resource does; () when there is no alarm at all.
    """
    chosen = list(given)
    for cover in covers:
        needed = [a for a in cover if a not in chosen]
        if any(not consistent(tuple(chosen), a) for a in needed):
            continue  # the choices so far already rule this alarm out
        negatable = [a for a in needed if a.kind == "condition"]
        if not negatable:
            return None
        first = negatable[0]
        chosen.append(Assumption("condition", first.name, not first.value))
    return tuple(sorted(a for a in chosen if a not in given))


def _entry_kind(ctx: CheckContext) -> tuple[EntryKind | None, str | None]:
    """The kind of entry point (None: not one the rule covers), and a doubt when the resource
    may not be of that kind (its type is chosen at deploy time)."""
    resource = ctx.resource
    if resource.type == LOAD_BALANCER:
        return _typed_by(ctx, "Properties.Type", "application", "alb")
    if resource.type == REST_API:
        return ENTRY_KINDS["rest-api"], None
    if resource.type == HTTP_API:
        return _typed_by(ctx, "Properties.ProtocolType", "HTTP", "http-api")
    if resource.type in (LAMBDA_FUNCTION, SAM_FUNCTION) and not _cdk_framework_function(resource):
        return ENTRY_KINDS["lambda"], None
    return None, None


def _typed_by(
    ctx: CheckContext, path: str, wanted: str, kind: str
) -> tuple[EntryKind | None, str | None]:
    """Entry kinds chosen by a property whose default is the wanted value."""
    values = [v.value for v in ctx.lookup(path)]
    if all(v is ABSENT or v == wanted for v in values):
        return ENTRY_KINDS[kind], None
    if all(isinstance(v, str) and v != wanted for v in values):
        return None, None
    return ENTRY_KINDS[kind], f"{path.removeprefix('Properties.')} is known only at deploy time"


def entry_point_without_alarm(ctx: CheckContext) -> Iterable[Verdict]:
    """An entry point (load balancer, API, function) has an alarm on the metrics the rule's
    options list for its kind (``<kind>-metrics``)."""
    kind, kind_doubt = _entry_kind(ctx)
    if kind is None:
        return [Verdict(Outcome.SKIP)]
    listed = [str(m) for m in ctx.options.get(f"{kind.name}-metrics", ())]
    metrics = frozenset(listed)
    coverage = _coverage(ctx, kind, metrics)
    if kind_doubt is not None:
        coverage.doubts.insert(0, kind_doubt)
    expected = kind.expected_form.format(id=ctx.resource.logical_id)
    values = {
        "entry": kind.label,
        "metrics": " or ".join(listed),
        "namespace": kind.namespace,
        "dimension": kind.dimension,
        "expected": expected,
    }
    gap = _uncovered(coverage.covers, _condition_of(ctx.resource))
    if gap is None:
        return [Verdict(Outcome.PASS)]
    if coverage.misdirected and not coverage.covers:
        alarm, written = coverage.misdirected[0]
        message = (
            f"{kind.label} {ctx.resource.logical_id} is watched by alarm {alarm} with "
            f"{kind.dimension} set to {written}, a value CloudWatch never publishes metrics "
            f"under (use {expected}), so that alarm can never fire"
        )
        return [Verdict(Outcome.FAIL, (), values, message=message)]
    if coverage.doubts:
        return [Verdict(Outcome.UNKNOWN, (), {**values, "value": Unknown(coverage.doubts[0])})]
    return [Verdict(Outcome.FAIL, (), values, gap)]


# --------------------------------------------------------------------------------------------
# IGA001: an alarm without ALARM-state actions, unless something else consumes its state

#: Properties through which other resources act on an alarm's state without notifications.
_ALARM_CONSUMERS: Mapping[str, tuple[str, ...]] = {
    "AWS::CodeDeploy::DeploymentGroup": ("Properties", "AlarmConfiguration"),
    "AWS::ECS::Service": ("Properties", "DeploymentConfiguration", "Alarms"),
    SAM_FUNCTION: ("Properties", "DeploymentPreference"),
    "AWS::AutoScaling::AutoScalingGroup": ("UpdatePolicy",),
    COMPOSITE_ALARM: ("Properties", "AlarmRule"),
    "AWS::Route53::HealthCheck": ("Properties", "HealthCheckConfig"),
    NESTED_STACK: ("Properties", "Parameters"),
}


def _alarm_consumer(template: Template, alarm: str) -> str | None:
    for reference in template.refs.referrers(alarm):
        source = template.resources.get(reference.source)
        prefix = _ALARM_CONSUMERS.get(source.type) if source is not None else None
        if prefix is not None and _under(reference.path, prefix):
            return reference.source
    return None


def alarm_without_alarm_actions(ctx: CheckContext) -> Iterable[Verdict]:
    """No ``AlarmActions``: fine only when a deployment gate, composite alarm or health check
    reads the alarm's state instead."""
    verdict = ctx.evaluate_failing({"path": "Properties.AlarmActions", "empty": True})
    if verdict.outcome is Outcome.FAIL and _alarm_consumer(ctx.template, ctx.resource.logical_id):
        return [Verdict(Outcome.PASS)]
    return [verdict]


# --------------------------------------------------------------------------------------------
# IGA003: alarm notifications reach a subscribed topic

#: Resources that deliver what is published to a topic, and where they name the topic.
_TOPIC_SUBSCRIBERS: Mapping[str, tuple[str, ...]] = {
    "AWS::SNS::Subscription": ("Properties", "TopicArn"),
    "AWS::Chatbot::SlackChannelConfiguration": ("Properties", "SnsTopicArns"),
    "AWS::Chatbot::MicrosoftTeamsChannelConfiguration": ("Properties", "SnsTopicArns"),
    SAM_FUNCTION: ("Properties", "Events"),
    NESTED_STACK: ("Properties", "Parameters"),
}


def _topic_of(template: Template, action: Any) -> str | None:
    """The logical id of the in-template SNS topic an action names, if it names one."""
    if not isinstance(action, Mapping) or len(action) != 1:
        return None
    ((function, argument),) = action.items()
    target = ""
    if function == "Ref" and isinstance(argument, str):
        target = argument
    elif function == "Fn::GetAtt":
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and parts[1] == "TopicArn":
            target = str(parts[0])
    resource = template.resources.get(target)
    return target if resource is not None and resource.type == SNS_TOPIC else None


def _topic_subscribed(ctx: CheckContext, topic: str) -> bool:
    return _topic_has_subscriber(_TemplateKey(ctx.template), topic)


@functools.lru_cache(maxsize=256)
def _topic_has_subscriber(key: _TemplateKey, topic: str) -> bool:
    """Cached per topic: hundreds of alarms often share one topic, and each would otherwise
    walk all of its referrers again (quadratic in the number of alarms)."""
    template = key.template
    resource = template.resources[topic]
    resolver = Resolver(template)
    if any(
        _is_live_list(v.value) for v in resolver.lookup(resource.node, "Properties.Subscription")
    ):
        return True
    for reference in template.refs.referrers(topic):
        source = template.resources.get(reference.source)
        if source is None:
            continue
        prefix = _TOPIC_SUBSCRIBERS.get(source.type)
        if (prefix is not None and _under(reference.path, prefix)) or source.type.startswith(
            "Custom::"
        ):
            return True
    return False


def alarm_topic_without_subscription(ctx: CheckContext) -> Iterable[Verdict]:
    """Every ``AlarmActions`` target is an in-template topic that nobody subscribes to."""
    dead: list[tuple[Resolved, str]] = []
    for resolved in ctx.lookup("Properties.AlarmActions.*"):
        if resolved.value is ABSENT:
            continue
        topic = _topic_of(ctx.template, resolved.value)
        if topic is None or _topic_subscribed(ctx, topic):
            return [Verdict(Outcome.PASS)]  # an external target, or a topic that delivers
        dead.append((resolved, topic))
    if not dead:
        return [Verdict(Outcome.PASS)]
    first, topic = dead[0]
    hints = _external_hints(_TemplateKey(ctx.template), topic)
    if hints:
        return [Verdict(Outcome.UNKNOWN, first.path, {"value": Unknown(hints[0]), "topic": topic})]
    return [Verdict(Outcome.FAIL, first.path, {"value": first.value, "topic": topic})]


# --------------------------------------------------------------------------------------------
# IGA007: pipelines notify on failed executions

_PIPELINE_DETAIL_TYPES = frozenset(
    {
        "CodePipeline Pipeline Execution State Change",
        "CodePipeline Stage Execution State Change",
        "CodePipeline Action Execution State Change",
    }
)
_SUB_VARIABLE = re.compile(r"\$\{[^}]+\}")
_REFERENCE_PLACEHOLDER = "${reference}"


def _as_list(value: Any) -> list[Any]:
    if value is None or value is ABSENT:
        return []
    return list(value) if isinstance(value, list) else [value]


def _event_pattern(rule: Resource) -> Mapping[str, Any] | None:
    """The rule's event pattern as data: an object, a JSON string, or a JSON ``Fn::Sub``."""
    pattern = rule.properties.get("EventPattern")
    if isinstance(pattern, Mapping) and not is_intrinsic(pattern):
        return pattern
    text = pattern
    if isinstance(pattern, Mapping) and "Fn::Sub" in pattern:
        text = pattern["Fn::Sub"][0] if isinstance(pattern["Fn::Sub"], list) else pattern["Fn::Sub"]
        text = _SUB_VARIABLE.sub(_REFERENCE_PLACEHOLDER, text) if isinstance(text, str) else None
    if not isinstance(text, str):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _state_may_be_failed(item: Any) -> bool:
    if isinstance(item, str):
        return item == "FAILED"
    if isinstance(item, Mapping) and "anything-but" in item:
        return "FAILED" not in _as_list(item["anything-but"])
    if isinstance(item, Mapping) and isinstance(item.get("prefix"), str):
        return "FAILED".startswith(item["prefix"])
    return True  # another content filter: do not claim it misses failures


def _catches_pipeline_failures(pattern: Mapping[str, Any]) -> bool:
    if "aws.codepipeline" not in _as_list(pattern.get("source")):
        return False
    detail_types = _as_list(pattern.get("detail-type"))
    if detail_types and not _PIPELINE_DETAIL_TYPES.intersection(
        t for t in detail_types if isinstance(t, str)
    ):
        return False
    detail = pattern.get("detail")
    states = detail.get("state") if isinstance(detail, Mapping) else None
    return states is None or any(_state_may_be_failed(s) for s in _as_list(states))


def _pipeline_filters(pattern: Mapping[str, Any]) -> list[Any] | None:
    """The pipelines a pattern names (by name or ARN), or None when it matches every pipeline."""
    detail = pattern.get("detail")
    names = detail.get("pipeline") if isinstance(detail, Mapping) else None
    resources = pattern.get("resources")
    if names is None and resources is None:
        return None
    return [*_as_list(names), *_as_list(resources)]


def _enabled(resolver: Resolver, resource: Resource, path: str, disabled: str) -> bool:
    values = resolver.lookup(resource.node, path)
    return not values or any(v.value != disabled for v in values)


def _live_event_rule(resolver: Resolver, rule: Resource) -> Mapping[str, Any] | None:
    """The event pattern of an enabled rule with targets that catches pipeline failures."""
    if not _enabled(resolver, rule, "Properties.State", "DISABLED"):
        return None
    if not _is_live_list(rule.properties.get("Targets", ABSENT)):
        return None
    pattern = _event_pattern(rule)
    return pattern if pattern is not None and _catches_pipeline_failures(pattern) else None


def _live_notification_rule(
    resolver: Resolver, rule: Resource, failure_events: frozenset[str]
) -> bool:
    if not _enabled(resolver, rule, "Properties.Status", "DISABLED"):
        return False
    if not (
        _is_live_list(rule.properties.get("Targets", ABSENT))
        or rule.properties.get("TargetAddress") is not None
    ):
        return False
    events = resolver.lookup(rule.node, "Properties.EventTypeIds.*")
    return any(
        is_opaque(e.value) or (isinstance(e.value, str) and e.value in failure_events)
        for e in events
    )


def _pipeline_name_of(filter_value: str) -> str:
    """A pipeline filter is a name or an ARN ``arn:...:codepipeline:<region>:<account>:<name>``."""
    return filter_value.rsplit(":", 1)[-1] if filter_value.startswith("arn:") else filter_value


@dataclass(frozen=True)
class _PipelineNotifiers:
    account_wide: tuple[str, ...]  # notifiers that cover every pipeline of the account
    by_name: Mapping[str, tuple[str, ...]]  # literal pipeline name -> notifiers
    open_ended: tuple[str, ...]  # notifiers whose pipeline is only known at deploy time
    #: literal names no pipeline of the template has: they may name one CloudFormation names
    foreign_names: tuple[str, ...]


@functools.lru_cache(maxsize=16)
def _pipeline_notifiers(key: _TemplateKey, failure_events: frozenset[str]) -> _PipelineNotifiers:
    """Notifiers that do not reference a pipeline of the template (those are found through the
    reference index)."""
    template = key.template
    resolver = Resolver(template)
    account_wide: list[str] = []
    by_name: dict[str, list[str]] = defaultdict(list)
    open_ended: list[str] = []

    def note(rule: str, values: Iterable[Any]) -> None:
        for value in values:
            if value is None or value is ABSENT:
                continue
            if isinstance(value, str) and _REFERENCE_PLACEHOLDER not in value:
                by_name[_pipeline_name_of(value)].append(rule)
            else:
                open_ended.append(rule)

    for rule in template.resources_of_type(EVENT_RULE):
        pattern = _live_event_rule(resolver, rule)
        if pattern is None or _references_type(template, rule.logical_id, ("EventPattern",)):
            continue
        filters = _pipeline_filters(pattern)
        if filters is None:
            account_wide.append(rule.logical_id)
        else:
            note(rule.logical_id, filters)
    for rule in template.resources_of_type(NOTIFICATION_RULE):
        if _live_notification_rule(resolver, rule, failure_events) and not _references_type(
            template, rule.logical_id, ("Resource",)
        ):
            note(rule.logical_id, [rule.properties.get("Resource")])
    names = {
        name
        for pipeline in template.resources_of_type(PIPELINE)
        if isinstance(name := pipeline.properties.get("Name"), str)
    }
    return _PipelineNotifiers(
        tuple(account_wide),
        {k: tuple(v) for k, v in by_name.items()},
        tuple(open_ended),
        tuple(sorted(set(by_name) - names)),
    )


def _references_type(template: Template, source: str, under: tuple[str, ...]) -> bool:
    """Does a resource reference a pipeline of the template under ``Properties.<under>``?"""
    return any(
        (target := template.resources.get(ref.target)) is not None
        and target.type == PIPELINE
        and _under(ref.path, ("Properties", *under))
        for ref in template.refs.references_from(source)
    )


def _notified_by_reference(ctx: CheckContext, failure_events: frozenset[str]) -> str | None:
    for reference in ctx.template.refs.referrers(ctx.resource.logical_id):
        source = ctx.template.resources.get(reference.source)
        if source is None:
            continue
        if (
            source.type == NOTIFICATION_RULE
            and _under(reference.path, ("Properties", "Resource"))
            and _live_notification_rule(ctx.resolver, source, failure_events)
        ):
            return source.logical_id
        if (
            source.type == EVENT_RULE
            and _under(reference.path, ("Properties", "EventPattern"))
            and _live_event_rule(ctx.resolver, source) is not None
        ):
            return source.logical_id
    return None


def pipeline_without_failure_notification(ctx: CheckContext) -> Iterable[Verdict]:
    failure_events = frozenset(str(e) for e in ctx.options.get("failure-event-types", ()))
    if _notified_by_reference(ctx, failure_events):
        return [Verdict(Outcome.PASS)]
    key = _TemplateKey(ctx.template)
    notifiers = _pipeline_notifiers(key, failure_events)
    if notifiers.account_wide:
        return [Verdict(Outcome.PASS)]
    name = ctx.resource.properties.get("Name")
    if isinstance(name, str) and name in notifiers.by_name:
        return [Verdict(Outcome.PASS)]
    doubts = [
        f"notifier {rule} names its pipeline in a way known only at deploy time"
        for rule in notifiers.open_ended
    ]
    if not isinstance(name, str):
        doubts.extend(
            f"notifier {notifiers.by_name[other][0]} names pipeline {other!r}, which may be"
            " this one"
            for other in notifiers.foreign_names
        )
    doubts.extend(_external_hints(key, ctx.resource.logical_id))
    if doubts:
        return [Verdict(Outcome.UNKNOWN, (), {"value": Unknown(doubts[0])})]
    return [Verdict(Outcome.FAIL, (), {"value": ABSENT})]


# --------------------------------------------------------------------------------------------
# Single-resource settings that need SAM Globals or list matching (IGA009, IGA010, IGA012, IGA013)


def _verdict_from_values(
    values: Sequence[Resolved],
    failing: Callable[[Any], Truth],
    path: tuple[Any, ...] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Verdict:
    """Fold resolved values (one per condition branch) into a verdict, like a YAML condition."""
    branches = [
        Branch(failing(v.value), tuple(sorted(v.assumptions)), v.path if path is None else path,
               v.value)
        for v in values
    ]
    verdict = verdict_from_branches(branches)
    if extra:
        return Verdict(
            verdict.outcome, verdict.path, {**verdict.values, **extra}, verdict.assumptions
        )
    return verdict


def _not_equal(expected: str) -> Callable[[Any], Truth]:
    def failing(value: Any) -> Truth:
        if value is ABSENT:
            return True
        if is_opaque(value):
            return None
        return bool(value != expected)

    return failing


def _not_true(value: Any) -> Truth:
    if value is ABSENT:
        return True
    if is_opaque(value):
        return None
    return as_bool(value) is not True


def _setting(
    ctx: CheckContext, own: str, global_section: str, global_key: str
) -> tuple[list[Resolved], tuple[Any, ...] | None, str]:
    """A SAM property, falling back to ``Globals.<section>.<key>`` when the resource omits it.

    Returns the values, the path to report (None: where each value was found) and where it came
    from, for the message.
    """
    values = ctx.lookup(own)
    if any(v.value is not ABSENT for v in values) or _ignores_global(ctx.resource, global_key):
        return values, None, ""
    section = ctx.template.globals.get(global_section)
    if isinstance(section, Mapping) and global_key in section:
        from_globals = ctx.resolver.lookup(section, global_key)
        return from_globals, tuple(own.split(".")), f", from Globals.{global_section}"
    return values, None, ""


def _ignores_global(resource: Resource, key: str) -> bool:
    """SAM's ``IgnoreGlobals`` resource attribute: ``"*"`` or a list of property names."""
    ignored = resource.node.get("IgnoreGlobals")
    return ignored == "*" or (isinstance(ignored, list) and key in ignored)


def lambda_without_active_tracing(ctx: CheckContext) -> Iterable[Verdict]:
    """``TracingConfig.Mode`` (SAM: ``Tracing``, or ``Globals.Function.Tracing``) is Active."""
    if _cdk_framework_function(ctx.resource):
        return [Verdict(Outcome.SKIP)]
    if ctx.resource.type == SAM_FUNCTION:
        values, path, source = _setting(ctx, "Properties.Tracing", "Function", "Tracing")
        return [_verdict_from_values(values, _not_equal("Active"), path, {"source": source})]
    values = ctx.lookup("Properties.TracingConfig.Mode")
    return [_verdict_from_values(values, _not_equal("Active"), None, {"source": ""})]


#: Resource type -> (label, property path, SAM Globals section, Globals key).
_TRACING_SETTINGS: Mapping[str, tuple[str, str, str, str]] = {
    "AWS::ApiGateway::Stage": ("API Gateway stage", "Properties.TracingEnabled", "", ""),
    "AWS::ApiGateway::Deployment": (
        "API Gateway deployment stage", "Properties.StageDescription.TracingEnabled", "", ""
    ),
    "AWS::Serverless::Api": ("SAM API", "Properties.TracingEnabled", "Api", "TracingEnabled"),
    "AWS::StepFunctions::StateMachine": (
        "State machine", "Properties.TracingConfiguration.Enabled", "", ""
    ),
    "AWS::Serverless::StateMachine": ("SAM state machine", "Properties.Tracing.Enabled", "", ""),
}


def stage_without_tracing(ctx: CheckContext) -> Iterable[Verdict]:
    """API Gateway REST stages and Step Functions state machines send X-Ray traces."""
    label, path, section, global_key = _TRACING_SETTINGS[ctx.resource.type]
    if ctx.resource.type == "AWS::ApiGateway::Deployment" and all(
        v.value is ABSENT for v in ctx.lookup("Properties.StageName")
    ):
        return [Verdict(Outcome.SKIP)]  # a deployment without StageName creates no stage
    if section:
        values, report_at, source = _setting(ctx, path, section, global_key)
    else:
        values, report_at, source = ctx.lookup(path), None, ""
    setting = path.removeprefix("Properties.")
    extra = {"kind": label, "setting": setting, "source": source}
    return [_verdict_from_values(values, _not_true, report_at, extra)]


_INSIGHTS_ON = frozenset({"enabled", "enhanced"})


def ecs_cluster_without_container_insights(ctx: CheckContext) -> Iterable[Verdict]:
    """``ClusterSettings`` has ``containerInsights`` set to ``enabled`` or ``enhanced``.

    Without the setting the account default decides; the ``account-default`` option says what
    that default is (``unknown`` unless configured).
    """
    settings = [
        item
        for item in ctx.lookup("Properties.ClusterSettings.*")
        if isinstance(item.value, Mapping)
        and not is_intrinsic(item.value)
        and item.value.get("Name") == "containerInsights"
    ]
    if settings:
        values = [
            value
            for item in settings
            for value in ctx.resolver.resolve(
                item.value.get("Value", ABSENT), (*item.path, "Value"), item.assumptions
            )
        ]
        return [_verdict_from_values(values, _insights_off)]
    default = str(ctx.options.get("account-default", "unknown"))
    if ctx.options.get("facts", {}).get("container-insights") is True:
        default = "enabled"  # declared in the configuration: the account setting turns it on
    path = ("Properties", "ClusterSettings")
    if default in _INSIGHTS_ON:
        return [Verdict(Outcome.PASS)]
    if default == "disabled":
        return [Verdict(Outcome.FAIL, path, {"value": ABSENT})]
    reason = "no containerInsights setting, so the account default decides"
    return [Verdict(Outcome.UNKNOWN, path, {"value": Unknown(reason)})]


def _insights_off(value: Any) -> Truth:
    if value is ABSENT:
        return True
    if is_opaque(value):
        return None
    return value not in _INSIGHTS_ON


def eks_cluster_without_control_plane_logs(ctx: CheckContext) -> Iterable[Verdict]:
    """``Logging.ClusterLogging.EnabledTypes`` includes every log type the options require."""
    required = [str(t) for t in ctx.options.get("required-log-types", ())]
    branches: list[Branch] = []
    for listed in ctx.lookup("Properties.Logging.ClusterLogging.EnabledTypes"):
        assumptions = tuple(sorted(listed.assumptions))
        if isinstance(listed.value, list):
            enabled, open_ended = _enabled_log_types(ctx, listed)
            missing = [t for t in required if t not in enabled]
            truth: Truth = (None if open_ended else True) if missing else False
            branches.append(Branch(truth, assumptions, listed.path, ", ".join(missing)))
        elif is_opaque(listed.value):
            branches.append(Branch(None, assumptions, listed.path, listed.value))
        else:
            branches.append(Branch(True, assumptions, listed.path, ", ".join(required)))
    verdict = verdict_from_branches(branches)
    witness = verdict.values.get("value")
    # An unknown list names nothing; the message then lists everything that is required.
    missing_text = witness if isinstance(witness, str) else ", ".join(required)
    values = {**verdict.values, "missing": missing_text}
    return [Verdict(verdict.outcome, verdict.path, values, verdict.assumptions)]


def _enabled_log_types(ctx: CheckContext, listed: Resolved) -> tuple[set[str], bool]:
    enabled: set[str] = set()
    open_ended = False
    for item in ctx.resolver.lookup(listed.value, "*.Type", listed.path):
        if isinstance(item.value, str):
            enabled.add(item.value)
        elif item.value is not ABSENT:
            open_ended = True
    return enabled, open_ended


CHECKS: dict[str, CheckFunction] = {
    "alarm_without_alarm_actions": alarm_without_alarm_actions,
    "alarm_topic_without_subscription": alarm_topic_without_subscription,
    "entry_point_without_alarm": entry_point_without_alarm,
    "pipeline_without_failure_notification": pipeline_without_failure_notification,
    "lambda_without_active_tracing": lambda_without_active_tracing,
    "stage_without_tracing": stage_without_tracing,
    "ecs_cluster_without_container_insights": ecs_cluster_without_container_insights,
    "eks_cluster_without_control_plane_logs": eks_cluster_without_control_plane_logs,
}
