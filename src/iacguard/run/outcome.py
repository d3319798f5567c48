"""How a run's report becomes an exit code a pipeline can trust."""

from __future__ import annotations

from iacguard.errors import ExitCode
from iacguard.findings import Outcome, Report, Severity


def exit_code(report: Report, fail_on: str) -> ExitCode:
    """3 when a rule crashed (the run is incomplete), 2 when a requested file could not be
    parsed, 1 when an active finding is at or above ``fail_on``, else 0."""
    active = report.active_findings
    if any(f.outcome is Outcome.ERROR for f in active):
        return ExitCode.INTERNAL
    if any(p.requested for p in report.problems):
        return ExitCode.USAGE
    if fail_on == "never":
        return ExitCode.OK
    threshold = Severity(fail_on).rank
    if any(f.outcome is Outcome.FAIL and f.severity.rank >= threshold for f in active):
        return ExitCode.FINDINGS
    return ExitCode.OK
