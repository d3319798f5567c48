"""Command-line wiring of change safety: the ``diff`` command, and ``--base`` /
``--base-assembly`` for ``check``. Kept apart from cli.py, which attaches it with
:func:`register` and calls :func:`change_safety_options` from ``check``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iacguard.errors import IacguardError

if TYPE_CHECKING:
    from iacguard.diff.check_base import ChangeBase
    from iacguard.diff.sources import Side
    from iacguard.engines.rules.spec import RuleSpec
    from iacguard.findings import Report
    from iacguard.suppress.directives import SuppressionPolicy

_FORMATS = ("console", "json", "sarif", "junit", "github")
#: Settings flags ``diff`` does not offer, with the values that leave the configuration alone.
_UNUSED_FLAGS: dict[str, Any] = {
    "include": (), "exclude": (), "extend_select": (), "rule_paths": (), "validate": False,
    "engines": (),
}


def register(group: click.Group, check: click.Command) -> None:
    """Add ``diff`` to the command group and --base / --base-assembly to ``check``."""
    group.add_command(diff)
    check.params.extend([
        click.Option(["--base"], metavar="REF", default=None,
                     help="Also compare every checked template with its version at git REF "
                     "(read with git, never checked out) and report what the change does to "
                     "running stacks (IGC rules)."),
        click.Option(["--base-assembly"], metavar="DIR", default=None,
                     type=click.Path(path_type=Path, file_okay=False),
                     help="Compare the checked CDK assembly with this one, synthesized from "
                     "the base branch."),
    ])


def change_safety_options(
    flags: dict[str, Any], paths: Sequence[Path], rules: Sequence[RuleSpec]
) -> tuple[ChangeBase | None, list[RuleSpec], list[str]]:
    """``check``'s --base / --base-assembly: where BASE versions come from (None without
    them), the rules to run (change-safety rules only with a BASE) and notices."""
    ref, assembly = flags.get("base"), flags.get("base_assembly")
    if not ref and assembly is None:
        return None, [rule for rule in rules if rule.kind != "change"], []
    from iacguard.diff.check_base import ChangeBase, assembly_digest
    from iacguard.diff.git import GitBase, open_base, repository_path
    from iacguard.discover.cdk_project import find_cloud_assembly

    git: GitBase | None = None
    notices: list[str] = []
    if ref:
        git, notice = open_base(ref, Path.cwd())
        notices.extend([notice] if notice else [])
        for path in paths:
            if path.resolve() != git.root:
                repository_path(git, path)  # a path outside the repository: exit 2
    root = None
    if assembly is not None:
        root = find_cloud_assembly(assembly)
        if root is None:
            raise IacguardError(f"--base-assembly {assembly}: not a CDK cloud assembly "
                                "(no manifest.json); run cdk synth on the base branch")
    digest = assembly_digest(root) if root is not None else ""
    return ChangeBase(git, root, digest), list(rules), notices


@click.command("diff")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("head", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(_FORMATS), default="console",
              show_default=True, help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="[FORMAT:]PATH",
              help="Write a report file (atomically; repeatable), as for 'check'.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read settings from this file instead of the nearest configuration.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--select", multiple=True, help="Only these rules (ids, prefixes, names, tags).")
@click.option("--ignore", multiple=True, help="Never these rules (ids, prefixes, names, tags).")
@click.option("--fail-on", type=click.Choice(("error", "warning", "note", "never")),
              default=None, help="Exit 1 when a finding at or above this severity remains "
              "[default: error].")
@click.option("--show-unknown/--hide-unknown", default=None,
              help="Also report changes that cannot be judged before deploy (as notes).")
@click.option("--inline-suppressions/--no-inline-suppressions", default=None,
              help="Honour suppressions written in the HEAD templates [default: honour].")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="Region whose resource schemas say what replaces a resource "
              "[default: us-east-1].")
@click.option("--parameter", "parameter_flags", multiple=True, metavar="NAME=VALUE",
              help="Give a template parameter a value (in both versions).")
@click.option("--parameters", "parameters_file", type=click.Path(path_type=Path),
              help='Parameter values file: {"Parameters": {...}} (CodePipeline format).')
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Report findings recorded in this baseline file as suppressed.")
@click.option("--write-baseline", "write_baseline_file",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Record the run's active findings in this baseline file.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, one line each.")
@click.option("--statistics", is_flag=True, help="Print counts per rule and severity.")
def diff(base: Path, head: Path, output_format: str, outputs: tuple[str, ...],
         parameter_flags: tuple[str, ...], parameters_file: Path | None,
         baseline_file: Path | None, write_baseline_file: Path | None, quiet: bool,
         statistics: bool, **flags: Any) -> None:
    """Compare BASE (what is deployed) with HEAD (the change): two template files, two folders
    of templates, or two CDK cloud assemblies. Reports what the change does to running stacks:
    replacements, moves and removals that lose data, names that clash, exports in use, weaker
    retention and rollback protections. Needs no AWS access."""
    from iacguard import cli as command_line
    from iacguard.report.outputs import plan_outputs
    from iacguard.run.outcome import exit_code

    settings = command_line._resolve_settings((head,), {**_UNUSED_FLAGS, **flags}, outputs)
    every, chosen = command_line._load_rules_for(settings)
    rules = [rule for rule in chosen if rule.kind == "change"]
    plan = plan_outputs(output_format, settings.output)
    policy = command_line._suppression_policy(settings, every, baseline_file)
    values = _parameter_values(parameters_file, parameter_flags)
    report = run_diff(base, head, rules, policy, settings.show_unknown, settings.regions[0],
                      values)
    if write_baseline_file is not None:
        command_line._write_baseline(report, write_baseline_file,
                                     frozenset(rule.id for rule in rules))
    code = exit_code(report, settings.fail_on)
    command_line._deliver(report, code, plan, quiet, statistics)
    for notice in report.notices:
        sys.stderr.write(f"iacguard: notice: {notice}\n")
    sys.exit(int(code))


def _parameter_values(parameters_file: Path | None,
                      parameter_flags: Sequence[str]) -> dict[str, Any]:
    from iacguard.settings.parameters import parse_parameter_flags, read_parameters_file

    values: dict[str, Any] = {}
    if parameters_file is not None:
        values.update(read_parameters_file(parameters_file))
    values.update(parse_parameter_flags(parameter_flags))
    return values


def run_diff(
    base: Path, head: Path, rules: Sequence[RuleSpec], policy: SuppressionPolicy,
    show_unknown: bool = False, region: str = "us-east-1",
    parameters: dict[str, Any] | None = None,
) -> Report:
    """Compare two sides and return the report, suppressions applied."""
    from iacguard.diff.compare import CompareOptions, compare
    from iacguard.diff.sources import read_side, side_kind
    from iacguard.findings import Report

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
    from iacguard.suppress.directives import suppress_run

    suppress_run(report, policy, [rule.id for rule in rules])
    report.sort()
    return report


def _suppressed(findings: list[Any], head: Side, policy: SuppressionPolicy,
                rules: Sequence[RuleSpec]) -> list[Any]:
    """Suppressions written in each HEAD template apply to the findings that point into it."""
    from iacguard.suppress.directives import suppress_template_findings

    ran = [rule.id for rule in rules]
    result = []
    by_file = {v.template.display_path: v.template for v in head.versions}
    for display, template in by_file.items():
        own = [f for f in findings if f.file == display]
        result.extend(suppress_template_findings(own, template, policy, ran))
    result.extend(f for f in findings if f.file not in by_file)
    return result
