"""Python checks for the rollback theme (logic the YAML rule format cannot say).

Most checks here are a list of :class:`Requirement` s: declarative failing conditions, each with
the sentence that explains it. The first one that fails decides the message, so a user reads
"AutoRollbackConfiguration.Enabled is false" instead of a generic rule text. What YAML cannot
express lives in small helpers: resolving alarm names, following a deployment group to its
deployment configuration, finding the deployment group of an ECS service, and merging SAM
``Globals`` into a serverless function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, CheckFunction, Verdict
from iacguard.engines.rules.conditions import Branch, EvaluationScope, decide, evaluate
from iacguard.findings import Outcome
from iacguard.model.template import Resource, Template
from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolved,
    Unknown,
    is_dynamic_reference,
    is_intrinsic,
    is_opaque,
    merge_assumptions,
    node_at,
)

ALARM_TYPES = frozenset({"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"})
DEPLOYMENT_GROUP = "AWS::CodeDeploy::DeploymentGroup"
DEPLOYMENT_CONFIG = "AWS::CodeDeploy::DeploymentConfig"
CODEDEPLOY_APPLICATION = "AWS::CodeDeploy::Application"
#: CodeDeploy refuses more alarms than this on one deployment group.
MAX_DEPLOYMENT_GROUP_ALARMS = 10


# --- requirements: failing conditions with their own explanation ---------------------------


@dataclass(frozen=True)
class Requirement:
    """One way a resource fails a rule. ``problem`` may use ``{value}`` (the deciding value);
    ``point_at`` names the key to report instead of the deciding value; when the deciding value
    sits inside an ``Fn::If``, the failing branch is reported instead (the more precise place)."""

    failing: Mapping[str, Any]
    problem: str
    point_at: tuple[str, ...] = ()


def describe(value: Any) -> str:
    """A value as a message shows it."""
    if value is ABSENT:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unknown):
        return f"unknown ({value.reason})"
    if isinstance(value, str):
        return value
    if is_intrinsic(value):
        ((function, argument),) = value.items()
        return f"{function} {argument}" if isinstance(argument, str) else function
    return str(value)


def check_requirements(scope: EvaluationScope, requirements: Sequence[Requirement]) -> Verdict:
    """FAIL on the first requirement that fails, else UNKNOWN on the first undecidable one.

    Requirements are alternatives ("fails if A or B"), so evaluating them one at a time gives the
    same answer per ``Fn::If`` branch as evaluating their disjunction.
    """
    undecided: Verdict | None = None
    for requirement in requirements:
        truth, witness = decide(evaluate(requirement.failing, scope))
        if witness is None or truth is False:
            continue
        verdict = Verdict(
            Outcome.FAIL if truth else Outcome.UNKNOWN,
            _report_path(witness.path, requirement.point_at),
            {
                "value": witness.value,
                "problem": requirement.problem.format(value=describe(witness.value)),
            },
            witness.assumptions,
        )
        if truth:
            return verdict
        undecided = undecided or verdict
    return undecided or Verdict(Outcome.PASS)


def _report_path(deciding: tuple[Any, ...], point_at: tuple[str, ...]) -> tuple[Any, ...]:
    if not point_at:
        return deciding
    if "Fn::If" not in deciding:
        return point_at
    # Follow the deciding path (with its branch hops) down to the key named by point_at, plus
    # the branch chosen right below it: that is the failing branch, not an item inside it.
    result: list[Any] = []
    named = 0
    position = 0
    while position < len(deciding) and named < len(point_at):
        segment = deciding[position]
        if segment == "Fn::If":
            result.extend(deciding[position : position + 2])
            position += 2
            continue
        result.append(segment)
        named += isinstance(segment, str)
        position += 1
    while deciding[position : position + 1] == ("Fn::If",):
        result.extend(deciding[position : position + 2])
        position += 2
    return tuple(result)


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


# --- alarms named by deployment gates ------------------------------------------------------


def template_alarm_names(template: Template) -> frozenset[str]:
    """Literal ``AlarmName`` values of the template's alarms (a small index, built on demand)."""
    names: set[str] = set()
    for alarm in template.resources_of_type(*ALARM_TYPES):
        name = alarm.properties.get("AlarmName")
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


def referenced_resource(template: Template, value: Any) -> Resource | None:
    """The template resource a ``Ref`` / ``Fn::GetAtt`` names, if any."""
    if not is_intrinsic(value):
        return None
    ((function, argument),) = value.items()
    target: Any = None
    if function == "Ref":
        target = argument
    elif function == "Fn::GetAtt":
        if isinstance(argument, list) and argument:
            target = argument[0]
        elif isinstance(argument, str):
            target = argument.split(".", 1)[0]
    return template.resources.get(target) if isinstance(target, str) else None


def classify_alarm_name(template: Template, value: Any) -> str:
    """Where an alarm named by a deployment gate comes from.

    ``"template"``: a ``Ref``/``Fn::GetAtt`` to an alarm of this template, or a literal equal to
    one of its ``AlarmName`` s. ``"not-an-alarm"``: a reference to a template resource that is
    plainly something else (an SNS topic, a bucket...). ``"external"``: anything else - a literal
    naming no alarm here, a parameter, an import, a value built at deploy time, a custom resource.
    Alarms often live in a shared monitoring stack, so external names are accepted.
    """
    target = referenced_resource(template, value)
    if target is not None:
        if target.type in ALARM_TYPES:
            return "template"
        if target.type.startswith("AWS::") and not target.type.startswith("AWS::CloudFormation::"):
            return "not-an-alarm"
        return "external"  # custom resources and nested stacks may well return an alarm name
    if isinstance(value, str) and value in template_alarm_names(template):
        return "template"
    return "external"


# --- IGR001 / IGR002: CodeDeploy deployment group rollback ---------------------------------

_AUTO_ROLLBACK = "Properties.AutoRollbackConfiguration"
_ALARM_CONFIGURATION = "Properties.AlarmConfiguration"
_ROLLBACK_EVENTS_KEY = ("Properties", "AutoRollbackConfiguration", "Events")


def _missing_event(event: str) -> Mapping[str, Any]:
    return {"not": {"path": f"{_AUTO_ROLLBACK}.Events.*", "equals": event}}


def codedeploy_auto_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    requirements = (
        Requirement(
            {"path": _AUTO_ROLLBACK, "absent": True}, "AutoRollbackConfiguration is not set"
        ),
        Requirement(
            {"path": f"{_AUTO_ROLLBACK}.Enabled", "not-equals": True},
            "AutoRollbackConfiguration.Enabled is {value}",
        ),
        Requirement(
            _missing_event("DEPLOYMENT_FAILURE"),
            "AutoRollbackConfiguration.Events does not include DEPLOYMENT_FAILURE",
            _ROLLBACK_EVENTS_KEY,
        ),
    )
    return [check_requirements(ctx.scope, requirements)]


def codedeploy_alarm_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    requirements = (
        Requirement(
            {"path": _ALARM_CONFIGURATION, "absent": True}, "AlarmConfiguration is not set"
        ),
        Requirement(
            {"path": f"{_ALARM_CONFIGURATION}.Enabled", "not-equals": True},
            "AlarmConfiguration.Enabled is {value}",
        ),
        Requirement(
            {"path": f"{_ALARM_CONFIGURATION}.Alarms", "empty": True},
            "AlarmConfiguration.Alarms lists no alarm",
            ("Properties", "AlarmConfiguration", "Alarms"),
        ),
        Requirement(
            _missing_event("DEPLOYMENT_STOP_ON_ALARM"),
            "AutoRollbackConfiguration.Events does not include DEPLOYMENT_STOP_ON_ALARM, so an "
            "alarm stops the deployment but nothing rolls it back",
            _ROLLBACK_EVENTS_KEY,
        ),
    )
    verdict = check_requirements(ctx.scope, requirements)
    if verdict.outcome is Outcome.FAIL:
        return [verdict]
    for extra in (_too_many_alarms(ctx), _wrong_alarm_reference(ctx)):
        if extra is not None:
            return [extra]
    return [verdict]


def _too_many_alarms(ctx: CheckContext) -> Verdict | None:
    for resolved in ctx.lookup(f"{_ALARM_CONFIGURATION}.Alarms"):
        if not isinstance(resolved.value, list):
            continue
        # Items wrapped in Fn::If may vanish, so only plain items count towards the limit.
        count = sum(1 for item in resolved.value if not is_intrinsic(item))
        if count > MAX_DEPLOYMENT_GROUP_ALARMS:
            problem = (
                f"AlarmConfiguration.Alarms lists {count} alarms; CodeDeploy accepts at most "
                f"{MAX_DEPLOYMENT_GROUP_ALARMS}"
            )
            return Verdict(
                Outcome.FAIL,
                resolved.path,
                {"value": count, "problem": problem},
                resolved.assumptions,
            )
    return None


def _wrong_alarm_reference(ctx: CheckContext) -> Verdict | None:
    for resolved in ctx.lookup(f"{_ALARM_CONFIGURATION}.Alarms.*.Name"):
        if classify_alarm_name(ctx.template, resolved.value) != "not-an-alarm":
            continue
        target = referenced_resource(ctx.template, resolved.value)
        assert target is not None  # "not-an-alarm" is only said of template resources
        problem = (
            f"AlarmConfiguration.Alarms names {target.logical_id}, which is an {target.type}, "
            "not a CloudWatch alarm"
        )
        return Verdict(
            Outcome.FAIL,
            resolved.path,
            {"value": resolved.value, "problem": problem},
            resolved.assumptions,
        )
    return None


# --- IGR003: all-at-once deployment configurations -----------------------------------------

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


def codedeploy_all_at_once(ctx: CheckContext) -> Iterable[Verdict]:
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
    config = referenced_resource(ctx.template, name)
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
    application = referenced_resource(ctx.template, properties.get("ApplicationName"))
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
    for style in ctx.lookup("Properties.DeploymentStyle.DeploymentType"):
        combined = merge_assumptions(assumptions, style.assumptions)
        if combined is None:
            continue
        if is_opaque(style.value):
            judgements.append(_Judgement(None, combined, unknown=Unknown("deployment type")))
        else:
            judgements.append(_Judgement(style.value != "BLUE_GREEN", combined, problem))
    return judgements


def _config_named(template: Template, name: str) -> Resource | None:
    for config in template.resources_of_type(DEPLOYMENT_CONFIG):
        if config.properties.get("DeploymentConfigName") == name:
            return config
    return None


def _judge_config(
    ctx: CheckContext, config: Resource, assumptions: tuple[Assumption, ...]
) -> list[_Judgement]:
    judgements: list[_Judgement] = []
    for routing in ctx.resolver.lookup(config.node, "Properties.TrafficRoutingConfig.Type"):
        combined = merge_assumptions(assumptions, routing.assumptions)
        if combined is None:
            continue
        if is_opaque(routing.value):
            judgements.append(_Judgement(None, combined, unknown=Unknown("traffic routing type")))
        elif routing.value == "AllAtOnce":
            problem = (
                f"it uses deployment configuration {config.logical_id}, whose "
                "TrafficRoutingConfig.Type is AllAtOnce"
            )
            judgements.append(_Judgement(True, combined, problem))
        elif routing.value is ABSENT:
            judgements.extend(_judge_minimum_healthy_hosts(ctx, config, combined))
        else:
            judgements.append(_Judgement(False, combined))
    return judgements


def _judge_minimum_healthy_hosts(
    ctx: CheckContext, config: Resource, assumptions: tuple[Assumption, ...]
) -> list[_Judgement]:
    """A server configuration that needs zero healthy hosts takes the whole fleet at once."""
    judgements: list[_Judgement] = []
    for minimum in ctx.resolver.lookup(config.node, "Properties.MinimumHealthyHosts.Value"):
        combined = merge_assumptions(assumptions, minimum.assumptions)
        if combined is None:
            continue
        if minimum.value is ABSENT:
            judgements.append(_Judgement(False, combined))
        elif is_opaque(minimum.value):
            judgements.append(_Judgement(None, combined, unknown=Unknown("minimum healthy hosts")))
        elif str(minimum.value).strip() == "0":
            problem = (
                f"it uses deployment configuration {config.logical_id}, whose "
                "MinimumHealthyHosts value 0 lets every instance update at once"
            )
            judgements.extend(_unless_blue_green(ctx, combined, problem))
        else:
            judgements.append(_Judgement(False, combined))
    return judgements


# --- IGR004: ECS rolling deployments roll back --------------------------------------------

_DEPLOYMENT = "Properties.DeploymentConfiguration"
_NOT_ROLLING = ["BLUE_GREEN", "LINEAR", "CANARY"]
_ECS_ROLLBACK_FAILS: Mapping[str, Any] = {
    "all": [
        {
            "any": [
                {"not": {"path": f"{_DEPLOYMENT}.Strategy", "in": _NOT_ROLLING}},
                {
                    "not": {
                        "path": f"{_DEPLOYMENT}.LifecycleHooks.*.TimeoutConfiguration.Action",
                        "equals": "ROLLBACK",
                    }
                },
            ]
        },
        {
            "any": [
                {"path": f"{_DEPLOYMENT}.Alarms.Enable", "not-equals": True},
                {"path": f"{_DEPLOYMENT}.Alarms.Rollback", "not-equals": True},
                {"path": f"{_DEPLOYMENT}.Alarms.AlarmNames", "empty": True},
            ]
        },
        # Last, so that the circuit breaker is the value the finding points at.
        {
            "any": [
                {"path": f"{_DEPLOYMENT}.DeploymentCircuitBreaker.Enable", "not-equals": True},
                {"path": f"{_DEPLOYMENT}.DeploymentCircuitBreaker.Rollback", "not-equals": True},
            ]
        },
    ]
}
_ALARMS_STOP_WITHOUT_ROLLBACK: Mapping[str, Any] = {
    "all": [
        {"path": f"{_DEPLOYMENT}.Alarms.Enable", "equals": True},
        {"path": f"{_DEPLOYMENT}.Alarms.Rollback", "not-equals": True},
    ]
}


_ECS_CONTROLLER: Mapping[str, Any] = {
    "any": [
        {"path": "Properties.DeploymentController.Type", "absent": True},
        {"path": "Properties.DeploymentController.Type", "equals": "ECS"},
    ]
}


def ecs_service_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    # Applicability is decided here rather than in the rule's applies-when, so that an unknown
    # controller still gets a complete message.
    controller = ctx.evaluate_failing(_ECS_CONTROLLER)
    if controller.outcome is Outcome.PASS:
        return [Verdict(Outcome.SKIP)]  # CODE_DEPLOY or EXTERNAL: rollback lives elsewhere
    if controller.outcome is Outcome.UNKNOWN:
        problem = "its deployment controller is only known at deploy time"
        values = {**controller.values, "problem": problem}
        return [Verdict(Outcome.UNKNOWN, controller.path, values, controller.assumptions)]
    verdict = ctx.evaluate_failing(_ECS_ROLLBACK_FAILS)
    if verdict.outcome is Outcome.UNKNOWN:
        problem = "its rollback settings are only known at deploy time"
        return [Verdict(verdict.outcome, verdict.path, {**verdict.values, "problem": problem},
                        verdict.assumptions)]
    if verdict.outcome is not Outcome.FAIL:
        return [verdict]
    value = verdict.values.get("value", ABSENT)
    if _last_key(verdict.path) == "Rollback":
        problem = (
            "its deployment circuit breaker stops a failed deployment but does not roll back "
            f"(DeploymentCircuitBreaker.Rollback is {describe(value)})"
        )
        return [Verdict(Outcome.FAIL, verdict.path, {"value": value, "problem": problem},
                        verdict.assumptions)]
    truth, witness = decide(evaluate(_ALARMS_STOP_WITHOUT_ROLLBACK, ctx.scope))
    if truth and witness is not None:
        problem = (
            "its deployment alarms stop a failed deployment but do not roll back "
            f"(Alarms.Rollback is {describe(witness.value)}), and no circuit breaker rolls back"
        )
        return [Verdict(Outcome.FAIL, witness.path, {"value": witness.value, "problem": problem},
                        witness.assumptions)]
    problem = (
        "neither a deployment circuit breaker nor deployment alarms roll it back "
        f"(DeploymentCircuitBreaker.Enable is {describe(value)})"
    )
    return [Verdict(Outcome.FAIL, verdict.path, {"value": value, "problem": problem},
                    verdict.assumptions)]


def _last_key(path: tuple[Any, ...]) -> str:
    keys = [p for p in path if isinstance(p, str) and p != "Fn::If"]
    return keys[-1] if keys else ""


# --- IGR005: ECS services on the CODE_DEPLOY controller have a deployment group ------------

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


def ecs_codedeploy_wiring(ctx: CheckContext) -> Iterable[Verdict]:
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
        reason = Unknown("no CodeDeploy deployment group in this template; it may be elsewhere")
        return [Verdict(Outcome.UNKNOWN, _CONTROLLER_TYPE, {"value": reason})]
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
        reason = Unknown("a deployment group names its ECS service with a value known at deploy")
        return [Verdict(Outcome.UNKNOWN, _CONTROLLER_TYPE, {"value": reason})]
    return [Verdict(Outcome.FAIL, _CONTROLLER_TYPE, {"value": "CODE_DEPLOY"})]


# --- IGR009: SAM functions deploy gradually, gated by alarms ------------------------------


def merge_sam_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge: maps merge key by key, lists concatenate (globals first), and any
    other local value replaces the global one. Intrinsic functions count as plain values."""
    if local_value is ABSENT:
        return global_value
    if _plain_mapping(global_value) and _plain_mapping(local_value):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_sam_globals(global_value.get(key, ABSENT), value)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*global_value, *local_value]
    return local_value


def _plain_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) and not is_intrinsic(value)


def function_with_globals(template: Template, function: Resource) -> Resource:
    """The function as SAM deploys it: its Properties with ``Globals.Function`` merged in."""
    defaults = template.globals.get("Function")
    if not _plain_mapping(defaults):
        return function
    node = dict(function.node)
    node["Properties"] = merge_sam_globals(defaults, function.properties)
    return Resource(function.logical_id, function.type, node, function.cdk_path)


_PREFERENCE = "Properties.DeploymentPreference"
_SAM_REQUIREMENTS = (
    Requirement(
        {"path": _PREFERENCE, "absent": True},
        "it has no DeploymentPreference, so each new version takes all traffic at once",
    ),
    Requirement(
        {"path": f"{_PREFERENCE}.Enabled", "equals": False},
        "DeploymentPreference.Enabled is {value}",
    ),
    Requirement(
        {"path": f"{_PREFERENCE}.Type", "equals": "AllAtOnce"},
        "DeploymentPreference.Type is {value}",
    ),
    Requirement(
        {"path": f"{_PREFERENCE}.Alarms", "empty": True},
        "DeploymentPreference.Alarms lists no alarm, so nothing stops and rolls back a bad version",
    ),
)


def sam_gradual_deployment(ctx: CheckContext) -> Iterable[Verdict]:
    function = function_with_globals(ctx.template, ctx.resource)
    scope = EvaluationScope(ctx.template, function, ctx.resolver, ctx.options)
    has_alias, _ = decide(evaluate({"path": "Properties.AutoPublishAlias", "exists": True}, scope))
    if has_alias is not True:
        # Without an alias SAM publishes no versions, so there is no traffic to shift.
        return [Verdict(Outcome.SKIP)]
    verdict = check_requirements(scope, _SAM_REQUIREMENTS)
    if verdict.outcome is Outcome.PASS:
        return [verdict]
    return [_point_into_function(ctx, verdict)]


def _point_into_function(ctx: CheckContext, verdict: Verdict) -> Verdict:
    """Findings point into the function. When the deciding key only exists in
    ``Globals.Function``, point at the function's own DeploymentPreference or AutoPublishAlias
    (or the resource) and say where the value comes from."""
    local = ctx.resource.node
    if node_at(local, verdict.path) is not ABSENT:
        return verdict
    properties_path = verdict.path[1:] if verdict.path[:1] == ("Properties",) else ()
    defaults = ctx.template.globals.get("Function")
    from_globals = bool(properties_path) and node_at(defaults, properties_path) is not ABSENT
    fallback: tuple[Any, ...] = ()
    for candidate in (
        ("Properties", "DeploymentPreference"),
        ("Properties", "AutoPublishAlias"),
        ("Properties",),
    ):
        if node_at(local, candidate) is not ABSENT:
            fallback = candidate
            break
    values = dict(verdict.values)
    if from_globals:
        values["problem"] = f"{values['problem']} (set in Globals.Function)"
    return Verdict(verdict.outcome, fallback, values, verdict.assumptions)


CHECKS: dict[str, CheckFunction] = {
    "codedeploy_auto_rollback": codedeploy_auto_rollback,
    "codedeploy_alarm_rollback": codedeploy_alarm_rollback,
    "codedeploy_all_at_once": codedeploy_all_at_once,
    "ecs_service_rollback": ecs_service_rollback,
    "ecs_codedeploy_wiring": ecs_codedeploy_wiring,
    "sam_gradual_deployment": sam_gradual_deployment,
}
