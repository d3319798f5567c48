"""The complete machine format: every finding, problem and file, versioned and schema-checked
(``schemas/report.schema.json``). The data itself comes from :mod:`iacguard.report.codec`."""

from __future__ import annotations

import json
import re
from typing import Any

from iacguard import __version__
from iacguard.findings import Report
from iacguard.report.codec import report_to_data

#: 1.1 added ``crashed_rule`` to findings. Within major version 1 fields are only ever added,
#: so a reader of 1.x accepts every 1.y.
JSON_FORMAT_VERSION = "1.1"
_READABLE_VERSION = re.compile(r"1\.[0-9]+")


def is_readable_version(version: Any) -> bool:
    """Whether this version of iacguard reads a JSON report of ``format_version``."""
    return isinstance(version, str) and _READABLE_VERSION.fullmatch(version) is not None


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
        # Besides findings, what ran and every verdict, so shard reports can be merged into the
        # report (and the SARIF rules list and JUnit pass counts) a single run would have given.
        **report_to_data(report),
    }


def render_json(report: Report, exit_code: int) -> str:
    return json.dumps(report_to_dict(report, exit_code), indent=2, sort_keys=False) + "\n"
