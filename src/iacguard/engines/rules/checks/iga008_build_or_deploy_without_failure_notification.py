"""IGA008 build-or-deploy-without-failure-notification: a CodeBuild project and a CodeDeploy
deployment group tell someone when a build or a deployment fails.

A project that runs inside a pipeline of the template is covered by the pipeline's own
notification (IGA007). Otherwise a CodeStar notification rule, an EventBridge rule with targets,
an alarm on AWS/CodeBuild FailedBuilds, or a deployment group's own triggers count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.exports import external_hints
from iacguard.model.intrinsics import expression_key
from iacguard.model.metrics import alarm_watches
from iacguard.model.pipelines import PIPELINE, pipeline_actions
from iacguard.model.template import Resource, Template
from iacguard.model.values import ABSENT, is_intrinsic, is_live_list, is_opaque, path_under

CODEBUILD_PROJECT = "AWS::CodeBuild::Project"
DEPLOYMENT_GROUP = "AWS::CodeDeploy::DeploymentGroup"
NOTIFICATION_RULE = "AWS::CodeStarNotifications::NotificationRule"
EVENT_RULE = "AWS::Events::Rule"
#: CodeStar notification event types for a failed build or deployment.
BUILD_FAILED = "codebuild-project-build-state-failed"
DEPLOYMENT_FAILED = "codedeploy-application-deployment-failed"
#: EventBridge: source, detail-type, the detail key of the state, and the failed states.
_BUILD_EVENTS = ("aws.codebuild", "CodeBuild Build State Change", "build-status", "FAILED")
_DEPLOY_EVENTS = (
    "aws.codedeploy", "CodeDeploy Deployment State-change Notification", "state", "FAILURE",
)
#: Deployment group trigger events that report a failed deployment.
_FAILURE_TRIGGERS = frozenset({"DeploymentFailure", "DeploymentRollback", "DeploymentStop"})


@rule_check
def build_or_deploy_without_failure_notification(ctx: CheckContext) -> Iterable[Verdict]:
    if ctx.resource.type == CODEBUILD_PROJECT:
        notified = _project_notified(ctx)
        subject = f"CodeBuild project {ctx.resource.logical_id} runs builds"
        what = "a failed build"
    else:
        notified = _group_notified(ctx)
        subject = f"CodeDeploy deployment group {ctx.resource.logical_id} runs deployments"
        what = "a failed deployment"
    if notified:
        return [Verdict(Outcome.PASS)]
    values = {"subject": subject, "what": what, "value": ABSENT}
    hints = external_hints(ctx.template, ctx.resource.logical_id)
    if hints:
        return [unknown((), hints[0], values=values)]
    return [Verdict(Outcome.FAIL, (), values)]


# --- CodeBuild -----------------------------------------------------------------------------


def _project_notified(ctx: CheckContext) -> bool:
    name = ctx.resource.properties.get("Name")
    if _in_pipeline(ctx, name):
        return True
    for source in _referrers(ctx):
        if _notifies(ctx, source, BUILD_FAILED, _BUILD_EVENTS):
            return True
        if source.type == "AWS::CloudWatch::Alarm" and _watches_failed_builds(ctx, source):
            return True
    return _account_wide_build_alarm(ctx.template) or _any_rule_catches(
        ctx, _BUILD_EVENTS, name
    )


def _in_pipeline(ctx: CheckContext, name: Any) -> bool:
    """Does a pipeline of the template run this project (by reference or literal name)?"""
    for pipeline in ctx.template.resources_of_type(PIPELINE):
        for action in pipeline_actions(ctx.resolver, pipeline):
            configuration = action.configuration
            if action.provider != "CodeBuild" or not isinstance(configuration, Mapping):
                continue
            project = configuration.get("ProjectName")
            if ctx.template.referenced_resource(project) is ctx.resource or _same_name(
                project, name
            ):
                return True
    return False


def _same_name(written: Any, name: Any) -> bool:
    """The same literal name, or the same expression (``!Ref AWS::StackName`` in both)."""
    if name is None or name is ABSENT:
        return False
    return written == name or expression_key(written) == expression_key(name)


def _watches_failed_builds(ctx: CheckContext, alarm: Resource) -> bool:
    return any(
        watch.alarm == alarm.logical_id and watch.watches("AWS/CodeBuild", _FAILED_BUILDS)
        for watch in ctx.template.index(alarm_watches).watches
    )


_FAILED_BUILDS = frozenset({"FailedBuilds"})


def _account_wide_build_alarm(template: Template) -> bool:
    """An alarm on FailedBuilds of every project (no dimension)."""
    return any(
        watch.watches("AWS/CodeBuild", _FAILED_BUILDS) is True and not watch.dimensions
        for watch in template.index(alarm_watches).watches
    )


# --- CodeDeploy ----------------------------------------------------------------------------


def _group_notified(ctx: CheckContext) -> bool:
    for trigger in ctx.lookup("Properties.TriggerConfigurations.*"):
        if not isinstance(trigger.value, Mapping):
            continue
        events = ctx.resolver.lookup(trigger.value, "TriggerEvents.*")
        if trigger.value.get("TriggerTargetArn") is not None and any(
            is_opaque(e.value) or e.value in _FAILURE_TRIGGERS for e in events
        ):
            return True
    application = ctx.template.referenced_resource(ctx.resource.properties.get("ApplicationName"))
    for owner in (ctx.resource, application):
        if owner is None:
            continue
        for source in _referrers_of(ctx.template, owner.logical_id):
            if _notifies(ctx, source, DEPLOYMENT_FAILED, _DEPLOY_EVENTS):
                return True
    return _any_rule_catches(ctx, _DEPLOY_EVENTS, None)


# --- notifiers -----------------------------------------------------------------------------


def _referrers(ctx: CheckContext) -> Iterator[Resource]:
    return _referrers_of(ctx.template, ctx.resource.logical_id)


def _referrers_of(template: Template, logical_id: str) -> Iterator[Resource]:
    for reference in template.refs.referrers(logical_id):
        source = template.resources.get(reference.source)
        in_properties = path_under(reference.path, ("Properties",))
        if source is not None and reference.kind != "DependsOn" and in_properties:
            yield source


def _notifies(
    ctx: CheckContext, source: Resource, event_type: str, events: tuple[str, ...]
) -> bool:
    if source.type == NOTIFICATION_RULE:
        return _live_notification_rule(ctx, source, event_type)
    if source.type == EVENT_RULE:
        pattern = _live_pattern(source)
        return pattern is not None and _catches(pattern, events)
    return False


def _live_notification_rule(ctx: CheckContext, rule: Resource, event_type: str) -> bool:
    if rule.properties.get("Status") == "DISABLED":
        return False
    has_target = is_live_list(rule.properties.get("Targets", ABSENT)) or (
        rule.properties.get("TargetAddress") is not None
    )
    events = ctx.resolver.lookup(rule.node, "Properties.EventTypeIds.*")
    return has_target and any(is_opaque(e.value) or e.value == event_type for e in events)


def _any_rule_catches(ctx: CheckContext, events: tuple[str, ...], name: Any) -> bool:
    """An enabled EventBridge rule with targets that catches every failure of the kind, or the
    failures of the project named ``name``."""
    for rule in ctx.template.resources_of_type(EVENT_RULE):
        pattern = _live_pattern(rule)
        if pattern is None or not _catches(pattern, events):
            continue
        detail = pattern.get("detail")
        projects = detail.get("project-name") if isinstance(detail, Mapping) else None
        if projects is None or (isinstance(name, str) and name in _as_list(projects)):
            return True
    return False


def _live_pattern(rule: Resource) -> Mapping[str, Any] | None:
    """The event pattern of an enabled rule with targets, read as data (or a JSON string)."""
    properties = rule.properties
    if properties.get("State") == "DISABLED":
        return None
    if not is_live_list(properties.get("Targets", ABSENT)):
        return None
    pattern = properties.get("EventPattern")
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError:
            return None
    return pattern if isinstance(pattern, Mapping) and not is_intrinsic(pattern) else None


def _catches(pattern: Mapping[str, Any], events: tuple[str, ...]) -> bool:
    source, detail_type, state_key, failed = events
    if source not in _as_list(pattern.get("source")):
        return False
    detail_types = _as_list(pattern.get("detail-type"))
    if detail_types and detail_type not in detail_types:
        return False
    detail = pattern.get("detail")
    states = detail.get(state_key) if isinstance(detail, Mapping) else None
    return states is None or any(
        not isinstance(state, str) or state == failed for state in _as_list(states)
    )


def _as_list(value: Any) -> list[Any]:
    if value is None or value is ABSENT:
        return []
    return list(value) if isinstance(value, list) else [value]
