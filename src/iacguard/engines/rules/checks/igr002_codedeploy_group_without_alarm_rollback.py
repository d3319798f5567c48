"""IGR002 codedeploy-group-without-alarm-rollback: a CodeDeploy deployment group is stopped by
alarms and rolled back when one fires; the alarms it names exist and are alarms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, dead_gate_verdict, rule_check
from iacguard.engines.rules.requirements import (
    Requirement,
    check_requirements,
    enabled_section,
)
from iacguard.findings import Outcome
from iacguard.model.template import Template
from iacguard.model.values import is_intrinsic

ALARM_TYPES = frozenset({"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"})
#: CodeDeploy refuses more alarms than this on one deployment group.
MAX_DEPLOYMENT_GROUP_ALARMS = 10
_ALARM_CONFIGURATION = "Properties.AlarmConfiguration"
ALARM_ROLLBACK_REQUIREMENTS = (
    *enabled_section(_ALARM_CONFIGURATION),
    Requirement(
        {"path": f"{_ALARM_CONFIGURATION}.Alarms", "empty": True},
        "AlarmConfiguration.Alarms lists no alarm",
        ("Properties", "AlarmConfiguration", "Alarms"),
    ),
    Requirement(
        {
            "not": {
                "path": "Properties.AutoRollbackConfiguration.Events.*",
                "equals": "DEPLOYMENT_STOP_ON_ALARM",
            }
        },
        "AutoRollbackConfiguration.Events does not include DEPLOYMENT_STOP_ON_ALARM, so an "
        "alarm stops the deployment but nothing rolls it back",
        ("Properties", "AutoRollbackConfiguration", "Events"),
    ),
)


@rule_check
def codedeploy_group_without_alarm_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    verdict = check_requirements(ctx.scope, ALARM_ROLLBACK_REQUIREMENTS)
    if verdict.outcome is Outcome.FAIL:
        return [verdict]
    for extra in (_too_many_alarms(ctx), _wrong_alarm_reference(ctx), alarms_never_fire(ctx)):
        if extra is not None:
            return [extra]
    return [verdict]


def template_alarm_names(template: Template) -> frozenset[str]:
    """Literal ``AlarmName`` values of the template's alarms.

    An index: ``template.index(template_alarm_names)``.
    """
    names: set[str] = set()
    for alarm in template.resources_of_type(*ALARM_TYPES):
        name = alarm.properties.get("AlarmName")
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


def classify_alarm_name(template: Template, value: Any) -> str:
    """Where an alarm named by a deployment gate comes from.

    ``"template"``: a ``Ref``/``Fn::GetAtt`` to an alarm of this template, or a literal equal to
    one of its ``AlarmName`` s. ``"not-an-alarm"``: a reference to a template resource that is
    plainly something else (an SNS topic, a bucket...). ``"external"``: anything else - a literal
    naming no alarm here, a parameter, an import, a value built at deploy time, a custom resource.
    Alarms often live in a shared monitoring stack, so external names are accepted.
    """
    target = template.referenced_resource(value)
    if target is not None:
        if target.type in ALARM_TYPES:
            return "template"
        if target.type.startswith("AWS::") and not target.type.startswith("AWS::CloudFormation::"):
            return "not-an-alarm"
        return "external"  # custom resources and nested stacks may well return an alarm name
    if isinstance(value, str) and value in template.index(template_alarm_names):
        return "template"
    return "external"


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


def alarms_never_fire(ctx: CheckContext) -> Verdict | None:
    """Alarms that can never fire (model/alarm_health.py) never stop a deployment."""
    names = ctx.lookup(f"{_ALARM_CONFIGURATION}.Alarms.*.Name")
    return dead_gate_verdict(ctx.template, names, ("Properties", "AlarmConfiguration", "Alarms"))


def _wrong_alarm_reference(ctx: CheckContext) -> Verdict | None:
    for resolved in ctx.lookup(f"{_ALARM_CONFIGURATION}.Alarms.*.Name"):
        if classify_alarm_name(ctx.template, resolved.value) != "not-an-alarm":
            continue
        target = ctx.template.referenced_resource(resolved.value)
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
