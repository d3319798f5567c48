"""``iacguard check --base REF`` / ``--base-assembly DIR``: compare each checked template with
its BASE version, so change-safety findings join the run's other findings (and go through the
same suppressions, baselines and reports).

The runner calls :meth:`ChangeBase.changes` once per work unit (one template, or the stacks of
one CDK assembly) with the templates it loaded. Plain templates are compared with their version
at REF, read with git (never checked out). A CDK assembly is compared with the assembly named
by ``--base-assembly`` (synthesized from the base branch); without one, its templates are read
from REF like plain files, which only works when the assembly is committed.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacguard.diff.compare import CompareOptions, RuleMeta, compare
from iacguard.diff.git import GitBase, repository_path
from iacguard.diff.sources import (
    assembly_versions,
    read_assembly_side,
    template_from_bytes,
    with_nested,
)
from iacguard.diff.stacks import StackVersion
from iacguard.discover.walk import Candidate
from iacguard.errors import IacguardError
from iacguard.findings import Finding
from iacguard.load.files import FileReadError, read_bounded
from iacguard.load.parse import LoadError
from iacguard.model.template import Template

Loaded = Sequence[tuple[Candidate, Any]]  # (candidate, Template | FileProblem | None)


@dataclass
class UnitChanges:
    """The change-safety findings of one work unit, by the file they point into."""

    by_file: dict[str, list[Finding]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeBase:
    """Where BASE versions come from; made once per run, before any template is checked."""

    git: GitBase | None = None
    assembly: Path | None = None
    #: The content of the base assembly's files, so cached results follow it.
    assembly_digest: str = ""

    @property
    def identity(self) -> str:
        """Part of the result-cache key: a cached result is only valid for the same BASE."""
        commit = self.git.commit if self.git is not None else ""
        return f"base:{commit}:{self.assembly_digest}"

    def changes(
        self,
        loaded: Loaded,
        rules: Mapping[str, RuleMeta],
        options: CompareOptions,
        parameters: Any = None,
    ) -> UnitChanges:
        """Compare the unit's templates with BASE. ``parameters(display)`` gives the parameter
        values that apply to a template (both versions get the same ones)."""
        result = UnitChanges()
        templates = [(c, t) for c, t in loaded if isinstance(t, Template)]
        if not templates or not rules:
            return result
        in_assembly = [(c, t) for c, t in templates if c.stack is not None]
        plain = [(c, t) for c, t in templates if c.stack is None]
        if in_assembly and self.assembly is not None:
            self._compare_assembly(in_assembly, rules, options, parameters, result)
        elif in_assembly:
            plain.extend(in_assembly)
            result.notices.extend(_assembly_not_compared(in_assembly, self.git))
        if plain and self.git is not None:
            self._compare_from_git(plain, rules, options, parameters, result)
        return result

    def _compare_assembly(
        self, head: Sequence[tuple[Candidate, Template]], rules: Mapping[str, RuleMeta],
        options: CompareOptions, parameters: Any, result: UnitChanges,
    ) -> None:
        assert self.assembly is not None
        base_side = read_assembly_side(self.assembly, "BASE", Path.cwd())
        result.notices.extend(base_side.notices)
        head_versions = list(assembly_versions(
            [c.stack for c, _ in head if c.stack is not None],
            {c.stack.template_path: t for c, t in head if c.stack is not None},
        ))
        head_keys = {v.key for v in head_versions}
        if not any(v.key in head_keys for v in base_side.versions):
            result.notices.append(
                f"--base-assembly {self.assembly}: no stack of it is in the checked assembly "
                f"({', '.join(sorted(head_keys))}); not compared"
            )
            return
        _apply_parameters(base_side.versions, parameters)
        comparison = compare(base_side.versions, head_versions, rules, options)
        _file_findings(comparison.findings, [t.display_path for _, t in head], result)
        result.notices.extend(comparison.notices)

    def _compare_from_git(
        self, head: Sequence[tuple[Candidate, Template]], rules: Mapping[str, RuleMeta],
        options: CompareOptions, parameters: Any, result: UnitChanges,
    ) -> None:
        git = self.git
        assert git is not None
        paths = {c.display: repository_path(git, c.path) for c, _ in head}
        blobs = git.blobs(sorted(set(paths.values())))
        for candidate, template in head:
            path = paths[candidate.display]
            base = self._git_version(git, path, blobs, result)
            if base is None:
                continue  # new in HEAD (or unreadable at REF): checked, not compared
            _apply_parameters(base, parameters, candidate.display)
            head_version = StackVersion(path, template, name=template.cfn_stack_name or path)
            comparison = compare(base, [head_version], rules, options)
            _file_findings(comparison.findings, [template.display_path], result)
            result.notices.extend(comparison.notices)

    def _git_version(
        self, git: GitBase, path: str, blobs: Mapping[str, Any], result: UnitChanges
    ) -> list[StackVersion] | None:
        root = _read_blob(git, path, blobs.get(path) or _lookup(git, path), result)
        if root is None:
            return None
        directory = posixpath.dirname(path)

        def load(key: str) -> StackVersion | None:
            nested_path = posixpath.normpath(posixpath.join(directory, key))
            if nested_path.startswith("../") or nested_path == "..":
                return None
            found = _read_blob(git, nested_path, _lookup(git, nested_path), result)
            return StackVersion(key, found, locatable=False) if found is not None else None

        version = StackVersion("", root, name=path, locatable=False)
        nested = with_nested([version], load)
        return [_rekey(v, path) for v in nested]


def _rekey(version: StackVersion, path: str) -> StackVersion:
    """Keys relative to the template become keys the HEAD template shares (its path)."""
    from dataclasses import replace

    key = path if not version.key else f"{path}/{version.key}"
    parent = None
    if version.parent is not None:
        parent_key, logical_id = version.parent
        parent = (path if not parent_key else f"{path}/{parent_key}", logical_id)
    return replace(version, key=key, parent=parent)


def _lookup(git: GitBase, path: str) -> Any:
    return git.blobs([path]).get(path)


def _read_blob(git: GitBase, path: str, blob: Any, result: UnitChanges) -> Template | None:
    if blob is None:
        return None
    shown = git.display(path)
    raw = git.read(blob)
    if raw is None:
        result.notices.append(f"{shown}: over the template size limit; not compared")
        return None
    try:
        return template_from_bytes(raw, shown, Path(path))
    except LoadError as error:
        result.notices.append(f"BASE {error} (not compared; the HEAD checks still run)")
        return None


def _apply_parameters(versions: Sequence[StackVersion], parameters: Any,
                      display: str | None = None) -> None:
    if parameters is None:
        return
    for version in versions:
        values = parameters(display or version.template.display_path)
        if values:
            version.template.parameter_values = dict(values)


def _file_findings(findings: Sequence[Finding], files: Sequence[str], result: UnitChanges) -> None:
    """File each finding under the template it points into; findings that point into BASE
    files (a removed stack) go with the unit's first template, so they are reported once."""
    known = set(files)
    for finding in findings:
        owner = finding.file if finding.file in known else files[0]
        result.by_file.setdefault(owner, []).append(finding)


def _assembly_not_compared(
    templates: Sequence[tuple[Candidate, Template]], git: GitBase | None
) -> list[str]:
    folder = templates[0][0].stack.assembly_dir if templates[0][0].stack else ""
    how = f"they are read from {git.ref} instead (only useful if cdk.out is committed)" if git \
        else "they are not compared"
    return [f"CDK assembly {folder}: no --base-assembly given, {how}; synthesize the base "
            "branch and pass its cdk.out as --base-assembly DIR"]


def assembly_digest(root: Path) -> str:
    """A digest of every template and manifest of an assembly (for the result cache)."""
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in root.rglob("*.json") if p.is_file())
    except OSError as error:
        raise IacguardError(f"--base-assembly {root}: cannot read: "
                            f"{error.strerror or error}") from None
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(_content_key(path) + b"\0")
    return digest.hexdigest()


def _content_key(path: Path) -> bytes:
    """A file's bytes, or for one too large to be a template (a big tree.json, a sparse file a
    pull request planted) its size and time of change: never an unbounded read."""
    try:
        return read_bounded(path)
    except FileReadError as error:
        if not error.too_large:
            raise IacguardError(f"--base-assembly {path}: {error.reason}") from None
    status = path.stat()
    return f"{status.st_size}:{status.st_mtime_ns}".encode("ascii")
