"""``iacguard rules`` and ``iacguard explain``: every rule, and one rule's documentation.
iacguard's own codes (IG0xxx) are listed and explained like rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacguard.cli.app import cli
from iacguard.errors import IacguardError


@cli.command("rules")
@click.option("--format", "output_format", type=click.Choice(("table", "json")), default="table",
              show_default=True)
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also list custom rules from a file or folder.")
def list_rules(output_format: str, rule_paths: tuple[Path, ...]) -> None:
    """List every rule with its id, severity and title."""
    from iacguard.engines.rules.docs import rules_as_json, rules_table
    from iacguard.run.plan import known_rules

    specs = sorted(known_rules(rule_paths), key=lambda spec: spec.id)
    from iacguard.cli.say import printable_text

    sys.stdout.write(rules_as_json(specs) if output_format == "json"
                     else printable_text(rules_table(specs)))


@cli.command()
@click.argument("rule")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(path_type=Path))
def explain(rule: str, rule_paths: tuple[Path, ...]) -> None:
    """Show a rule's documentation: what it checks, why, and how to fix it."""
    from iacguard.engines.rules.docs import explain_rule
    from iacguard.engines.rules.registry import find_rule
    from iacguard.run.plan import known_rules

    spec = find_rule(known_rules(rule_paths), rule)
    if spec is None:
        raise IacguardError(f"unknown rule {rule!r}; run 'iacguard rules' to list them")
    from iacguard.cli.say import printable_text

    sys.stdout.write(printable_text(explain_rule(spec)))
