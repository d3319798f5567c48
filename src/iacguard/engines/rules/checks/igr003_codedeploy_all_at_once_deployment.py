"""IGR003 codedeploy-all-at-once-deployment: a CodeDeploy deployment group does not shift all
traffic (or all instances) at once, by a predefined configuration or one of the template's.

The answer is built by hand, one judgement per combination of ``Fn::If`` branches of the
deployment configuration name, its configuration and the deployment style.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model.template import Resource, Template
from iacguard.model.truth import Branch, decide
from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolved,
    Unknown,
    is_dynamic_reference,
    is_opaque,
    merge_assumptions,
)

DEPLOYMENT_CONFIG = "AWS::CodeDeploy::DeploymentConfig"
CODEDEPLOY_APPLICATION = "AWS::CodeDeploy::Application"
_ALL_AT_ONCE_EVERYWHERE = frozenset(
    {"CodeDeployDefault.LambdaAllAtOnce", "CodeDeployDefault.ECSAllAtOnce"}
)
_SERVER_ALL_AT_ONCE = "CodeDeployDefault.AllAtOnce"
_SERVER_TARGET_KEYS = (
    "Ec2TagFilters",
    "Ec2TagSet",
    "AutoScalingGroups",
    "OnPremisesInstanceTagFilters",
    "OnPremisesTagSet",
)


@dataclass(frozen=True)
class _Judgement:
    truth: bool | None
    assumptions: tuple[Assumption, ...]
    problem: str = ""
    unknown: Unknown | None = None


@rule_check
def codedeploy_all_at_once_deployment(ctx: CheckContext) -> Iterable[Verdict]:
    branches: list[Branch] = []
    problems: dict[tuple[Any, ...], str] = {}
    for resolved in ctx.lookup("Properties.DeploymentConfigName"):
        for judgement in _judge_config_name(ctx, resolved):
            value: Any = judgement.unknown if judgement.unknown is not None else resolved.value
            branches.append(
                Branch(judgement.truth, judgement.assumptions, resolved.path, value)
            )
            if judgement.truth:
                problems.setdefault(resolved.path, judgement.problem)
    unknown = "whether it does depends on a deployment configuration known only at deploy time"
    return [verdict_from_judgements(branches, problems, unknown)]


def _judge_config_name(ctx: CheckContext, resolved: Resolved) -> list[_Judgement]:
    name, assumptions = resolved.value, resolved.assumptions
    if name is ABSENT:
        return [_judge_platform_default(ctx, assumptions)]
    if isinstance(name, Unknown):
        return [_Judgement(None, assumptions, unknown=name)]
    if isinstance(name, str) and not is_dynamic_reference(name):
        if name in _ALL_AT_ONCE_EVERYWHERE:
            return [_Judgement(True, assumptions, f"DeploymentConfigName is {name}")]
        if name == _SERVER_ALL_AT_ONCE:
            problem = f"DeploymentConfigName is {name} on an in-place deployment"
            return _unless_blue_green(ctx, assumptions, problem)
        config = _config_named(ctx.template, name)
        return [_Judgement(False, assumptions)] if config is None else _judge_config(
            ctx, config, assumptions
        )
    config = ctx.template.referenced_resource(name)
    if config is not None and config.type == DEPLOYMENT_CONFIG:
        return _judge_config(ctx, config, assumptions)
    return [
        _Judgement(None, assumptions, unknown=Unknown("deployment configuration known at deploy"))
    ]


def _judge_platform_default(
    ctx: CheckContext, assumptions: tuple[Assumption, ...]
) -> _Judgement:
    """Without DeploymentConfigName, server groups deploy one instance at a time (documented);
    for ECS and Lambda groups the default is not documented, so we do not guess."""
    if _compute_platform(ctx) == "Server":
        return _Judgement(False, assumptions)
    return _Judgement(
        None,
        assumptions,
        unknown=Unknown("no DeploymentConfigName: the platform's default configuration applies"),
    )


def _compute_platform(ctx: CheckContext) -> str:
    properties = ctx.resource.properties
    if "ECSServices" in properties:
        return "ECS"
    application = ctx.template.referenced_resource(properties.get("ApplicationName"))
    if application is not None and application.type == CODEDEPLOY_APPLICATION:
        platform = application.properties.get("ComputePlatform", "Server")
        return platform if isinstance(platform, str) else ""
    if any(key in properties for key in _SERVER_TARGET_KEYS):
        return "Server"
    return ""


def _unless_blue_green(
    ctx: CheckContext, assumptions: tuple[Assumption, ...], problem: str
) -> list[_Judgement]:
    """Blue/green server deployments keep the original fleet, so all-at-once is acceptable."""
    judgements = []
    styles = ctx.lookup("Properties.DeploymentStyle.DeploymentType")
    for style, combined in _also_assuming(styles, assumptions):
        if is_opaque(style):
            judgements.append(_Judgement(None, combined, unknown=Unknown("deployment type")))
        else:
            judgements.append(_Judgement(style != "BLUE_GREEN", combined, problem))
    return judgements


def _also_assuming(
    values: Iterable[Resolved], assumptions: tuple[Assumption, ...]
) -> Iterator[tuple[Any, tuple[Assumption, ...]]]:
    """Each value with the assumptions it needs on top of ``assumptions`` (contradictions
    dropped): the branches of a second property, within one branch of the first."""
    for resolved in values:
        combined = merge_assumptions(assumptions, resolved.assumptions)
        if combined is not None:
            yield resolved.value, combined


def _config_named(template: Template, name: str) -> Resource | None:
    for config in template.resources_of_type(DEPLOYMENT_CONFIG):
        if config.properties.get("DeploymentConfigName") == name:
            return config
    return None


def _judge_config(
    ctx: CheckContext, config: Resource, assumptions: tuple[Assumption, ...]
) -> list[_Judgement]:
    judgements: list[_Judgement] = []
    routings = ctx.resolver.lookup(config.node, "Properties.TrafficRoutingConfig.Type")
    for routing, combined in _also_assuming(routings, assumptions):
        if is_opaque(routing):
            judgements.append(_Judgement(None, combined, unknown=Unknown("traffic routing type")))
        elif routing == "AllAtOnce":
            problem = (
                f"it uses deployment configuration {config.logical_id}, whose "
                "TrafficRoutingConfig.Type is AllAtOnce"
            )
            judgements.append(_Judgement(True, combined, problem))
        elif routing is ABSENT:
            judgements.extend(_judge_minimum_healthy_hosts(ctx, config, combined))
        else:
            judgements.append(_Judgement(False, combined))
    return judgements


def _judge_minimum_healthy_hosts(
    ctx: CheckContext, config: Resource, assumptions: tuple[Assumption, ...]
) -> list[_Judgement]:
    """A server configuration that needs zero healthy hosts takes the whole fleet at once."""
    judgements: list[_Judgement] = []
    minimums = ctx.resolver.lookup(config.node, "Properties.MinimumHealthyHosts.Value")
    for minimum, combined in _also_assuming(minimums, assumptions):
        if minimum is ABSENT:
            judgements.append(_Judgement(False, combined))
        elif is_opaque(minimum):
            judgements.append(_Judgement(None, combined, unknown=Unknown("minimum healthy hosts")))
        elif str(minimum).strip() == "0":
            problem = (
                f"it uses deployment configuration {config.logical_id}, whose "
                "MinimumHealthyHosts value 0 lets every instance update at once"
            )
            judgements.extend(_unless_blue_green(ctx, combined, problem))
        else:
            judgements.append(_Judgement(False, combined))
    return judgements


def verdict_from_judgements(
    branches: Sequence[Branch], problems: Mapping[tuple[Any, ...], str], unknown_problem: str
) -> Verdict:
    """Fold hand-made branches like a declarative condition; ``problems`` maps a failing
    branch's path to its explanation."""
    truth, witness = decide(branches)
    if witness is None or truth is False:
        return Verdict(Outcome.PASS)
    outcome = Outcome.FAIL if truth else Outcome.UNKNOWN
    problem = problems.get(witness.path, "") if truth else unknown_problem
    return Verdict(
        outcome, witness.path, {"value": witness.value, "problem": problem}, witness.assumptions
    )
