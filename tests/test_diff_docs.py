"""Every command and example of docs/change-safety.md, of the change-safety section of README.md
and of the change-safety part of docs/pipelines.md runs as written, with the output shown."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "fixtures" / "diff" / "cdk-app"
DOC = ROOT / "docs" / "change-safety.md"
BIN = Path(sys.executable).parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}
ORDERS = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Orders.
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Properties:
      TableName: {name}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
"""


def blocks(markdown: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2))
            for m in re.finditer(r"```(\w*)\n(.*?)```", markdown, flags=re.DOTALL)]


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Change safety")
    return text[start:text.index("\n## ", start + 1)]


def commands(markdown: str) -> list[tuple[str, str | None]]:
    """(command, the output shown right after it, if any)."""
    found = blocks(markdown)
    result = []
    for index, (language, body) in enumerate(found):
        if language != "sh":
            continue
        lines = [line for line in body.splitlines() if line.strip()]
        shown = found[index + 1][1] if index + 1 < len(found) and found[index + 1][0] == "text" \
            else None
        result.extend((line, shown if len(lines) == 1 else None) for line in lines)
    return result


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                   capture_output=True, timeout=60)


def repository_with_origin(root: Path) -> Path:
    """A clone whose origin/main holds the base; the work tree holds the change."""
    origin = root / "origin.git"
    work = root / "work"
    work.mkdir(parents=True)
    git(root, "init", "-q", "--bare", "-b", "main", str(origin))
    git(work, "init", "-q", "-b", "main")
    (work / "templates").mkdir()
    (work / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders"))
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")
    git(work, "fetch", "-q", "origin")
    (work / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders-v2"))
    return work


def in_repository_root(tmp_path: Path) -> Path:
    return ROOT


def in_git_sandbox(tmp_path: Path) -> Path:
    return repository_with_origin(tmp_path)


def in_cdk_sandbox(tmp_path: Path) -> Path:
    work = repository_with_origin(tmp_path)
    shutil.copytree(APP / "after.out", work / "cdk.out")
    shutil.copytree(APP / "before.out", work.parent / "base.out")
    return work


#: Where each documented command runs, and the exit code it must give there.
SANDBOXES: dict[str, tuple[Callable[[Path], Path], int]] = {
    "iacguard diff tests/fixtures/diff/cdk-app/before.out tests/fixtures/diff/cdk-app/after.out "
    "--quiet": (in_repository_root, 1),
    "iacguard diff tests/fixtures/diff/replace-create-only/base.yaml "
    "tests/fixtures/diff/replace-create-only/head.yaml --statistics": (in_repository_root, 1),
    "iacguard check --base origin/main --select IGC --quiet templates/": (in_git_sandbox, 1),
    "iacguard check --base origin/main templates/": (in_git_sandbox, 1),
    "iacguard check --base origin/main --base-assembly ../base.out cdk.out": (in_cdk_sandbox, 1),
}
DOCUMENTED = [*commands(DOC.read_text(encoding="utf-8")), *commands(readme_section()),
              ("iacguard check --base origin/main templates/", None)]  # inline in the README


def run_shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **GIT_ENV, "NO_COLOR": "1", "CI": "false",
                   "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_every_documented_command_has_a_sandbox() -> None:
    assert DOCUMENTED
    assert {command for command, _ in DOCUMENTED} == set(SANDBOXES)


@pytest.mark.parametrize(("command", "shown"), DOCUMENTED, ids=[c for c, _ in DOCUMENTED])
def test_documented_command_runs_as_written(command: str, shown: str | None,
                                            tmp_path: Path) -> None:
    prepare, exit_code = SANDBOXES[command]
    result = run_shell(command, prepare(tmp_path))
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    if shown is not None:
        assert result.stdout == shown
    if "--base-assembly" in command:
        rules = set(re.findall(r" (IGC00\d) ", result.stdout))
        assert rules == {"IGC001", "IGC002", "IGC004", "IGC006", "IGC008"}, result.stdout


def test_documented_suppression_applies_to_a_change_finding(tmp_path: Path) -> None:
    (snippet,) = [body for language, body in blocks(DOC.read_text(encoding="utf-8"))
                  if language == "yaml"]
    (tmp_path / "head.yaml").write_text(snippet)
    (tmp_path / "base.yaml").write_text(snippet.replace(
        "TableName: orders-v2  # iacguard: ignore[IGC001] data copied by the migration job "
        "(DATA-7)", "TableName: orders"))
    result = run_shell("iacguard diff base.yaml head.yaml --format json", tmp_path)
    assert result.returncode == 0, result.stdout
    assert '"reason": "data copied by the migration job (DATA-7)"' in result.stdout


def test_documented_pre_commit_hook_exists() -> None:
    pipelines = (ROOT / "docs" / "pipelines.md").read_text(encoding="utf-8")
    section = pipelines[pipelines.index("### Change safety in pull requests"):]
    (snippet,) = [body for language, body in blocks(section) if language == "yaml"][:1]
    (entry,) = yaml.safe_load(snippet)
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == entry["id"]]
    assert hook["entry"] == "iacguard check --base HEAD --select IGC --no-validate"
