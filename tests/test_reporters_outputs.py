"""Several reports from one run: --output FORMAT:PATH (repeatable) next to the terminal report,
and the older --format X --output PATH."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from iacguard import cli
from iacguard.atomic import write_atomic
from iacguard.errors import IacguardError
from iacguard.findings import Report
from iacguard.report.console import ConsoleOptions
from iacguard.report.outputs import (
    FORMATS,
    RENDERERS,
    OutputPlan,
    OutputTarget,
    parse_output,
    plan_outputs,
    write_outputs,
)

E2E = Path(__file__).parent / "fixtures" / "e2e"
RULES = "IGA001,IGE001,IGL001"


def run(*args: str, cwd: Path = E2E) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "iacguard", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, env=environment,
    )


def test_cli_offers_every_registered_format() -> None:
    for command in ("check", "merge"):
        option = next(p for p in cli.cli.commands[command].params if p.name == "format")
        assert tuple(option.type.choices) == FORMATS, command
    assert set(RENDERERS) == set(FORMATS) - {"console"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sarif:reports/r.sarif", (OutputTarget("sarif", Path("reports/r.sarif")), True)),
        ("JUNIT:out.xml", (OutputTarget("junit", Path("out.xml")), True)),
        ("report.json", (OutputTarget("json", Path("report.json")), False)),
        ("C:/reports/r.json", (OutputTarget("json", Path("C:/reports/r.json")), False)),
        ("./sarif:odd", (OutputTarget("json", Path("./sarif:odd")), False)),
    ],
)
def test_parse_output(value: str, expected: tuple[OutputTarget, bool]) -> None:
    assert parse_output(value, "json") == expected


def test_plan_keeps_the_format_report_on_stdout_unless_a_plain_path_takes_it() -> None:
    assert plan_outputs("console", ["sarif:a.sarif", "junit:a.xml"]) == OutputPlan(
        "console", (OutputTarget("sarif", Path("a.sarif")), OutputTarget("junit", Path("a.xml")))
    )
    assert plan_outputs("json", ["r.json", "sarif:r.sarif"]).stdout_format is None


@pytest.mark.parametrize(
    ("values", "message"),
    [(["sarif:"], "give a path after 'sarif:'"), (["sarif:r.txt", "junit:r.txt"], "given twice")],
)
def test_bad_outputs_are_usage_errors(values: list[str], message: str) -> None:
    with pytest.raises(IacguardError, match=message):
        plan_outputs("console", values)


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    targets = [OutputTarget("json", tmp_path / "taken" / "r.json")]
    with pytest.raises(IacguardError, match="cannot write the json report to"):
        write_outputs(targets, Report(), 0, ConsoleOptions())


def test_several_outputs_in_one_run_while_the_console_report_goes_to_the_terminal(
    tmp_path: Path,
) -> None:
    result = run(
        "check", "--no-validate", "--select", RULES, "service.yaml",
        "--output", f"sarif:{tmp_path}/reports/iacguard.sarif",
        "--output", f"junit:{tmp_path}/reports/iacguard.xml",
        "--output", f"github:{tmp_path}/annotations.txt",
    )
    assert result.returncode == 1, result.stderr
    assert "service.yaml:21:5 IGL001 warning Log group AppLogs" in result.stdout
    assert result.stdout.rstrip().endswith("3 findings (1 error, 2 warnings)")
    sarif_log = json.loads((tmp_path / "reports" / "iacguard.sarif").read_text())
    assert sorted(r["ruleId"] for r in sarif_log["runs"][0]["results"]) == [
        "IGA001", "IGE001", "IGL001"
    ]
    assert sarif_log["runs"][0]["invocations"][0]["exitCode"] == 1
    junit = JUnitXml.fromfile(str(tmp_path / "reports" / "iacguard.xml"))
    assert (junit.tests, junit.failures) == (6, 3)
    annotations = (tmp_path / "annotations.txt").read_text().splitlines()
    assert annotations[0].startswith("::error file=service.yaml,line=10,")


def test_format_with_plain_output_path_still_replaces_stdout(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    result = run("check", "--no-validate", "--select", RULES, "--format", "sarif",
                 "--output", str(target), "service.yaml")
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_bad_output_fails_before_the_run() -> None:
    result = run("check", "--no-validate", "--output", "junit:", "service.yaml")
    assert result.returncode == 2
    assert result.stderr == "iacguard: error: --output 'junit:': give a path after 'junit:'\n"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_report_files_honour_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "reports" / "iacguard.sarif", "{}\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "reports" / "iacguard.sarif").stat().st_mode) == mode
