"""Read template versions from a git commit without checking anything out.

Every git call is an argument list (never a shell), with ``--literal-pathspecs`` so a file name
is never read as a pathspec pattern, a timeout, and a bounded output: blob sizes are listed
first (``git ls-tree -l``) and a blob over the template size limit is not read. The ref is
checked before use (``git rev-parse --verify``) and then only its commit id is passed on.
Paths must lie inside the work tree: no absolute paths, no ``..``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from iacguard.errors import IacguardError
from iacguard.load.parse import MAX_TEMPLATE_BYTES

#: A ref as a person types it: a branch, tag, commit id, HEAD~2, origin/main, main@{u}...
#: Leading "-" (an option) and ":" (a path separator in REF:path) are refused.
_REF_SHAPE = re.compile(r"^[A-Za-z0-9_./@{}^~+][A-Za-z0-9_./@{}^~+-]*$")
_TIMEOUT_SECONDS = 60
#: Paths per git call, well under any command-line length limit.
_PATHS_PER_CALL = 200


class GitError(IacguardError):
    """A git problem the user can fix (unknown ref, not a repository): exit 2, one line."""


@dataclass(frozen=True)
class Blob:
    object_id: str
    size: int


@dataclass(frozen=True)
class GitBase:
    """A commit of one repository, to read BASE versions of templates from."""

    root: Path  # the work tree's top folder, resolved
    ref: str  # as the user gave it, for messages
    commit: str  # the resolved commit id ("" when the repository has no commit yet)

    def blobs(self, paths: Sequence[str]) -> dict[str, Blob]:
        """Repository-relative paths -> blobs at the commit (paths not there are left out)."""
        found: dict[str, Blob] = {}
        if not self.commit:
            return found
        for start in range(0, len(paths), _PATHS_PER_CALL):
            chunk = list(paths[start:start + _PATHS_PER_CALL])
            output = _git(self.root, ["ls-tree", "-l", "-z", self.commit, "--", *chunk])
            for entry in output.split(b"\0"):
                header, _, name = entry.partition(b"\t")
                fields = header.split()
                if len(fields) == 4 and fields[1] == b"blob" and fields[3].isdigit():
                    found[name.decode("utf-8", "surrogateescape")] = Blob(
                        fields[2].decode("ascii"), int(fields[3])
                    )
        return found

    def read(self, blob: Blob) -> bytes | None:
        """The blob's bytes; None when it is over the template size limit."""
        if blob.size > MAX_TEMPLATE_BYTES:
            return None
        return _git(self.root, ["cat-file", "blob", blob.object_id])

    def display(self, path: str) -> str:
        return f"{self.ref}:{path}"


def _git(cwd: Path, arguments: Sequence[str]) -> bytes:
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(
            ["git", "--literal-pathspecs", "-C", str(cwd), *arguments],
            capture_output=True, timeout=_TIMEOUT_SECONDS, env=environment, check=False,
        )
    except FileNotFoundError:
        raise GitError("--base needs git, and git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {arguments[0]} did not answer within {_TIMEOUT_SECONDS} s") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {arguments[0]} failed: {message[-1] if message else 'no message'}")
    return result.stdout


def _quiet_git(cwd: Path, arguments: Sequence[str]) -> str | None:
    try:
        return _git(cwd, arguments).decode("utf-8", "replace").strip()
    except GitError:
        return None


def open_base(ref: str, cwd: Path) -> tuple[GitBase, str]:
    """The commit ``ref`` names in the repository around ``cwd``, and a notice (or "").

    An unknown ref is an error, except in a repository with no commit yet, where every
    template is new (the notice says so): a first commit must not be blocked.
    """
    if not _REF_SHAPE.match(ref) or ".." in ref:  # "a..b" is a range, not one commit
        raise GitError(f"--base {ref!r} is not a git ref (a branch, tag or commit)")
    top = _quiet_git(cwd, ["rev-parse", "--show-toplevel"])
    if not top:
        raise GitError(f"--base {ref}: {cwd} is not inside a git work tree")
    root = Path(top).resolve()
    commit = _quiet_git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                               f"{ref}^{{commit}}"])
    if commit:
        return GitBase(root, ref, commit), ""
    if _quiet_git(root, ["rev-list", "-n", "1", "--all"]) == "":
        notice = (f"--base {ref}: the repository has no commit yet, so every template is new "
                  "and nothing is compared")
        return GitBase(root, ref, ""), notice
    raise GitError(f"--base {ref}: unknown git ref (no branch, tag or commit of that name)")


def repository_path(base: GitBase, path: Path) -> str:
    """``path`` relative to the work tree, as git names it; an error when it lies outside."""
    absolute = Path(os.path.abspath(path))
    try:
        real = absolute.parent.resolve() / absolute.name
        relative = real.relative_to(base.root)
    except (ValueError, OSError, RuntimeError):
        raise GitError(f"{path}: outside the git repository {base.root} that --base "
                       "reads") from None
    posix = PurePosixPath(relative.as_posix())
    if posix.is_absolute() or ".." in posix.parts or not posix.parts:
        raise GitError(f"{path}: not a file inside the git repository")
    return str(posix)
