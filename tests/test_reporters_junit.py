"""JUnit XML as CodeBuild and other test-report viewers read it: one suite per template, one
test case per (rule, resource) evaluation, read back with a third-party JUnit parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from iacguard.findings import Evaluation, FileProblem, Outcome, Report, Severity, Suppression
from iacguard.report.junit import render_junit
from test_reporters_sarif import make_finding
from test_reporters_snapshots import REPO_ROOT, e2e_report

E2E_FILE = "tests/fixtures/e2e/service.yaml"


def parse(report: Report, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "iacguard.xml"
    path.write_text(render_junit(report, 1), encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def suites(xml: JUnitXml) -> dict[str, TestSuite]:
    return {suite.name: suite for suite in xml}


def cases(suite: TestSuite) -> dict[str, TestCase]:
    return {case.name: case for case in suite}


def counts(suite: TestSuite) -> tuple[int, int, int, int]:
    return (suite.tests, suite.failures, suite.errors, suite.skipped)


def test_e2e_run_is_one_suite_with_passes_and_failures(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    report, _ = e2e_report()
    xml = parse(report, tmp_path)
    suite = suites(xml)[E2E_FILE]
    assert counts(suite) == (6, 3, 0, 0)
    by_name = cases(suite)
    assert sorted(by_name) == [
        "IGA001 ErrorsAlarm", "IGA001 LatencyAlarm", "IGE001 ImagesRepo", "IGE001 ScannedRepo",
        "IGL001 AppLogs", "IGL001 AuditLogs",
    ]
    assert by_name["IGA001 LatencyAlarm"].is_passed
    failing = by_name["IGL001 AppLogs"]
    assert failing.classname == E2E_FILE
    (failure,) = failing.result
    assert isinstance(failure, Failure)
    assert failure.message == (
        "Log group AppLogs has no RetentionInDays, so its logs are kept (and billed) forever"
    )
    assert failure.text.splitlines()[0] == f"{E2E_FILE}:21:5"
    assert "fix: Set RetentionInDays" in failure.text


def test_suppressed_and_unknown_evaluations_are_skipped_not_applicable_ones_omitted(
    tmp_path: Path,
) -> None:
    """A rule that does not apply to a resource tested nothing: it gets no test case, so a
    CodeBuild report is not full of skips (issue 20, item 10)."""
    suppressed = make_finding().suppressed(Suppression("metadata", "exported nightly"))
    unknown = make_finding(logical_id="Other", outcome=Outcome.UNKNOWN, severity=Severity.NOTE,
                           message="cannot tell statically (parameter Days)")
    report = Report(
        findings=[suppressed, unknown],
        evaluations=[
            Evaluation("IGL001", "templates/app.yaml", "AppLogs", Outcome.FAIL),
            Evaluation("IGL001", "templates/app.yaml", "Other", Outcome.UNKNOWN),
            Evaluation("IGL001", "templates/app.yaml", "Hidden", Outcome.UNKNOWN),
            Evaluation("IGL001", "templates/app.yaml", "Custom", Outcome.SKIP),
        ],
        files_checked=["templates/app.yaml"],
    )
    suite = suites(parse(report, tmp_path))["templates/app.yaml"]
    assert counts(suite) == (3, 0, 0, 3)
    reasons = {name: case.result[0].message for name, case in cases(suite).items()}
    assert reasons == {
        "IGL001 AppLogs": "suppressed (metadata): exported nightly",
        "IGL001 Other": "cannot tell statically (parameter Days)",
        "IGL001 Hidden": "cannot be decided statically (run with --show-unknown for details)",
    }
    assert all(isinstance(case.result[0], Skipped) for case in suite)


def test_problems_rule_errors_and_foreign_findings(tmp_path: Path) -> None:
    crash = make_finding(
        rule_id="IG0002", rule_name="rule-error", severity=Severity.ERROR,
        message="rule IGL001 failed on AppLogs: KeyError: 'x'", crashed_rule="IGL001",
        outcome=Outcome.ERROR,
    )
    foreign = make_finding(rule_id="cfn-lint/E3012", source="cfn-lint", severity=Severity.ERROR,
                           message="'yes' is not of type 'integer'", logical_id="Queue")
    report = Report(
        findings=[crash, foreign],
        evaluations=[Evaluation("IGL001", "templates/app.yaml", "AppLogs", Outcome.ERROR)],
        problems=[FileProblem("broken.yaml", "mapping values are not allowed here", 3, 9)],
        files_checked=["templates/app.yaml"],
    )
    xml = parse(report, tmp_path)
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (3, 1, 2, 0)
    broken = suites(xml)["broken.yaml"]
    assert counts(broken) == (1, 0, 1, 0)
    (load_case,) = list(broken)
    assert isinstance(load_case.result[0], Error)
    assert load_case.result[0].message == "mapping values are not allowed here"
    assert load_case.result[0].text == "broken.yaml:3:9: mapping values are not allowed here"
    app = cases(suites(xml)["templates/app.yaml"])
    assert isinstance(app["IGL001 AppLogs"].result[0], Error)
    assert app["IGL001 AppLogs"].result[0].message == crash.message
    assert isinstance(app["cfn-lint/E3012 Queue"].result[0], Failure)


def test_several_findings_of_one_evaluation_are_separate_cases(tmp_path: Path) -> None:
    first = make_finding(property_path="Properties.A", start_line=3)
    second = make_finding(property_path="Properties.B", start_line=4)
    report = Report(
        findings=[first, second],
        evaluations=[Evaluation("IGL001", "templates/app.yaml", "AppLogs", Outcome.FAIL)],
    )
    suite = suites(parse(report, tmp_path))["templates/app.yaml"]
    assert counts(suite) == (2, 2, 0, 0)
    assert sorted(cases(suite)) == [
        "IGL001 AppLogs Properties.A", "IGL001 AppLogs Properties.B"
    ]


def test_control_characters_cannot_break_the_xml(tmp_path: Path) -> None:
    finding = make_finding(message="bad \x00byte\x1b <tag> & \"quotes\"")
    report = Report(
        findings=[finding],
        evaluations=[Evaluation("IGL001", "templates/app.yaml", "AppLogs", Outcome.FAIL)],
    )
    (case,) = list(suites(parse(report, tmp_path))["templates/app.yaml"])
    assert case.result[0].message == "bad \ufffdbyte\ufffd <tag> & \"quotes\""


def test_checked_file_without_evaluations_is_an_empty_suite(tmp_path: Path) -> None:
    xml = parse(Report(files_checked=["empty.yaml"]), tmp_path)
    assert counts(suites(xml)["empty.yaml"]) == (0, 0, 0, 0)
