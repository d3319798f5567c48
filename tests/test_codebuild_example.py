"""The CodeBuild validate stage (examples/codebuild/buildspec.yml) and the CodePipeline example.

The buildspec's commands are run by bash the way CodeBuild runs them: one shell for the whole
build, variables from `env.variables` unless the project overrides them, phases in order, a
failed command ending its phase, and post_build running even after a failed build phase.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from iacguard.ci_env import CiEnvironment, detect_ci, show_progress
from iacguard.cli.project_files import render_buildspec
from iacguard.engines.rules.embedded import check_buildspec_text

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILDSPEC = REPO_ROOT / "examples" / "codebuild" / "buildspec.yml"
PIPELINE = REPO_ROOT / "examples" / "codepipeline" / "pipeline.yaml"
PHASES = ("install", "pre_build", "build", "post_build")
IACGUARD = Path(sys.executable).parent / "iacguard"

UNSCANNED_REPOSITORY = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Images for the web service.

Resources:
  WebImages:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: web
      ImageScanningConfiguration:
        ScanOnPush: false
"""

PARAMETER_ONLY_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Nothing that any rule could object to.
Resources:
  Handle:
    Type: AWS::CloudFormation::WaitConditionHandle
"""

KUBERNETES_MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  LOG_LEVEL: info
"""

NOT_PARSEABLE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Broken: [unclosed
"""


@dataclass(frozen=True)
class Build:
    code: int
    log: str
    source: Path

    @property
    def sarif(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.source / "reports" / "iacguard.sarif").read_text(encoding="utf-8")
        )
        return data

    @property
    def junit(self) -> ElementTree.Element:
        return ElementTree.parse(self.source / "reports" / "iacguard-junit.xml").getroot()


def bash_script(buildspec: dict[str, Any]) -> str:
    """The buildspec as one bash script with CodeBuild's phase semantics."""
    lines = ['cd "$CODEBUILD_SRC_DIR" || exit 99']
    variables = (buildspec.get("env") or {}).get("variables") or {}
    for name, value in variables.items():
        # Project and start-build variables take precedence over the buildspec's.
        lines.append(f"export {name}=\"${{{name}-{_escape(str(value))}}}\"")
    phases = buildspec.get("phases") or {}
    for phase in PHASES:
        lines.append(f"phase_{phase}() {{")
        lines.append("  :")
        for command in (phases.get(phase) or {}).get("commands") or []:
            lines.append(f"  {{ {command}\n  }} || return $?")
        lines.append("}")
    lines += [
        "status=0",
        *(f"[ $status -eq 0 ] && {{ phase_{p} || status=$?; }}" for p in PHASES[:3]),
        "phase_post_build || status=$?",
        "exit $status",
    ]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")


def run_build(source: Path, **project_variables: str) -> Build:
    script = bash_script(yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8")))
    environment = dict(os.environ)
    environment.update(
        CODEBUILD_SRC_DIR=str(source),
        CODEBUILD_BUILD_ID="iacguard-validate:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        CI="true",
        IACGUARD_SKIP_INSTALL="true",  # this test checks the working tree, not a release
        PATH=f"{IACGUARD.parent}{os.pathsep}{environment.get('PATH', '')}",
    )
    environment.update(project_variables)
    environment.pop("NO_COLOR", None)
    completed = subprocess.run(
        ["bash", "-c", script],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    return Build(completed.returncode, completed.stdout, source)


def make_source(root: Path, files: dict[str, str]) -> Path:
    source = root / "src"
    for name, text in files.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copy(BUILDSPEC, source / "buildspec.yml")
    return source


def test_example_buildspec_is_valid() -> None:
    assert check_buildspec_text(BUILDSPEC.read_text(encoding="utf-8")) == []


def test_example_buildspec_is_what_init_writes_for_this_version() -> None:
    # One text for both; a release that bumps the version regenerates the example with
    #   python -c "from iacguard.cli.project_files import render_buildspec; print(render_buildspec(), end='')"
    assert BUILDSPEC.read_text(encoding="utf-8") == render_buildspec()


def test_example_buildspec_declares_the_junit_report_and_keeps_both_reports() -> None:
    buildspec = yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8"))
    assert buildspec["reports"] == {
        "iacguard": {
            "base-directory": "reports",
            "files": ["iacguard-junit.xml"],
            "file-format": "JUNITXML",
        }
    }
    assert buildspec["artifacts"]["base-directory"] == "reports"
    assert buildspec["artifacts"]["files"] == ["iacguard.sarif", "iacguard-junit.xml"]


def test_defective_template_fails_the_build_after_writing_both_reports(tmp_path: Path) -> None:
    source = make_source(tmp_path, {
        "infra/images.yaml": UNSCANNED_REPOSITORY,
        "deploy/configmap.yaml": KUBERNETES_MANIFEST,
    })

    build = run_build(source)

    assert build.code == 1, build.log
    assert "infra/images.yaml:10:9 IGE001 error" in build.log
    assert "iacguard exited with code 1: failing the build" in build.log
    # CI mode: no colour codes, and a verdict line for whoever searches the build log.
    assert "\x1b[" not in build.log
    assert "iacguard: FAILED (exit 1): 1 template checked; 2 skipped" in build.log

    results = build.sarif["runs"][0]["results"]
    scan_results = [r for r in results if r["ruleId"] == "IGE001"]
    assert len(scan_results) == 1
    location = scan_results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "infra/images.yaml"
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (10, 9)
    assert build.sarif["version"] == "2.1.0"

    failures = {
        case.get("name"): case.find("failure")
        for case in build.junit.iter("testcase")
        if case.find("failure") is not None
    }
    assert "IGE001 WebImages" in failures
    failure = failures["IGE001 WebImages"]
    assert failure is not None
    assert failure.get("type") == "IGE001 error"
    assert (failure.text or "").startswith("infra/images.yaml:10:9")


def test_clean_repository_passes_and_still_writes_the_reports(tmp_path: Path) -> None:
    source = make_source(tmp_path, {"infra/handle.yaml": PARAMETER_ONLY_TEMPLATE})

    build = run_build(source)

    assert build.code == 0, build.log
    assert "iacguard: PASSED (exit 0): 1 template checked; 1 skipped" in build.log
    assert build.sarif["runs"][0]["results"] == []
    assert build.junit.get("failures") == "0"
    assert "iacguard exited with code" not in build.log


def test_unreadable_template_fails_the_build_with_exit_2(tmp_path: Path) -> None:
    source = make_source(tmp_path, {
        "infra/broken.yaml": NOT_PARSEABLE_TEMPLATE,
        "infra/handle.yaml": PARAMETER_ONLY_TEMPLATE,
    })

    build = run_build(source)

    assert build.code == 2, build.log
    assert "iacguard exited with code 2: failing the build" in build.log
    assert (source / "reports" / "iacguard.sarif").is_file()
    assert (source / "reports" / "iacguard-junit.xml").is_file()


def test_project_variables_choose_what_is_checked(tmp_path: Path) -> None:
    source = make_source(tmp_path, {
        "infra/handle.yaml": PARAMETER_ONLY_TEMPLATE,
        "infra/more/handle.yaml": PARAMETER_ONLY_TEMPLATE,
        "sandbox/images.yaml": UNSCANNED_REPOSITORY,
    })

    build = run_build(source, IACGUARD_PATHS="infra/handle.yaml infra/more")

    assert build.code == 0, build.log
    assert "iacguard: PASSED (exit 0): 2 templates checked; 0 skipped" in build.log


def test_pipeline_example_has_no_findings() -> None:
    completed = subprocess.run(
        [str(IACGUARD), "check", str(PIPELINE), "--fail-on", "note"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CI": "true"},
    )
    assert completed.returncode == 0, completed.stdout
    assert (
        "iacguard: PASSED (exit 0): 1 template checked; 0 skipped (not CloudFormation); "
        "no findings"
    ) in completed.stdout


@pytest.mark.parametrize("tags", [frozenset(), frozenset({"CDK", "CDK-NODE", "CDK-PYTHON"})])
def test_every_buildspec_init_can_write_is_valid(tags: frozenset[str]) -> None:
    assert check_buildspec_text(render_buildspec(tags)) == []


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        # CodeBuild does not set CI; its own variable wins over a CI=false from a profile.
        (
            {"CODEBUILD_BUILD_ID": "validate:1", "CI": "false"},
            CiEnvironment("AWS CodeBuild", "CODEBUILD_BUILD_ID"),
        ),
        (
            {"GITHUB_ACTIONS": "true", "CI": "true"},
            CiEnvironment("GitHub Actions", "GITHUB_ACTIONS"),
        ),
        ({"CI": "1"}, CiEnvironment("CI", "CI")),
        ({"CI": "false"}, None),
        ({"CI": "", "TF_BUILD": "False"}, None),
        ({"HOME": "/root"}, None),
    ],
)
def test_ci_detection(environment: dict[str, str], expected: CiEnvironment | None) -> None:
    assert detect_ci(environment) == expected


def test_progress_is_only_drawn_on_a_terminal_outside_ci() -> None:
    assert show_progress(True, {})
    assert not show_progress(False, {})
    assert not show_progress(True, {"CODEBUILD_BUILD_ID": "validate:1"})


def test_ci_log_gets_the_summary_line_even_when_quiet(tmp_path: Path) -> None:
    template = tmp_path / "images.yaml"
    template.write_text(UNSCANNED_REPOSITORY, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}

    def check(**ci: str) -> str:
        completed = subprocess.run(
            [str(IACGUARD), "check", "--quiet", "--select", "IGE001", "images.yaml"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
            env={**environment, **ci},
        )
        assert completed.returncode == 1, completed.stderr
        return completed.stdout

    finding = "images.yaml:10:9 IGE001 error ECR repository WebImages "
    local = check().splitlines()
    assert len(local) == 1 and local[0].startswith(finding)

    in_codebuild = check(CODEBUILD_BUILD_ID="validate:1").splitlines()
    assert in_codebuild[0].startswith(finding)
    assert in_codebuild[1:] == [
        "",
        "iacguard: FAILED (exit 1): 1 template checked; 0 skipped (not CloudFormation); "
        "1 finding (1 error)",
    ]
