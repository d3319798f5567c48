"""GitHub Actions workflow commands: each active finding becomes an annotation on the pull
request's diff, without uploading anything.

Escaping follows the runner's parser: ``%``, CR and LF in the message; additionally ``:`` and
``,`` in property values, which would otherwise end the property early. Columns are sent only
when the finding starts and ends on the same line (GitHub ignores them otherwise), and
``endColumn`` is inclusive there, one less than iacguard's exclusive end column.
"""

from __future__ import annotations

from iacguard.findings import FileProblem, Finding, Report

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def render_github(report: Report, exit_code: int) -> str:
    """``exit_code`` is unused: annotations carry no run status, but every reporter takes it."""
    del exit_code
    lines = [annotation(f) for f in report.active_findings]
    lines += [problem_annotation(p) for p in report.problems]
    return "".join(line + "\n" for line in lines)


def annotation(finding: Finding) -> str:
    properties: list[tuple[str, str]] = [
        ("file", finding.file),
        ("line", str(max(finding.start_line, 1))),
        ("endLine", str(max(finding.end_line, finding.start_line, 1))),
    ]
    if finding.end_line == finding.start_line and finding.start_column >= 1:
        properties.append(("col", str(finding.start_column)))
        properties.append(("endColumn", str(max(finding.end_column - 1, finding.start_column))))
    title = f"{finding.rule_id} {finding.rule_name}".strip()
    properties.append(("title", title))
    message = finding.message if not finding.fix else f"{finding.message}\nFix: {finding.fix}"
    return workflow_command(_COMMANDS[finding.severity.value], properties, message)


def problem_annotation(problem: FileProblem) -> str:
    properties: list[tuple[str, str]] = [("file", problem.file)]
    if problem.line >= 1:
        properties.append(("line", str(problem.line)))
        if problem.column >= 1:
            properties.append(("col", str(problem.column)))
    properties.append(("title", "iacguard could not check this file"))
    return workflow_command("error", properties, problem.message)


def workflow_command(command: str, properties: list[tuple[str, str]], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{command} {rendered}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
