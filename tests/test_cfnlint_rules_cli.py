"""cfn-lint's rules are first-class in ``explain`` and ``rules`` (issue 20, item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from iacguard.engines.cfnlint_catalog import FIX


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iacguard", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.parametrize("name", ["cfn-lint/E3002", "E3002", "e3002"])
def test_explain_a_cfn_lint_rule_by_either_spelling(name: str) -> None:
    result = run("explain", name)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == ["cfn-lint/E3002 resource-properties-are-invalid",
                         "Resource properties are invalid", "", "Severity: error"]
    assert lines[lines.index("How to fix") + 1] == f"  {FIX}"
    assert "Making sure" not in result.stdout.split("How to fix")[1]
    assert lines[-1].startswith("Docs: https://github.com/aws-cloudformation/cfn-lint/")


def test_an_unknown_cfn_lint_id_is_still_a_one_line_error() -> None:
    result = run("explain", "E9999")
    assert result.returncode == 2
    assert result.stderr == ("iacguard: error: unknown rule 'E9999'; run 'iacguard rules' (or "
                             "'iacguard rules --engine all' with cfn-lint's) to list them\n")


def test_explaining_our_own_rule_does_not_import_cfn_lint() -> None:
    script = ("import sys\nfrom iacguard.cli import main\ntry:\n    main(sys.argv[1:])\n"
              "finally:\n    print('CFNLINT=%d' % ('cfnlint' in sys.modules), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", script, "explain", "IGE001"],
                            capture_output=True, text=True, timeout=120)
    assert result.stderr.strip() == "CFNLINT=0"


def test_rules_lists_cfn_lint_rules_on_request() -> None:
    ours = run("rules").stdout
    assert "cfn-lint/" not in ours
    theirs = run("rules", "--engine", "cfn-lint")
    assert theirs.returncode == 0
    rows = theirs.stdout.splitlines()
    assert rows[0].split() == ["ID", "SEVERITY", "NAME", "TITLE"]
    assert any(row.split()[:3] == ["cfn-lint/E3002", "error", "resource-properties-are-invalid"]
               for row in rows)
    assert not any(row.startswith("IG") for row in rows)
    combined = run("rules", "--engine", "all").stdout.splitlines()
    count = int(combined[-1].split()[0])
    assert count == int(ours.splitlines()[-1].split()[0]) + int(rows[-1].split()[0]) > 300


def test_rules_json_carries_cfn_lint_rules() -> None:
    rows = json.loads(run("rules", "--engine", "cfn-lint", "--format", "json").stdout)
    e3002 = next(row for row in rows if row["id"] == "cfn-lint/E3002")
    assert e3002["source"] == "cfn-lint"
    assert e3002["severity"] == "error"
    assert e3002["help_uri"].startswith("https://")
