"""``iacguard init``: set a project up with a configuration, a pre-commit hook and a buildspec."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacguard.cli.app import cli
from iacguard.errors import IacguardError


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
    from iacguard.cli.project_files import InitOptions, describe, initialize

    options = InitOptions(force=force, pre_commit=pre_commit, buildspec=buildspec,
                          buildspec_path=buildspec_path)
    try:
        steps = initialize(directory, options)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        raise IacguardError(f"cannot write{where}: {error.strerror or error}") from None
    from iacguard.cli.say import printable_text

    sys.stdout.write(printable_text(describe(steps)))
