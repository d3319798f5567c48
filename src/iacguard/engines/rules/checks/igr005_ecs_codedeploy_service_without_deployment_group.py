"""IGR005 ecs-codedeploy-service-without-deployment-group: an ECS service on the CODE_DEPLOY
deployment controller is deployed by a CodeDeploy deployment group of the template."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.template import Template
from iacguard.model.values import ABSENT, is_dynamic_reference

DEPLOYMENT_GROUP = "AWS::CodeDeploy::DeploymentGroup"
_ECS_SERVICE_NAME_PATH = ("Properties", "ECSServices", "ServiceName")
_CONTROLLER_TYPE = ("Properties", "DeploymentController", "Type")


def _names_ecs_service(path: tuple[Any, ...]) -> bool:
    """Is a reference's path inside ``Properties.ECSServices[*].ServiceName``?"""
    named = [p for p in path if isinstance(p, str) and not p.startswith("Fn::")]
    return tuple(named[: len(_ECS_SERVICE_NAME_PATH)]) == _ECS_SERVICE_NAME_PATH


def _names_template_resource(template: Template, source: str, path: tuple[Any, ...]) -> bool:
    """Does the value at ``path`` of ``source`` refer to a resource of the template?"""
    return any(
        reference.path[: len(path)] == path and reference.target in template.resources
        for reference in template.refs.references_from(source)
    )


@rule_check
def ecs_codedeploy_service_without_deployment_group(ctx: CheckContext) -> Iterable[Verdict]:
    service_id = ctx.resource.logical_id
    for reference in ctx.template.refs.referrers(service_id):
        source = ctx.template.resources.get(reference.source)
        if (
            source is not None
            and source.type == DEPLOYMENT_GROUP
            and reference.kind != "DependsOn"
            and _names_ecs_service(reference.path)
        ):
            return [Verdict(Outcome.PASS)]
    groups = ctx.template.resources_of_type(DEPLOYMENT_GROUP)
    if not groups:
        reason = "no CodeDeploy deployment group in this template; it may be elsewhere"
        return [unknown(_CONTROLLER_TYPE, reason)]
    service_name = ctx.resource.properties.get("ServiceName")
    undecided = False
    for group in groups:
        for resolved in ctx.lookup("Properties.ECSServices.*.ServiceName", node=group.node):
            name = resolved.value
            if isinstance(name, str) and not is_dynamic_reference(name):
                if name == service_name:
                    return [Verdict(Outcome.PASS)]
            elif name is not ABSENT and not _names_template_resource(
                ctx.template, group.logical_id, resolved.path
            ):
                undecided = True  # a parameter, an import or a computed name might be ours
    if undecided:
        reason = "a deployment group names its ECS service with a value known at deploy"
        return [unknown(_CONTROLLER_TYPE, reason)]
    return [Verdict(Outcome.FAIL, _CONTROLLER_TYPE, {"value": "CODE_DEPLOY"})]
