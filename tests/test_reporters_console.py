"""The console report's closing table, --quiet and --statistics."""

from __future__ import annotations

from iacguard.findings import Report, Severity, Suppression
from iacguard.report.console import ConsoleOptions
from iacguard.report.outputs import render
from test_reporters_sarif import make_finding


def sample_report() -> Report:
    return Report(
        findings=[
            make_finding(rule_id="IGE001", rule_name="ecr-scan", severity=Severity.ERROR,
                         message="no scan", start_line=3, end_line=3),
            make_finding(start_line=7),
            make_finding(logical_id="Other", start_line=9, end_line=9),
            make_finding(rule_id="cfn-lint/E3012", rule_name="value-types", source="cfn-lint",
                         severity=Severity.ERROR, message="bad type", start_line=11,
                         end_line=11).suppressed(Suppression("config", "known")),
        ],
        files_checked=["templates/app.yaml"],
    )


def console(report: Report, **options: bool) -> list[str]:
    return render("console", report, 1, ConsoleOptions(**options), sources={}).splitlines()


def test_default_report_ends_with_table_by_rule_and_severity() -> None:
    lines = console(sample_report())
    assert lines[-8:] == [
        "",
        "count  rule            severity  suppressed  name",
        "    1  IGE001          error              0  ecr-scan",
        "    0  cfn-lint/E3012  error              1  value-types",
        "    2  IGL001          warning            0  log-group-without-retention",
        "    3  total                              1",
        "",
        "1 template checked; 0 skipped (not CloudFormation); 3 findings (1 error, 2 warnings); "
        "1 suppressed",
    ]


def test_no_table_without_findings() -> None:
    lines = console(Report(files_checked=["a.yaml"]))
    assert lines == ["1 template checked; 0 skipped (not CloudFormation); no findings"]


def test_quiet_prints_one_line_per_finding_only() -> None:
    assert console(sample_report(), quiet=True) == [
        "templates/app.yaml:3:5 IGE001 error no scan",
        "templates/app.yaml:7:5 IGL001 warning Log group AppLogs has no RetentionInDays",
        "templates/app.yaml:9:5 IGL001 warning Log group AppLogs has no RetentionInDays",
        "templates/app.yaml:11:5 cfn-lint/E3012 error [suppressed] bad type",
    ]


def test_statistics_replaces_the_details_with_the_table() -> None:
    lines = console(sample_report(), statistics=True)
    assert lines[0] == "count  rule            severity  suppressed  name"
    assert not any(line.startswith("templates/app.yaml") for line in lines)
    assert lines[-1].startswith("1 template checked")
