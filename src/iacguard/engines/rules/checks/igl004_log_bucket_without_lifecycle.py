"""IGL004 log-bucket-without-lifecycle: a bucket that holds ever-growing, transient data
(pipeline artifacts, build logs and caches, access logs...) has an enabled lifecycle rule that
expires or moves its current objects.

A bucket is in scope by its role (another resource of the template writes such data into it) or
by its name (a word such as scratch, tmp, cache or build in its logical id or BucketName). Other
buckets are not judged: most hold data someone means to keep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_truth
from iacguard.findings import Outcome
from iacguard.model.describe import quote
from iacguard.model.intrinsics import literal_text
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
        "AWS::CodeBuild::Project",
        ("Properties", "SecondaryArtifacts", "Location"),
        "build artifacts",
    ),
    _BucketUse("AWS::CodeBuild::Project", ("Properties", "Cache", "Location"), "build caches"),
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
#: A rule with one of these keys removes or moves current objects as they age.
_CLEANUP_KEYS = ("ExpirationInDays", "ExpirationDate", "Transitions", "Transition")
#: Keys that only clean up noncurrent versions: the current objects stay.
_NONCURRENT_KEYS = (
    "NoncurrentVersionExpiration",
    "NoncurrentVersionExpirationInDays",
    "NoncurrentVersionTransitions",
    "NoncurrentVersionTransition",
)
#: Words in a bucket's logical id or name that say its data is transient.
TRANSIENT_WORDS = frozenset(
    {"scratch", "tmp", "temp", "cache", "caches", "staging", "build", "builds"}
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


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


def _transient_name(ctx: CheckContext) -> str | None:
    """The word of the bucket's logical id or BucketName that says its data is transient."""
    texts = [ctx.resource.logical_id]
    written = literal_text(ctx.resource.properties.get("BucketName"))
    if written is not None:
        texts.append(written[0])
    for text in texts:
        for word in _WORD.findall(text):
            if word.lower() in TRANSIENT_WORDS:
                return str(word)
    return None


@rule_check
def log_bucket_without_lifecycle(ctx: CheckContext) -> Iterator[Verdict]:
    use = _bucket_use(ctx)
    word = None if use is not None else _transient_name(ctx)
    if use is None and word is None:
        return  # not an artifact, log or scratch bucket: nothing to say (SKIP)
    rules = ctx.lookup(_LIFECYCLE_RULES)
    judged = [_rule_cleans_up(ctx, rule) for rule in rules]
    cleans_up = any_of(truth for truth, _ in judged)
    # Rules that are disabled only under some condition make the failure conditional.
    conditions = tuple(dict.fromkeys(a for _, assumed in judged for a in assumed))
    purpose, user = use or ("transient data", "")
    verdict = verdict_from_truth(
        cleans_up,
        ("Properties", "LifecycleConfiguration", "Rules"),
        {"purpose": purpose, "user": user, "value": ABSENT},
        "the lifecycle rules depend on deploy-time values",
        conditions,
    )
    if verdict.outcome is not Outcome.FAIL:
        yield verdict
        return
    yield _explained(ctx, verdict, use, word, _only_noncurrent(ctx, rules))


def _explained(
    ctx: CheckContext,
    verdict: Verdict,
    use: tuple[str, str] | None,
    word: str | None,
    only_noncurrent: bool,
) -> Verdict:
    """The message of a failure: by role (the rule's own text) or by name, and what is missing
    when the rules only expire noncurrent versions."""
    if use is None and word is not None:
        held = f"holds transient data (its name says {quote(word)})"
    elif use is not None and only_noncurrent:
        held = f"stores {use[0]} for {use[1]}"
    else:
        return verdict
    missing = (
        "its lifecycle rules only expire noncurrent versions, so the current objects are kept "
        "forever" if only_noncurrent
        else "has no enabled lifecycle rule that expires or transitions objects"
    )
    joiner = ", but" if only_noncurrent else " but"
    message = f"Bucket {ctx.resource.logical_id} {held}{joiner} {missing}"
    return replace(verdict, message=message)


def _only_noncurrent(ctx: CheckContext, rules: list[Resolved]) -> bool:
    """Some enabled-looking rule expires noncurrent versions, and none expires current objects."""
    return any(
        any(
            v.value is not ABSENT
            for key in _NONCURRENT_KEYS
            for v in ctx.resolver.lookup(rule.value, key)
        )
        for rule in rules
        if readable(rule.value) is True
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
