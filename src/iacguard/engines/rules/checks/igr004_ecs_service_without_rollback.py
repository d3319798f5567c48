"""IGR004 ecs-service-without-rollback: an ECS service on the ECS deployment controller rolls
back a failed deployment, by its deployment circuit breaker or its deployment alarms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, dead_gate_verdict, rule_check
from iacguard.engines.rules.conditions import evaluate
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.truth import decide
from iacguard.model.values import ABSENT, flag_value

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


@rule_check
def ecs_service_without_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    # Applicability is decided here rather than in the rule's applies-when, so that an unknown
    # controller still gets a complete message.
    controller = ctx.evaluate_failing(_ECS_CONTROLLER)
    if controller.outcome is Outcome.PASS:
        return [Verdict(Outcome.SKIP)]  # CODE_DEPLOY or EXTERNAL: rollback lives elsewhere
    if controller.outcome is Outcome.UNKNOWN:
        problem = "its deployment controller is only known at deploy time"
        return [controller.with_values(problem=problem)]
    verdict = ctx.evaluate_failing(_ECS_ROLLBACK_FAILS)
    if verdict.outcome is Outcome.UNKNOWN:
        return [verdict.with_values(problem="its rollback settings are only known at deploy time")]
    if verdict.outcome is Outcome.PASS:
        return [_alarms_never_fire(ctx) or verdict]
    if verdict.outcome is not Outcome.FAIL:
        return [verdict]
    return [_failure(ctx, verdict)]


#: Everything but the deployment alarms fails to roll back: only the alarms would.
_ONLY_ALARMS_ROLL_BACK: Mapping[str, Any] = {
    "all": [_ECS_ROLLBACK_FAILS["all"][0], _ECS_ROLLBACK_FAILS["all"][2]]
}


def _alarms_never_fire(ctx: CheckContext) -> Verdict | None:
    """A service whose only rollback is its deployment alarms, none of which can ever fire
    (model/alarm_health.py), does not roll back."""
    only_alarms = ctx.evaluate_failing(_ONLY_ALARMS_ROLL_BACK)
    if only_alarms.outcome is not Outcome.FAIL or only_alarms.assumptions:
        return None
    names = ctx.lookup(f"{_DEPLOYMENT}.Alarms.AlarmNames.*")
    path = ("Properties", "DeploymentConfiguration", "Alarms", "AlarmNames")
    context = "no deployment circuit breaker rolls it back, and "
    return dead_gate_verdict(ctx.template, names, path, context)


def _failure(ctx: CheckContext, verdict: Verdict) -> Verdict:
    """Say which of the ways to roll back is missing, the most specific first."""
    value = verdict.values.get("value", ABSENT)
    if _last_key(verdict.path) == "Rollback":
        problem = (
            "its deployment circuit breaker stops a failed deployment but does not roll back "
            f"(DeploymentCircuitBreaker.Rollback is {_setting(value)})"
        )
        return verdict.with_values(problem=problem)
    truth, witness = decide(evaluate(_ALARMS_STOP_WITHOUT_ROLLBACK, ctx.scope))
    if truth and witness is not None:
        problem = (
            "its deployment alarms stop a failed deployment but do not roll back "
            f"(Alarms.Rollback is {_setting(witness.value)}), and no circuit breaker rolls back"
        )
        values = {"value": witness.value, "problem": problem}
        return Verdict(Outcome.FAIL, witness.path, values, witness.assumptions)
    problem = (
        "neither a deployment circuit breaker nor deployment alarms roll it back "
        f"(DeploymentCircuitBreaker.Enable is {_setting(value)})"
    )
    return verdict.with_values(problem=problem)


def _setting(value: Any) -> str:
    return describe(flag_value(value))


def _last_key(path: tuple[Any, ...]) -> str:
    keys = [p for p in path if isinstance(p, str) and p != "Fn::If"]
    return keys[-1] if keys else ""
