"""Run the selected rules over a template's resources and turn failures into findings.

Each (rule, resource) pair ends as PASS, FAIL, UNKNOWN, SKIP or ERROR. A rule that raises
becomes an ERROR finding naming the rule and resource; the run goes on.
"""

from __future__ import annotations

import logging
import string
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from iacguard.engines.codes import RULE_ERROR, code_finding
from iacguard.engines.rules.api import CheckContext, Verdict, verdict_from_branches
from iacguard.engines.rules.checks import CHECKS
from iacguard.engines.rules.conditions import evaluate
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Evaluation, Finding, Outcome, Severity
from iacguard.load.parse import span_of
from iacguard.model.decisions import Choice, deploy_time_choices
from iacguard.model.describe import describe, describe_assumptions
from iacguard.model.template import Resource, Template
from iacguard.model.truth import RegexBudgetExceeded
from iacguard.model.values import ABSENT, Assumption, Resolver, Unknown

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineOptions:
    show_unknown: bool = False
    rule_options: Mapping[str, Mapping[str, Any]] | None = None
    #: Declared facts about the world outside the templates (configuration ``facts``); every
    #: check sees them as ``ctx.options["facts"]``, keyed as in the configuration file.
    facts: Mapping[str, Any] | None = None


class _SafeFormat(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template_text: str, values: Mapping[str, Any]) -> str:
    formatter = string.Formatter()
    try:
        return formatter.vformat(template_text, (), _SafeFormat(values))
    except (ValueError, IndexError, AttributeError):
        return template_text


#: A rule's resource type that stands for every custom resource type (``Custom::Anything``).
ANY_CUSTOM_TYPE = "Custom::*"


def index_rules(rules: Sequence[RuleSpec]) -> dict[str, list[RuleSpec]]:
    by_type: dict[str, list[RuleSpec]] = defaultdict(list)
    for rule in rules:
        for resource_type in rule.resource_types:
            by_type[resource_type].append(rule)
    return by_type


def _rules_for(by_type: Mapping[str, list[RuleSpec]], resource_type: str) -> list[RuleSpec]:
    rules = list(by_type.get(resource_type, ()))
    if resource_type.startswith("Custom::"):
        rules += [r for r in by_type.get(ANY_CUSTOM_TYPE, ()) if r not in rules]
    return rules


def check_template(
    template: Template,
    rules: Sequence[RuleSpec],
    options: EngineOptions | None = None,
    workspace: tuple[Template, ...] = (),
) -> tuple[list[Finding], list[Evaluation]]:
    settings = options or EngineOptions()
    by_type = index_rules(rules)
    resolver = Resolver(template)
    findings: list[Finding] = []
    evaluations: list[Evaluation] = []
    #: Rules whose regular expression ran past its budget here: one finding says so, and they
    #: are not run on the template's other resources (hostile input stays bounded).
    over_budget: set[str] = set()
    for resource in template.resources.values():
        if resource.is_cdk_internal:
            continue
        if resource.condition is not None and resolver.condition_value(resource.condition) is False:
            continue  # the parameter values given say this resource is not deployed
        for rule in _rules_for(by_type, resource.type):
            if rule.id in over_budget:
                evaluations.append(
                    Evaluation(rule.id, template.display_path, resource.logical_id, Outcome.ERROR)
                )
                continue
            rule_options = {
                **rule.options,
                **((settings.rule_options or {}).get(rule.id, {})),
                "facts": settings.facts or {},
            }
            context = CheckContext(template, resource, resolver, rule_options, workspace)
            verdicts = list(_run_rule(rule, context))
            outcome = _overall(verdicts)
            evaluations.append(
                Evaluation(rule.id, template.display_path, resource.logical_id, outcome)
            )
            if any(v.values.get("over_budget") for v in verdicts):
                over_budget.add(rule.id)
            for verdict in verdicts:
                if verdict.outcome is Outcome.FAIL or verdict.outcome is Outcome.ERROR or (
                    verdict.outcome is Outcome.UNKNOWN and settings.show_unknown
                ):
                    findings.append(_finding(rule, template, resource, verdict, rule_options))
    return findings, evaluations


def _overall(verdicts: Sequence[Verdict]) -> Outcome:
    outcomes = {v.outcome for v in verdicts}
    for outcome in (Outcome.ERROR, Outcome.FAIL, Outcome.UNKNOWN, Outcome.PASS):
        if outcome in outcomes:
            return outcome
    return Outcome.SKIP


def _run_rule(rule: RuleSpec, context: CheckContext) -> Iterable[Verdict]:
    try:
        if rule.applies_when is not None:
            applicability = verdict_from_branches(evaluate(rule.applies_when, context.scope))
            if applicability.outcome is Outcome.PASS:  # the condition is false: not applicable
                return [Verdict(Outcome.SKIP)]
            if applicability.outcome is Outcome.UNKNOWN:
                return [applicability]
        if rule.check is not None:
            verdicts = list(CHECKS[rule.check](context))
        else:
            assert rule.when is not None
            verdicts = [verdict_from_branches(evaluate(rule.when, context.scope))]
        return _with_decisions(rule, context, verdicts)
    except RegexBudgetExceeded as exc:
        return [Verdict(Outcome.ERROR, (), {"error": str(exc), "over_budget": True})]
    except Exception as exc:  # a broken rule must not take the run down with it
        LOG.debug("rule %s failed on %s", rule.id, context.resource.logical_id, exc_info=True)
        return [
            Verdict(
                Outcome.ERROR,
                (),
                {"error": f"{type(exc).__name__}: {exc}"},
            )
        ]


def _with_decisions(
    rule: RuleSpec, context: CheckContext, verdicts: list[Verdict]
) -> list[Verdict]:
    """Failures on a resource that states the decision (the rule's ``decided-when``) are
    notes that say so."""
    decision = rule.decided_when
    if decision is None or not any(v.outcome is Outcome.FAIL for v in verdicts):
        return verdicts
    holds = verdict_from_branches(evaluate(decision["condition"], context.scope))
    if holds.outcome is not Outcome.FAIL or holds.assumptions:
        return verdicts  # the decision is not stated in every deployment
    because = str(decision["because"])
    return [
        replace(v, note=True, decision=because) if v.outcome is Outcome.FAIL else v
        for v in verdicts
    ]


def _creation_site(template: Template, resource: Resource) -> tuple[dict[str, Any], ...]:
    """Where the CDK app created this construct, when the assembly recorded it."""
    frames = template.source_frames.get(resource.logical_id, ())
    if not frames:
        return ()
    frame = frames[0]
    return (
        {
            "file": str(frame.file),
            "line": int(frame.line),
            "column": int(frame.column),
            "message": "construct created here",
        },
    )


def _finding(
    rule: RuleSpec,
    template: Template,
    resource: Resource,
    verdict: Verdict,
    rule_options: Mapping[str, Any],
) -> Finding:
    path = verdict.path
    if rule.location and verdict.outcome is Outcome.FAIL:
        path = tuple(rule.location.split("."))
    span = verdict.span or span_of(template.document.data, (*resource.path, *path))
    if verdict.outcome is Outcome.ERROR:
        return code_finding(
            RULE_ERROR,
            f"rule {rule.id} failed on {resource.logical_id}: {verdict.values['error']}",
            span=span,
            outcome=Outcome.ERROR,
            crashed_rule=rule.id,
            **_about(template, resource),
        )
    values = _message_values(resource, verdict, rule_options)
    choices = deploy_time_choices(template, verdict.assumptions)
    noted = verdict.note or bool(choices) or verdict.outcome is Outcome.UNKNOWN
    return Finding(
        related=_creation_site(template, resource),
        rule_id=rule.id,
        rule_name=rule.name,
        severity=Severity.NOTE if noted else rule.severity,
        message=_message(rule, verdict, values, choices),
        fix=render(rule.fix, values),
        property_path=".".join(str(p) for p in path if p != "Fn::If" and not isinstance(p, int)),
        outcome=verdict.outcome,
        help_uri=rule.help_uri,
        role=verdict.role,
        **span._asdict(),
        **_about(template, resource),
    )


def _about(template: Template, resource: Resource) -> dict[str, Any]:
    """Which resource a finding is about: the same fields for every finding, crash or not."""
    return {
        "file": template.display_path,
        "logical_id": resource.logical_id,
        "resource_type": resource.type,
        "construct_path": resource.cdk_path,
        "stack": template.stack_name,
    }


def _message_values(
    resource: Resource, verdict: Verdict, rule_options: Mapping[str, Any]
) -> dict[str, Any]:
    """What a rule's message and fix may name. Template values a check hands over are written
    with :func:`describe`; text it composed itself stays as it is."""
    return {
        "logical_id": resource.logical_id,
        "type": resource.type,
        **rule_options,
        **{k: v if isinstance(v, str) else describe(v) for k, v in verdict.values.items()},
        "value": _describe_value(verdict),
    }


def _describe_value(verdict: Verdict) -> str:
    """The deciding value for the message. An UNKNOWN finding's message begins with why it
    cannot be told, so its value is just "unknown" rather than the same reason twice."""
    value = verdict.values.get("value", ABSENT)
    if verdict.outcome is Outcome.UNKNOWN and isinstance(value, Unknown):
        return "unknown"
    return describe(value)


def _message(
    rule: RuleSpec, verdict: Verdict, values: Mapping[str, Any], choices: Sequence[Choice]
) -> str:
    message = verdict.message or render(rule.message, values)
    if verdict.assumptions:
        message += f" (when {_describe_branch(verdict.assumptions, choices)})"
    if verdict.decision:
        message += f"; {verdict.decision}"
    if verdict.outcome is Outcome.UNKNOWN:
        reason = verdict.values.get("value")
        detail = (
            reason.reason if isinstance(reason, Unknown) else "a value known only at deploy time"
        )
        message = f"cannot tell statically ({detail}): {message}"
    return message


def _describe_branch(assumptions: Sequence[Assumption], choices: Sequence[Choice]) -> str:
    """The conditions a finding holds under; a condition a parameter decides names it, since
    that makes the finding a choice of whoever deploys the template."""
    chosen = {choice.condition: choice for choice in choices}
    parts = [
        chosen[a.name].describe() if a.kind == "condition" and a.name in chosen
        else describe_assumptions((a,))
        for a in assumptions
    ]
    return " and ".join(parts)
