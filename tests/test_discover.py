"""Discovery: what a run reads, what it refuses to read, and what it must not silently skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iacguard.discover import walk
from iacguard.discover.walk import discover

GOOD = (
    "AWSTemplateFormatVersion: '2010-09-09'\n"
    "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      RepositoryName: a\n"
)
TOPIC_TEMPLATE = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def make_assembly(folder: Path, templates: dict[str, str]) -> Path:
    """A cloud assembly whose manifest lists one stack per (artifact id -> templateFile)."""
    artifacts = {
        artifact: {"type": "aws:cloudformation:stack", "properties": {"templateFile": file}}
        for artifact, file in templates.items()
    }
    write_json(folder / "manifest.json", {"version": "55.0.0", "artifacts": artifacts})
    (folder / "cdk.out").write_text('{"version":"55.0.0"}', encoding="utf-8")
    return folder


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "--no-cache", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_a_symlink_to_a_folder_outside_is_not_followed(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / ".git").mkdir(parents=True)
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "secret.yaml").write_text(GOOD)
    (outside / "passwd.yaml").write_text(GOOD)
    (repo / "good.yaml").write_text(GOOD)
    os.symlink(outside, repo / "usr")
    os.symlink(outside / "passwd.yaml", repo / "linked.yaml")
    result = run_cli(repo, ".")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "secret.yaml" not in result.stdout and "passwd" not in result.stdout
    assert "good.yaml:5:5 IGE001" in result.stdout
    assert "usr: not followed: the symbolic link leads outside" in result.stderr
    assert "linked.yaml: not followed" in result.stderr


def test_a_symlink_inside_the_repository_is_followed(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "stack.yaml").write_text(GOOD)
    (tmp_path / "checked").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "checked" / "alias")
    result = discover([tmp_path / "checked"], root=tmp_path)
    assert [c.display for c in result.candidates] == ["real/stack.yaml"]
    assert result.notices == []


def test_a_folder_that_cannot_be_listed_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "good.yaml").write_text(GOOD)
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(walk.os, "scandir", scandir)
    result = discover([tmp_path], root=tmp_path)
    assert [c.display for c in result.candidates] == ["good.yaml"]
    (problem,) = result.problems
    assert (problem.file, problem.requested) == ("locked", True)
    assert "cannot list folder: Permission denied" in problem.message


@pytest.mark.parametrize("template_file", ["/etc/hostname", "../outside.template.json"])
def test_a_manifest_cannot_name_a_template_outside_the_assembly(
    tmp_path: Path, template_file: str
) -> None:
    write_json(tmp_path / "outside.template.json", TOPIC_TEMPLATE)
    assembly = make_assembly(tmp_path / "cdk.out", {"Stack": template_file})
    result = discover([assembly], root=tmp_path)
    assert result.candidates == []
    (problem,) = result.problems
    assert "lies outside the cloud assembly folder" in problem.message
    assert problem.requested


def test_a_cdk_json_output_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / ".git").mkdir(parents=True)
    make_assembly(elsewhere / "cdk.out", {"Stack": "Stack.template.json"})
    write_json(elsewhere / "cdk.out" / "Stack.template.json", TOPIC_TEMPLATE)
    write_json(repo / "cdk.json", {"app": "npx ts-node app.ts", "output": str(elsewhere / "cdk.out")})
    result = run_cli(repo, ".")
    assert result.returncode == 2
    assert "cdk.json: its output" in result.stdout and "lies outside" in result.stdout
    assert "Stack.template.json" not in result.stdout.replace(str(elsewhere), "")


def test_an_empty_manifest_does_not_hide_the_templates_beside_it(tmp_path: Path) -> None:
    write_json(tmp_path / "infra" / "manifest.json", {"version": "36.0.0", "artifacts": {}})
    (tmp_path / "infra" / "stack.yaml").write_text(GOOD)
    result = run_cli(tmp_path, ".")
    assert result.returncode == 1
    assert "infra/stack.yaml:5:5 IGE001" in result.stdout


def test_a_manifest_cannot_hide_templates_it_does_not_list(tmp_path: Path) -> None:
    assembly = make_assembly(tmp_path / "infra", {"Decoy": "Decoy.template.json"})
    write_json(assembly / "Decoy.template.json", TOPIC_TEMPLATE)
    (assembly / "hidden.yaml").write_text(GOOD)
    write_json(assembly / "Decoy.assets.json", {"Resources": {"X": {"Type": "AWS::ECR::Repository"}}})
    result = discover([tmp_path], root=tmp_path)
    shown = {c.display: c.stack is not None for c in result.candidates}
    assert shown == {"infra/Decoy.template.json": True, "infra/hidden.yaml": False}


def test_an_unsynthesized_cdk_app_fails_instead_of_passing(tmp_path: Path) -> None:
    write_json(tmp_path / "cdk.json", {"app": "npx ts-node --prefer-ts-exts bin/app.ts"})
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "app.ts").write_text("new App();\n")
    result = run_cli(tmp_path, ".")
    assert result.returncode == 2, result.stdout
    assert (
        "cdk.json: the CDK app is not synthesized: no cloud assembly at cdk.out; run 'cdk synth'"
        in result.stdout
    )


def test_an_unsynthesized_app_can_be_excluded(tmp_path: Path) -> None:
    write_json(tmp_path / "app" / "cdk.json", {"app": "python app.py"})
    (tmp_path / "stack.yaml").write_text(GOOD)
    assert run_cli(tmp_path, ".", "--exclude", "app/").returncode == 1


def test_an_assembly_older_than_the_sources_gets_a_notice(tmp_path: Path) -> None:
    write_json(tmp_path / "cdk.json", {"app": "npx ts-node bin/app.ts"})
    assembly = make_assembly(tmp_path / "cdk.out", {"Stack": "Stack.template.json"})
    write_json(assembly / "Stack.template.json", TOPIC_TEMPLATE)
    source = tmp_path / "lib" / "stack.ts"
    source.parent.mkdir()
    source.write_text("export class S {}\n")
    synthesized = time.time() - 3600
    os.utime(assembly / "manifest.json", (synthesized, synthesized))
    result = run_cli(tmp_path, ".")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cdk.out is older than lib/stack.ts" in result.stderr
    os.utime(source, (synthesized - 60, synthesized - 60))
    assert "older than" not in run_cli(tmp_path, ".").stderr


def test_a_cdk_project_with_templates_beside_it_checks_in_parallel(tmp_path: Path) -> None:
    app_out = Path(__file__).parent / "fixtures" / "cdk" / "app-fixture" / "cdk.out"
    for index in range(3):
        (tmp_path / f"t{index}.yaml").write_text(GOOD)
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "--jobs", "2",
         "--format", "json", str(tmp_path), str(app_out)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    checked = report["files"]["checked"]
    assert sum(name.endswith(".template.json") for name in checked) == 5
    assert sum(name.endswith(".yaml") for name in checked) == 3


def test_an_app_synthesized_beside_its_sources_is_synthesized(tmp_path: Path) -> None:
    """`cdk synth -o ../cdk.out` from a src/ folder (the layout of many apps)."""
    write_json(tmp_path / "src" / "cdk.json", {"app": "npx ts-node bin/app.ts"})
    assembly = make_assembly(tmp_path / "cdk.out", {"Stack": "Stack.template.json"})
    write_json(assembly / "Stack.template.json", TOPIC_TEMPLATE)
    result = discover([tmp_path], root=tmp_path)
    assert result.problems == []
    assert [c.display for c in result.candidates] == ["cdk.out/Stack.template.json"]
