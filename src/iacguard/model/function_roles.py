"""What each Lambda function of a template is for, read from the template graph.

Rules that ask a team to operate a function (an Errors alarm, X-Ray tracing, a retained log
group) are right about the functions that serve users or consume events, and noise on the ones
that only run while CloudFormation deploys. :func:`function_roles` classifies every
``AWS::Lambda::Function`` and ``AWS::Serverless::Function`` of a template, with the evidence
that decided it:

- *user-facing*: in a request path (API Gateway REST, HTTP and WebSocket integrations and
  authorizers, SAM ``Api``/``HttpApi`` events, ALB targets, function URLs, AppSync data
  sources, CloudFront/Lambda@Edge, Cognito triggers);
- *event consumer*: invoked by an event source (SQS, Kinesis, DynamoDB streams, EventBridge
  rules and schedules, SNS, S3 notifications, Step Functions, log subscriptions, AWS Config
  rules, secret rotation, ...);
- *deployment helper*: only runs while stacks deploy (custom-resource ``ServiceToken``
  targets, macros, CodeDeploy lifecycle hooks, CloudFormation hooks and registry handlers,
  functions the CDK adds for its own custom resources, CodePipeline actions);
- *unknown*: nothing in the template invokes it (another stack, a person or code does).

A function with evidence of several kinds takes the first of the order above: a function that
serves an API is operated as such even when a custom resource also calls it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from iacguard.model import cdk
from iacguard.model.api_routes import integration_routes, rest_method_route
from iacguard.model.refs import Reference
from iacguard.model.template import Resource, Template

LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"
FUNCTION_TYPES = (LAMBDA_FUNCTION, SAM_FUNCTION)
#: Resources that stand for a function (a published version, an alias): whoever invokes them
#: invokes the function.
_FUNCTION_HANDLES = ("AWS::Lambda::Version", "AWS::Lambda::Alias")


class RoleKind(str, enum.Enum):
    USER_FACING = "user-facing"
    EVENT_CONSUMER = "event consumer"
    DEPLOYMENT_HELPER = "deployment helper"
    UNKNOWN = "unknown"


#: The order in which kinds win when a function has evidence of several.
_PRECEDENCE = (RoleKind.USER_FACING, RoleKind.EVENT_CONSUMER, RoleKind.DEPLOYMENT_HELPER)


#: Traits of how a function runs that change what operating it means.
#: Lambda@Edge: CloudFront runs it in many Regions, which hold its logs and metrics.
AT_EDGE = "at-edge"
#: Invoked by AWS Config to evaluate a rule: Config shows its failures on the rule.
CONFIG_EVALUATOR = "config-evaluator"


@dataclass(frozen=True)
class FunctionRole:
    kind: RoleKind
    #: What decided it, most telling first ("API POST /checkout", "macro Upper", ...).
    evidence: tuple[str, ...] = ()
    #: Traits every piece of the deciding evidence shares (AT_EDGE, CONFIG_EVALUATOR).
    traits: frozenset[str] = frozenset()

    @property
    def reason(self) -> str:
        if self.evidence:
            return self.evidence[0]
        return "nothing in this template invokes it"

    def label(self, logical_id: str) -> str:
        """``user-facing function Checkout (API POST /checkout)``."""
        return f"{self.kind.value} function {logical_id} ({self.reason})"


UNKNOWN_ROLE = FunctionRole(RoleKind.UNKNOWN)


class Evidence(NamedTuple):
    """One reason for a role: its kind, the words a message shows, and a trait (or "")."""

    kind: RoleKind
    text: str
    trait: str = ""


def function_roles(template: Template) -> Mapping[str, FunctionRole]:
    """Every function of the template by logical id.

    An index: ``template.index(function_roles)``; :func:`role_of` reads one function.
    """
    handles = _handles(template)
    hooks = set(_globals_hooks(template))
    roles: dict[str, FunctionRole] = {}
    for function in template.resources_of_type(*FUNCTION_TYPES):
        found = [
            *_own_evidence(template, function),
            *_invoker_evidence(template, function, handles),
        ]
        if function.logical_id in hooks:
            found.append(Evidence(HELPER, "CodeDeploy traffic hook in Globals.Function"))
        roles[function.logical_id] = _decide(found)
    return _with_callers(template, roles)


def _with_callers(
    template: Template, roles: Mapping[str, FunctionRole]
) -> dict[str, FunctionRole]:
    """A function nothing else explains, whose name or ARN another function of the template is
    given (in its environment or policies), works for that function: it takes its role."""
    result = dict(roles)
    for logical_id, role in roles.items():
        if role.kind is not RoleKind.UNKNOWN:
            continue
        for reference in template.refs.referrers(logical_id):
            caller = roles.get(reference.source)
            if reference.kind == "DependsOn" or caller is None:
                continue  # an ordering dependency is not a call
            if caller.kind is not RoleKind.UNKNOWN:
                evidence = f"called by {caller.label(reference.source)}"
                result[logical_id] = FunctionRole(caller.kind, (evidence,))
                break
    return result


def role_of(template: Template, function: Resource) -> FunctionRole:
    return template.index(function_roles).get(function.logical_id, UNKNOWN_ROLE)


def _decide(items: list[Evidence]) -> FunctionRole:
    for kind in _PRECEDENCE:
        deciding = [item for item in items if item.kind is kind]
        if deciding:
            evidence = tuple(dict.fromkeys(item.text for item in deciding))
            traits = {item.trait for item in deciding}
            shared = frozenset(traits) if len(traits) == 1 and "" not in traits else frozenset()
            return FunctionRole(kind, evidence, shared)
    return UNKNOWN_ROLE


USER, CONSUMER, HELPER = (
    RoleKind.USER_FACING, RoleKind.EVENT_CONSUMER, RoleKind.DEPLOYMENT_HELPER
)


# --- what the function says about itself --------------------------------------------------

#: SAM event source types that put a function in a request path; every other type is an
#: event source it consumes.
_SAM_USER_FACING_EVENTS = frozenset({"Api", "HttpApi", "Cognito", "AlexaSkill"})
_SAM_EVENT_LABELS = {
    "Api": "API", "HttpApi": "HTTP API", "Cognito": "Cognito trigger", "AlexaSkill": "Alexa skill",
    "S3": "S3 event", "SNS": "SNS event", "SQS": "SQS event", "Kinesis": "Kinesis event",
    "DynamoDB": "DynamoDB stream event", "Schedule": "schedule", "ScheduleV2": "schedule",
    "CloudWatchEvent": "EventBridge rule", "EventBridgeRule": "EventBridge rule",
    "CloudWatchLogs": "log subscription", "IoTRule": "IoT rule", "MSK": "MSK event",
    "MQ": "MQ event", "SelfManagedKafka": "Kafka event", "DocumentDB": "DocumentDB event",
}
#: A registry extension project made by the CloudFormation CLI (``cfn init``) declares its
#: handler and contract-test entry point under these names, in a SAM template only used to
#: test the handler locally; the template's Description names the extension's type.
_REGISTRY_HANDLER_IDS = frozenset({"TypeFunction", "TestEntrypoint"})
_REGISTRY_TYPE = re.compile(r"\b([A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+) resource type")
#: CodeDeploy's naming convention for lifecycle hook functions (its default service role may
#: only invoke functions named so).
_CODEDEPLOY_HOOK_PREFIX = "CodeDeployHook_"


def _own_evidence(template: Template, function: Resource) -> Iterator[Evidence]:
    properties = function.properties
    events = properties.get("Events") if function.type == SAM_FUNCTION else None
    if isinstance(events, Mapping):
        for name, event in events.items():
            if isinstance(event, Mapping):
                yield _sam_event(str(name), event)
    if function.type == SAM_FUNCTION and isinstance(properties.get("FunctionUrlConfig"), Mapping):
        yield Evidence(USER, "function URL")
    name = properties.get("FunctionName")
    if isinstance(name, str) and name.startswith(_CODEDEPLOY_HOOK_PREFIX):
        yield Evidence(HELPER, f"CodeDeploy lifecycle hook by its name {name}")
    if cdk.is_framework_function(function.cdk_path):
        yield Evidence(HELPER, "added by the CDK for its own custom resources")
    registry_type = _registry_extension(template, function)
    if registry_type is not None:
        yield Evidence(HELPER, f"handler of CloudFormation extension {registry_type}")
    described = _described_as_custom_resource(template, function)
    if described is not None:
        yield Evidence(HELPER, described)


def _sam_event(name: str, event: Mapping[str, Any]) -> Evidence:
    event_type = str(event.get("Type", ""))
    label = _SAM_EVENT_LABELS.get(event_type, f"{event_type} event")
    kind = USER if event_type in _SAM_USER_FACING_EVENTS else CONSUMER
    details = event.get("Properties")
    if event_type in ("Api", "HttpApi") and isinstance(details, Mapping):
        method, path = details.get("Method"), details.get("Path")
        if isinstance(method, str) and isinstance(path, str):
            return Evidence(kind, f"{label} {method.upper()} {path}")
    return Evidence(kind, f"{label} {name}")


def _registry_extension(template: Template, function: Resource) -> str | None:
    if function.logical_id not in _REGISTRY_HANDLER_IDS:
        return None
    description = template.root.get("Description")
    match = _REGISTRY_TYPE.search(description) if isinstance(description, str) else None
    return match.group(1) if match else None


#: How authors describe a custom-resource provider whose ServiceToken users live in another
#: stack ("Custom CloudFormation resource to ...", "Lambda custom resource for ...").
_CUSTOM_RESOURCE_WORDS = re.compile(r"custom\s*(?:cloud\s*formation\s*)?resource", re.IGNORECASE)


def _described_as_custom_resource(template: Template, function: Resource) -> str | None:
    """The function, an output exporting it, or a one-function template is described as a
    custom resource: its ServiceToken users are in other stacks."""
    if _mentions_custom_resource(function.properties.get("Description")):
        return "its Description calls it a custom resource"
    for name, output in template.outputs.items():
        if not isinstance(output, Mapping) or "Export" not in output:
            continue
        if function.logical_id in template.index(_output_targets).get(str(name), ()) and (
            _mentions_custom_resource(output.get("Description"))
            or _mentions_custom_resource(output.get("Export"))
        ):
            return f"output {name} exports it as a custom resource"
    single = len(template.resources_of_type(*FUNCTION_TYPES)) == 1
    if single and _mentions_custom_resource(template.root.get("Description")):
        return "the template's Description calls it a custom resource"
    return None


def _mentions_custom_resource(value: Any) -> bool:
    text = value.get("Name") if isinstance(value, Mapping) else value
    return isinstance(text, str) and _CUSTOM_RESOURCE_WORDS.search(text) is not None


def _output_targets(template: Template) -> Mapping[str, frozenset[str]]:
    """Output name -> the resources its Value references. An index."""
    from iacguard.model.exports import exported_references

    targets: dict[str, set[str]] = {}
    for target, references in template.index(exported_references).items():
        for reference in references:
            targets.setdefault(reference.source.removeprefix("Outputs."), set()).add(target)
    return {name: frozenset(found) for name, found in targets.items()}


def _globals_hooks(template: Template) -> Iterator[str]:
    """Functions named as CodeDeploy hooks in ``Globals.Function.DeploymentPreference.Hooks``
    (the reference index covers Resources only)."""
    defaults = template.globals.get("Function")
    preference = defaults.get("DeploymentPreference") if isinstance(defaults, Mapping) else None
    hooks = preference.get("Hooks") if isinstance(preference, Mapping) else None
    if not isinstance(hooks, Mapping):
        return
    for value in hooks.values():
        target = value.get("Ref") if isinstance(value, Mapping) else value
        if isinstance(target, str):
            yield target


# --- who invokes it -------------------------------------------------------------------------


def _handles(template: Template) -> Mapping[str, str]:
    """Version or alias -> the function it stands for (an alias of a version: its function)."""
    direct: dict[str, str] = {}
    for handle in template.resources_of_type(*_FUNCTION_HANDLES):
        for reference in template.refs.references_from(handle.logical_id):
            if _named(reference.path)[:2] == (_P, "FunctionName"):
                direct[handle.logical_id] = reference.target
    return {handle: direct.get(target, target) for handle, target in direct.items()}


def _invoker_evidence(
    template: Template, function: Resource, handles: Mapping[str, str]
) -> Iterator[Evidence]:
    stand_ins = [handle for handle, target in handles.items() if target == function.logical_id]
    # SAM's !Ref Function.Version and !Ref Function.Alias name what AutoPublishAlias publishes.
    sam_handles = (f"{function.logical_id}.Version", f"{function.logical_id}.Alias")
    for name in (function.logical_id, *stand_ins, *sam_handles):
        for reference in template.refs.referrers(name):
            source = template.resources.get(reference.source)
            if source is None or reference.kind == "DependsOn":
                continue
            found = _evidence_of(template, source, reference)
            if found is not None:
                yield found


def _evidence_of(template: Template, source: Resource, reference: Reference) -> Evidence | None:
    named = _named(reference.path)
    if source.type.startswith("Custom::") or source.type == "AWS::CloudFormation::CustomResource":
        if named[:2] == (_P, "ServiceToken"):
            return Evidence(HELPER, f"custom resource ServiceToken of {source.logical_id}")
        return None
    for prefix, explain in _INVOKERS.get(source.type, ()):
        if named[: len(prefix)] == prefix:
            return explain(template, source)
    return None


def _named(path: tuple[Any, ...]) -> tuple[str, ...]:
    """A reference path without list positions and ``Fn::If`` hops, to compare with prefixes."""
    return tuple(p for p in path if isinstance(p, str) and p != "Fn::If")


Explain = Callable[[Template, Resource], "Evidence | None"]
_P = "Properties"


def _says(kind: RoleKind, text: str, trait: str = "") -> Explain:
    """Evidence of ``kind`` naming the invoking resource: ``text.format(id=<logical id>)``."""
    return lambda template, source: Evidence(kind, text.format(id=source.logical_id), trait)


def _api_method(template: Template, source: Resource) -> Evidence:
    return Evidence(USER, f"API {rest_method_route(template, source)}")


def _api_integration(template: Template, source: Resource) -> Evidence:
    routes = integration_routes(template, source.logical_id)
    text = f"API {routes[0]}" if routes else f"API integration {source.logical_id}"
    return Evidence(USER, text)


def _schedule_or_rule(template: Template, source: Resource) -> Evidence:
    schedule = source.properties.get("ScheduleExpression")
    if isinstance(schedule, str):
        return Evidence(CONSUMER, f"schedule {source.logical_id}: {schedule}")
    return Evidence(CONSUMER, f"EventBridge rule {source.logical_id}")


#: Service principals (the part before ``.amazonaws.com``) allowed to invoke a function, by the
#: role that gives it.
_PRINCIPAL_KINDS: Mapping[str, RoleKind] = {
    **dict.fromkeys(
        ("apigateway", "elasticloadbalancing", "cognito-idp", "edgelambda", "lex", "connect",
         "alexa-appkit", "alexa-connectedhome", "appsync"),
        USER,
    ),
    **dict.fromkeys(
        ("s3", "sns", "sqs", "events", "logs", "iot", "config", "scheduler", "states", "kinesis",
         "dynamodb", "firehose", "secretsmanager", "ses", "lambda.alarms.cloudwatch",
         "cloudwatch", "pipes"),
        CONSUMER,
    ),
    **dict.fromkeys(("cloudformation", "codepipeline", "codedeploy"), HELPER),
}
_PRINCIPAL_TRAITS = {"edgelambda": AT_EDGE, "config": CONFIG_EVALUATOR}
_SERVICE_PRINCIPAL = re.compile(
    r"^([a-z0-9.-]+?)\.(?:amazonaws\.com|amazon\.com|\$\{AWS::URLSuffix\})"
)


def _permission(template: Template, source: Resource) -> Evidence | None:
    properties = source.properties
    if "FunctionUrlAuthType" in properties:
        return Evidence(USER, f"function URL permission {source.logical_id}")
    principal = _principal_text(properties.get("Principal"))
    match = _SERVICE_PRINCIPAL.match(principal) if principal else None
    kind = _PRINCIPAL_KINDS.get(match.group(1)) if match else None
    if kind is None or match is None:
        return None
    service = match.group(1)
    return Evidence(
        kind, f"permission {source.logical_id} lets {service} invoke it",
        _PRINCIPAL_TRAITS.get(service, ""),
    )


def _principal_text(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Fn::Sub":
            value = argument[0] if isinstance(argument, list) and argument else argument
        elif function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            parts = argument[1] if isinstance(argument[1], list) else []
            value = "".join(p if isinstance(p, str) else "${AWS::URLSuffix}" for p in parts)
    return value if isinstance(value, str) else None


#: Both SAM API types reach functions through their OpenAPI definition and their authorizers.
_SAM_API_INVOKES: tuple[tuple[tuple[str, ...], Explain], ...] = (
    ((_P, "DefinitionBody"), _says(USER, "OpenAPI definition of API {id}")),
    ((_P, "Auth"), _says(USER, "authorizer of API {id}")),
)

#: Source type -> (reference path prefix, evidence) for resources that invoke a function.
_INVOKERS: Mapping[str, tuple[tuple[tuple[str, ...], Explain], ...]] = {
    "AWS::ApiGateway::Method": (((_P, "Integration"), _api_method),),
    "AWS::ApiGateway::Authorizer": (((_P, "AuthorizerUri"), _says(USER, "API authorizer {id}")),),
    "AWS::ApiGateway::RestApi": (((_P, "Body"), _says(USER, "OpenAPI body of API {id}")),),
    "AWS::ApiGatewayV2::Integration": (((_P, "IntegrationUri"), _api_integration),),
    "AWS::ApiGatewayV2::Authorizer": (
        ((_P, "AuthorizerUri"), _says(USER, "API authorizer {id}")),
    ),
    "AWS::ApiGatewayV2::Api": (
        ((_P, "Body"), _says(USER, "OpenAPI body of API {id}")),
        ((_P, "Target"), _says(USER, "default route of API {id}")),
    ),
    "AWS::Serverless::Api": _SAM_API_INVOKES,
    "AWS::Serverless::HttpApi": _SAM_API_INVOKES,
    "AWS::ElasticLoadBalancingV2::TargetGroup": (
        ((_P, "Targets"), _says(USER, "target of load balancer target group {id}")),
    ),
    "AWS::Lambda::Url": (((_P, "TargetFunctionArn"), _says(USER, "function URL {id}")),),
    "AWS::AppSync::DataSource": (((_P, "LambdaConfig"), _says(USER, "AppSync data source {id}")),),
    "AWS::CloudFront::Distribution": (
        ((_P, "DistributionConfig"), _says(USER, "Lambda@Edge of distribution {id}", AT_EDGE)),
    ),
    "AWS::Cognito::UserPool": (
        ((_P, "LambdaConfig"), _says(USER, "trigger of Cognito user pool {id}")),
    ),
    "AWS::Lambda::Permission": (((_P, "FunctionName"), _permission),),
    "AWS::Lambda::EventSourceMapping": (
        ((_P, "FunctionName"), _says(CONSUMER, "event source mapping {id}")),
    ),
    "AWS::Events::Rule": (((_P, "Targets"), _schedule_or_rule),),
    "AWS::Scheduler::Schedule": (((_P, "Target"), _says(CONSUMER, "schedule {id}")),),
    "AWS::Pipes::Pipe": (((_P,), _says(CONSUMER, "EventBridge pipe {id}")),),
    "AWS::SNS::Subscription": (((_P, "Endpoint"), _says(CONSUMER, "SNS subscription {id}")),),
    "AWS::SNS::Topic": (((_P, "Subscription"), _says(CONSUMER, "SNS topic {id}")),),
    "AWS::S3::Bucket": (
        ((_P, "NotificationConfiguration"), _says(CONSUMER, "S3 notifications of bucket {id}")),
    ),
    "AWS::StepFunctions::StateMachine": (((_P,), _says(CONSUMER, "state machine {id}")),),
    "AWS::Serverless::StateMachine": (((_P,), _says(CONSUMER, "state machine {id}")),),
    "AWS::Logs::SubscriptionFilter": (
        ((_P, "DestinationArn"), _says(CONSUMER, "log subscription filter {id}")),
    ),
    "AWS::IoT::TopicRule": (((_P, "TopicRulePayload"), _says(CONSUMER, "IoT topic rule {id}")),),
    "AWS::Config::ConfigRule": (
        ((_P, "Source"), _says(CONSUMER, "AWS Config rule {id}", CONFIG_EVALUATOR)),
    ),
    "AWS::KinesisFirehose::DeliveryStream": (
        ((_P,), _says(CONSUMER, "record processor of delivery stream {id}")),
    ),
    "AWS::SecretsManager::RotationSchedule": (
        ((_P,), _says(CONSUMER, "secret rotation {id}")),
    ),
    "AWS::Lambda::EventInvokeConfig": (
        ((_P, "DestinationConfig"), _says(CONSUMER, "invocation destination in {id}")),
    ),
    "AWS::CloudWatch::Alarm": (((_P, "AlarmActions"), _says(CONSUMER, "action of alarm {id}")),),
    "AWS::CloudFormation::Macro": (
        ((_P, "FunctionName"), _says(HELPER, "CloudFormation macro {id}")),
    ),
    "AWS::CloudFormation::LambdaHook": (
        ((_P, "LambdaFunction"), _says(HELPER, "CloudFormation Lambda hook {id}")),
    ),
    "AWS::CodePipeline::Pipeline": (((_P, "Stages"), _says(HELPER, "action of pipeline {id}")),),
    SAM_FUNCTION: (
        ((_P, "DeploymentPreference", "Hooks"), _says(HELPER, "CodeDeploy traffic hook of {id}")),
    ),
}
