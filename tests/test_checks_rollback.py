"""Unit tests for the rollback theme's helpers, and the rollback rules on the shared CDK app."""

from __future__ import annotations

import textwrap
from pathlib import Path

from iacguard.engines.rules.checks.igr002_codedeploy_group_without_alarm_rollback import (
    classify_alarm_name,
)
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.load.parse import load_document
from iacguard.model.sam import merge_sam_globals
from iacguard.model.template import Template, build_template
from iacguard.model.values import ABSENT


def _template(tmp_path: Path, text: str) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return build_template(load_document(path), path.name)


def test_globals_merge_follows_sam_rules() -> None:
    defaults = {
        "Runtime": "python3.12",
        "DeploymentPreference": {"Type": "AllAtOnce", "Alarms": ["global-5xx"]},
    }
    local = {
        "Runtime": "python3.13",
        "DeploymentPreference": {"Type": "Canary10Percent5Minutes", "Alarms": ["local-latency"]},
        "AutoPublishAlias": "live",
    }

    merged = merge_sam_globals(defaults, local)

    assert merged == {
        "Runtime": "python3.13",  # a plain value of the function wins
        "DeploymentPreference": {
            "Type": "Canary10Percent5Minutes",
            "Alarms": ["global-5xx", "local-latency"],  # lists add up, Globals first
        },
        "AutoPublishAlias": "live",
    }


def test_globals_merge_keeps_global_value_when_function_has_none() -> None:
    assert merge_sam_globals({"Type": "AllAtOnce"}, ABSENT) == {"Type": "AllAtOnce"}


def test_globals_merge_treats_intrinsics_as_plain_values() -> None:
    conditional = {"Fn::If": ["IsProd", ["prod-5xx"], {"Ref": "AWS::NoValue"}]}

    merged = merge_sam_globals({"Alarms": ["global-5xx"]}, {"Alarms": conditional})

    assert merged == {"Alarms": conditional}


def test_alarm_names_are_classified_by_where_the_alarm_lives(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        """
        Resources:
          Errors:
            Type: AWS::CloudWatch::Alarm
            Properties:
              AlarmName: api-errors
          Health:
            Type: AWS::CloudWatch::CompositeAlarm
            Properties:
              AlarmRule: ALARM(api-errors)
          Topic:
            Type: AWS::SNS::Topic
          Lookup:
            Type: Custom::AlarmLookup
        """,
    )

    assert classify_alarm_name(template, {"Ref": "Errors"}) == "template"
    assert classify_alarm_name(template, {"Fn::GetAtt": ["Health", "Arn"]}) == "template"
    assert classify_alarm_name(template, "api-errors") == "template"
    assert classify_alarm_name(template, "monitoring-stack-5xx") == "external"
    assert classify_alarm_name(template, {"Fn::ImportValue": "alarm-name"}) == "external"
    assert classify_alarm_name(template, {"Fn::GetAtt": ["Lookup", "Name"]}) == "external"
    assert classify_alarm_name(template, {"Ref": "Topic"}) == "not-an-alarm"


def test_rollback_rules_on_the_shared_cdk_app(shared_dir: Path) -> None:
    """The fixture's key: A4 (ECS), A6 and A7 (CodeDeploy) are reported, with the exact
    message and line; CheckoutService and WebFleetDeploymentGroup are not."""
    template_file = (
        shared_dir
        / "cdk/app-a/cdk.out/assembly-Prod/ProdStorefront65317B0F.template.json"
    )
    template = build_template(load_document(template_file), template_file.name)
    rules = [rule for rule in load_rules() if rule.id.startswith("IGR")]

    findings, _ = check_template(template, rules, EngineOptions())

    reported = {(f.rule_id, f.logical_id, f.start_line, f.message) for f in findings}
    # Lines of ProdStorefront65317B0F.template.json.
    assert reported == {
        (
            "IGR004",
            "ReportsService9900EE3B",
            934,  # "DeploymentConfiguration": no circuit breaker inside
            "ECS service ReportsService9900EE3B does not roll back failed deployments: neither "
            "a deployment circuit breaker nor deployment alarms roll it back "
            "(DeploymentCircuitBreaker.Enable is not set)",
        ),
        (
            "IGR001",
            "BatchFleetDeploymentGroup74F792FF",
            1301,  # AutoRollbackConfiguration.Enabled: false
            "CodeDeploy deployment group BatchFleetDeploymentGroup74F792FF does not roll back "
            "automatically when a deployment fails: AutoRollbackConfiguration.Enabled is false",
        ),
        (
            "IGR002",
            "BatchFleetDeploymentGroup74F792FF",
            1295,  # AlarmConfiguration.Enabled: false
            "CodeDeploy deployment group BatchFleetDeploymentGroup74F792FF is not stopped and "
            "rolled back by alarms: AlarmConfiguration.Enabled is false",
        ),
        # Not in the fixture's key, but real: in-place CodeDeployDefault.AllAtOnce, and a
        # single-task service that may stop its only task (MinimumHealthyPercent 0).
        (
            "IGR003",
            "BatchFleetDeploymentGroup74F792FF",
            1303,  # "DeploymentConfigName"
            "CodeDeploy deployment group BatchFleetDeploymentGroup74F792FF deploys to everything "
            "at once: DeploymentConfigName is CodeDeployDefault.AllAtOnce on an in-place "
            "deployment",
        ),
        (
            "IGR006",
            "ReportsService9900EE3B",
            936,  # "MinimumHealthyPercent": 0
            "ECS service ReportsService9900EE3B lets a rolling deployment stop too many running "
            "tasks before new ones are healthy (MinimumHealthyPercent is 0)",
        ),
        # Not in the fixture's key, but real (issue 15): the reports image is :latest.
        (
            "IGR011",
            "ReportsTaskE1E331B2",
            748,  # the container's "Image"
            "ECS task definition ReportsTaskE1E331B2, container 'worker', runs an image "
            "assembled with !Join (the tag :latest): a rollback re-deploys the same tag and "
            "pulls whatever image it names by then, so it does not bring the previous image back",
        ),
    }
