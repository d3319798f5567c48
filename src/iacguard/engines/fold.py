"""One problem, one finding: fold the findings of all engines on one template together.

``fold_findings(findings, template)`` is a pure function over the merged findings of one
template (iacguard's own rules and cfn-lint's validation, before suppressions). It applies, in
this order:

1. **Invalid input wins.** When cfn-lint reports a property of a resource invalid (the rules in
   :data:`INVALID_PROPERTY_RULES`: an unexpected, missing, mistyped or out-of-range property), an
   iacguard finding that reads that property, or something inside it, cannot be trusted: it is
   dropped (or, with ``keep_unknown``, kept as an UNKNOWN note saying why). A misspelt
   ``DeploymentCircuitBreaker.Rollbak`` is then one E3002 ("did you mean 'Rollback'?"), not also
   an E3003 ("'Rollback' is a required property") and an IGR004 ("does not roll back"): the
   E3003 that names the property the E3002 suggests, on the same object, is folded into it.
2. **Same problem, two engines.** IGD001 and cfn-lint W3011 on the same resource both say the
   resource lacks a retention policy; the IGD001 finding stays (it names the consequence for the
   type) and says that cfn-lint agrees.
3. **What the CDK generated.** In a CDK cloud assembly, cfn-lint findings about things the CDK
   writes by itself cannot be acted on in the template:

   - :data:`CDK_GENERATED_RULES` (W3005, a ``DependsOn`` already implied by a ``Ref``: the CDK
     adds such ordering dependencies itself) on a resource with a construct path are dropped;
   - any other warning or note of cfn-lint on a resource the CDK generates on the user's behalf
     (``model.cdk.is_internal``: singleton handler functions, provider frameworks, CDK metadata)
     becomes a note. Errors stay errors: the stack would fail to deploy.

Findings of other engines (checkov) pass through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from iacguard.findings import Evaluation, Finding, Outcome, Severity
from iacguard.model.template import Template

CFN_LINT = "cfn-lint"
CFN_LINT_PREFIX = "cfn-lint/"
#: cfn-lint rules that say a property of a resource is not valid input.
INVALID_PROPERTY_RULES = frozenset({
    "E3002",  # an unexpected property (often a misspelling, with "Did you mean ...?")
    "E3003",  # a required property is missing
    "E3012",  # a value of the wrong type
    "E3030",  # a value outside the allowed values
    "E3031",  # a value that does not match the required pattern
    "E3032",  # a list with too few or too many items
    "E3033",  # a string that is too short or too long
    "E3034",  # a number out of range
})
#: cfn-lint rules whose findings are about what the CDK writes itself, dropped on CDK resources.
CDK_GENERATED_RULES = frozenset({"W3005"})
RETENTION_RULE = "IGD001"
RETENTION_CFN_LINT_RULE = "W3011"

_DID_YOU_MEAN = re.compile(r"Did you mean '([^']+)'")
_REQUIRED = re.compile(r"^'([^']+)' is a required property")


def fold_findings(
    findings: Sequence[Finding], template: Template, *, keep_unknown: bool = False
) -> list[Finding]:
    """The findings of one template with each problem reported once (see the module doc)."""
    invalid = [f for f in findings if _cfn_lint_rule(f) in INVALID_PROPERTY_RULES]
    folded: list[Finding] = []
    for finding in findings:
        if finding.source == "iacguard" and finding.outcome is Outcome.FAIL:
            spoiled = _spoiled_by(finding, invalid)
            if spoiled is not None:
                if keep_unknown:
                    folded.append(_unknown_because(finding, spoiled))
                continue
        if _cfn_lint_rule(finding) == "E3003" and _suggested_by_e3002(finding, invalid):
            continue
        folded.append(finding)
    return _cdk_generated(_retention_once(folded), template)


def _cfn_lint_rule(finding: Finding) -> str:
    if finding.source != CFN_LINT or not finding.rule_id.startswith(CFN_LINT_PREFIX):
        return ""
    return finding.rule_id.removeprefix(CFN_LINT_PREFIX)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def _spoiled_by(finding: Finding, invalid: Iterable[Finding]) -> Finding | None:
    """The cfn-lint finding that makes an iacguard finding read an invalid property: on the same
    resource, at the property it reads or above it (but below Properties itself, where a missing
    required property says nothing about the others)."""
    path = _segments(finding.property_path)
    for problem in invalid:
        if problem.file != finding.file or problem.logical_id != finding.logical_id:
            continue
        where = _segments(problem.property_path)
        if _cfn_lint_rule(problem) == "E3003":
            required = _REQUIRED.match(problem.message)
            if required:
                where = (*where, required.group(1))
        if len(where) >= 2 and path[: len(where)] == where:
            return problem
        if _cfn_lint_rule(problem) == "E3002" and _suggests(problem, path):
            return problem
    return None


def _suggests(problem: Finding, path: tuple[str, ...]) -> bool:
    """An E3002 beside the property a finding reads that suggests that very property."""
    suggestion = _DID_YOU_MEAN.search(problem.message)
    where = _segments(problem.property_path)
    return (
        suggestion is not None
        and len(where) >= 2
        and path[: len(where) - 1] == where[:-1]
        and path[len(where) - 1 : len(where)] == (suggestion.group(1),)
    )


def _suggested_by_e3002(required: Finding, invalid: Iterable[Finding]) -> bool:
    """An E3003 "'X' is a required property" whose X an E3002 on the same object suggests in
    place of a misspelt key: one misspelling, reported once (by the E3002)."""
    missing = _REQUIRED.match(required.message)
    if missing is None:
        return False
    wanted = (*_segments(required.property_path), missing.group(1))
    return any(
        _cfn_lint_rule(other) == "E3002"
        and other.file == required.file
        and other.logical_id == required.logical_id
        and _suggests(other, wanted)
        for other in invalid
    )


def _unknown_because(finding: Finding, problem: Finding) -> Finding:
    rule = _cfn_lint_rule(problem)
    reason = f"cfn-lint {rule} reports {problem.property_path or 'the resource'} invalid"
    return replace(
        finding,
        outcome=Outcome.UNKNOWN,
        severity=Severity.NOTE,
        message=f"cannot tell statically ({reason}): {finding.message}",
    )


def _retention_once(findings: list[Finding]) -> list[Finding]:
    """IGD001 and W3011 on one resource: the IGD001 finding, saying that cfn-lint agrees."""
    ours = {
        (f.file, f.logical_id)
        for f in findings
        if f.rule_id == RETENTION_RULE and f.outcome is Outcome.FAIL
    }
    theirs = {
        (f.file, f.logical_id)
        for f in findings
        if _cfn_lint_rule(f) == RETENTION_CFN_LINT_RULE
    }
    both = ours & theirs
    result = []
    for finding in findings:
        key = (finding.file, finding.logical_id)
        if key in both and _cfn_lint_rule(finding) == RETENTION_CFN_LINT_RULE:
            continue
        if key in both and finding.rule_id == RETENTION_RULE:
            finding = replace(
                finding, message=f"{finding.message} (cfn-lint {RETENTION_CFN_LINT_RULE} agrees)"
            )
        result.append(finding)
    return result


def _cdk_generated(findings: list[Finding], template: Template) -> list[Finding]:
    result = []
    for finding in findings:
        rule = _cfn_lint_rule(finding)
        resource = template.resources.get(finding.logical_id) if rule else None
        if resource is None or not resource.cdk_path:
            result.append(finding)
            continue
        if rule in CDK_GENERATED_RULES:
            continue
        if resource.is_cdk_internal and finding.severity is not Severity.ERROR:
            finding = replace(finding, severity=Severity.NOTE)
        result.append(finding)
    return result


def fold_unit(
    findings: Sequence[Finding], evaluations: Sequence[Evaluation], unit: Sequence[Template],
    *, keep_unknown: bool = False,
) -> tuple[list[Finding], list[Evaluation]]:
    """:func:`fold_findings` for each template of a unit. An evaluation whose only failing
    findings were folded away (they read an invalid property) becomes UNKNOWN, so no report
    shows the rule as failed, or as passed, without a finding to say why."""
    by_file: dict[str, list[Finding]] = {template.display_path: [] for template in unit}
    elsewhere: list[Finding] = []
    for finding in findings:
        by_file.get(finding.file, elsewhere).append(finding)
    kept = [
        *(f for template in unit for f in fold_findings(
            by_file[template.display_path], template, keep_unknown=keep_unknown)),
        *elsewhere,
    ]
    return kept, _undecided_when_folded(findings, kept, evaluations)


def _undecided_when_folded(
    before: Sequence[Finding], after: Sequence[Finding], evaluations: Sequence[Evaluation]
) -> list[Evaluation]:
    def failing(findings: Iterable[Finding]) -> set[tuple[str, str, str]]:
        return {
            (f.rule_id, f.file, f.logical_id)
            for f in findings if f.source == "iacguard" and f.outcome is Outcome.FAIL
        }

    folded = failing(before) - failing(after)
    return [
        replace(e, outcome=Outcome.UNKNOWN)
        if e.outcome is Outcome.FAIL and (e.rule_id, e.file, e.logical_id) in folded else e
        for e in evaluations
    ]
