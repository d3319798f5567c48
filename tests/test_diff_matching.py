"""The pieces change safety is built from: pairing resources across versions, and comparing two
values in three states."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iacguard.diff.matching import How, match_resources
from iacguard.diff.schema_facts import schema_facts
from iacguard.diff.sources import template_from_text
from iacguard.diff.values import Comparer, State
from iacguard.model.template import Template
from iacguard.model.values import Assumption


def template(text: str) -> Template:
    found = template_from_text('AWSTemplateFormatVersion: "2010-09-09"\n' + text, "t.yaml",
                               Path("t.yaml"))
    assert found is not None
    return found


def cdk_resource(logical_id: str, kind: str, path: str, properties: str = "{}") -> str:
    return (f"  {logical_id}:\n    Type: {kind}\n    Properties: {properties}\n"
            f"    Metadata: {{aws:cdk:path: {path}}}\n")


def pairs(base: Template, head: Template) -> set[tuple[str, str, How]]:
    match = match_resources(base, head, schema_facts())
    return {(p.base.logical_id, p.head.logical_id, p.how) for p in match.pairs}


def test_a_construct_under_a_new_scope_is_a_move() -> None:
    base = template("Resources:\n" + cdk_resource("OrdersA1", "AWS::SQS::Queue",
                                                  "App/Orders/Resource"))
    head = template("Resources:\n" + cdk_resource("DataOrdersB2", "AWS::SQS::Queue",
                                                  "App/Data/Orders/Resource",
                                                  "{VisibilityTimeout: 30}"))
    match = match_resources(base, head, schema_facts())
    (pair,) = match.pairs
    assert (pair.base.logical_id, pair.head.logical_id, pair.how) == ("OrdersA1", "DataOrdersB2",
                                                                      How.MOVED)
    assert pair.evidence == "construct moved from App to App/Data"


def test_two_services_are_not_one_moved_service() -> None:
    base = template("Resources:\n" + cdk_resource("Billing1", "AWS::ECS::Service",
                                                  "App/Billing/Service", "{Cluster: c}"))
    head = template("Resources:\n" + cdk_resource("Search2", "AWS::ECS::Service",
                                                  "App/Search/Service", "{Cluster: other}"))
    assert pairs(base, head) == set()


def test_ambiguous_candidates_are_not_guessed() -> None:
    queue = "{VisibilityTimeout: 30}"
    base = template("Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
                    f"    Properties: {queue}\n")
    head = template("Resources:\n" + "".join(
        f"  {name}:\n    Type: AWS::SQS::Queue\n    Properties: {queue}\n"
        for name in ("JobsA", "JobsB")))
    assert pairs(base, head) == set()


def test_same_literal_name_is_a_rename() -> None:
    base = template("Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n"
                    "    Properties: {TableName: orders, BillingMode: PROVISIONED}\n")
    head = template("Resources:\n  OrdersTable:\n    Type: AWS::DynamoDB::Table\n"
                    "    Properties: {TableName: orders, BillingMode: PAY_PER_REQUEST}\n")
    assert pairs(base, head) == {("Orders", "OrdersTable", How.RENAMED)}


PARAMETERS = """\
Parameters:
  Size: {Type: String, Default: small}
  Tier: {Type: String, AllowedValues: [gold, silver]}
Conditions:
  IsProd: !Equals [prod, prod]
Resources: {}
"""


def compare(base: Any, head: Any, head_parameters: str = PARAMETERS) -> Any:
    comparer = Comparer(template(PARAMETERS), template(head_parameters))
    return comparer.compare(base, head)


@pytest.mark.parametrize(
    ("base", "head"),
    [(5, "5"), (True, "true"), ({"Ref": "Size"}, {"Ref": "Size"}),
     ({"Fn::Sub": "x-${AWS::StackName}"}, {"Fn::Sub": "x-${AWS::StackName}"}),
     ({"A": [1, 2]}, {"A": ["1", "2"]})],
)
def test_equal_values_are_the_same(base: Any, head: Any) -> None:
    assert compare(base, head).state is State.SAME


def test_a_changed_default_makes_an_identical_reference_unknown() -> None:
    head = PARAMETERS.replace("Default: small", "Default: large")
    difference = compare({"Ref": "Size"}, {"Ref": "Size"}, head)
    assert difference.state is State.UNKNOWN
    assert difference.reason == "the Default of parameter Size changed"


def test_intrinsic_against_literal_is_unknown_never_a_guess() -> None:
    difference = compare("orders", {"Fn::Sub": "${AWS::StackName}-orders"})
    assert difference.state is State.UNKNOWN
    assert difference.reason == "a value computed by Fn::Sub at deploy time"


def test_a_change_in_one_branch_names_its_condition() -> None:
    difference = compare({"Fn::If": ["IsProd", "a", "b"]}, {"Fn::If": ["IsProd", "a", "c"]})
    assert difference.state is State.CHANGED
    assert (difference.base, difference.head) == ("b", "c")
    assert difference.assumptions == (Assumption("condition", "IsProd", False),)


def test_allowed_values_are_compared_one_by_one() -> None:
    same = compare({"Ref": "Tier"}, {"Fn::Sub": "${Tier}"})
    assert same.state is State.UNKNOWN  # Fn::Sub with a variable is computed at deploy time
    changed = compare({"Ref": "Tier"}, "gold")
    assert changed.state is State.CHANGED
    assert changed.assumptions == (Assumption("parameter", "Tier", "silver"),)
