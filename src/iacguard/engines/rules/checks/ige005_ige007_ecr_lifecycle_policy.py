"""IGE005 invalid-ecr-lifecycle-policy, IGE006 ecr-lifecycle-keeps-untagged-images and IGE007
ecr-lifecycle-expires-rollback-images: three judgements of one ECR lifecycle policy text, which
they read the same way (on a repository or a repository creation template)."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.engines.rules.embedded import check_lifecycle_policy_text
from iacguard.findings import Outcome
from iacguard.model.template import Resource
from iacguard.model.values import ABSENT, Resolved, is_opaque

CREATION_TEMPLATE = "AWS::ECR::RepositoryCreationTemplate"


def _lifecycle_path(resource: Resource) -> str:
    if resource.type == CREATION_TEMPLATE:
        return "Properties.LifecyclePolicy"
    return "Properties.LifecyclePolicy.LifecyclePolicyText"


def _opaque_policy(ctx: CheckContext, resolved: Resolved) -> Verdict:
    return unknown(
        resolved.path,
        "the policy text is built by an intrinsic function",
        resolved.assumptions,
        f"the lifecycle policy of {ctx.resource.logical_id} is only known at deploy time",
    )


@rule_check
def invalid_ecr_lifecycle_policy(ctx: CheckContext) -> Iterator[Verdict]:
    for resolved in ctx.lookup(_lifecycle_path(ctx.resource)):
        text = resolved.value
        if text is ABSENT:
            continue
        if is_opaque(text):
            yield _opaque_policy(ctx, resolved)
        elif not isinstance(text, str):
            problem = (
                "the policy is written as YAML/JSON structure; CloudFormation expects it as "
                "a JSON string (quote it, or use a block scalar)"
            )
            yield _policy_problem(resolved, problem, text)
        else:
            yield from _text_problems(resolved, text)


def _text_problems(resolved: Resolved, text: str) -> list[Verdict]:
    verdicts = [
        _policy_problem(resolved, _with_position(p.message, p.line, p.column), p.code)
        for p in check_lifecycle_policy_text(text)
    ]
    return verdicts or [Verdict(Outcome.PASS)]


def _with_position(message: str, line: int, column: int) -> str:
    return f"{message} (policy line {line}, column {column})" if line > 0 else message


def _policy_problem(resolved: Resolved, problem: str, value: Any) -> Verdict:
    return Verdict(
        Outcome.FAIL,
        resolved.path,
        {"problem": problem, "value": value},
        resolved.assumptions,
    )


@dataclass(frozen=True)
class _PolicyRule:
    index: int
    body: Mapping[str, Any]

    @property
    def selection(self) -> Mapping[str, Any]:
        value = self.body.get("selection")
        return value if isinstance(value, dict) else {}

    @property
    def action(self) -> Mapping[str, Any]:
        value = self.body.get("action")
        return value if isinstance(value, dict) else {}

    @property
    def tag_status(self) -> Any:
        return self.selection.get("tagStatus")

    @property
    def storage_class(self) -> Any:
        return self.selection.get("storageClass", "standard")

    @property
    def removes_images(self) -> bool:
        """Expired images are gone; archived ones can no longer be pulled either."""
        return self.action.get("type") in ("expire", "transition")

    @property
    def count(self) -> float | None:
        number = self.selection.get("countNumber")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return None
        return float(number)


def _parsed_policies(
    ctx: CheckContext,
) -> Iterator[tuple[Resolved, list[_PolicyRule] | None]]:
    """Each readable policy branch with its rules; None marks text only known at deploy time.

    Unreadable text is skipped: IGE005 reports it, and guessing at its content would only add
    findings built on sand.
    """
    for resolved in ctx.lookup(_lifecycle_path(ctx.resource)):
        text = resolved.value
        if text is ABSENT:
            continue
        if is_opaque(text):
            yield resolved, None
            continue
        if not isinstance(text, str):
            continue
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            continue
        rules = document.get("rules") if isinstance(document, dict) else None
        if isinstance(rules, list):
            yield (
                resolved,
                [_PolicyRule(i, rule) for i, rule in enumerate(rules) if isinstance(rule, dict)],
            )


@rule_check
def ecr_lifecycle_keeps_untagged_images(ctx: CheckContext) -> Iterator[Verdict]:
    for resolved, rules in _parsed_policies(ctx):
        if rules is None:
            yield _opaque_policy(ctx, resolved)
            continue
        cleans_up = any(
            rule.tag_status in ("untagged", "any")
            and rule.action.get("type") == "expire"
            and rule.storage_class == "standard"
            for rule in rules
        )
        if cleans_up:
            yield Verdict(Outcome.PASS)
        else:
            statuses = sorted({str(rule.tag_status) for rule in rules}) or ["none"]
            yield Verdict(
                Outcome.FAIL,
                resolved.path,
                {"statuses": ", ".join(statuses), "value": statuses},
                resolved.assumptions,
            )


_DAY_COUNT_TYPES = frozenset({"sinceImagePushed", "sinceImagePulled"})


@rule_check
def ecr_lifecycle_expires_rollback_images(ctx: CheckContext) -> Iterator[Verdict]:
    min_images = ctx.number_option("min_images", 3)
    min_days = ctx.number_option("min_days", 7)
    release_patterns = _patterns_option(ctx, "release_tag_patterns")
    for resolved, rules in _parsed_policies(ctx):
        if rules is None:
            yield _opaque_policy(ctx, resolved)
            continue
        shortfalls = [
            shortfall
            for rule in rules
            if _may_remove_release_images(rule, release_patterns)
            and (shortfall := _rollback_shortfall(rule, min_images, min_days)) is not None
        ]
        if not shortfalls:
            yield Verdict(Outcome.PASS)
        for description in shortfalls:
            yield Verdict(
                Outcome.FAIL,
                resolved.path,
                {"problem": description, "value": description},
                resolved.assumptions,
            )


def _patterns_option(ctx: CheckContext, name: str) -> tuple[str, ...]:
    value = ctx.options.get(name, ["*"])
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return ("*",)


def _may_remove_release_images(rule: _PolicyRule, release_patterns: tuple[str, ...]) -> bool:
    if not rule.removes_images or rule.storage_class != "standard":
        return False
    if rule.tag_status == "any":
        return True
    if rule.tag_status != "tagged":
        return False
    selectors = [
        *(f"{prefix}*" for prefix in _strings(rule.selection.get("tagPrefixList"))),
        *_strings(rule.selection.get("tagPatternList")),
    ]
    # A selector "overlaps" a release pattern when the pattern accepts the selector's text:
    # 'v*' accepts the prefix rule 'v' (as 'v*') and the tag pattern 'v1.*'.
    return any(
        fnmatch.fnmatchcase(selector, pattern)
        for selector in selectors
        for pattern in release_patterns
    )


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _rollback_shortfall(rule: _PolicyRule, min_images: float, min_days: float) -> str | None:
    count_type = rule.selection.get("countType")
    count = rule.count
    if count is None:
        return None
    verb = "archives" if rule.action.get("type") == "transition" else "expires"
    selected = "images" if rule.tag_status == "any" else "tagged images"
    if count_type == "imageCountMoreThan" and count < min_images:
        return (
            f"rules[{rule.index}] {verb} {selected} beyond the newest {_show(count)}; "
            f"keep at least {_show(min_images)} to roll back to"
        )
    if count_type in _DAY_COUNT_TYPES and count < min_days:
        since = "pushed" if count_type == "sinceImagePushed" else "last pulled"
        return (
            f"rules[{rule.index}] {verb} {selected} {_show(count)} days after they were {since}; "
            f"keep them at least {_show(min_days)} days to roll back to"
        )
    return None


def _show(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)
