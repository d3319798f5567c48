"""The template model: resources, CDK construct paths, and what the CDK generates by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engines.rules.engine import check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.load.parse import LoadedDocument, parse_text
from iacguard.model.template import build_template, looks_like_template


def _template(text: str):  # type: ignore[no-untyped-def]
    data, is_json = parse_text(text, "t.yaml")
    return build_template(LoadedDocument(Path("t.yaml"), text, data, is_json), "t.yaml")


@pytest.mark.parametrize(
    ("cdk_path", "internal"),
    [
        ("App/Api/Handler/Resource", False),
        ("App/Api/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler", True),
        ("App/Api/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource", True),
        ("App/Api/AWS679f53fac002430cb0da5b7982bd2287/Resource", True),
        ("App/Api/Provider/framework-onEvent/Resource", True),
        ("", False),
    ],
)
def test_cdk_generated_resources_are_recognised(cdk_path: str, internal: bool) -> None:
    metadata = f"    Metadata: {{aws:cdk:path: {cdk_path}}}\n" if cdk_path else ""
    template = _template(f"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n{metadata}")
    assert template.resources["Fn"].is_cdk_internal is internal
    assert template.resources["Fn"].cdk_path == cdk_path


def test_cdk_generated_resources_get_no_findings() -> None:
    template = _template(
        "Resources:\n"
        "  Mine:\n    Type: AWS::Lambda::Function\n    Metadata: {aws:cdk:path: App/Mine/Resource}\n"
        "  Helper:\n    Type: AWS::Lambda::Function\n"
        "    Metadata: {aws:cdk:path: App/Custom::CDKBucketDeployment8693BB64/Resource}\n"
        "  Meta:\n    Type: AWS::CDK::Metadata\n"
    )
    findings, _ = check_template(template, load_rules())
    assert {f.logical_id for f in findings} == {"Mine"}


@pytest.mark.parametrize(
    ("text", "is_template"),
    [
        ("AWSTemplateFormatVersion: '2010-09-09'\n", True),
        ("Resources:\n  A: {Type: AWS::SNS::Topic}\n", True),
        ("Resources:\n  A: {Properties: {}}\n", False),
        ("Resources: [a]\n", False),
        ("apiVersion: v1\nkind: Pod\n", False),
    ],
)
def test_what_counts_as_a_template(text: str, is_template: bool) -> None:
    assert looks_like_template(parse_text(text, "t.yaml")[0]) is is_template


def test_reference_index_sees_ref_getatt_sub_and_depends_on() -> None:
    template = _template(
        "Resources:\n"
        "  Lb: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}\n"
        "  Topic: {Type: AWS::SNS::Topic}\n"
        "  Alarm:\n    Type: AWS::CloudWatch::Alarm\n    DependsOn: Topic\n    Properties:\n"
        "      AlarmActions: [!Ref Topic]\n"
        "      AlarmDescription: !Sub 'for ${Lb.LoadBalancerName}'\n"
        "      Dimensions:\n        - Name: LoadBalancer\n"
        "          Value: !Join ['', [!GetAtt Lb.LoadBalancerFullName]]\n"
    )
    kinds = sorted((r.target, r.kind, r.attribute) for r in template.refs.references_from("Alarm"))
    assert kinds == [
        ("Lb", "GetAtt", "LoadBalancerFullName"),
        ("Lb", "GetAtt", "LoadBalancerName"),
        ("Topic", "DependsOn", ""),
        ("Topic", "Ref", ""),
    ]
    assert {r.source for r in template.refs.referrers("Lb")} == {"Alarm"}
