"""A function's role reaches the user: in the JSON report (valid against its schema, kept by the
cache and by merge) and in ``iacguard explain``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from iacguard.findings import Finding
from iacguard.report.codec import decode, finding_to_data
from test_reporters_json import validator

ROOT = Path(__file__).resolve().parents[1]
ROLES = ROOT / "tests" / "fixtures" / "rules" / "IGA006" / "roles.yaml"


def _iacguard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iacguard", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_json_findings_carry_the_role_and_its_evidence() -> None:
    result = _iacguard("check", str(ROLES), "--isolated", "--no-validate", "--no-cache",
                       "--select", "IGA006", "--format", "json")
    assert result.returncode == 0, result.stderr  # warnings and notes only: fail-on error
    data = json.loads(result.stdout)
    validator().validate(data)
    roles = {f["logical_id"]: (f["severity"], f.get("role")) for f in data["findings"]}
    assert roles["Checkout"] == (
        "warning", {"kind": "user-facing", "evidence": "API POST /checkout"}
    )
    assert roles["OrderWorker"] == (
        "warning", {"kind": "event consumer", "evidence": "event source mapping OrdersMapping"}
    )
    assert roles["Standalone"] == (
        "note", {"kind": "unknown", "evidence": "nothing in this template invokes it"}
    )
    # Deployment helpers are not judged at all.
    assert not {"Provider", "MacroHandler", "PreTrafficHook", "NamedHook"} & set(roles)


def test_the_role_survives_the_cache_and_merge_format() -> None:
    result = _iacguard("check", str(ROLES), "--isolated", "--no-validate", "--no-cache",
                       "--select", "IGA006", "--format", "json")
    for item in json.loads(result.stdout)["findings"]:
        assert finding_to_data(decode(Finding, item)) == item


def test_a_finding_without_a_role_has_a_null_role() -> None:
    policies = ROOT / "tests" / "fixtures" / "rules" / "IGD001" / "policies.yaml"
    result = _iacguard("check", str(policies), "--isolated", "--no-validate", "--no-cache",
                       "--select", "IGD001", "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert findings
    assert all(f["role"] is None for f in findings)


def test_explain_describes_the_role_policy() -> None:
    result = _iacguard("explain", "IGA006")
    assert result.returncode == 0
    assert "Function roles" in result.stdout
    assert "deployment helper (custom-resource ServiceToken targets" in result.stdout
    assert "unknown (nothing in the template invokes it): a note" in result.stdout
