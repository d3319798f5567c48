"""A content-addressed cache of per-template results, so unchanged templates are not re-checked.

The key covers everything a result depends on: the file's bytes, where it is shown, the
iacguard version, the rules and their options, and the run's settings (validation, regions,
parameters, suppression policy, and today's date because suppressions can expire). Entries are
JSON, never pickle: a cache folder could come from an untrusted checkout, and loading it must not
run code. Writes are atomic, so concurrent iacguard processes can share a folder; a damaged entry
is just a miss. The folder is bounded: the oldest entries are pruned past ``MAX_ENTRIES``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from iacguard import __version__
from iacguard.atomic import write_atomic
from iacguard.findings import Report
from iacguard.load.json_file import JsonFileError, read_json
from iacguard.report.codec import report_from_data, report_to_data
from iacguard.run.report_shape import check_report_shape

MAX_ENTRIES = 5000
#: An entry holds one unit's findings; far more than any template's, bounded all the same.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: 2: entries are the report codec's data (the JSON report's shape).
_FORMAT = "2"


def default_cache_dir() -> Path:
    """Outside the scanned tree, so a pull request cannot plant cache entries."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iacguard"


def cache_key(content: bytes, display: str, run_fingerprint: str) -> str:
    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, run_fingerprint, display,
                 datetime.date.today().isoformat()):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    digest.update(content)
    return digest.hexdigest()


def run_fingerprint(parts: Any) -> str:
    """A stable digest of the run's settings (anything JSON can represent, via repr fallback)."""
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_fingerprint() -> str:
    """Size and modification time of every module and rule file of the installed package, so a
    development checkout (where the version string does not change) never reuses stale results."""
    package = Path(__file__).resolve().parents[1]
    parts = []
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".yaml", ".yml", ".json"}:
            with contextlib.suppress(OSError):
                info = path.stat()
                parts.append(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


class ResultCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Report | None:
        """The entry, or None (a miss) for anything that is not exactly what ``put`` wrote."""
        try:
            report = report_from_data(read_json(self._path(key), MAX_ENTRY_BYTES))
            check_report_shape(report)
        except (JsonFileError, ValueError, KeyError, TypeError, RecursionError):
            return None
        return report

    def put(self, key: str, report: Report) -> None:
        with contextlib.suppress(OSError):
            write_atomic(self._path(key), json.dumps(report_to_data(report)))

    def prune(self) -> None:
        """Keep the folder bounded; the least recently written entries go first."""
        try:
            entries = sorted(self.folder.glob("*/*.json"), key=lambda p: p.stat().st_mtime)
        except OSError:
            return
        excess = len(entries) - MAX_ENTRIES
        for entry in entries[: max(excess, 0) + (MAX_ENTRIES // 5 if excess > 0 else 0)]:
            with contextlib.suppress(OSError):
                entry.unlink()
