"""IGA007 pipeline-without-failure-notification: a pipeline tells someone when an execution
fails, through a CodeStar notification rule or an EventBridge rule with targets.

Notifiers that reference the pipeline are found through the reference index; the others (by
pipeline name, or for every pipeline of the account) through one index per template.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.exports import external_hints
from iacguard.model.template import Resource, Template
from iacguard.model.values import (
    ABSENT,
    Resolver,
    is_intrinsic,
    is_live_list,
    is_opaque,
    path_under,
)

PIPELINE = "AWS::CodePipeline::Pipeline"
NOTIFICATION_RULE = "AWS::CodeStarNotifications::NotificationRule"
EVENT_RULE = "AWS::Events::Rule"

_PIPELINE_DETAIL_TYPES = frozenset(
    {
        "CodePipeline Pipeline Execution State Change",
        "CodePipeline Stage Execution State Change",
        "CodePipeline Action Execution State Change",
    }
)
#: Any ``${...}`` of Fn::Sub text. A name never holds ``{``, which keeps matching linear.
_SUB_VARIABLE = re.compile(r"\$\{[^{}]+\}")
_REFERENCE_PLACEHOLDER = "${reference}"


def _as_list(value: Any) -> list[Any]:
    if value is None or value is ABSENT:
        return []
    return list(value) if isinstance(value, list) else [value]


def _event_pattern(rule: Resource) -> Mapping[str, Any] | None:
    """The rule's event pattern as data: an object, a JSON string, or a JSON ``Fn::Sub``."""
    pattern = rule.properties.get("EventPattern")
    if isinstance(pattern, Mapping) and not is_intrinsic(pattern):
        return pattern
    text = pattern
    if isinstance(pattern, Mapping) and "Fn::Sub" in pattern:
        text = pattern["Fn::Sub"][0] if isinstance(pattern["Fn::Sub"], list) else pattern["Fn::Sub"]
        text = _SUB_VARIABLE.sub(_REFERENCE_PLACEHOLDER, text) if isinstance(text, str) else None
    if not isinstance(text, str):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _state_may_be_failed(item: Any) -> bool:
    if isinstance(item, str):
        return item == "FAILED"
    if isinstance(item, Mapping) and "anything-but" in item:
        return "FAILED" not in _as_list(item["anything-but"])
    if isinstance(item, Mapping) and isinstance(item.get("prefix"), str):
        return "FAILED".startswith(item["prefix"])
    return True  # another content filter: do not claim it misses failures


def _catches_pipeline_failures(pattern: Mapping[str, Any]) -> bool:
    if "aws.codepipeline" not in _as_list(pattern.get("source")):
        return False
    detail_types = _as_list(pattern.get("detail-type"))
    if detail_types and not _PIPELINE_DETAIL_TYPES.intersection(
        t for t in detail_types if isinstance(t, str)
    ):
        return False
    detail = pattern.get("detail")
    states = detail.get("state") if isinstance(detail, Mapping) else None
    return states is None or any(_state_may_be_failed(s) for s in _as_list(states))


def _pipeline_filters(pattern: Mapping[str, Any]) -> list[Any] | None:
    """The pipelines a pattern names (by name or ARN), or None when it matches every pipeline."""
    detail = pattern.get("detail")
    names = detail.get("pipeline") if isinstance(detail, Mapping) else None
    resources = pattern.get("resources")
    if names is None and resources is None:
        return None
    return [*_as_list(names), *_as_list(resources)]


def _enabled(resolver: Resolver, resource: Resource, path: str, disabled: str) -> bool:
    values = resolver.lookup(resource.node, path)
    return not values or any(v.value != disabled for v in values)


def _live_event_rule(resolver: Resolver, rule: Resource) -> Mapping[str, Any] | None:
    """The event pattern of an enabled rule with targets that catches pipeline failures."""
    if not _enabled(resolver, rule, "Properties.State", "DISABLED"):
        return None
    if not is_live_list(rule.properties.get("Targets", ABSENT)):
        return None
    pattern = _event_pattern(rule)
    return pattern if pattern is not None and _catches_pipeline_failures(pattern) else None


def _live_notification_rule(
    resolver: Resolver, rule: Resource, failure_events: frozenset[str]
) -> bool:
    if not _enabled(resolver, rule, "Properties.Status", "DISABLED"):
        return False
    if not (
        is_live_list(rule.properties.get("Targets", ABSENT))
        or rule.properties.get("TargetAddress") is not None
    ):
        return False
    events = resolver.lookup(rule.node, "Properties.EventTypeIds.*")
    return any(
        is_opaque(e.value) or (isinstance(e.value, str) and e.value in failure_events)
        for e in events
    )


def _pipeline_name_of(filter_value: str) -> str:
    """A pipeline filter is a name or an ARN ``arn:...:codepipeline:<region>:<account>:<name>``."""
    return filter_value.rsplit(":", 1)[-1] if filter_value.startswith("arn:") else filter_value


@dataclass(frozen=True)
class _PipelineNotifiers:
    account_wide: tuple[str, ...]  # notifiers that cover every pipeline of the account
    by_name: Mapping[str, tuple[str, ...]]  # literal pipeline name -> notifiers
    open_ended: tuple[str, ...]  # notifiers whose pipeline is only known at deploy time
    #: literal names no pipeline of the template has: they may name one CloudFormation names
    foreign_names: tuple[str, ...]


def _pipeline_notifiers(template: Template, failure_events: frozenset[str]) -> _PipelineNotifiers:
    """Notifiers that do not reference a pipeline of the template (those are found through the
    reference index). An index: ``template.index(_pipeline_notifiers, failure_events)``."""
    resolver = Resolver(template)
    account_wide: list[str] = []
    by_name: dict[str, list[str]] = defaultdict(list)
    open_ended: list[str] = []

    def note(rule: str, values: Iterable[Any]) -> None:
        for value in values:
            if value is None or value is ABSENT:
                continue
            if isinstance(value, str) and _REFERENCE_PLACEHOLDER not in value:
                by_name[_pipeline_name_of(value)].append(rule)
            else:
                open_ended.append(rule)

    for rule in template.resources_of_type(EVENT_RULE):
        pattern = _live_event_rule(resolver, rule)
        if pattern is None or _references_type(template, rule.logical_id, ("EventPattern",)):
            continue
        filters = _pipeline_filters(pattern)
        if filters is None:
            account_wide.append(rule.logical_id)
        else:
            note(rule.logical_id, filters)
    for rule in template.resources_of_type(NOTIFICATION_RULE):
        if _live_notification_rule(resolver, rule, failure_events) and not _references_type(
            template, rule.logical_id, ("Resource",)
        ):
            note(rule.logical_id, [rule.properties.get("Resource")])
    names = {
        name
        for pipeline in template.resources_of_type(PIPELINE)
        if isinstance(name := pipeline.properties.get("Name"), str)
    }
    return _PipelineNotifiers(
        tuple(account_wide),
        {k: tuple(v) for k, v in by_name.items()},
        tuple(open_ended),
        tuple(sorted(set(by_name) - names)),
    )


def _references_type(template: Template, source: str, under: tuple[str, ...]) -> bool:
    """Does a resource reference a pipeline of the template under ``Properties.<under>``?"""
    return any(
        (target := template.resources.get(ref.target)) is not None
        and target.type == PIPELINE
        and path_under(ref.path, ("Properties", *under))
        for ref in template.refs.references_from(source)
    )


def _notified_by_reference(ctx: CheckContext, failure_events: frozenset[str]) -> str | None:
    for reference in ctx.template.refs.referrers(ctx.resource.logical_id):
        source = ctx.template.resources.get(reference.source)
        if source is None:
            continue
        if (
            source.type == NOTIFICATION_RULE
            and path_under(reference.path, ("Properties", "Resource"))
            and _live_notification_rule(ctx.resolver, source, failure_events)
        ):
            return source.logical_id
        if (
            source.type == EVENT_RULE
            and path_under(reference.path, ("Properties", "EventPattern"))
            and _live_event_rule(ctx.resolver, source) is not None
        ):
            return source.logical_id
    return None


@rule_check
def pipeline_without_failure_notification(ctx: CheckContext) -> Iterable[Verdict]:
    failure_events = frozenset(str(e) for e in ctx.options.get("failure-event-types", ()))
    if _notified_by_reference(ctx, failure_events):
        return [Verdict(Outcome.PASS)]
    notifiers = ctx.template.index(_pipeline_notifiers, failure_events)
    if notifiers.account_wide:
        return [Verdict(Outcome.PASS)]
    name = ctx.resource.properties.get("Name")
    if isinstance(name, str) and name in notifiers.by_name:
        return [Verdict(Outcome.PASS)]
    doubts = [
        f"notifier {rule} names its pipeline in a way known only at deploy time"
        for rule in notifiers.open_ended
    ]
    if not isinstance(name, str):
        doubts.extend(
            f"notifier {notifiers.by_name[other][0]} names pipeline {describe(other)}, which may be"
            " this one"
            for other in notifiers.foreign_names
        )
    doubts.extend(external_hints(ctx.template, ctx.resource.logical_id))
    if doubts:
        return [unknown((), doubts[0])]
    return [Verdict(Outcome.FAIL, (), {"value": ABSENT})]
