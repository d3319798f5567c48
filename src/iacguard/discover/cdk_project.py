"""CDK apps in a checked folder: where their cloud assembly is, and whether it is there at all.

A folder with a ``cdk.json`` is a CDK app. Its templates exist only after ``cdk synth`` writes
the cloud assembly (``cdk.out``, or the ``output`` that ``cdk.json`` names). A pipeline that
forgot to synthesize must not go green on "0 templates checked", so an app without an assembly
is a problem; an assembly older than the app's sources is worth a notice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from iacguard.discover.cdk_assembly import is_cloud_assembly
from iacguard.load.files import FileReadError, read_bounded

CDK_JSON = "cdk.json"
DEFAULT_OUTPUT = "cdk.out"
#: Edits within this many seconds of a synth are a checkout writing files, not a missed synth.
STALE_TOLERANCE_SECONDS = 5.0
#: Source files looked at to tell whether an assembly is stale (bounded work on huge apps).
MAX_SOURCES_EXAMINED = 20_000
SOURCE_SUFFIXES = frozenset({".ts", ".mts", ".js", ".mjs", ".py", ".java", ".cs", ".go", ".kt"})
#: Folders of dependencies and build output, not the app's own sources (hidden ones are skipped).
_NOT_SOURCES = frozenset({"node_modules", "cdk.out", "venv", "__pycache__", "build", "dist",
                          "target", "obj"})


@dataclass(frozen=True)
class CdkApp:
    """A folder with ``cdk.json`` and where its cloud assembly is (or would be)."""

    folder: Path
    assembly: Path  # may not exist

    @property
    def synthesized(self) -> bool:
        return is_cloud_assembly(self.assembly)


def cdk_app(folder: Path) -> CdkApp | None:
    """The CDK app whose ``cdk.json`` is in ``folder``, if any, with its assembly: the
    ``output`` that ``cdk.json`` names; else ``cdk.out`` in the app's folder, or beside it
    (``cdk synth -o ../cdk.out``, when the app's sources live in a subfolder)."""
    config = folder / CDK_JSON
    if not config.is_file():
        return None
    output = _cdk_json_output(config)
    if output is not None:
        return CdkApp(folder, folder / output)
    beside = folder.parent / DEFAULT_OUTPUT
    inside = folder / DEFAULT_OUTPUT
    return CdkApp(folder, beside if is_cloud_assembly(beside) and not inside.exists() else inside)


def find_cloud_assembly(folder: Path) -> Path | None:
    """The cloud assembly for ``folder``, if it has been synthesized.

    Checked in order: ``folder`` itself, the ``output`` named in ``folder/cdk.json`` (when it
    names one), then ``folder/cdk.out``.
    """
    if is_cloud_assembly(folder):
        return folder
    app = cdk_app(folder)
    candidates = [app.assembly] if app is not None else []
    candidates.append(folder / DEFAULT_OUTPUT)
    return next((candidate for candidate in candidates if is_cloud_assembly(candidate)), None)


def _cdk_json_output(cdk_json: Path) -> str | None:
    try:
        data = json.loads(read_bounded(cdk_json, 1024 * 1024))
    except (FileReadError, ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        output = data.get("output")
        if isinstance(output, str) and output.strip():
            return output
    return None


def newer_source(app: CdkApp) -> Path | None:
    """A source file of the app changed after its assembly was synthesized, if there is one."""
    try:
        synthesized_at = (app.assembly / "manifest.json").stat().st_mtime
    except OSError:
        return None
    examined = 0
    assembly = app.assembly.resolve()
    for root, folders, files in os.walk(app.folder):
        folders[:] = sorted(
            name for name in folders
            if name not in _NOT_SOURCES and not name.startswith(".")
            and (Path(root) / name).resolve() != assembly
        )
        for name in sorted(files):
            if Path(name).suffix not in SOURCE_SUFFIXES or name.endswith(".d.ts"):
                continue
            examined += 1
            if examined > MAX_SOURCES_EXAMINED:
                return None
            path = Path(root) / name
            try:
                changed_at = path.stat().st_mtime
            except OSError:
                continue
            if changed_at > synthesized_at + STALE_TOLERANCE_SECONDS:
                return path
    return None
