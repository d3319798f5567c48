"""The complete machine format: every finding, problem and file, versioned and schema-checked."""

from __future__ import annotations

import json
from typing import Any

from iacguard import __version__
from iacguard.findings import Report, finding_to_dict

JSON_FORMAT_VERSION = "1.0"


def report_to_dict(report: Report, exit_code: int) -> dict[str, Any]:
    active = report.active_findings
    return {
        "format_version": JSON_FORMAT_VERSION,
        "tool": {"name": "iacguard", "version": __version__},
        "exit_code": exit_code,
        "summary": {
            "files_checked": len(report.files_checked),
            "files_skipped": len(report.files_skipped),
            "files_with_problems": len(report.problems),
            "findings": len(active),
            "suppressed": len(report.findings) - len(active),
            "by_severity": {
                severity: sum(1 for f in active if f.severity.value == severity)
                for severity in ("error", "warning", "note")
            },
        },
        "findings": [finding_to_dict(f) for f in report.findings],
        "problems": [
            {"file": p.file, "line": p.line, "column": p.column, "message": p.message,
             "requested": p.requested}
            for p in report.problems
        ],
        "files": {"checked": report.files_checked, "skipped": report.files_skipped},
        "notices": list(report.notices),
        # What ran and every verdict, so shard reports can be merged into the report (and the
        # SARIF rules list and JUnit pass counts) a single run would have given.
        "rules_run": sorted(rule.id for rule in report.rules_run),
        "evaluations": [
            {"rule_id": e.rule_id, "file": e.file, "logical_id": e.logical_id,
             "outcome": e.outcome.value}
            for e in report.evaluations
        ],
    }


def render_json(report: Report, exit_code: int) -> str:
    return json.dumps(report_to_dict(report, exit_code), indent=2, sort_keys=False) + "\n"
