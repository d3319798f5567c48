"""The progress bar appears on an interactive terminal, and never in a pipe, a log or CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n"


def _tree(tmp_path: Path) -> Path:
    for index in range(40):
        (tmp_path / f"t{index:02}.yaml").write_text(TEMPLATE)
    return tmp_path


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux 'script' for a tty")
def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    command = f"{sys.executable} -m iacguard check --no-cache --fail-on never -q ."
    environment = {k: v for k, v in os.environ.items() if k not in {"CI", "NO_COLOR"}}
    environment.update({"TERM": "xterm", "COLUMNS": "100"})
    result = subprocess.run(["script", "-qec", command, "/dev/null"], cwd=_tree(tmp_path),
                            capture_output=True, text=True, timeout=300, env=environment)
    assert "checking" in result.stdout  # the pseudo-terminal carries stderr too
    assert "/40" in result.stdout


def test_no_progress_bar_in_a_pipe_or_ci(tmp_path: Path) -> None:
    for extra in ({"CI": "false"}, {"CI": "true"}):
        result = subprocess.run(
            [sys.executable, "-m", "iacguard", "check", "--no-cache", "--fail-on", "never", "."],
            cwd=_tree(tmp_path), capture_output=True, text=True, timeout=300,
            env={**os.environ, **extra},
        )
        assert "checking" not in result.stderr
        assert "\x1b[" not in result.stdout + result.stderr
