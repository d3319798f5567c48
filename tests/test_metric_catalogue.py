"""The metric catalogue (src/iacguard/data/metrics.yaml): valid against its schema, consistent,
sourced, read only when an alarm is judged, and honest about what it does not know."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from iacguard.model.alarm_health import alarm_defects
from iacguard.model.metric_catalogue import CatalogueError, metric_catalogue, parse_catalogue
from rule_harness import write_template

#: The namespaces issue 15 asks the catalogue to cover.
REQUIRED_NAMESPACES = {
    "AWS/ApplicationELB", "AWS/NetworkELB", "AWS/ELB", "AWS/ApiGateway", "AWS/Lambda",
    "AWS/ECS", "ECS/ContainerInsights", "AWS/SQS", "AWS/DynamoDB", "AWS/RDS", "AWS/States",
    "AWS/CodeBuild", "AWS/Events", "AWS/SNS",
}


def _data() -> dict[str, Any]:
    text = (resources.files("iacguard") / "data" / "metrics.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_the_catalogue_is_valid_against_its_schema() -> None:
    schema_text = (resources.files("iacguard") / "schemas" / "metric-catalogue.schema.json")
    schema = json.loads(schema_text.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_data()))
    assert errors == []


def test_every_namespace_the_issue_names_is_covered_with_its_source() -> None:
    catalogue = metric_catalogue()
    assert set(catalogue.namespaces) >= REQUIRED_NAMESPACES
    for namespace in catalogue.namespaces.values():
        assert namespace.source.startswith("https://docs.aws.amazon.com/")
        assert namespace.metrics, namespace.name
        for metric in namespace.metrics.values():
            assert metric.source.startswith("https://docs.aws.amazon.com/")
            assert metric.kind in {"count", "gauge", "percentage", "duration", "size"}
            assert metric.statistics


def test_facts_the_rules_rely_on() -> None:
    """The cases of issue 15, as the catalogue states them."""
    alb = metric_catalogue().namespaces["AWS/ApplicationELB"]
    target_5xx = alb.metrics["HTTPCode_Target_5XX_Count"]
    assert frozenset({"LoadBalancer"}) in (target_5xx.combinations or ())
    assert frozenset({"LoadBalancer", "TargetGroup"}) in (target_5xx.combinations or ())
    assert frozenset({"TargetGroup"}) not in (target_5xx.combinations or ())
    assert target_5xx.constant == 1 and target_5xx.kind == "count"
    assert alb.dimensions["LoadBalancer"].sources[
        "AWS::ElasticLoadBalancingV2::LoadBalancer"
    ].use == ("LoadBalancerFullName",)
    ecs = metric_catalogue().namespaces["AWS/ECS"]
    assert ecs.metrics["CPUUtilization"].kind == "percentage"
    assert "FunctionName" in metric_catalogue().namespaces["AWS/Lambda"].dimensions
    # REST and HTTP APIs share AWS/ApiGateway, under different metric names and dimensions.
    api = metric_catalogue().namespaces["AWS/ApiGateway"]
    assert all("ApiName" in c for c in api.metrics["5XXError"].combinations or ())
    assert all("ApiId" in c for c in api.metrics["5xx"].combinations or ())


def test_a_malformed_catalogue_is_a_clear_error() -> None:
    data = _data()
    data["namespaces"]["AWS/SQS"]["metrics"]["NumberOfMessagesSent"]["sets"] = "nowhere"
    with pytest.raises(CatalogueError, match="AWS/SQS NumberOfMessagesSent: no set group"):
        parse_catalogue(data)
    data = _data()
    data["namespaces"]["AWS/SQS"]["dimension-sets"]["queue"] = [["QueueUrl"]]
    with pytest.raises(CatalogueError, match=r"undeclared dimensions \['QueueUrl'\]"):
        parse_catalogue(data)
    with pytest.raises(CatalogueError, match="no 'namespaces' mapping"):
        parse_catalogue([])


def test_the_catalogue_is_read_only_when_an_alarm_is_judged(tmp_path: Path) -> None:
    """Checking templates without alarms never reads the catalogue file."""
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n", encoding="utf-8")
    program = (
        "import sys\n"
        "from iacguard.cli import main\n"
        "from iacguard.model.metric_catalogue import metric_catalogue\n"
        "try:\n"
        f"    main(['check', {str(template)!r}, '--no-validate', '--isolated', '--no-cache',"
        " '--jobs', '1'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('reads', metric_catalogue.cache_info().currsize)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip().splitlines()[-1] == "reads 0", result.stderr


def test_custom_namespaces_and_unlisted_metrics_are_never_judged(tmp_path: Path) -> None:
    template = write_template(
        tmp_path,
        """\
Resources:
  Custom:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: Shop/Orders
      MetricName: Failed
      Dimensions: [{Name: Whatever, Value: x}]
      Statistic: Sum
  NewAlbMetric:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/ApplicationELB
      MetricName: SomethingAwsAddsNextYear
      Dimensions: [{Name: LoadBalancer, Value: app/a/1}]
      Statistic: Sum
""",
    )
    assert template.index(alarm_defects) == {}
