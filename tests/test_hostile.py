"""Hostile and broken input: every case next to a good template, whose finding must survive.

Each case must end with a one-line problem naming the file (and line where there is one), quickly
and in bounded memory, with exit 2 when the broken file is a template, never a traceback or exit 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from iacguard.discover.walk import Candidate
from iacguard.engines.rules.registry import load_rules
from iacguard.run.runner import CheckSettings, check_candidate, run_check
from iacguard.settings.definitions import Settings

GOOD = (
    "AWSTemplateFormatVersion: '2010-09-09'\n"
    "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryName: a\n"
)
RULES = tuple(load_rules())


def _alias_bomb() -> str:
    lines = ["Resources:", "  X: {Type: AWS::SNS::Topic}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


TEXT_CASES: dict[str, tuple[str, str]] = {
    # name: (file content, fragment of the expected problem; "" = checked without a problem)
    "alias-bomb.yaml": (_alias_bomb(), "alias amplification"),
    "deep.yaml": ("Resources: " + "[" * 10_000 + "]" * 10_000 + "\n", "nesting"),
    "deep-block.yaml": (
        "Resources:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(400)), "nesting"
    ),
    "empty.yaml": ("", ""),
    "comment-only.yaml": ("# AWSTemplateFormatVersion later\n", ""),
    "resources-list.yaml": ("AWSTemplateFormatVersion: '2010-09-09'\nResources: [a, b]\n", ""),
    "resources-string.yaml": ("AWSTemplateFormatVersion: '2010-09-09'\nResources: nope\n", ""),
    "no-type.yaml": ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: {Properties: {}}\n", ""),
    "mapping-type.yaml": (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: {Source: x}\n", ""
    ),
    "number-type.yaml": ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: {Type: 5}\n", ""),
    "string-properties.yaml": (
        "Resources:\n  R: {Type: AWS::ECR::Repository, Properties: oops}\n"
        "  L: {Type: AWS::Logs::LogGroup, Properties: [1, 2]}\n"
        "  A: {Type: AWS::CloudWatch::Alarm, Properties: {AlarmActions: nope, OKActions: 3}}\n",
        "",
    ),
    "unknown-intrinsic.yaml": (
        "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      ImageScanningConfiguration: !Frobnicate [a]\n"
        "      RepositoryName: !If [OnlyOneArg]\n",
        "",
    ),
    "bad-arity.yaml": (
        "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      ImageScanningConfiguration: {ScanOnPush: !If [C, true]}\n"
        "      RepositoryName: !Sub []\n"
        "      Tags: !GetAtt []\n",
        "",
    ),
    "circular.yaml": (
        "Resources:\n  A: {Type: AWS::SNS::Topic, DependsOn: B, Properties: {TopicName: !Ref B}}\n"
        "  B: {Type: AWS::SNS::Topic, DependsOn: [A, A], Properties: {TopicName: !Ref A}}\n",
        "",
    ),
    "python-tag.yaml": ("Resources: !!python/object/apply:os.system ['true']\n", "unsupported YAML tag"),
    "duplicate.yaml": ("Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", "duplicate key"),
}

BYTE_CASES: dict[str, tuple[bytes, str]] = {
    "binary.yaml": (bytes(range(256)) * 4, "binary"),
    "latin1.yaml": ("Resources:\n  A: {Type: café}\n".encode("latin-1"), "not valid UTF-8"),
    "utf16.yaml": ("\ufeffResources:\n  A: {Type: X}\n".encode("utf-16"), "UTF-16"),
    "bom.yaml": (b"\xef\xbb\xbf" + GOOD.encode(), ""),
}


def _settings(paths: tuple[Path, ...]) -> CheckSettings:
    return CheckSettings(paths=paths, rules=RULES, settings=Settings(validate=False))


def name_of(write: Callable[[Path], None]) -> str:
    """The hostile file's name (findings on it are fine; crashes and lost findings are not)."""
    return getattr(write, "file_name", "")


def _check_beside_good(tmp_path: Path, write: Callable[[Path], None], fragment: str) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    write(tmp_path)
    started = time.monotonic()
    report = run_check(_settings((tmp_path,)))
    assert time.monotonic() - started < 20
    assert ("good.yaml", "IGE001") in [
        (f.file.rsplit("/", 1)[-1], f.rule_id) for f in report.findings
    ]
    assert {f.file.rsplit("/", 1)[-1] for f in report.findings} <= {"good.yaml", name_of(write)}
    assert not [f for f in report.findings if f.rule_id == "IG0002"], report.findings
    if fragment:
        (problem,) = report.problems
        assert fragment in problem.message
        assert "\n" not in str(problem)
    else:
        assert report.problems == []


@pytest.mark.parametrize("name", sorted(TEXT_CASES))
def test_hostile_text(tmp_path: Path, name: str) -> None:
    content, fragment = TEXT_CASES[name]

    def write(folder: Path) -> None:
        (folder / name).write_text(content)

    write.file_name = name  # type: ignore[attr-defined]
    _check_beside_good(tmp_path, write, fragment)


@pytest.mark.parametrize("name", sorted(BYTE_CASES))
def test_hostile_bytes(tmp_path: Path, name: str) -> None:
    content, fragment = BYTE_CASES[name]

    def write(folder: Path) -> None:
        (folder / name).write_bytes(content)

    write.file_name = name  # type: ignore[attr-defined]
    _check_beside_good(tmp_path, write, fragment)


def test_twenty_megabyte_template(tmp_path: Path) -> None:
    def write(folder: Path) -> None:
        with (folder / "huge.yaml").open("w") as handle:
            handle.write("Resources:\n")
            line = "  T{0}: {{Type: AWS::SNS::Topic}}\n"
            for index in range(700_000):
                handle.write(line.format(index))

    _check_beside_good(tmp_path, write, "limit")


def test_directory_symlink_loop(tmp_path: Path) -> None:
    def write(folder: Path) -> None:
        (folder / "sub").mkdir()
        os.symlink(folder, folder / "sub" / "loop")
        os.symlink(folder / "self.yaml", folder / "self.yaml")

    (tmp_path / "good.yaml").write_text(GOOD)
    write(tmp_path)
    report = run_check(_settings((tmp_path,)))
    assert "IGE001" in [f.rule_id for f in report.findings]
    (problem,) = report.problems
    assert problem.file.endswith("self.yaml")


def test_file_deleted_between_discovery_and_loading(tmp_path: Path) -> None:
    gone = tmp_path / "gone.yaml"
    report = check_candidate(Candidate(gone, "gone.yaml", requested=True), _settings((tmp_path,)))
    (problem,) = report.problems
    assert problem.message == "file does not exist (was it deleted during the run?)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    def write(folder: Path) -> None:
        target = folder / "secret.yaml"
        target.write_text(GOOD)
        target.chmod(0)

    _check_beside_good(tmp_path, write, "permission denied")


def test_directory_named_like_a_template(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "good.yaml").write_text(GOOD)
    report = run_check(_settings((tmp_path,)))
    assert "IGE001" in [f.rule_id for f in report.findings]


def test_cli_exit_codes_for_hostile_files(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bomb.yaml").write_text(_alias_bomb())
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "good.yaml", "bomb.yaml",
         "missing.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "good.yaml:5:5 IGE001" in result.stdout
    assert "bomb.yaml:" in result.stdout and "alias amplification" in result.stdout
    assert "missing.yaml: path does not exist" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
