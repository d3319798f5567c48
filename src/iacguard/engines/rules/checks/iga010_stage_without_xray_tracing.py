"""IGA010 stage-without-xray-tracing: API Gateway REST stages and Step Functions state machines
send X-Ray traces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.findings import Outcome
from iacguard.model.sam import setting_with_globals
from iacguard.model.truth import Truth, is_true, negate
from iacguard.model.values import ABSENT, path_under

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


def _not_enabled(value: Any) -> Truth:
    return True if value is ABSENT else negate(is_true(value))


@rule_check
def stage_without_xray_tracing(ctx: CheckContext) -> Iterable[Verdict]:
    label, path, section, global_key = _TRACING_SETTINGS[ctx.resource.type]
    if ctx.resource.type == "AWS::ApiGateway::Deployment" and all(
        v.value is ABSENT for v in ctx.lookup("Properties.StageName")
    ):
        return [Verdict(Outcome.SKIP)]  # a deployment without StageName creates no stage
    from_globals = False
    if section:
        values, from_globals = setting_with_globals(
            ctx.resolver, ctx.resource, path, section, global_key
        )
    else:
        values = ctx.lookup(path)
    verdict = verdict_from_values(values, _not_enabled).with_values(
        kind=label,
        setting=path.removeprefix("Properties."),
        source=f", from Globals.{section}" if from_globals else "",
    )
    background = ctx.resource.type in _STATE_MACHINES and not _serves_an_api(ctx)
    if verdict.outcome is Outcome.FAIL and background:
        return [verdict.as_note(_BACKGROUND_WORKFLOW)]
    return [verdict]


_STATE_MACHINES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
#: A trace pays off where a request crosses services on its way to a user (see IGA009).
_BACKGROUND_WORKFLOW = (
    "no API of this template starts it, so it runs in the background, where tracing is a choice"
)
#: Resources that put a state machine in a request path, and where they name it.
_API_INVOKERS: Mapping[str, tuple[str, ...]] = {
    "AWS::ApiGateway::Method": ("Properties", "Integration"),
    "AWS::ApiGatewayV2::Integration": ("Properties",),
    "AWS::ApiGateway::RestApi": ("Properties", "Body"),
    "AWS::Serverless::Api": ("Properties", "DefinitionBody"),
    "AWS::Serverless::HttpApi": ("Properties", "DefinitionBody"),
}


def _serves_an_api(ctx: CheckContext) -> bool:
    """An API of the template starts the state machine (an integration, or a SAM Api event)."""
    events = ctx.resource.properties.get("Events")
    if isinstance(events, Mapping) and any(
        isinstance(event, Mapping) and event.get("Type") in ("Api", "HttpApi")
        for event in events.values()
    ):
        return True
    for reference in ctx.template.refs.referrers(ctx.resource.logical_id):
        source = ctx.template.resources.get(reference.source)
        prefix = _API_INVOKERS.get(source.type) if source is not None else None
        if prefix is not None and path_under(reference.path, prefix):
            return True
    return False
