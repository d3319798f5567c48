"""--validate-timeout: cfn-lint is stopped on a template it would validate for minutes; the
template is reported (IG0008 and a notice), its own rules still run, the other templates are
validated as usual, and the stopped result is never cached. Through the real command line, with
validation in this process (--jobs 1) and in worker processes (--jobs 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

#: cfn-lint needs minutes for this template (each condition is built on the one before).
CHAIN = "\n".join(
    ["Parameters:", "  Stage: {Type: String, AllowedValues: [prod, dev]}", "Conditions:",
     "  C0: !Equals [!Ref Stage, prod]"]
    + [f"  C{i}: !And [!Condition C{i - 1}, !Equals [!Ref Stage, prod]]" for i in range(1, 600)]
    + ["Resources:", "  Repo:", "    Type: AWS::ECR::Repository", "    Condition: C599",
       "    Properties: {RepositoryName: chained}", ""]
)
#: cfn-lint validates this in well under a second and reports E3002 on line 6.
TYPO = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n"
        "    Type: AWS::SNS::Topic\n    Properties:\n      TopicNam: x\n")


def iacguard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iacguard", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def findings(run: subprocess.CompletedProcess[str]) -> set[tuple[str, int, str]]:
    report: dict[str, Any] = json.loads(run.stdout)
    return {(f["file"], f["start_line"], f["rule_id"]) for f in report["findings"]}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_slow_template_is_stopped_and_the_others_are_validated(
    tmp_path: Path, jobs: str
) -> None:
    # The slow template first: with --jobs 1 the templates after it are validated by a
    # cfn-lint that was interrupted once. Four templates, so --jobs 2 starts workers.
    (tmp_path / "a-chain.yaml").write_text(CHAIN)
    typos = [f"typo{index}.yaml" for index in range(3)]
    for name in typos:
        (tmp_path / name).write_text(TYPO)
    arguments = ["check", "--jobs", jobs, "--validate-timeout", "3", "--cache-dir",
                 str(tmp_path / "cache"), "--format", "json", "."]
    for _ in range(2):  # the second run: the stopped template is not answered from the cache
        run = iacguard(tmp_path, *arguments)
        assert run.returncode == 1, run.stderr
        found = findings(run)
        assert ("a-chain.yaml", 1, "IG0008") in found
        assert ("a-chain.yaml", 608, "IGE001") in found  # its own rules ran
        assert {(name, 6, "cfn-lint/E3002") for name in typos} <= found
        assert run.stderr.splitlines() == [
            "iacguard: notice: a-chain.yaml: not validated: cfn-lint was stopped after 3 s "
            "(--validate-timeout); iacguard's rules checked it"
        ]
        message = next(f["message"] for f in json.loads(run.stdout)["findings"]
                       if f["rule_id"] == "IG0008")
        assert "within 3 s" in message


def test_the_budget_is_a_setting(tmp_path: Path) -> None:
    (tmp_path / "typo.yaml").write_text(TYPO)
    (tmp_path / ".iacguard.yaml").write_text("validate-timeout: 0.5\n")
    shown = iacguard(tmp_path, "config")
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^validate-timeout +0\.5 +\(\.iacguard\.yaml\)$", shown.stdout, re.MULTILINE)
    unlimited = iacguard(tmp_path, "check", "--no-cache", "--validate-timeout", "0",
                         "--format", "json", "typo.yaml")
    assert ("typo.yaml", 6, "cfn-lint/E3002") in findings(unlimited)
    negative = iacguard(tmp_path, "check", "--validate-timeout", "-1", "typo.yaml")
    assert negative.returncode == 2
    assert "--validate-timeout" in negative.stderr and "Traceback" not in negative.stderr
    (tmp_path / ".iacguard.yaml").write_text("validate-timeout: soon\n")
    wrong = iacguard(tmp_path, "check", "typo.yaml")
    assert wrong.returncode == 2
    assert len(wrong.stderr.strip().splitlines()) == 1, wrong.stderr
    assert "validate-timeout" in wrong.stderr
