"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers).

Choices worth knowing:

* ``tool.driver.rules`` lists every rule that ran, not only those that fired, so a viewer can
  show what was checked. Findings from other engines (``finding.source != "iacguard"``) get a
  rule built from the finding itself.
* ``properties.precision`` is "high" for declarative rules (their conditions are evaluated with
  three-valued logic, so a FAIL is decided, never guessed) and "medium" for Python checks, whose
  logic is free-form and may lean on heuristics.
* Rule errors (IG0002 findings, which name the crashed rule in ``crashed_rule``) are not
  results: they say nothing about the user's template. They become
  ``toolExecutionNotifications`` next to files that could not be parsed, associated with the
  rule that crashed, and the run is marked unsuccessful through ``executionSuccessful`` (exit
  codes other than 0 and 1).
* Paths are relative to ``%SRCROOT%``, the folder iacguard ran from, so alerts match across runs
  and machines; absolute paths (files outside that folder) become ``file://`` URIs.
* GitHub code scanning limits (results and rules per run, tags per rule) are applied here; when
  results are dropped, a notification says how many.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from iacguard import __version__
from iacguard.engines.rules.docs import REFERENCE_LABELS, explain_rule
from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import ExitCode
from iacguard.findings import FileProblem, Finding, Outcome, Report, Suppression

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/iacguard/iacguard"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "iacguard/v1"

# GitHub code scanning rejects files above these (docs: "SARIF results exceed limits").
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_TAGS_PER_RULE = 20

_IN_SOURCE_SUPPRESSIONS = frozenset({"metadata", "inline"})
_SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
_GENERIC_CONSTRUCT_IDS = frozenset({"Resource", "Default"})
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


@dataclass(frozen=True)
class _RuleTable:
    """The run's rules[] and where each id sits in it (``ruleIndex``)."""

    descriptors: list[dict[str, Any]]
    index: Mapping[str, int]


def render_sarif(report: Report, exit_code: int) -> str:
    return json.dumps(sarif_log(report, exit_code), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report, exit_code: int) -> dict[str, Any]:
    reportable = [f for f in report.findings if not f.crashed_rule]
    kept, dropped = _within_result_limit(reportable)
    rules = _rule_table(report.rules_run, kept)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "iacguard",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules.descriptors,
            }
        },
        "originalUriBaseIds": {
            SOURCE_ROOT: {
                "description": {
                    "text": "The folder iacguard ran from; result paths are relative to it."
                }
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(report, exit_code, rules, dropped)],
        "results": [_result(f, rules) for f in kept],
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


# Rules --------------------------------------------------------------------------------------


def _rule_table(specs: Sequence[Any], findings: Iterable[Finding]) -> _RuleTable:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for spec in specs:
        if isinstance(spec, RuleSpec) and spec.id not in index:
            index[spec.id] = len(descriptors)
            descriptors.append(rule_descriptor(spec))
    for finding in findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(foreign_rule_descriptor(finding))
    return _RuleTable(descriptors[:MAX_RULES_PER_RUN], index)


def rule_descriptor(spec: RuleSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "tags": list(spec.tags[:MAX_TAGS_PER_RULE]),
        "precision": "high" if spec.check is None else "medium",
    }
    if spec.security_severity is not None:
        properties["security-severity"] = f"{float(spec.security_severity):.1f}"
    descriptor: dict[str, Any] = {
        "id": spec.id,
        "name": spec.name,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": _one_paragraph(spec.docs.get("why", "")) or spec.title},
        "help": {"text": explain_rule(spec), "markdown": _help_markdown(spec)},
    }
    # No helpUri: iacguard's rule pages are not published at a web address yet, and a dead link
    # is worse than none. ``help`` carries the whole page (what `iacguard explain` prints).
    descriptor["defaultConfiguration"] = {"level": spec.severity.value}
    descriptor["properties"] = properties
    return descriptor


def foreign_rule_descriptor(finding: Finding) -> dict[str, Any]:
    """A rule known only from its finding, e.g. one reported by cfn-lint."""
    title = finding.rule_name or finding.rule_id
    text = f"{finding.rule_id} ({title}), reported by {finding.source}."
    # Other engines put their rule's description where iacguard puts its fix.
    details = f"{text}\n\n{finding.fix.strip()}" if finding.fix.strip() else text
    if finding.help_uri:
        details += f"\n\nDocumentation: {finding.help_uri}"
    descriptor: dict[str, Any] = {
        "id": finding.rule_id,
        "name": finding.rule_name or finding.rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": text},
        "help": {"text": details, "markdown": _foreign_help_markdown(finding, title)},
        "defaultConfiguration": {"level": finding.severity.value},
        "properties": {"tags": [finding.source], "precision": "medium"},
    }
    if finding.help_uri:
        descriptor["helpUri"] = finding.help_uri
    return descriptor


def _foreign_help_markdown(finding: Finding, title: str) -> str:
    text = f"**{finding.rule_id}** {title}, reported by {finding.source}."
    if finding.fix.strip():
        text += f"\n\n{finding.fix.strip()}"
    if finding.help_uri:
        text += f"\n\n[Documentation]({finding.help_uri})"
    return text


def _one_paragraph(text: str) -> str:
    return " ".join(text.split())


def _help_markdown(spec: RuleSpec) -> str:
    parts = [
        f"**{spec.title}**",
        "## Why",
        spec.docs.get("why", "").strip(),
        "## How to fix",
        spec.fix.strip(),
        "## Fails",
        _yaml_block(spec.docs.get("failing-example", "")),
        "## Passes",
        _yaml_block(spec.docs.get("passing-example", "")),
    ]
    if spec.docs.get("known-limitations"):
        parts += ["## Known limitations", spec.docs["known-limitations"].strip()]
    references = [
        f"- {label}: {', '.join(spec.references[key])}"
        for key, label in REFERENCE_LABELS.items()
        if spec.references.get(key)
    ]
    if references:
        parts += ["## References", "\n".join(references)]
    return "\n\n".join(p for p in parts if p) + "\n"


def _yaml_block(example: str) -> str:
    return f"```yaml\n{example.rstrip()}\n```" if example.strip() else ""


# Results ------------------------------------------------------------------------------------


def _within_result_limit(findings: Sequence[Finding]) -> tuple[list[Finding], int]:
    """Keep at most the limit, preferring active findings and higher severities (as GitHub
    ranks what it shows), then restore the report's order."""
    if len(findings) <= MAX_RESULTS_PER_RUN:
        return list(findings), 0
    ranked = sorted(
        range(len(findings)),
        key=lambda i: (
            findings[i].suppression is not None,
            _SEVERITY_ORDER[findings[i].severity.value],
            i,
        ),
    )
    kept = sorted(ranked[:MAX_RESULTS_PER_RUN])
    return [findings[i] for i in kept], len(findings) - MAX_RESULTS_PER_RUN


def _result(finding: Finding, rules: _RuleTable) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact_location(finding.file),
            "region": _region(
                finding.start_line, finding.start_column, finding.end_line, finding.end_column
            ),
        }
    }
    logical = logical_locations(finding)
    if logical:
        location["logicalLocations"] = logical
    result: dict[str, Any] = {"ruleId": finding.rule_id}
    if finding.rule_id in rules.index and rules.index[finding.rule_id] < MAX_RULES_PER_RUN:
        result["ruleIndex"] = rules.index[finding.rule_id]
    result |= {
        "level": "note" if finding.outcome is Outcome.UNKNOWN else finding.severity.value,
        "message": {"text": result_message(finding)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": _result_properties(finding),
    }
    related = _related_locations(finding)
    if related:
        result["relatedLocations"] = related
    if finding.suppression is not None:
        result["suppressions"] = [_suppression(finding.suppression)]
    return result


def _related_locations(finding: Finding) -> list[dict[str, Any]]:
    """E.g. where a CDK app created the construct; such paths are as the CDK recorded them,
    relative to the app rather than to %SRCROOT%, so they carry no base id."""
    locations: list[dict[str, Any]] = []
    for number, related in enumerate(finding.related, start=1):
        file = str(related.get("file", ""))
        if not file:
            continue
        artifact = artifact_location(file)
        artifact.pop("uriBaseId", None)
        physical: dict[str, Any] = {"artifactLocation": artifact}
        line = int(related.get("line", 0) or 0)
        if line >= 1:
            region: dict[str, int] = {"startLine": line}
            column = int(related.get("column", 0) or 0)
            if column >= 1:
                region["startColumn"] = column
            physical["region"] = region
        location: dict[str, Any] = {"id": number, "physicalLocation": physical}
        if related.get("message"):
            location["message"] = {"text": str(related["message"])}
        locations.append(location)
    return locations


def result_message(finding: Finding) -> str:
    message = finding.message.strip()
    if not finding.fix:
        return message
    if message and message[-1] not in ".!?":
        message += "."
    return f"{message} Fix: {finding.fix.strip()}"


def artifact_location(path: str) -> dict[str, Any]:
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": "file://" + quote(posix)}
    if _WINDOWS_DRIVE.match(posix):
        return {"uri": "file:///" + quote(posix, safe="/:")}
    return {"uri": quote(posix), "uriBaseId": SOURCE_ROOT}


def _region(start_line: int, start_column: int, end_line: int, end_column: int) -> dict[str, int]:
    """SARIF needs every number >= 1 and the end not before the start."""
    start_line = max(start_line, 1)
    start_column = max(start_column, 1)
    if end_line < start_line or (end_line == start_line and end_column < start_column):
        end_line, end_column = start_line, start_column
    return {
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": max(end_line, 1),
        "endColumn": max(end_column, 1),
    }


def logical_locations(finding: Finding) -> list[dict[str, Any]]:
    """The resource (by logical id, within its stack when known) and, for CDK, its construct."""
    locations: list[dict[str, Any]] = []
    if finding.logical_id:
        qualified = f"{finding.stack}/{finding.logical_id}" if finding.stack else finding.logical_id
        resource: dict[str, Any] = {
            "name": finding.logical_id,
            "fullyQualifiedName": qualified,
            "kind": "resource",
        }
        if finding.resource_type:
            resource["properties"] = {"resourceType": finding.resource_type}
        locations.append(resource)
    if finding.construct_path:
        locations.append({
            "name": construct_name(finding.construct_path),
            "fullyQualifiedName": finding.construct_path,
            "kind": "construct",
        })
    return locations


def construct_name(construct_path: str) -> str:
    """The construct's own id: an L2 construct keeps its L1 resource as child "Resource" (or
    "Default"), which says nothing, so the id above it is used."""
    segments = [s for s in construct_path.split("/") if s]
    while len(segments) > 1 and segments[-1] in _GENERIC_CONSTRUCT_IDS:
        segments.pop()
    return segments[-1] if segments else construct_path


def _result_properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {"outcome": finding.outcome.value, "source": finding.source}
    optional = {
        "logicalId": finding.logical_id,
        "resourceType": finding.resource_type,
        "propertyPath": finding.property_path,
        "constructPath": finding.construct_path,
        "stack": finding.stack,
    }
    properties.update({key: value for key, value in optional.items() if value})
    return properties


def _suppression(suppression: Suppression) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": "inSource" if suppression.kind in _IN_SOURCE_SUPPRESSIONS else "external",
        "justification": suppression.reason,
        "properties": {"iacguardKind": suppression.kind},
    }
    if suppression.location:
        entry["properties"]["location"] = suppression.location
    return entry


# Invocation ---------------------------------------------------------------------------------


def _invocation(
    report: Report, exit_code: int, rules: _RuleTable, dropped: int
) -> dict[str, Any]:
    notifications = [_problem_notification(p) for p in report.problems]
    notifications += [
        _rule_error_notification(f, rules) for f in report.findings if f.crashed_rule
    ]
    notifications += [
        {"level": "note", "message": {"text": notice}, "descriptor": {"id": "iacguard/notice"}}
        for notice in report.notices
    ]
    if dropped:
        notifications.append({
            "level": "warning",
            "message": {
                "text": f"{dropped} results were left out: code scanning accepts at most "
                f"{MAX_RESULTS_PER_RUN} results per run. Use --select or --ignore to narrow "
                "the run, or read the JSON report for every finding."
            },
            "descriptor": {"id": "iacguard/results-truncated"},
        })
    invocation: dict[str, Any] = {
        "executionSuccessful": exit_code in (ExitCode.OK, ExitCode.FINDINGS),
        "exitCode": exit_code,
        "exitCodeDescription": _exit_code_description(exit_code),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _exit_code_description(exit_code: int) -> str:
    try:
        return ExitCode(exit_code).name.lower()
    except ValueError:
        return "unknown"


def _problem_notification(problem: FileProblem) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(problem.file)}
    if problem.line >= 1:
        region: dict[str, int] = {"startLine": problem.line}
        if problem.column >= 1:
            region["startColumn"] = problem.column
        physical["region"] = region
    return {
        "level": "error",
        "message": {"text": f"{problem.file} could not be checked: {problem.message}"},
        "locations": [{"physicalLocation": physical}],
        "descriptor": {"id": "iacguard/file-not-checked"},
    }


def _rule_error_notification(finding: Finding, rules: _RuleTable) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": finding.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(finding.file),
                "region": _region(
                    finding.start_line, finding.start_column, finding.end_line, finding.end_column
                ),
            }
        }],
        "descriptor": {"id": finding.rule_id},
    }
    failed_rule = finding.crashed_rule
    if failed_rule in rules.index and rules.index[failed_rule] < MAX_RULES_PER_RUN:
        notification["associatedRule"] = {"id": failed_rule, "index": rules.index[failed_rule]}
    return notification
