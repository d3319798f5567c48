"""Engines: what checks the templates. ``iacguard`` is our own rule set; ``checkov`` is optional.

An engine other than ours turns its results into ordinary :class:`~iacguard.findings.Finding`
objects, so suppressions, baselines, --select/--ignore and every reporter treat them alike.
Importing this package is cheap: an engine's third-party package is imported only when a
template is checked with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.errors import IacguardError

IACGUARD = "iacguard"
CHECKOV = "checkov"
KNOWN_ENGINES: tuple[str, ...] = (IACGUARD, CHECKOV)
DEFAULT_ENGINES: tuple[str, ...] = (IACGUARD,)


def parse_engines(names: Iterable[str]) -> tuple[str, ...]:
    """Engine names as given (``--engine a,b`` already split), checked, in order, without
    repeats; nothing given means the default."""
    chosen: list[str] = []
    for name in names:
        normalized = name.strip().lower()
        if not normalized:
            continue
        if normalized not in KNOWN_ENGINES:
            known = ", ".join(KNOWN_ENGINES)
            raise IacguardError(f"unknown engine {name.strip()!r} for --engine (engines: {known})")
        if normalized not in chosen:
            chosen.append(normalized)
    return tuple(chosen) or DEFAULT_ENGINES


def require_engines(engines: Iterable[str]) -> None:
    """Fail before any template is read when a chosen engine is not installed (exit 2)."""
    if CHECKOV in engines:
        from iacguard.engines.checkov import require_checkov

        require_checkov()


def engine_versions(engines: Iterable[str]) -> dict[str, str]:
    """Installed versions of the chosen third-party engines, read from package metadata without
    importing them: cached results must not outlive an upgrade of the engine."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str] = {}
    for engine in engines:
        if engine == IACGUARD:
            continue
        try:
            versions[engine] = version(engine)
        except PackageNotFoundError:
            versions[engine] = ""
    return versions
