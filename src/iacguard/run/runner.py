"""One run, start to end: discover -> load -> model -> rules -> findings (-> suppressions).

This module wires the stages together and owns nothing else; each stage lives in its own module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacguard.discover.walk import Candidate, discover
from iacguard.engines import CHECKOV, DEFAULT_ENGINES, engine_versions, require_engines
from iacguard.engines.cfnlint import (
    DEFAULT_REGIONS,
    check_regions,
    prepare_validation,
    validate_template,
    validation_selected,
)
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import FileProblem, Finding, Report
from iacguard.load.parse import LoadedDocument, LoadError, parse_text, read_text
from iacguard.model.template import Template, build_template, looks_like_template
from iacguard.run.cache import (
    ResultCache,
    cache_key,
    code_fingerprint,
    report_from_data,
    report_to_data,
    run_fingerprint,
)
from iacguard.settings.config import path_matches
from iacguard.suppress.directives import SuppressionPolicy, suppress_run, suppress_template_findings

if TYPE_CHECKING:
    from iacguard.diff.check_base import ChangeBase

#: Minified JSON puts "Resources" right after "{" or ",", not at the start of a line.
_TEMPLATE_MARKERS = re.compile(
    r"AWSTemplateFormatVersion|(?:^|[{,])\s*[\"']?Resources[\"']?\s*:", re.MULTILINE
)


@dataclass(frozen=True)
class CheckSettings:
    paths: tuple[Path, ...]
    rules: tuple[RuleSpec, ...]
    excludes: tuple[str, ...] = ()
    parameter_values: Mapping[str, Any] = field(default_factory=dict)
    show_unknown: bool = False
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    root: Path | None = None
    #: Run cfn-lint over each template after our rules (imported only when this is true).
    validate: bool = True
    regions: tuple[str, ...] = DEFAULT_REGIONS
    #: The --select/--ignore selectors, applied to validation findings as to our rules.
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: Globs a walked file must match to be checked (files named explicitly always are).
    include: tuple[str, ...] = ()
    #: Configuration ``parameters``: (template glob, values); ``parameter_values`` win.
    template_parameters: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    #: Configuration ``facts``, shown to every check as ``ctx.options["facts"]``.
    facts: Mapping[str, Any] = field(default_factory=dict)
    suppression: SuppressionPolicy = field(default_factory=SuppressionPolicy)
    #: Engines that check each template (iacguard.engines): our rules, and optionally checkov.
    engines: tuple[str, ...] = DEFAULT_ENGINES
    #: Worker processes; 1 checks in this process.
    jobs: int = 1
    #: Where per-template results are cached; None turns the cache off.
    cache_dir: Path | None = None
    #: (index, count): check only the index-th of count deterministic slices of the templates.
    shard: tuple[int, int] | None = None
    #: Where BASE versions come from for change-safety rules (check --base / --base-assembly).
    change_base: ChangeBase | None = None

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(rule.id for rule in self.rules)

    def parameters_for(self, display_path: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for pattern, mapping in self.template_parameters:
            if path_matches(display_path, pattern):
                values.update(mapping)
        return {**values, **self.parameter_values}


def might_be_template(text: str) -> bool:
    """Cheap text test so large non-CloudFormation files are skipped without parsing."""
    return _TEMPLATE_MARKERS.search(text) is not None


def load_template(candidate: Candidate, settings: CheckSettings) -> Template | FileProblem | None:
    """A template, a problem to report, or None for a file that is not CloudFormation."""
    try:
        text = read_text(candidate.path, candidate.display)
    except LoadError as error:
        return FileProblem(candidate.display, error.message, error.line, error.column,
                           candidate.requested)
    if not might_be_template(text):
        return None
    try:
        data, is_json = parse_text(text, candidate.display)
    except LoadError as error:
        # It reads like a template but does not parse: always worth failing the run for.
        return FileProblem(candidate.display, error.message, error.line, error.column, True)
    if not looks_like_template(data):
        return None
    document = LoadedDocument(candidate.path, text, data, is_json)
    parameter_values = settings.parameters_for(candidate.display)
    template = build_template(document, candidate.display, parameter_values)
    if candidate.stack is not None:
        template.stack_name = candidate.stack.display_name
        template.cfn_stack_name = candidate.stack.stack_name
        template.source_frames = candidate.stack.creation_frames
    return template


def check_candidate(candidate: Candidate, settings: CheckSettings) -> Report:
    loaded = load_template(candidate, settings)
    changes, notices = _changes([(candidate, loaded)], settings)
    report = _check_loaded(candidate, loaded, settings, (), changes.get(candidate.display, ()))
    report.notices.extend(notices)
    return report


def check_unit(unit: Sequence[Candidate], settings: CheckSettings) -> Report:
    """Check templates that belong together (the stacks of one CDK assembly) with each other in
    view, so cross-stack rules can follow exports and ``Fn::GetStackOutput``."""
    if len(unit) == 1:
        return check_candidate(unit[0], settings)
    loaded = [(candidate, load_template(candidate, settings)) for candidate in unit]
    workspace = tuple(template for _, template in loaded if isinstance(template, Template))
    changes, notices = _changes(loaded, settings)
    report = Report(notices=notices)
    for candidate, template in loaded:
        report.merge(_check_loaded(candidate, template, settings, workspace,
                                   changes.get(candidate.display, ())))
    return report


def _changes(
    loaded: Sequence[tuple[Candidate, Template | FileProblem | None]], settings: CheckSettings
) -> tuple[Mapping[str, Sequence[Finding]], list[str]]:
    """Change-safety findings against --base / --base-assembly, by the file they point into,
    and notices (nothing without a BASE; the diff package is imported only with one)."""
    if settings.change_base is None:
        return {}, []
    from iacguard.diff.compare import CompareOptions

    rules = {rule.id: rule for rule in settings.rules if rule.kind == "change"}
    options = CompareOptions(settings.show_unknown, settings.regions[0])
    changes = settings.change_base.changes(loaded, rules, options, settings.parameters_for)
    return changes.by_file, changes.notices


def _check_loaded(
    candidate: Candidate,
    loaded: Template | FileProblem | None,
    settings: CheckSettings,
    workspace: tuple[Template, ...],
    changes: Sequence[Finding] = (),
) -> Report:
    report = Report()
    if loaded is None:
        report.files_skipped.append(candidate.display)
        return report
    if isinstance(loaded, FileProblem):
        report.problems.append(loaded)
        return report
    report.files_checked.append(candidate.display)
    options = EngineOptions(settings.show_unknown, settings.rule_options, settings.facts)
    findings, evaluations = check_template(loaded, settings.rules, options, workspace)
    report.findings.extend(findings)
    report.findings.extend(changes)
    report.evaluations.extend(evaluations)
    if settings.validate:
        report.findings.extend(
            validate_template(loaded, settings.regions, settings.select, settings.ignore)
        )
    if CHECKOV in settings.engines:
        from iacguard.engines.checkov import run_checkov_engine

        merged = run_checkov_engine(loaded, report.findings, report.evaluations, settings.rules,
                                    settings.select, settings.ignore)
        report.findings[:] = merged.findings
        report.notices.extend(merged.notices)
    # Keep this last: suppressions written in the template apply to every finding above.
    report.findings[:] = suppress_template_findings(
        report.findings, loaded, settings.suppression, settings.rule_ids
    )
    return report


def run_check(
    settings: CheckSettings,
    candidates: Sequence[Candidate] | None = None,
    progress: Progress | None = None,
) -> Report:
    report = Report(rules_run=list(settings.rules))
    require_engines(settings.engines)
    if (
        settings.validate
        and settings.regions != DEFAULT_REGIONS
        and validation_selected(settings.select, settings.ignore)
    ):
        check_regions(settings.regions)  # imports cfn-lint: only when regions were chosen
    if candidates is None:
        discovery = discover(settings.paths, settings.excludes, settings.root)
        found = discovery.candidates
        report.problems.extend(discovery.problems)
        report.notices.extend(discovery.notices)
    else:
        found = list(candidates)
    if settings.include:
        found = [c for c in found if c.requested or _included(c.display, settings.include)]
    if settings.shard is not None:
        found = [c for c in found if shard_of(c, settings.shard[1]) == settings.shard[0]]
    for result in check_all(found, settings, progress):
        report.merge(result)
    suppress_run(report, settings.suppression, settings.rule_ids)
    report.sort()
    return report


def shard_of(candidate: Candidate, count: int) -> int:
    """Deterministic slice of a template; a CDK assembly's stacks stay together, so cross-stack
    rules still see every stack of the assembly."""
    key = str(candidate.stack.assembly_dir) if candidate.stack is not None else candidate.display
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % count


def _settings_fingerprint(settings: CheckSettings) -> str:
    return run_fingerprint(
        {
            # The whole rule (its logic and metadata), not only its id: a custom rule file that
            # changes must not be answered from the cache.
            "rules": [repr(rule) for rule in settings.rules],
            "code": code_fingerprint(),
            "rule_options": settings.rule_options,
            "parameters": settings.parameter_values,
            "template_parameters": settings.template_parameters,
            "show_unknown": settings.show_unknown,
            "validate": settings.validate,
            "regions": settings.regions,
            "select": settings.select,
            "ignore": settings.ignore,
            "facts": settings.facts,
            "suppression": repr(settings.suppression),
            "engines": settings.engines,
            "engine_versions": engine_versions(settings.engines),
        }
    )


def check_cached(unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str) -> Report:
    """``check_unit`` through the result cache (when one is configured)."""
    if settings.cache_dir is None:
        return check_unit(unit, settings)
    try:
        content = b"\x00".join(candidate.path.read_bytes() for candidate in unit)
    except OSError:
        return check_unit(unit, settings)  # reports the problem itself
    cache = ResultCache(settings.cache_dir)
    identity = "\x00".join(
        candidate.display + "\x00" + (repr(candidate.stack) if candidate.stack else "")
        for candidate in unit
    )
    if settings.change_base is not None:
        identity += "\x00" + settings.change_base.identity
    key = cache_key(content, identity, fingerprint)
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = check_unit(unit, settings)
    cache.put(key, result)
    return result


def work_units(found: Sequence[Candidate]) -> list[tuple[Candidate, ...]]:
    """One unit per plain template; one per CDK assembly folder, whose stacks stay together."""
    units: dict[str, list[Candidate]] = {}
    for candidate in found:
        key = (
            "assembly:" + str(candidate.stack.assembly_dir)
            if candidate.stack is not None
            else "file:" + candidate.display
        )
        units.setdefault(key, []).append(candidate)
    return [tuple(unit) for unit in units.values()]


#: Below this many templates a worker pool costs more than it saves.
_PARALLEL_THRESHOLD = 4


#: Told (units done, units in all) as the run advances; the command line draws a progress bar.
Progress = Callable[[int, int], None]


def check_all(
    found: Sequence[Candidate], settings: CheckSettings, progress: Progress | None = None
) -> list[Report]:
    """Check every candidate, in worker processes when worthwhile; results keep input order."""
    fingerprint = _settings_fingerprint(settings) if settings.cache_dir is not None else ""
    units = work_units(found)
    if settings.jobs <= 1 or len(units) < _PARALLEL_THRESHOLD:
        outcomes: Iterable[Report] = (check_cached(unit, settings, fingerprint) for unit in units)
        results = _tracked(outcomes, len(units), progress)
    else:
        results = _check_in_workers(units, settings, fingerprint, progress)
    if settings.cache_dir is not None:
        ResultCache(settings.cache_dir).prune()
    return results


def _worker_setup() -> None:
    """Workers leave signals to the parent, which stops them; they never print tracebacks."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _check_as_json(
    unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str
) -> str:
    """Results cross the process boundary as JSON, so only plain data ever travels."""
    return json.dumps(report_to_data(check_cached(unit, settings, fingerprint)))


def _tracked(results: Iterable[Report], total: int, progress: Progress | None) -> list[Report]:
    collected = []
    for done, result in enumerate(results, start=1):
        collected.append(result)
        if progress is not None:
            progress(done, total)
    return collected


def _check_in_workers(
    found: Sequence[tuple[Candidate, ...]],
    settings: CheckSettings,
    fingerprint: str,
    progress: Progress | None,
) -> list[Report]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if settings.validate:
        # Load cfn-lint once here so forked workers inherit it instead of each loading it.
        prepare_validation()
    if CHECKOV in settings.engines:
        from iacguard.engines.checkov import checkov_selected, prepare_checkov

        if checkov_selected(settings.select, settings.ignore):
            prepare_checkov()  # likewise checkov, which takes about 2 s to import
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    workers = min(settings.jobs, len(found))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_setup)
    try:
        task = functools.partial(_check_as_json, settings=settings, fingerprint=fingerprint)
        chunk = max(1, len(found) // (workers * 8))
        texts = pool.map(task, found, chunksize=chunk)
        results = _tracked(
            (report_from_data(json.loads(text)) for text in texts), len(found), progress
        )
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    pool.shutdown()
    return results


def _included(display_path: str, include: Sequence[str]) -> bool:
    return any(path_matches(display_path, pattern) for pattern in include)
