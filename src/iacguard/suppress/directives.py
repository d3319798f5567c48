"""A suppression as written, whatever its form: which rules, why, until when, what it covers.

Four sources say "this finding is accepted":

1. ``Metadata: {iacguard: {suppress: [{id, reason, expires?}]}}`` on a resource (covers that
   resource) or at the template's top level (covers the whole file). This is the form that
   survives CDK synthesis (``cfnOptions.metadata`` / ``addMetadata``). See
   :mod:`iacguard.suppress.metadata`.
2. ``# iacguard: ignore[ID,ID] reason`` comments in YAML templates, at the end of the finding's
   line or on their own line just above it. See :mod:`iacguard.suppress.inline`.
3. ``suppressions`` entries of the configuration file (rule id, path glob, reason).
4. A baseline file (see :mod:`iacguard.suppress.baseline`).

Every suppression needs a reason; without one it suppresses nothing and is itself a finding.
A suppression may expire; afterwards it stops working and says so. A suppression that matches
nothing is reported, so stale ones get cleaned up. Suppressed findings stay in the report.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iacguard.findings import Finding, Suppression
from iacguard.globs import name_matches, path_matches
from iacguard.load.parse import Span
from iacguard.suppress.config_entry import ConfigSuppression

#: What a rule id in a suppression looks like (ours, cfn-lint's and checkov's).
RULE_ID_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_/-]*$")


@dataclass(frozen=True)
class Scope:
    """What a suppression covers. Unset fields do not restrict."""

    file: str | None = None
    file_glob: str | None = None
    logical_id: str | None = None
    logical_id_glob: str | None = None
    line: int | None = None
    #: A resource's line range, for findings (from other tools) that carry no logical id; with
    #: ``property_path``, the lines of that property.
    lines: tuple[int, int] | None = None
    #: A key of the resource (``Properties.BucketName``): its findings and those under it.
    property_path: str | None = None

    def covers(self, finding: Finding) -> bool:
        if self.file is not None and finding.file != self.file:
            return False
        if self.file_glob is not None and not path_matches(finding.file, self.file_glob):
            return False
        if self.logical_id_glob is not None and not name_matches(
            finding.logical_id, self.logical_id_glob
        ):
            return False
        if self.line is not None and finding.start_line != self.line:
            return False
        if self.property_path is not None:
            return self._covers_property(finding, self.property_path)
        if self.logical_id is not None:
            if finding.logical_id:
                return finding.logical_id == self.logical_id
            return self.lines is not None and (
                self.lines[0] <= finding.start_line <= self.lines[1]
            )
        return True

    def _covers_property(self, finding: Finding, path: str) -> bool:
        if self.logical_id is not None and finding.logical_id not in ("", self.logical_id):
            return False
        if finding.logical_id and finding.property_path:
            return finding.property_path == path or finding.property_path.startswith(path + ".")
        return self.lines is not None and self.lines[0] <= finding.start_line <= self.lines[1]


@dataclass(frozen=True)
class Directive:
    """One suppression as written: which rules, why, until when, and what it covers."""

    kind: str  # "metadata" | "inline" | "config"
    rule_ids: tuple[str, ...]
    reason: str
    expires: datetime.date | None
    scope: Scope
    file: str  # where the suppression is written
    span: Span
    logical_id: str = ""  # the resource whose Metadata holds it
    property_path: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.span.start_line}"

    def suppression(self) -> Suppression:
        return Suppression(self.kind, self.reason, self.location)


#: Whether "this suppression matched nothing" means something in this run.
Judge = Callable[[Directive, str], bool]


@dataclass(frozen=True)
class Malformed:
    """A suppression that cannot be read; reported as IG0007 where it is written."""

    message: str
    file: str
    span: Span
    logical_id: str = ""


def config_directive(entry: ConfigSuppression) -> Directive:
    return Directive(
        kind="config",
        rule_ids=(entry.rule_id,),
        reason=entry.reason,
        expires=entry.expires,
        scope=Scope(
            file_glob=entry.path,
            logical_id_glob=None if entry.logical_id == "*" else entry.logical_id,
        ),
        file=entry.file,
        span=Span(entry.line, 1, entry.line, 1),
    )


def expiry(value: Any) -> datetime.date | str | None:
    """A suppression's expiry date, or what is wrong with the one written."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    return f"'expires' must be a date written YYYY-MM-DD, not {value!r}"
