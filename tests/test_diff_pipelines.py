"""The change-safety pipeline examples (CodeBuild buildspec, GitHub Actions workflow) run as
written in a repository with a pull request: the merge base is checked out next to the work
tree, both versions of the CDK app are synthesized, and iacguard compares them.

`npm` and `npx cdk synth` are stand-ins here (no registry, no minutes of synthesis): `npx cdk
synth` writes the real assembly that tests/fixtures/diff/cdk-app synthesized for the variant the
checkout holds (a file named `variant`), to `-o DIR` or `cdk.out` as the real CLI does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from iacguard import PINNED_PIP_SPEC
from iacguard.engines.rules.embedded import check_buildspec_text
from test_codebuild_example import bash_script

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "fixtures" / "diff" / "cdk-app"
BUILDSPEC = ROOT / "examples" / "codebuild" / "buildspec-change-safety.yml"
WORKFLOW = ROOT / "examples" / "github" / "iacguard-change-safety.yml"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}
FAKE_NPX = """#!/usr/bin/env bash
# Stand-in for `npx cdk synth [--quiet] [-o DIR]`: the fixture's real assembly for ./variant.
[ "$1" = cdk ] && [ "$2" = synth ] || { echo "unexpected: npx $*" >&2; exit 2; }
shift 2; out=cdk.out
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; esac; shift; done
rm -rf "$out" && cp -R "$FIXTURE_APP/$(cat variant).out" "$out"
"""
EXPECTED = {"IGC001", "IGC002", "IGC004", "IGC006", "IGC008"}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV},
                            check=True, capture_output=True, text=True, timeout=60)
    return result.stdout


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone of an app whose branch `feature` (checked out) changes what `main` deploys."""
    origin, work = tmp_path / "origin.git", tmp_path / "app"
    work.mkdir()
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(work, "init", "-q", "-b", "main")
    (work / "variant").write_text("before\n")
    (work / "cdk.json").write_text('{"app": "npx ts-node --prefer-ts-exts bin/diff-app.ts"}\n')
    (work / "package.json").write_text('{"name": "app", "private": true}\n')
    (work / ".gitignore").write_text("cdk.out/\nnode_modules/\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "deployed")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")
    git(work, "checkout", "-q", "-b", "feature")
    (work / "variant").write_text("after\n")
    git(work, "commit", "-q", "-am", "move the orders table")
    git(work, "fetch", "-q", "origin")  # what a checkout with full history has
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "npx").write_text(FAKE_NPX)
    (tools / "npm").write_text("#!/usr/bin/env bash\n[ \"$1\" = ci ] || exit 2\n")
    for tool in ("npx", "npm"):
        (tools / tool).chmod(0o755)
    return work


def environment(work: Path, **extra: str) -> dict[str, str]:
    path = f"{work.parent / 'tools'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
    return {**os.environ, **GIT_ENV, "FIXTURE_APP": str(APP), "CI": "true",
            "PATH": path + os.environ["PATH"], **extra}


def test_buildspec_is_valid() -> None:
    assert check_buildspec_text(BUILDSPEC.read_text(encoding="utf-8")) == []


def test_codebuild_compares_the_pull_request_with_its_merge_base(pull_request: Path) -> None:
    script = bash_script(yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8")))
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=300,
        env=environment(pull_request, CODEBUILD_SRC_DIR=str(pull_request),
                        CODEBUILD_BUILD_ID="change-safety:1", IACGUARD_SKIP_INSTALL="true"),
    )
    log = result.stdout + result.stderr
    assert result.returncode == 1, log
    assert "iacguard exited with code 1: failing the build" in log
    assert (pull_request.parent / "base" / "variant").read_text() == "before\n"
    sarif = json.loads((pull_request / "reports" / "change-safety.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == EXPECTED
    assert (pull_request / "reports" / "change-safety.xml").is_file()


def test_github_workflow_compares_the_pull_request_with_its_merge_base(
    pull_request: Path, tmp_path: Path
) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [step["run"] for step in workflow["jobs"]["change-safety"]["steps"] if "run" in step]
    install, synthesize, check = steps
    # The pinned source (never the bare name); the test runs the working tree instead.
    assert install == f'pip install "{PINNED_PIP_SPEC}"'
    github_env = tmp_path / "github-env"
    github_env.write_text("")
    variables = environment(pull_request, GITHUB_BASE_REF="main", GITHUB_ENV=str(github_env),
                            GITHUB_ACTIONS="true")
    synthesized = subprocess.run(["bash", "-e", "-c", synthesize], cwd=pull_request, env=variables,
                                 capture_output=True, text=True, timeout=300)
    assert synthesized.returncode == 0, synthesized.stdout + synthesized.stderr
    name, _, base = github_env.read_text().strip().partition("=")
    assert name == "IACGUARD_BASE"
    assert base == git(pull_request, "rev-parse", "main").strip()
    result = subprocess.run(["bash", "-e", "-c", check], cwd=pull_request,
                            env={**variables, name: base}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "::error file=cdk.out/Shop.template.json,line=28," in result.stdout
    sarif = json.loads((pull_request / "iacguard-change-safety.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == EXPECTED
