"""IGR013 deployment-rollback-not-verifiable: deployments the other rollback rules cannot see
are judged as far as the template allows, and otherwise reported as a note, never passed over:
CodeDeploy deployment groups made by custom resources, and ECS services deployed blue/green by
the ``AWS::CodeDeployBlueGreen`` transform's ``AWS::CodeDeploy::BlueGreen`` hook."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.engines.rules.checks.igr001_codedeploy_group_without_auto_rollback import (
    AUTO_ROLLBACK_REQUIREMENTS,
)
from iacguard.engines.rules.checks.igr002_codedeploy_group_without_alarm_rollback import (
    ALARM_ROLLBACK_REQUIREMENTS,
    alarms_never_fire,
)
from iacguard.engines.rules.requirements import Requirement, check_requirements
from iacguard.findings import Outcome
from iacguard.model.describe import describe

ECS_SERVICE = "AWS::ECS::Service"
BLUE_GREEN_HOOK = "AWS::CodeDeploy::BlueGreen"
#: A custom resource type that says it makes CodeDeploy deployment groups.
_CODEDEPLOY_TYPE = re.compile(r"codedeploy|deploymentgroup", re.IGNORECASE)
#: Properties only a CodeDeploy deployment group has.
_CODEDEPLOY_KEYS = frozenset({
    "DeploymentGroupName", "DeploymentConfigName", "AutoRollbackConfiguration",
    "BlueGreenDeploymentConfiguration", "DeploymentStyle",
})
_ALL_AT_ONCE = frozenset({
    "CodeDeployDefault.AllAtOnce", "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.LambdaAllAtOnce",
})
_HOOK_ROLLBACK = (
    "the hook takes no alarms, and CloudFormation rolls a green deployment back only when the "
    "stack update fails, a lifecycle hook reports a failure, or a rollback trigger of the stack "
    "(set when the stack is deployed, not in the template) fires"
)


@rule_check
def deployment_rollback_not_verifiable(ctx: CheckContext) -> Iterable[Verdict]:
    if ctx.resource.type == ECS_SERVICE:
        return list(_blue_green_service(ctx)) or [Verdict(Outcome.SKIP)]
    if not _creates_deployment_group(ctx):
        return [Verdict(Outcome.SKIP)]
    return [_custom_deployment_group(ctx)]


# --- deployment groups made by custom resources --------------------------------------------


def _creates_deployment_group(ctx: CheckContext) -> bool:
    keys = set(ctx.resource.properties)
    return bool(_CODEDEPLOY_TYPE.search(ctx.resource.type)) or bool(keys & _CODEDEPLOY_KEYS)


def _custom_deployment_group(ctx: CheckContext) -> Verdict:
    subject = f"Custom resource {ctx.resource.logical_id} ({ctx.resource.type})"
    properties = ctx.resource.properties
    if "AutoRollbackConfiguration" not in properties and "AlarmConfiguration" not in properties:
        problem = (
            "creates a CodeDeploy deployment group, but its rollback cannot be verified from the "
            "template: its properties set neither AutoRollbackConfiguration nor "
            "AlarmConfiguration, and what its provider does is not in the template"
        )
        verdict = Verdict(Outcome.FAIL, (), {"subject": subject, "problem": problem})
        return verdict.as_note()
    for failed in _custom_failures(ctx):
        problem = f"creates a CodeDeploy deployment group that {failed[0]}"
        return Verdict(
            Outcome.FAIL, failed[1], {"subject": subject, "problem": problem}, failed[2]
        )
    return Verdict(Outcome.PASS)


def _custom_failures(ctx: CheckContext) -> Iterator[tuple[str, tuple[Any, ...], Any]]:
    """(problem, path, assumptions) of each thing the properties show to be missing."""
    requirements: list[Sequence[Requirement]] = [AUTO_ROLLBACK_REQUIREMENTS]
    if "AlarmConfiguration" in ctx.resource.properties:
        requirements.append(ALARM_ROLLBACK_REQUIREMENTS)
    for group in requirements:
        verdict = check_requirements(ctx.scope, group)
        if verdict.outcome is Outcome.FAIL:
            problem = f"does not roll back: {verdict.values['problem']}"
            yield problem, verdict.path, verdict.assumptions
    dead = alarms_never_fire(ctx)
    if dead is not None:
        yield f"does not roll back: {dead.values['problem']}", dead.path, dead.assumptions
    config = ctx.resource.properties.get("DeploymentConfigName")
    if isinstance(config, str) and config in _ALL_AT_ONCE:
        problem = (
            f"deploys to every target at once (DeploymentConfigName is {describe(config)}), so "
            "a bad release reaches everything before a rollback can start"
        )
        yield problem, ("Properties", "DeploymentConfigName"), ()


# --- ECS blue/green through the AWS::CodeDeployBlueGreen transform --------------------------


def _blue_green_service(ctx: CheckContext) -> Iterator[Verdict]:
    for hook_id, hook in _hooks_deploying(ctx, ctx.resource.logical_id):
        subject = (
            f"ECS service {ctx.resource.logical_id} is deployed blue/green by hook {hook_id} "
            f"({BLUE_GREEN_HOOK}),"
        )
        routing = _traffic_routing(hook)
        if routing == "AllAtOnce":
            problem = (
                "which shifts all production traffic to the new tasks at once "
                "(TrafficRoutingConfig.Type is 'AllAtOnce'), so every user meets a bad release "
                "before anything can roll it back"
            )
            yield Verdict(Outcome.FAIL, (), {"subject": subject, "problem": problem})
            continue
        problem = (
            f"and its rollback cannot be verified from the template: {_HOOK_ROLLBACK}; "
            f"{_lifecycle_hooks(hook)}"
        )
        yield Verdict(Outcome.FAIL, (), {"subject": subject, "problem": problem}).as_note()


def _hooks_deploying(ctx: CheckContext, service: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    hooks = ctx.template.root.get("Hooks")
    if not isinstance(hooks, Mapping):
        return
    for hook_id, hook in hooks.items():
        if not isinstance(hook, Mapping) or hook.get("Type") != BLUE_GREEN_HOOK:
            continue
        properties = hook.get("Properties")
        if not isinstance(properties, Mapping):
            continue
        applications = properties.get("Applications")
        for application in applications if isinstance(applications, list) else ():
            target = application.get("Target") if isinstance(application, Mapping) else None
            if isinstance(target, Mapping) and target.get("LogicalID") == service:
                yield str(hook_id), properties


def _traffic_routing(hook: Mapping[str, Any]) -> Any:
    """TrafficRoutingConfig.Type; by default, a time-based canary."""
    config = hook.get("TrafficRoutingConfig")
    return config.get("Type", "TimeBasedCanary") if isinstance(config, Mapping) else (
        "TimeBasedCanary"
    )


def _lifecycle_hooks(hook: Mapping[str, Any]) -> str:
    hooks = hook.get("LifecycleEventHooks")
    named = sorted(str(k) for k in hooks) if isinstance(hooks, Mapping) else []
    if not named:
        return "no lifecycle hook checks the new tasks before traffic moves to them"
    return f"lifecycle hooks {', '.join(named)} can fail the deployment"
