"""``iacguard diff``: what a change does to running stacks, from two versions of the templates.
(``check --base`` / ``--base-assembly`` are settings of ``check``.)"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from iacguard.cli.app import cli
from iacguard.cli.check import record_baseline
from iacguard.cli.delivery import deliver
from iacguard.cli.options import resolved, setting_named, setting_option
from iacguard.settings.definitions import SettingField

#: The settings ``diff`` offers on its command line, with the help they have there.
_OPTIONS: dict[str, dict[str, Any]] = {
    "format": {"default": "console", "show_default": True, "help": "Report format."},
    "output": {"help": "Write a report file (atomically; repeatable), as for 'check'."},
    "select": {"help": "Only these rules (ids, prefixes, names, tags)."},
    "ignore": {"help": "Never these rules (ids, prefixes, names, tags)."},
    "fail_on": {},
    "show_unknown": {"help": "Also report changes that cannot be judged before deploy (as "
                     "notes)."},
    "inline_suppressions": {"help": "Honour suppressions written in the HEAD templates "
                            "[default: honour]."},
    "regions": {"help": "Region whose resource schemas say what replaces a resource "
                "[default: us-east-1]."},
    "parameter_values": {"help": "Give a template parameter a value (in both versions)."},
    "parameter_file_values": {},
    "baseline": {"help": "Report findings recorded in this baseline file as suppressed."},
    "write_baseline": {},
    "quiet": {},
    "statistics": {"help": "Print counts per rule and severity."},
}


def _options(command: Any) -> Any:
    for name, overrides in reversed(_OPTIONS.items()):
        item: SettingField = setting_named(name)
        command = setting_option(item, **overrides)(command)
    command = click.option("--isolated", is_flag=True,
                           help="Ignore all configuration files.")(command)
    return click.option("--config", "config_file",
                        type=click.Path(path_type=Path, dir_okay=False),
                        help="Read settings from this file instead of the nearest "
                        "configuration.")(command)


@cli.command("diff")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("head", type=click.Path(path_type=Path))
@_options
def diff(base: Path, head: Path, **values: Any) -> None:
    """Compare BASE (what is deployed) with HEAD (the change): two template files, two folders
    of templates, or two CDK cloud assemblies. Reports what the change does to running stacks:
    replacements, moves and removals that lose data, names that clash, exports in use, weaker
    retention and rollback protections. Needs no AWS access."""
    from iacguard.cli.overwrite import (
        files_written,
        refuse_overwriting,
        settings_files_read,
        templates_read,
    )
    from iacguard.report.outputs import plan_outputs
    from iacguard.run.diff import run_diff
    from iacguard.run.outcome import exit_code
    from iacguard.run.plan import rules_for, suppression_policy

    settings = resolved((head,), values)
    every, chosen = rules_for(settings)
    rules = [rule for rule in chosen if rule.kind == "change"]
    plan = plan_outputs(settings.format, settings.output)
    written = files_written(settings, plan)
    if written:
        refuse_overwriting(written, [
            *settings_files_read(settings, values.get("parameter_file_values")),
            *templates_read((base, head), settings),
        ])
    policy = suppression_policy(settings, every)
    parameters = {**settings.parameter_file_values, **settings.parameter_values}
    report = run_diff(base, head, rules, policy, settings.show_unknown, settings.regions[0],
                      parameters)
    if settings.write_baseline is not None:
        record_baseline(report, settings.write_baseline, frozenset(rule.id for rule in rules))
    code = exit_code(report, settings.fail_on)
    deliver(report, code, plan, settings.quiet, settings.statistics)
    from iacguard.cli.say import tell

    for notice in report.notices:
        tell(f"notice: {notice}")
    sys.exit(int(code))
