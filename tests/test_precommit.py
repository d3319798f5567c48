"""The pre-commit hooks, driven through the real pre-commit tool and real `git commit`s.

pre-commit installs a hook repository the way a user's machine would: it clones the repository
at a revision and pip-installs it into its own virtualenv. The repository under test is copied
(without .git and caches) into a temporary git repository and committed, so the test exercises
the working tree as it is, not whatever happens to be committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

# Top-level names that are machine state rather than the project; pip must not see them.
_NOT_PROJECT = shutil.ignore_patterns(
    ".git", ".ci-venv", ".venv", "venv", "__pycache__", "*.pyc", ".*_cache", ".hypothesis",
    "node_modules", "*.egg-info", "dist", "reports",
)

DEFECTIVE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Container images for the web service.

Resources:
  WebImages:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: web
"""

DEFECTIVE_DOT_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LegacyImages:
    Type: AWS::ECR::Repository
    Properties:
      ImageScanningConfiguration:
        ScanOnPush: false
"""

CLEAN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Container images for the worker, scanned on push.

Resources:
  WorkerImages:
    Type: AWS::ECR::Repository
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      RepositoryName: worker
      ImageTagMutability: IMMUTABLE
      ImageScanningConfiguration:
        ScanOnPush: true
      EncryptionConfiguration:
        EncryptionType: KMS
      LifecyclePolicy:
        LifecyclePolicyText: |
          {"rules": [{"rulePriority": 1, "description": "keep the last 50 images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50},
            "action": {"type": "expire"}}]}
"""

KUBERNETES_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example.org/web:1.4.2
          resources:
            limits: {cpu: 500m, memory: 256Mi}
"""

GITHUB_WORKFLOW = """\
name: tests
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""

COMPOSE_FILE = """\
services:
  web:
    image: example.org/web:1.4.2
    ports: ["8080:8080"]
"""


@dataclass(frozen=True)
class HookRepository:
    path: Path
    revision: str


@dataclass(frozen=True)
class Result:
    code: int
    output: str


def _git_environment(home: Path) -> dict[str, str]:
    """A git and pre-commit environment that ignores the developer's own configuration."""
    gitconfig = home / "gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text(
            "[user]\n\tname = Test Author\n\temail = author@example.com\n"
            "[init]\n\tdefaultBranch = main\n"
            "[commit]\n\tgpgsign = false\n"
            "[advice]\n\tdetachedHead = false\n",
            encoding="utf-8",
        )
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GIT_", "PRE_COMMIT"))
    }
    environment.update(
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(home / "pre-commit-cache"),
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return environment


def _run(arguments: list[str], cwd: Path, environment: dict[str, str]) -> Result:
    completed = subprocess.run(
        arguments,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    return Result(completed.returncode, completed.stdout)


def _must(arguments: list[str], cwd: Path, environment: dict[str, str]) -> str:
    result = _run(arguments, cwd, environment)
    assert result.code == 0, f"{' '.join(arguments)} failed:\n{result.output}"
    return result.output


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the tests of this module so pre-commit builds the hook virtualenv only once."""
    return tmp_path_factory.mktemp("precommit-home")


@pytest.fixture(scope="module")
def hook_repository(home: Path) -> HookRepository:
    path = home / "iacguard-hooks"
    shutil.copytree(REPO_ROOT, path, ignore=_NOT_PROJECT, symlinks=True)
    environment = _git_environment(home)
    _must(["git", "init", "--quiet"], path, environment)
    _must(["git", "add", "--all"], path, environment)
    _must(["git", "commit", "--quiet", "--no-verify", "-m", "snapshot"], path, environment)
    revision = _must(["git", "rev-parse", "HEAD"], path, environment).strip()
    return HookRepository(path, revision)


@pytest.fixture
def project(tmp_path: Path, home: Path, hook_repository: HookRepository) -> Iterator[Path]:
    """A user's repository with the iacguard hooks installed as git pre-commit hooks."""
    path = tmp_path / "project"
    path.mkdir()
    environment = _git_environment(home)
    _must(["git", "init", "--quiet"], path, environment)
    (path / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repository.path}\n"
        f"    rev: {hook_repository.revision}\n"
        "    hooks:\n"
        "      - id: iacguard\n"
        "      - id: iacguard-cdk\n",
        encoding="utf-8",
    )
    _must([sys.executable, "-m", "pre_commit", "install"], path, environment)
    _must(["git", "add", ".pre-commit-config.yaml"], path, environment)
    _must(["git", "commit", "--quiet", "--no-verify", "-m", "hooks"], path, environment)
    yield path


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _commit(project: Path, home: Path, names: list[str]) -> Result:
    environment = _git_environment(home)
    _must(["git", "add", "--", *names], project, environment)
    return _run(["git", "commit", "-m", "change"], project, environment)


def _hook_line(output: str, name: str) -> str:
    """pre-commit's status line for one hook, e.g. 'iacguard....Passed'."""
    lines = [line for line in output.splitlines() if line.startswith(name + ".")]
    assert len(lines) == 1, output
    return lines[0]


def test_commit_of_a_template_without_image_scanning_is_blocked(project: Path, home: Path) -> None:
    _write(project, {"infra/images.yaml": DEFECTIVE_TEMPLATE})

    result = _commit(project, home, ["infra/images.yaml"])

    assert result.code != 0, result.output
    assert _hook_line(result.output, "iacguard").endswith("Failed")
    assert "- exit code: 1" in result.output
    assert "infra/images.yaml:7:5 IGE001 error ECR repository WebImages " in result.output
    # Blocked means not committed: the file is still only staged.
    log = _must(["git", "log", "--format=%s"], project, _git_environment(home))
    assert log.split() == ["hooks"]


def test_a_file_named_like_an_option_is_checked_not_obeyed(project: Path, home: Path) -> None:
    _write(project, {"--exclude=*.yaml": DEFECTIVE_TEMPLATE, "infra/images.yaml": DEFECTIVE_TEMPLATE})

    result = _commit(project, home, ["--exclude=*.yaml", "infra/images.yaml"])

    assert result.code != 0, result.output
    assert "--exclude=*.yaml:7:5 IGE001 error" in result.output
    assert "infra/images.yaml:7:5 IGE001 error" in result.output


def test_dot_template_files_reach_the_hook(project: Path, home: Path) -> None:
    _write(project, {"infra/legacy.template": DEFECTIVE_DOT_TEMPLATE})

    result = _commit(project, home, ["infra/legacy.template"])

    assert result.code != 0, result.output
    assert "infra/legacy.template:7:9 IGE001 error ECR repository LegacyImages " in result.output


def test_clean_template_and_other_yaml_are_committed(project: Path, home: Path) -> None:
    files = {
        "infra/worker.yaml": CLEAN_TEMPLATE,
        "deploy/k8s/web-deployment.yaml": KUBERNETES_MANIFEST,
        ".github/workflows/tests.yml": GITHUB_WORKFLOW,
        "docker-compose.yml": COMPOSE_FILE,
        "package.json": '{"name": "web", "version": "1.0.0"}\n',
    }
    _write(project, files)

    result = _commit(project, home, sorted(files))

    assert result.code == 0, result.output
    # It ran (and passed), rather than being skipped for want of matching files.
    assert _hook_line(result.output, "iacguard").endswith("Passed")
    assert _hook_line(result.output, "iacguard (cdk.out)").endswith("Skipped")
    log = _must(["git", "log", "--format=%s"], project, _git_environment(home))
    assert log.split() == ["change", "hooks"]


def test_cdk_hook_checks_cdk_out_when_cdk_sources_change(project: Path, home: Path) -> None:
    _write(project, {
        "cdk.json": '{"app": "npx ts-node bin/app.ts"}\n',
        "lib/images-stack.ts": "// defines the images repository\n",
        # cdk.out is build output: present in the working tree, never committed.
        ".gitignore": "cdk.out/\n",
        "cdk.out/Images.template.json": (
            '{\n  "Resources": {\n    "ImagesRepo": {\n'
            '      "Type": "AWS::ECR::Repository",\n'
            '      "Properties": {"ImageScanningConfiguration": {"ScanOnPush": false}}\n'
            "    }\n  }\n}\n"
        ),
    })

    _write(project, {"README.md": "# images\n"})
    result = _commit(project, home, ["README.md"])
    assert result.code == 0, result.output
    assert _hook_line(result.output, "iacguard (cdk.out)").endswith("Skipped")

    result = _commit(project, home, ["cdk.json", "lib/images-stack.ts", ".gitignore"])
    assert result.code != 0, result.output
    assert _hook_line(result.output, "iacguard (cdk.out)").endswith("Failed")
    assert "cdk.out/Images.template.json:5:53 IGE001 error ECR repository ImagesRepo " in (
        result.output
    )


CHANGING_TABLE = """\
AWSTemplateFormatVersion: "2010-09-09"
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


def test_change_safety_hook_compares_staged_templates_with_head(
    project: Path, home: Path, hook_repository: HookRepository
) -> None:
    environment = _git_environment(home)
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repository.path}\n"
        f"    rev: {hook_repository.revision}\n"
        "    hooks:\n"
        "      - id: iacguard-change-safety\n",
        encoding="utf-8",
    )
    _must(["git", "commit", "--quiet", "--no-verify", "-am", "change-safety hook"], project,
          environment)
    _write(project, {"infra/orders.yaml": CHANGING_TABLE.format(name="orders")})
    result = _commit(project, home, ["infra/orders.yaml"])
    assert result.code == 0, result.output  # a new template: nothing to compare with
    assert _hook_line(result.output, "iacguard (change safety)").endswith("Passed")

    _write(project, {"infra/orders.yaml": CHANGING_TABLE.format(name="orders-v2")})
    result = _commit(project, home, ["infra/orders.yaml"])

    assert result.code != 0, result.output
    assert _hook_line(result.output, "iacguard (change safety)").endswith("Failed")
    assert ("infra/orders.yaml:8:7 IGC001 error AWS::DynamoDB::Table Orders is replaced: "
            "TableName changes from 'orders' to 'orders-v2'") in result.output
    log = _must(["git", "log", "--format=%s"], project, environment)
    assert log.split() == ["change", "change-safety", "hook", "hooks"]


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
