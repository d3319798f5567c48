"""`iacguard check --base REF` in real git repositories, and `iacguard diff` on bad input: what
a user sees, the exit code, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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

REPOSITORY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Images:
    Type: AWS::ECR::Repository
"""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                            env={**os.environ, **GIT_ENV}, timeout=60, check=True)
    return result.stdout


def iacguard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **GIT_ENV, "NO_COLOR": "1", "CI": "false"}
    return subprocess.run([sys.executable, "-m", "iacguard", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=environment)


def check(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return iacguard(repo, "check", "--no-validate", "--no-cache", *args)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "templates").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "orders")
    return root


def findings_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    report = json.loads(result.stdout)
    findings: list[dict[str, object]] = report["findings"]
    return findings


def test_a_replacement_in_the_work_tree_is_reported_with_the_other_checks(repo: Path) -> None:
    (repo / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders-v2"))
    result = check(repo, "--base", "main", "templates", "--format", "json")
    assert result.returncode == 1, result.stderr
    findings = findings_of(result)
    (change,) = [f for f in findings if f["rule_id"] == "IGC001"]
    assert (change["file"], change["start_line"], change["start_column"]) == (
        "templates/orders.yaml", 9, 7)
    assert "TableName changes from 'orders' to 'orders-v2'" in str(change["message"])
    # The template's own checks still run (IGD002: the table has no point-in-time recovery).
    assert any(str(f["rule_id"]).startswith("IGD") for f in findings)


def test_without_base_no_change_rule_runs_or_is_listed(repo: Path) -> None:
    (repo / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders-v2"))
    result = check(repo, "templates", "--format", "sarif")
    sarif = json.loads(result.stdout)
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert not any(rule.startswith("IGC") for rule in rules)
    results = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert not any(rule.startswith("IGC") for rule in results)


def test_sarif_carries_the_change_rules(repo: Path) -> None:
    (repo / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders-v2"))
    result = check(repo, "--base", "main", "--select", "IGC", "templates", "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    assert "IGC001" in {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    (found,) = run["results"]
    assert found["ruleId"] == "IGC001"
    region = found["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 9


def test_a_template_new_in_head_is_simply_checked(repo: Path) -> None:
    (repo / "templates" / "images.yaml").write_text(REPOSITORY)
    result = check(repo, "--base", "main", "templates", "--format", "json")
    findings = findings_of(result)
    assert not [f for f in findings if str(f["rule_id"]).startswith("IGC")]
    assert [f for f in findings if f["file"] == "templates/images.yaml"]  # e.g. IGE001
    assert json.loads(result.stdout)["summary"]["files_checked"] == 2


def test_a_base_that_does_not_parse_gives_a_notice_and_head_checks_run(repo: Path) -> None:
    target = repo / "templates" / "orders.yaml"
    target.write_text("Resources:\n  Orders: [unclosed\n")
    git(repo, "commit", "-q", "-am", "broken")
    target.write_text(ORDERS.format(name="orders"))
    result = check(repo, "--base", "main", "templates", "--format", "json")
    assert result.returncode == 0, result.stderr  # not a usage error: only the BASE is broken
    assert result.stderr == (
        "iacguard: notice: BASE main:templates/orders.yaml:3:1: did not find expected ',' or "
        "']' (not compared; the HEAD checks still run)\n"
    )
    findings = findings_of(result)
    assert {str(f["rule_id"])[:3] for f in findings} == {"IGD"}  # the HEAD template's checks


def test_a_removed_resource_points_into_head_and_back_at_base(repo: Path) -> None:
    (repo / "templates" / "orders.yaml").write_text(REPOSITORY)
    result = check(repo, "--base", "main", "--select", "IGC", "templates", "--format", "json")
    (removed,) = findings_of(result)
    assert removed["rule_id"] == "IGC001"
    assert (removed["file"], removed["start_line"], removed["logical_id"]) == (
        "templates/orders.yaml", 2, "Orders")
    assert removed["related"] == [{"file": "main:templates/orders.yaml", "line": 4, "column": 3,
                                   "message": "where it is in BASE"}]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--base", "no-such-branch"),
         "iacguard: error: --base no-such-branch: unknown git ref (no branch, tag or commit of "
         "that name)\n"),
        (("--base", "--upload-pack=touch"),
         "iacguard: error: --base '--upload-pack=touch' is not a git ref (a branch, tag or "
         "commit)\n"),
        (("--base", "main..HEAD"),
         "iacguard: error: --base 'main..HEAD' is not a git ref (a branch, tag or commit)\n"),
    ],
)
def test_a_bad_ref_is_a_one_line_error(repo: Path, arguments: tuple[str, ...],
                                       message: str) -> None:
    result = check(repo, *arguments, "templates")
    assert result.returncode == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_a_path_outside_the_repository_is_a_one_line_error(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(REPOSITORY)
    result = check(repo, "--base", "main", str(outside))
    assert result.returncode == 2
    assert result.stderr.startswith(f"iacguard: error: {outside}: outside the git repository")
    assert len(result.stderr.splitlines()) == 1


def test_outside_a_git_work_tree_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(REPOSITORY)
    result = iacguard(tmp_path, "check", "--no-validate", "--base", "main", "t.yaml")
    assert result.returncode == 2
    assert result.stderr.startswith("iacguard: error: --base main: ")
    assert "is not inside a git work tree" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_first_commit_is_not_blocked(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "orders.yaml").write_text(ORDERS.format(name="orders"))
    result = check(tmp_path, "--base", "HEAD", "--select", "IGC", "orders.yaml")
    assert result.returncode == 0, result.stderr
    assert "the repository has no commit yet, so every template is new" in result.stderr


def test_inline_suppression_and_baseline_apply_to_change_findings(repo: Path) -> None:
    target = repo / "templates" / "orders.yaml"
    text = ORDERS.format(name="orders-v2").replace(
        "TableName: orders-v2", "TableName: orders-v2  # iacguard: ignore[IGC001] data copied (DATA-7)")
    target.write_text(text)
    result = check(repo, "--base", "main", "--select", "IGC", "templates", "--format", "json")
    assert result.returncode == 0, result.stdout
    (finding,) = findings_of(result)
    assert finding["suppression"]["reason"] == "data copied (DATA-7)"

    target.write_text(ORDERS.format(name="orders-v3"))
    baseline = repo / "baseline.json"
    first = check(repo, "--base", "main", "--select", "IGC", "templates",
                  "--write-baseline", str(baseline))
    assert first.returncode == 0
    again = check(repo, "--base", "main", "--select", "IGC", "templates",
                  "--baseline", str(baseline), "--format", "json")
    assert again.returncode == 0
    (baselined,) = findings_of(again)
    assert baselined["suppression"]["kind"] == "baseline"


def test_cached_results_follow_the_base_commit(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (repo / "templates" / "orders.yaml").write_text(ORDERS.format(name="orders-v2"))
    arguments = ("check", "--no-validate", "--cache-dir", str(cache), "--select", "IGC",
                 "--base", "HEAD", "templates", "--format", "json")
    cold = iacguard(repo, *arguments)
    warm = iacguard(repo, *arguments)
    assert cold.returncode == warm.returncode == 1
    assert cold.stdout == warm.stdout
    git(repo, "commit", "-q", "-am", "rename the table")  # HEAD now holds the change
    after = iacguard(repo, *arguments)
    assert after.returncode == 0, after.stdout
    assert findings_of(after) == []


def test_nested_stack_read_from_git(repo: Path) -> None:
    (repo / "templates" / "parent.yaml").write_text(
        "Resources:\n  Data:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n      TemplateURL: nested/data.yaml\n")
    (repo / "templates" / "nested").mkdir()
    (repo / "templates" / "nested" / "data.yaml").write_text(ORDERS.format(name="orders"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "nested")
    (repo / "templates" / "parent.yaml").write_text(
        "Resources:\n  Handle:\n    Type: AWS::CloudFormation::WaitConditionHandle\n")
    result = check(repo, "--base", "main", "--select", "IGC", "templates/parent.yaml",
                   "--format", "json")
    (lost,) = findings_of(result)
    assert lost["rule_id"] == "IGC001"
    assert (lost["file"], lost["logical_id"]) == ("templates/parent.yaml", "Orders")
    assert "is in nested stack main:templates/nested/data.yaml" in str(lost["message"])
    assert "Data is removed from the template" in str(lost["message"])
    assert lost["related"][0]["file"] == "main:templates/parent.yaml"


# --------------------------------------------------------------------------- iacguard diff


def test_diff_of_two_files(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(ORDERS.format(name="orders"))
    (tmp_path / "new.yaml").write_text(ORDERS.format(name="orders-v2"))
    result = iacguard(tmp_path, "diff", "old.yaml", "new.yaml", "--quiet")
    assert result.returncode == 1
    assert result.stdout.startswith("new.yaml:9:7 IGC001 error AWS::DynamoDB::Table Orders is "
                                    "replaced: TableName changes from 'orders' to 'orders-v2'")


def test_diff_base_that_does_not_parse_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text("Resources:\n  Orders: [unclosed\n")
    (tmp_path / "new.yaml").write_text(ORDERS.format(name="orders"))
    result = iacguard(tmp_path, "diff", "old.yaml", "new.yaml")
    assert result.returncode == 0, result.stdout
    assert result.stderr.startswith("iacguard: notice: BASE old.yaml:3:1: ")
    assert "(not compared)" in result.stderr


def test_diff_head_that_does_not_parse_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(ORDERS.format(name="orders"))
    (tmp_path / "new.yaml").write_text("Resources:\n  Orders: [unclosed\n")
    result = iacguard(tmp_path, "diff", "old.yaml", "new.yaml")
    assert result.returncode == 2
    assert "new.yaml:3:1: " in result.stdout and "[not checked]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        ("missing.yaml", "new.yaml", "iacguard: error: BASE missing.yaml: path does not exist\n"),
        ("old.yaml", "folder", "iacguard: error: cannot compare a file (old.yaml) with a folder "
         "(folder): give two files, two folders or two CDK assemblies\n"),
    ],
)
def test_diff_bad_arguments_are_one_line_errors(tmp_path: Path, base: str, head: str,
                                                message: str) -> None:
    (tmp_path / "old.yaml").write_text(ORDERS.format(name="orders"))
    (tmp_path / "new.yaml").write_text(ORDERS.format(name="orders"))
    (tmp_path / "folder").mkdir()
    result = iacguard(tmp_path, "diff", base, head)
    assert result.returncode == 2
    assert result.stderr == message


def test_worker_processes_give_the_same_report(repo: Path) -> None:
    for index in range(5):
        (repo / "templates" / f"table{index}.yaml").write_text(ORDERS.format(name=f"t{index}"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more tables")
    for index in range(5):
        (repo / "templates" / f"table{index}.yaml").write_text(ORDERS.format(name=f"n{index}"))
    serial = check(repo, "--base", "main", "--select", "IGC", "--jobs", "1", "templates",
                   "--format", "json")
    parallel = check(repo, "--base", "main", "--select", "IGC", "--jobs", "2", "templates",
                     "--format", "json")
    assert serial.returncode == parallel.returncode == 1
    assert len(findings_of(serial)) == 5
    assert serial.stdout == parallel.stdout


def test_diff_of_folders_skips_yaml_that_is_not_cloudformation(tmp_path: Path) -> None:
    for side, name in (("old", "orders"), ("new", "orders-v2")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "orders.yaml").write_text(ORDERS.format(name=name))
        (tmp_path / side / "compose.yaml").write_text("services: [unclosed\n")
    result = iacguard(tmp_path, "diff", "old", "new", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("new/orders.yaml:9:7 IGC001 error")
    assert "compose.yaml" not in result.stdout + result.stderr


def test_diff_of_a_file_that_is_not_a_template_says_so(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text("name: web\n")
    (tmp_path / "new.yaml").write_text("name: web\nreplicas: 2\n")
    result = iacguard(tmp_path, "diff", "old.yaml", "new.yaml")
    assert result.returncode == 0
    assert "iacguard: notice: HEAD new.yaml is not a CloudFormation template; nothing compared" \
        in result.stderr


def test_sarif_of_change_findings_is_valid(repo: Path) -> None:
    from test_reporters_sarif import validate_sarif

    (repo / "templates" / "orders.yaml").write_text(REPOSITORY)  # Orders removed
    result = check(repo, "--base", "main", "--select", "IGC", "templates", "--format", "sarif")
    log = json.loads(result.stdout)
    validate_sarif(log)
    (found,) = log["runs"][0]["results"]
    related = found["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "main%3Atemplates/orders.yaml"
    assert related["region"] == {"startLine": 4, "startColumn": 3}
