"""Text from templates and file names, made safe to print on a terminal or in a CI log.

A pull request chooses logical ids, property values and file names. Printed raw, a newline
starts a fake line (on GitHub Actions a line starting with ``::`` is a workflow command), ANSI
escapes repaint the terminal, ``\\r`` overwrites what was printed, and bidi overrides make text
read differently from what it is. Every such character is shown as an escape sequence instead.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
#: C0 and C1 controls, DEL, line/paragraph separators and the bidi embedding, override and
#: isolate controls (Trojan Source, CVE-2021-42574).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    character = match.group(0)
    named = _NAMED.get(character)
    if named is not None:
        return named
    point = ord(character)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def printable(text: str) -> str:
    """``text`` with every control or bidi character written as an escape."""
    return _UNSAFE.sub(_escape, text)


def printable_line(text: str) -> str:
    """One line of a report: escaped, and never starting with ``::`` (a workflow command on
    GitHub Actions). Only a file name can start a line that way; ``./`` keeps it a path."""
    text = printable(text)
    return "./" + text if text.startswith("::") else text
