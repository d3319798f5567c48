"""A real CDK app, synthesized before and after a risky change (tests/fixtures/diff/cdk-app):
moving a table into a new scope, renaming a table's construct, changing a create-only
property, removing an alarm from a deployment, dropping a stack. See the fixture's README."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.diff import CompareOptions, compare
from iacguard.diff.sources import read_side
from iacguard.engines.rules.registry import load_rules
from iacguard.findings import Finding

APP = Path(__file__).parent / "fixtures" / "diff" / "cdk-app"
RULES = {rule.id: rule for rule in load_rules() if rule.kind == "change"}
EXPECTED = {
    ("IGC002", "StorageOrders79EED263", "Shop/Storage/Orders/Resource"),
    ("IGC004", "StorageOrders79EED263", "Shop/Storage/Orders/Resource"),
    ("IGC001", "UserSessionsCA75ECC3", "Shop/UserSessions/Resource"),
    ("IGC001", "Customers6955EA0A", "Shop/Customers/Resource"),
    ("IGC008", "CheckoutDeployment0CAA9606", "Shop/CheckoutDeployment/Resource"),
    ("IGC006", "", ""),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_COLOR": "1", "CI": "false"}
    return subprocess.run([sys.executable, "-m", "iacguard", *args], cwd=APP,
                          capture_output=True, text=True, timeout=120, env=environment)


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    base = read_side(APP / "before.out", "BASE", APP)
    head = read_side(APP / "after.out", "HEAD", APP)
    return compare(base.versions, head.versions, RULES, CompareOptions()).findings


def by_id(findings: list[Finding], rule_id: str, logical_id: str) -> Finding:
    (found,) = [f for f in findings if f.rule_id == rule_id and f.logical_id == logical_id]
    return found


def test_exactly_the_risky_changes_are_reported(findings: list[Finding]) -> None:
    assert {(f.rule_id, f.logical_id, f.construct_path) for f in findings} == EXPECTED


def test_a_moved_construct_keeps_its_data_outside_the_stack(findings: list[Finding]) -> None:
    moved = by_id(findings, "IGC002", "StorageOrders79EED263")
    assert moved.file == "after.out/Shop.template.json"
    assert moved.stack == "Shop"
    assert "replaces OrdersA9B65338 (construct moved from Shop to Shop/Storage" in moved.message
    assert "(DeletionPolicy: Retain)" in moved.message
    assert ("migrate the data from 'diff-fixture-orders' (logical id OrdersA9B65338 in stack "
            "diff-fixture-shop)") in moved.message
    assert "overrideLogicalId('OrdersA9B65338')" in moved.fix
    # The finding points at the line of CDK code that created the construct.
    (site,) = moved.related
    assert (site["file"], site["line"], site["message"]) == (
        "src/lib/shop-stack.ts", 24, "construct created here")
    line = (APP / "src/lib/shop-stack.ts").read_text().splitlines()[site["line"] - 1]
    assert "new dynamodb.Table(ordersScope, 'Orders'" in line


def test_the_moved_table_cannot_be_created_under_its_old_name(findings: list[Finding]) -> None:
    conflict = by_id(findings, "IGC004", "StorageOrders79EED263")
    assert conflict.property_path == "Properties.TableName"
    assert "keeps TableName 'diff-fixture-orders'" in conflict.message
    assert "the creation fails and the stack rolls back" in conflict.message


def test_a_renamed_construct_loses_its_data(findings: list[Finding]) -> None:
    renamed = by_id(findings, "IGC001", "UserSessionsCA75ECC3")
    assert "replaces Sessions8896A56D (same type and properties" in renamed.message
    assert "deletes the old one with its data (DeletionPolicy: Delete)" in renamed.message


def test_a_changed_create_only_property_replaces_the_table(findings: list[Finding]) -> None:
    replaced = by_id(findings, "IGC001", "Customers6955EA0A")
    assert ("TableName changes from 'diff-fixture-customers' to 'diff-fixture-customers-v2' "
            "(a create-only property)") in replaced.message
    assert "(UpdateReplacePolicy: Delete)" in replaced.message
    assert replaced.fix.startswith("Keep TableName at 'diff-fixture-customers'.")


def test_removed_alarm_and_dropped_stack(findings: list[Finding]) -> None:
    rollback = by_id(findings, "IGC008", "CheckoutDeployment0CAA9606")
    assert "alarm !Ref CheckoutErrors44E090FD is removed from AlarmConfiguration.Alarms" in (
        rollback.message)
    assert "rollback event DEPLOYMENT_STOP_ON_ALARM is removed" in rollback.message
    (stack,) = [f for f in findings if f.rule_id == "IGC006"]
    assert stack.file == "before.out/Reports.template.json"
    assert stack.message.startswith("Stack diff-fixture-reports is no longer in HEAD")
    assert "ReportRequests2DFBCB36 (AWS::SQS::Queue) is deleted with its data" in stack.message
    assert "Reports65402A0A (AWS::DynamoDB::Table) is kept (retained)" in stack.message


def test_diff_command_on_the_two_assemblies() -> None:
    result = run("diff", "before.out", "after.out", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {(f["rule_id"], f["logical_id"], f["construct_path"]) for f in report["findings"]}
    assert found == EXPECTED
    assert report["summary"]["files_checked"] == 1


def test_check_with_base_assembly_reports_the_same_changes() -> None:
    result = run("check", "--no-validate", "--no-cache", "--select", "IGC", "--base-assembly",
                 "before.out", "after.out", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {(f["rule_id"], f["logical_id"], f["construct_path"]) for f in report["findings"]}
    assert found == EXPECTED


def test_without_the_change_nothing_is_reported() -> None:
    result = run("diff", "after.out", "after.out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no findings" in result.stdout


def test_committed_assemblies_hold_no_machine_paths() -> None:
    machine = re.compile(r"/(tmp|home|root|Users|work|var|private)/")
    for path in APP.rglob("*"):
        if path.is_file() and "node_modules" not in path.parts:
            assert not machine.search(path.read_text(encoding="utf-8", errors="replace")), path


def test_pipes_and_huge_files_in_the_base_assembly_never_block_the_check(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(APP / "before.out", tmp_path / "before.out")
    shutil.copytree(APP / "after.out", tmp_path / "after.out")
    # The cache key digests the base assembly's JSON files; neither may hang or eat memory.
    os.mkfifo(tmp_path / "before.out" / "stalls.json")
    with open(tmp_path / "before.out" / "huge.json", "wb") as sparse:
        sparse.truncate(30 * 1024**3)
    environment = {**os.environ, "NO_COLOR": "1", "CI": "false"}

    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "--select", "IGC",
         "--base-assembly", "before.out", "after.out", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=environment)

    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    found = {(f["rule_id"], f["logical_id"], f["construct_path"]) for f in report["findings"]}
    assert found == EXPECTED
