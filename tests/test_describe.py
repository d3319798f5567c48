"""Template values in messages read the way CloudFormation YAML writes them, in every rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iacguard.model.describe import MAX_LENGTH, describe, describe_assumptions
from iacguard.model.values import ABSENT, Assumption, Unknown
from rule_harness import run_rule, write_template


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"Ref": "AWS::StackName"}, "!Ref AWS::StackName"),
        ({"Fn::GetAtt": ["Alb", "LoadBalancerFullName"]}, "!GetAtt Alb.LoadBalancerFullName"),
        ({"Fn::GetAtt": "Alb.LoadBalancerFullName"}, "!GetAtt Alb.LoadBalancerFullName"),
        ({"Fn::Sub": "${AWS::StackName}-x"}, "!Sub '${AWS::StackName}-x'"),
        ({"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}, "!Sub ['${A}-x', {A: !Ref B}]"),
        ({"Fn::ImportValue": "tracing-mode"}, "!ImportValue 'tracing-mode'"),
        ({"Fn::If": ["IsProd", "ELB", "EC2"]}, "!If [IsProd, 'ELB', 'EC2']"),
        ({"Condition": "IsProd"}, "!Condition IsProd"),
        ("PassThrough", "'PassThrough'"),
        ("it's", "'it''s'"),
        ("two\nlines", "'two\\nlines'"),
        (ABSENT, "not set"),
        (Unknown("depends on parameter Mode"), "unknown (depends on parameter Mode)"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (7, "7"),
        (0.3, "0.3"),
        ([], "[]"),
        ({}, "{}"),
        (["api", "audit"], "['api', 'audit']"),
        ({"Name": "x", "Value": {"Ref": "Y"}}, "{Name: 'x', Value: !Ref Y}"),
    ],
)
def test_values_are_written_as_in_cloudformation_yaml(value: Any, text: str) -> None:
    assert describe(value) == text


def test_long_values_are_shortened_from_the_inside() -> None:
    long_join = {
        "Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "a-rather-long-suffix", {"Ref": "Env"}]]
    }
    value = {"Fn::If": ["IsProd", long_join, {"Ref": "AWS::NoValue"}]}

    assert describe(value) == "!If [IsProd, !Join ['-', ...], !Ref AWS::NoValue]"
    assert describe([{"Ref": "Topic"}] * 20) == "[!Ref Topic, ...]"
    assert describe("x" * 100) == "'" + "x" * 30 + "...'"
    many = {f"Key{n}": [n] * 30 for n in range(30)}
    assert len(describe(many)) <= MAX_LENGTH


def test_assumptions_name_conditions_and_parameter_values() -> None:
    assumptions = (Assumption("condition", "IsProd", False), Assumption("parameter", "Env", True))
    assert describe_assumptions(assumptions) == "condition IsProd is false and parameter Env is true"


PIPELINE_NAMED_BY_INTRINSICS = """\
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: !Sub "${AWS::StackName}-deploy"
          Actions:
            - Name: !Ref AWS::StackName
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1"}
"""


def test_messages_describe_intrinsics_a_check_hands_over(tmp_path: Path) -> None:
    """A stage or action named by an intrinsic reads as YAML, not as a Python dict."""
    template = write_template(tmp_path, PIPELINE_NAMED_BY_INTRINSICS)
    (finding,) = run_rule(template, "IGP005")[0]
    assert "stage !Sub '${AWS::StackName}-deploy'" in finding.message
    assert "(action !Ref AWS::StackName)" in finding.message
    assert "{'Ref'" not in finding.message
