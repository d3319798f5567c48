"""JSON files iacguard reads besides templates (baselines, shard reports, parameter files, cache
entries), read the one strict way: through the bounded reader, and with every way a hostile
file can break ``json.loads`` (nesting deep enough to exhaust the stack, integers of thousands
of digits, bytes that are not UTF-8) turned into one :class:`JsonFileError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iacguard.load.files import FileReadError, read_bounded


class JsonFileError(Exception):
    """A JSON file that cannot be used; ``line`` is 0 when no line applies."""

    def __init__(self, reason: str, line: int = 0, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.missing = missing

    def located(self, display: str) -> str:
        """``file:line: reason`` (or ``file: reason``), as every one-line error is written."""
        return f"{display}:{self.line}: {self.reason}" if self.line else f"{display}: {self.reason}"


def read_json(path: Path, limit: int) -> Any:
    """The parsed JSON of a regular file of at most ``limit`` bytes."""
    try:
        raw = read_bounded(path, limit)
    except FileReadError as error:
        raise JsonFileError(error.reason, missing=error.missing) from None
    return parse_json(raw)


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise JsonFileError(f"not valid UTF-8 (byte offset {error.start})", line) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonFileError(f"invalid JSON: {error.msg}", error.lineno) from None
    except RecursionError:
        raise JsonFileError("invalid JSON: nested too deeply") from None
    except ValueError as error:  # an integer longer than Python converts (4300 digits)
        raise JsonFileError(f"invalid JSON: {' '.join(str(error).split(';')[0].split())}") \
            from None
