"""One codec for a report: what the JSON report, the cache, worker processes and merge share."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from iacguard.engines.codes import CODES
from iacguard.errors import IacguardError
from iacguard.findings import (
    Evaluation,
    FileProblem,
    Finding,
    Outcome,
    Report,
    Severity,
    Suppression,
)
from iacguard.report.codec import report_from_data, report_to_data
from iacguard.report.json_report import render_json
from iacguard.run.merge import read_shard

#: Every field of a finding set to something other than its default.
FULL = Finding(
    rule_id="IG0002", rule_name="rule-error", severity=Severity.NOTE,
    message="rule ACME001 failed on Topic: ValueError: bad", fix="Report it.",
    file="stacks/app.yaml", start_line=4, start_column=5, end_line=6, end_column=7,
    logical_id="Topic", resource_type="AWS::SNS::Topic", property_path="Properties.Name",
    construct_path="App/Topic/Resource", stack="App", outcome=Outcome.ERROR, source="custom",
    help_uri="https://example.org/ig0002",
    suppression=Suppression("config", "known", ".iacguard.yaml:3"),
    related=({"file": "lib/app.ts", "line": 3, "column": 7, "message": "created here"},),
    crashed_rule="ACME001",
)


def full_report() -> Report:
    return Report(
        findings=[FULL, dataclasses.replace(FULL, suppression=None, crashed_rule="")],
        problems=[FileProblem("broken.yaml", "bad indentation", 3, 9, requested=False)],
        evaluations=[Evaluation("ACME001", "stacks/app.yaml", "Topic", Outcome.ERROR)],
        files_checked=["stacks/app.yaml"],
        files_skipped=["package.json"],
        rules_run=[CODES[0]],
        notices=["a notice"],
    )


def test_every_field_survives_the_round_trip() -> None:
    assert {field.name for field in dataclasses.fields(Finding)} <= set(
        report_to_data(Report(findings=[FULL]))["findings"][0]
    )
    report = full_report()
    decoded = report_from_data(json.loads(json.dumps(report_to_data(report))), CODES)
    assert decoded == report


def test_the_json_report_reads_back_as_the_same_report(tmp_path: Path) -> None:
    report = full_report()
    path = tmp_path / "shard.json"
    path.write_text(render_json(report, 3), encoding="utf-8")
    assert read_shard(path, CODES) == report


def test_a_report_written_before_crashed_rule_existed_still_reads(tmp_path: Path) -> None:
    data = json.loads(render_json(full_report(), 3))
    data["format_version"] = "1.0"
    for finding in data["findings"]:
        del finding["crashed_rule"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [finding.crashed_rule for finding in read_shard(path).findings] == ["", ""]


@pytest.mark.parametrize("change", [
    lambda data: data.update(format_version="2.0"),
    lambda data: data.pop("findings"),
    lambda data: data["findings"][0].update(severity="fatal"),
    lambda data: data["findings"][0].pop("rule_id"),
])
def test_a_file_that_is_not_a_report_is_a_one_line_error(tmp_path: Path, change: object) -> None:
    data = json.loads(render_json(full_report(), 3))
    change(data)  # type: ignore[operator]
    path = tmp_path / "shard.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IacguardError, match=r"^.*shard\.json:1: not an iacguard JSON report "
                       r"\(format_version 1\.x\); write shard reports with --output json:PATH$"):
        read_shard(path)
