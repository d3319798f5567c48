"""GitHub Actions workflow commands: one annotation per active finding, escaped so that no
message or path can end a command early or inject another."""

from __future__ import annotations

from iacguard.findings import FileProblem, Outcome, Report, Severity, Suppression
from iacguard.report.github import escape_data, escape_property, render_github
from test_reporters_sarif import make_finding


def test_one_annotation_per_active_finding_with_severity_as_command() -> None:
    report = Report(findings=[
        make_finding(rule_id="IGE001", rule_name="ecr-scan", severity=Severity.ERROR,
                     message="no scan", fix="Scan.", start_line=3),
        make_finding(start_line=7),
        make_finding(rule_id="IGX001", rule_name="maybe", severity=Severity.NOTE,
                     outcome=Outcome.UNKNOWN, message="cannot tell", fix="", start_line=9,
                     end_line=11, end_column=2),
        make_finding(start_line=12).suppressed(Suppression("config", "accepted")),
    ])
    assert render_github(report, 1).splitlines() == [
        "::error file=templates/app.yaml,line=3,endLine=7,title=IGE001 ecr-scan"
        "::no scan%0AFix: Scan.",
        "::warning file=templates/app.yaml,line=7,endLine=7,col=5,endColumn=14,"
        "title=IGL001 log-group-without-retention::Log group AppLogs has no RetentionInDays"
        "%0AFix: Set RetentionInDays.",
        "::notice file=templates/app.yaml,line=9,endLine=11,title=IGX001 maybe::cannot tell",
    ]


def test_message_and_properties_are_escaped() -> None:
    finding = make_finding(
        file="odd,dir/a:b.yaml", rule_name="x", message="100% bad\r\nnext line: yes, really",
        fix="",
    )
    (line,) = render_github(Report(findings=[finding]), 1).splitlines()
    assert line == (
        "::warning file=odd%2Cdir/a%3Ab.yaml,line=7,endLine=7,col=5,endColumn=14,"
        "title=IGL001 x::100%25 bad%0D%0Anext line: yes, really"
    )


def test_escape_functions() -> None:
    assert escape_data("a%b\nc\rd:e,f") == "a%25b%0Ac%0Dd:e,f"
    assert escape_property("a%b\nc\rd:e,f") == "a%25b%0Ac%0Dd%3Ae%2Cf"


def test_files_that_could_not_be_checked_are_errors() -> None:
    report = Report(problems=[FileProblem("broken.yaml", "bad indentation", 4, 2),
                              FileProblem("gone.yaml", "path does not exist")])
    assert render_github(report, 2).splitlines() == [
        "::error file=broken.yaml,line=4,col=2,title=iacguard could not check this file"
        "::bad indentation",
        "::error file=gone.yaml,title=iacguard could not check this file::path does not exist",
    ]


def test_nothing_to_report_is_empty_output() -> None:
    assert render_github(Report(), 0) == ""
