"""Python checks for the retention theme (logic the YAML rule format cannot say)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, CheckFunction, Verdict, verdict_from_branches
from iacguard.engines.rules.checks.ecr import Truth, per_template, truth_all, truth_any
from iacguard.engines.rules.conditions import EvaluationScope, evaluate
from iacguard.findings import Outcome
from iacguard.model.template import Resource, Template
from iacguard.model.values import ABSENT, Assumption, Resolved, Unknown, is_opaque

LOG_GROUP = "AWS::Logs::LogGroup"
#: The CDK's `logRetention` prop sets retention through this custom resource.
CDK_LOG_RETENTION = "Custom::LogRetention"
LAMBDA_LOG_PREFIX = "/aws/lambda/"

_RETENTION_ABSENT = {"path": "Properties.RetentionInDays", "absent": True}
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


# --- names as Fn::Sub-style templates ------------------------------------------------------


def name_template(value: Any, depth: int = 0) -> str | None:
    """A name as Fn::Sub text ('/aws/lambda/${Fn}'), so differently written names compare.

    A Ref becomes ``${X}``, a GetAtt ``${X.Attr}``; Fn::Join and Fn::Sub with a variable map are
    flattened. Any other intrinsic (Fn::FindInMap, Fn::If, ...) becomes an opaque token made
    from its exact text: the same expression yields the same value on both sides, and different
    ones are simply not matched. None for values that are not names at all.
    """
    if depth > 20:
        return None
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if not isinstance(function, str) or not (function == "Ref" or function.startswith("Fn::")):
        return None
    if function == "Ref" and isinstance(argument, str):
        return f"${{{argument}}}"
    if function == "Fn::GetAtt":
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and all(isinstance(p, str) for p in parts):
            return f"${{{parts[0]}.{parts[1]}}}"
        return None
    if function == "Fn::Sub":
        return _sub_template(argument, depth)
    if function == "Fn::Join":
        joined = _join_template(argument, depth)
        if joined is not None:
            return joined
    return _opaque_token(value)


def _opaque_token(value: Any) -> str | None:
    try:
        return "${" + json.dumps(value, sort_keys=True, default=str) + "}"
    except (TypeError, ValueError, RecursionError):
        return None


def _sub_template(argument: Any, depth: int) -> str | None:
    if isinstance(argument, str):
        return argument
    if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
        return None
    text, variables = argument
    if not isinstance(variables, dict):
        return None
    replacements: dict[str, str] = {}
    for name, item in variables.items():
        replacement = name_template(item, depth + 1)
        if replacement is None:
            return None
        replacements[name] = replacement

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        return replacements.get(key, match.group(0))

    return _SUB_VARIABLE.sub(substitute, text)


def _join_template(argument: Any, depth: int) -> str | None:
    if not (isinstance(argument, list) and len(argument) == 2):
        return None
    delimiter, parts = argument
    if not isinstance(delimiter, str) or not isinstance(parts, list):
        return None
    pieces = [name_template(part, depth + 1) for part in parts]
    if any(piece is None for piece in pieces):
        return None
    return delimiter.join(piece for piece in pieces if piece is not None)


# --- IGL003: Lambda functions log to a retained log group ----------------------------------


@per_template
def _log_groups_by_name(template: Template) -> Mapping[str, tuple[Resource, ...]]:
    """Log groups (and CDK retention resources) by every way their name can be written."""
    index: dict[str, list[Resource]] = defaultdict(list)
    for resource in template.resources_of_type(LOG_GROUP, CDK_LOG_RETENTION):
        name = name_template(resource.properties.get("LogGroupName"))
        if name is not None:
            index[name].append(resource)
        if resource.type == LOG_GROUP:
            # Ref to a log group returns its name, generated or not.
            index[f"${{{resource.logical_id}}}"].append(resource)
    return {name: tuple(resources) for name, resources in index.items()}


def lambda_log_group_retained(ctx: CheckContext) -> Iterator[Verdict]:
    configured = _configured_log_groups(ctx)
    if configured:
        yield _worst(_configured_verdict(ctx, resolved) for resolved in configured)
        return
    yield _default_log_group_verdict(ctx)


def _configured_log_groups(ctx: CheckContext) -> list[Resolved]:
    values = [v for v in ctx.lookup("Properties.LoggingConfig.LogGroup") if v.value is not ABSENT]
    if values or ctx.resource.type != "AWS::Serverless::Function":
        return values
    function_globals = ctx.template.globals.get("Function")
    if not isinstance(function_globals, dict) or _ignores_logging_globals(ctx.resource.node):
        return []
    global_values = ctx.resolver.lookup(function_globals, "LoggingConfig.LogGroup")
    # Findings stay on the function: Globals has no place in a resource's own path.
    return [
        Resolved(v.value, ("Properties", "LoggingConfig", "LogGroup"), v.assumptions)
        for v in global_values
        if v.value is not ABSENT
    ]


def _ignores_logging_globals(node: Mapping[str, Any]) -> bool:
    """SAM's IgnoreGlobals attribute: "*" or a list of the Globals properties to skip."""
    ignored = node.get("IgnoreGlobals")
    if ignored == "*":
        return True
    return isinstance(ignored, list) and ("*" in ignored or "LoggingConfig" in ignored)


def _configured_verdict(ctx: CheckContext, resolved: Resolved) -> Verdict:
    name = None if isinstance(resolved.value, Unknown) else name_template(resolved.value)
    groups = _log_groups_by_name(ctx.template).get(name, ()) if name is not None else ()
    if not groups:
        return Verdict(
            Outcome.UNKNOWN,
            resolved.path,
            {"value": Unknown("the log group is not declared in this template")},
            resolved.assumptions,
            message=(
                f"Lambda function {ctx.resource.logical_id} logs to a log group defined outside "
                "this template; its retention cannot be checked here"
            ),
        )
    return _retention_verdict(ctx, groups, resolved.path, resolved.assumptions)


def _default_log_group_verdict(ctx: CheckContext) -> Verdict:
    """Without LoggingConfig.LogGroup, Lambda writes to /aws/lambda/<function name>."""
    groups: list[Resource] = []
    index = _log_groups_by_name(ctx.template)
    for function_name in _function_name_templates(ctx):
        groups.extend(index.get(LAMBDA_LOG_PREFIX + function_name, ()))
    path = ("Properties", "LoggingConfig")
    if not groups:
        return Verdict(
            Outcome.FAIL,
            path,
            {
                "value": ABSENT,
                "problem": (
                    "has no log group in this template, so Lambda creates "
                    "/aws/lambda/<function name> on first run and keeps its logs forever"
                ),
            },
        )
    unique = {group.logical_id: group for group in groups}
    return _retention_verdict(ctx, tuple(unique.values()), path, ())


def _function_name_templates(ctx: CheckContext) -> list[str]:
    names = [f"${{{ctx.resource.logical_id}}}"]
    explicit = name_template(ctx.resource.properties.get("FunctionName"))
    if explicit is not None:
        names.append(explicit)
    return names


def _retention_verdict(
    ctx: CheckContext,
    groups: tuple[Resource, ...],
    path: tuple[Any, ...],
    assumptions: tuple[Any, ...],
) -> Verdict:
    verdicts = [(group, _group_retention(ctx, group)) for group in groups]
    passing = [group for group, verdict in verdicts if verdict.outcome is Outcome.PASS]
    if passing:
        return Verdict(Outcome.PASS)
    group, verdict = verdicts[0]
    missing = "has no RetentionInDays" if verdict.outcome is Outcome.FAIL else "may lack one"
    values = {
        "value": verdict.values.get("value", ABSENT),
        "problem": f"logs to log group {group.logical_id}, which {missing}",
    }
    merged = tuple(dict.fromkeys((*assumptions, *verdict.assumptions)))
    return Verdict(verdict.outcome, path, values, merged)


def _group_retention(ctx: CheckContext, group: Resource) -> Verdict:
    scope = EvaluationScope(ctx.template, group, ctx.resolver, ctx.options)
    return verdict_from_branches(evaluate(_RETENTION_ABSENT, scope))


def _worst(verdicts: Iterator[Verdict]) -> Verdict:
    collected = list(verdicts)
    for outcome in (Outcome.FAIL, Outcome.UNKNOWN):
        for verdict in collected:
            if verdict.outcome is outcome:
                return verdict
    return Verdict(Outcome.PASS)


# --- IGL004: artifact and log buckets expire their objects -----------------------------------


@dataclass(frozen=True)
class _BucketUse:
    """A property of another resource that makes a bucket hold ever-growing data."""

    resource_type: str
    path: tuple[str, ...]
    purpose: str


_BUCKET_USES = (
    _BucketUse(
        "AWS::CodePipeline::Pipeline",
        ("Properties", "ArtifactStore", "Location"),
        "pipeline artifacts",
    ),
    _BucketUse(
        "AWS::CodePipeline::Pipeline",
        ("Properties", "ArtifactStores", "ArtifactStore", "Location"),
        "pipeline artifacts",
    ),
    _BucketUse(
        "AWS::CodeBuild::Project", ("Properties", "LogsConfig", "S3Logs", "Location"), "build logs"
    ),
    _BucketUse(
        "AWS::CodeBuild::Project", ("Properties", "Artifacts", "Location"), "build artifacts"
    ),
    _BucketUse(
        "AWS::S3::Bucket",
        ("Properties", "LoggingConfiguration", "DestinationBucketName"),
        "S3 access logs",
    ),
    _BucketUse("AWS::CloudTrail::Trail", ("Properties", "S3BucketName"), "CloudTrail logs"),
    _BucketUse(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        ("Properties", "LoadBalancerAttributes"),
        "load balancer access logs",
    ),
    _BucketUse(
        "AWS::ElasticLoadBalancing::LoadBalancer",
        ("Properties", "AccessLoggingPolicy", "S3BucketName"),
        "load balancer access logs",
    ),
    _BucketUse(
        "AWS::CloudFront::Distribution",
        ("Properties", "DistributionConfig", "Logging", "Bucket"),
        "CloudFront access logs",
    ),
    _BucketUse("AWS::EC2::FlowLog", ("Properties", "LogDestination"), "VPC flow logs"),
)
#: A rule with one of these keys removes or moves objects as they age.
_CLEANUP_KEYS = (
    "ExpirationInDays",
    "ExpirationDate",
    "Transitions",
    "Transition",
    "NoncurrentVersionExpiration",
    "NoncurrentVersionExpirationInDays",
)


def _named_segments(path: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str) and p != "Fn::If")


def _bucket_use(ctx: CheckContext) -> tuple[str, str] | None:
    """(purpose, user logical id) of the first property that uses this bucket for growing data."""
    for reference in ctx.template.refs.referrers(ctx.resource.logical_id):
        user = ctx.template.resources.get(reference.source)
        if user is None or reference.kind == "DependsOn":
            continue
        named = _named_segments(reference.path)
        for use in _BUCKET_USES:
            if user.type == use.resource_type and named[: len(use.path)] == use.path:
                return use.purpose, user.logical_id
    return None


def bucket_without_lifecycle(ctx: CheckContext) -> Iterator[Verdict]:
    use = _bucket_use(ctx)
    if use is None:
        return  # not an artifact or log bucket: nothing to say (SKIP)
    purpose, user = use
    judged = [_rule_cleans_up(ctx, rule) for rule in ctx.lookup(_LIFECYCLE_RULES)]
    cleans_up = truth_any(truth for truth, _ in judged)
    path = ("Properties", "LifecycleConfiguration", "Rules")
    values = {"purpose": purpose, "user": user, "value": ABSENT}
    if cleans_up is True:
        yield Verdict(Outcome.PASS)
    elif cleans_up is None:
        unknown = Unknown("the lifecycle rules depend on deploy-time values")
        yield Verdict(Outcome.UNKNOWN, path, {**values, "value": unknown})
    else:
        # Rules that are disabled only under some condition make the failure conditional.
        conditions = tuple(dict.fromkeys(a for _, assumed in judged for a in assumed))
        yield Verdict(Outcome.FAIL, path, values, conditions)


_LIFECYCLE_RULES = "Properties.LifecycleConfiguration.Rules.*"


def _rule_cleans_up(ctx: CheckContext, rule: Resolved) -> tuple[Truth, tuple[Assumption, ...]]:
    """Whether the rule expires or moves objects, and the assumptions under which it does not."""
    if rule.value is ABSENT:
        return False, ()
    if is_opaque(rule.value):
        return None, ()
    actions = truth_any(
        truth_all(_present(v.value) for v in ctx.resolver.lookup(rule.value, key))
        for key in _CLEANUP_KEYS
    )
    statuses = ctx.resolver.lookup(rule.value, "Status")
    enabled = [(s, _equals(s.value, "Enabled")) for s in statuses]
    truth = truth_all((actions, truth_all(t for _, t in enabled) if enabled else False))
    if truth is True and rule.assumptions:
        # A rule that exists only under one condition does not clean up in every deployment.
        return None, ()
    if truth is False and actions is True and any(t is True for _, t in enabled):
        disabled = [s for s, t in enabled if t is False]
        return False, tuple(a for s in disabled for a in s.assumptions)
    return truth, ()


def _equals(value: Any, expected: str) -> Truth:
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    return bool(value == expected)


def _present(value: Any) -> Truth:
    if value is ABSENT:
        return False
    if isinstance(value, Unknown):
        return True if value.present else None
    return True


CHECKS: dict[str, CheckFunction] = {
    "lambda_log_group_retained": lambda_log_group_retained,
    "bucket_without_lifecycle": bucket_without_lifecycle,
}
