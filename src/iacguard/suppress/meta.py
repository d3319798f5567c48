"""Findings about suppressions (IG0003-IG0005, IG0007): what they say and where they point.

They are about suppressions, not about templates: never suppressed themselves (``ignore`` them
to turn them off) and never baselined.
"""

from __future__ import annotations

from iacguard.engines.codes import INVALID_SUPPRESSION, SUPPRESSION_CODES, code_finding
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Finding, Report
from iacguard.suggest import did_you_mean
from iacguard.suppress.directives import Directive, Judge, Malformed
from iacguard.suppress.policy import SuppressionPolicy

SUPPRESSION_CODE_IDS = frozenset(code.id for code in SUPPRESSION_CODES)


def describe(directive: Directive) -> str:
    if directive.kind == "metadata":
        owner = f"resource {directive.logical_id}" if directive.logical_id else "template"
        return f"Metadata suppression on {owner}"
    if directive.kind == "inline":
        return "inline suppression"
    return "configuration suppression"


def no_reason(directive: Directive) -> str:
    ids = ", ".join(directive.rule_ids)
    return f"{describe(directive)} of {ids} has no reason, so it does not apply"


def expired(directive: Directive, still_matched: bool) -> str:
    ids = ", ".join(directive.rule_ids)
    assert directive.expires is not None
    tail = (
        "the finding it covered is reported again"
        if still_matched
        else "remove it (it would not cover any finding of this run either)"
    )
    return f"{describe(directive)} of {ids} expired on {directive.expires.isoformat()}: {tail}"


def unused(directive: Directive, rule_id: str, policy: SuppressionPolicy, judged: Judge,
           other_engine_rule: bool) -> str:
    """Why a suppression that matched nothing is worth a finding, or "" when it is not."""
    if policy.known_rules and rule_id not in policy.known_rules and not other_engine_rule:
        hint = did_you_mean(rule_id, sorted(policy.known_rules))
        return f"{describe(directive)} names unknown rule {rule_id!r}{hint}"
    if not judged(directive, rule_id):
        return ""
    return f"{describe(directive)} of {rule_id} matches no finding; remove it"


def finding_about(
    directive: Directive, code: RuleSpec, policy: SuppressionPolicy, message: str
) -> Finding | None:
    """A finding of ``code`` where the directive is written, unless the code is turned off."""
    in_effect = policy.meta.get(code.id)
    if in_effect is None:
        return None
    return code_finding(in_effect, message, directive.file, directive.span,
                        logical_id=directive.logical_id, property_path=directive.property_path)


def malformed_finding(item: Malformed, policy: SuppressionPolicy) -> Finding | None:
    in_effect = policy.meta.get(INVALID_SUPPRESSION.id)
    if in_effect is None:
        return None
    return code_finding(in_effect, item.message, item.file, item.span, logical_id=item.logical_id)


def declare_fired_codes(report: Report, policy: SuppressionPolicy) -> None:
    """Reporters describe rules from ``rules_run``; add the suppression codes that fired."""
    present = {getattr(spec, "id", None) for spec in report.rules_run}
    fired = {finding.rule_id for finding in report.findings} & SUPPRESSION_CODE_IDS
    for rule_id in sorted(fired - present):
        report.rules_run.append(policy.meta[rule_id])
