"""``iacguard check``: check templates and report, with an exit code a pipeline can trust."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iacguard.cli.app import cli
from iacguard.cli.delivery import deliver
from iacguard.cli.options import resolved, settings_options
from iacguard.errors import IacguardError
from iacguard.findings import Report
from iacguard.settings.resolve import ResolvedSettings

if TYPE_CHECKING:
    from iacguard.report.outputs import OutputPlan

#: Fewer templates than this finish before a progress bar would be worth drawing.
_PROGRESS_MIN_UNITS = 6


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@settings_options(lambda item: True)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
def check(paths: tuple[Path, ...], debug: bool, **values: Any) -> None:
    """Check CloudFormation templates (files or folders; default: the current folder)."""
    from iacguard.cli.parameters import check_given_parameters
    from iacguard.report.outputs import plan_outputs
    from iacguard.run.outcome import exit_code
    from iacguard.run.plan import check_settings
    from iacguard.run.runner import run_check

    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    settings = resolved(paths, values)
    run, notices = check_settings(paths, settings)
    plan = plan_outputs(settings.format, settings.output)  # before the run: fail fast
    _refuse_overwriting_inputs(paths, settings, plan, values.get("parameter_file_values"))
    check_given_parameters(run)
    with _progress_bar() as progress:
        report = run_check(run, progress=progress)
    report.notices[:0] = notices
    if settings.write_baseline is not None:
        record_baseline(report, settings.write_baseline, run.rule_ids)
    code = exit_code(report, settings.fail_on)
    deliver(report, code, plan, settings.quiet, settings.statistics)
    from iacguard.cli.say import tell

    for notice in report.notices:
        tell(f"notice: {notice}")
    sys.exit(int(code))


def _refuse_overwriting_inputs(
    paths: tuple[Path, ...], settings: ResolvedSettings, plan: OutputPlan,
    parameters_file: Path | None,
) -> None:
    """No report or baseline may be written over a file this run reads (exit 2 before the run,
    so nothing is lost and nothing is half done)."""
    from iacguard.cli.overwrite import (
        Read,
        Written,
        files_written,
        refuse_overwriting,
        settings_files_read,
        templates_read,
    )

    written = files_written(settings, plan)
    if not written:
        return
    read = [*settings_files_read(settings, parameters_file), *templates_read(paths, settings)]
    exempt = []
    if settings.baseline is not None and settings.write_baseline is not None:
        # Bringing a baseline up to date: --baseline B --write-baseline B.
        exempt.append((Written("", settings.write_baseline), Read(settings.baseline, "")))
    refuse_overwriting(written, read, exempt)


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on standard error, only on an interactive terminal outside CI."""
    import os

    from iacguard.ci_env import show_progress

    if os.environ.get("NO_COLOR") or not show_progress(sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "checking", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(file=sys.stderr), transient=True,
    )
    task = bar.add_task("templates", total=None)

    def advance(done: int, total: int) -> None:
        if total >= _PROGRESS_MIN_UNITS:
            if not bar.live.is_started:
                bar.start()
            bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if bar.live.is_started:
            bar.stop()


def record_baseline(report: Report, path: Path, rule_ids: frozenset[str]) -> None:
    """Record the active findings, then report them as baselined, as the next run will."""
    from iacguard.suppress.baseline import apply_baseline, write_baseline

    try:
        written = write_baseline(path, report.findings)
    except OSError as error:
        raise IacguardError(f"cannot write baseline {path}: {error.strerror or error}") from None
    apply_baseline(report, written, rule_ids)
    count = len(written.entries)
    report.notices.append(
        f"wrote {count} finding{'s' if count != 1 else ''} to baseline {written.display}"
    )
