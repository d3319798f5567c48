"""Baselines: accept today's findings so that only new ones fail the run.

A baseline records findings by their fingerprint (rule, file, logical id, property path: no line
numbers), so editing a template elsewhere does not turn an old finding into a new one. The other
fields are for people reading the file in review. The file is sorted and carries no timestamps,
so rewriting it without changes produces the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from iacguard.engines.codes import is_code
from iacguard.errors import IacguardError
from iacguard.findings import Finding, Outcome, Report, Suppression
from iacguard.load.json_file import JsonFileError, read_json

BASELINE_FORMAT_VERSION = 1
#: A baseline of 100,000 findings is about 50 MiB; anything larger is not one.
MAX_BASELINE_BYTES = 256 * 1024 * 1024
_STALE_LISTED = 5


@dataclass(frozen=True)
class BaselineEntry:
    fingerprint: str
    rule_id: str
    file: str
    logical_id: str
    property_path: str
    message: str

    @property
    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.file, self.logical_id, self.rule_id, self.property_path, self.fingerprint)

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        """What a baseline keeps of a finding: its fingerprint and what people read in review."""
        return cls(**{key: getattr(finding, key) for key in ENTRY_KEYS})

    def describe(self) -> str:
        where = f"{self.file} {self.logical_id}".strip()
        at = f" at {self.property_path}" if self.property_path else ""
        return f"{self.rule_id} {where}{at}"


#: The keys of one entry in a baseline file, in the order they are written.
ENTRY_KEYS = tuple(entry_field.name for entry_field in fields(BaselineEntry))


@dataclass(frozen=True)
class Baseline:
    path: Path
    display: str
    entries: tuple[BaselineEntry, ...]


def can_be_baselined(finding: Finding) -> bool:
    """Active (or already baselined) failures of real rules. iacguard's own findings (rule
    errors, suppressions) are about the run itself: accepting them into a baseline would hide
    exactly the problems a baseline must not hide."""
    return (
        finding.outcome is Outcome.FAIL
        and not is_code(finding.rule_id)
        and (finding.suppression is None or finding.suppression.kind == "baseline")
    )


def entries_from(findings: Iterable[Finding]) -> list[BaselineEntry]:
    unique: dict[str, BaselineEntry] = {}
    for finding in findings:
        if can_be_baselined(finding):
            unique.setdefault(finding.fingerprint, BaselineEntry.of(finding))
    return sorted(unique.values(), key=lambda entry: entry.sort_key)


def render_baseline(entries: Sequence[BaselineEntry]) -> str:
    document = {
        "version": BASELINE_FORMAT_VERSION,
        "tool": "iacguard",
        "about": "Findings accepted when this baseline was written. "
        "'iacguard check --baseline FILE' reports them as suppressed; only new findings fail.",
        "findings": [asdict(entry) for entry in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: Path, findings: Iterable[Finding]) -> Baseline:
    from iacguard.atomic import write_atomic

    entries = entries_from(findings)
    write_atomic(path, render_baseline(entries))
    return Baseline(path, path.as_posix(), tuple(entries))


def read_baseline(path: Path) -> Baseline:
    """A baseline file; anything that is not one (a damaged, hostile or foreign file) stops the
    run with ``file:line: problem`` (exit 2)."""
    display = path.as_posix()
    try:
        data = read_json(path, MAX_BASELINE_BYTES)
    except JsonFileError as error:
        if error.missing:
            raise IacguardError(f"{display}: baseline file does not exist; create it with "
                                f"--write-baseline {display}") from None
        raise IacguardError(error.located(display)) from None
    version = data.get("version") if isinstance(data, dict) else None
    if type(version) is not int or version != BASELINE_FORMAT_VERSION:
        raise IacguardError(
            f"{display}:1: not an iacguard baseline (expected \"version\": "
            f"{BASELINE_FORMAT_VERSION}); rewrite it with --write-baseline {display}"
        )
    items = data.get("findings")
    if not isinstance(items, list):
        raise IacguardError(f"{display}:1: 'findings' must be a list")
    return Baseline(path, display, tuple(_entry(item, display, index) for index, item in
                                         enumerate(items)))


def _entry(item: object, display: str, index: int) -> BaselineEntry:
    keys = ENTRY_KEYS
    if not isinstance(item, dict) or not all(isinstance(item.get(key, ""), str) for key in keys):
        raise IacguardError(f"{display}: findings[{index}] is not a baseline entry")
    if not item.get("fingerprint"):
        raise IacguardError(f"{display}: findings[{index}] has no fingerprint")
    return BaselineEntry(**{key: str(item.get(key, "")) for key in keys})


def apply_baseline(report: Report, baseline: Baseline, ran_rule_ids: Iterable[str]) -> None:
    """Mark baselined findings as suppressed and say which entries no longer occur.

    An entry is only called stale when this run could have reported it: its rule ran and its
    file was checked (checking one folder must not declare the rest of the baseline fixed).
    """
    by_fingerprint = {entry.fingerprint: entry for entry in baseline.entries}
    reason = f"in baseline {baseline.display}"
    used: set[str] = set()
    for index, finding in enumerate(report.findings):
        if finding.fingerprint not in by_fingerprint:
            continue
        used.add(finding.fingerprint)  # still occurring, even when suppressed another way
        if finding.suppression is None and can_be_baselined(finding):
            report.findings[index] = finding.suppressed(
                Suppression("baseline", reason, baseline.display)
            )
    ran = set(ran_rule_ids) | {finding.rule_id for finding in report.findings}
    checked = set(report.files_checked)
    stale = [
        entry for entry in baseline.entries
        if entry.fingerprint not in used and entry.rule_id in ran and entry.file in checked
    ]
    if stale:
        report.notices.append(_stale_notice(stale, baseline.display))


def _stale_notice(stale: Sequence[BaselineEntry], display: str) -> str:
    listed = "; ".join(entry.describe() for entry in stale[:_STALE_LISTED])
    more = f"; and {len(stale) - _STALE_LISTED} more" if len(stale) > _STALE_LISTED else ""
    plural = "entries no longer occur" if len(stale) != 1 else "entry no longer occurs"
    return (
        f"{len(stale)} baseline {plural} (fixed): {listed}{more}. "
        f"Rewrite {display} with --write-baseline to drop them."
    )
