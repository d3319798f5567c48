"""Baselines: accept today's findings, fail only on new ones, survive edits, say what was fixed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iacguard.cli import main
from iacguard.errors import IacguardError
from iacguard.findings import Finding, Outcome, Report, Severity, Suppression, fingerprint
from iacguard.suppress.baseline import (
    Baseline,
    BaselineEntry,
    apply_baseline,
    entries_from,
    read_baseline,
    render_baseline,
)

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Images:
    Type: AWS::ECR::Repository
  AppLogs:
    Type: AWS::Logs::LogGroup
"""
BASELINE = ".iacguard-baseline.json"
FLAGS = ("--isolated", "--no-validate", "--select", "IGE001,IGL001", "--format", "json")


class Run:
    def __init__(self, code: int, report: dict[str, Any], err: str) -> None:
        self.code, self.report, self.err = code, report, err

    def rows(self) -> list[tuple[str, int, str, str | None]]:
        return [
            (f["rule_id"], f["start_line"], f["logical_id"],
             f["suppression"]["kind"] if f["suppression"] else None)
            for f in self.report["findings"]
        ]


Check = Callable[..., Run]


@pytest.fixture
def check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Check:
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> Run:
        code = 0
        try:
            main(["check", *FLAGS, *args])
        except SystemExit as stop:
            code = int(stop.code or 0)
        captured = capsys.readouterr()
        return Run(code, json.loads(captured.out), captured.err)

    return invoke


def test_write_baseline_records_findings_without_line_numbers(tmp_path: Path, check: Check) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    written = check("--write-baseline", BASELINE, "stack.yaml")
    assert written.code == 0  # what was just accepted does not fail the run
    assert written.rows() == [("IGE001", 3, "Images", "baseline"), ("IGL001", 5, "AppLogs",
                                                                     "baseline")]
    assert written.report["notices"] == ["wrote 2 findings to baseline .iacguard-baseline.json"]
    data = json.loads((tmp_path / BASELINE).read_text())
    reported = {f["rule_id"]: f for f in written.report["findings"]}
    assert data["version"] == 1
    assert data["findings"] == [
        {
            "fingerprint": fingerprint("IGL001", "stack.yaml", "AppLogs",
                                       reported["IGL001"]["property_path"]),
            "rule_id": "IGL001",
            "file": "stack.yaml",
            "logical_id": "AppLogs",
            "property_path": reported["IGL001"]["property_path"],
            "message": reported["IGL001"]["message"],
        },
        {
            "fingerprint": fingerprint("IGE001", "stack.yaml", "Images",
                                       reported["IGE001"]["property_path"]),
            "rule_id": "IGE001",
            "file": "stack.yaml",
            "logical_id": "Images",
            "property_path": reported["IGE001"]["property_path"],
            "message": reported["IGE001"]["message"],
        },
    ]
    assert [entry["fingerprint"] for entry in data["findings"]] == [
        reported["IGL001"]["fingerprint"], reported["IGE001"]["fingerprint"]]
    assert set(data) == {"version", "tool", "about", "findings"}  # no lines, no timestamps


def test_rewriting_an_unchanged_baseline_gives_the_same_bytes(tmp_path: Path, check: Check) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    check("--write-baseline", BASELINE, "stack.yaml")
    first = (tmp_path / BASELINE).read_bytes()
    check("--baseline", BASELINE, "--write-baseline", BASELINE, "stack.yaml")
    assert (tmp_path / BASELINE).read_bytes() == first


def test_inserting_lines_above_a_baselined_finding_does_not_make_it_new(
    tmp_path: Path, check: Check
) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    check("--write-baseline", BASELINE, "stack.yaml")
    shifted = TEMPLATE.replace(
        "Resources:\n",
        "Description: |\n  Three new lines\n  push every resource down.\nResources:\n"
        "  Topic:\n    Type: AWS::SNS::Topic\n",
    )
    (tmp_path / "stack.yaml").write_text(shifted)
    later = check("--baseline", BASELINE, "stack.yaml")
    assert later.code == 0
    assert later.rows() == [("IGE001", 8, "Images", "baseline"), ("IGL001", 10, "AppLogs",
                                                                   "baseline")]
    reasons = {f["suppression"]["reason"] for f in later.report["findings"]}
    assert reasons == {"in baseline .iacguard-baseline.json"}
    assert later.report["notices"] == []


def test_only_new_findings_fail_and_fixed_entries_are_announced(
    tmp_path: Path, check: Check
) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    check("--write-baseline", BASELINE, "stack.yaml")
    fixed_and_new = TEMPLATE.replace(
        "  Images:\n    Type: AWS::ECR::Repository\n",
        "  Images:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      ImageScanningConfiguration: {ScanOnPush: true}\n"
        "  MoreImages:\n    Type: AWS::ECR::Repository\n",
    )
    (tmp_path / "stack.yaml").write_text(fixed_and_new)
    later = check("--baseline", BASELINE, "stack.yaml")
    assert later.code == 1
    assert later.rows() == [("IGE001", 7, "MoreImages", None), ("IGL001", 9, "AppLogs",
                                                                 "baseline")]
    notice = (
        "1 baseline entry no longer occurs (fixed): IGE001 stack.yaml Images at Properties. "
        "Rewrite .iacguard-baseline.json with --write-baseline to drop them."
    )
    assert later.report["notices"] == [notice]
    assert later.err == f"iacguard: notice: {notice}\n"


def test_entries_are_judged_only_for_rules_that_ran_and_files_that_were_checked(
    tmp_path: Path, check: Check
) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)
    (tmp_path / "other.yaml").write_text(TEMPLATE)
    check("--write-baseline", BASELINE, "stack.yaml", "other.yaml")
    only_one_file = check("--baseline", BASELINE, "stack.yaml")
    assert only_one_file.report["notices"] == []
    main_args = ("--baseline", BASELINE, "--select", "IGL001", "stack.yaml", "other.yaml")
    only_one_rule = check(*main_args)
    assert only_one_rule.report["notices"] == []
    assert only_one_rule.code == 0


def test_suppression_findings_and_rule_errors_never_enter_a_baseline() -> None:
    def finding(rule_id: str, outcome: Outcome = Outcome.FAIL,
                suppression: Suppression | None = None) -> Finding:
        return Finding(rule_id, "name", Severity.ERROR, "message", "", "t.yaml", 1, 1, 1, 2,
                       logical_id="R", outcome=outcome, suppression=suppression)

    entries = entries_from([
        finding("IG0003"),
        finding("IG0002", Outcome.ERROR),
        finding("IGL001", Outcome.UNKNOWN),
        finding("IGE001", suppression=Suppression("inline", "accepted", "t.yaml:1")),
        finding("IGE003"),
        finding("IGE004", suppression=Suppression("baseline", "in baseline b", "b")),
    ])
    assert [entry.rule_id for entry in entries] == ["IGE003", "IGE004"]


def test_apply_baseline_marks_all_occurrences_and_leaves_others_alone() -> None:
    entry = BaselineEntry(fingerprint("IGE001", "t.yaml", "R", ""), "IGE001", "t.yaml", "R", "",
                          "m")
    report = Report(
        findings=[
            Finding("IGE001", "n", Severity.ERROR, "m", "", "t.yaml", 3, 3, 3, 4, logical_id="R"),
            Finding("IGE001", "n", Severity.ERROR, "m", "", "t.yaml", 9, 3, 9, 4, logical_id="S"),
        ],
        files_checked=["t.yaml"],
    )
    apply_baseline(report, Baseline(Path("b.json"), "b.json", (entry,)), {"IGE001"})
    assert [f.suppression for f in report.findings] == [
        Suppression("baseline", "in baseline b.json", "b.json"), None]
    assert report.notices == []


def test_render_is_sorted_and_read_back_equal(tmp_path: Path) -> None:
    entries = [
        BaselineEntry("f2", "IGL001", "b.yaml", "Logs", "", "two"),
        BaselineEntry("f1", "IGE001", "a.yaml", "Repo", "Properties.X", "one"),
    ]
    path = tmp_path / "b.json"
    path.write_text(render_baseline(sorted(entries, key=lambda e: e.sort_key)))
    assert read_baseline(path).entries == (entries[1], entries[0])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "missing.json: baseline file does not exist; create it with --write-baseline "
         "missing.json"),
        ('{"version": 1,\n "findings": [}\n', "missing.json:2: invalid JSON: Expecting value"),
        ('{"findings": []}\n', 'missing.json:1: not an iacguard baseline (expected "version": 1); '
         "rewrite it with --write-baseline missing.json"),
        ('{"version": 1, "findings": [{"rule_id": "IGE001"}]}\n',
         "missing.json: findings[0] has no fingerprint"),
    ],
)
def test_unreadable_baselines_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / "missing.json").write_text(content)
    with pytest.raises(IacguardError) as error:
        read_baseline(Path("missing.json"))
    assert str(error.value) == expected


def test_exit_codes_through_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE)

    def iacguard(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "iacguard", "check", "--isolated", "--no-validate",
             "--select", "IGE001", *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )

    assert iacguard("stack.yaml").returncode == 1
    assert iacguard("--write-baseline", BASELINE, "stack.yaml").returncode == 0
    assert iacguard("--baseline", BASELINE, "stack.yaml").returncode == 0
    broken = iacguard("--baseline", "nope.json", "stack.yaml")
    assert broken.returncode == 2
    assert broken.stderr == (
        "iacguard: error: nope.json: baseline file does not exist; create it with "
        "--write-baseline nope.json\n"
    )
