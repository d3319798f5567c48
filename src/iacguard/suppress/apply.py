"""Suppressions applied in one place, after every finding of every engine is known.

Suppressions written in a template (Metadata, comments) are applied to that template's findings
as each unit of templates is checked; the configuration's entries and the baseline are applied
once to the whole run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from iacguard.engines.codes import (
    SUPPRESSION_EXPIRED,
    SUPPRESSION_WITHOUT_REASON,
    UNUSED_SUPPRESSION,
)
from iacguard.findings import Finding, Report
from iacguard.globs import path_matches
from iacguard.model.template import Template
from iacguard.suppress.baseline import apply_baseline
from iacguard.suppress.directives import Directive, Judge, Malformed, config_directive
from iacguard.suppress.inline import inline_directives
from iacguard.suppress.meta import (
    SUPPRESSION_CODE_IDS,
    declare_fired_codes,
    expired,
    finding_about,
    malformed_finding,
    no_reason,
    unused,
)
from iacguard.suppress.metadata import metadata_directives
from iacguard.suppress.policy import SuppressionPolicy

#: Rule ids of the other engines (cfn-lint, checkov), with or without the source prefix their
#: findings carry: iacguard cannot tell whether such a rule ran, so it never calls a suppression
#: of one unknown or unused.
_OTHER_ENGINE_ID = re.compile(r"^(?:(cfn-lint/)?[EWI][0-9]{4}|(checkov/)?CKV2?_[A-Z0-9_]+)$")
_SOURCE_SEPARATOR = "/"


def suppress_template_findings(
    findings: Sequence[Finding],
    template: Template,
    policy: SuppressionPolicy,
    ran_rule_ids: Iterable[str],
) -> list[Finding]:
    """Apply the suppressions written in one template (Metadata and comments) to its findings."""
    if not policy.inline:
        return list(findings)
    directives, malformed = template_directives(template)
    result = apply_directives(findings, directives, policy, _judge_by_rule(policy, ran_rule_ids))
    for item in malformed:
        finding = malformed_finding(item, policy)
        if finding is not None:
            result.append(finding)
    return result


def suppress_run(report: Report, policy: SuppressionPolicy, ran_rule_ids: Iterable[str]) -> None:
    """Apply the run-wide suppressions (configuration entries, then the baseline) in place."""
    ran = set(ran_rule_ids)
    if policy.config_entries:
        directives = [config_directive(entry) for entry in policy.config_entries]
        checked = list(report.files_checked)
        judge_rule = _judge_by_rule(policy, ran)

        def judged(directive: Directive, rule_id: str) -> bool:
            glob = directive.scope.file_glob or "*"
            return judge_rule(directive, rule_id) and any(
                path_matches(file, glob) for file in checked
            )

        report.findings[:] = apply_directives(report.findings, directives, policy, judged)
    if policy.baseline is not None:
        apply_baseline(report, policy.baseline, ran)
    if not policy.inline:
        how = policy.inline_disabled_by or "configuration"
        report.notices.append(
            f"suppressions written in templates (# iacguard: comments and Metadata) are "
            f"disabled by {how}: findings they cover are reported as active"
        )
    declare_fired_codes(report, policy)
    report.sort()


def template_directives(template: Template) -> tuple[list[Directive], list[Malformed]]:
    directives: list[Directive] = []
    malformed: list[Malformed] = []
    for found in (metadata_directives(template), inline_directives(template)):
        directives.extend(found[0])
        malformed.extend(found[1])
    return directives, malformed


def apply_directives(
    findings: Iterable[Finding],
    directives: Sequence[Directive],
    policy: SuppressionPolicy,
    judged: Judge,
) -> list[Finding]:
    """Suppress findings covered by valid directives; add findings about the directives.

    ``judged(directive, rule_id)`` says whether "matched nothing" means something in this run.
    """
    valid: list[Directive] = []
    about: list[Finding | None] = []
    lapsed: list[Directive] = []
    for directive in directives:
        if not directive.reason:
            about.append(finding_about(directive, SUPPRESSION_WITHOUT_REASON, policy,
                                       no_reason(directive)))
        elif directive.expires is not None and directive.expires < policy.date:
            lapsed.append(directive)
        else:
            valid.append(directive)
    used: set[tuple[int, str]] = set()
    still_matched: set[int] = set()
    result: list[Finding] = []
    for finding in findings:
        if finding.suppression is None and finding.rule_id not in SUPPRESSION_CODE_IDS:
            finding = _first_match(finding, valid, used)
            still_matched.update(
                index for index, directive in enumerate(lapsed)
                if _matching_rule(directive, finding) and directive.scope.covers(finding)
            )
        result.append(finding)
    for index, directive in enumerate(lapsed):
        about.append(finding_about(directive, SUPPRESSION_EXPIRED, policy,
                                   expired(directive, index in still_matched)))
    about.extend(_unused_findings(valid, used, policy, judged))
    result.extend(finding for finding in about if finding is not None)
    return result


def _unused_findings(
    valid: Sequence[Directive], used: set[tuple[int, str]], policy: SuppressionPolicy,
    judged: Judge,
) -> list[Finding | None]:
    about: list[Finding | None] = []
    for index, directive in enumerate(valid):
        for rule_id in directive.rule_ids:
            if (index, rule_id) in used:
                continue
            other_engine = _OTHER_ENGINE_ID.match(rule_id) is not None
            message = unused(directive, rule_id, policy, judged, other_engine)
            if message:
                about.append(finding_about(directive, UNUSED_SUPPRESSION, policy, message))
    return about


def _first_match(
    finding: Finding, directives: Sequence[Directive], used: set[tuple[int, str]]
) -> Finding:
    for index, directive in enumerate(directives):
        rule_id = _matching_rule(directive, finding)
        if rule_id and directive.scope.covers(finding):
            used.add((index, rule_id))
            return finding.suppressed(directive.suppression())
    return finding


def _matching_rule(directive: Directive, finding: Finding) -> str | None:
    """The id (or name) of the directive that names the finding's rule. Findings of other
    tools carry a source prefix (``cfn-lint/E3012``); a suppression may leave it out."""
    for rule_id in directive.rule_ids:
        if rule_id in (finding.rule_id, finding.rule_name) or finding.rule_id.endswith(
            _SOURCE_SEPARATOR + rule_id
        ):
            return rule_id
    return None


def _judge_by_rule(policy: SuppressionPolicy, ran_rule_ids: Iterable[str]) -> Judge:
    ran = set(ran_rule_ids)

    def judged(directive: Directive, rule_id: str) -> bool:
        return policy.known_rules.get(rule_id, rule_id) in ran

    return judged
