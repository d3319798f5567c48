"""iacguard's own findings (IG0xxx) come from one table, and a crash names its rule in a field
of its own that every report carries."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from iacguard.engines.codes import CODES
from iacguard.engines.rules.spec import RuleSpec

REPO_ROOT = Path(__file__).resolve().parents[1]
CUSTOM_RULE = REPO_ROOT / "tests" / "fixtures" / "cli" / "custom-rules" / "ACME001-topic-without-name.yaml"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iacguard", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_no_code_is_defined_outside_the_table() -> None:
    """Every IG0xxx id written in the source is one of the table's, named only in its module."""
    code = re.compile(r"\bIG0[0-9]{3}\b")
    table = REPO_ROOT / "src" / "iacguard" / "engines" / "codes.py"
    elsewhere = {
        f"{path.relative_to(REPO_ROOT)}: {found}"
        for path in (REPO_ROOT / "src" / "iacguard").rglob("*.py") if path != table
        for found in code.findall(path.read_text(encoding="utf-8"))
        if f'"{found}"' in path.read_text(encoding="utf-8")
    }
    assert elsewhere == set()
    assert set(code.findall(table.read_text(encoding="utf-8"))) == {c.id for c in CODES}


@pytest.mark.parametrize("code", CODES, ids=[code.id for code in CODES])
def test_every_code_is_listed_and_explained_like_a_rule(code: RuleSpec, tmp_path: Path) -> None:
    rule_id = code.id
    listing = run("rules", "--format", "json", cwd=tmp_path)
    assert rule_id in {rule["id"] for rule in json.loads(listing.stdout)}
    explained = run("explain", rule_id, cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith(f"{rule_id} {code.name}\n")
    assert "Why this matters" in explained.stdout and "How to fix" in explained.stdout


def test_a_crashed_rule_is_named_in_its_own_field_of_every_report(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "crash.yaml").write_text(
        CUSTOM_RULE.read_text().replace("absent: true", 'regex: "("').replace("ACME001", "ACME002")
    )
    (tmp_path / "topic.yaml").write_text("Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n")
    result = run("check", "--no-validate", "--no-cache", "--rules", "rules", "--format", "json",
                 "--output", "sarif:out.sarif", "--output", "junit:out.xml", "topic.yaml",
                 cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    (crash,) = json.loads(result.stdout)["findings"]
    assert (crash["rule_id"], crash["rule_name"], crash["crashed_rule"], crash["property_path"],
            crash["outcome"]) == ("IG0002", "rule-error", "ACME002", "", "error")
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    (notification,) = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["descriptor"] == {"id": "IG0002"}
    assert notification["associatedRule"]["id"] == "ACME002"
    cases = ElementTree.parse(tmp_path / "out.xml").getroot().iter("testcase")
    errors = [case.get("name") for case in cases if case.find("error") is not None]
    assert errors == ["ACME002 Alerts"]
