"""Command line: parse arguments, call the pipeline, pick the exit code. No checking logic here.

One module per command: ``check``, ``diff``, ``merge``, ``config``, ``rules`` (with
``explain``) and ``project`` (``init``); :mod:`iacguard.cli.app` holds the group and the exit
codes. Heavy modules are imported inside the commands so ``iacguard --version`` stays instant.
"""

from __future__ import annotations

from iacguard.cli import check, config, diff, merge, project, rules
from iacguard.cli.app import cli, main

__all__ = ["check", "cli", "config", "diff", "main", "merge", "project", "rules"]
