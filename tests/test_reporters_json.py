"""The JSON report matches its published schema (src/iacguard/schemas/report.schema.json)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from iacguard.findings import FileProblem, Outcome, Report, Severity, Suppression
from iacguard.report.json_report import render_json, report_to_dict
from test_reporters_sarif import make_finding
from test_reporters_snapshots import REPO_ROOT, e2e_report


def report_schema() -> dict[str, Any]:
    text = (resources.files("iacguard") / "schemas" / "report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validator() -> jsonschema.Draft202012Validator:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_schema_is_draft_2020_12_with_a_stable_id() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/report-1.0.schema.json")
    assert schema["additionalProperties"] is False


def test_e2e_report_matches_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    report, code = e2e_report()
    data = json.loads(render_json(report, code))
    validator().validate(data)
    assert [(f["rule_id"], f["start_line"]) for f in data["findings"]] == [
        ("IGE001", 10), ("IGL001", 21), ("IGA001", 35)
    ]


def test_every_kind_of_entry_matches_the_schema() -> None:
    report = Report(
        findings=[
            make_finding(),
            make_finding(logical_id="B").suppressed(Suppression("baseline", "known", "b.json")),
            make_finding(rule_id="cfn-lint/E3012", source="cfn-lint", help_uri="https://x"),
            make_finding(outcome=Outcome.UNKNOWN, severity=Severity.NOTE, stack="Prod/App",
                         construct_path="Prod/App/Logs/Resource",
                         related=({"file": "lib/app.ts", "line": 3, "column": 7,
                                   "message": "construct created here"},)),
            make_finding(rule_id="IG0002", outcome=Outcome.ERROR, severity=Severity.ERROR,
                         crashed_rule="IGL001"),
        ],
        problems=[FileProblem("broken.yaml", "bad", 2, 3)],
        files_checked=["templates/app.yaml"],
        files_skipped=["package.json"],
        notices=["cfn-lint is not installed"],
    )
    data = json.loads(render_json(report, 3))
    validator().validate(data)
    assert data["findings"][3]["related"] == [
        {"file": "lib/app.ts", "line": 3, "column": 7, "message": "construct created here"}
    ]


def test_schema_rejects_keys_it_does_not_know() -> None:
    data = report_to_dict(Report(findings=[make_finding()]), 1)
    data["findings"][0]["surprise"] = True
    errors = list(validator().iter_errors(data))
    assert [e.validator for e in errors] == ["additionalProperties"]
