"""IGR012 ecs-service-without-health-check-grace-period: an ECS service behind a load balancer
gives new tasks time to start before load balancer health checks count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.findings import Outcome
from iacguard.model.values import ABSENT, as_number, is_live_list, merge_assumptions

TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
#: Target group health check defaults (ALB and NLB share them for these two settings).
DEFAULT_INTERVAL = 30.0
DEFAULT_UNHEALTHY_THRESHOLD = 2.0
_GRACE = "Properties.HealthCheckGracePeriodSeconds"
_ZERO_DECISION = "the template sets it to 0 on purpose, so this is a decision to review"


@rule_check
def ecs_service_without_health_check_grace_period(ctx: CheckContext) -> Iterable[Verdict]:
    balanced = [v for v in ctx.lookup("Properties.LoadBalancers") if is_live_list(v.value)]
    if not balanced:
        return [Verdict(Outcome.SKIP)]  # no load balancer health checks to survive
    verdict = verdict_from_values(ctx.lookup(_GRACE), _no_grace)
    if verdict.outcome is Outcome.UNKNOWN:
        problem = "its HealthCheckGracePeriodSeconds may be 0"
        return [verdict.with_values(problem=problem, window=_window(ctx))]
    if verdict.outcome is not Outcome.FAIL:
        return [verdict]
    value = verdict.values.get("value", ABSENT)
    problem = (
        "HealthCheckGracePeriodSeconds is 0" if value is not ABSENT
        else "it has no HealthCheckGracePeriodSeconds, so the grace period is 0"
    )
    verdict = verdict.with_values(problem=problem, window=_window(ctx))
    if all(v.assumptions for v in balanced):
        # Load balancers attached only under a condition: the failure holds only there.
        merged = merge_assumptions(verdict.assumptions, balanced[0].assumptions)
        verdict = replace(verdict, assumptions=merged or verdict.assumptions)
    if value is not ABSENT and not verdict.assumptions:
        return [verdict.as_note(_ZERO_DECISION)]
    return [verdict]


def _no_grace(value: Any) -> bool | None:
    if value is ABSENT:
        return True
    number = as_number(value)
    return None if number is None else number <= 0


def _window(ctx: CheckContext) -> str:
    """How long a starting task has before its load balancer calls it unhealthy."""
    for reference in ctx.lookup("Properties.LoadBalancers.*.TargetGroupArn"):
        target = ctx.template.referenced_resource(reference.value)
        if target is None or target.type != TARGET_GROUP:
            continue
        interval = _number(target.properties.get("HealthCheckIntervalSeconds"), DEFAULT_INTERVAL)
        threshold = _number(
            target.properties.get("UnhealthyThresholdCount"), DEFAULT_UNHEALTHY_THRESHOLD
        )
        return (
            f"a task that does not answer health checks within about {interval * threshold:g} "
            f"seconds ({threshold:g} failed checks {interval:g} seconds apart on target group "
            f"{target.logical_id})"
        )
    return "a task that does not answer its first load balancer health checks"


def _number(value: Any, default: float) -> float:
    number = as_number(value)
    return default if number is None else number
