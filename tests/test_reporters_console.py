"""The console report's closing table, --quiet and --statistics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_template_values_and_file_names_cannot_inject_lines_or_escapes(tmp_path: Path) -> None:
    hostile_id = "X\\n::error file=app.py,line=1::pwned\\r\\u001b[2J\\u202eevil"
    (tmp_path / "::warning::name.yaml").write_text(
        "Resources:\n"
        f'  "{hostile_id}":\n'
        "    Type: AWS::ECR::Repository\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "--no-cache", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert not [line for line in output.splitlines() if line.startswith("::")]
    assert "\x1b" not in output and "\r" not in output and "\u202e" not in output
    assert "./::warning::name.yaml:" in result.stdout
    assert "X\\n::error file=app.py,line=1::pwned\\r\\e[2J\\u202eevil" in result.stdout
