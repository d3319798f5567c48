"""Alarms-theme checks beyond the fixture files: rule options, the shared CDK fixture app, and
that relationship checks read a template's alarms once, not once per entry point."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from iacguard.findings import Finding, Outcome, Role, Severity
from iacguard.load.parse import load_document
from iacguard.model import metrics
from iacguard.model.template import Template, build_template
from rule_harness import run_rule, write_template

_template = write_template
STOREFRONT = Path("cdk/app-a/cdk.out/assembly-Prod/ProdStorefront65317B0F.template.json")




def _findings(
    template: Template,
    rule_id: str,
    options: Mapping[str, Any] | None = None,
    show_unknown: bool = False,
) -> list[Finding]:
    return run_rule(template, rule_id, options, show_unknown)[0]


def _located(findings: list[Finding]) -> list[tuple[str, int, str]]:
    return [(f.logical_id, f.start_line, f.outcome.value) for f in findings]


CLUSTER_WITHOUT_SETTING = """\
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: shop
"""


def test_container_insights_account_default_decides_clusters_without_the_setting(
    tmp_path: Path,
) -> None:
    template = _template(tmp_path, CLUSTER_WITHOUT_SETTING)

    assert _findings(template, "IGA012") == []
    assert _findings(template, "IGA012", {"account-default": "enhanced"}) == []
    (finding,) = _findings(template, "IGA012", {"account-default": "disabled"})
    assert (finding.logical_id, finding.start_line, finding.start_column) == ("Cluster", 4, 5)
    assert finding.message == (
        "ECS cluster Cluster does not collect Container Insights metrics "
        "(containerInsights is not set)"
    )
    (unknown,) = _findings(template, "IGA012", show_unknown=True)
    assert unknown.outcome is Outcome.UNKNOWN
    assert "the account default decides" in unknown.message


EKS_API_AND_AUDIT = """\
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      RoleArn: arn:aws:iam::111111111111:role/eks
      ResourcesVpcConfig:
        SubnetIds: [subnet-1]
      Logging:
        ClusterLogging:
          EnabledTypes:
            - Type: api
            - Type: audit
"""


def test_eks_required_log_types_follow_the_option(tmp_path: Path) -> None:
    template = _template(tmp_path, EKS_API_AND_AUDIT)

    assert _findings(template, "IGA013") == []
    strict = {"required-log-types": ["api", "audit", "authenticator", "scheduler"]}
    (finding,) = _findings(template, "IGA013", strict)
    assert finding.start_line == 10
    assert finding.message == (
        "EKS cluster Cluster does not send its authenticator, scheduler control plane logs "
        "to CloudWatch Logs"
    )


ALB_WITH_4XX_ALARM = """\
Resources:
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
  ClientErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ApplicationELB
      MetricName: HTTPCode_ELB_4XX_Count
      Dimensions:
        - Name: LoadBalancer
          Value: !GetAtt Alb.LoadBalancerFullName
"""


def test_error_metric_names_come_from_the_rule_options(tmp_path: Path) -> None:
    template = _template(tmp_path, ALB_WITH_4XX_ALARM)

    (finding,) = _findings(template, "IGA004")
    assert (finding.logical_id, finding.start_line) == ("Alb", 2)
    assert "HTTPCode_Target_5XX_Count or HTTPCode_ELB_5XX_Count" in finding.message
    widened = {"alb-metrics": ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_4XX_Count"]}
    assert _findings(template, "IGA004", widened) == []


def _many_load_balancers(count: int, alarmed: int) -> str:
    lines = ["Resources:"]
    for number in range(count):
        lines += [f"  Alb{number}:", "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer"]
    for number in range(alarmed):
        lines += [
            f"  Alb{number}Errors:",
            "    Type: AWS::CloudWatch::Alarm",
            "    Properties:",
            "      Namespace: AWS/ApplicationELB",
            "      MetricName: HTTPCode_Target_5XX_Count",
            "      Dimensions:",
            "        - Name: LoadBalancer",
            f"          Value: !GetAtt Alb{number}.LoadBalancerFullName",
        ]
    return "\n".join(lines) + "\n"


def test_alarms_are_read_once_per_template_not_once_per_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _template(tmp_path, _many_load_balancers(count=40, alarmed=39))
    read: list[str] = []
    original = metrics._watches_of

    def counting(alarm: Any, resolver: Any) -> Any:
        read.append(alarm.logical_id)
        return original(alarm, resolver)

    monkeypatch.setattr(metrics, "_watches_of", counting)
    findings = _findings(template, "IGA004") + _findings(template, "IGA005")

    assert sorted(read) == sorted(f"Alb{n}Errors" for n in range(39))
    assert [(f.rule_id, f.logical_id) for f in findings if f.rule_id == "IGA004"] == [
        ("IGA004", "Alb39")
    ]
    assert len([f for f in findings if f.rule_id == "IGA005"]) == 40


def test_each_template_gets_its_own_alarm_index(tmp_path: Path) -> None:
    """Two templates with the same text are still two templates: one has the alarm removed."""
    alarmed = _template(tmp_path, _many_load_balancers(count=1, alarmed=1), "a.yaml")
    bare = _template(tmp_path, _many_load_balancers(count=1, alarmed=0), "b.yaml")

    assert _findings(alarmed, "IGA004") == []
    assert _located(_findings(bare, "IGA004")) == [("Alb0", 2, "fail")]
    assert _findings(alarmed, "IGA004") == []


@pytest.fixture
def storefront(shared_dir: Path) -> Template:
    path = shared_dir / STOREFRONT
    return build_template(load_document(path), STOREFRONT.name)


def test_cdk_app_reports_the_load_balancer_without_a_5xx_alarm(storefront: Template) -> None:
    """Defect A5; CheckoutAlb is alarmed through GetAtt LoadBalancerFullName."""
    assert [f.logical_id for f in _findings(storefront, "IGA004")] == ["ReportsAlb9A21AE83"]


def test_cdk_app_reports_the_function_without_tracing(storefront: Template) -> None:
    """Defect A8; PriceSyncFunction has TracingConfig.Mode Active."""
    (finding,) = _findings(storefront, "IGA009")
    assert finding.logical_id == "ReportExportFunction00F78337"
    assert finding.construct_path == "Prod/Storefront/ReportExportFunction/Resource"
    # Nothing in the app invokes the function (no event source, API or schedule), so its role
    # is unknown: the defect is reported as a note that says why, not as a warning.
    assert finding.message == (
        "Lambda function ReportExportFunction00F78337 (role unknown: nothing in this template "
        "invokes it) does not send X-Ray traces (tracing mode is not set)"
    )
    assert finding.severity is Severity.NOTE
    assert finding.role == Role("unknown", "nothing in this template invokes it")


def test_cdk_app_alarm_has_actions(storefront: Template) -> None:
    assert _findings(storefront, "IGA001") == []
    assert _findings(storefront, "IGA002") == []


def test_indexes_belong_to_their_template(tmp_path: Path) -> None:
    """Two templates with the same text each build their own index, once."""
    first = _template(tmp_path, CLUSTER_WITHOUT_SETTING, "x.yaml")
    second = _template(tmp_path, CLUSTER_WITHOUT_SETTING, "y.yaml")
    built: list[str] = []

    def resource_ids(template: Template) -> tuple[str, ...]:
        built.append(template.display_path)
        return tuple(template.resources)

    assert first.index(resource_ids) is first.index(resource_ids)
    assert second.index(resource_ids) == first.index(resource_ids)
    assert built == ["x.yaml", "y.yaml"]
