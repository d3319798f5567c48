"""How far a run may read: the paths the user asked to check and the repository they are in.

A pull request controls file names, symbolic links and CDK manifests. None of them may make
iacguard read outside this boundary: a symbolic link to ``/usr`` is not followed, a CDK
``output`` that points at ``/etc`` is not read. Paths named on the command line are always
inside (the user asked for them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder, or a file in
    worktrees and submodules); ``start`` itself when there is none."""
    resolved = _resolved(start) or start.absolute()
    for folder in (resolved, *resolved.parents):
        if (folder / ".git").exists():
            return folder
    return resolved


@dataclass(frozen=True)
class Boundary:
    """Resolved folders (and files) inside which reads are allowed."""

    roots: tuple[Path, ...]

    @classmethod
    def for_run(cls, requested: Sequence[Path], base: Path) -> Boundary:
        roots = [repository_root(base)]
        roots.extend(path for path in (_resolved(p if p.is_absolute() else base / p)
                                       for p in requested) if path is not None)
        return cls(tuple(dict.fromkeys(roots)))

    def contains(self, path: Path) -> bool:
        """Whether ``path`` (resolved here, so symbolic links count by their target) is inside."""
        resolved = _resolved(path)
        return resolved is not None and any(_within(resolved, root) for root in self.roots)

    def leads_outside(self, path: Path) -> bool:
        """Whether ``path`` resolves to a place outside. A path that cannot be resolved (a link
        loop) is not called outside: reading it reports the loop."""
        resolved = _resolved(path)
        return resolved is not None and not any(_within(resolved, root) for root in self.roots)

    def describe(self) -> str:
        return ", ".join(str(root) for root in self.roots)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None

