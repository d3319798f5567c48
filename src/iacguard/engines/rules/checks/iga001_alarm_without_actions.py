"""IGA001 alarm-without-actions: an alarm without ALARM-state actions, unless something else
consumes its state (a deployment gate, a composite alarm, a health check)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model.exports import NESTED_APPLICATION, NESTED_STACK
from iacguard.model.sam import GLOBALS_FUNCTION, globals_function_references
from iacguard.model.template import Template
from iacguard.model.values import path_under

SAM_FUNCTION = "AWS::Serverless::Function"
#: Properties through which other resources act on an alarm's state without notifications.
_ALARM_CONSUMERS: Mapping[str, tuple[str, ...]] = {
    "AWS::CodeDeploy::DeploymentGroup": ("Properties", "AlarmConfiguration"),
    "AWS::ECS::Service": ("Properties", "DeploymentConfiguration", "Alarms"),
    SAM_FUNCTION: ("Properties", "DeploymentPreference"),
    "AWS::AutoScaling::AutoScalingGroup": ("UpdatePolicy",),
    "AWS::CloudWatch::CompositeAlarm": ("Properties", "AlarmRule"),
    "AWS::Route53::HealthCheck": ("Properties", "HealthCheckConfig"),
    NESTED_STACK: ("Properties", "Parameters"),
    NESTED_APPLICATION: ("Properties", "Parameters"),
}


def _alarm_consumer(template: Template, alarm: str) -> str | None:
    for reference in template.index(globals_function_references).get(alarm, ()):
        if path_under(reference.path, _ALARM_CONSUMERS[SAM_FUNCTION]):
            return GLOBALS_FUNCTION  # every function's deployment gate
    for reference in template.refs.referrers(alarm):
        source = template.resources.get(reference.source)
        prefix = _ALARM_CONSUMERS.get(source.type) if source is not None else None
        if prefix is not None and path_under(reference.path, prefix):
            return reference.source
    return None


@rule_check
def alarm_without_actions(ctx: CheckContext) -> Iterable[Verdict]:
    """No ``AlarmActions``: fine only when a deployment gate, composite alarm or health check
    reads the alarm's state instead."""
    verdict = ctx.evaluate_failing({"path": "Properties.AlarmActions", "empty": True})
    if verdict.outcome is Outcome.FAIL and _alarm_consumer(ctx.template, ctx.resource.logical_id):
        return [Verdict(Outcome.PASS)]
    return [verdict]
