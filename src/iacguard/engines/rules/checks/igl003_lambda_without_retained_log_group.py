"""IGL003 lambda-without-retained-log-group: a Lambda function logs to a log group of this
template that has a retention (its own ``LoggingConfig.LogGroup``, SAM ``Globals``, or the
default ``/aws/lambda/<name>`` group), matched by name however the name is written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from iacguard.engines.rules.api import (
    CheckContext,
    Verdict,
    rule_check,
    unknown,
    verdict_from_branches,
)
from iacguard.engines.rules.conditions import EvaluationScope, evaluate
from iacguard.engines.rules.roles import (
    OUT_OF_REACH,
    function_role,
    is_helper,
    judged_by_role,
    subject,
)
from iacguard.findings import Outcome
from iacguard.model import cdk
from iacguard.model.names import name_template
from iacguard.model.sam import setting_with_globals
from iacguard.model.template import Resource, Template
from iacguard.model.values import ABSENT, Resolved, Unknown

LOG_GROUP = "AWS::Logs::LogGroup"
LAMBDA_LOG_PREFIX = "/aws/lambda/"

_RETENTION_ABSENT = {"path": "Properties.RetentionInDays", "absent": True}


def _log_groups_by_name(template: Template) -> Mapping[str, tuple[Resource, ...]]:
    """Log groups (and CDK retention resources) by every way their name can be written.

    An index: ``template.index(_log_groups_by_name)``.
    """
    index: dict[str, list[Resource]] = defaultdict(list)
    for resource in template.resources_of_type(LOG_GROUP, cdk.LOG_RETENTION_TYPE):
        name = name_template(resource.properties.get("LogGroupName"))
        if name is not None:
            index[name].append(resource)
        if resource.type == LOG_GROUP:
            # Ref to a log group returns its name, generated or not.
            index[f"${{{resource.logical_id}}}"].append(resource)
    return {name: tuple(resources) for name, resources in index.items()}


@rule_check
def lambda_without_retained_log_group(ctx: CheckContext) -> Iterator[Verdict]:
    role = function_role(ctx)
    if is_helper(role):
        yield Verdict(Outcome.SKIP)
        return
    configured = _configured_log_groups(ctx)
    if configured:
        verdict = _worst(_configured_verdict(ctx, resolved) for resolved in configured)
    else:
        verdict = _default_log_group_verdict(ctx)
    yield judged_by_role(ctx, verdict, role, covered_elsewhere=OUT_OF_REACH)


def _configured_log_groups(ctx: CheckContext) -> list[Resolved]:
    if ctx.resource.type == "AWS::Serverless::Function":
        values, _ = setting_with_globals(
            ctx.resolver, ctx.resource, "Properties.LoggingConfig.LogGroup", "Function",
            "LoggingConfig.LogGroup",
        )
    else:
        values = ctx.lookup("Properties.LoggingConfig.LogGroup")
    return [v for v in values if v.value is not ABSENT]


def _configured_verdict(ctx: CheckContext, resolved: Resolved) -> Verdict:
    name = None if isinstance(resolved.value, Unknown) else name_template(resolved.value)
    groups = ctx.template.index(_log_groups_by_name).get(name, ()) if name is not None else ()
    if not groups:
        message = (
            f"{subject(ctx, function_role(ctx))} logs to a log group defined outside this "
            "template; its retention cannot be checked here"
        )
        reason = "the log group is not declared in this template"
        return unknown(resolved.path, reason, resolved.assumptions, message)
    return _retention_verdict(ctx, groups, resolved.path, resolved.assumptions)


def _default_log_group_verdict(ctx: CheckContext) -> Verdict:
    """Without LoggingConfig.LogGroup, Lambda writes to /aws/lambda/<function name>."""
    groups: list[Resource] = []
    index = ctx.template.index(_log_groups_by_name)
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
