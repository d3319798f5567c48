"""What a configuration file inside the checked repository may do.

A pull request can add or change ``.iacguard.yaml`` (or ``[tool.iacguard]``) as easily as a
template, so a configuration file that lies inside the run's :class:`Boundary` (the checked
paths and their repository) is *repository configuration*, whether it was found by searching or
named with ``--config``. It may change what is checked and how findings are judged (that is
what configuration is for, and reviewers see it in the diff), but nothing it names may lead out
of its repository:

- report files (``output``) must resolve inside the repository: no ``../``, no absolute path,
  no symbolic link that leads out;
- custom rule paths (``rules``) must resolve inside it too, and so must every rule file found in
  a rule folder; a path outside is refused before anything there is opened, so the refusal says
  nothing about the outside files (not even whether they exist);
- the configuration file itself is not read through a symbolic link that leads out.

Python checks are never loaded from a repository: a rule's ``check:`` names one of iacguard's
built-in checks or is an error. A configuration file outside the boundary (a pipeline's own,
named with ``--config``) is trusted as the command line is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from iacguard.discover.boundary import Boundary, repository_root
from iacguard.errors import ConfigError

if TYPE_CHECKING:
    from iacguard.settings.files import ConfigFile


def is_repository_config(config: ConfigFile, boundary: Boundary) -> bool:
    """Whether a pull request could have written this configuration file."""
    return boundary.contains(config.path)


def refuse_link_out_of(candidate: Path, base: Path, boundary: Boundary) -> None:
    """A configuration file in the tree that is a symbolic link leading outside is not read:
    its content (an SSH key, say) would otherwise surface in the error a bad file gets."""
    if candidate.is_symlink() and boundary.leads_outside(candidate):
        try:
            display = candidate.absolute().relative_to(base).as_posix()
        except ValueError:
            display = candidate.as_posix()
        raise ConfigError(f"{display}: not read: it is a symbolic link that leads outside the "
                          f"checked paths and the repository ({boundary.describe()})")


def confine_outputs(config: ConfigFile, outputs: Iterable[str], base: Path) -> None:
    """Every ``format:path`` of a repository configuration's ``output`` lies inside its
    repository (the paths are already relative to the configuration file's folder)."""
    repository = repository_root(config.path.parent)
    as_written = config.data.get("output", [])
    for index, relocated in enumerate(outputs):
        _, _, target = relocated.partition(":")
        path = Path(target) if Path(target).is_absolute() else base / target
        if not _inside(path, repository):
            shown = str(as_written[index]).partition(":")[2] if index < len(as_written) else target
            raise ConfigError(
                f"{config.where(('output', index))}: report file {shown!r} lies outside the "
                f"repository ({repository}); a configuration file in the repository may only "
                "write inside it"
            )


def confine_rule_paths(config: ConfigFile, rule_paths: Iterable[Path]) -> None:
    """Custom rule paths of a repository configuration, and every rule file under them, lie
    inside its repository. Checked before any of them is read."""
    from iacguard.engines.rules.registry import rule_files

    repository = repository_root(config.path.parent)
    for index, path in enumerate(rule_paths):
        where = config.where(("rules", index))
        if not _inside(path, repository):
            raise ConfigError(f"{where}: rule path {_written(config, path)!r} lies outside the "
                              f"repository ({repository}); not read")
        if not path.is_dir():
            continue
        for file in rule_files(path):
            if not _inside(file, repository):
                raise ConfigError(f"{where}: rule file {_written(config, file)!r} is a symbolic "
                                  f"link that leads outside the repository ({repository}); "
                                  "not read")


def _written(config: ConfigFile, path: Path) -> str:
    """A path as the configuration file's folder sees it (never resolved: where a link points
    outside is not ours to show)."""
    try:
        return path.relative_to(config.path.parent).as_posix()
    except ValueError:
        return path.as_posix()


def _inside(path: Path, root: Path) -> bool:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return resolved == root or root in resolved.parents
