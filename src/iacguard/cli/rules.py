"""``iacguard rules`` and ``iacguard explain``: every rule, and one rule's documentation.
iacguard's own codes (IG0xxx) are listed and explained like rules; cfn-lint's validation rules
too, on request (listing them imports cfn-lint)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from iacguard.cli.app import cli
from iacguard.errors import IacguardError

ENGINES = ("iacguard", "cfn-lint", "all")


@cli.command("rules")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table",
              show_default=True)
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also list custom rules from a file or folder.")
@click.option("--engine", type=click.Choice(ENGINES), default="iacguard", show_default=True,
              help="Whose rules: iacguard's (built-in and custom), cfn-lint's validation rules, "
                   "or all of them.")
def list_rules(output_format: str, rule_paths: tuple[Path, ...], engine: str) -> None:
    """List every rule with its id, severity and title."""
    from iacguard.cli.say import printable_text
    from iacguard.engines.rules.docs import rule_to_dict, rules_as_json, rules_table
    from iacguard.run.plan import known_rules

    specs = sorted(known_rules(rule_paths), key=lambda spec: spec.id) if engine != "cfn-lint" \
        else []
    if engine == "iacguard":
        sys.stdout.write(rules_as_json(specs) if output_format == "json"
                         else printable_text(rules_table(specs)))
        return
    from iacguard.engines.cfnlint_catalog import cfn_lint_rules, cfn_lint_rules_as_dicts

    others = cfn_lint_rules()
    if output_format == "json":
        rows = [*(rule_to_dict(spec) for spec in specs), *cfn_lint_rules_as_dicts(others)]
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    table = [(spec.id, spec.severity.value, spec.name, spec.title) for spec in specs]
    table += [(rule.id, rule.severity.value, rule.name, rule.title) for rule in others]
    sys.stdout.write(printable_text(_table(table)))


def _table(rows: list[tuple[str, str, str, str]]) -> str:
    id_width = max((len(row[0]) for row in rows), default=2)
    lines = [f"{'ID':<{id_width}}  {'SEVERITY':<8}  {'NAME':<48}  TITLE"]
    lines += [f"{i:<{id_width}}  {severity:<8}  {name:<48}  {title}"
              for i, severity, name, title in rows]
    lines.append(f"\n{len(rows)} rules")
    return "\n".join(lines) + "\n"


@cli.command()
@click.argument("rule")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path))
def explain(rule: str, rule_paths: tuple[Path, ...]) -> None:
    """Show a rule's documentation: what it checks, why, and how to fix it.
    cfn-lint's rules are named with or without their prefix (E3002, cfn-lint/E3002)."""
    from iacguard.engines.rules.docs import explain_rule
    from iacguard.engines.rules.registry import find_rule
    from iacguard.run.plan import known_rules

    spec = find_rule(known_rules(rule_paths), rule)
    from iacguard.cli.say import printable_text

    if spec is not None:
        sys.stdout.write(printable_text(explain_rule(spec)))
        return
    from iacguard.engines.cfnlint_catalog import (
        explain_cfn_lint_rule,
        find_cfn_lint_rule,
        looks_like_cfn_lint_id,
    )

    if looks_like_cfn_lint_id(rule):
        found = find_cfn_lint_rule(rule)
        if found is not None:
            sys.stdout.write(printable_text(explain_cfn_lint_rule(found)))
            return
    raise IacguardError(f"unknown rule {rule!r}; run 'iacguard rules' (or 'iacguard rules "
                        "--engine all' with cfn-lint's) to list them")
