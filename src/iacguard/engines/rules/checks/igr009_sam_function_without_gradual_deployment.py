"""IGR009 sam-function-without-gradual-deployment: a SAM function that publishes an alias
shifts traffic to new versions gradually, with alarms that roll back (``Globals.Function``
merged in as SAM merges it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, dead_gate_verdict, rule_check
from iacguard.engines.rules.conditions import EvaluationScope, evaluate
from iacguard.engines.rules.requirements import Requirement, check_requirements
from iacguard.engines.rules.roles import (
    EDGE_VERSIONS,
    function_role,
    is_helper,
    judged_by_role,
)
from iacguard.findings import Outcome
from iacguard.model.function_roles import AT_EDGE
from iacguard.model.sam import function_with_globals
from iacguard.model.template import Resource
from iacguard.model.truth import decide
from iacguard.model.values import ABSENT, node_at

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
        "DeploymentPreference.Type is AllAtOnce",
        unknown_problem="DeploymentPreference.Type is {value}",
    ),
    Requirement(
        {"path": f"{_PREFERENCE}.Alarms", "empty": True},
        "DeploymentPreference.Alarms lists no alarm, so nothing stops and rolls back a bad version",
    ),
)


#: ``DeploymentPreference: {Enabled: false}`` (on the function or in Globals.Function) turns
#: traffic shifting off on purpose, for example while the team sets up its alarms.
_SWITCHED_OFF = {"path": f"{_PREFERENCE}.Enabled", "equals": False}
_SWITCHED_OFF_DECISION = (
    "the template switches traffic shifting off on purpose, so this is a decision to review"
)


@rule_check
def sam_function_without_gradual_deployment(ctx: CheckContext) -> Iterable[Verdict]:
    role = function_role(ctx)
    if is_helper(role):
        return [Verdict(Outcome.SKIP)]  # a hook or provider runs once per deploy: no traffic
    function = function_with_globals(ctx.template, ctx.resource)
    scope = EvaluationScope(ctx.template, function, ctx.resolver, ctx.options)
    has_alias, _ = decide(evaluate({"path": "Properties.AutoPublishAlias", "exists": True}, scope))
    if has_alias is not True:
        # Without an alias SAM publishes no versions, so there is no traffic to shift.
        return [Verdict(Outcome.SKIP)]
    verdict = check_requirements(scope, _SAM_REQUIREMENTS)
    if verdict.outcome is Outcome.PASS:
        verdict = _alarms_never_fire(ctx, function) or verdict
    if verdict.outcome is Outcome.PASS:
        return [verdict]
    verdict = _point_into_function(ctx, verdict)
    switched_off, witness = decide(evaluate(_SWITCHED_OFF, scope))
    stated = switched_off is True and witness is not None and not witness.assumptions
    if verdict.outcome is Outcome.FAIL and stated:
        verdict = verdict.as_note(_SWITCHED_OFF_DECISION)
    return [judged_by_role(ctx, verdict, role, covered_elsewhere={AT_EDGE: EDGE_VERSIONS})]


def _alarms_never_fire(ctx: CheckContext, function: Resource) -> Verdict | None:
    """DeploymentPreference.Alarms that can never fire (model/alarm_health.py) never roll a
    bad version back."""
    names = ctx.resolver.lookup(function.node, f"{_PREFERENCE}.Alarms.*")
    path = ("Properties", "DeploymentPreference", "Alarms")
    return dead_gate_verdict(ctx.template, names, path)


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
