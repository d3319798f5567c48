"""One run, start to end: discover -> load -> model -> engines -> findings (-> suppressions).

This module wires the stages together and owns nothing else; each stage lives in its own module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacguard.discover.boundary import Boundary
from iacguard.discover.walk import Candidate, discover
from iacguard.engines import Engine, EngineRun, check_with, chosen_engines
from iacguard.engines.codes import VALIDATION_TIMED_OUT
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import FileProblem, Finding, Report
from iacguard.globs import any_path_matches, path_matches
from iacguard.load.files import MAX_TEMPLATE_BYTES, FileReadError, read_bounded, read_head
from iacguard.load.parse import LoadedDocument, LoadError, decode_bytes, parse_text
from iacguard.model.template import Template, build_template, looks_like_template
from iacguard.report.codec import report_from_data, report_to_data
from iacguard.run.cache import ResultCache, cache_key, code_fingerprint, run_fingerprint
from iacguard.settings.definitions import Settings, result_settings
from iacguard.suppress.apply import suppress_run, suppress_template_findings
from iacguard.suppress.policy import SuppressionPolicy

if TYPE_CHECKING:
    from iacguard.diff.check_base import ChangeBase

LOG = logging.getLogger(__name__)

#: Minified JSON puts "Resources" right after "{" or ",", not at the start of a line.
_TEMPLATE_MARKERS = re.compile(
    r"AWSTemplateFormatVersion|(?:^|[{,])\s*[\"']?Resources[\"']?\s*:", re.MULTILINE
)


@dataclass(frozen=True)
class CheckSettings:
    """A run: what to check, the rules chosen for it, its settings and how to run it."""

    paths: tuple[Path, ...]
    #: The rules that run (none when the iacguard engine is not chosen).
    rules: tuple[RuleSpec, ...]
    settings: Settings = field(default_factory=Settings)
    suppression: SuppressionPolicy = field(default_factory=SuppressionPolicy)
    #: Paths are shown relative to this folder (default: the current folder).
    root: Path | None = None
    #: Worker processes; 1 checks in this process.
    jobs: int = 1
    #: Where per-template results are cached; None turns the cache off.
    cache_dir: Path | None = None
    #: Where BASE versions come from for change-safety rules (check --base / --base-assembly).
    change_base: ChangeBase | None = None

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(rule.id for rule in self.rules)

    @functools.cached_property
    def engine_run(self) -> EngineRun:
        return EngineRun(self.rules, self.settings,
                         Boundary.for_run(self.paths, self.root or Path.cwd()))

    def engines(self) -> list[Engine]:
        return chosen_engines(self.settings.engines, self.settings.validate)

    def parameters_for(self, display_path: str) -> dict[str, Any]:
        """Configuration values for the template's globs, then the --parameters file, then
        --parameter flags: the later win."""
        values: dict[str, Any] = {}
        for pattern, mapping in self.settings.parameters.items():
            if path_matches(display_path, pattern):
                values.update(mapping)
        return {**values, **self.settings.parameter_file_values, **self.settings.parameter_values}


def might_be_template(text: str) -> bool:
    """Cheap text test so large non-CloudFormation files are skipped without parsing."""
    return _TEMPLATE_MARKERS.search(text) is not None


def load_template(candidate: Candidate, settings: CheckSettings) -> Template | FileProblem | None:
    """A template, a problem to report, or None for a file that is not CloudFormation."""
    try:
        raw = read_bounded(candidate.path, MAX_TEMPLATE_BYTES)
    except FileReadError as error:
        return _unreadable(candidate, error)
    try:
        text = decode_bytes(raw, candidate.display)
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


#: How much of an oversized file is read to tell whether it is a template.
_SNIFFED_BYTES = 256 * 1024


def _unreadable(candidate: Candidate, error: FileReadError) -> FileProblem | None:
    """A file that cannot be read. One too large to check fails the run when it is a template
    (its start says so; a template must never pass unchecked), and is skipped quietly when it
    is not one (a data file or a binary found by walking a folder)."""
    if not error.too_large or candidate.requested:
        return FileProblem(candidate.display, error.reason, requested=candidate.requested)
    head = read_head(candidate.path, _SNIFFED_BYTES)
    if b"\x00" in head or not might_be_template(head.decode("utf-8", errors="replace")):
        return None
    return FileProblem(candidate.display, error.reason, requested=True)


def check_candidate(candidate: Candidate, settings: CheckSettings) -> Report:
    return _check_loaded([(candidate, load_template(candidate, settings))], settings)


def check_unit(unit: Sequence[Candidate], settings: CheckSettings) -> Report:
    """Check templates that belong together (the stacks of one CDK assembly) with each other in
    view, so cross-stack rules can follow exports and ``Fn::GetStackOutput``."""
    if len(unit) == 1:
        return check_candidate(unit[0], settings)
    return _check_loaded([(c, load_template(c, settings)) for c in unit], settings)


def _check_loaded(
    loaded: Sequence[tuple[Candidate, Template | FileProblem | None]], settings: CheckSettings
) -> Report:
    report = Report()
    templates: list[Template] = []
    for candidate, template in loaded:
        if template is None:
            report.files_skipped.append(candidate.display)
        elif isinstance(template, FileProblem):
            report.problems.append(template)
        else:
            report.files_checked.append(candidate.display)
            templates.append(template)
    if templates:
        result = check_with(settings.engines(), templates, settings.engine_run)
        changes, notices = _changes(loaded, settings)
        report.evaluations.extend(result.evaluations)
        report.notices.extend([*result.notices, *notices])
        findings = [*result.findings, *(f for found in changes.values() for f in found)]
        report.findings.extend(_suppressed_in_templates(findings, templates, settings))
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
    options = CompareOptions(settings.settings.show_unknown, settings.settings.regions[0])
    changes = settings.change_base.changes(loaded, rules, options, settings.parameters_for)
    return changes.by_file, changes.notices


def _suppressed_in_templates(
    findings: Sequence[Finding], templates: Sequence[Template], settings: CheckSettings
) -> list[Finding]:
    """Suppressions written in a template apply to every engine's findings on it."""
    by_file: dict[str, list[Finding]] = {template.display_path: [] for template in templates}
    elsewhere: list[Finding] = []
    for finding in findings:
        by_file.get(finding.file, elsewhere).append(finding)
    suppressed = [
        finding
        for template in templates
        for finding in suppress_template_findings(
            by_file[template.display_path], template, settings.suppression, settings.rule_ids
        )
    ]
    return [*suppressed, *elsewhere]


def run_check(
    settings: CheckSettings,
    candidates: Sequence[Candidate] | None = None,
    progress: Progress | None = None,
) -> Report:
    report = Report(rules_run=list(settings.rules))
    for engine in settings.engines():
        engine.require(settings.engine_run)
    if candidates is None:
        discovery = discover(settings.paths, settings.settings.exclude, settings.root)
        found = discovery.candidates
        report.problems.extend(discovery.problems)
        report.notices.extend(discovery.notices)
    else:
        found = list(candidates)
    include = settings.settings.include
    if include:
        found = [c for c in found if c.requested or any_path_matches(c.display, include)]
    shard = settings.settings.shard
    if shard is not None:
        found = [c for c in found if shard_of(c, shard[1]) == shard[0]]
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


def settings_fingerprint(settings: CheckSettings) -> str:
    """Everything besides a template's own bytes that its result depends on: every setting
    that can change a result (by its definition), the rules, the suppression policy, and the
    code and versions of the engines."""
    return run_fingerprint(
        {
            "settings": result_settings(settings.settings),
            # The whole rule (its logic and metadata), not only its id: a custom rule file that
            # changes must not be answered from the cache.
            "rules": [repr(rule) for rule in settings.rules],
            "suppression": repr(settings.suppression),
            "code": code_fingerprint(),
            "engine_versions": {engine.name: engine.version() for engine in settings.engines()},
        }
    )


def check_storing(unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str
                  ) -> Report:
    """``check_unit``, its report kept in the result cache (when one is configured) for the
    next run. ``check_all`` has looked the unit up already: only misses come here."""
    key = _cache_key(unit, settings, fingerprint)  # of the content before it is checked
    result = check_unit(unit, settings)
    if key is not None and settings.cache_dir is not None and _cacheable(result):
        ResultCache(settings.cache_dir).put(key, result)
    return result


def _cacheable(report: Report) -> bool:
    """A template whose validation was stopped for time is validated again by the next run
    (which may have a larger budget, or a less busy machine), not answered from the cache."""
    return not any(finding.rule_id == VALIDATION_TIMED_OUT.id for finding in report.findings)


def cached_result(unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str
                  ) -> Report | None:
    """The unit's cached report, or None when it has to be checked. Looked up before any
    engine is prepared, so a run that finds everything cached never imports cfn-lint."""
    key = _cache_key(unit, settings, fingerprint)
    if key is None or settings.cache_dir is None:
        return None
    cached = ResultCache(settings.cache_dir).get(key)
    return cached if cached is not None and _accounts_for(unit, cached) else None


def _cache_key(unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str) -> str | None:
    """The unit's cache key; None without a cache, or when a file cannot be read (checking
    the unit reports that)."""
    if settings.cache_dir is None:
        return None
    try:
        # Bounded like every read of a template: a link to /dev/zero or a pipe must not be
        # read whole (or waited on) just to compute a cache key.
        content = b"\x00".join(read_bounded(c.path, MAX_TEMPLATE_BYTES) for c in unit)
    except FileReadError:
        return None
    identity = "\x00".join(
        candidate.display + "\x00" + (repr(candidate.stack) if candidate.stack else "")
        for candidate in unit
    )
    if settings.change_base is not None:
        identity += "\x00" + settings.change_base.identity
    return cache_key(content, identity, fingerprint)


def _accounts_for(unit: Sequence[Candidate], report: Report) -> bool:
    """Whether a cached report says what became of every file of the unit, as every report
    iacguard writes does: an entry that leaves one out would make it pass unchecked."""
    told = {*report.files_checked, *report.files_skipped, *(p.file for p in report.problems)}
    return all(candidate.display in told for candidate in unit)


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
    """Check every candidate, in worker processes when worthwhile; results keep input order.
    Units answered by the cache are taken first, so only the others cost an engine's start."""
    fingerprint = settings_fingerprint(settings) if settings.cache_dir is not None else ""
    units = work_units(found)
    results: list[Report | None] = [None] * len(units)
    if settings.cache_dir is not None:
        results = [_guarded_lookup(unit, settings, fingerprint) for unit in units]
    todo = [index for index, result in enumerate(results) if result is None]
    answered = len(units) - len(todo)
    if progress is not None and answered:
        progress(answered, len(units))
    shifted = _shifted(progress, answered, len(units))
    pending = [units[index] for index in todo]
    if settings.jobs <= 1 or len(pending) < _PARALLEL_THRESHOLD:
        outcomes: Iterable[Report] = (
            check_guarded(unit, settings, fingerprint) for unit in pending
        )
        checked = _tracked(outcomes, len(pending), shifted)
    else:
        checked = _check_in_workers(pending, settings, fingerprint, shifted)
    for index, report in zip(todo, checked, strict=True):
        results[index] = report
    if settings.cache_dir is not None:
        ResultCache(settings.cache_dir).prune()
    return [
        report if report is not None else unit_failed(unit, "internal error: never checked")
        for unit, report in zip(units, results, strict=True)
    ]


def _guarded_lookup(unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str
                    ) -> Report | None:
    try:
        return cached_result(unit, settings, fingerprint)
    except Exception:  # the check of the unit reports whatever is wrong with it
        LOG.debug("cache lookup for %s failed", unit[0].display, exc_info=True)
        return None


def _shifted(progress: Progress | None, done_before: int, total: int) -> Progress | None:
    """``progress`` for the units still to check, counted after those already answered."""
    if progress is None or not done_before:
        return progress
    return lambda done, _: progress(done_before + done, total)


def _check_as_json(
    unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str
) -> str:
    """Results cross the process boundary as JSON, so only plain data ever travels."""
    return json.dumps(report_to_data(check_storing(unit, settings, fingerprint)))


def check_guarded(unit: Sequence[Candidate], settings: CheckSettings, fingerprint: str) -> Report:
    """``check_storing``, where anything going wrong is a problem of this unit's files: one bad
    file never ends the run."""
    try:
        return check_storing(unit, settings, fingerprint)
    except Exception as error:
        LOG.debug("checking %s failed", unit[0].display, exc_info=True)
        return unit_failed(unit, f"internal error: {type(error).__name__}: {error}")


def unit_failed(unit: Sequence[Candidate], reason: str) -> Report:
    """A unit that could not be checked: one problem line per file (and exit 2)."""
    message = f"could not be checked: {' '.join(reason.split())} (rerun with --jobs 1 --debug)"
    return Report(problems=[FileProblem(candidate.display, message) for candidate in unit])


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
    from iacguard.run.workers import UnitFailure, WorkersUnavailable, check_in_workers

    for engine in settings.engines():
        # Load cfn-lint and checkov once here so forked workers inherit them.
        engine.prepare(settings.engine_run)
    task = functools.partial(_check_as_json, settings=settings, fingerprint=fingerprint)
    try:
        outcomes = check_in_workers(found, task, settings.jobs, progress)
    except WorkersUnavailable:
        LOG.debug("no worker processes; checking in this process", exc_info=True)
        return _tracked(
            (check_guarded(unit, settings, fingerprint) for unit in found), len(found), progress
        )
    return [
        unit_failed(unit, outcome.reason) if isinstance(outcome, UnitFailure)
        else _report_from_worker(unit, outcome)
        for unit, outcome in zip(found, outcomes, strict=True)
    ]


def _report_from_worker(unit: Sequence[Candidate], text: str) -> Report:
    try:
        return report_from_data(json.loads(text))
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        return unit_failed(unit, f"internal error: unreadable result ({error})")
