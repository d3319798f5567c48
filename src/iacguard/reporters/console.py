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

from iacguard.findings import Finding, Report

_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}


@dataclass(frozen=True)
class ConsoleOptions:
    quiet: bool = False
    statistics: bool = False
    color: bool = False
    ci_mode: bool = False


def use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("CI") or os.environ.get("CODEBUILD_BUILD_ID"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _source_line(sources: Mapping[str, list[str]], finding: Finding) -> tuple[str, str] | None:
    lines = sources.get(finding.file)
    if not lines or not 1 <= finding.start_line <= len(lines):
        return None
    text = lines[finding.start_line - 1].rstrip("\n").replace("\t", " ")
    start = max(finding.start_column - 1, 0)
    width = (
        finding.end_column - finding.start_column
        if finding.end_line == finding.start_line and finding.end_column > finding.start_column
        else max(len(text) - start, 1)
    )
    return text, " " * start + "^" * max(width, 1)


def render_lines(
    report: Report, sources: Mapping[str, list[str]], options: ConsoleOptions
) -> list[tuple[str, str]]:
    """(text, style) pairs; style is a rich style name or "" for plain."""
    out: list[tuple[str, str]] = []
    findings = report.findings
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
        if options.quiet:
            continue
        where = []
        if finding.construct_path:
            where.append(f"construct {finding.construct_path}")
        if finding.logical_id:
            where.append(f"resource {finding.logical_id} ({finding.resource_type})")
        if where:
            out.append(("    " + "  ".join(where), "dim"))
        for related in finding.related:
            out.append((
                f"    {related['message']}: {related['file']}:{related['line']}:{related['column']}",
                "dim",
            ))
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
    for problem in report.problems:
        out.append((f"{problem} [not checked]", "bold red"))
    if options.statistics:
        out.extend(_statistics(report))
    if not options.quiet or options.ci_mode:
        if out:
            out.append(("", ""))
        out.append((summary_line(report), "bold"))
    return out


def _statistics(report: Report) -> list[tuple[str, str]]:
    counts = Counter((f.rule_id, f.severity.value) for f in report.active_findings)
    if not counts:
        return []
    lines = [("", ""), ("count  rule        severity", "bold")]
    for (rule_id, severity), count in sorted(counts.items(), key=lambda i: (-i[1], i[0])):
        lines.append((f"{count:>5}  {rule_id:<10}  {severity}", ""))
    return lines


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


def write_console(
    report: Report, sources: Mapping[str, list[str]], stream: IO[str], options: ConsoleOptions
) -> None:
    lines = render_lines(report, sources, options)
    if not options.color:
        stream.write("".join(text + "\n" for text, _ in lines))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)
    for text, style in lines:
        console.print(Text(text, style=style or ""))
