"""The report a person reads: grouped by file, each finding with its source line and its fix.

Plain text when the output is not a terminal (or NO_COLOR is set); rich is imported only to
colour output on a terminal.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from iacguard.ci_env import is_ci
from iacguard.findings import Finding, Report, Severity
from iacguard.report.terminal import printable, printable_line

_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}


@dataclass(frozen=True)
class ConsoleOptions:
    quiet: bool = False
    statistics: bool = False
    color: bool = False
    ci_mode: bool = False
    #: The run's exit code, named in the CI summary line (None: not known to the reporter).
    exit_code: int | None = None


def use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR") or is_ci():
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _source_line(sources: Mapping[str, list[str]], finding: Finding) -> tuple[str, str] | None:
    lines = sources.get(finding.file)
    if not lines or not 1 <= finding.start_line <= len(lines):
        return None
    raw = lines[finding.start_line - 1].rstrip("\n").replace("\t", " ")
    start = max(finding.start_column - 1, 0)
    width = (
        finding.end_column - finding.start_column
        if finding.end_line == finding.start_line and finding.end_column > finding.start_column
        else max(len(raw) - start, 1)
    )
    # The caret is measured on the line as printed, where a control character takes 2-6 columns.
    before, marked = printable(raw[:start]), printable(raw[start : start + max(width, 1)])
    return printable(raw), " " * len(before) + "^" * max(len(marked), 1)


def render_lines(
    report: Report, sources: Mapping[str, list[str]], options: ConsoleOptions
) -> list[tuple[str, str]]:
    """(text, style) pairs; style is a rich style name or "" for plain."""
    out: list[tuple[str, str]] = []
    # --statistics trades the finding details for the table of counts.
    findings = [] if options.statistics else report.findings
    current_file = None
    for finding in findings:
        if finding.file != current_file and not options.quiet:
            if current_file is not None:
                out.append(("", ""))
            out.append((finding.file, "bold underline"))
            current_file = finding.file
        marker = " [suppressed]" if finding.suppression else ""
        head = (
            f"{finding.file}:{finding.start_line}:{finding.start_column} {finding.rule_id} "
            f"{finding.severity.value}{marker} {finding.message}"
        )
        out.append((head, "dim" if finding.suppression else _STYLES[finding.severity.value]))
        if not options.quiet:
            out.extend(_details(finding, sources))
    for problem in report.problems:
        out.append((f"{problem} [not checked]", "bold red"))
    table = summary_table(report) if options.statistics or not options.quiet else []
    if table and out:
        out.append(("", ""))
    out.extend(table)
    if not options.quiet or options.ci_mode:
        if out:
            out.append(("", ""))
        summary = (
            ci_summary_line(report, options.exit_code) if options.ci_mode else summary_line(report)
        )
        out.append((summary, "bold"))
    return out


def _details(finding: Finding, sources: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """The lines under a finding's head: where, the source line, and the fix or suppression."""
    out: list[tuple[str, str]] = []
    where = []
    if finding.construct_path:
        where.append(f"construct {finding.construct_path}")
    if finding.logical_id:
        where.append(f"resource {finding.logical_id} ({finding.resource_type})")
    if where:
        out.append(("    " + "  ".join(where), "dim"))
    for related in finding.related:
        site = f"{related['file']}:{related['line']}:{related['column']}"
        out.append((f"    {related['message']}: {site}", "dim"))
    source = _source_line(sources, finding)
    if source:
        number = str(finding.start_line)
        out.append((f"    {number} | {source[0]}", ""))
        out.append((f"    {' ' * len(number)} | {source[1]}", _STYLES[finding.severity.value]))
    if finding.suppression:
        out.append((
            f"    suppressed ({finding.suppression.kind}): {finding.suppression.reason}", "dim"
        ))
    elif finding.fix:
        out.append((f"    fix: {finding.fix}", "green"))
    return out


def summary_table(report: Report) -> list[tuple[str, str]]:
    """Counts by rule and severity, most severe first; suppressed ones in their own column."""
    active = Counter((f.rule_id, f.severity.value) for f in report.active_findings)
    suppressed = Counter(
        (f.rule_id, f.severity.value) for f in report.findings if f.suppression is not None
    )
    rows = set(active) | set(suppressed)
    if not rows:
        return []
    names = {f.rule_id: f.rule_name for f in report.findings}
    order = sorted(rows, key=lambda r: (-Severity(r[1]).rank, -active[r], r[0]))
    width = max(len("rule"), *(len(rule_id) for rule_id, _ in rows))
    extra = "  suppressed" if suppressed else ""
    lines = [(f"{'count':>5}  {'rule':<{width}}  {'severity':<8}{extra}  name", "bold")]
    for rule_id, severity in order:
        hidden = f"  {suppressed[(rule_id, severity)]:>10}" if suppressed else ""
        lines.append((
            f"{active[(rule_id, severity)]:>5}  {rule_id:<{width}}  {severity:<8}{hidden}  "
            f"{names.get(rule_id, '')}",
            _STYLES[severity] if active[(rule_id, severity)] else "dim",
        ))
    total_hidden = f"  {sum(suppressed.values()):>10}" if suppressed else ""
    lines.append((f"{sum(active.values()):>5}  {'total':<{width}}  {'':<8}{total_hidden}", "bold"))
    return [(text.rstrip(), style) for text, style in lines]


def summary_line(report: Report) -> str:
    active = report.active_findings
    by_severity = Counter(f.severity.value for f in active)
    suppressed = len(report.findings) - len(active)
    parts = [
        f"{len(report.files_checked)} template{'s' if len(report.files_checked) != 1 else ''} "
        f"checked",
        f"{len(report.files_skipped)} skipped (not CloudFormation)",
    ]
    if report.problems:
        parts.append(f"{len(report.problems)} could not be checked")
    if active:
        detail = ", ".join(
            f"{by_severity[s]} {s}{'s' if by_severity[s] != 1 else ''}"
            for s in ("error", "warning", "note")
            if by_severity[s]
        )
        parts.append(f"{len(active)} finding{'s' if len(active) != 1 else ''} ({detail})")
    else:
        parts.append("no findings")
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    return "; ".join(parts)


_VERDICTS = {0: "PASSED", 1: "FAILED"}


def ci_summary_line(report: Report, exit_code: int | None) -> str:
    """The build-log form of the summary: a verdict word first, so one grep finds every run."""
    if exit_code is None:
        return f"iacguard: {summary_line(report)}"
    verdict = _VERDICTS.get(exit_code, "ERROR")
    return f"iacguard: {verdict} (exit {exit_code}): {summary_line(report)}"


def write_console(
    report: Report, sources: Mapping[str, list[str]], stream: IO[str], options: ConsoleOptions
) -> None:
    # Template values and file names reach every line; each line is escaped once, here.
    rendered = render_lines(report, sources, options)
    if not options.color:
        # Line by line: a report of thousands of findings is never held twice as one text.
        for text, _ in rendered:
            stream.write(printable_line(text) + "\n")
        return
    lines = [(printable_line(text), style) for text, style in rendered]
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)
    for text, style in lines:
        console.print(Text(text, style=style or ""))
