"""IGA010 stage-without-xray-tracing: API Gateway REST stages and Step Functions state machines
send X-Ray traces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.findings import Outcome
from iacguard.model.sam import setting_with_globals
from iacguard.model.truth import Truth, is_true, negate
from iacguard.model.values import ABSENT

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
    verdict = verdict_from_values(values, _not_enabled)
    return [
        verdict.with_values(
            kind=label,
            setting=path.removeprefix("Properties."),
            source=f", from Globals.{section}" if from_globals else "",
        )
    ]
