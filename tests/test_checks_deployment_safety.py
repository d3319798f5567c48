"""Issue 15's rules beyond their fixture files: rule options, other stacks of a run, the shared
CDK app, custom-resource dispatch, and one finding per resource and property."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from fixture_expectations import read_expectations
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rule_file, load_rules
from iacguard.findings import Outcome, Severity
from iacguard.load.parse import load_document
from iacguard.model.template import build_template
from rule_harness import RULES, run_rule, write_template

ISSUE_15_RULES = ("IGA008", "IGA011", "IGA014", "IGA015", "IGD004", "IGR010", "IGR011",
                  "IGR012", "IGR013")
FIXTURES = Path(__file__).parent / "fixtures" / "rules"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

GATE_WITH_EXTERNAL_ALARM = """\
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: main
      TaskDefinition: web:1
      DeploymentConfiguration:
        Alarms:
          Enable: true
          Rollback: true
          AlarmNames: [monitoring-web-5xx]
"""


def test_external_alarms_option_declares_alarms_of_other_stacks(tmp_path: Path) -> None:
    template = write_template(tmp_path, GATE_WITH_EXTERNAL_ALARM)

    (finding,) = run_rule(template, "IGA014")[0]
    assert finding.severity is Severity.NOTE
    assert "names alarm 'monitoring-web-5xx'" in finding.message
    assert run_rule(template, "IGA014", {"external-alarms": ["monitoring-web-5xx"]})[0] == []


def test_an_alarm_in_another_stack_of_the_run_is_found(tmp_path: Path) -> None:
    service = write_template(tmp_path, GATE_WITH_EXTERNAL_ALARM, "service.yaml")
    monitoring = write_template(tmp_path, """\
Resources:
  Web5xx:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: monitoring-web-5xx
      Namespace: AWS/ApplicationELB
      MetricName: HTTPCode_ELB_5XX_Count
      Dimensions: [{Name: LoadBalancer, Value: app/web/50dc6c495c0c9188}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
""", "monitoring.yaml")
    findings, _ = check_template(service, [RULES["IGA014"]], EngineOptions(),
                                 workspace=(service, monitoring))
    assert findings == []


def test_custom_resource_rules_run_on_every_custom_type_and_nothing_else(tmp_path: Path) -> None:
    template = write_template(tmp_path, """\
Resources:
  ViaAlias:
    Type: Custom::CodeDeployGroup
    Properties: {ServiceToken: arn:aws:lambda:eu-west-1:111111111111:function:p}
  ViaCanonicalType:
    Type: AWS::CloudFormation::CustomResource
    Properties: {ServiceToken: arn:aws:lambda:eu-west-1:111111111111:function:p,
                 DeploymentGroupName: web}
  NotCustom:
    Type: AWS::SNS::Topic
""")
    findings, outcomes = run_rule(template, "IGR013")
    assert sorted(f.logical_id for f in findings) == ["ViaAlias", "ViaCanonicalType"]
    assert "NotCustom" not in outcomes


def test_a_custom_rule_file_may_name_every_custom_type(tmp_path: Path) -> None:
    rule = tmp_path / "ACME001.yaml"
    rule.write_text("""\
id: ACME001
name: custom-resources-have-a-service-token
title: Custom resources name their provider
severity: warning
resource-types: ["Custom::*"]
when: {path: Properties.ServiceToken, absent: true}
message: "Custom resource {logical_id} has no ServiceToken"
fix: "Set ServiceToken to the provider's ARN."
docs: {why: "A custom resource without a provider cannot be created.", failing-example: "X: {Type: Custom::A}", passing-example: "X: {Type: Custom::A, Properties: {ServiceToken: arn}}"}
references: {urls: ["https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html"]}
tags: [custom]
status: stable
since: "0.1.0"
""", encoding="utf-8")
    spec = load_rule_file(rule, builtin=False)
    template = write_template(tmp_path, "Resources:\n  X:\n    Type: Custom::Anything\n")
    (finding,) = check_template(template, [spec])[0]
    assert finding.message == "Custom resource X has no ServiceToken"


@pytest.mark.parametrize("rule_id", ISSUE_15_RULES)
def test_findings_of_one_resource_never_share_an_identity(rule_id: str) -> None:
    """A finding's fingerprint (rule, file, resource, property) is what baselines and
    suppressions hold on to: two findings of one rule must never share it."""
    rule = {r.id: r for r in load_rules()}[rule_id]
    for fixture in sorted((FIXTURES / rule_id).glob("*.yaml")):
        template = build_template(load_document(fixture), fixture.name)
        findings, _ = check_template(template, [rule], EngineOptions(show_unknown=True))
        repeated = [k for k, n in Counter(f.fingerprint for f in findings).items() if n > 1]
        assert repeated == [], fixture.name
        assert read_expectations(fixture)


def test_every_issue_15_rule_is_documented_with_references() -> None:
    rules = {r.id: r for r in load_rules()}
    for rule_id in ISSUE_15_RULES:
        rule = rules[rule_id]
        assert rule.status == "stable", rule_id
        assert rule.references.get("urls"), rule_id
        assert all(u.startswith("https://docs.aws.amazon.com/") for u in rule.references["urls"])


@pytest.fixture(scope="module")
def cdk_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    app = SHARED / "cdk" / "app-a"
    if not app.is_dir():
        pytest.skip("../shared is not present")
    out = tmp_path_factory.mktemp("cdk") / "report.json"
    subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "cdk.out", "--no-cache", "--no-validate",
         "--format", "json", "--output", str(out), "--select", "IGR011", "--select", "IGA015",
         "--select", "IGR012", "--select", "IGD004"],
        cwd=app, capture_output=True, text=True, timeout=300, check=False,
    )
    report: dict[str, object] = json.loads(out.read_text())
    return report


def test_cdk_app_latest_image_is_found_and_the_pinned_one_is_not(cdk_report: dict) -> None:
    images = [f for f in cdk_report["findings"] if f["rule_id"] == "IGR011"]
    assert [(f["logical_id"], f["construct_path"]) for f in images] == [
        ("ReportsTaskE1E331B2", "Prod/Storefront/ReportsTask/Resource")
    ]
    assert "(the tag :latest)" in images[0]["message"]
    # The CDK's own alarm and services are right: nothing that cannot fire, a grace period.
    assert not [f for f in cdk_report["findings"] if f["rule_id"] in ("IGA015", "IGR012")]
    notes = {f["logical_id"] for f in cdk_report["findings"] if f["rule_id"] == "IGD004"}
    assert notes == {"CheckoutAlb9268DFC6", "ReportsAlb9A21AE83"}
    assert {f["outcome"] for f in cdk_report["findings"]} == {Outcome.FAIL.value}
