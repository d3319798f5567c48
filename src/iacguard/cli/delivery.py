"""Where a finished report goes: standard output in the chosen format, and report files."""

from __future__ import annotations

import sys
from dataclasses import replace

from iacguard.findings import Report
from iacguard.report.outputs import OutputPlan


def deliver(report: Report, code: int, plan: OutputPlan, quiet: bool, statistics: bool) -> None:
    from iacguard.ci_env import is_ci
    from iacguard.report.console import ConsoleOptions, use_color
    from iacguard.report.outputs import print_report, write_outputs

    options = ConsoleOptions(quiet=quiet, statistics=statistics, ci_mode=is_ci(), exit_code=code)
    if plan.stdout_format is not None:
        color = plan.stdout_format == "console" and use_color(sys.stdout)
        print_report(plan.stdout_format, report, code, sys.stdout, replace(options, color=color))
    write_outputs(plan.files, report, code, options)
