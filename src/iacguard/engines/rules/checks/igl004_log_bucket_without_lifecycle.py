"""IGL004 log-bucket-without-lifecycle: a bucket that holds ever-growing data (pipeline
artifacts, build logs, access logs...) has an enabled lifecycle rule that expires or moves
objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_truth
from iacguard.model.truth import Truth, all_of, any_of, equals, exists, readable
from iacguard.model.values import ABSENT, Assumption, Resolved


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


@rule_check
def log_bucket_without_lifecycle(ctx: CheckContext) -> Iterator[Verdict]:
    use = _bucket_use(ctx)
    if use is None:
        return  # not an artifact or log bucket: nothing to say (SKIP)
    purpose, user = use
    judged = [_rule_cleans_up(ctx, rule) for rule in ctx.lookup(_LIFECYCLE_RULES)]
    cleans_up = any_of(truth for truth, _ in judged)
    # Rules that are disabled only under some condition make the failure conditional.
    conditions = tuple(dict.fromkeys(a for _, assumed in judged for a in assumed))
    yield verdict_from_truth(
        cleans_up,
        ("Properties", "LifecycleConfiguration", "Rules"),
        {"purpose": purpose, "user": user, "value": ABSENT},
        "the lifecycle rules depend on deploy-time values",
        conditions,
    )


_LIFECYCLE_RULES = "Properties.LifecycleConfiguration.Rules.*"


def _rule_cleans_up(ctx: CheckContext, rule: Resolved) -> tuple[Truth, tuple[Assumption, ...]]:
    """Whether the rule expires or moves objects, and the assumptions under which it does not."""
    if readable(rule.value) is not True:
        return readable(rule.value), ()
    actions = any_of(
        all_of(exists(v.value) for v in ctx.resolver.lookup(rule.value, key))
        for key in _CLEANUP_KEYS
    )
    statuses = ctx.resolver.lookup(rule.value, "Status")
    enabled = [(s, equals(s.value, "Enabled")) for s in statuses]
    truth = all_of((actions, all_of(t for _, t in enabled) if enabled else False))
    if truth is True and rule.assumptions:
        # A rule that exists only under one condition does not clean up in every deployment.
        return None, ()
    if truth is False and actions is True and any(t is True for _, t in enabled):
        disabled = [s for s, t in enabled if t is False]
        return False, tuple(a for s in disabled for a in s.assumptions)
    return truth, ()
