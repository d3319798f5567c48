"""Rollback protections a change takes away: alarms that stop and roll back a deployment, a
deployment circuit breaker, automatic rollback of CodeDeploy deployments.

Each function compares one resource in BASE with the same resource in HEAD and returns what
was weakened (or could not be compared), pointing at the HEAD property that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.diff.values import Comparer, describe
from iacguard.model.template import Resource
from iacguard.model.values import ABSENT, as_bool, node_at


@dataclass(frozen=True)
class Weakening:
    path: tuple[Any, ...]  # inside the HEAD resource (the nearest existing key is pointed at)
    what: str  # "alarm X is removed from AlarmConfiguration.Alarms"
    effect: str  # what a failed deployment no longer triggers
    unknown: str = ""  # set when the change cannot be compared statically


def _flag(resource: Resource, path: tuple[str, ...]) -> bool | None:
    value = node_at(resource.node, ("Properties", *path))
    if value is ABSENT:
        return None
    decided = as_bool(value)
    return decided


def _switched_off(
    base: Resource, head: Resource, path: tuple[str, ...], off_when_absent: bool
) -> Weakening | None:
    """A flag that was true in BASE and is false (or absent, when that means off) in HEAD."""
    before = _flag(base, path)
    if before is not True:
        return None
    raw = node_at(head.node, ("Properties", *path))
    after = _flag(head, path)
    dotted = ".".join(path)
    if raw is not ABSENT and after is None:
        return Weakening(path, f"{dotted} is no longer a literal true", "",
                         unknown=f"{dotted} is {describe(raw)}")
    if after is False:
        return Weakening(path, f"{dotted} changes from true to false", "")
    if after is None and off_when_absent:
        return Weakening(path, f"{dotted} is removed (it was true; off by default)", "")
    return None


def _entries(resource: Resource, path: tuple[str, ...], key: str | None) -> list[Any] | None:
    """Alarm entries of a list property; None when the list is built by an intrinsic."""
    value = node_at(resource.node, ("Properties", *path))
    if value is ABSENT:
        return []
    if not isinstance(value, list):
        return None
    if key is None:
        return list(value)
    return [item.get(key) if isinstance(item, dict) else item for item in value]


def _alarms_removed(
    base: Resource, head: Resource, path: tuple[str, ...], key: str | None, comparer: Comparer
) -> Weakening | None:
    before = _entries(base, path, key)
    after = _entries(head, path, key)
    dotted = ".".join(path)
    if not before:
        return None
    if after is None:
        return Weakening(path, f"the alarms of {dotted} change", "",
                         unknown=f"{dotted} is built by an intrinsic function")
    kept = {repr(comparer.normalise(a, True)) for a in after}
    lost = [b for b in before if repr(comparer.normalise(b, False)) not in kept]
    if not lost or len(after) >= len(before):
        return None  # nothing removed, or alarms swapped one for one
    names = ", ".join(describe(v) for v in lost)
    return Weakening(path, f"alarm {names} is removed from {dotted}" if len(lost) == 1
                     else f"alarms {names} are removed from {dotted}", "")


def codedeploy_group(base: Resource, head: Resource, comparer: Comparer) -> Iterator[Weakening]:
    effect = "a deployment that sets off an alarm or fails is no longer rolled back automatically"
    found = [
        _alarms_removed(base, head, ("AlarmConfiguration", "Alarms"), "Name", comparer),
        _switched_off(base, head, ("AlarmConfiguration", "Enabled"), True),
        _switched_off(base, head, ("AutoRollbackConfiguration", "Enabled"), True),
        _rollback_event_removed(base, head),
    ]
    for weakening in found:
        if weakening is not None:
            yield Weakening(weakening.path, weakening.what, effect, weakening.unknown)


def _rollback_event_removed(base: Resource, head: Resource) -> Weakening | None:
    path = ("AutoRollbackConfiguration", "Events")
    before, after = _entries(base, path, None), _entries(head, path, None)
    if not before or after is None:
        return None
    lost = [e for e in before if isinstance(e, str) and e not in after]
    if not lost or _flag(head, ("AutoRollbackConfiguration", "Enabled")) is not True:
        return None  # switched off altogether is reported on Enabled
    return Weakening(path, f"rollback event {', '.join(lost)} is removed from "
                           "AutoRollbackConfiguration.Events", "")


def ecs_service(base: Resource, head: Resource, comparer: Comparer) -> Iterator[Weakening]:
    effect = "a failing ECS deployment is no longer stopped and rolled back"
    alarms = ("DeploymentConfiguration", "Alarms")
    breaker = ("DeploymentConfiguration", "DeploymentCircuitBreaker")
    found = [
        _alarms_removed(base, head, (*alarms, "AlarmNames"), None, comparer),
        _switched_off(base, head, (*alarms, "Enable"), True),
        _switched_off(base, head, (*alarms, "Rollback"), True),
        _switched_off(base, head, (*breaker, "Enable"), True),
        _switched_off(base, head, (*breaker, "Rollback"), True),
    ]
    for weakening in found:
        if weakening is not None:
            yield Weakening(weakening.path, weakening.what, effect, weakening.unknown)


def sam_function(base: Resource, head: Resource, comparer: Comparer) -> Iterator[Weakening]:
    effect = "a gradual deployment that sets off an alarm is no longer rolled back"
    found = [
        _alarms_removed(base, head, ("DeploymentPreference", "Alarms"), None, comparer),
        _switched_off(base, head, ("DeploymentPreference", "Enabled"), False),
    ]
    for weakening in found:
        if weakening is not None:
            yield Weakening(weakening.path, weakening.what, effect, weakening.unknown)


WEAKENINGS: Mapping[str, Callable[[Resource, Resource, Comparer], Iterator[Weakening]]] = {
    "AWS::CodeDeploy::DeploymentGroup": codedeploy_group,
    "AWS::ECS::Service": ecs_service,
    "AWS::Serverless::Function": sam_function,
}
