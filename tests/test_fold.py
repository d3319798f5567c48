"""One problem, one finding: fold_findings over the merged findings of one template."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from iacguard.engines.fold import fold_findings
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.findings import Finding, Outcome, Severity
from iacguard.model.template import Template
from rule_harness import write_template


def _finding(rule_id: str, logical_id: str, path: str, message: str = "m", **extra: object
             ) -> Finding:
    source = "cfn-lint" if rule_id.startswith("cfn-lint/") else "iacguard"
    severity = Severity.ERROR if rule_id.startswith(("cfn-lint/E", "IGR004")) else Severity.WARNING
    base = Finding(
        rule_id=rule_id, rule_name=rule_id.lower(), severity=severity, message=message, fix="f",
        file="t.yaml", start_line=1, start_column=1, end_line=1, end_column=2,
        logical_id=logical_id, resource_type="AWS::ECS::Service", property_path=path,
        source=source,
    )
    return replace(base, **extra)  # type: ignore[arg-type]


BREAKER = "Properties.DeploymentConfiguration.DeploymentCircuitBreaker"
MISSPELT = [
    _finding("IGR004", "Service", f"{BREAKER}.Rollback", "Service does not roll back"),
    _finding("cfn-lint/E3003", "Service", BREAKER, "'Rollback' is a required property"),
    _finding("cfn-lint/E3002", "Service", f"{BREAKER}.Rollbak",
             "Additional properties are not allowed ('Rollbak' was unexpected. Did you mean "
             "'Rollback'?)"),
]


@pytest.fixture
def template(tmp_path: Path) -> Template:
    return write_template(tmp_path, SERVICE)


SERVICE = """\
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: main
      TaskDefinition: web:1
      DesiredCount: 2
      DeploymentConfiguration:
        DeploymentCircuitBreaker:
          Enable: true
          Rollbak: true
  Orders:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
"""


def test_a_misspelt_property_is_one_finding(template: Template) -> None:
    folded = fold_findings(MISSPELT, template)
    assert [f.rule_id for f in folded] == ["cfn-lint/E3002"]


def test_the_rule_reading_an_invalid_property_can_be_kept_as_unknown(template: Template) -> None:
    folded = fold_findings(MISSPELT, template, keep_unknown=True)
    (ours,) = [f for f in folded if f.rule_id == "IGR004"]
    assert ours.outcome is Outcome.UNKNOWN and ours.severity is Severity.NOTE
    assert ours.message.startswith(
        "cannot tell statically (cfn-lint E3003 reports "
        "Properties.DeploymentConfiguration.DeploymentCircuitBreaker invalid): "
    )


def test_unrelated_properties_are_not_folded(template: Template) -> None:
    findings = [
        _finding("IGA009", "Service", "Properties.TracingConfig"),
        _finding("cfn-lint/E3002", "Service", "Properties.Foo",
                 "Additional properties are not allowed ('Foo' was unexpected)"),
        # A missing required property at the top says nothing about the others.
        _finding("cfn-lint/E3003", "Service", "Properties", "'TaskDefinition' is a required "
                 "property"),
        _finding("IGR004", "Other", f"{BREAKER}.Rollback"),
        _finding("cfn-lint/E3012", "Service", "Properties.DesiredCount", "'two' is not of type"),
    ]
    assert fold_findings(findings, template) == findings


def test_a_rule_reading_inside_a_mistyped_property_is_dropped(template: Template) -> None:
    findings = [
        _finding("IGR006", "Service", "Properties.DeploymentConfiguration.MinimumHealthyPercent"),
        _finding("cfn-lint/E3012", "Service", "Properties.DeploymentConfiguration",
                 "'x' is not of type 'object'"),
    ]
    assert [f.rule_id for f in fold_findings(findings, template)] == ["cfn-lint/E3012"]


def test_igd001_and_w3011_on_one_resource_are_one_finding(template: Template) -> None:
    findings = [
        _finding("IGD001", "Orders", "UpdateReplacePolicy",
                 "DynamoDB table Orders has no UpdateReplacePolicy: a change that replaces it "
                 "deletes every item in the table"),
        _finding("cfn-lint/W3011", "Orders", "",
                 "Both 'UpdateReplacePolicy' and 'DeletionPolicy' are needed"),
        _finding("cfn-lint/W3011", "Other", "", "Both ... are needed"),
    ]
    folded = fold_findings(findings, template)
    assert [(f.rule_id, f.logical_id) for f in folded] == [
        ("IGD001", "Orders"), ("cfn-lint/W3011", "Other")]
    assert folded[0].message.endswith("deletes every item in the table (cfn-lint W3011 agrees)")


CDK_TEMPLATE = """\
Resources:
  Function:
    Type: AWS::Lambda::Function
    DependsOn: [FunctionRole]
    Metadata: {aws:cdk:path: Prod/Storefront/Function/Resource}
  Handler:
    Type: AWS::Lambda::Function
    Metadata:
      aws:cdk:path: Prod/Storefront/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource
  Plain:
    Type: AWS::Lambda::Function
    DependsOn: [FunctionRole]
"""


def test_what_the_cdk_generated_is_dropped_or_a_note(tmp_path: Path) -> None:
    template = write_template(tmp_path, CDK_TEMPLATE)
    findings = [
        _finding("cfn-lint/W3005", "Function", "DependsOn", "dependency already enforced"),
        _finding("cfn-lint/W3005", "Plain", "DependsOn", "dependency already enforced"),
        _finding("cfn-lint/W2531", "Handler", "Properties.Runtime", "deprecated runtime"),
        _finding("cfn-lint/E3012", "Handler", "Properties.Timeout", "wrong type"),
    ]
    folded = fold_findings(findings, template)
    assert [(f.rule_id, f.logical_id, f.severity) for f in folded] == [
        ("cfn-lint/W3005", "Plain", Severity.WARNING),
        ("cfn-lint/W2531", "Handler", Severity.NOTE),
        ("cfn-lint/E3012", "Handler", Severity.ERROR),
    ]


def test_folding_real_engine_output(template: Template) -> None:
    """The misspelling end to end: iacguard's rules and cfn-lint's, then the fold."""
    from iacguard.engines.cfnlint import validate_template

    ours, _ = check_template(template, load_rules(), EngineOptions())
    theirs = validate_template(template)
    merged = [*ours, *theirs]
    rules = {f.rule_id for f in merged}
    assert {"IGR004", "cfn-lint/E3002", "cfn-lint/E3003"} <= rules
    assert {"IGD001", "cfn-lint/W3011"} <= rules
    folded = fold_findings(merged, template)
    by_resource = {(f.logical_id, f.rule_id) for f in folded}
    assert ("Service", "cfn-lint/E3002") in by_resource
    assert not {("Service", "IGR004"), ("Service", "cfn-lint/E3003"),
                ("Orders", "cfn-lint/W3011")} & by_resource
    assert ("Orders", "IGD001") in by_resource


def test_the_command_line_reports_a_misspelling_once(tmp_path: Path) -> None:
    """Wired into every run: the whole report says one thing about the misspelt property, and
    the rule that read it counts as undecided, not failed."""
    (tmp_path / "service.yaml").write_text(SERVICE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "service.yaml", "--isolated", "--no-cache",
         "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    report = json.loads(result.stdout)
    on_service = sorted(f["rule_id"] for f in report["findings"] if f["logical_id"] == "Service")
    assert "cfn-lint/E3002" in on_service
    assert not {"IGR004", "cfn-lint/E3003"} & set(on_service), on_service
    outcomes = {(e["rule_id"], e["logical_id"]): e["outcome"] for e in report["evaluations"]}
    assert outcomes[("IGR004", "Service")] == "unknown"
