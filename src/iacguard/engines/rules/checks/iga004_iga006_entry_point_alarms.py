"""IGA004 entry-point-without-5xx-alarm, IGA005 entry-point-without-latency-alarm and IGA006
lambda-without-errors-alarm: an entry point (load balancer, API, function) has an alarm on the
metrics its rule's options list for its kind (``<kind>-metrics``). One logic, three rules.

The alarms are found through the template's reference index and two per-template indexes (what
every alarm watches, and the dimension values of each entry kind), so a template with many
alarms and many entry points is still read in linear time.

What counts as "unknown": an alarm whose other end is only known at deploy time (a parameter, an
import, an expression that names no resource of this template, a nested stack or an export
another stack may consume). Unknown is never reported as a failure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.engines.rules.roles import (
    ALARMED_ELSEWHERE,
    function_role,
    is_helper,
    judged_by_role,
    subject,
)
from iacguard.findings import Outcome
from iacguard.model.alarm_health import AlarmDefect, dead_alarm
from iacguard.model.describe import describe
from iacguard.model.exports import (
    external_hints,
    outputs_naming,
    reads_output,
    reference_form,
)
from iacguard.model.intrinsics import expression_key
from iacguard.model.metrics import ALARM, Dimension, MetricWatch, alarm_watches
from iacguard.model.template import Resource, Template
from iacguard.model.truth import Truth
from iacguard.model.values import (
    ABSENT,
    Assumption,
    consistent,
    existence,
    if_assumptions,
    merge_assumptions,
    node_at,
    path_under,
)

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"


def _expression(value: Any) -> str:
    """An expression as a dimension key: equal expressions match, literals never do."""
    return "~" + (expression_key(value) or "")


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
        return _expression(name)
    body = resource.properties.get("Body")
    title = body.get("info", {}).get("title") if isinstance(body, Mapping) else None
    return title if isinstance(title, str) else None


def _no_identity(resource: Resource) -> str | None:
    return None


def _function_identity(resource: Resource) -> str | None:
    name = resource.properties.get("FunctionName", ABSENT)
    if isinstance(name, str):
        return name
    return None if name is ABSENT else _expression(name)


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


def _dimension_index(template: Template, kind_name: str) -> _DimensionIndex:
    """An index: ``template.index(_dimension_index, kind.name)``."""
    kind = ENTRY_KINDS[kind_name]
    identities = {
        identity
        for resource in template.resources_of_type(*kind.types)
        if (identity := kind.identity(resource)) is not None
    }
    by_key: dict[str, list[tuple[MetricWatch, Dimension]]] = defaultdict(list)
    open_values: list[tuple[MetricWatch, Dimension]] = []
    foreign: list[tuple[MetricWatch, Dimension]] = []
    aggregates: list[MetricWatch] = []
    for watch in template.index(alarm_watches).watches:
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
            value_key = kind.literal_key(value) if isinstance(value, str) else _expression(value)
            if value_key in identities:
                by_key[value_key].append((watch, dimension))
            elif isinstance(value, str):
                foreign.append((watch, dimension))
            elif value is not ABSENT:
                open_values.append((watch, dimension))
    return _DimensionIndex(
        by_key={k: tuple(v) for k, v in by_key.items()},
        open_values=tuple(open_values),
        foreign_literals=tuple(foreign),
        aggregates=tuple(aggregates),
    )


def _names_entry_by_reference(
    template: Template, alarm: str, dimension: Dimension, kind: EntryKind
) -> bool:
    for reference in template.refs.references_from(alarm):
        target = template.resources.get(reference.target)
        if target is None or target.type not in kind.types:
            continue
        if path_under(reference.path, dimension.path):
            return True
    return False


@dataclass
class _Coverage:
    """What the template says about the alarms of one entry point."""

    template: Template
    #: for each alarm found: the conditions under which it exists
    covers: list[tuple[Assumption, ...]] = field(default_factory=list)
    #: why an alarm might watch it, but the template cannot tell
    doubts: list[str] = field(default_factory=list)
    #: alarms that reference it with a value CloudWatch will never match: (alarm, written form)
    misdirected: list[tuple[str, str]] = field(default_factory=list)
    #: alarms that watch the right metric but can never fire (model/alarm_health.py)
    dead: list[AlarmDefect] = field(default_factory=list)

    def add(
        self,
        truth: Truth,
        watch: MetricWatch,
        extra: tuple[Assumption, ...] = (),
        owner: Template | None = None,
    ) -> None:
        """Count an alarm that watches the entry point (``owner``: the template that holds it,
        when another stack's)."""
        if truth is True:
            defect = dead_alarm(owner or self.template, watch.alarm)
            if defect is not None:
                self.dead.append(defect)
                return
            merged = merge_assumptions(watch.assumptions, extra)
            if merged is not None:
                self.covers.append(merged)
        elif truth is None:
            self.doubts.append(f"alarm {watch.alarm} watches a metric known only at deploy time")


def _coverage(ctx: CheckContext, kind: EntryKind, metrics: frozenset[str]) -> _Coverage:
    entry = ctx.resource
    coverage = _Coverage(ctx.template)
    _cover_by_reference(ctx, kind, metrics, coverage)
    dimension_index = ctx.template.index(_dimension_index, kind.name)
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
                f"alarm {watch.alarm} watches {dimension.name} {describe(dimension.value)}, which"
                " may be this resource under the name CloudFormation gives it"
            )
    _cover_across_stacks(ctx, kind, metrics, coverage)
    coverage.doubts.extend(external_hints(ctx.template, entry.logical_id, kind.direct_forms))
    return coverage


def _cover_across_stacks(
    ctx: CheckContext, kind: EntryKind, metrics: frozenset[str], coverage: _Coverage
) -> None:
    """Within one assembly, an alarm in another stack that reads this resource through an
    export or ``Fn::GetStackOutput`` counts, as it would once deployed."""
    if len(ctx.workspace) < 2:
        return
    outputs, exports = outputs_naming(ctx.template, ctx.resource.logical_id, kind.direct_forms)
    if not outputs:
        return
    for other in ctx.workspace:
        if other is ctx.template:
            continue
        for watch in other.index(alarm_watches).watches:
            for dimension in watch.dimensions:
                if dimension.name == kind.dimension and reads_output(
                    dimension.value, ctx.template.cfn_stack_name, outputs, exports
                ):
                    # Conditions of another template are not this template's conditions.
                    unconditional = replace(watch, assumptions=())
                    coverage.add(watch.watches(kind.namespace, metrics), unconditional, (), other)


def _cover_by_reference(
    ctx: CheckContext, kind: EntryKind, metrics: frozenset[str], coverage: _Coverage
) -> None:
    template = ctx.template
    index = template.index(alarm_watches)
    for reference in template.refs.referrers(ctx.resource.logical_id):
        source = template.resources.get(reference.source)
        if source is None or source.type != ALARM:
            continue
        located = index.locate(reference)
        if located is None or located[1].name != kind.dimension:
            continue
        watch, dimension = located
        truth = watch.watches(kind.namespace, metrics)
        if truth is False:
            continue
        rest = reference.path[len(dimension.path):]
        value_node = node_at(source.node, reference.path)
        form = None if _inside_expression(rest) else reference_form(reference, value_node)
        if form is not None and form not in kind.direct_forms:
            coverage.misdirected.append((watch.alarm, _describe_form(form, reference.target)))
            continue
        branch = if_assumptions(node_at(source.node, dimension.path), rest)
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
    return describe({"Ref": target} if kind == "Ref" else {"Fn::GetAtt": [target, attribute]})


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
    if resource.type in (LAMBDA_FUNCTION, SAM_FUNCTION) and not is_helper(function_role(ctx)):
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


@rule_check
def entry_point_without_5xx_alarm(ctx: CheckContext) -> Iterable[Verdict]:
    return _entry_point_without_alarm(ctx, "5xx error alarm")


@rule_check
def entry_point_without_latency_alarm(ctx: CheckContext) -> Iterable[Verdict]:
    return _entry_point_without_alarm(ctx, "latency alarm")


@rule_check
def lambda_without_errors_alarm(ctx: CheckContext) -> Iterable[Verdict]:
    return _entry_point_without_alarm(ctx, "error alarm")


def _entry_point_without_alarm(ctx: CheckContext, noun: str) -> Iterable[Verdict]:
    """An entry point (load balancer, API, function) has an alarm on the metrics the rule's
    options list for its kind (``<kind>-metrics``); ``noun`` names such an alarm."""
    kind, kind_doubt = _entry_kind(ctx)
    if kind is None:
        return [Verdict(Outcome.SKIP)]
    role = function_role(ctx)
    verdicts = _alarm_verdicts(ctx, kind, kind_doubt, noun)
    return [
        judged_by_role(ctx, verdict, role, covered_elsewhere=ALARMED_ELSEWHERE)
        for verdict in verdicts
    ]


def _alarm_verdicts(
    ctx: CheckContext, kind: EntryKind, kind_doubt: str | None, noun: str
) -> list[Verdict]:
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
    gap = _uncovered(coverage.covers, existence(ctx.resource))
    if gap is None:
        return [Verdict(Outcome.PASS)]
    entry = (
        subject(ctx, function_role(ctx)) if kind.name == "lambda"
        else f"{kind.label} {ctx.resource.logical_id}"
    )
    if coverage.dead and not coverage.covers and not coverage.misdirected:
        return [Verdict(Outcome.FAIL, (), values, gap, _dead_message(coverage.dead, noun, entry))]
    if coverage.misdirected and not coverage.covers:
        alarm, written = coverage.misdirected[0]
        message = (
            f"{entry} is watched by alarm {alarm} with "
            f"{kind.dimension} set to {written}, a value CloudWatch never publishes metrics "
            f"under (use {expected}), so that alarm can never fire"
        )
        return [Verdict(Outcome.FAIL, (), values, message=message)]
    if coverage.doubts:
        return [unknown((), coverage.doubts[0], values=values)]
    return [Verdict(Outcome.FAIL, (), values, gap)]



def _dead_message(dead: Sequence[AlarmDefect], noun: str, entry: str) -> str:
    """Every alarm on the entry point's metric can never fire: say which, and why."""
    alarms = list(dict.fromkeys(defect.alarm for defect in dead))
    first = dead[0]
    if len(alarms) == 1:
        return f"the only {noun} on {entry}, alarm {first.alarm}, can never fire: {first.reason}"
    return (
        f"none of the {len(alarms)} {noun}s on {entry} can fire ({', '.join(alarms)}); "
        f"alarm {first.alarm}: {first.reason}"
    )
