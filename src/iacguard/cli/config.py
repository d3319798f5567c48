"""``iacguard config``: the effective settings and where each value came from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from iacguard.cli.app import cli
from iacguard.cli.options import resolved, settings_options


@cli.command("config")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@settings_options(lambda item: item.in_config_file)
def show_config(paths: tuple[Path, ...], output_format: str, **values: Any) -> None:
    """Show the effective settings for PATHS and where each value came from (default,
    configuration file or command line)."""
    from iacguard.run.plan import rules_for
    from iacguard.settings.show import describe_settings, settings_as_json

    settings = resolved(paths, values)
    rules_for(settings)  # the same checks as `check`: unknown rules fail here too
    from iacguard.cli.say import printable_text

    if output_format == "json":
        sys.stdout.write(settings_as_json(settings))
    else:
        sys.stdout.write(printable_text(describe_settings(settings)))
