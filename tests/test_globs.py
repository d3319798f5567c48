"""Globs mean the same in every setting that takes them (exclude, include, parameters and the
path of a suppression): matched, case-sensitively, against the path a report shows, its file
name, or a folder that contains it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n"
FILES = ("legacy/old.yaml", "legacy/deep/older.yaml", "stacks/app.yaml", "stacks/app.json")


def checked(tmp_path: Path, *args: str) -> list[str]:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(TEMPLATE if name.endswith(".yaml") else json.dumps(
            {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}))
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--isolated", "--no-validate", "--no-cache",
         "--select", "IGL001", "--format", "json", *args, "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    report = json.loads(result.stdout)
    return sorted(report["files"]["checked"])


@pytest.mark.parametrize(("pattern", "left"), [
    ("legacy", ["stacks/app.json", "stacks/app.yaml"]),  # a folder and everything below it
    ("legacy/", ["stacks/app.json", "stacks/app.yaml"]),
    ("legacy/*", ["stacks/app.json", "stacks/app.yaml"]),  # * crosses folders
    ("*.json", ["legacy/deep/older.yaml", "legacy/old.yaml", "stacks/app.yaml"]),  # a name
    ("stacks/app.yaml", ["legacy/deep/older.yaml", "legacy/old.yaml", "stacks/app.json"]),
    ("Legacy", list(sorted(FILES))),  # case matters, on every platform
])
def test_exclude(tmp_path: Path, pattern: str, left: list[str]) -> None:
    assert checked(tmp_path, "--exclude", pattern) == left


def test_include_and_suppression_paths_match_as_exclude_does(tmp_path: Path) -> None:
    assert checked(tmp_path, "--include", "legacy") == ["legacy/deep/older.yaml",
                                                       "legacy/old.yaml"]
    (tmp_path / ".iacguard.yaml").write_text(
        "suppressions:\n  - {id: IGL001, path: legacy, reason: archived stacks}\n")
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "--no-cache", "--select",
         "IGL001", "--format", "json", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    suppressed = sorted(f["file"] for f in json.loads(result.stdout)["findings"]
                        if f["suppression"])
    assert suppressed == ["legacy/deep/older.yaml", "legacy/old.yaml"]
