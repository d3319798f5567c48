"""Combine the JSON reports of sharded runs (``check --shard K/N``) into the report one run over
all templates would have produced, so CI fan-out needs no scheduler of its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import IacguardError
from iacguard.findings import Report
from iacguard.load.json_file import JsonFileError, read_json
from iacguard.report.codec import report_from_data
from iacguard.report.json_report import is_readable_version
from iacguard.run.report_shape import ShapeError, check_report_shape

#: A shard's JSON report; far larger than any real one, small enough to hold in memory.
MAX_SHARD_BYTES = 512 * 1024 * 1024


def read_shard(path: Path, known_rules: Sequence[RuleSpec] = ()) -> Report:
    """A JSON report written with ``--output json:PATH``; anything else (a damaged, hostile or
    foreign file) stops the merge with ``file:line: problem`` (exit 2)."""
    try:
        data = read_json(path, MAX_SHARD_BYTES)
    except JsonFileError as error:
        if error.line:
            raise IacguardError(f"{path}:{error.line}: not a JSON report: "
                                f"{error.reason.removeprefix('invalid JSON: ')}") from None
        raise IacguardError(f"{path}: cannot read shard report: {error.reason}") from None
    not_a_report = (
        f"{path}:1: not an iacguard JSON report (format_version 1.x); "
        "write shard reports with --output json:PATH"
    )
    if not isinstance(data, dict) or not is_readable_version(data.get("format_version")):
        raise IacguardError(not_a_report)
    try:
        report = report_from_data(data, known_rules)
        check_report_shape(report)
    except ShapeError as error:
        raise IacguardError(f"{not_a_report} ({error})") from None
    except (KeyError, TypeError, ValueError, RecursionError):
        raise IacguardError(not_a_report) from None
    return report


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
