"""Engines: what checks the templates.

Every engine has one call shape (:class:`Engine`): a unit of templates in, either one plain
template or the stacks of one CDK cloud assembly (which cross-stack rules must see together),
and an :class:`EngineResult` out: findings, evaluations (a verdict per rule and resource) and
notices for the user. Engines are chosen by name: ``iacguard`` (our own rules), ``cfn-lint``
(validation, on unless --no-validate) and ``checkov`` (optional). An engine other than ours
turns its results into ordinary :class:`~iacguard.findings.Finding` objects, so suppressions,
baselines, --select/--ignore and every reporter treat them alike.

Importing this package is cheap: an engine's module is imported only when the engine is chosen,
and its third-party package only when it checks a template.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import IacguardError
from iacguard.findings import Evaluation, Finding

if TYPE_CHECKING:
    from iacguard.discover.boundary import Boundary
    from iacguard.model.template import Template

IACGUARD = "iacguard"
CFN_LINT = "cfn-lint"
CHECKOV = "checkov"
#: The engines ``--engine`` chooses among (cfn-lint is chosen by ``--validate``).
KNOWN_ENGINES: tuple[str, ...] = (IACGUARD, CHECKOV)
DEFAULT_ENGINES: tuple[str, ...] = (IACGUARD,)
#: Each engine's module, imported when the engine is chosen. Engines run in this order, so
#: an engine that merges its findings with ours (checkov) sees ours first.
_ENGINE_MODULES: Mapping[str, str] = {
    IACGUARD: "iacguard.engines.iacguard_rules",
    CFN_LINT: "iacguard.engines.cfnlint",
    CHECKOV: "iacguard.engines.checkov",
}
_NOT_A_NAME_CHARACTER = re.compile(r"[^a-z0-9]+")


class EngineSettings(Protocol):
    """What engines read of a run's settings (:class:`iacguard.settings.definitions.Settings`
    has all of it)."""

    @property
    def select(self) -> Sequence[str]: ...

    @property
    def ignore(self) -> Sequence[str]: ...

    @property
    def regions(self) -> Sequence[str]: ...

    @property
    def validate_timeout(self) -> float: ...

    @property
    def show_unknown(self) -> bool: ...

    @property
    def rule_options(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def facts(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class EngineRun:
    """What every engine is given besides the templates."""

    #: iacguard's rules chosen for the run (checkov reads which of its checks they cover).
    rules: tuple[RuleSpec, ...]
    settings: EngineSettings
    #: Where the run may read (the checked paths and their repository): an engine that opens
    #: files a template names (cfn-lint, for nested stacks) stays inside. None: the repository
    #: of each template.
    boundary: Boundary | None = None


@dataclass
class EngineResult:
    findings: list[Finding] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def extend(self, other: EngineResult) -> None:
        self.findings.extend(other.findings)
        self.evaluations.extend(other.evaluations)
        self.notices.extend(other.notices)


class Engine:
    """An engine; subclasses implement :meth:`check` and override what else they need."""

    name = ""

    def require(self, run: EngineRun) -> None:
        """Fail before any template is read when the engine cannot run (exit 2)."""

    def prepare(self, run: EngineRun) -> None:
        """Import what is slow to import before worker processes fork, so each inherits it."""

    def version(self) -> str:
        """The engine's version, so cached results do not outlive an upgrade ("" for ours,
        whose code the cache fingerprints file by file)."""
        return ""

    def check(self, unit: Sequence[Template], run: EngineRun) -> EngineResult:
        """Findings, evaluations and notices for one unit of templates."""
        raise NotImplementedError

    def combine(self, so_far: EngineResult, own: EngineResult, run: EngineRun) -> EngineResult:
        """The unit's result once this engine's is added to the engines' before it."""
        combined = EngineResult(list(so_far.findings), list(so_far.evaluations),
                                list(so_far.notices))
        combined.extend(own)
        return combined


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


def chosen_engines(engines: Sequence[str], validate: bool) -> list[Engine]:
    """The engines a run uses, in the order they run."""
    return [
        load_engine(name)
        for name in _ENGINE_MODULES
        if name in engines or (name == CFN_LINT and validate)
    ]


def load_engine(name: str) -> Engine:
    engine: Engine = importlib.import_module(_ENGINE_MODULES[name]).ENGINE
    return engine


def check_with(engines: Sequence[Engine], unit: Sequence[Template], run: EngineRun) -> EngineResult:
    """Every engine's verdict on one unit of templates, combined, each problem reported once
    (:mod:`iacguard.engines.fold`)."""
    from iacguard.engines.fold import fold_unit

    result = EngineResult()
    for engine in engines:
        result = engine.combine(result, engine.check(unit, run), run)
    findings, evaluations = fold_unit(
        result.findings, result.evaluations, unit, keep_unknown=run.settings.show_unknown
    )
    return EngineResult(findings, evaluations, result.notices)


def rule_name_from_title(title: str) -> str:
    """A rule name for another engine's check: 'Resource properties are invalid' ->
    'resource-properties-are-invalid'."""
    return _NOT_A_NAME_CHARACTER.sub("-", title.lower()).strip("-")


def package_version(distribution: str) -> str:
    """An installed package's version, read from its metadata without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return ""
