"""Everything the command line prints that a pull request could have written (template text,
file names, configuration values, custom rule text) goes through here: control characters,
ANSI escapes and bidi overrides are shown as escapes, and no line starts a CI workflow command
(:mod:`iacguard.report.terminal`). Machine formats (JSON) are left as their encoders wrote them.
"""

from __future__ import annotations

import sys
from typing import IO

from iacguard.report.terminal import printable, printable_line


def printable_text(text: str) -> str:
    """Text of several lines, each line made safe; the line breaks themselves are kept."""
    return "\n".join(printable_line(line) for line in text.split("\n"))


def tell(message: str, stream: IO[str] | None = None) -> None:
    """One ``iacguard: ...`` line on standard error (a notice, an error)."""
    (stream or sys.stderr).write(f"iacguard: {printable(message)}\n")
