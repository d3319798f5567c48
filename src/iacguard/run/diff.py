"""``iacguard diff``: two versions of the templates compared, suppressions applied, one report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from iacguard.diff.compare import CompareOptions, compare
from iacguard.diff.sources import Side, read_side, side_kind
from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import IacguardError
from iacguard.findings import Finding, Report
from iacguard.suppress.apply import suppress_run, suppress_template_findings
from iacguard.suppress.policy import SuppressionPolicy


def run_diff(
    base: Path, head: Path, rules: Sequence[RuleSpec], policy: SuppressionPolicy,
    show_unknown: bool = False, region: str = "us-east-1",
    parameters: Mapping[str, Any] | None = None,
) -> Report:
    """Compare two sides and return the report, suppressions applied."""
    base_kind, head_kind = side_kind(base, "BASE"), side_kind(head, "HEAD")
    if base_kind != head_kind:
        raise IacguardError(f"cannot compare a {base_kind} ({base}) with a {head_kind} "
                            f"({head}): give two files, two folders or two CDK assemblies")
    cwd = Path.cwd()
    base_side, head_side = read_side(base, "BASE", cwd), read_side(head, "HEAD", cwd)
    for side in (base_side, head_side):
        for version in side.versions:
            version.template.parameter_values = dict(parameters or {})
    comparison = compare(base_side.versions, head_side.versions,
                         {rule.id: rule for rule in rules}, CompareOptions(show_unknown, region))
    report = Report(rules_run=list(rules), problems=list(head_side.problems),
                    files_checked=[v.template.display_path for v in head_side.versions],
                    notices=[*base_side.notices, *head_side.notices, *comparison.notices])
    report.findings = _suppressed(comparison.findings, head_side, policy, rules)
    suppress_run(report, policy, [rule.id for rule in rules])
    report.sort()
    return report


def _suppressed(findings: list[Finding], head: Side, policy: SuppressionPolicy,
                rules: Sequence[RuleSpec]) -> list[Finding]:
    """Suppressions written in each HEAD template apply to the findings that point into it."""
    ran = [rule.id for rule in rules]
    result = []
    by_file = {v.template.display_path: v.template for v in head.versions}
    for display, template in by_file.items():
        own = [f for f in findings if f.file == display]
        result.extend(suppress_template_findings(own, template, policy, ran))
    result.extend(f for f in findings if f.file not in by_file)
    return result
