"""Command line: parse arguments, call the pipeline, pick the exit code. No checking logic here.

Heavy modules are imported inside the commands so ``iacguard --version`` stays instant.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iacguard import __version__
from iacguard.diff_command import change_safety_options
from iacguard.diff_command import register as register_change_safety
from iacguard.errors import ExitCode, IacguardError

if TYPE_CHECKING:
    from iacguard.engines.rules.spec import RuleSpec
    from iacguard.report.outputs import OutputPlan
    from iacguard.settings.config import Settings
    from iacguard.suppress.directives import SuppressionPolicy

#: Report formats; kept in step with iacguard.report.outputs.FORMATS (a test checks it), so
#: the CLI can declare its options without importing every reporter.
FORMATS = ("console", "json", "sarif", "junit", "github")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """Accept both ``--select A --select B`` and ``--select A,B``."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="iacguard", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Policy linter and template validator for AWS CloudFormation, SAM and CDK."""


def _settings_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options a configuration file can also set, shared by ``check`` and ``config``.

    Every default is None (or empty): an option not given leaves the configuration file's value
    alone. Precedence is resolved in iacguard.settings.config, not by click.
    """
    options = [
        click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
                     help="Read settings from this file instead of the nearest pyproject.toml "
                     "[tool.iacguard] / .iacguard.yaml."),
        click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
        click.option("--select", multiple=True,
                     help="Only run these rules (ids, prefixes, names, tags)."),
        click.option("--extend-select", multiple=True,
                     help="Also run these rules, on top of the selected ones."),
        click.option("--ignore", multiple=True,
                     help="Never run these rules (ids, prefixes, names, tags)."),
        click.option("--fail-on", type=click.Choice(("error", "warning", "note", "never")),
                     default=None,
                     help="Exit 1 when a finding at or above this severity remains "
                     "[default: error]."),
        click.option("--include", multiple=True, metavar="GLOB",
                     help="Only check files found in folders that match GLOB."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB."),
        click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
                     help="Load custom YAML rules from a file or folder."),
        click.option("--show-unknown/--hide-unknown", default=None,
                     help="Also report checks that cannot be decided statically (as notes)."),
        click.option("--validate/--no-validate", default=None,
                     help="Also validate each template with cfn-lint (schemas, references, "
                     "functions) [default: validate]."),
        click.option("--region", "regions", multiple=True, metavar="REGION",
                     help="AWS region to validate against (repeatable; default us-east-1)."),
        click.option("--engine", "engines", multiple=True, metavar="ENGINE",
                     help="Engines that check each template: iacguard, checkov (repeatable or "
                     "comma-separated) [default: iacguard]. checkov needs "
                     "pip install 'iacguard[checkov]'."),
        click.option("--inline-suppressions/--no-inline-suppressions", default=None,
                     help="Honour suppressions written in templates (# iacguard: comments and "
                     "Metadata) [default: honour]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _resolve_settings(
    paths: Sequence[Path], flags: dict[str, Any], outputs: Sequence[str] = ()
) -> Settings:
    from iacguard.settings.config import CommandLine, resolve_settings

    command_line = CommandLine(
        include=_split(flags["include"]),
        exclude=_split(flags["exclude"]),
        select=_split(flags["select"]),
        ignore=_split(flags["ignore"]),
        extend_select=_split(flags["extend_select"]),
        fail_on=flags["fail_on"],
        rules=tuple(flags["rule_paths"]),
        validate=flags["validate"],
        regions=_split(flags["regions"]),
        show_unknown=flags["show_unknown"],
        inline_suppressions=flags["inline_suppressions"],
        output=tuple(outputs),
        engines=_engines(flags["engines"]),
    )
    return resolve_settings(paths, command_line, flags["config_file"], flags["isolated"])


def _engines(values: Sequence[str]) -> tuple[str, ...]:
    """--engine names, checked here because click cannot check a comma-separated list."""
    from iacguard.engines import parse_engines

    names = _split(values)
    return parse_engines(names) if names else ()


def _load_rules_for(settings: Settings) -> tuple[list[RuleSpec], list[RuleSpec]]:
    """Every rule known (suppression rules included) and the selected, re-levelled ones."""
    from iacguard.engines.rules.registry import load_rules, select_rules
    from iacguard.settings.config import check_rule_references
    from iacguard.suppress.directives import META_RULES

    loaded = load_rules(settings.rules)
    every = [*loaded, *META_RULES]
    check_rule_references(
        settings,
        known={spec.id: spec.options for spec in every},
        names={spec.name: spec.id for spec in every},
        tags=sorted({tag for spec in every for tag in spec.tags}),
        report_formats=FORMATS,
    )
    relevelled = []
    for spec in loaded:
        level = settings.severity.get(spec.id) or settings.severity.get(spec.name)
        relevelled.append(spec.with_severity(level) if level else spec)
    chosen = select_rules(relevelled, settings.select, settings.ignore, settings.extend_select)
    return every, chosen


def _suppression_policy(
    settings: Settings, every: Sequence[RuleSpec], baseline_file: Path | None
) -> SuppressionPolicy:
    from iacguard.settings.config import COMMAND_LINE_SOURCE
    from iacguard.suppress.baseline import read_baseline
    from iacguard.suppress.directives import SuppressionPolicy, meta_rules

    source = settings.sources["inline-suppressions"]
    disabled_by = (
        "--no-inline-suppressions" if source == COMMAND_LINE_SOURCE
        else f"inline-suppressions: false in {source}"
    )
    return SuppressionPolicy(
        inline=settings.inline_suppressions,
        inline_disabled_by=disabled_by,
        config_entries=settings.suppressions,
        baseline=read_baseline(baseline_file) if baseline_file is not None else None,
        meta=meta_rules(settings.severity, settings.ignore),
        known_rules={**{s.name: s.id for s in every}, **{s.id: s.id for s in every}},
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="console",
              show_default=True, help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]PATH",
              help="Write a report file (atomically; repeatable). FORMAT:PATH adds that format "
              "(e.g. sarif:reports/iacguard.sarif) while the --format report still goes to "
              "standard output; a plain PATH takes the --format report instead.")
@_settings_options
@click.option("--parameter", "parameter_flags", multiple=True, metavar="NAME=VALUE",
              help="Give a template parameter a value.")
@click.option("--parameters", "parameters_file", type=click.Path(path_type=Path),
              help='Parameter values file: {"Parameters": {...}} (CodePipeline format).')
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Report findings recorded in this baseline file as suppressed; only new "
              "findings fail the run.")
@click.option("--write-baseline", "write_baseline_file",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Record the run's active findings in this baseline file.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes [default: the number of CPUs].")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Cache per-template results here [default: ~/.cache/iacguard].")
@click.option("--no-cache", is_flag=True, help="Check every template again; read no cache.")
@click.option("--shard", metavar="K/N", default=None,
              help="Check only the K-th of N deterministic slices of the templates (1-based); "
              "combine the shards' reports with 'iacguard merge'.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, one line each.")
@click.option("--statistics", is_flag=True,
              help="Print counts per rule and severity instead of each finding.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    outputs: tuple[str, ...],
    parameter_flags: tuple[str, ...],
    parameters_file: Path | None,
    baseline_file: Path | None,
    write_baseline_file: Path | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    shard: str | None,
    quiet: bool,
    statistics: bool,
    debug: bool,
    **flags: Any,
) -> None:
    """Check CloudFormation templates (files or folders; default: the current folder)."""
    from iacguard.engines import IACGUARD
    from iacguard.run.cache import default_cache_dir
    from iacguard.run.outcome import exit_code
    from iacguard.run.runner import CheckSettings, run_check
    from iacguard.settings.parameters import parse_parameter_flags, read_parameters_file

    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    settings = _resolve_settings(paths, flags, outputs)
    parameter_values: dict[str, Any] = {}
    if parameters_file is not None:
        parameter_values.update(read_parameters_file(parameters_file))
    parameter_values.update(parse_parameter_flags(parameter_flags))
    every, rules = _load_rules_for(settings)
    change_base, rules, base_notices = change_safety_options(flags, paths or (Path("."),), rules)
    check_settings = CheckSettings(
        paths=paths or (Path("."),),
        rules=tuple(rules) if IACGUARD in settings.engines else (),
        excludes=settings.exclude,
        include=settings.include,
        parameter_values=parameter_values,
        template_parameters=settings.parameters,
        show_unknown=settings.show_unknown,
        rule_options=settings.rule_options,
        validate=settings.validate,
        regions=settings.regions,
        select=settings.select,
        ignore=settings.ignore,
        facts=settings.facts,
        suppression=_suppression_policy(settings, every, baseline_file),
        engines=settings.engines,
        jobs=jobs or _cpu_count(),
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
        shard=_parse_shard(shard),
        change_base=change_base,
    )
    from iacguard.report.outputs import plan_outputs

    plan = plan_outputs(output_format, settings.output)  # before the run: a bad --output fails fast
    with _progress_bar() as progress:
        report = run_check(check_settings, progress=progress)
    report.notices[:0] = base_notices
    if write_baseline_file is not None:
        _write_baseline(report, write_baseline_file, check_settings.rule_ids)
    code = exit_code(report, settings.fail_on)
    _deliver(report, code, plan, quiet, statistics)
    for notice in report.notices:
        sys.stderr.write(f"iacguard: notice: {notice}\n")
    sys.exit(int(code))


#: Fewer templates than this finish before a progress bar would be worth drawing.
_PROGRESS_MIN_UNITS = 6


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on standard error, only on an interactive terminal outside CI."""
    import os

    from iacguard.ci_env import is_ci

    if is_ci() or os.environ.get("NO_COLOR") or not sys.stderr.isatty():
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


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    """``K/N`` (1-based on the command line) as a 0-based (index, count)."""
    if value is None:
        return None
    index, separator, count = value.partition("/")
    if not (separator and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise IacguardError(f"--shard {value!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return int(index) - 1, int(count)


def _write_baseline(report: Any, path: Path, rule_ids: frozenset[str]) -> None:
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


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="console",
              show_default=True, help="Format of the merged report on standard output.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]PATH",
              help="Write a merged report file (repeatable), as for 'check'.")
@click.option("--fail-on", type=click.Choice(("error", "warning", "note", "never")),
              default="error", show_default=True)
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Custom rule paths the shards used (for the SARIF rules list).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, one line each.")
def merge(
    reports: tuple[Path, ...],
    output_format: str,
    outputs: tuple[str, ...],
    fail_on: str,
    rule_paths: tuple[Path, ...],
    quiet: bool,
) -> None:
    """Merge the JSON reports of 'check --shard K/N' runs into one report and exit code."""
    from iacguard.engines.rules.registry import load_rules
    from iacguard.report.outputs import plan_outputs
    from iacguard.run.merge import merge_shards, read_shard
    from iacguard.run.outcome import exit_code
    from iacguard.suppress.directives import META_RULES

    plan = plan_outputs(output_format, outputs)
    merged = merge_shards((read_shard(path) for path in reports),
                          [*load_rules(rule_paths), *META_RULES])
    code = exit_code(merged, fail_on)
    _deliver(merged, code, plan, quiet, False)
    sys.exit(int(code))


@cli.command("config")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@_settings_options
def show_config(paths: tuple[Path, ...], output_format: str, **flags: Any) -> None:
    """Show the effective settings for PATHS and where each value came from (default,
    configuration file or command line)."""
    from iacguard.settings.config import describe_settings, settings_as_json

    settings = _resolve_settings(paths, flags)
    _load_rules_for(settings)  # the same checks as `check`: unknown rules fail here too
    text = settings_as_json(settings) if output_format == "json" else describe_settings(settings)
    sys.stdout.write(text)


def _deliver(report: Any, code: int, plan: OutputPlan, quiet: bool, statistics: bool) -> None:
    from iacguard.ci_env import is_ci
    from iacguard.report.console import ConsoleOptions, use_color
    from iacguard.report.outputs import print_report, write_outputs

    options = ConsoleOptions(quiet=quiet, statistics=statistics, ci_mode=is_ci(), exit_code=code)
    if plan.stdout_format is not None:
        color = plan.stdout_format == "console" and use_color(sys.stdout)
        print_report(plan.stdout_format, report, code, sys.stdout, replace(options, color=color))
    write_outputs(plan.files, report, code, options)


@cli.command("rules")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table",
              show_default=True)
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also list custom rules from a file or folder.")
def list_rules(output_format: str, rule_paths: tuple[Path, ...]) -> None:
    """List every rule with its id, severity and title."""
    from iacguard.engines.rules.docs import rules_as_json, rules_table
    from iacguard.engines.rules.registry import load_rules
    from iacguard.suppress.directives import META_RULES

    specs = sorted([*load_rules(rule_paths), *META_RULES], key=lambda spec: spec.id)
    sys.stdout.write(rules_as_json(specs) if output_format == "json" else rules_table(specs))


@cli.command()
@click.argument("rule")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path))
def explain(rule: str, rule_paths: tuple[Path, ...]) -> None:
    """Show a rule's documentation: what it checks, why, and how to fix it."""
    from iacguard.engines.rules.docs import explain_rule
    from iacguard.engines.rules.registry import find_rule, load_rules
    from iacguard.suppress.directives import META_RULES

    specs = [*load_rules(rule_paths), *META_RULES]
    spec = find_rule(specs, rule)
    if spec is None:
        raise IacguardError(f"unknown rule {rule!r}; run 'iacguard rules' to list them")
    sys.stdout.write(explain_rule(spec))


@cli.command("init")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace an existing .iacguard.yaml or buildspec (the pre-commit "
              "configuration is only ever added to).")
@click.option("--pre-commit/--no-pre-commit", "pre_commit", default=True, show_default=True,
              help="Add the iacguard hook to .pre-commit-config.yaml (created if missing).")
@click.option("--buildspec/--no-buildspec", "buildspec", default=True, show_default=True,
              help="Write a CodeBuild buildspec for an iacguard validate stage.")
@click.option("--buildspec-path", default="buildspec.yml", show_default=True, metavar="PATH",
              help="Where to write the buildspec, relative to DIRECTORY.")
def init_project(
    directory: Path, force: bool, pre_commit: bool, buildspec: bool, buildspec_path: str
) -> None:
    """Set up a project: a starter .iacguard.yaml, a pre-commit hook and a CodeBuild buildspec.

    Existing files are left alone unless --force is given; every file is listed with what
    was done to it.
    """
    from iacguard.init import InitOptions, describe, initialize

    options = InitOptions(force=force, pre_commit=pre_commit, buildspec=buildspec,
                          buildspec_path=buildspec_path)
    try:
        steps = initialize(directory, options)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        raise IacguardError(f"cannot write{where}: {error.strerror or error}") from None
    sys.stdout.write(describe(steps))


register_change_safety(cli, check)


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so files being written are cleaned up on the way out."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _exit_cleanly_on_sigterm() -> None:
    import contextlib
    import signal

    # Outside the main thread (embedded use) signals cannot be set: leave them alone.
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _raise_terminated)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: maps every way a run can end to a documented exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    _exit_cleanly_on_sigterm()
    try:
        cli.main(args=arguments, prog_name="iacguard", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.exceptions.Abort:
        sys.stderr.write("iacguard: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except click.UsageError as error:
        error.show()
        sys.exit(ExitCode.USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(ExitCode.USAGE)
    except IacguardError as error:
        sys.stderr.write(f"iacguard: error: {error}\n")
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("iacguard: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except _Terminated:
        sys.stderr.write("iacguard: terminated\n")
        sys.exit(ExitCode.TERMINATED)
    except BrokenPipeError:
        sys.exit(ExitCode.OK)
    except Exception as error:  # the last line of defence: one line, never a traceback
        if debug:
            traceback.print_exc()
        sys.stderr.write(
            f"iacguard: internal error: {type(error).__name__}: {error} (rerun with --debug)\n"
        )
        sys.exit(ExitCode.INTERNAL)
