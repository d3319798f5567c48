"""IGR007 autoscaling-group-without-update-policy: an Auto Scaling group declares how its
instances are replaced on update, and that update policy can work: a rolling update that waits
for signals gets them, keeps instances in service behind a load balancer, and an instance
refresh has alarms to stop on."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model.template import Template
from iacguard.model.truth import is_empty, is_true
from iacguard.model.values import ABSENT, as_number, is_live_list

_ROLLING = "UpdatePolicy.AutoScalingRollingUpdate"
_REFRESH = "UpdatePolicy.AutoScalingInstanceRefresh"
#: The group has no update policy that replaces instances (the rule's main failure).
NO_UPDATE_POLICY: Mapping[str, Any] = {
    "all": [
        {"path": _ROLLING, "absent": True},
        {"path": _REFRESH, "absent": True},
        # Last, so that the finding points at the UpdatePolicy (or the resource) when nothing
        # is set.
        {"path": "UpdatePolicy.AutoScalingReplacingUpdate.WillReplace", "not-equals": True},
    ]
}
#: What instances run to tell CloudFormation they are ready.
_SIGNAL_SENDERS = ("cfn-signal", "SignalResource")
_MAX_DEPTH = 120


@rule_check
def autoscaling_group_without_update_policy(ctx: CheckContext) -> Iterable[Verdict]:
    verdict = ctx.evaluate_failing(NO_UPDATE_POLICY)
    if verdict.outcome is not Outcome.PASS:
        return [verdict]
    return [*_policy_gaps(ctx)] or [verdict]


def _policy_gaps(ctx: CheckContext) -> Iterator[Verdict]:
    yield from _signals_never_sent(ctx)
    yield from _nothing_in_service(ctx)
    yield from _refresh_without_alarms(ctx)


def _signals_never_sent(ctx: CheckContext) -> Iterator[Verdict]:
    """A rolling update that waits for signals no instance of the template sends fails."""
    waits = [v for v in ctx.lookup(f"{_ROLLING}.WaitOnResourceSignals") if is_true(v.value)]
    if not waits or ctx.template.index(sends_signals):
        return
    message = (
        f"Auto Scaling group {ctx.resource.logical_id} waits for resource signals during a "
        "rolling update (WaitOnResourceSignals is true), but nothing in the template sends "
        "them (no cfn-signal or SignalResource): every rolling update waits out its PauseTime "
        "and fails"
    )
    yield Verdict(Outcome.FAIL, waits[0].path, {"value": waits[0].value}, waits[0].assumptions,
                  message=message)


def sends_signals(template: Template) -> bool:
    """Does any value of the template (user data, a function's code...) mention cfn-signal or
    SignalResource? An index: ``template.index(sends_signals)``."""
    pending: list[tuple[Any, int]] = [(template.root, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if any(sender in value for sender in _SIGNAL_SENDERS):
                return True
        elif depth < _MAX_DEPTH and isinstance(value, Mapping):
            pending.extend((item, depth + 1) for item in value.values())
        elif depth < _MAX_DEPTH and isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return False


def _nothing_in_service(ctx: CheckContext) -> Iterator[Verdict]:
    """Behind a load balancer, a rolling update with MinInstancesInService 0 may take every
    instance out of service: a note."""
    if not ctx.lookup(_ROLLING) or not _behind_load_balancer(ctx):
        return
    for value in ctx.lookup(f"{_ROLLING}.MinInstancesInService"):
        number = 0.0 if value.value is ABSENT else as_number(value.value)
        if number is None or number > 0:
            continue
        setting = "not set, so 0" if value.value is ABSENT else "0"
        message = (
            f"Auto Scaling group {ctx.resource.logical_id} is behind a load balancer, but its "
            f"rolling update keeps no instance in service (MinInstancesInService is {setting}), "
            "so a batch can leave nothing to serve requests"
        )
        yield Verdict(Outcome.FAIL, value.path, {"value": value.value}, value.assumptions,
                      message=message).as_note()
        return


def _behind_load_balancer(ctx: CheckContext) -> bool:
    return any(
        is_live_list(v.value)
        for key in ("Properties.TargetGroupARNs", "Properties.LoadBalancerNames")
        for v in ctx.lookup(key)
    )


def _refresh_without_alarms(ctx: CheckContext) -> Iterator[Verdict]:
    """An instance refresh without alarms is stopped by nothing users see: a note."""
    if all(v.value is ABSENT for v in ctx.lookup(_REFRESH)):
        return
    for alarms in ctx.lookup(f"{_REFRESH}.Preferences.AlarmSpecification.Alarms"):
        if is_empty(alarms.value) is not True:
            continue
        message = (
            f"Auto Scaling group {ctx.resource.logical_id} replaces instances by instance "
            "refresh without alarms (Preferences.AlarmSpecification.Alarms is empty or not "
            "set), so nothing stops and rolls back a refresh that breaks the service"
        )
        # A missing key is reported at its nearest existing parent.
        yield Verdict(Outcome.FAIL, alarms.path, {"value": alarms.value}, alarms.assumptions,
                      message=message).as_note()
        return
