"""`iacguard init`: what it writes into a project, and what it refuses to touch."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from iacguard import PINNED_COMMIT, PINNED_PIP_SPEC
from iacguard.cli.project_files import (
    STARTER_CONFIG,
    append_repository,
    pre_commit_entry,
    render_buildspec,
)
from iacguard.engines.rules.embedded import check_buildspec_text
from iacguard.settings.files import read_config_file

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_SCHEMA = REPO_ROOT / "src" / "iacguard" / "schemas" / "config.schema.json"
IACGUARD = Path(sys.executable).parent / "iacguard"
HOOKS_REPOSITORY = "https://github.com/iacguard/iacguard"

THIRD_PARTY_CONFIG = """\
# Hooks for this repository.
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
    -   id: trailing-whitespace
    -   id: check-yaml

# The last key of the file.
default_stages: [pre-commit]
"""


def run_init(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IACGUARD), "init", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def iacguard_repository(
    revision: str = PINNED_COMMIT, hooks: tuple[str, ...] = ("iacguard",)
) -> dict[str, Any]:
    return {"repo": HOOKS_REPOSITORY, "rev": revision, "hooks": [{"id": h} for h in hooks]}


def test_empty_project_gets_all_three_files(tmp_path: Path) -> None:
    result = run_init(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "wrote .iacguard.yaml\n"
        "wrote .pre-commit-config.yaml\n"
        "wrote buildspec.yml\n"
        "next: run 'pre-commit install' so the hook runs on every commit\n"
    )
    assert (tmp_path / ".iacguard.yaml").read_text(encoding="utf-8") == STARTER_CONFIG
    assert load_yaml(tmp_path / ".pre-commit-config.yaml") == {"repos": [iacguard_repository()]}
    buildspec = (tmp_path / "buildspec.yml").read_text(encoding="utf-8")
    assert buildspec == render_buildspec()
    assert f'IACGUARD_PIP_SPEC: "{PINNED_PIP_SPEC}"' in buildspec
    assert check_buildspec_text(buildspec) == []
    # Created like any file the user makes (umask), not private like a temporary file.
    reference = tmp_path / "reference"
    reference.write_text("", encoding="utf-8")
    for name in (".iacguard.yaml", ".pre-commit-config.yaml", "buildspec.yml"):
        assert (tmp_path / name).stat().st_mode == reference.stat().st_mode


def test_starter_config_is_minimal_and_valid(tmp_path: Path) -> None:
    data = yaml.safe_load(STARTER_CONFIG)
    assert data == {"fail-on": "error"}
    jsonschema.validate(data, json.loads(CONFIG_SCHEMA.read_text(encoding="utf-8")))
    # Each commented example, uncommented, is valid too.
    uncommented = yaml.safe_load("\n".join(
        line.replace("# ", "", 1) if line.startswith(("# select", "# ignore", "# exclude", "#   -"))
        else line
        for line in STARTER_CONFIG.splitlines()
    ))
    assert set(uncommented) == {"fail-on", "select", "ignore", "exclude"}
    jsonschema.validate(uncommented, json.loads(CONFIG_SCHEMA.read_text(encoding="utf-8")))


def test_written_config_is_read_by_iacguard(tmp_path: Path) -> None:
    run_init(tmp_path, "--no-pre-commit", "--no-buildspec")

    config = read_config_file(tmp_path / ".iacguard.yaml", tmp_path)

    assert config.data == {"fail-on": "error"}


def test_written_pre_commit_config_is_accepted_by_pre_commit(tmp_path: Path) -> None:
    run_init(tmp_path, "--no-buildspec")

    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_existing_files_are_never_replaced_without_force(tmp_path: Path) -> None:
    mine = {".iacguard.yaml": "fail-on: warning\n", "buildspec.yml": "version: 0.2\n"}
    for name, text in mine.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    result = run_init(tmp_path, "--no-pre-commit")

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "skipped .iacguard.yaml: it already exists (use --force to replace it)\n"
        "skipped buildspec.yml: it already exists (use --force to replace it, or "
        "--buildspec-path to write iacguard's under another name)\n"
    )
    for name, text in mine.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text


def test_force_replaces_config_and_buildspec_keeping_their_permissions(tmp_path: Path) -> None:
    buildspec = tmp_path / "buildspec.yml"
    buildspec.write_text("version: 0.2\n", encoding="utf-8")
    os.chmod(buildspec, 0o640)
    (tmp_path / ".iacguard.yaml").write_text("fail-on: warning\n", encoding="utf-8")

    result = run_init(tmp_path, "--force", "--no-pre-commit")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "overwrote .iacguard.yaml\noverwrote buildspec.yml\n"
    assert buildspec.read_text(encoding="utf-8") == render_buildspec()
    assert stat.S_IMODE(buildspec.stat().st_mode) == 0o640
    assert (tmp_path / ".iacguard.yaml").read_text(encoding="utf-8") == STARTER_CONFIG


def test_buildspec_can_be_written_under_another_name(tmp_path: Path) -> None:
    (tmp_path / "buildspec.yml").write_text("version: 0.2\n", encoding="utf-8")

    result = run_init(tmp_path, "--no-pre-commit", "--buildspec-path", "ci/iacguard.yml")

    assert result.stdout.splitlines()[1] == "wrote ci/iacguard.yml"
    assert (tmp_path / "ci" / "iacguard.yml").read_text(encoding="utf-8") == render_buildspec()
    assert (tmp_path / "buildspec.yml").read_text(encoding="utf-8") == "version: 0.2\n"


def test_directory_argument_and_opt_outs(tmp_path: Path) -> None:
    project = tmp_path / "service"
    project.mkdir()

    result = run_init(tmp_path, "service", "--no-pre-commit", "--no-buildspec")

    assert result.stdout == "wrote .iacguard.yaml\n"
    assert sorted(p.name for p in project.iterdir()) == [".iacguard.yaml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["service"]


def test_other_configuration_files_are_not_shadowed(tmp_path: Path) -> None:
    (tmp_path / ".iacguard.yml").write_text("fail-on: note\n", encoding="utf-8")
    result = run_init(tmp_path, "--no-pre-commit", "--no-buildspec")
    assert result.stdout == "skipped .iacguard.yaml: .iacguard.yml already configures iacguard\n"
    assert not (tmp_path / ".iacguard.yaml").exists()

    (tmp_path / ".iacguard.yml").unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\n\n[tool.iacguard]\nfail-on = "warning"\n', encoding="utf-8"
    )
    result = run_init(tmp_path, "--no-pre-commit", "--no-buildspec")
    assert result.stdout == (
        "skipped .iacguard.yaml: pyproject.toml already has a [tool.iacguard] table\n"
    )
    assert not (tmp_path / ".iacguard.yaml").exists()


def test_hook_is_added_to_an_existing_pre_commit_config(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(THIRD_PARTY_CONFIG, encoding="utf-8")

    result = run_init(tmp_path, "--no-buildspec")

    assert result.stdout.splitlines()[1] == (
        "updated .pre-commit-config.yaml: added the iacguard hook"
    )
    assert config.read_text(encoding="utf-8") == (
        "# Hooks for this repository.\n"
        "repos:\n"
        "-   repo: https://github.com/pre-commit/pre-commit-hooks\n"
        "    rev: v4.6.0\n"
        "    hooks:\n"
        "    -   id: trailing-whitespace\n"
        "    -   id: check-yaml\n"
        f"-   repo: {HOOKS_REPOSITORY}\n"
        f"    rev: {PINNED_COMMIT}\n"
        "    hooks:\n"
        "      - id: iacguard\n"
        "\n"
        "# The last key of the file.\n"
        "default_stages: [pre-commit]\n"
    )

    again = run_init(tmp_path, "--no-buildspec")

    assert again.stdout.splitlines()[1] == (
        "skipped .pre-commit-config.yaml: it already runs iacguard"
    )
    assert load_yaml(config)["repos"][1] == iacguard_repository()


ENTRY = (
    f"- repo: {HOOKS_REPOSITORY}", "  rev: 0123456789abcdef0123456789abcdef01234567", "  hooks:", "    - id: iacguard",
)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        # Items at the key's own indentation, CRLF line ends, no final newline.
        (
            "repos:\r\n- repo: local\r\n  hooks: []",
            "repos:\r\n- repo: local\r\n  hooks: []\r\n" + "".join(f"{e}\r\n" for e in ENTRY),
        ),
        ("repos: []\n", "repos:\n" + "".join(f"  {e}\n" for e in ENTRY)),
        ("repos:  # none yet\n", "repos:  # none yet\n" + "".join(f"  {e}\n" for e in ENTRY)),
        (
            "default_language_version:\n  python: python3.12\n",
            "default_language_version:\n  python: python3.12\nrepos:\n"
            + "".join(f"  {e}\n" for e in ENTRY),
        ),
        ("", "repos:\n" + "".join(f"  {e}\n" for e in ENTRY)),
    ],
)
def test_append_repository_keeps_the_users_layout(original: str, expected: str) -> None:
    updated = append_repository(original, pre_commit_entry("0123456789abcdef0123456789abcdef01234567"))

    assert updated == expected
    assert yaml.safe_load(updated)["repos"][-1] == iacguard_repository("0123456789abcdef0123456789abcdef01234567")


def test_flow_style_lists_and_broken_files_are_left_alone(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    flow = "repos: [{repo: local, hooks: []}]\n"
    config.write_text(flow, encoding="utf-8")

    result = run_init(tmp_path, "--no-buildspec")

    assert result.stdout.splitlines()[1] == (
        "skipped .pre-commit-config.yaml: its 'repos' list is not in block style; add the "
        "iacguard entry by hand (see docs/pipelines.md)"
    )
    assert config.read_text(encoding="utf-8") == flow

    broken = "repos:\n  - repo: [unclosed\n"
    config.write_text(broken, encoding="utf-8")
    result = run_init(tmp_path, "--no-buildspec")
    assert result.stdout.splitlines()[1].startswith(
        "skipped .pre-commit-config.yaml: cannot read it ("
    )
    assert config.read_text(encoding="utf-8") == broken


def test_cdk_app_gets_the_cdk_hook_and_an_active_synth_step(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "npx ts-node bin/app.ts"}\n', encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "app"}\n', encoding="utf-8")

    result = run_init(tmp_path)

    assert result.returncode == 0, result.stderr
    assert load_yaml(tmp_path / ".pre-commit-config.yaml") == {
        "repos": [iacguard_repository(hooks=("iacguard", "iacguard-cdk"))]
    }
    buildspec = load_yaml(tmp_path / "buildspec.yml")
    assert buildspec["phases"]["build"]["commands"][:3] == [
        "npm ci",
        "npx --yes aws-cdk@2 synth --quiet",
        'IACGUARD_PATHS="$IACGUARD_PATHS cdk.out"',
    ]
    text = (tmp_path / "buildspec.yml").read_text(encoding="utf-8")
    assert "      # - python -m pip install --quiet -r requirements.txt\n" in text
    assert check_buildspec_text(text) == []


def test_a_file_that_cannot_be_written_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "ci").write_text("a file where the buildspec's folder should be\n")

    result = run_init(tmp_path, "--no-pre-commit", "--buildspec-path", "ci/iacguard.yml")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("iacguard: error: cannot write ")
    assert len(result.stderr.splitlines()) == 1


def test_documented_pre_commit_snippet_is_what_init_writes(tmp_path: Path) -> None:
    docs = (REPO_ROOT / "docs" / "pipelines.md").read_text(encoding="utf-8")
    run_init(tmp_path, "--no-buildspec")

    written = (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8")

    assert f"```yaml\n{written}```\n" in docs


def test_a_pre_commit_config_that_is_a_pipe_or_a_device_is_refused_without_blocking(
    tmp_path: Path,
) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    os.mkfifo(config)  # opened naively, init would wait forever for a writer

    result = run_init(tmp_path, "--no-buildspec")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        "skipped .pre-commit-config.yaml: cannot read it (is a named pipe (FIFO), not a regular "
        "file); add the "
        "iacguard entry by hand (see docs/pipelines.md)"
    )
    assert stat.S_ISFIFO(config.lstat().st_mode)
