"""Read expectations written inside fixtures: ``# expect: ID "message fragment"`` on the line
where the finding must be reported, and ``# ok: ID`` where it must not be.

The column defaults to where the line's key starts (findings point at keys); ``col=N`` states it
when the finding points at a value instead (for example the failing branch of an ``Fn::If``).
An expected finding has the rule's severity unless ``note`` says it is reported as a note (a
decision, or a resource nobody is known to operate): ``# expect: IGA006 note "..."``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_EXPECT = re.compile(
    r"#\s*(expect|ok):\s*([A-Z][A-Z0-9]+\d{3})(?:\s+col=(\d+))?(?:\s+(note))?(?:\s+\"([^\"]*)\")?"
)


@dataclass(frozen=True)
class Expectation:
    kind: str  # "expect" | "ok"
    rule_id: str
    line: int
    column: int
    fragment: str
    severity: str = ""  # "" = the rule's own severity


def key_column(line_text: str) -> int:
    """Findings point at keys; a key starts at the first character that is not indent or '- '."""
    stripped = line_text.lstrip(" ")
    column = len(line_text) - len(stripped) + 1
    while stripped.startswith("- "):
        stripped = stripped[2:].lstrip(" ")
        column = len(line_text) - len(stripped) + 1
    return column


def read_expectations(path: Path) -> list[Expectation]:
    sidecar = path.with_suffix(".expect.yaml")
    if sidecar.exists():
        entries = yaml.safe_load(sidecar.read_text()) or []
        return [
            Expectation(e.get("kind", "expect"), e["rule"], e["line"], e["column"],
                        e.get("message", ""), e.get("severity", ""))
            for e in entries
        ]
    result = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in _EXPECT.finditer(text):
            result.append(
                Expectation(
                    match.group(1),
                    match.group(2),
                    number,
                    int(match.group(3)) if match.group(3) else key_column(text),
                    match.group(5) or "",
                    match.group(4) or "",
                )
            )
    return result
