"""Template validation by cfn-lint, run in-process; its matches become ordinary iacguard findings.

This is the only module that imports ``cfnlint``, and it does so inside functions: a run with
``--no-validate`` never pays cfn-lint's import cost (about a second). cfn-lint decodes the
template again with its own decoder, because its rules locate problems through line marks
attached to every decoded node, while our loader keeps spans beside plain data: handed our
data, cfn-lint places every match at 1:1. Decoding costs 0.5-5 ms per template against
50-200 ms of cfn-lint rules, so rebuilding cfn-lint's node types ourselves would gain nothing.
It decodes from the file (as its command line does) so that rules reading files relative to
the template, such as E3043 for nested stacks, see the same thing.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacguard.engines import (
    CFN_LINT,
    Engine,
    EngineResult,
    EngineRun,
    package_version,
    rule_name_from_title,
)
from iacguard.errors import IacguardError
from iacguard.findings import Finding, Severity

if TYPE_CHECKING:
    from iacguard.discover.boundary import Boundary
    from iacguard.model.template import Template

LOG = logging.getLogger(__name__)

SOURCE = CFN_LINT
RULE_ID_PREFIX = "cfn-lint/"
DEFAULT_REGIONS: tuple[str, ...] = ("us-east-1",)
#: Seconds cfn-lint may spend on one template (--validate-timeout; 0 = no limit).
DEFAULT_VALIDATE_TIMEOUT = 60.0

_SEVERITIES = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "informational": Severity.NOTE,
}
_SEVERITY_BY_LETTER = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.NOTE}


class CfnLintEngine(Engine):
    """Validation: cfn-lint's rules over each template of the unit."""

    name = CFN_LINT

    def require(self, run: EngineRun) -> None:
        settings = run.settings
        # Checking a region list imports cfn-lint (a second): only when regions were chosen.
        if tuple(settings.regions) != DEFAULT_REGIONS and validation_selected(
            settings.select, settings.ignore
        ):
            check_regions(settings.regions)

    def prepare(self, run: EngineRun) -> None:
        if validation_selected(run.settings.select, run.settings.ignore):
            prepare_validation()

    def version(self) -> str:
        return package_version("cfn-lint")

    def check(self, unit: Sequence[Template], run: EngineRun) -> EngineResult:
        from iacguard.engines.codes import VALIDATION_TIMED_OUT

        settings = run.settings
        result = EngineResult()
        for template in unit:
            withheld = _withheld_nested_templates(template, run.boundary)
            findings = validate_template(
                template, settings.regions, settings.select, settings.ignore,
                open_nested=not withheld, timeout=settings.validate_timeout,
            )
            result.findings.extend(findings)
            result.notices.extend(
                f"{template.display_path}: cfn-lint validated it without opening the nested "
                f"template {location!r}: that path leads outside the checked paths and the "
                "repository, or is not a regular file of at most 5 MiB"
                for location in withheld
            )
            if any(finding.rule_id == VALIDATION_TIMED_OUT.id for finding in findings):
                result.notices.append(
                    f"{template.display_path}: not validated: cfn-lint was stopped after "
                    f"{settings.validate_timeout:g} s (--validate-timeout); iacguard's rules "
                    "checked it"
                )
        return result


def _withheld_nested_templates(template: Template, boundary: Boundary | None) -> list[str]:
    """Local nested templates cfn-lint must not open (:mod:`iacguard.engines.nested_templates`)."""
    from iacguard.discover.boundary import Boundary, repository_root
    from iacguard.engines.nested_templates import withheld_locations

    path = template.document.path
    if boundary is None:
        boundary = Boundary((repository_root(path.absolute().parent),))
    return withheld_locations(path, template.document.data, boundary)


def check_regions(regions: Sequence[str]) -> None:
    """Refuse regions cfn-lint does not know before any template runs (a usage error, exit 2)."""
    from cfnlint.helpers import REGIONS

    unknown = sorted(set(regions) - set(REGIONS))
    if unknown:
        raise IacguardError(
            f"unknown AWS region(s) for --region: {', '.join(unknown)}; "
            f"known regions are {', '.join(sorted(REGIONS))}"
        )


def prepare_validation() -> None:
    """Import cfn-lint and build its rules now (before worker processes fork)."""
    _rule_collection()


def validate_template(
    template: Template,
    regions: Sequence[str] = DEFAULT_REGIONS,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    open_nested: bool = True,
    timeout: float = 0.0,
) -> list[Finding]:
    """cfn-lint's findings for one template; a cfn-lint crash becomes one IG0006 finding, and
    validation stopped after ``timeout`` seconds (0: never) one IG0008 finding.
    ``open_nested=False``: cfn-lint opens no nested template the template names."""
    if not validation_selected(select, ignore):
        return []
    try:
        prepare_validation()  # outside the budget: cfn-lint's start costs the same for all
        with time_budget(timeout):
            matches = lint_template(template, tuple(regions), open_nested)
    except ValidationTimedOut:
        # The rules were stopped mid-run and may hold that run's state: start afresh.
        _rule_collection.cache_clear()
        stopped = timed_out_finding(template, timeout)
        return [stopped] if finding_selected(stopped, (), ignore) else []
    except Exception as error:  # cfn-lint failing on one template must not end the run
        LOG.debug("cfn-lint crashed on %s", template.display_path, exc_info=True)
        crash = crash_finding(template, error)
        # --select narrows what is reported, yet "this file was not validated" must still show.
        return [crash] if finding_selected(crash, (), ignore) else []
    findings = [
        match_to_finding(match, template) for match in matches if not _known_false_positive(match)
    ]
    return [f for f in findings if finding_selected(f, select, ignore)]


class ValidationTimedOut(BaseException):
    """Raised by the timer into the validating thread. A BaseException, so that cfn-lint's own
    ``except Exception`` (which turns a failing rule into a match) does not swallow it."""


def _expired(signum: int, frame: object) -> None:
    raise ValidationTimedOut


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`ValidationTimedOut` in this thread after ``seconds`` (0: no budget).

    A real-time timer and SIGALRM, not a child process: cfn-lint is pure Python, so the signal
    handler runs between two bytecodes of the validating thread and the exception unwinds
    cfn-lint like any other; setting a timer costs microseconds, where a process per template
    costs milliseconds. Only the main thread receives signals, and every check runs there (in
    this process or in a worker process); anywhere else the template is validated unbounded.
    """
    if seconds <= 0 or not hasattr(signal, "setitimer") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _known_false_positive(match: Any) -> bool:
    """cfn-lint 1.x does not know ``Fn::GetStackOutput``, the intrinsic CDK 2.27x emits for
    weak cross-stack references, and reports every use as a type error (E1022 and friends)."""
    return "'Fn::GetStackOutput'" in str(match.message) and str(match.rule.id).startswith("E10")


def lint_template(
    template: Template, regions: tuple[str, ...], open_nested: bool = True
) -> list[Any]:
    """Run cfn-lint over one template the same way its command line runs over that file.
    With ``open_nested=False`` it is handed the decoded template without its file name, and so
    opens no nested template (``TemplateURL``) relative to it."""
    from cfnlint.decode import decode, decode_str
    from cfnlint.runner import run_template_by_data, run_template_by_file_path

    rules = _rule_collection()
    _refuse_schema_download()
    config = _config(regions)
    path = template.document.path
    if path.is_file() and not open_nested:
        data, parse_errors = decode(str(path))
        return list(parse_errors) if parse_errors or data is None else list(
            run_template_by_data(data, config, rules)
        )
    if path.is_file():
        # Through the file, not the text: rules such as E3043 read nested templates relative
        # to it, and cfn-lint decodes exactly what its command line would.
        return list(run_template_by_file_path(str(path), config, rules, False))
    # A template with no file behind it: the same text, with the newlines text mode would give.
    text = template.document.text.replace("\r\n", "\n").replace("\r", "\n")
    data, parse_errors = decode_str(text)
    if parse_errors or data is None:
        # Our loader accepted this text, so these are real disagreements between the parsers
        # (for instance cfn-lint's own alias limit), never a repeat of a load error.
        return list(parse_errors)
    return list(run_template_by_data(data, config, rules))


@functools.lru_cache(maxsize=4)
def _config(regions: tuple[str, ...]) -> Any:
    """cfn-lint's configuration for these regions, shared by the templates of the run as its
    own command line shares one between the files it is given: running a template replaces
    (not merges) the settings the template's Metadata/cfn-lint gives, first thing. Building one
    reads cfn-lint's configuration files and parses its arguments (5 ms, per template before)."""
    from cfnlint.config import ConfigMixIn

    return ConfigMixIn(regions=list(regions))


@functools.lru_cache(maxsize=1)
def _rule_collection() -> Any:
    """cfn-lint's rules, loaded once per process: importing ~300 rule modules takes ~0.5 s."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.rules import Rules

    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # cfn-lint logs some problems (a nested template it cannot open) besides reporting them
        # as matches; the matches are what we report, so its log lines are only noise.
        logging.getLogger("cfnlint").setLevel(logging.CRITICAL)
    config = ConfigMixIn()
    rules = Rules()
    for location in config.append_rules:
        if Path(location).expanduser().is_dir():
            rules.update(Rules.create_from_directory(location))
        else:
            rules.update(Rules.create_from_module(location))
    rules.update(Rules.create_from_custom_rules_file(config.custom_rules))
    # cfn-lint's modules, schemas and rules live as long as the process: leave them out of the
    # collector's passes (about a tenth of validation's time went to collections walking
    # them), and out of the pages worker processes would copy by touching reference counts.
    gc.freeze()
    return rules


def _refuse_schema_download() -> None:
    """cfn-lint fetches resource schemas from GitHub when it finds none on disk; never let it."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    providers = getattr(PROVIDER_SCHEMA_MANAGER, "_providers_dir", None)
    if isinstance(providers, Path) and not (providers / "us-east-1.json").is_file():
        raise RuntimeError(
            f"cfn-lint's resource schemas are missing from {providers}; iacguard does not "
            "download them (reinstall cfn-lint, or run 'cfn-lint --update-specs' yourself)"
        )


def validation_selected(select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Whether --select/--ignore can leave any cfn-lint finding, so cfn-lint is worth running."""
    if any(s in (SOURCE, RULE_ID_PREFIX) for s in ignore):
        return False
    return not select or any(_may_select_cfn_lint(s) for s in select)


def _may_select_cfn_lint(selector: str) -> bool:
    # Our ids all start with "IG"; any other selector may be a cfn-lint id prefix or rule name.
    return not selector.upper().startswith("IG")


def finding_selected(finding: Finding, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """The same selector rules as ours: a full id, an id prefix, or a rule name."""

    def matches(selector: str) -> bool:
        return finding.rule_id.startswith(selector) or finding.rule_name == selector

    if select and not any(matches(s) for s in select):
        return False
    return not any(matches(s) for s in ignore)


def match_to_finding(match: Any, template: Template) -> Finding:
    rule = match.rule
    path = tuple(getattr(match, "path", None) or ())
    logical_id, property_path = _split_path(path)
    resource = template.resources.get(logical_id) if logical_id else None
    return Finding(
        rule_id=RULE_ID_PREFIX + str(rule.id),
        rule_name=rule_name_from_title(str(rule.shortdesc)) or str(rule.id).lower(),
        severity=_severity(rule),
        message=str(match.message),
        fix="",  # a rule description says what is checked, not what to change
        file=template.display_path,
        start_line=int(match.linenumber),
        start_column=int(match.columnnumber),
        end_line=int(match.linenumberend),
        end_column=int(match.columnnumberend),
        logical_id=logical_id,
        resource_type=resource.type if resource is not None else "",
        property_path=property_path,
        construct_path=resource.cdk_path if resource is not None else "",
        stack=template.stack_name,
        source=SOURCE,
        help_uri=str(getattr(rule, "source_url", "") or ""),
    )


def _split_path(path: Sequence[Any]) -> tuple[str, str]:
    """(logical id, dotted path inside the resource) for a cfn-lint match path.

    List indexes are left out, as in our own findings, so a finding keeps its fingerprint
    when items are reordered.
    """
    if len(path) >= 2 and path[0] == "Resources" and isinstance(path[1], str):
        return path[1], _dotted(path[2:])
    return "", _dotted(path)


def _dotted(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts if not isinstance(p, int))


def _severity(rule: Any) -> Severity:
    named = _SEVERITIES.get(str(getattr(rule, "severity", "")).lower())
    if named is not None:
        return named
    return _SEVERITY_BY_LETTER.get(str(rule.id)[:1].upper(), Severity.ERROR)


def crash_finding(template: Template, error: BaseException) -> Finding:
    # Imported here: the settings read DEFAULT_REGIONS from this module at start-up.
    from iacguard.engines.codes import VALIDATION_CRASHED, code_finding

    message = (
        f"cfn-lint crashed while validating this template ({type(error).__name__}: "
        f"{error}); it was not validated"
    )
    return code_finding(VALIDATION_CRASHED, message, template.display_path,
                        stack=template.stack_name, source=SOURCE)


def timed_out_finding(template: Template, seconds: float) -> Finding:
    from iacguard.engines.codes import VALIDATION_TIMED_OUT, code_finding

    message = (
        f"cfn-lint did not finish validating this template within {seconds:g} s "
        "(--validate-timeout) and was stopped; the template was not validated"
    )
    return code_finding(VALIDATION_TIMED_OUT, message, template.display_path,
                        stack=template.stack_name, source=SOURCE)

ENGINE = CfnLintEngine()
