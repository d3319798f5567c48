"""An interrupted run leaves no half-written report and exits 130 (SIGINT) or 143 (SIGTERM)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TEMPLATE = (
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
    + "".join(f"  Logs{i}:\n    Type: AWS::Logs::LogGroup\n" for i in range(40))
)


@pytest.mark.parametrize(("sent", "expected"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_interrupted_run_leaves_nothing_half_written(tmp_path: Path, sent: int, expected: int) -> None:
    for index in range(300):
        (tmp_path / f"t{index:03}.yaml").write_text(TEMPLATE)
    report = tmp_path / "reports" / "out.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "iacguard", "check", "--format", "json", "--output", str(report),
         str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(2.5)
    process.send_signal(sent)
    _, err = process.communicate(timeout=60)
    if process.returncode == 1:
        pytest.skip("the run finished before the signal arrived")
    # A shell reports a process killed by SIGINT as 130 too, so a pipeline sees the same status
    # whether Python exits with 130 itself or re-raises the signal on the way out.
    assert process.returncode in (expected, -sent), err
    assert "Traceback" not in err
    assert not report.exists()
    leftovers = list((tmp_path / "reports").glob("*")) if (tmp_path / "reports").exists() else []
    assert leftovers == []
    assert [p.name for p in tmp_path.glob("t000.yaml")] == ["t000.yaml"]
    assert (tmp_path / "t000.yaml").read_text() == TEMPLATE
