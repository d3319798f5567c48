"""Command line: parse arguments, call the pipeline, pick the exit code. No checking logic here.

Heavy modules are imported inside the commands so ``iacguard --version`` stays instant.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iacguard import __version__
from iacguard.errors import ExitCode, IacguardError

if TYPE_CHECKING:
    from iacguard.reporters.outputs import OutputPlan

#: Report formats; kept in step with iacguard.reporters.outputs.FORMATS (a test checks it), so
#: the CLI can declare its options without importing every reporter.
FORMATS = ("console", "json", "sarif", "junit", "github")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """Accept both ``--select A --select B`` and ``--select A,B``."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="iacguard", message="%(prog)s %(version)s")
def cli() -> None:
    """Policy linter and template validator for AWS CloudFormation, SAM and CDK."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="console",
              show_default=True, help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]PATH",
              help="Write a report file (atomically; repeatable). FORMAT:PATH adds that format "
              "(e.g. sarif:reports/iacguard.sarif) while the --format report still goes to "
              "standard output; a plain PATH takes the --format report instead.")
@click.option("--select", multiple=True, help="Only run these rules (ids, prefixes, names, tags).")
@click.option("--ignore", multiple=True, help="Never run these rules (ids, prefixes, names, tags).")
@click.option("--fail-on", type=click.Choice(("error", "warning", "note", "never")),
              default="error", show_default=True,
              help="Exit 1 when a finding at or above this severity remains.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB.")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Load custom YAML rules from a file or folder.")
@click.option("--parameter", "parameter_flags", multiple=True, metavar="NAME=VALUE",
              help="Give a template parameter a value.")
@click.option("--parameters", "parameters_file", type=click.Path(path_type=Path),
              help='Parameter values file: {"Parameters": {...}} (CodePipeline format).')
@click.option("--show-unknown", is_flag=True,
              help="Also report checks that cannot be decided statically (as notes).")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Also validate each template with cfn-lint (schemas, references, functions).")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="AWS region to validate against (repeatable; default us-east-1).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, one line each.")
@click.option("--statistics", is_flag=True,
              help="Print counts per rule and severity instead of each finding.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    outputs: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str,
    exclude: tuple[str, ...],
    rule_paths: tuple[Path, ...],
    parameter_flags: tuple[str, ...],
    parameters_file: Path | None,
    show_unknown: bool,
    validate: bool,
    regions: tuple[str, ...],
    quiet: bool,
    statistics: bool,
    debug: bool,
) -> None:
    """Check CloudFormation templates (files or folders; default: the current folder)."""
    from iacguard.outcome import exit_code
    from iacguard.parameters import parse_parameter_flags, read_parameters_file
    from iacguard.rules.registry import load_rules, select_rules
    from iacguard.runner import CheckSettings, run_check

    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    parameter_values: dict[str, Any] = {}
    if parameters_file is not None:
        parameter_values.update(read_parameters_file(parameters_file))
    parameter_values.update(parse_parameter_flags(parameter_flags))
    rules = select_rules(load_rules(rule_paths), _split(select), _split(ignore))
    settings = CheckSettings(
        paths=paths or (Path("."),),
        rules=tuple(rules),
        excludes=_split(exclude),
        parameter_values=parameter_values,
        show_unknown=show_unknown,
        validate=validate,
        regions=_split(regions) or ("us-east-1",),
        select=_split(select),
        ignore=_split(ignore),
    )
    from iacguard.reporters.outputs import plan_outputs

    plan = plan_outputs(output_format, outputs)  # before the run: a bad --output fails fast
    report = run_check(settings)
    code = exit_code(report, fail_on)
    _deliver(report, code, plan, quiet, statistics)
    sys.exit(int(code))


def _deliver(report: Any, code: int, plan: OutputPlan, quiet: bool, statistics: bool) -> None:
    from iacguard.reporters.console import ConsoleOptions, use_color
    from iacguard.reporters.outputs import print_report, write_outputs

    from iacguard.ci_env import is_ci

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
    from iacguard.rules.docs import rules_as_json, rules_table
    from iacguard.rules.registry import load_rules

    specs = load_rules(rule_paths)
    sys.stdout.write(rules_as_json(specs) if output_format == "json" else rules_table(specs))


@cli.command()
@click.argument("rule")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path))
def explain(rule: str, rule_paths: tuple[Path, ...]) -> None:
    """Show a rule's documentation: what it checks, why, and how to fix it."""
    from iacguard.rules.docs import explain_rule
    from iacguard.rules.registry import find_rule, load_rules

    specs = load_rules(rule_paths)
    spec = find_rule(specs, rule)
    if spec is None:
        raise IacguardError(f"unknown rule {rule!r}; run 'iacguard rules' to list them")
    sys.stdout.write(explain_rule(spec))


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so files being written are cleaned up on the way out."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _exit_cleanly_on_sigterm() -> None:
    import signal

    try:
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        pass


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
