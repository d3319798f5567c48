"""What a check produces: severities, outcomes, findings and the report of a whole run."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class Outcome(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True)
class Suppression:
    """How and why a finding was suppressed (it stays in the report, but does not fail the run)."""

    kind: str  # "metadata" | "inline" | "config" | "baseline"
    reason: str
    location: str = ""


@dataclass(frozen=True)
class Role:
    """What a resource is for, as its template shows it (a Lambda function's role), when a rule
    judged the resource by it: ``kind`` (user-facing, event consumer, deployment helper,
    unknown) and the ``evidence`` that decided it."""

    kind: str
    evidence: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    fix: str
    file: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    logical_id: str = ""
    resource_type: str = ""
    property_path: str = ""
    construct_path: str = ""
    stack: str = ""
    outcome: Outcome = Outcome.FAIL
    source: str = "iacguard"
    help_uri: str = ""
    suppression: Suppression | None = None
    related: tuple[dict[str, Any], ...] = ()
    #: For a rule that crashed (outcome ERROR): the id of that rule. The finding itself carries
    #: the code of the crash, so reporters read which rule to blame here.
    crashed_rule: str = ""
    role: Role | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(
            self.rule_id, self.file, self.logical_id, self.property_path, self.crashed_rule
        )

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.start_line, self.start_column, self.rule_id, self.message)

    def suppressed(self, suppression: Suppression) -> Finding:
        return replace(self, suppression=suppression)


def fingerprint(
    rule_id: str, file: str, logical_id: str, property_path: str, crashed_rule: str = ""
) -> str:
    """Identity of a finding that survives edits: no line numbers, only what it is about."""
    parts = (rule_id, file.replace("\\", "/"), logical_id, property_path)
    # Two rules crashing on one resource are two findings; other findings keep their identity.
    key = "\x1f".join((*parts, crashed_rule) if crashed_rule else parts)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def located(file: str, message: str, line: int = 0, column: int = 0) -> str:
    """The one way a problem in a file is written: ``file:line:column: message`` (the
    position left out when none is known)."""
    where = f"{file}:{line}:{column}" if line else file
    return f"{where}: {message}"


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be checked (parse error, unreadable, too large)."""

    file: str
    message: str
    line: int = 0
    column: int = 0
    requested: bool = True

    def __str__(self) -> str:
        return located(self.file, self.message, self.line, self.column)


@dataclass(frozen=True)
class Evaluation:
    """One (rule, resource) evaluation, kept so reports can show passes as well as failures."""

    rule_id: str
    file: str
    logical_id: str
    outcome: Outcome


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    files_checked: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    rules_run: list[Any] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def sort(self) -> None:
        self.findings.sort(key=lambda f: f.sort_key)
        self.problems.sort(key=lambda p: (p.file, p.line, p.column, p.message))
        self.evaluations.sort(key=lambda e: (e.file, e.rule_id, e.logical_id))
        self.files_checked.sort()
        self.files_skipped.sort()

    @property
    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]

    def merge(self, other: Report) -> None:
        self.findings.extend(other.findings)
        self.problems.extend(other.problems)
        self.evaluations.extend(other.evaluations)
        self.files_checked.extend(other.files_checked)
        self.files_skipped.extend(other.files_skipped)
        self.notices.extend(other.notices)
