"""``iacguard init``: set a project up with a configuration file, a pre-commit hook and a
CodeBuild validate stage.

Nothing a user wrote is ever replaced without ``--force``. The pre-commit configuration is
never replaced at all: the iacguard entry is added to the user's own list of repositories, and
the result is parsed again before it is written, so a file the edit would break stays as it was.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from iacguard import PINNED_COMMIT, PINNED_PIP_SPEC, PROJECT_URL
from iacguard.load.files import FileReadError, read_bounded

CONFIG_FILE = ".iacguard.yaml"
#: Other places a project may already keep its settings; a second file would shadow one of them.
OTHER_CONFIG_FILES = (".iacguard.yml",)
PRE_COMMIT_FILE = ".pre-commit-config.yaml"
BUILDSPEC_FILE = "buildspec.yml"
HOOK_REPOSITORY = PROJECT_URL
HOOK_IDS = ("iacguard", "iacguard-cdk")

STARTER_CONFIG = """\
# iacguard settings for this project. Flags given on the command line override them.

# Exit with code 1 when a finding at or above this severity remains: error, warning, note, never.
fail-on: error

# Run only these rules (ids, id prefixes, rule names or tags):
# select: [IGE, IGL001]

# Never run these rules:
# ignore: [IGA001]

# Never check these files or folders:
# exclude:
#   - tests/fixtures/**
#   - cdk.out/asset.*
"""

# The validate stage; examples/codebuild/buildspec.yml is this text for the pinned commit.
# @PIP_SPEC@ is what pip installs. A line ending in a @TAG@ is a CDK step: active
# when the project has that tag (see cdk_tags), commented out otherwise.
_BUILDSPEC_TEMPLATE = """\
# AWS CodeBuild: the iacguard validate stage.
#
# Checks the CloudFormation / SAM templates in the source (and, for a CDK app, the synthesized
# cloud assembly), prints the findings to the build log and writes two reports:
#   reports/iacguard.sarif      SARIF 2.1.0, for code-scanning tools and for the record
#   reports/iacguard-junit.xml  JUnit XML, shown by CodeBuild as the test report "iacguard"
# iacguard's exit code is kept until post_build, so the reports exist before the build fails:
# 1 = findings at or above fail-on, 2 = a template could not be read or a usage error,
# 3 = an internal error. CodeBuild uploads reports and artifacts even when the build fails.
version: 0.2

env:
  shell: bash
  variables:
    # What pip installs: iacguard from its repository at a pinned commit, so nothing but that
    # commit can change a build's result. (The distribution is iacguard-cfn; "iacguard" on the
    # public package index is an unrelated project.) Or install from a source you control:
    #   a wheel kept with the pipeline's artifacts: "tools/iacguard_cfn-0.1.0-py3-none-any.whl"
    #   your private index: "iacguard-cfn==0.1.0" with PIP_INDEX_URL set to that index
    IACGUARD_PIP_SPEC: "@PIP_SPEC@"
    # "true" when the build image already has iacguard on PATH.
    IACGUARD_SKIP_INSTALL: "false"
    # Files or folders to check, separated by spaces; folders are searched recursively.
    IACGUARD_PATHS: "."
    # More options for `iacguard check`, for example "--fail-on warning --region eu-west-1".
    IACGUARD_ARGS: ""

phases:
  install:
    on-failure: ABORT
    runtime-versions:
      python: 3.12
    commands:
      - |
        if [ "$IACGUARD_SKIP_INSTALL" != "true" ]; then
          python -m pip install --quiet --disable-pip-version-check "$IACGUARD_PIP_SPEC"
        fi
      - iacguard --version
  build:
    commands:
      # A CDK app: install its dependencies (npm or pip), synthesize it, and check the cloud
      # assembly too.
      - npm ci @CDK-NODE@
      - python -m pip install --quiet -r requirements.txt @CDK-PYTHON@
      - npx --yes aws-cdk@2 synth --quiet @CDK@
      - IACGUARD_PATHS="$IACGUARD_PATHS cdk.out" @CDK@
      - mkdir -p reports
      # `|| IACGUARD_EXIT=$?` keeps this command from failing the phase: the exit code is
      # reported in post_build, after both report files have been written.
      - |
        IACGUARD_EXIT=0
        iacguard check $IACGUARD_PATHS $IACGUARD_ARGS \\
          --output sarif:reports/iacguard.sarif \\
          --output junit:reports/iacguard-junit.xml \\
          || IACGUARD_EXIT=$?
  post_build:
    commands:
      - |
        if [ "${IACGUARD_EXIT:-0}" -ne 0 ]; then
          echo "iacguard exited with code $IACGUARD_EXIT: failing the build"
          exit "$IACGUARD_EXIT"
        fi

reports:
  iacguard:
    base-directory: reports
    files:
      - iacguard-junit.xml
    file-format: JUNITXML

artifacts:
  name: iacguard-reports
  base-directory: reports
  files:
    - iacguard.sarif
    - iacguard-junit.xml
"""
_STEP_TAG = re.compile(r" @(?P<tag>[A-Z-]+)@$")


class Action(str, enum.Enum):
    WROTE = "wrote"
    OVERWROTE = "overwrote"
    UPDATED = "updated"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Step:
    """What ``init`` did with one file, and why when it left the file alone."""

    path: str
    action: Action
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action.value} {self.path}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class InitOptions:
    force: bool = False
    pre_commit: bool = True
    buildspec: bool = True
    buildspec_path: str = BUILDSPEC_FILE


def cdk_tags(project: Path) -> frozenset[str]:
    """Which CDK build steps the project needs: none unless it is a CDK app (has cdk.json)."""
    if not (project / "cdk.json").is_file():
        return frozenset()
    tags = {"CDK"}
    if (project / "package.json").is_file():
        tags.add("CDK-NODE")
    if (project / "requirements.txt").is_file():
        tags.add("CDK-PYTHON")
    return frozenset(tags)


def render_buildspec(
    tags: frozenset[str] = frozenset(), pip_spec: str = PINNED_PIP_SPEC
) -> str:
    lines = []
    for line in _BUILDSPEC_TEMPLATE.replace("@PIP_SPEC@", pip_spec).splitlines():
        tagged = _STEP_TAG.search(line)
        if tagged:
            line = line[: tagged.start()]
            if tagged.group("tag") not in tags:
                line = re.sub(r"^(\s*)- ", r"\1# - ", line)
        lines.append(line + "\n")
    return "".join(lines)


def pre_commit_entry(revision: str = PINNED_COMMIT, cdk: bool = False) -> list[str]:
    """The lines of one ``repos`` item, without indentation (the caller indents them)."""
    hooks = [f"    - id: {hook}" for hook in HOOK_IDS[: 2 if cdk else 1]]
    return [f"- repo: {HOOK_REPOSITORY}", f"  rev: {revision}", "  hooks:", *hooks]


def initialize(project: Path, options: InitOptions, revision: str = PINNED_COMMIT) -> list[Step]:
    """Write the starter files into ``project`` and say what happened to each."""
    tags = cdk_tags(project)
    steps = [_write_config(project, options.force)]
    if options.pre_commit:
        steps.append(_add_pre_commit_hook(project, revision, "CDK" in tags))
    if options.buildspec:
        steps.append(_write_new_file(
            project, options.buildspec_path, render_buildspec(tags), options.force,
            "use --force to replace it, or --buildspec-path to write iacguard's under another name",
        ))
    return steps


def _write_config(project: Path, force: bool) -> Step:
    if not force:
        for other in OTHER_CONFIG_FILES:
            if (project / other).exists():
                return Step(CONFIG_FILE, Action.SKIPPED, f"{other} already configures iacguard")
        if _pyproject_configures_iacguard(project / "pyproject.toml"):
            return Step(CONFIG_FILE, Action.SKIPPED,
                        "pyproject.toml already has a [tool.iacguard] table")
    return _write_new_file(project, CONFIG_FILE, STARTER_CONFIG, force,
                           "use --force to replace it")


def _pyproject_configures_iacguard(path: Path) -> bool:
    try:
        text = read_bounded(path).decode("utf-8", errors="replace")
    except FileReadError:
        return False
    return re.search(r"^\s*\[\s*tool\.iacguard\s*[\].]", text, re.MULTILINE) is not None


def _write_new_file(project: Path, name: str, text: str, force: bool, hint: str) -> Step:
    path = project / name
    if path.exists() or path.is_symlink():
        if not force:
            return Step(name, Action.SKIPPED, f"it already exists ({hint})")
        _replace_keeping_mode(path, text)
        return Step(name, Action.OVERWROTE)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Exclusive creation: a file that appeared since the check above is still never replaced.
    try:
        with path.open("x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except FileExistsError:
        return Step(name, Action.SKIPPED, f"it already exists ({hint})")
    return Step(name, Action.WROTE)


def _replace_keeping_mode(path: Path, text: str) -> None:
    from iacguard.atomic import write_atomic

    mode = path.stat().st_mode & 0o7777
    target = path.resolve()  # replace what a symbolic link points to, not the link
    write_atomic(target, text)
    os.chmod(target, mode)


# --- .pre-commit-config.yaml -------------------------------------------------------------------

_TOP_LEVEL_KEY = re.compile(r"^[^\s#-]")
_REPOS_KEY = re.compile(r"^repos\s*:(?P<rest>.*)$")
_ITEM_START = re.compile(r"^(?P<lead>\s*-\s+)\S")


def _add_pre_commit_hook(project: Path, revision: str, cdk: bool) -> Step:
    path = project / PRE_COMMIT_FILE
    entry = pre_commit_entry(revision, cdk)
    if not path.exists():
        text = "repos:\n" + "".join(f"  {line}\n" for line in entry)
        return _write_new_file(project, PRE_COMMIT_FILE, text, False, "run init again to add to it")
    try:
        original = read_bounded(path).decode("utf-8")
        existing = yaml.safe_load(original)
    except (FileReadError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = error.reason if isinstance(error, FileReadError) else (
            str(error).splitlines()[0] if str(error) else type(error).__name__)
        return Step(PRE_COMMIT_FILE, Action.SKIPPED, f"cannot read it ({reason}); "
                    "add the iacguard entry by hand (see docs/pipelines.md)")
    if existing is not None and not isinstance(existing, dict):
        return Step(PRE_COMMIT_FILE, Action.SKIPPED,
                    "it is not a pre-commit configuration (no top-level mapping)")
    if _has_iacguard_hook(existing or {}):
        return Step(PRE_COMMIT_FILE, Action.SKIPPED, "it already runs iacguard")
    updated = append_repository(original, entry)
    reparsed = yaml.safe_load(updated) if updated is not None else None
    if updated is None or not isinstance(reparsed, dict) or not _has_iacguard_hook(reparsed):
        return Step(PRE_COMMIT_FILE, Action.SKIPPED, "its 'repos' list is not in block style; "
                    "add the iacguard entry by hand (see docs/pipelines.md)")
    _replace_keeping_mode(path, updated)
    return Step(PRE_COMMIT_FILE, Action.UPDATED, "added the iacguard hook")


def _has_iacguard_hook(config: dict[str, Any]) -> bool:
    repositories = config.get("repos")
    if not isinstance(repositories, list):
        return False
    for repository in repositories:
        hooks = repository.get("hooks") if isinstance(repository, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if isinstance(hook, dict) and hook.get("id") in HOOK_IDS:
                return True
    return False


def append_repository(text: str, entry: Sequence[str]) -> str | None:
    """``text`` with ``entry`` added as the last item of its ``repos`` list, keeping the
    user's comments and layout; None when the list is written in a style this cannot extend.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    repos_at = next((i for i, line in enumerate(lines) if _REPOS_KEY.match(line)), None)
    if repos_at is None:
        block = ["repos:", *(f"  {line}" for line in entry)]
        return newline.join([*lines, *block]) + newline
    rest = _REPOS_KEY.match(lines[repos_at])
    assert rest is not None
    value = rest.group("rest").split("#", 1)[0].strip()
    if value == "[]":
        lines[repos_at] = "repos:"
    elif value:
        return None  # a flow-style list: rewriting it would lose the user's layout
    end = _block_end(lines, repos_at)
    lead = _item_lead(lines[repos_at + 1:end])
    indent = " " * len(lead)
    added = [lead + entry[0][2:], *(indent + line[2:] for line in entry[1:])]
    return newline.join([*lines[:end], *added, *lines[end:]]) + newline


def _block_end(lines: Sequence[str], key_at: int) -> int:
    """Index just past the last line of the block that starts at ``key_at``; comments and blank
    lines right before the next top-level key belong to that key, not to this block."""
    end = next(
        (i for i in range(key_at + 1, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])),
        len(lines),
    )
    while end > key_at + 1 and (not lines[end - 1].strip()
                                 or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _item_lead(block: Sequence[str]) -> str:
    """The indentation and dash of the list's items, e.g. '  - ' or '-   ' (pre-commit's own)."""
    for line in block:
        match = _ITEM_START.match(line)
        if match:
            return match.group("lead")
    return "  - "


def describe(steps: Sequence[Step]) -> str:
    lines = [str(step) for step in steps]
    written = {step.path for step in steps if step.action is not Action.SKIPPED}
    if PRE_COMMIT_FILE in written:
        lines.append("next: run 'pre-commit install' so the hook runs on every commit")
    return "".join(line + "\n" for line in lines)
