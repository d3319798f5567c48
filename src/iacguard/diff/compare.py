"""Compare two versions of a set of templates and report what the change does to running stacks.

:func:`compare` is a pure function of the two sides: it reads no files, runs no git and needs
no AWS access. Stacks are matched by key (see :class:`~iacguard.diff.stacks.StackVersion`), then
resources within each stack (:mod:`iacguard.diff.matching`), and each replacement, move,
rename and removal is judged by what happens to the data (:mod:`iacguard.diff.judge`).

Findings carry the change-safety rules' metadata (``rules/change-safety/*.yaml``): the rule's
``message`` is filled with what the change does (``{change}``) and what CloudFormation will do
(``{consequence}``); the finding's fix is specific to the change (keep this logical id, keep
this property's value...), where the rule's ``fix`` field is the general advice its
documentation shows.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from iacguard.diff.events import Event, Site
from iacguard.diff.judge import PairJudge, Sides, removed_stack_event
from iacguard.diff.schema_facts import DEFAULT_REGION, schema_facts
from iacguard.diff.stacks import StackVersion
from iacguard.findings import Finding, Outcome, Severity
from iacguard.model.describe import describe_assumptions


class RuleMeta(Protocol):
    """The parts of a rule's metadata a finding needs (``RuleSpec`` has them)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def message(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def help_uri(self) -> str: ...


@dataclass(frozen=True)
class CompareOptions:
    #: Report what cannot be decided statically (as notes), as ``--show-unknown`` does.
    show_unknown: bool = False
    region: str = DEFAULT_REGION


@dataclass
class Comparison:
    findings: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def compare(
    base: Sequence[StackVersion],
    head: Sequence[StackVersion],
    rules: Mapping[str, RuleMeta],
    options: CompareOptions | None = None,
) -> Comparison:
    """Findings for every risky difference between BASE and HEAD (only for the given rules)."""
    settings = options or CompareOptions()
    facts = schema_facts(settings.region)
    result = Comparison()
    if not facts.available:
        result.notices.append(
            "cfn-lint's resource schemas were not found: replacements caused by create-only "
            "properties are not judged"
        )
    sides = Sides(facts, base, {s.parent: s for s in base if s.parent is not None})
    head_by_key = {stack.key: stack for stack in head}
    events: list[Event] = []
    for stack in base:
        counterpart = head_by_key.get(stack.key)
        if counterpart is not None:
            events.extend(PairJudge(stack, counterpart, sides).events())
        elif stack.parent is None:
            events.append(removed_stack_event(stack, head, sides))
    for event in events:
        rule = rules.get(event.rule_id)
        if rule is None or (event.unknown and not settings.show_unknown):
            continue
        result.findings.append(to_finding(event, rule))
    result.findings.sort(key=lambda f: f.sort_key)
    return result


class _Blanks(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(text: str, values: Mapping[str, Any]) -> str:
    try:
        return string.Formatter().vformat(text, (), _Blanks(values))
    except (ValueError, IndexError, AttributeError):
        return text


def _related(event: Event) -> tuple[dict[str, Any], ...]:
    related: list[dict[str, Any]] = []
    origin = event.origin
    if origin is not None:
        span = origin.stack.template.span(origin.path)
        related.append({"file": origin.stack.template.display_path, "line": span.start_line,
                        "column": span.start_column, "message": "where it is in BASE"})
    site = event.site
    frames = site.stack.template.source_frames.get(site.logical_id, ())
    if frames:
        frame = frames[0]
        related.append({"file": str(frame.file), "line": int(frame.line),
                        "column": int(frame.column), "message": "construct created here"})
    return tuple(related)


def _property_path(site: Site) -> str:
    inner = site.path[2:] if site.path[:1] == ("Resources",) else site.path
    return ".".join(str(part) for part in inner if isinstance(part, str))


def to_finding(event: Event, rule: RuleMeta) -> Finding:
    site = event.site
    template = site.stack.template
    span = template.span(site.path)
    values = {"logical_id": site.logical_id, "type": site.resource_type,
              "stack": site.stack.label, **event.words}
    message = _render(rule.message, values)
    if event.assumptions:
        message += f" (when {describe_assumptions(event.assumptions)})"
    severity, outcome = rule.severity, Outcome.FAIL
    if event.unknown:
        severity, outcome = Severity.NOTE, Outcome.UNKNOWN
        message = f"cannot tell statically ({event.unknown}): {message}"
    return Finding(
        rule_id=rule.id,
        rule_name=rule.name,
        severity=severity,
        message=message,
        fix=event.remedy or rule.fix,
        file=template.display_path,
        **span._asdict(),
        logical_id=site.logical_id,
        resource_type=site.resource_type,
        property_path=event.property_path or _property_path(site),
        construct_path=site.construct_path,
        stack=template.stack_name,
        outcome=outcome,
        help_uri=rule.help_uri,
        related=_related(event),
    )
