"""``iacguard merge``: the JSON reports of sharded runs as one report and one exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacguard.cli.app import cli
from iacguard.cli.delivery import deliver
from iacguard.cli.options import setting_named, setting_option


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@setting_option(setting_named("format"), default="console", show_default=True,
                help="Format of the merged report on standard output.")
@setting_option(setting_named("output"), help="Write a merged report file (repeatable), as for "
                "'check'.")
@setting_option(setting_named("fail_on"), default="error", show_default=True,
                help="Exit 1 when a finding at or above this severity remains.")
@setting_option(setting_named("rules"), help="Custom rule paths the shards used (for the SARIF "
                "rules list).")
@setting_option(setting_named("quiet"))
def merge(
    reports: tuple[Path, ...],
    format: str,
    output: tuple[str, ...],
    fail_on: str,
    rules: tuple[Path, ...],
    quiet: bool | None,
) -> None:
    """Merge the JSON reports of 'check --shard K/N' runs into one report and exit code."""
    from iacguard.cli.overwrite import Read, Written, refuse_overwriting
    from iacguard.report.outputs import plan_outputs
    from iacguard.run.merge import merge_shards, read_shard
    from iacguard.run.outcome import exit_code
    from iacguard.run.plan import known_rules

    plan = plan_outputs(format, output)
    refuse_overwriting(
        [Written(f"--output {value}", target.path)
         for value, target in zip(output, plan.files, strict=True)],
        [Read(path, "a shard report") for path in reports],
    )
    known = known_rules(rules)
    merged = merge_shards((read_shard(path, known) for path in reports), known)
    code = exit_code(merged, fail_on)
    deliver(merged, code, plan, bool(quiet), False)
    sys.exit(int(code))
