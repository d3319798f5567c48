"""Relationship rules across the stacks of one CDK assembly, and UNKNOWN (never a false error)
for references that leave a plain template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iacguard.engines.rules.registry import load_rules, select_rules
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings

RULES = tuple(select_rules(load_rules(), ["IGA004"]))


def _alb_stack(export: bool) -> dict[str, Any]:
    output: dict[str, Any] = {"Value": {"Fn::GetAtt": ["WebAlb", "LoadBalancerFullName"]}}
    if export:
        output["Export"] = {"Name": "app-web:AlbFullName"}
    return {
        "Resources": {
            "WebAlb": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Subnets": ["subnet-1", "subnet-2"]},
                "Metadata": {"aws:cdk:path": "App/Web/WebAlb/Resource"},
            }
        },
        "Outputs": {"AlbFullName": output},
    }


def _alarm_stack(dimension_value: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Alb5xx": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": "HTTPCode_Target_5XX_Count",
                    "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "AlarmActions": [{"Ref": "Topic"}],
                    "Dimensions": [{"Name": "LoadBalancer", "Value": dimension_value}],
                },
            },
        }
    }


def _assembly(folder: Path, templates: dict[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True)
    (folder / "cdk.out").write_text('{"version":"55.0.0"}')
    artifacts = {}
    for artifact, template in templates.items():
        (folder / f"{artifact}.template.json").write_text(json.dumps(template, indent=1))
        artifacts[artifact] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{artifact}.template.json",
                           "stackName": f"app-{artifact.lower()}"},
            "displayName": artifact,
        }
    (folder / "manifest.json").write_text(json.dumps({"version": "55.0.0",
                                                      "artifacts": artifacts}))
    return folder


def _igA004(paths: tuple[Path, ...], root: Path, show_unknown: bool = False) -> list[tuple[str, str]]:
    report = run_check(CheckSettings(paths=paths, rules=RULES, root=root,
                                     settings=Settings(validate=False, show_unknown=show_unknown)))
    assert report.problems == []
    return [(f.logical_id, f.outcome.value) for f in report.findings if f.rule_id == "IGA004"]


def test_alarm_in_another_stack_through_get_stack_output_counts(tmp_path: Path) -> None:
    reader = {"Fn::GetStackOutput": {"StackName": "app-web", "OutputName": "AlbFullName",
                                     "Region": {"Ref": "AWS::Region"}}}
    cdk_out = _assembly(tmp_path / "cdk.out", {"Web": _alb_stack(False), "Ops": _alarm_stack(reader)})
    assert _igA004((cdk_out,), tmp_path) == []


def test_alarm_in_another_stack_through_an_export_counts(tmp_path: Path) -> None:
    cdk_out = _assembly(tmp_path / "cdk.out", {
        "Web": _alb_stack(True),
        "Ops": _alarm_stack({"Fn::ImportValue": "app-web:AlbFullName"}),
    })
    assert _igA004((cdk_out,), tmp_path) == []


def test_alarm_reading_another_output_does_not_count(tmp_path: Path) -> None:
    reader = {"Fn::GetStackOutput": {"StackName": "app-web", "OutputName": "SomethingElse"}}
    cdk_out = _assembly(tmp_path / "cdk.out", {"Web": _alb_stack(False), "Ops": _alarm_stack(reader)})
    assert _igA004((cdk_out,), tmp_path) == [("WebAlb", "fail")]


def test_separate_templates_give_unknown_not_a_false_error(tmp_path: Path) -> None:
    web = tmp_path / "web.json"
    web.write_text(json.dumps(_alb_stack(True)))
    ops = tmp_path / "ops.json"
    ops.write_text(json.dumps(_alarm_stack({"Fn::ImportValue": "app-web:AlbFullName"})))
    assert _igA004((web, ops), tmp_path) == []
    assert _igA004((web, ops), tmp_path, show_unknown=True) == [("WebAlb", "unknown")]
