"""The shared CDK app's expected-findings key, checked end to end through ``iacguard check``.

Every deliberate defect is reported on its construct path and logical id; the compliant
counterparts get nothing from the rules of those themes. Skipped without ../shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Theme of the key -> the rule that owns it.
THEME_RULES = {
    "ecr-scan-on-push": "IGE001",
    "ecr-lifecycle-policy": "IGE004",
    "ecs-circuit-breaker-rollback": "IGR004",
    "alb-target-5xx-alarm": "IGA004",
    "codedeploy-auto-rollback": "IGR001",
    "codedeploy-alarms": "IGR002",
    "lambda-tracing-active": "IGA009",
    "log-group-retention": "IGL001",
    "ecr-tag-immutability": "IGE003",
}


@pytest.fixture(scope="module")
def app_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    shared = Path(__file__).resolve().parents[1].parent / "shared"
    app = shared / "cdk" / "app-a"
    if not app.is_dir():
        pytest.skip("../shared is not present")
    out = tmp_path_factory.mktemp("app") / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "cdk.out", "--no-cache", "--format", "json",
         "--output", str(out)],
        cwd=app, capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "false"},
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(out.read_text())
    report["key"] = json.loads((app / "expected-findings.json").read_text())
    return report


def test_all_three_templates_are_found(app_report: dict) -> None:
    assert app_report["files"]["checked"] == [
        "cdk.out/assembly-Prod/ProdRegistryB82DC0F6.template.json",
        "cdk.out/assembly-Prod/ProdRegistryLegacyImages630D89E8.nested.template.json",
        "cdk.out/assembly-Prod/ProdStorefront65317B0F.template.json",
    ]


def test_every_defect_is_reported_on_its_construct(app_report: dict) -> None:
    findings = app_report["findings"]
    key = app_report["key"]
    for row in [*key["findings"], *key["policyDependent"]]:
        rule = THEME_RULES[row["theme"]]
        matching = [
            f for f in findings
            if f["rule_id"] == rule and f["logical_id"] == row["logicalId"]
            and f["file"] == "cdk.out/" + row["template"]
        ]
        assert matching, f"{row['id']}: {rule} not reported on {row['logicalId']}"
        assert matching[0]["construct_path"] == row["path"]
        assert matching[0]["stack"] in {"Prod/Registry", "Prod/Storefront",
                                        "Prod/Registry/LegacyImages"}


def test_compliant_counterparts_are_not_flagged_for_the_themes(app_report: dict) -> None:
    theme_rules = set(THEME_RULES.values()) | {"IGL002"}
    clean = {row["logicalId"] for row in app_report["key"]["mustNotFlag"]}
    flagged = [
        (f["rule_id"], f["logical_id"]) for f in app_report["findings"]
        if f["logical_id"] in clean and f["rule_id"] in theme_rules
    ]
    assert flagged == []


def test_cdk_generated_cross_stack_reference_is_not_a_validation_error(app_report: dict) -> None:
    assert not [f for f in app_report["findings"] if "Fn::GetStackOutput" in f["message"]]


def test_creation_site_points_at_the_cdk_source(app_report: dict) -> None:
    (finding,) = [f for f in app_report["findings"]
                  if f["rule_id"] == "IGL001" and f["logical_id"] == "AuditLogGroup6D13791A"]
    assert finding["related"][0]["file"] == "src/lib/storefront-stack.ts"
    assert finding["related"][0]["line"] > 0
