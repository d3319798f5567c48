"""Globs as the configuration documents them: matched against paths as reports show them.

A display path is POSIX-style and relative to the folder iacguard runs from
(``stacks/app/template.yaml``). Matching is case-sensitive on every platform (``fnmatchcase``),
so a configuration behaves the same on a Windows laptop and a Linux build agent. ``*`` also
matches ``/``, so ``legacy/**`` and ``legacy/*`` both cover everything below ``legacy/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase


def path_matches(display_path: str, pattern: str) -> bool:
    """A glob matches a file's display path, its file name, or a folder that contains it."""
    folder_or_file = pattern.rstrip("/")
    name = display_path.rsplit("/", 1)[-1]
    return (
        fnmatchcase(display_path, folder_or_file)
        or fnmatchcase(name, folder_or_file)
        or fnmatchcase(display_path, folder_or_file + "/*")
    )


def any_path_matches(display_path: str, patterns: Iterable[str]) -> bool:
    return any(path_matches(display_path, pattern) for pattern in patterns)


def name_matches(name: str, pattern: str) -> bool:
    """A glob over a plain name, such as a logical id (``Legacy*``)."""
    return fnmatchcase(name, pattern)
