"""Suppressions with accountability, applied in one place after every finding is known.

Four sources say "this finding is accepted":

1. ``Metadata: {iacguard: {suppress: [{id, reason, expires?}]}}`` on a resource (covers that
   resource) or at the template's top level (covers the whole file). This is the form that
   survives CDK synthesis (``cfnOptions.metadata`` / ``addMetadata``).
2. ``# iacguard: ignore[ID,ID] reason`` comments in YAML templates, at the end of the finding's
   line or on their own line just above it.
3. ``suppressions`` entries of the configuration file (rule id, path glob, reason).
4. A baseline file (see :mod:`iacguard.suppress.baseline`).

Every suppression needs a reason; without one it suppresses nothing and is itself a finding.
A suppression may expire; afterwards it stops working and says so. A suppression that matches
nothing is reported, so stale ones get cleaned up. Suppressed findings stay in the report.

The IG000x findings raised here are about suppressions, not about templates: they are never
suppressed themselves (``ignore`` them to turn them off) and never go into a baseline.
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Finding, Outcome, Report, Severity, Suppression
from iacguard.load.parse import MappingNode, Span, span_of
from iacguard.model.template import Template
from iacguard.model.values import ABSENT, node_at
from iacguard.settings.config import ConfigSuppression, path_matches
from iacguard.suppress.baseline import Baseline, apply_baseline

WITHOUT_REASON_ID = "IG0003"
EXPIRED_ID = "IG0004"
UNUSED_ID = "IG0005"
INVALID_ID = "IG0007"  # IG0006 is cfn-lint crashing (validate/cfnlint_bridge.py)
SUPPRESSION_DOCS_URL = "https://github.com/iacguard/iacguard/blob/main/docs/suppressions.md"

_ENTRY_KEYS = ("id", "reason", "expires")
_METADATA_KEYS = ("suppress",)
_INLINE_MARK = re.compile(r"(?:^|(?<=\s))#[ \t]*iacguard[ \t]*:")
_INLINE_DIRECTIVE = re.compile(
    r"#[ \t]*iacguard[ \t]*:[ \t]*ignore[ \t]*\[(?P<ids>[^\]]*)\](?P<rest>.*)$"
)
_INLINE_EXPIRES = re.compile(r"(?:^|\s)expires=(?P<date>\S+)")
_RULE_ID_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_/-]*$")
#: Rule ids of the other engines (cfn-lint, checkov), with or without the source prefix their
#: findings carry: iacguard cannot tell whether such a rule ran, so it never calls a suppression
#: of one unknown or unused.
_CFN_LINT_ID = re.compile(r"^(?:(cfn-lint/)?[EWI][0-9]{4}|(checkov/)?CKV2?_[A-Z0-9_]+)$")
_SOURCE_SEPARATOR = "/"
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _meta_rule(rule_id: str, name: str, title: str, severity: Severity, why: str, fix: str,
               failing: str, passing: str) -> RuleSpec:
    return RuleSpec(
        id=rule_id,
        name=name,
        title=title,
        severity=severity,
        resource_types=(),
        message=title,
        fix=fix,
        docs={"why": why, "failing-example": failing, "passing-example": passing},
        references={"urls": (SUPPRESSION_DOCS_URL,)},
        tags=("suppressions",),
        status="stable",
        since="0.1.0",
        source_file="iacguard.suppress.directives",
    )


#: Rules about suppressions. They are not resource rules, so they live in code rather than in
#: ``rules/``; ``iacguard rules`` and ``iacguard explain`` list them next to the others.
META_RULES: tuple[RuleSpec, ...] = (
    _meta_rule(
        WITHOUT_REASON_ID,
        "suppression-without-reason",
        "Suppressions say why the finding is acceptable",
        Severity.ERROR,
        "A suppression without a reason cannot be reviewed: nobody can tell later whether the\n"
        "risk was understood and accepted, or just silenced. iacguard ignores such a suppression\n"
        "(the finding stays active) and reports it.",
        "Add a reason that a reviewer can check, for example who accepted the risk and why.",
        "Metadata:\n  iacguard:\n    suppress:\n      - id: IGE001\n",
        "Metadata:\n  iacguard:\n    suppress:\n      - id: IGE001\n"
        "        reason: Images come from a scanned upstream registry (SEC-123)\n",
    ),
    _meta_rule(
        EXPIRED_ID,
        "suppression-expired",
        "Suppressions are used only until they expire",
        Severity.WARNING,
        "An expiry date turns a suppression into a time-boxed exception. After the date the\n"
        "suppression stops working, the finding is reported again, and this finding points at\n"
        "the suppression so it is either renewed on purpose or removed.",
        "Fix the finding and remove the suppression, or renew it with a new expiry date and a\n"
        "reason that still holds.",
        "# iacguard: ignore[IGL001] retention decided by the data team expires=2020-01-31\n",
        "# iacguard: ignore[IGL001] retention decided by the data team expires=2099-01-31\n",
    ),
    _meta_rule(
        UNUSED_ID,
        "unused-suppression",
        "Suppressions match a finding",
        Severity.WARNING,
        "A suppression that matches nothing is noise at best; at worst it names the wrong rule\n"
        "or resource, so the finding it was meant for is still reported, or it will silently\n"
        "hide a new finding later. Only rules that ran are judged, so --select does not make\n"
        "suppressions of other rules look unused.",
        "Remove the suppression, or correct its rule id, path or position.",
        "Repo:\n  Type: AWS::ECR::Repository\n  Metadata:\n    iacguard:\n      suppress:\n"
        "        - {id: IGE001, reason: scanned elsewhere}\n  Properties:\n"
        "    ImageScanningConfiguration: {ScanOnPush: true}\n",
        "Repo:\n  Type: AWS::ECR::Repository\n  Properties:\n"
        "    ImageScanningConfiguration: {ScanOnPush: true}\n",
    ),
    _meta_rule(
        INVALID_ID,
        "invalid-suppression",
        "Suppressions are well-formed",
        Severity.ERROR,
        "A suppression with a misspelt key or comment, a missing rule id or an impossible date\n"
        "does not do what its author thinks. It is reported instead of being guessed at.",
        "Write the suppression in one of the documented forms (see docs/suppressions.md).",
        "# iacguard: ignroe[IGE001] scanned elsewhere\n",
        "# iacguard: ignore[IGE001] scanned elsewhere\n",
    ),
)
META_RULE_IDS = frozenset(spec.id for spec in META_RULES)


def meta_rules(
    severity: Mapping[str, Severity] | None = None, ignore: Sequence[str] = ()
) -> dict[str, RuleSpec]:
    """The suppression rules in effect: ``ignore`` turns them off and ``severity`` re-levels
    them. ``select`` does not apply: narrowing the rules must not hide broken suppressions."""
    chosen: dict[str, RuleSpec] = {}
    for spec in META_RULES:
        if any(spec.matches_selector(selector) for selector in ignore):
            continue
        level = (severity or {}).get(spec.id) or (severity or {}).get(spec.name)
        chosen[spec.id] = spec.with_severity(level) if level else spec
    return chosen


@dataclass(frozen=True)
class SuppressionPolicy:
    """Everything the suppression pass needs besides the findings."""

    #: Honour comments and Metadata written in templates.
    inline: bool = True
    #: How inline suppressions were turned off, for the notice ("--no-inline-suppressions").
    inline_disabled_by: str = ""
    config_entries: tuple[ConfigSuppression, ...] = ()
    baseline: Baseline | None = None
    today: datetime.date | None = None
    meta: Mapping[str, RuleSpec] = field(default_factory=meta_rules)
    #: Every loaded rule by id and by name -> its id (selected or not): for "unknown rule".
    known_rules: Mapping[str, str] = field(default_factory=dict)

    @property
    def date(self) -> datetime.date:
        return self.today or datetime.date.today()


@dataclass(frozen=True)
class Scope:
    """What a suppression covers. Unset fields do not restrict."""

    file: str | None = None
    file_glob: str | None = None
    logical_id: str | None = None
    logical_id_glob: str | None = None
    line: int | None = None
    #: A resource's line range, for findings (from other tools) that carry no logical id.
    lines: tuple[int, int] | None = None

    def covers(self, finding: Finding) -> bool:
        if self.file is not None and finding.file != self.file:
            return False
        if self.file_glob is not None and not path_matches(finding.file, self.file_glob):
            return False
        if self.logical_id_glob is not None and not fnmatch.fnmatchcase(
            finding.logical_id, self.logical_id_glob
        ):
            return False
        if self.line is not None and finding.start_line != self.line:
            return False
        if self.logical_id is not None:
            if finding.logical_id:
                return finding.logical_id == self.logical_id
            return self.lines is not None and (
                self.lines[0] <= finding.start_line <= self.lines[1]
            )
        return True


@dataclass(frozen=True)
class Directive:
    """One suppression as written: which rules, why, until when, and what it covers."""

    kind: str  # "metadata" | "inline" | "config"
    rule_ids: tuple[str, ...]
    reason: str
    expires: datetime.date | None
    scope: Scope
    file: str  # where the suppression is written
    span: Span
    logical_id: str = ""  # the resource whose Metadata holds it
    property_path: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.span.start_line}"

    def suppression(self) -> Suppression:
        return Suppression(self.kind, self.reason, self.location)


#: Whether "this suppression matched nothing" means something in this run.
Judge = Callable[[Directive, str], bool]


@dataclass(frozen=True)
class Malformed:
    """A suppression that cannot be read; reported as IG0007 where it is written."""

    message: str
    file: str
    span: Span
    logical_id: str = ""


# --------------------------------------------------------------------------- entry points


def suppress_template_findings(
    findings: Sequence[Finding],
    template: Template,
    policy: SuppressionPolicy,
    ran_rule_ids: Iterable[str],
) -> list[Finding]:
    """Apply the suppressions written in one template (Metadata and comments) to its findings."""
    if not policy.inline:
        return list(findings)
    directives, malformed = template_directives(template)
    judged = _judge_by_rule(policy, ran_rule_ids)
    result = apply_directives(findings, directives, policy, judged)
    for item in malformed:
        finding = _malformed_finding(item, policy)
        if finding is not None:
            result.append(finding)
    return result


def suppress_run(report: Report, policy: SuppressionPolicy, ran_rule_ids: Iterable[str]) -> None:
    """Apply the run-wide suppressions (configuration entries, then the baseline) in place."""
    ran = set(ran_rule_ids)
    if policy.config_entries:
        directives = [config_directive(entry) for entry in policy.config_entries]
        checked = list(report.files_checked)
        judge_rule = _judge_by_rule(policy, ran)

        def judged(directive: Directive, rule_id: str) -> bool:
            glob = directive.scope.file_glob or "*"
            return judge_rule(directive, rule_id) and any(
                path_matches(file, glob) for file in checked
            )

        report.findings[:] = apply_directives(report.findings, directives, policy, judged)
    if policy.baseline is not None:
        apply_baseline(report, policy.baseline, ran)
    if not policy.inline:
        how = policy.inline_disabled_by or "configuration"
        report.notices.append(
            f"suppressions written in templates (# iacguard: comments and Metadata) are "
            f"disabled by {how}: findings they cover are reported as active"
        )
    _declare_meta_rules(report, policy)
    report.sort()


# --------------------------------------------------------------------------- matching


def apply_directives(
    findings: Iterable[Finding],
    directives: Sequence[Directive],
    policy: SuppressionPolicy,
    judged: Judge,
) -> list[Finding]:
    """Suppress findings covered by valid directives; add findings about the directives.

    ``judged(directive, rule_id)`` says whether "matched nothing" means something in this run.
    """
    valid: list[Directive] = []
    meta: list[Finding | None] = []
    expired: list[Directive] = []
    for directive in directives:
        if not directive.reason:
            meta.append(_finding_about(directive, WITHOUT_REASON_ID, policy, _no_reason(directive)))
        elif directive.expires is not None and directive.expires < policy.date:
            expired.append(directive)
        else:
            valid.append(directive)
    used: set[tuple[int, str]] = set()
    still_matched: set[int] = set()
    result: list[Finding] = []
    for finding in findings:
        if finding.suppression is None and finding.rule_id not in META_RULE_IDS:
            finding = _first_match(finding, valid, used)
            still_matched.update(
                index for index, directive in enumerate(expired)
                if _matching_rule(directive, finding) and directive.scope.covers(finding)
            )
        result.append(finding)
    for index, directive in enumerate(expired):
        meta.append(_finding_about(directive, EXPIRED_ID, policy,
                                   _expired(directive, index in still_matched)))
    for index, directive in enumerate(valid):
        for rule_id in directive.rule_ids:
            if (index, rule_id) in used:
                continue
            message = _unused(directive, rule_id, policy, judged)
            if message:
                meta.append(_finding_about(directive, UNUSED_ID, policy, message))
    result.extend(finding for finding in meta if finding is not None)
    return result


def _first_match(
    finding: Finding, directives: Sequence[Directive], used: set[tuple[int, str]]
) -> Finding:
    for index, directive in enumerate(directives):
        rule_id = _matching_rule(directive, finding)
        if rule_id and directive.scope.covers(finding):
            used.add((index, rule_id))
            return finding.suppressed(directive.suppression())
    return finding


def _matching_rule(directive: Directive, finding: Finding) -> str | None:
    """The id (or name) of the directive that names the finding's rule. Findings of other
    tools carry a source prefix (``cfn-lint/E3012``); a suppression may leave it out."""
    for rule_id in directive.rule_ids:
        if rule_id in (finding.rule_id, finding.rule_name) or finding.rule_id.endswith(
            _SOURCE_SEPARATOR + rule_id
        ):
            return rule_id
    return None


def _judge_by_rule(policy: SuppressionPolicy, ran_rule_ids: Iterable[str]) -> Judge:
    ran = set(ran_rule_ids)

    def judged(directive: Directive, rule_id: str) -> bool:
        return policy.known_rules.get(rule_id, rule_id) in ran

    return judged


def _unused(directive: Directive, rule_id: str, policy: SuppressionPolicy, judged: Judge) -> str:
    if policy.known_rules and rule_id not in policy.known_rules and not _CFN_LINT_ID.match(rule_id):
        close = difflib.get_close_matches(rule_id, sorted(policy.known_rules), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{_describe(directive)} names unknown rule {rule_id!r}{hint}"
    if not judged(directive, rule_id):
        return ""
    return f"{_describe(directive)} of {rule_id} matches no finding; remove it"


# --------------------------------------------------------------------------- meta findings


def _describe(directive: Directive) -> str:
    if directive.kind == "metadata":
        owner = f"resource {directive.logical_id}" if directive.logical_id else "template"
        return f"Metadata suppression on {owner}"
    if directive.kind == "inline":
        return "inline suppression"
    return "configuration suppression"


def _no_reason(directive: Directive) -> str:
    ids = ", ".join(directive.rule_ids)
    return f"{_describe(directive)} of {ids} has no reason, so it does not apply"


def _expired(directive: Directive, still_matched: bool) -> str:
    ids = ", ".join(directive.rule_ids)
    assert directive.expires is not None
    tail = (
        "the finding it covered is reported again"
        if still_matched
        else "it no longer matches any finding; remove it"
    )
    return f"{_describe(directive)} of {ids} expired on {directive.expires.isoformat()}: {tail}"


def _finding_about(
    directive: Directive, rule_id: str, policy: SuppressionPolicy, message: str
) -> Finding | None:
    spec = policy.meta.get(rule_id)
    if spec is None:
        return None
    return _meta_finding(spec, message, directive.file, directive.span, directive.logical_id,
                         directive.property_path)


def _malformed_finding(item: Malformed, policy: SuppressionPolicy) -> Finding | None:
    spec = policy.meta.get(INVALID_ID)
    if spec is None:
        return None
    return _meta_finding(spec, item.message, item.file, item.span, item.logical_id, "")


def _meta_finding(
    spec: RuleSpec, message: str, file: str, span: Span, logical_id: str, property_path: str
) -> Finding:
    return Finding(
        rule_id=spec.id,
        rule_name=spec.name,
        severity=spec.severity,
        message=message,
        fix=spec.fix,
        file=file,
        start_line=span.start_line,
        start_column=span.start_column,
        end_line=span.end_line,
        end_column=span.end_column,
        logical_id=logical_id,
        property_path=property_path,
        outcome=Outcome.FAIL,
        help_uri=f"{SUPPRESSION_DOCS_URL}#{spec.id.lower()}-{spec.name}",
    )


def _declare_meta_rules(report: Report, policy: SuppressionPolicy) -> None:
    """Reporters describe rules from ``rules_run``; add the suppression rules that fired."""
    present = {getattr(spec, "id", None) for spec in report.rules_run}
    fired = {finding.rule_id for finding in report.findings} & META_RULE_IDS
    for rule_id in sorted(fired - present):
        report.rules_run.append(policy.meta[rule_id])


# --------------------------------------------------------------------------- reading directives


def config_directive(entry: ConfigSuppression) -> Directive:
    return Directive(
        kind="config",
        rule_ids=(entry.rule_id,),
        reason=entry.reason,
        expires=entry.expires,
        scope=Scope(
            file_glob=entry.path,
            logical_id_glob=None if entry.logical_id == "*" else entry.logical_id,
        ),
        file=entry.file,
        span=Span(entry.line, 1, entry.line, 1),
    )


def template_directives(template: Template) -> tuple[list[Directive], list[Malformed]]:
    directives: list[Directive] = []
    malformed: list[Malformed] = []
    for found in (metadata_directives(template), inline_directives(template)):
        directives.extend(found[0])
        malformed.extend(found[1])
    return directives, malformed


def metadata_directives(template: Template) -> tuple[list[Directive], list[Malformed]]:
    """``Metadata.iacguard.suppress.directives`` at the top of the template and on each resource."""
    data = template.document.data
    file = template.display_path
    directives: list[Directive] = []
    malformed: list[Malformed] = []
    places: list[tuple[tuple[Any, ...], Scope, str]] = [
        (("Metadata",), Scope(file=file), "")
    ]
    for resource in template.resources.values():
        node = resource.node
        end = node.span.end_line if isinstance(node, MappingNode) else 0
        start = span_of(data, resource.path).start_line
        places.append((
            (*resource.path, "Metadata"),
            Scope(file=file, logical_id=resource.logical_id, lines=(start, max(start, end))),
            resource.logical_id,
        ))
    for metadata_path, scope, logical_id in places:
        _read_metadata(data, metadata_path, scope, file, logical_id, directives, malformed)
    return directives, malformed


def _read_metadata(
    data: Any,
    metadata_path: tuple[Any, ...],
    scope: Scope,
    file: str,
    logical_id: str,
    directives: list[Directive],
    malformed: list[Malformed],
) -> None:
    block_path = (*metadata_path, "iacguard")
    block = node_at(data, block_path)
    if block is ABSENT or block is None:
        return

    def bad(path: tuple[Any, ...], message: str) -> None:
        malformed.append(Malformed(message, file, span_of(data, path), logical_id))

    if not isinstance(block, dict):
        bad(block_path, "Metadata.iacguard must be a mapping with a 'suppress' list")
        return
    for key in block:
        if key not in _METADATA_KEYS:
            bad((*block_path, key), f"unknown key {key!r} in Metadata.iacguard" + _suggest(
                str(key), _METADATA_KEYS))
    entries = block.get("suppress")
    if entries is None:
        return
    if not isinstance(entries, list):
        bad((*block_path, "suppress"), "Metadata.iacguard.suppress.directives must be a list of "
            "{id, reason, expires} entries")
        return
    for index, entry in enumerate(entries):
        entry_path = (*block_path, "suppress", index)
        read = _metadata_entry(entry)
        if isinstance(read, _EntryProblem):
            bad((*entry_path, read.key) if read.key else entry_path, read.message)
            continue
        rule_id, reason, expires = read
        directives.append(Directive(
            kind="metadata",
            rule_ids=(rule_id,),
            reason=reason,
            expires=expires,
            scope=scope,
            file=file,
            span=_entry_span(data, entry_path, entry),
            logical_id=logical_id,
            property_path="Metadata.iacguard.suppress.directives",
        ))


def _entry_span(data: Any, entry_path: tuple[Any, ...], entry: Any) -> Span:
    """Point at the entry's ``id`` key when there is one: that is the line people look for."""
    if isinstance(entry, MappingNode) and "id" in entry.key_spans:
        span: Span = entry.key_spans["id"]
        return span
    return span_of(data, entry_path)


@dataclass(frozen=True)
class _EntryProblem:
    message: str
    key: Any = None  # the key to point at, when the problem is one key


def _metadata_entry(entry: Any) -> tuple[str, str, datetime.date | None] | _EntryProblem:
    """(rule id, reason, expiry) or what is wrong with the entry."""
    if not isinstance(entry, dict):
        return _EntryProblem(
            "a suppression entry must be a mapping with id, reason and optional expires"
        )
    for key in entry:
        if key not in _ENTRY_KEYS:
            return _EntryProblem(
                f"unknown key {key!r} in suppression entry" + _suggest(str(key), _ENTRY_KEYS),
                key,
            )
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID_SHAPE.match(rule_id.strip()):
        return _EntryProblem("a suppression entry needs an 'id' naming one rule, such as IGE001")
    reason = entry.get("reason")
    if reason is not None and not isinstance(reason, str):
        return _EntryProblem("'reason' must be text", "reason")
    expires = _expiry(entry.get("expires"))
    if isinstance(expires, str):
        return _EntryProblem(expires, "expires")
    return rule_id.strip(), (reason or "").strip(), expires


def _expiry(value: Any) -> datetime.date | str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    return f"'expires' must be a date written YYYY-MM-DD, not {value!r}"


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# --------------------------------------------------------------------------- inline comments


def inline_directives(template: Template) -> tuple[list[Directive], list[Malformed]]:
    """``# iacguard: ignore[...]`` comments of a YAML template."""
    document = template.document
    if document.is_json or "iacguard" not in document.text:
        return [], []
    lines = document.text.splitlines()
    directives: list[Directive] = []
    malformed: list[Malformed] = []
    for line_index, column in comment_positions(document.text):
        text = lines[line_index]
        comment = text[column:]
        span = Span(line_index + 1, column + 1, line_index + 1, len(text) + 1)
        read = _inline_comment(comment)
        if isinstance(read, str):
            malformed.append(Malformed(read, template.display_path, span))
            continue
        rule_ids, reason, expires = read
        directives.append(Directive(
            kind="inline",
            rule_ids=rule_ids,
            reason=reason,
            expires=expires,
            scope=Scope(file=template.display_path, line=_target_line(lines, line_index, column)),
            file=template.display_path,
            span=span,
        ))
    return directives, malformed


def comment_positions(text: str) -> list[tuple[int, int]]:
    """(0-based line, column) of every ``# iacguard:`` that starts a YAML comment, leaving out
    look-alikes inside strings and block scalars (a Lambda's inline code, say)."""
    candidates = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for match in _INLINE_MARK.finditer(text):
        line = _line_of_offset(line_starts, match.start())
        candidates.append((line, match.start() - line_starts[line]))
    if not candidates:
        return []
    scalars = _scalar_ranges(text)
    return [
        (line, column) for line, column in candidates
        if not any(start <= (line, column) < end for start, end in scalars)
    ]


def _line_of_offset(line_starts: Sequence[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(line_starts, offset) - 1


def _scalar_ranges(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    ranges = []
    try:
        for token in yaml.scan(text, Loader=_YamlLoader):
            if isinstance(token, yaml.ScalarToken):
                start, end = token.start_mark, token.end_mark
                ranges.append(((start.line, start.column), (end.line, end.column)))
    except yaml.YAMLError:  # the template parsed already; be safe rather than sorry
        return ranges
    return ranges


def _inline_comment(comment: str) -> tuple[tuple[str, ...], str, datetime.date | None] | str:
    match = _INLINE_DIRECTIVE.match(comment)
    if match is None:
        return (
            f"unrecognised iacguard comment {comment.strip()!r}; expected "
            "'# iacguard: ignore[RULE-ID,...] reason'"
        )
    rule_ids = tuple(part.strip() for part in match.group("ids").split(",") if part.strip())
    if not rule_ids or not all(_RULE_ID_SHAPE.match(rule_id) for rule_id in rule_ids):
        return "ignore[...] must list rule ids separated by commas, such as ignore[IGE001,IGL001]"
    rest = match.group("rest")
    expires: datetime.date | None = None
    found = _INLINE_EXPIRES.search(rest)
    if found:
        read = _expiry(found.group("date"))
        if isinstance(read, str):
            return read.replace("'expires'", "expires=")
        expires = read
        rest = rest[: found.start()] + rest[found.end():]
    return rule_ids, " ".join(rest.split()), expires


def _target_line(lines: Sequence[str], line_index: int, column: int) -> int:
    """A comment after code covers its own line; a comment on a line of its own covers the next
    line that holds code (so several such comments can be stacked above one line)."""
    if lines[line_index][:column].strip():
        return line_index + 1
    for index in range(line_index + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index + 1
    return line_index + 1


def is_suppression_finding(finding: Finding) -> bool:
    return finding.rule_id in META_RULE_IDS

