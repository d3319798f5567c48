"""IGA003 alarm-topic-without-subscription: alarm notifications reach a subscribed topic.

Hundreds of alarms often share one topic, so which topics have a subscriber is an index built
once per template (:func:`subscribed_topics`), not a walk over the topic's referrers per alarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.exports import NESTED_APPLICATION, NESTED_STACK, external_hints
from iacguard.model.intrinsics import whole_reference
from iacguard.model.template import Resource, Template
from iacguard.model.values import (
    ABSENT,
    Resolved,
    Resolver,
    is_live_list,
    path_under,
)

SNS_TOPIC = "AWS::SNS::Topic"
#: Resources that deliver what is published to a topic, and where they name the topic.
_TOPIC_SUBSCRIBERS: Mapping[str, tuple[str, ...]] = {
    "AWS::SNS::Subscription": ("Properties", "TopicArn"),
    "AWS::Chatbot::SlackChannelConfiguration": ("Properties", "SnsTopicArns"),
    "AWS::Chatbot::MicrosoftTeamsChannelConfiguration": ("Properties", "SnsTopicArns"),
    "AWS::Serverless::Function": ("Properties", "Events"),
    NESTED_STACK: ("Properties", "Parameters"),
    NESTED_APPLICATION: ("Properties", "Parameters"),
}


def subscribed_topics(template: Template) -> frozenset[str]:
    """The topics something delivers from. An index: ``template.index(subscribed_topics)``."""
    resolver = Resolver(template)
    return frozenset(
        topic.logical_id
        for topic in template.resources_of_type(SNS_TOPIC)
        if _has_subscriber(template, resolver, topic)
    )


def _has_subscriber(template: Template, resolver: Resolver, topic: Resource) -> bool:
    subscriptions = resolver.lookup(topic.node, "Properties.Subscription")
    if any(is_live_list(v.value) for v in subscriptions):
        return True
    for reference in template.refs.referrers(topic.logical_id):
        source = template.resources.get(reference.source)
        if source is None:
            continue
        prefix = _TOPIC_SUBSCRIBERS.get(source.type)
        if (prefix is not None and path_under(reference.path, prefix)) or source.type.startswith(
            "Custom::"
        ):
            return True
    return False


def _topic_of(template: Template, action: Any) -> str | None:
    """The logical id of the in-template SNS topic an action names, if it names one."""
    reference = whole_reference(action)
    if reference is None or (reference.kind == "GetAtt" and reference.attribute != "TopicArn"):
        return None
    resource = template.resources.get(reference.target)
    return reference.target if resource is not None and resource.type == SNS_TOPIC else None


@rule_check
def alarm_topic_without_subscription(ctx: CheckContext) -> Iterable[Verdict]:
    """Every ``AlarmActions`` target is an in-template topic that nobody subscribes to."""
    subscribed = ctx.template.index(subscribed_topics)
    dead: list[tuple[Resolved, str]] = []
    for resolved in ctx.lookup("Properties.AlarmActions.*"):
        if resolved.value is ABSENT:
            continue
        topic = _topic_of(ctx.template, resolved.value)
        if topic is None or topic in subscribed:
            return [Verdict(Outcome.PASS)]  # an external target, or a topic that delivers
        dead.append((resolved, topic))
    if not dead:
        return [Verdict(Outcome.PASS)]
    first, topic = dead[0]
    hints = external_hints(ctx.template, topic)
    if hints:
        return [unknown(first.path, hints[0], values={"topic": topic})]
    return [Verdict(Outcome.FAIL, first.path, {"value": first.value, "topic": topic})]
