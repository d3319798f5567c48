"""IGA011 api-stage-without-logging: an API Gateway stage writes execution logs (REST and
WebSocket APIs) and access logs (every API), so that a 5xx alarm has something to look at.

Stages are declared as ``AWS::ApiGateway::Stage``, by a ``AWS::ApiGateway::Deployment`` with a
``StageName`` (its ``StageDescription``), as ``AWS::ApiGatewayV2::Stage``, or by SAM's
``AWS::Serverless::Api`` / ``HttpApi`` (``Globals.Api`` / ``Globals.HttpApi`` merged in)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.findings import Outcome
from iacguard.model.sam import merge_sam_globals
from iacguard.model.template import Resource
from iacguard.model.truth import Truth, all_of, any_of, one_of
from iacguard.model.values import ABSENT, Resolved

LOGGING_LEVELS = ("ERROR", "INFO")
V2_API = "AWS::ApiGatewayV2::Api"


@dataclass(frozen=True)
class _Shape:
    """Where one kind of stage keeps its logging settings (dotted paths; None: not there)."""

    label: str
    access: str  # the access log destination
    method_settings: str | None = None  # per-method settings (HttpMethod, ResourcePath)
    level: str | None = None  # a logging level for every method of the stage
    globals_section: str | None = None  # SAM Globals section merged in


_SHAPES: Mapping[str, _Shape] = {
    "AWS::ApiGateway::Stage": _Shape(
        "REST API stage", "Properties.AccessLogSetting.DestinationArn",
        method_settings="Properties.MethodSettings",
    ),
    "AWS::ApiGateway::Deployment": _Shape(
        "REST API stage", "Properties.StageDescription.AccessLogSetting.DestinationArn",
        method_settings="Properties.StageDescription.MethodSettings",
        level="Properties.StageDescription.LoggingLevel",
    ),
    "AWS::Serverless::Api": _Shape(
        "SAM API", "Properties.AccessLogSetting.DestinationArn",
        method_settings="Properties.MethodSettings", globals_section="Api",
    ),
    "AWS::Serverless::HttpApi": _Shape(
        "SAM HTTP API", "Properties.AccessLogSettings.DestinationArn", globals_section="HttpApi",
    ),
    "AWS::ApiGatewayV2::Stage": _Shape(
        "API stage", "Properties.AccessLogSettings.DestinationArn",
        level="Properties.DefaultRouteSettings.LoggingLevel",
    ),
}


@rule_check
def api_stage_without_logging(ctx: CheckContext) -> Iterable[Verdict]:
    shape = _SHAPES[ctx.resource.type]
    if ctx.resource.type == "AWS::ApiGateway::Deployment" and not _makes_its_own_stage(ctx):
        return [Verdict(Outcome.SKIP)]
    # A destination set only under a condition leaves the other branch without access logs.
    access_verdict = verdict_from_values(_values(ctx, shape, shape.access), _absent)
    access: Truth = {Outcome.FAIL: False, Outcome.UNKNOWN: None}.get(
        access_verdict.outcome, True
    )
    execution: Truth = True
    if (shape.level or shape.method_settings) and _logs_executions_here(ctx):
        execution = _execution_logging(ctx, shape)
    missing = []
    if execution is False:
        missing.append("execution logs (no LoggingLevel ERROR or INFO for every method)")
    if access is False:
        missing.append("access logs (no access log destination)")
    if not missing:
        passes = all_of((execution, access))
        return [Verdict(Outcome.PASS if passes else Outcome.UNKNOWN)]
    path = _report_path(ctx, shape, access is False)
    assumptions = access_verdict.assumptions if access is False else ()
    values = {"label": shape.label, "missing": " or ".join(missing)}
    return [Verdict(Outcome.FAIL, path, values, assumptions)]


def _makes_its_own_stage(ctx: CheckContext) -> bool:
    """A deployment makes a stage with its StageName; when an AWS::ApiGateway::Stage of the
    template deploys it too, that stage is the one in use (the deployment's is a leftover that
    older CloudFormation required) and is judged there."""
    if all(v.value is ABSENT for v in ctx.lookup("Properties.StageName")):
        return False
    return not any(
        (source := ctx.template.resources.get(reference.source)) is not None
        and source.type == "AWS::ApiGateway::Stage"
        and reference.path[:2] == ("Properties", "DeploymentId")
        for reference in ctx.template.refs.referrers(ctx.resource.logical_id)
    )


def _absent(value: Any) -> Truth:
    return value is ABSENT


def _values(ctx: CheckContext, shape: _Shape, dotted: str | None) -> list[Resolved]:
    if dotted is None:
        return []
    resource = ctx.resource
    if shape.globals_section is not None:
        resource = _with_globals(ctx, shape.globals_section)
    return ctx.resolver.lookup(resource.node, dotted)


def _with_globals(ctx: CheckContext, section: str) -> Resource:
    """The SAM API as SAM deploys it: ``Globals.<section>`` merged into its Properties."""
    defaults = ctx.template.globals.get(section)
    if not isinstance(defaults, Mapping):
        return ctx.resource
    node = dict(ctx.resource.node)
    node["Properties"] = merge_sam_globals(defaults, ctx.resource.properties)
    return Resource(ctx.resource.logical_id, ctx.resource.type, node, ctx.resource.cdk_path)


def _logs_executions_here(ctx: CheckContext) -> bool:
    """HTTP APIs have no execution logs; a V2 stage is judged for them only on a WebSocket API."""
    if ctx.resource.type != "AWS::ApiGatewayV2::Stage":
        return True
    api = ctx.template.referenced_resource(ctx.resource.properties.get("ApiId"))
    return api is not None and api.type == V2_API and (
        api.properties.get("ProtocolType") == "WEBSOCKET"
    )


def _execution_logging(ctx: CheckContext, shape: _Shape) -> Truth:
    levels = [one_of(v.value, LOGGING_LEVELS) for v in _values(ctx, shape, shape.level)]
    methods = [
        _every_method_logged(ctx, item.value)
        for item in _values(ctx, shape, f"{shape.method_settings}.*" if shape.method_settings
                            else None)
    ]
    return any_of([*levels, *methods])


def _every_method_logged(ctx: CheckContext, setting: Any) -> Truth:
    if not isinstance(setting, Mapping):
        return None if setting is not ABSENT else False
    level = [one_of(v.value, LOGGING_LEVELS) for v in ctx.resolver.lookup(setting, "LoggingLevel")]
    method = [one_of(v.value, ("*",)) for v in ctx.resolver.lookup(setting, "HttpMethod")]
    resource = [one_of(v.value, ("/*",)) for v in ctx.resolver.lookup(setting, "ResourcePath")]
    return all_of((any_of(level), any_of(method), any_of(resource)))


def _report_path(ctx: CheckContext, shape: _Shape, access_missing: bool) -> tuple[Any, ...]:
    """Point at the access log setting (or the execution settings) when the key is there,
    else at the resource's properties."""
    dotted = shape.access if access_missing else shape.level or shape.method_settings or ""
    keys = dotted.split(".")
    for length in range(len(keys), 0, -1):
        if all(v.value is not ABSENT for v in ctx.lookup(".".join(keys[:length]))):
            return tuple(keys[:length])
    return ()
