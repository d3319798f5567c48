"""IGA014 deployment-gate-alarm-not-found: every alarm a deployment gate names (an ECS
service's deployment alarms, a CodeDeploy deployment group's alarms, a SAM function's
DeploymentPreference alarms, an Auto Scaling instance refresh's alarms) is an alarm of the
template, of another stack of the same assembly, or declared external in the rule's
``external-alarms`` option. A name that matches nothing is most often a typo: the gate then
watches an alarm that does not exist, and never stops a deployment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.sam import function_with_globals
from iacguard.model.template import Template
from iacguard.model.values import ABSENT, Resolved, is_opaque
from iacguard.suggest import did_you_mean

ALARM_TYPES = frozenset({"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"})
#: Where each resource type names the alarms of its deployment gate.
GATES: Mapping[str, tuple[str, str]] = {
    "AWS::ECS::Service": (
        "Properties.DeploymentConfiguration.Alarms.AlarmNames.*", "deployment alarms"
    ),
    "AWS::CodeDeploy::DeploymentGroup": (
        "Properties.AlarmConfiguration.Alarms.*.Name", "deployment alarms"
    ),
    "AWS::Serverless::Function": ("Properties.DeploymentPreference.Alarms.*", "rollback alarms"),
    "AWS::AutoScaling::AutoScalingGroup": (
        "UpdatePolicy.AutoScalingInstanceRefresh.Preferences.AlarmSpecification.Alarms.*",
        "instance refresh alarms",
    ),
}


@rule_check
def deployment_gate_alarm_not_found(ctx: CheckContext) -> Iterable[Verdict]:
    path, kind = GATES[ctx.resource.type]
    resource = ctx.resource
    if resource.type == "AWS::Serverless::Function":
        resource = function_with_globals(ctx.template, resource)
    names = [n for n in ctx.resolver.lookup(resource.node, path) if n.value is not ABSENT]
    if not names:
        return [Verdict(Outcome.SKIP)]  # no deployment gate
    external = {str(name) for name in ctx.options.get("external-alarms", ()) or ()}
    known = _known_names(ctx)
    missing = [n for n in names if _missing(ctx, n, known, external)]
    if not missing:
        return [Verdict(Outcome.PASS)]
    first = missing[0]
    problem = _problem(ctx, first, known)
    more = f" ({len(missing) - 1} more)" if len(missing) > 1 else ""
    values = {"kind": kind, "problem": problem + more, "value": first.value}
    return [Verdict(Outcome.FAIL, first.path, values, first.assumptions)]


def _missing(ctx: CheckContext, name: Resolved, known: frozenset[str], external: set[str]) -> bool:
    target = ctx.template.referenced_resource(name.value)
    if target is not None:
        return target.type.startswith("AWS::") and target.type not in ALARM_TYPES and not (
            target.type.startswith("AWS::CloudFormation::")
        )
    if isinstance(name.value, str) and not is_opaque(name.value):
        return name.value not in known and name.value not in external
    return False  # a parameter, an import or an expression: declared elsewhere


def _problem(ctx: CheckContext, name: Resolved, known: frozenset[str]) -> str:
    target = ctx.template.referenced_resource(name.value)
    if target is not None:
        return f"names {target.logical_id}, which is an {target.type}, not a CloudWatch alarm"
    suggestion = did_you_mean(str(name.value), known)
    return (
        f"names alarm {describe(name.value)}, but no alarm of the template (or of the other "
        f"stacks checked with it) has that AlarmName, and the rule's external-alarms option "
        f"does not list it{suggestion}"
    )


def _known_names(ctx: CheckContext) -> frozenset[str]:
    """Literal alarm names of this template and of the other templates of the workspace."""
    names: set[str] = set()
    for template in (ctx.template, *ctx.workspace):
        names |= template.index(_alarm_names)
    return frozenset(names)


def _alarm_names(template: Template) -> frozenset[str]:
    """Literal AlarmName values. An index: ``template.index(_alarm_names)``."""
    found: set[str] = set()
    for alarm in template.resources.values():
        name: Any = alarm.properties.get("AlarmName")
        if alarm.type in ALARM_TYPES and isinstance(name, str):
            found.add(name)
    return frozenset(found)
