"""Function roles read from the template graph (model/function_roles.py), the conditions a
parameter decides (model/decisions.py) and the data types of IGD001 (model/stateful.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.model.decisions import condition_parameters, deploy_time_choices
from iacguard.model.function_roles import (
    AT_EDGE,
    CONFIG_EVALUATOR,
    FunctionRole,
    RoleKind,
    function_roles,
)
from iacguard.model.stateful import data_type
from iacguard.model.template import Template
from iacguard.model.values import Assumption
from rule_harness import write_template

USER, CONSUMER, HELPER, UNKNOWN = (
    RoleKind.USER_FACING, RoleKind.EVENT_CONSUMER, RoleKind.DEPLOYMENT_HELPER, RoleKind.UNKNOWN
)

GRAPH = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: src/
    DeploymentPreference:
      Type: Canary10Percent5Minutes
      Hooks:
        PreTraffic: !Ref GlobalHook
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  OrderId:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Orders, PathPart: "{id}"}
  GetOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref OrderId
      HttpMethod: get
      Integration:
        Type: AWS_PROXY
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${RestHandler.Arn}/invocations
  RestHandler:
    Type: AWS::Serverless::Function
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties: {ProtocolType: HTTP}
  CheckoutIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt HttpHandler.Arn
  CheckoutRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: POST /checkout
      Target: !Sub integrations/${CheckoutIntegration}
  HttpHandler:
    Type: AWS::Serverless::Function
  SamApi:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {Path: /items, Method: get}}
  ViaPermission:
    Type: AWS::Lambda::Function
  ApiPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref ViaPermission
      Action: lambda:InvokeFunction
      Principal: !Sub apigateway.${AWS::URLSuffix}
  Queue:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Lambda::Function
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Queue.Arn, FunctionName: !Ref Worker}
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      Targets: [{Id: t, Arn: !GetAtt Cron.Arn}]
  Cron:
    Type: AWS::Lambda::Function
  Provider:
    Type: AWS::Lambda::Function
  Seed:
    Type: Custom::Seed
    Properties: {ServiceToken: !GetAtt Provider.Arn}
  MacroHandler:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {WORKER: !GetAtt MacroWorker.Arn}}
  MacroWorker:
    Type: AWS::Serverless::Function
  Macro:
    Type: AWS::CloudFormation::Macro
    Properties: {Name: Upper, FunctionName: !GetAtt MacroHandler.Arn}
  GlobalHook:
    Type: AWS::Serverless::Function
  NamedHook:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: CodeDeployHook_smoke}
  DescribedProvider:
    Type: AWS::Lambda::Function
    Properties: {Description: Custom CloudFormation resource that looks up an AMI}
  BothApiAndProvider:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {Path: /ami, Method: get}}
  Lookup:
    Type: Custom::Lookup
    Properties: {ServiceToken: !GetAtt BothApiAndProvider.Arn}
  Edge:
    Type: AWS::Serverless::Function
    Properties: {AutoPublishAlias: live}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior:
          LambdaFunctionAssociations:
            - {EventType: viewer-request, LambdaFunctionARN: !Ref Edge.Version}
  Evaluator:
    Type: AWS::Lambda::Function
  TagsRule:
    Type: AWS::Config::ConfigRule
    Properties:
      Source: {Owner: CUSTOM_LAMBDA, SourceIdentifier: !GetAtt Evaluator.Arn}
  Lonely:
    Type: AWS::Lambda::Function
  OrderedAfterMacro:
    Type: AWS::Lambda::Function
    DependsOn: MacroHandler
"""


@pytest.fixture(scope="module")
def roles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FunctionRole]:
    template = write_template(tmp_path_factory.mktemp("roles"), GRAPH)
    return dict(template.index(function_roles))


@pytest.mark.parametrize(
    ("function", "kind", "reason"),
    [
        ("RestHandler", USER, "API GET /orders/{id}"),
        ("HttpHandler", USER, "API POST /checkout"),
        ("SamApi", USER, "API GET /items"),
        ("ViaPermission", USER, "permission ApiPermission lets apigateway invoke it"),
        ("Worker", CONSUMER, "event source mapping Mapping"),
        ("Cron", CONSUMER, "schedule Nightly: cron(0 3 * * ? *)"),
        ("Provider", HELPER, "custom resource ServiceToken of Seed"),
        ("MacroHandler", HELPER, "CloudFormation macro Macro"),
        ("MacroWorker", HELPER,
         "called by deployment helper function MacroHandler (CloudFormation macro Macro)"),
        ("GlobalHook", HELPER, "CodeDeploy traffic hook in Globals.Function"),
        ("NamedHook", HELPER, "CodeDeploy lifecycle hook by its name CodeDeployHook_smoke"),
        ("DescribedProvider", HELPER, "its Description calls it a custom resource"),
        ("BothApiAndProvider", USER, "HTTP API GET /ami"),
        ("Edge", USER, "Lambda@Edge of distribution Cdn"),
        ("Evaluator", CONSUMER, "AWS Config rule TagsRule"),
        ("Lonely", UNKNOWN, "nothing in this template invokes it"),
        # Deployed after a helper is not called by it.
        ("OrderedAfterMacro", UNKNOWN, "nothing in this template invokes it"),
    ],
)
def test_roles_and_the_evidence_that_decides_them(
    roles: dict[str, FunctionRole], function: str, kind: RoleKind, reason: str
) -> None:
    assert (roles[function].kind, roles[function].reason) == (kind, reason)


def test_traits_follow_the_deciding_evidence(roles: dict[str, FunctionRole]) -> None:
    assert roles["Edge"].traits == {AT_EDGE}
    assert roles["Evaluator"].traits == {CONFIG_EVALUATOR}
    assert roles["RestHandler"].traits == frozenset()
    # A helper that also serves an API is operated as the API function it is.
    assert roles["BothApiAndProvider"].evidence == ("HTTP API GET /ami",)


REGISTRY_PROJECT = """\
Transform: AWS::Serverless-2016-10-31
Description: AWS SAM template for the AWSSamples::BucketTags::Hook resource type
Resources:
  TypeFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: handlers.hook, Runtime: python3.12, CodeUri: build/}
  TestEntrypoint:
    Type: AWS::Serverless::Function
    Properties: {Handler: handlers.test_entrypoint, Runtime: python3.12, CodeUri: build/}
"""


def test_a_cloudformation_cli_project_holds_registry_handlers(tmp_path: Path) -> None:
    template = write_template(tmp_path, REGISTRY_PROJECT)
    roles = template.index(function_roles)
    assert {name: (r.kind, r.reason) for name, r in roles.items()} == {
        name: (HELPER, "handler of CloudFormation extension AWSSamples::BucketTags::Hook")
        for name in ("TypeFunction", "TestEntrypoint")
    }


def test_the_same_names_without_a_registry_description_are_unknown(tmp_path: Path) -> None:
    template = write_template(
        tmp_path, REGISTRY_PROJECT.replace("resource type", "application")
    )
    assert {r.kind for r in template.index(function_roles).values()} == {UNKNOWN}


CONDITIONS = """\
Parameters:
  Env: {Type: String}
  Alerts: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  AlertsOn: !And [!Condition IsProd, !Equals [!Ref Alerts, "on"]]
  InUsEast1: !Equals [!Ref "AWS::Region", us-east-1]
  Loop: !Not [!Condition Loop]
Resources:
  Topic: {Type: AWS::SNS::Topic}
"""


def test_conditions_know_the_parameters_that_decide_them(tmp_path: Path) -> None:
    template: Template = write_template(tmp_path, CONDITIONS)
    assert dict(template.index(condition_parameters)) == {
        "IsProd": ("Env",),
        "AlertsOn": ("Env", "Alerts"),
        "InUsEast1": (),
        "Loop": (),
    }
    choices = deploy_time_choices(
        template,
        (Assumption("condition", "AlertsOn", False), Assumption("condition", "InUsEast1", True)),
    )
    assert [c.describe() for c in choices] == [
        "condition AlertsOn is false, which parameters Env and Alerts choose"
    ]


STATEFUL = """\
Resources:
  Standalone: {Type: AWS::RDS::DBInstance, Properties: {Engine: postgres}}
  AuroraMember: {Type: AWS::RDS::DBInstance, Properties: {DBClusterIdentifier: c}}
  Replica: {Type: AWS::RDS::DBInstance, Properties: {SourceDBInstanceIdentifier: s}}
  Bucket: {Type: AWS::S3::Bucket}
"""


def test_instances_that_hold_no_data_of_their_own(tmp_path: Path) -> None:
    template = write_template(tmp_path, STATEFUL)
    kept = {name: data_type(r) for name, r in template.resources.items()}
    assert kept["Standalone"] is not None and kept["Standalone"].deletion_default == "Snapshot"
    assert kept["AuroraMember"] is None and kept["Replica"] is None and kept["Bucket"] is None
