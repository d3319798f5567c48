"""Combine the JSON reports of sharded runs (``check --shard K/N``) into the report one run over
all templates would have produced, so CI fan-out needs no scheduler of its own."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import IacguardError
from iacguard.findings import Report
from iacguard.report.codec import report_from_data
from iacguard.report.json_report import is_readable_version


def read_shard(path: Path, known_rules: Sequence[RuleSpec] = ()) -> Report:
    """A JSON report written with ``--output json:PATH``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise IacguardError(f"{path}: cannot read shard report: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise IacguardError(f"{path}:{error.lineno}: not a JSON report: {error.msg}") from None
    not_a_report = IacguardError(
        f"{path}:1: not an iacguard JSON report (format_version 1.x); "
        "write shard reports with --output json:PATH"
    )
    if not isinstance(data, dict) or not is_readable_version(data.get("format_version")):
        raise not_a_report
    try:
        return report_from_data(data, known_rules)
    except (KeyError, TypeError, ValueError):
        raise not_a_report from None


def merge_shards(shards: Iterable[Report], known_rules: Sequence[RuleSpec]) -> Report:
    """One report from many; duplicate entries (a file named on every shard) appear once.
    ``rules_run`` lists the known rules any shard ran, in the order they are known."""
    report = Report()
    ran: set[str] = set()
    seen_findings: set[tuple[Any, ...]] = set()
    seen_problems: set[tuple[Any, ...]] = set()
    for shard in shards:
        for finding in shard.findings:
            key = (finding.sort_key, finding.fingerprint)
            if key not in seen_findings:
                seen_findings.add(key)
                report.findings.append(finding)
        for problem in shard.problems:
            if (problem.file, problem.message) not in seen_problems:
                seen_problems.add((problem.file, problem.message))
                report.problems.append(problem)
        report.evaluations.extend(shard.evaluations)
        report.files_checked.extend(shard.files_checked)
        report.files_skipped.extend(shard.files_skipped)
        report.notices.extend(n for n in shard.notices if n not in report.notices)
        ran.update(rule.id for rule in shard.rules_run)
    report.files_checked = sorted(set(report.files_checked))
    report.files_skipped = sorted(set(report.files_skipped))
    report.evaluations = sorted(set(report.evaluations), key=lambda e: (e.file, e.rule_id,
                                                                         e.logical_id))
    report.rules_run = [rule for rule in known_rules if rule.id in ran]
    report.sort()
    return report
