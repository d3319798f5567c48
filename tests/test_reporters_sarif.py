"""SARIF as code scanning and other consumers read it: valid against the OASIS schema, loadable
by a third-party reader, with every rule described and every result located."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from iacguard.engines.rules.registry import load_rules
from iacguard.findings import FileProblem, Finding, Outcome, Report, Severity, Suppression
from iacguard.report import sarif
from iacguard.report.sarif import render_sarif, sarif_log
from iacguard.run.outcome import exit_code
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings
from test_reporters_snapshots import REPO_ROOT, e2e_report

#: The OASIS SARIF 2.1.0 schema, shipped with the tests (terms in the .LICENSE.md beside it).
SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema).validate(log)


def make_finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "rule_id": "IGL001",
        "rule_name": "log-group-without-retention",
        "severity": Severity.WARNING,
        "message": "Log group AppLogs has no RetentionInDays",
        "fix": "Set RetentionInDays.",
        "file": "templates/app.yaml",
        "start_line": 7,
        "start_column": 5,
        "end_line": 7,
        "end_column": 15,
        "logical_id": "AppLogs",
        "resource_type": "AWS::Logs::LogGroup",
        "property_path": "Properties",
    }
    values.update(overrides)
    return Finding(**values)


@pytest.fixture
def e2e(monkeypatch: pytest.MonkeyPatch) -> tuple[Report, int]:
    monkeypatch.chdir(REPO_ROOT)
    return e2e_report()


@pytest.fixture
def e2e_log(e2e: tuple[Report, int]) -> dict[str, Any]:
    report, code = e2e
    log: dict[str, Any] = json.loads(render_sarif(report, code))
    return log


def test_e2e_report_is_valid_sarif(e2e_log: dict[str, Any]) -> None:
    validate_sarif(e2e_log)
    assert e2e_log["version"] == "2.1.0"


def test_third_party_reader_loads_the_results(
    e2e: tuple[Report, int], tmp_path: Path
) -> None:
    from sarif.loader import load_sarif_file

    report, code = e2e
    path = tmp_path / "iacguard.sarif"
    path.write_text(render_sarif(report, code), encoding="utf-8")
    loaded = load_sarif_file(str(path))
    assert loaded.get_distinct_tool_names() == ["iacguard"]
    records = sorted(
        (r["Code"], r["Location"], int(r["Line"]), r["Severity"]) for r in loaded.get_records()
    )
    assert records == [
        ("IGA001", "tests/fixtures/e2e/service.yaml", 35, "warning"),
        ("IGE001", "tests/fixtures/e2e/service.yaml", 10, "error"),
        ("IGL001", "tests/fixtures/e2e/service.yaml", 21, "warning"),
    ]
    assert loaded.get_rules_by_id("IGL001")[0]["name"] == "log-group-without-retention"
    assert loaded.get_report().get_issue_count_for_severity("error") == 1


def test_driver_lists_every_rule_that_ran_not_only_those_that_fired() -> None:
    rules = load_rules()
    log = sarif_log(Report(rules_run=list(rules)), 0)
    driver = log["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.id for r in rules]
    assert driver["name"] == "iacguard"
    assert driver["semanticVersion"] == driver["version"]
    assert driver["informationUri"].startswith("https://")
    assert log["runs"][0]["results"] == []


def test_rule_descriptor_carries_docs_level_and_security_severity() -> None:
    by_id = {r.id: r for r in load_rules()}
    descriptor = sarif.rule_descriptor(by_id["IGE001"])
    assert descriptor["shortDescription"]["text"] == by_id["IGE001"].title
    assert descriptor["fullDescription"]["text"].startswith("Images pushed without a vulnerability")
    # iacguard's rule pages have no published web address: no helpUri that would be a dead
    # link (issue 20, item 10); the help text is the whole page.
    assert "helpUri" not in descriptor
    assert "](http" not in descriptor["help"]["markdown"]
    assert descriptor["defaultConfiguration"] == {"level": "error"}
    assert descriptor["properties"]["security-severity"] == "7.5"
    assert descriptor["properties"]["tags"] == ["ecr", "security", "scanning"]
    markdown = descriptor["help"]["markdown"]
    assert "## How to fix" in markdown
    assert "```yaml\nRepo:\n  Type: AWS::ECR::Repository" in markdown
    assert "Why this matters" in descriptor["help"]["text"]
    # A rule without security-severity has no such property (GitHub would misread "None").
    assert "security-severity" not in sarif.rule_descriptor(by_id["IGL001"])["properties"]


def test_custom_rules_get_no_link_into_the_builtin_rule_docs() -> None:
    custom = replace({r.id: r for r in load_rules()}["IGL001"], id="ACME001", builtin=False)
    descriptor = sarif.rule_descriptor(custom)
    assert "helpUri" not in descriptor
    assert "docs/rules.md" not in descriptor["help"]["markdown"]
    assert descriptor["help"]["markdown"].startswith("**Log groups declare a retention period**")


def test_precision_is_high_for_declarative_rules_and_medium_for_python_checks() -> None:
    spec = {r.id: r for r in load_rules()}["IGL001"]
    assert spec.check is None
    assert sarif.rule_descriptor(spec)["properties"]["precision"] == "high"
    python_check = replace(spec, check="some_check", when=None)
    assert sarif.rule_descriptor(python_check)["properties"]["precision"] == "medium"


def test_result_is_located_fingerprinted_and_points_at_its_rule(e2e_log: dict[str, Any]) -> None:
    run = e2e_log["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "IGL001")
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "IGL001"
    assert result["level"] == "warning"
    assert result["message"]["text"] == (
        "Log group AppLogs has no RetentionInDays, so its logs are kept (and billed) forever. "
        "Fix: Set RetentionInDays to the period your team needs (for example 30, 90 or 365)."
    )
    location = result["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/fixtures/e2e/service.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 21, "startColumn": 5, "endLine": 21, "endColumn": 15},
    }
    assert location["logicalLocations"] == [{
        "name": "AppLogs",
        "fullyQualifiedName": "AppLogs",
        "kind": "resource",
        "properties": {"resourceType": "AWS::Logs::LogGroup"},
    }]
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert len(result["partialFingerprints"]["iacguard/v1"]) == 32
    assert "suppressions" not in result


def test_cdk_finding_has_resource_and_construct_logical_locations() -> None:
    finding = make_finding(
        stack="Prod/Storefront",
        logical_id="AuditLogGroup6D13791A",
        construct_path="Prod/Storefront/AuditLogGroup/Resource",
        related=({"file": "src/lib/storefront.ts", "line": 40, "column": 5,
                  "message": "construct created here"},),
    )
    result = sarif_log(Report(findings=[finding]), 1)["runs"][0]["results"][0]
    assert result["locations"][0]["logicalLocations"] == [
        {
            "name": "AuditLogGroup6D13791A",
            "fullyQualifiedName": "Prod/Storefront/AuditLogGroup6D13791A",
            "kind": "resource",
            "properties": {"resourceType": "AWS::Logs::LogGroup"},
        },
        {
            "name": "AuditLogGroup",
            "fullyQualifiedName": "Prod/Storefront/AuditLogGroup/Resource",
            "kind": "construct",
        },
    ]
    assert result["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {
            "artifactLocation": {"uri": "src/lib/storefront.ts"},
            "region": {"startLine": 40, "startColumn": 5},
        },
        "message": {"text": "construct created here"},
    }]


@pytest.mark.parametrize(
    ("kind", "sarif_kind"),
    [("metadata", "inSource"), ("inline", "inSource"), ("config", "external"),
     ("baseline", "external")],
)
def test_suppressed_findings_keep_their_justification(kind: str, sarif_kind: str) -> None:
    finding = make_finding().suppressed(Suppression(kind, "logs are exported nightly"))
    result = sarif_log(Report(findings=[finding]), 0)["runs"][0]["results"][0]
    assert result["suppressions"] == [{
        "kind": sarif_kind,
        "justification": "logs are exported nightly",
        "properties": {"iacguardKind": kind},
    }]


def test_findings_from_other_engines_get_a_rule_of_their_own() -> None:
    foreign = make_finding(
        rule_id="cfn-lint/E3012",
        rule_name="check-resource-property-value-types",
        source="cfn-lint",
        severity=Severity.ERROR,
        message="'yes' is not of type 'integer'",
        fix="Checks resource property values are of the right type",
        help_uri="https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md#E3012",
    )
    spec = {r.id: r for r in load_rules()}["IGL001"]
    log = sarif_log(Report(findings=[foreign, make_finding()], rules_run=[spec]), 1)
    validate_sarif(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["IGL001", "cfn-lint/E3012"]
    rule = run["tool"]["driver"]["rules"][1]
    assert rule["helpUri"] == foreign.help_uri
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"]["tags"] == ["cfn-lint"]
    assert "reported by cfn-lint" in rule["fullDescription"]["text"]
    assert [(r["ruleId"], r["ruleIndex"]) for r in run["results"]] == [
        ("cfn-lint/E3012", 1), ("IGL001", 0)
    ]


def test_unknown_outcome_is_a_note() -> None:
    finding = make_finding(outcome=Outcome.UNKNOWN, severity=Severity.NOTE,
                           message="cannot tell statically (parameter)")
    assert sarif_log(Report(findings=[finding]), 0)["runs"][0]["results"][0]["level"] == "note"


def test_problems_and_rule_errors_are_notifications_not_results() -> None:
    crash = make_finding(
        rule_id="IG0002", rule_name="rule-error", severity=Severity.ERROR,
        message="rule IGL001 failed on AppLogs: KeyError: 'x'", crashed_rule="IGL001",
        outcome=Outcome.ERROR,
    )
    spec = {r.id: r for r in load_rules()}["IGL001"]
    report = Report(
        findings=[crash],
        problems=[FileProblem("broken.yaml", "mapping values are not allowed here", 3, 9),
                  FileProblem("missing.yaml", "path does not exist")],
        rules_run=[spec],
    )
    code = int(exit_code(report, "error"))
    log = sarif_log(report, code)
    validate_sarif(log)
    run = log["runs"][0]
    assert run["results"] == []
    invocation = run["invocations"][0]
    assert invocation["exitCode"] == 3
    assert invocation["executionSuccessful"] is False
    notifications = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notifications] == ["error", "error", "error"]
    broken = notifications[0]
    assert broken["message"]["text"] == (
        "broken.yaml could not be checked: mapping values are not allowed here"
    )
    assert broken["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "broken.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 9},
    }
    assert "region" not in notifications[1]["locations"][0]["physicalLocation"]
    assert notifications[2]["descriptor"] == {"id": "IG0002"}
    assert notifications[2]["associatedRule"] == {"id": "IGL001", "index": 0}


@pytest.mark.parametrize(("code", "successful"), [(0, True), (1, True), (2, False), (3, False)])
def test_execution_successful_follows_the_exit_code(code: int, successful: bool) -> None:
    invocation = sarif_log(Report(), code)["runs"][0]["invocations"][0]
    assert (invocation["exitCode"], invocation["executionSuccessful"]) == (code, successful)


def test_results_beyond_the_code_scanning_limit_are_dropped_with_a_notification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS_PER_RUN", 2)
    findings = [
        make_finding(logical_id="Note", severity=Severity.NOTE, start_line=1),
        make_finding(logical_id="Warning", start_line=2),
        make_finding(logical_id="Error", severity=Severity.ERROR, start_line=3),
    ]
    log = sarif_log(Report(findings=findings), 1)
    validate_sarif(log)
    run = log["runs"][0]
    assert [r["properties"]["logicalId"] for r in run["results"]] == ["Warning", "Error"]
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "warning"
    assert notification["message"]["text"].startswith("1 results were left out")


def test_tags_are_capped_at_the_code_scanning_limit() -> None:
    spec = replace({r.id: r for r in load_rules()}["IGL001"],
                   tags=tuple(f"tag{i}" for i in range(30)))
    assert len(sarif.rule_descriptor(spec)["properties"]["tags"]) == 20


def test_regions_are_never_below_one_and_never_end_before_they_start() -> None:
    finding = make_finding(start_line=0, start_column=0, end_line=0, end_column=0)
    log = sarif_log(Report(findings=[finding]), 1)
    validate_sarif(log)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("templates/app.yaml", {"uri": "templates/app.yaml", "uriBaseId": "%SRCROOT%"}),
        ("my templates/a#b.yaml", {"uri": "my%20templates/a%23b.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/srv/stacks/app.yaml", {"uri": "file:///srv/stacks/app.yaml"}),
        ("C:/stacks/app.yaml", {"uri": "file:///C:/stacks/app.yaml"}),
    ],
)
def test_artifact_locations(path: str, expected: dict[str, str]) -> None:
    assert sarif.artifact_location(path) == expected


def test_cdk_assembly_report_names_construct_paths(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assembly = shared_dir / "cdk" / "app-a" / "cdk.out"
    monkeypatch.chdir(shared_dir / "cdk" / "app-a")
    report = run_check(CheckSettings(paths=(Path("cdk.out"),), rules=tuple(load_rules()),
                                     root=assembly.parent, settings=Settings(validate=False)))
    log = sarif_log(report, int(exit_code(report, "error")))
    validate_sarif(log)
    results = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r
        for r in log["runs"][0]["results"]
    }
    repo = results[("IGE001", "ReportsRepoF269885D")]
    assert repo["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "cdk.out/assembly-Prod/ProdRegistryB82DC0F6.template.json",
        "uriBaseId": "%SRCROOT%",
    }
    assert repo["locations"][0]["logicalLocations"][1] == {
        "name": "ReportsRepo",
        "fullyQualifiedName": "Prod/Registry/ReportsRepo/Resource",
        "kind": "construct",
    }
