"""Combine the JSON reports of sharded runs (``check --shard K/N``) into the report one run over
all templates would have produced, so CI fan-out needs no scheduler of its own."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import IacguardError
from iacguard.findings import Evaluation, FileProblem, Outcome, Report, finding_from_dict
from iacguard.report.json_report import JSON_FORMAT_VERSION


def read_shard(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise IacguardError(f"{path}: cannot read shard report: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise IacguardError(f"{path}:{error.lineno}: not a JSON report: {error.msg}") from None
    if not isinstance(data, dict) or data.get("format_version") != JSON_FORMAT_VERSION:
        raise IacguardError(
            f"{path}:1: not an iacguard JSON report (format_version {JSON_FORMAT_VERSION}); "
            "write shard reports with --output json:PATH"
        )
    return data


def merge_shards(shards: Iterable[dict[str, Any]], known_rules: Sequence[RuleSpec]) -> Report:
    """One report from many; duplicate entries (a file named on every shard) appear once."""
    report = Report()
    rule_ids: set[str] = set()
    seen_findings: set[tuple[Any, ...]] = set()
    seen_problems: set[tuple[Any, ...]] = set()
    for shard in shards:
        for item in shard["findings"]:
            finding = finding_from_dict(item)
            key = (finding.sort_key, finding.fingerprint)
            if key not in seen_findings:
                seen_findings.add(key)
                report.findings.append(finding)
        for item in shard["problems"]:
            problem = FileProblem(item["file"], item["message"], item["line"], item["column"],
                                  item.get("requested", True))
            if (problem.file, problem.message) not in seen_problems:
                seen_problems.add((problem.file, problem.message))
                report.problems.append(problem)
        report.evaluations.extend(
            Evaluation(e["rule_id"], e["file"], e["logical_id"], Outcome(e["outcome"]))
            for e in shard.get("evaluations", ())
        )
        report.files_checked.extend(shard["files"]["checked"])
        report.files_skipped.extend(shard["files"]["skipped"])
        report.notices.extend(n for n in shard["notices"] if n not in report.notices)
        rule_ids.update(shard.get("rules_run", ()))
    report.files_checked = sorted(set(report.files_checked))
    report.files_skipped = sorted(set(report.files_skipped))
    report.evaluations = sorted(set(report.evaluations), key=lambda e: (e.file, e.rule_id,
                                                                         e.logical_id))
    report.rules_run = [spec for spec in known_rules if spec.id in rule_ids]
    report.sort()
    return report
