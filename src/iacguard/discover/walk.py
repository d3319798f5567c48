"""Find the files to check: named files, folders walked recursively, in a deterministic order.

Directory symlinks are followed at most once per real directory, so a symlink loop ends the walk
of that branch instead of hanging it; links that lead outside the run's :class:`Boundary` are
not followed at all. A folder that is a CDK cloud assembly is read through its manifest; a
folder with a ``cdk.json`` whose app was never synthesized is a problem, because a pipeline that
forgot ``cdk synth`` must not pass on zero templates.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from iacguard.discover.boundary import Boundary
from iacguard.discover.cdk_assembly import (
    StackTemplate,
    is_bookkeeping_file,
    is_cloud_assembly,
    read_cloud_assembly,
)
from iacguard.discover.cdk_project import CDK_JSON, cdk_app, newer_source
from iacguard.findings import FileProblem
from iacguard.globs import any_path_matches

TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
#: Folders that never hold templates a user wrote, and are expensive to walk.
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", ".iacguard_cache", ".aws-sam"}
)
#: Asset folders of a cloud assembly hold bundled code and dependencies, not templates.
ASSET_PREFIX = "asset."


@dataclass(frozen=True)
class Candidate:
    path: Path
    display: str
    requested: bool  # named on the command line (not found by walking a folder)
    stack: StackTemplate | None = None  # set for templates read through a CDK cloud assembly


@dataclass
class Discovery:
    """What a run will check, what it cannot, and what the user should know about."""

    candidates: list[Candidate] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def display_path(path: Path, root: Path) -> str:
    """Repository-relative POSIX path when under ``root``; otherwise the path as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.as_posix()


def is_excluded(display: str, excludes: Sequence[str]) -> bool:
    return any_path_matches(display, excludes)


def discover(
    paths: Sequence[Path], excludes: Sequence[str] = (), root: Path | None = None
) -> Discovery:
    base = root or Path.cwd()
    walker = _Walker(base, excludes, Boundary.for_run(paths, base))
    for path in paths:
        walker.add_requested(path)
    return walker.finish()


class _Walker:
    def __init__(self, base: Path, excludes: Sequence[str], boundary: Boundary) -> None:
        self.base = base
        self.excludes = excludes
        self.boundary = boundary
        self.found: dict[str, Candidate] = {}
        self.claimed: set[Path] = set()  # templates read through an assembly's manifest
        self.result = Discovery()
        self.visited: set[tuple[int, int]] = set()

    def finish(self) -> Discovery:
        self.result.candidates = [self.found[key] for key in sorted(self.found)]
        return self.result

    def display(self, path: Path) -> str:
        return display_path(path, self.base)

    def excluded(self, path: Path) -> bool:
        return is_excluded(self.display(path), self.excludes)

    def problem(self, path: Path, message: str, requested: bool = True) -> None:
        self.result.problems.append(FileProblem(self.display(path), message, requested=requested))

    def add_requested(self, path: Path) -> None:
        shown = self.display(path)
        if path.is_dir():
            self.walk(path)
        elif path.exists() and not path.is_dir():
            if not is_excluded(shown, self.excludes):
                self.found[shown] = Candidate(path, shown, requested=True)
        elif path.is_symlink():
            self.problem(path, "is a broken symbolic link")
        elif shown.startswith("-"):
            self.problem(path, "path does not exist (after '--' every argument is a path: give "
                         "options before it, or put settings in .iacguard.yaml)")
        else:
            self.problem(path, "path does not exist")

    def walk(self, top: Path) -> None:
        pending = [top]
        while pending:
            directory = pending.pop()
            if not self.enter(directory):
                continue
            try:
                entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
            except OSError as error:
                self.problem(directory, f"cannot list folder: {error.strerror or error}")
                continue
            subdirectories = self.visit_entries(directory, entries)
            pending.extend(reversed(subdirectories))

    def enter(self, directory: Path) -> bool:
        """Whether to walk ``directory``: once per real folder, and not if it is an assembly
        (read through its manifest instead)."""
        try:
            info = directory.stat()
        except OSError:
            return False
        identity = (info.st_dev, info.st_ino)
        if identity in self.visited:
            return False
        self.visited.add(identity)
        if is_cloud_assembly(directory):
            self.add_assembly(directory)
            return False
        return True

    def visit_entries(self, directory: Path, entries: Sequence[os.DirEntry[str]]) -> list[Path]:
        subdirectories = []
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink() and self.boundary.leads_outside(path):
                if Path(entry.name).suffix.lower() in TEMPLATE_SUFFIXES or _is_dir(entry):
                    self.result.notices.append(
                        f"{self.display(path)}: not followed: the symbolic link leads outside "
                        f"the checked paths and the repository ({self.boundary.describe()})"
                    )
                continue
            if _is_dir(entry):
                if entry.name not in SKIPPED_DIRECTORIES:
                    subdirectories.append(path)
            elif entry.name == CDK_JSON:
                self.add_cdk_app(directory)
            elif Path(entry.name).suffix.lower() in TEMPLATE_SUFFIXES:
                self.add_walked(path)
        return subdirectories

    def add_walked(self, path: Path) -> None:
        display = self.display(path)
        if not is_excluded(display, self.excludes):
            self.found.setdefault(display, Candidate(path, display, requested=False))

    def add_cdk_app(self, folder: Path) -> None:
        app = cdk_app(folder)
        if app is None or self.excluded(folder / CDK_JSON):
            return
        if not self.boundary.contains(app.assembly):
            # Said before anything there is looked at: whether it exists is not ours to tell.
            self.problem(
                folder / CDK_JSON,
                f"its output {self.display(app.assembly)} lies outside the checked paths and the "
                "repository; not read",
            )
            return
        if not app.synthesized:
            self.problem(
                folder / CDK_JSON,
                "the CDK app is not synthesized: no cloud assembly at "
                f"{self.display(app.assembly)}; run 'cdk synth' before 'iacguard check' "
                "(or exclude the app)",
            )
            return
        stale = newer_source(app)
        if stale is not None:
            self.result.notices.append(
                f"{self.display(app.assembly)} is older than {self.display(stale)}, changed after "
                "the last 'cdk synth': the check sees the app as it was; run 'cdk synth' first"
            )
        self.walk(app.assembly)  # usually a no-op: the walk finds an assembly inside the app

    def add_assembly(self, folder: Path) -> None:
        """Read a CDK cloud assembly through its manifest, then check any other template in its
        folders as a plain template (a manifest must not hide files from the check)."""
        assembly = read_cloud_assembly(folder)
        self.claimed.update(assembly.named_templates)
        for message in assembly.problems:
            self.result.problems.append(
                FileProblem(self.display(folder), message, requested=True)
            )
        for stack in assembly.stacks:
            self.claimed.add(stack.template_path)
            display = self.display(stack.template_path)
            if not is_excluded(display, self.excludes):
                self.found[display] = Candidate(
                    stack.template_path, display, requested=False, stack=stack
                )
        self.add_unclaimed(folder)

    def add_unclaimed(self, folder: Path) -> None:
        for root, folders, files in os.walk(folder):
            folders[:] = sorted(name for name in folders if not name.startswith(ASSET_PREFIX))
            for name in sorted(files):
                path = Path(root) / name
                if (
                    Path(name).suffix.lower() in TEMPLATE_SUFFIXES
                    and not is_bookkeeping_file(name)
                    and path.resolve() not in self.claimed
                    and self.boundary.contains(path)
                ):
                    self.add_walked(path)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False  # a symlink loop: reading it later reports the problem
