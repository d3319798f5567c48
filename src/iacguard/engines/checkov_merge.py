"""checkov's findings merged with ours: one finding where an iacguard rule and a checkov check
cover the same control on the same resource.

An iacguard rule names the checkov checks that cover its control in ``references.checkov``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from iacguard.engines import CHECKOV, EngineResult
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Evaluation, Finding, Outcome

SOURCE = CHECKOV
RULE_ID_PREFIX = "checkov/"


def merge_findings(
    ours: Sequence[Finding],
    theirs: Sequence[Finding],
    evaluations: Sequence[Evaluation],
    rules: Sequence[RuleSpec],
) -> EngineResult:
    """Our findings plus checkov's, with one finding per control and resource.

    For a checkov finding whose check one of our rules lists in ``references.checkov``, on the
    same file and logical id: when our rule failed there, our finding stays and notes that
    checkov agrees; when our rule passed, checkov's finding is dropped with a notice (our rule
    reads the whole template and the configured facts, checkov looks at one resource). When our
    rule did not decide (unknown, not applicable, did not run), checkov's finding is kept.
    """
    counterparts = _counterparts(rules)
    verdicts = {(e.rule_id, e.file, e.logical_id): e.outcome for e in evaluations}
    failing: dict[tuple[str, str, str], list[int]] = {}
    for index, finding in enumerate(ours):
        if finding.outcome is Outcome.FAIL and finding.source != SOURCE:
            key = (finding.rule_id, finding.file, finding.logical_id)
            failing.setdefault(key, []).append(index)
    agreed: dict[int, list[str]] = {}
    kept: list[Finding] = []
    notices: list[str] = []
    for finding in theirs:
        check_id = finding.rule_id.removeprefix(RULE_ID_PREFIX)
        rule_ids = counterparts.get(check_id, ())
        matches = [
            index
            for rule_id in rule_ids
            for index in failing.get((rule_id, finding.file, finding.logical_id), ())
        ]
        if matches:
            for index in matches:
                agreed.setdefault(index, []).append(check_id)
            continue
        passing = [
            rule_id for rule_id in rule_ids
            if verdicts.get((rule_id, finding.file, finding.logical_id)) is Outcome.PASS
        ]
        if passing:
            notices.append(_overruled_notice(finding, check_id, passing))
            continue
        kept.append(finding)
    merged = [
        replace(finding, message=finding.message + _agreement(agreed[index]))
        if index in agreed else finding
        for index, finding in enumerate(ours)
    ]
    return EngineResult([*merged, *kept], notices=notices)



def _counterparts(rules: Sequence[RuleSpec]) -> dict[str, tuple[str, ...]]:
    """checkov check id -> our rules that cover the same control."""
    found: dict[str, list[str]] = {}
    for rule in rules:
        for check_id in rule.references.get("checkov", ()):
            found.setdefault(check_id, []).append(rule.id)
    return {check_id: tuple(rule_ids) for check_id, rule_ids in found.items()}


def _agreement(check_ids: Sequence[str]) -> str:
    unique = list(dict.fromkeys(check_ids))
    verb = "agrees" if len(unique) == 1 else "agree"
    return f" (checkov {' and '.join(unique)} {verb})"


def _overruled_notice(finding: Finding, check_id: str, rule_ids: Sequence[str]) -> str:
    ours = " and ".join(rule_ids)
    return (
        f"{finding.file}:{finding.start_line}: dropped checkov {check_id} on "
        f"{finding.logical_id}: iacguard {ours} checks the same control and passes this "
        "resource; iacguard's verdict wins because it reads the whole template and the "
        f"configured facts (e.g. registry-level settings), not one resource alone "
        f"(iacguard explain {rule_ids[0]})"
    )
