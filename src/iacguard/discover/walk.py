"""Find the files to check: named files, folders walked recursively, in a deterministic order.

Directory symlinks are followed at most once per real directory, so a symlink loop ends the walk
of that branch instead of hanging it.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from iacguard.discover.cdk_assembly import (
    StackTemplate,
    find_cloud_assembly,
    is_cloud_assembly,
    read_cloud_assembly,
)
from iacguard.findings import FileProblem

TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
#: Folders that never hold templates a user wrote, and are expensive to walk.
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", ".iacguard_cache", ".aws-sam"}
)


@dataclass(frozen=True)
class Candidate:
    path: Path
    display: str
    requested: bool  # named on the command line (not found by walking a folder)
    stack: StackTemplate | None = None  # set for templates read through a CDK cloud assembly


def display_path(path: Path, root: Path) -> str:
    """Repository-relative POSIX path when under ``root``; otherwise the path as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.as_posix()


def is_excluded(display: str, excludes: Sequence[str]) -> bool:
    name = display.rsplit("/", 1)[-1]
    for pattern in excludes:
        stripped = pattern.rstrip("/")
        if fnmatch.fnmatch(display, stripped) or fnmatch.fnmatch(name, stripped):
            return True
        if fnmatch.fnmatch(display, stripped + "/*") or display.startswith(stripped + "/"):
            return True
    return False


def discover(
    paths: Sequence[Path], excludes: Sequence[str] = (), root: Path | None = None
) -> tuple[list[Candidate], list[FileProblem]]:
    base = root or Path.cwd()
    found: dict[str, Candidate] = {}
    problems: list[FileProblem] = []
    for path in paths:
        shown = display_path(path, base)
        if path.is_dir():
            assembly_root = find_cloud_assembly(path)
            walk_roots = [path]
            if assembly_root is not None and not _inside(path, assembly_root):
                walk_roots.append(assembly_root)  # a cdk.json project whose output lies elsewhere
            for walk_root in walk_roots:
                for file_path in _walk(walk_root, on_assembly=lambda d: _add_assembly(
                    d, base, excludes, found, problems
                )):
                    display = display_path(file_path, base)
                    if not is_excluded(display, excludes):
                        found.setdefault(display, Candidate(file_path, display, requested=False))
        elif path.is_file():
            if not is_excluded(shown, excludes):
                found[shown] = Candidate(path, shown, requested=True)
        elif path.is_symlink():
            problems.append(FileProblem(shown, "is a broken symbolic link"))
        else:
            problems.append(FileProblem(shown, "path does not exist"))
    return [found[key] for key in sorted(found)], problems


def _inside(folder: Path, child: Path) -> bool:
    try:
        child.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _add_assembly(
    folder: Path,
    base: Path,
    excludes: Sequence[str],
    found: dict[str, Candidate],
    problems: list[FileProblem],
) -> None:
    """Read a CDK cloud assembly through its manifest; the walk does not enter its folder."""
    assembly = read_cloud_assembly(folder)
    problems.extend(
        FileProblem(display_path(folder, base), message, requested=True)
        for message in assembly.problems
    )
    for stack in assembly.stacks:
        display = display_path(stack.template_path, base)
        if not is_excluded(display, excludes):
            found[display] = Candidate(stack.template_path, display, requested=False, stack=stack)


def _walk(top: Path, on_assembly: Callable[[Path], None] | None = None) -> Iterator[Path]:
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            info = directory.stat()
        except OSError:
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in visited:
            continue
        visited.add(identity)
        if on_assembly is not None and is_cloud_assembly(directory):
            on_assembly(directory)
            continue
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirectories = []
        for entry in entries:
            try:
                is_directory = entry.is_dir()
            except OSError:
                is_directory = False  # a symlink loop: reading it later reports the problem
            if is_directory:
                if entry.name not in SKIPPED_DIRECTORIES:
                    subdirectories.append(Path(entry.path))
            elif Path(entry.name).suffix.lower() in TEMPLATE_SUFFIXES:
                yield Path(entry.path)
        stack.extend(reversed(subdirectories))
