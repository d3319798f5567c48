"""Retention-theme checks beyond the fixture files: rule options, how log group names written in
different ways are matched, UNKNOWN outcomes, and the shared CDK fixture app."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from iacguard.findings import Outcome
from iacguard.load.parse import load_document
from iacguard.model.names import name_template
from iacguard.model.template import build_template
from rule_harness import run_rule, write_template

_template = write_template
# These tests read UNKNOWN verdicts as findings too.
_run = functools.partial(run_rule, show_unknown=True)
STOREFRONT = Path("cdk/app-a/cdk.out/assembly-Prod/ProdStorefront65317B0F.template.json")






@pytest.mark.parametrize(
    "written",
    [
        "/aws/lambda/${Fn}",
        {"Fn::Sub": "/aws/lambda/${Fn}"},
        {"Fn::Sub": ["/aws/lambda/${Name}", {"Name": {"Ref": "Fn"}}]},
        {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Fn"}]]},
        {"Fn::Join": ["/", ["", "aws", "lambda", {"Ref": "Fn"}]]},
    ],
)
def test_log_group_names_written_differently_compare_equal(written: Any) -> None:
    assert name_template(written) == "/aws/lambda/${Fn}"


def test_other_intrinsics_match_only_the_same_expression() -> None:
    lookup = {"Fn::FindInMap": ["Config", "Lambda", "Prefix"]}
    function_name = {"Fn::Sub": ["${P}-1", {"P": lookup}]}
    log_group_name = {"Fn::Sub": ["/aws/lambda/${Prefix}-1", {"Prefix": lookup}]}
    assert "/aws/lambda/" + str(name_template(function_name)) == name_template(log_group_name)
    other = {"Fn::Sub": ["/aws/lambda/${P}-1", {"P": {"Fn::FindInMap": ["Config", "X", "Y"]}}]}
    assert name_template(other) != name_template(log_group_name)
    assert name_template({"NotAFunction": "x"}) is None
    assert name_template(["a", "list"]) is None


RETENTIONS = """\
Resources:
  Week:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7
  Fortnight:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 14
  Forever:
    Type: AWS::Logs::LogGroup
"""


def test_minimum_retention_is_an_option(tmp_path: Path) -> None:
    template = _template(tmp_path, RETENTIONS)
    findings, outcomes = _run(template, "IGL002", {"min_days": 14})
    assert [(f.logical_id, f.start_line, f.message) for f in findings] == [
        ("Week", 5, "Log group Week keeps logs for 7 days, less than the required 14 days"),
    ]
    # A group that never expires is IGL001's business, not a retention below the minimum.
    assert outcomes == {"Week": Outcome.FAIL, "Fortnight": Outcome.PASS, "Forever": Outcome.PASS}
    default, _ = _run(template, "IGL002")
    assert [f.logical_id for f in default] == ["Week", "Fortnight"]


def test_lambda_logging_to_a_group_outside_the_template_is_unknown(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      LoggingConfig:
        LogGroup: /shared/platform-logs
""",
    )
    findings, outcomes = _run(template, "IGL003")
    assert outcomes == {"Fn": Outcome.UNKNOWN}
    assert [(f.start_line, f.start_column) for f in findings] == [(6, 9)]


def test_bucket_used_for_nothing_growing_is_skipped(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        """\
Resources:
  Data:
    Type: AWS::S3::Bucket
  Reader:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          BUCKET: !Ref Data
""",
    )
    findings, outcomes = _run(template, "IGL004")
    assert findings == []
    assert outcomes == {"Data": Outcome.SKIP}


def test_cdk_app_lambda_log_groups_are_retained(shared_dir: Path) -> None:
    path = shared_dir / STOREFRONT
    template = build_template(load_document(path), path.name)
    _, outcomes = _run(template, "IGL003")
    assert outcomes == {
        "PriceSyncFunctionB0A4F604": Outcome.PASS,
        "ReportExportFunction00F78337": Outcome.PASS,
    }
