"""JUnit XML as test-report viewers read it (AWS CodeBuild's JUNITXML report type, Jenkins,
GitLab): every (rule, resource) evaluation is a test case, so passes are visible too.

Mapping:

* one ``testsuite`` per template file (name and classname = the file path);
* one ``testcase`` per evaluation, named "<rule id> <logical id>"; when one evaluation produced
  several findings, one test case per finding, told apart by the property path;
* an active FAIL finding -> ``failure`` (message attribute = the message; text = where and fix);
* UNKNOWN and suppressed evaluations -> ``skipped`` with the reason;
* a rule that does not apply to a resource -> no test case (a report full of skips reads as a
  broken build);
* a rule that crashed (an IG0002 finding, whose ``crashed_rule`` names the rule) and a file
  that could not be parsed -> ``error``;
* findings no evaluation accounts for (other engines such as cfn-lint) get test cases of their
  own in their file's suite.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from iacguard.findings import Evaluation, FileProblem, Finding, Outcome, Report

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_SKIP_REASONS = {
    Outcome.UNKNOWN: "cannot be decided statically (run with --show-unknown for details)",
}


@dataclass
class _Suite:
    name: str
    cases: list[ET.Element] = field(default_factory=list)


def render_junit(report: Report, exit_code: int) -> str:
    """``exit_code`` is unused: JUnit has no place for it, but every reporter takes it."""
    del exit_code
    root = junit_tree(report)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_tree(report: Report) -> ET.Element:
    suites: dict[str, _Suite] = {}

    def suite_for(file: str) -> _Suite:
        return suites.setdefault(file, _Suite(file))

    for file in report.files_checked:
        suite_for(file)
    findings_by_evaluation = _findings_by_evaluation(report.findings)
    accounted: set[int] = set()
    for evaluation in report.evaluations:
        key = (evaluation.rule_id, evaluation.file, evaluation.logical_id)
        findings = findings_by_evaluation.get(key, [])
        if evaluation.outcome is Outcome.SKIP and not findings:
            continue  # the rule does not apply to this resource: nothing was tested
        accounted.update(id(f) for f in findings)
        suite_for(evaluation.file).cases.extend(_evaluation_cases(evaluation, findings))
    for finding in report.findings:
        if id(finding) not in accounted:
            suite_for(finding.file).cases.append(_finding_case(finding, _case_name(finding)))
    for problem in report.problems:
        suite_for(problem.file).cases.append(_problem_case(problem))

    root = ET.Element("testsuites", {"name": "iacguard"})
    for name in sorted(suites):
        root.append(_suite_element(suites[name]))
    _set_counts(root, root.iter("testcase"))
    return root


def _evaluated_rule(finding: Finding) -> str:
    """The rule whose evaluation a finding belongs to: for a crash, the rule that crashed."""
    return finding.crashed_rule or finding.rule_id


def _findings_by_evaluation(
    findings: Iterable[Finding],
) -> dict[tuple[str, str, str], list[Finding]]:
    grouped: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.logical_id:
            grouped[(_evaluated_rule(finding), finding.file, finding.logical_id)].append(finding)
    return grouped


def _evaluation_cases(evaluation: Evaluation, findings: Sequence[Finding]) -> list[ET.Element]:
    name = f"{evaluation.rule_id} {evaluation.logical_id}"
    if not findings:
        case = _case(evaluation.file, name)
        reason = _SKIP_REASONS.get(evaluation.outcome)
        if reason:
            ET.SubElement(case, "skipped", {"message": reason})
        return [case]
    if len(findings) == 1:
        return [_finding_case(findings[0], name)]
    return [_finding_case(f, f"{name} {f.property_path or f.start_line}") for f in findings]


def _case_name(finding: Finding) -> str:
    subject = finding.logical_id or f"line {finding.start_line}"
    return f"{finding.rule_id} {subject}"


def _case(classname: str, name: str) -> ET.Element:
    return ET.Element("testcase", {"classname": _clean(classname), "name": _clean(name)})


def _finding_case(finding: Finding, name: str) -> ET.Element:
    case = _case(finding.file, name)
    where = f"{finding.file}:{finding.start_line}:{finding.start_column}"
    if finding.suppression is not None:
        reason = f"suppressed ({finding.suppression.kind}): {finding.suppression.reason}"
        ET.SubElement(case, "skipped", {"message": _clean(reason)})
    elif finding.outcome is Outcome.ERROR:
        element = ET.SubElement(case, "error", {"message": _clean(finding.message),
                                                "type": finding.rule_id})
        element.text = _clean(f"{where}\n{finding.fix}")
    elif finding.outcome is Outcome.UNKNOWN:
        ET.SubElement(case, "skipped", {"message": _clean(finding.message)})
    else:
        element = ET.SubElement(case, "failure", {
            "message": _clean(finding.message),
            "type": f"{finding.rule_id} {finding.severity.value}",
        })
        element.text = _clean(_failure_text(finding, where))
    return case


def _failure_text(finding: Finding, where: str) -> str:
    lines = [where]
    if finding.construct_path:
        lines.append(f"construct: {finding.construct_path}")
    if finding.logical_id:
        lines.append(f"resource: {finding.logical_id} ({finding.resource_type})")
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    return "\n".join(lines)


def _problem_case(problem: FileProblem) -> ET.Element:
    case = _case(problem.file, "load template")
    element = ET.SubElement(case, "error", {"message": _clean(problem.message),
                                            "type": "file-not-checked"})
    element.text = _clean(str(problem))
    return case


def _suite_element(suite: _Suite) -> ET.Element:
    element = ET.Element("testsuite", {"name": _clean(suite.name)})
    element.extend(suite.cases)
    _set_counts(element, suite.cases)
    return element


def _set_counts(element: ET.Element, cases: Iterable[ET.Element]) -> None:
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in cases:
        counts["tests"] += 1
        for kind, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            if case.find(tag) is not None:
                counts[kind] += 1
    for key, value in counts.items():
        element.set(key, str(value))


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return _XML_INVALID.sub("\ufffd", text)
