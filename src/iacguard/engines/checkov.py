"""checkov as a second engine: its CloudFormation checks, run in-process, merged into our report.

This is the only module that imports ``checkov``, and it does so inside functions: a run that
does not choose the engine never pays checkov's import (about 2 s, see docs/checkov.md).

Four things make checkov fit a linter that runs offline in pipelines:

* **Quiet.** Importing checkov reconfigures the root logger (a stderr handler with its own
  format, level DEBUG, and an in-memory handler that keeps every record). We put the logging
  configuration back as it was, and switch logging off while checkov runs unless --debug
  asked for it.
* **Offline.** Only checkov's CloudFormation runner is used, never its command line, which is
  what contacts the vendor platform (guidelines, custom policies, run configuration). The
  platform client is also told to skip downloads, as checkov's ``--skip-download`` would.
* **Contained.** checkov runs once per template, in this process (its parser would fork a
  worker per call otherwise). A template that makes checkov raise, such as one whose resource
  ``Type`` is a mapping, costs only checkov's findings for that template, with a notice.
* **Merged.** Where one of our rules names the checkov check in ``references.checkov`` and both
  judge the same resource, one finding is reported: ours when both fail (noting that checkov
  agrees), none when our rule passes (with a notice saying why our verdict wins). See
  :mod:`iacguard.engines.checkov_merge`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard.engines import (
    CHECKOV,
    Engine,
    EngineResult,
    EngineRun,
    package_version,
    rule_name_from_title,
)
from iacguard.engines.checkov_merge import RULE_ID_PREFIX, SOURCE, merge_findings
from iacguard.errors import IacguardError
from iacguard.findings import Finding, Severity
from iacguard.load.parse import span_of
from iacguard.model.template import Template

LOG = logging.getLogger(__name__)

#: checkov is installed by its own name next to iacguard (whatever source iacguard came from).
INSTALL_HINT = "pip install 'checkov>=3.2,<4'"
#: checkov's open-source checks carry no severity unless the vendor platform supplies one, which
#: this engine never asks for; a warning makes them visible without failing the default run.
DEFAULT_SEVERITY = Severity.WARNING
_SEVERITIES: Mapping[str, Severity] = {
    "CRITICAL": Severity.ERROR,
    "HIGH": Severity.ERROR,
    "MEDIUM": Severity.WARNING,
    "LOW": Severity.NOTE,
    "INFO": Severity.NOTE,
}
#: File endings checkov's CloudFormation parser accepts; other files are scanned as a copy.
_CHECKOV_ENDINGS = (".yaml", ".yml", ".json", ".template")
#: Loggers checkov's import reconfigures besides the root logger.
_TOUCHED_LOGGERS = ("urllib3", "urllib3.connectionpool")
#: Selectors that can only mean another engine's rules, so checkov has nothing to offer them.
_OTHER_ENGINE_SELECTOR_PREFIXES = ("IG", "cfn-lint")


class CheckovUnavailable(IacguardError):
    """The checkov engine was chosen but checkov cannot be imported (exit 2)."""


@dataclass(frozen=True)
class CheckovFailure:
    """What iacguard keeps of one failed checkov check (checkov's objects stay in this module)."""

    check_id: str
    check_name: str
    #: checkov's resource id: ``AWS::ECR::Repository.Repo``.
    resource: str
    start_line: int
    end_line: int
    guideline: str = ""
    severity: str = ""


@dataclass(frozen=True)
class CheckovSkip:
    """A check that checkov's own annotation (``checkov:skip=``) turned off on a resource."""

    check_id: str
    resource: str
    comment: str


@dataclass(frozen=True)
class CheckovScan:
    failures: tuple[CheckovFailure, ...]
    skips: tuple[CheckovSkip, ...] = ()


# --------------------------------------------------------------------------- availability


def checkov_installed() -> bool:
    """Whether checkov can be imported; finding its package does not import it."""
    return importlib.util.find_spec("checkov") is not None


def require_checkov() -> None:
    if not checkov_installed():
        raise CheckovUnavailable(
            f"the checkov engine needs checkov, which is not installed: {INSTALL_HINT}"
        )


def checkov_selected(select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether --select/--ignore can leave any checkov finding, so checkov is worth running."""
    if any(s.rstrip("/") == SOURCE for s in ignore):
        return False
    return not select or any(
        not s.startswith(_OTHER_ENGINE_SELECTOR_PREFIXES) for s in select
    )


def finding_selected(finding: Finding, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Selectors as for our rules: an id or id prefix (``checkov/CKV_AWS_163``, ``checkov``, or
    the bare ``CKV_AWS_163`` that checkov users know), or a rule name."""
    bare = finding.rule_id.removeprefix(RULE_ID_PREFIX)

    def matches(selector: str) -> bool:
        return (
            finding.rule_id.startswith(selector)
            or bare.startswith(selector)
            or finding.rule_name == selector
        )

    if select and not any(matches(s) for s in select):
        return False
    return not any(matches(s) for s in ignore)


# --------------------------------------------------------------------------- the engine


class CheckovEngine(Engine):
    """checkov's CloudFormation checks over each template of the unit, merged with ours."""

    name = CHECKOV

    def require(self, run: EngineRun) -> None:
        require_checkov()

    def prepare(self, run: EngineRun) -> None:
        if checkov_selected(run.settings.select, run.settings.ignore):
            prepare_checkov()  # about 2 s to import

    def version(self) -> str:
        return package_version("checkov")

    def check(self, unit: Sequence[Template], run: EngineRun) -> EngineResult:
        result = EngineResult()
        for template in unit:
            result.extend(checkov_findings(template, run.settings.select, run.settings.ignore))
        return result

    def combine(self, so_far: EngineResult, own: EngineResult, run: EngineRun) -> EngineResult:
        """One finding per control and resource: see :func:`merge_findings`."""
        merged = merge_findings(so_far.findings, own.findings, so_far.evaluations, run.rules)
        return EngineResult(merged.findings, list(so_far.evaluations),
                            [*so_far.notices, *merged.notices, *own.notices])


def checkov_findings(
    template: Template, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> EngineResult:
    """checkov's findings for one template that --select/--ignore leave, and notices about
    what checkov could not check or skipped on its own say-so."""
    if not checkov_selected(select, ignore):
        return EngineResult()
    try:
        scan = scan_template(template)
    except CheckovUnavailable:
        raise
    except Exception as error:  # checkov failing on one template must not end the run
        LOG.debug("checkov failed on %s", template.display_path, exc_info=True)
        return EngineResult(notices=[failure_notice(template, error)])
    theirs = [failure_to_finding(failure, template) for failure in scan.failures]
    result = EngineResult([f for f in theirs if finding_selected(f, select, ignore)])
    if scan.skips:
        result.notices.append(skips_notice(template, scan.skips))
    return result


def failure_notice(template: Template, error: BaseException) -> str:
    detail = str(error).strip() or "no message"
    return (
        f"checkov could not check {template.display_path} ({type(error).__name__}: {detail}); "
        "checkov's findings for this file are missing, iacguard's are complete "
        "(rerun with --debug for checkov's traceback)"
    )


def skips_notice(template: Template, skips: Sequence[CheckovSkip]) -> str:
    listed = ", ".join(
        f"{skip.check_id} on {_logical_id(skip.resource)}" for skip in skips
    )
    return (
        f"{template.display_path}: checkov's own skip annotations turned off {listed}; "
        "iacguard cannot require a reason or an expiry for those (see docs/checkov.md)"
    )


# --------------------------------------------------------------------------- running checkov


def prepare_checkov() -> None:
    """Import checkov now, before worker processes fork, so each inherits it (about 2 s)."""
    _checkov_api()


def scan_template(template: Template) -> CheckovScan:
    """checkov's CloudFormation checks over one template, in this process, offline and quiet."""
    api = _checkov_api()
    debug = LOG.isEnabledFor(logging.DEBUG)
    with _checkov_input(template) as path, _logging_preserved(), _quiet(debug), _sequential(api):
        filter_ = api.RunnerFilter(framework=["cloudformation"], show_progress_bar=False)
        # A new runner each time: a runner keeps the files it parsed and would not parse again.
        outcome = api.Runner().run(root_folder=None, files=[str(path)], runner_filter=filter_)
    report = outcome[0] if isinstance(outcome, list) else outcome
    if report.parsing_errors:
        raise ValueError("its CloudFormation parser rejected the file")
    return CheckovScan(
        failures=tuple(_failure(record) for record in report.failed_checks),
        skips=tuple(_skip(record) for record in report.skipped_checks),
    )


@dataclass(frozen=True)
class _CheckovApi:
    Runner: Any
    RunnerFilter: Any
    parallel_runner: Any
    sequential: Any


@functools.lru_cache(maxsize=1)
def _checkov_api() -> _CheckovApi:
    """Import checkov once per process, leaving the host's logging configuration as it was."""
    with _logging_preserved():
        try:
            from checkov.cloudformation.runner import Runner
            from checkov.common.bridgecrew.platform_integration import bc_integration
            from checkov.common.models.enums import ParallelizationType
            from checkov.common.parallelizer.parallel_runner import parallel_runner
            from checkov.runner_filter import RunnerFilter
        except ImportError as error:
            raise CheckovUnavailable(
                f"the checkov engine cannot import checkov ({error}): {INSTALL_HINT}"
            ) from None
    # Belt and braces: the runner never asks the platform for anything; should a later checkov
    # start fetching guidelines or policies from it, this keeps those downloads off.
    bc_integration.skip_download = True
    return _CheckovApi(Runner, RunnerFilter, parallel_runner, ParallelizationType.NONE)


@contextlib.contextmanager
def _logging_preserved() -> Iterator[None]:
    """Undo checkov's logging set-up: its import configures the root logger, and its calls of
    ``logging.info()`` and friends add a stderr handler to a root logger that has none."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    filters = list(root.filters)
    handler_state = [(handler, handler.level, handler.formatter) for handler in handlers]
    root_level = root.level
    others = {
        name: (logging.getLogger(name).level, logging.getLogger(name).propagate)
        for name in _TOUCHED_LOGGERS
    }
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.filters[:] = filters
        # setLevel empties every logger's level cache (milliseconds with checkov's hundreds
        # of loggers), so only where checkov changed something.
        if root.level != root_level:
            root.setLevel(root_level)
        for handler, level, formatter in handler_state:
            handler.setLevel(level)
            handler.setFormatter(formatter)
        for name, (level, propagate) in others.items():
            logger = logging.getLogger(name)
            if logger.level != level:
                logger.setLevel(level)
            logger.propagate = propagate


@contextlib.contextmanager
def _quiet(debug: bool) -> Iterator[None]:
    """checkov logs warnings (with tracebacks) on the root logger for templates it dislikes;
    iacguard reports those as notices instead, so the log stays off unless --debug."""
    if debug:
        yield
        return
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def _sequential(api: _CheckovApi) -> Iterator[None]:
    """checkov's parser forks a worker even for one file; parse in this process instead, which
    is faster for one template and lets its exceptions reach us."""
    runner = api.parallel_runner
    previous = runner.type
    runner.type = api.sequential
    try:
        yield
    finally:
        runner.type = previous


@contextlib.contextmanager
def _checkov_input(template: Template) -> Iterator[Path]:
    """The template's own file, or a copy of its text where checkov would not read the file
    (an ending its parser skips, or no file behind the template)."""
    path = template.document.path
    if path.is_file() and path.suffix.lower() in _CHECKOV_ENDINGS:
        yield path
        return
    suffix = ".json" if template.document.is_json else ".yaml"
    with tempfile.TemporaryDirectory(prefix="iacguard-checkov-") as folder:
        copy = Path(folder) / f"{path.stem or 'template'}{suffix}"
        copy.write_text(template.document.text, encoding="utf-8")
        yield copy


def _failure(record: Any) -> CheckovFailure:
    start, end = [*(record.file_line_range or ()), 0, 0][:2]
    return CheckovFailure(
        check_id=str(record.check_id),
        check_name=str(record.check_name or record.check_id),
        resource=str(record.resource or ""),
        start_line=int(start or 0),
        end_line=int(end or start or 0),
        guideline=str(record.guideline or ""),
        severity=str(getattr(record.severity, "name", "") or ""),
    )


def _skip(record: Any) -> CheckovSkip:
    result = record.check_result if isinstance(record.check_result, dict) else {}
    return CheckovSkip(
        check_id=str(record.check_id),
        resource=str(record.resource or ""),
        comment=str(result.get("suppress_comment") or ""),
    )


# --------------------------------------------------------------------------- mapping


def failure_to_finding(failure: CheckovFailure, template: Template) -> Finding:
    resource_type, logical_id = _split_resource(failure.resource)
    resource = template.resources.get(logical_id)
    lines = template.document.lines
    start_line = _clamp(failure.start_line, len(lines))
    end_line = max(start_line, _clamp(failure.end_line, len(lines)))
    return Finding(
        rule_id=RULE_ID_PREFIX + failure.check_id,
        rule_name=rule_name_from_title(failure.check_name) or failure.check_id.lower(),
        severity=_SEVERITIES.get(failure.severity.upper(), DEFAULT_SEVERITY),
        message=f"checkov {failure.check_id} fails on {logical_id or 'the template'}: "
        f"{failure.check_name}",
        fix=_fix(failure),
        file=template.display_path,
        start_line=start_line,
        start_column=_start_column(template, logical_id, start_line),
        end_line=end_line,
        end_column=len(lines[end_line - 1]) + 1 if lines else 1,
        logical_id=logical_id,
        resource_type=resource.type if resource is not None else resource_type,
        construct_path=resource.cdk_path if resource is not None else "",
        stack=template.stack_name,
        source=SOURCE,
        help_uri=failure.guideline,
    )


def _split_resource(resource: str) -> tuple[str, str]:
    """``AWS::ECR::Repository.Repo`` -> (type, logical id). Logical ids are alphanumeric and
    types have no dots, so the last dot separates them."""
    resource_type, dot, logical_id = resource.rpartition(".")
    return (resource_type, logical_id) if dot else ("", resource)


def _clamp(line: int, line_count: int) -> int:
    return min(max(line, 1), max(line_count, 1))


def _start_column(template: Template, logical_id: str, line: int) -> int:
    """Where the logical id is written, when checkov's range starts at it (it always should)."""
    resource = template.resources.get(logical_id)
    if resource is not None:
        span = span_of(template.document.data, resource.path)
        if span.start_line == line:
            return span.start_column
    text = template.document.lines[line - 1] if template.document.lines else ""
    return len(text) - len(text.lstrip()) + 1


def _fix(failure: CheckovFailure) -> str:
    fix = f"Change the resource so that checkov's check holds: {failure.check_name}."
    return f"{fix} See {failure.guideline}" if failure.guideline else fix


def _logical_id(resource: str) -> str:
    return _split_resource(resource)[1]


ENGINE = CheckovEngine()
