"""Data-protection checks beyond the fixture files: one finding where two would land on the
same spot, UNKNOWN outcomes, and the shared CDK fixture app."""

from __future__ import annotations

import functools
from pathlib import Path

from iacguard.findings import Outcome
from iacguard.load.parse import load_document
from iacguard.model.template import build_template
from rule_harness import run_rule, write_template

_template = write_template
# These tests read UNKNOWN verdicts as findings too.
_run = functools.partial(run_rule, show_unknown=True)
ASSEMBLY = Path("cdk/app-a/cdk.out/assembly-Prod")
KEPT_ON_REQUEST = ("AWS::ECR::Repository", "AWS::Logs::LogGroup")






TABLES = """\
Parameters:
  Protect:
    Type: String
Resources:
  Bare:
    Type: AWS::DynamoDB::Table
  HalfConfigured:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      DeletionProtectionEnabled: !Ref Protect
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
"""


def test_missing_settings_on_the_same_spot_make_one_finding(tmp_path: Path) -> None:
    template = _template(tmp_path, TABLES)
    policies, _ = _run(template, "IGD001")
    assert [(f.logical_id, f.start_line, f.message) for f in policies] == [
        (
            "Bare",
            5,
            "DynamoDB table Bare has no DeletionPolicy or UpdateReplacePolicy: deleting the "
            "stack, removing the resource from the template or a change that replaces it "
            "deletes every item in the table",
        ),
        (
            "HalfConfigured",
            7,
            "DynamoDB table HalfConfigured has no UpdateReplacePolicy: a change that replaces "
            "it deletes every item in the table",
        ),
    ]
    protection, outcomes = _run(template, "IGD002")
    assert [(f.logical_id, f.start_line) for f in protection] == [
        ("Bare", 5),
        ("HalfConfigured", 11),
    ]
    assert outcomes == {"Bare": Outcome.FAIL, "HalfConfigured": Outcome.UNKNOWN}


def test_cdk_app_resources_set_both_policies(shared_dir: Path) -> None:
    checked: dict[str, Outcome] = {}
    for name in (
        "ProdRegistryB82DC0F6.template.json",
        "ProdStorefront65317B0F.template.json",
        "ProdRegistryLegacyImages630D89E8.nested.template.json",
    ):
        path = shared_dir / ASSEMBLY / name
        template = build_template(load_document(path), name)
        findings, outcomes = _run(template, "IGD001", {"stateful-types": list(KEPT_ON_REQUEST)})
        assert findings == []
        checked.update(outcomes)
    # Repositories and log groups are not checked by default; with the option they pass: the
    # CDK writes Retain/Retain for them (RemovalPolicy.RETAIN).
    assert set(checked.values()) == {Outcome.PASS}
    assert checked == {
        "CheckoutRepoAC9CCDBD": Outcome.PASS,
        "ReportsRepoF269885D": Outcome.PASS,
        "LegacyRepo473B9CD3": Outcome.PASS,
        "ContainerLogsB6BC7C88": Outcome.PASS,
        "PriceSyncLogsC9BD1EEA": Outcome.PASS,
        "ReportExportLogsFFD1CB23": Outcome.PASS,
        "AppLogGroup7D8CD952": Outcome.PASS,
        "AuditLogGroup6D13791A": Outcome.PASS,
    }


TRANSIENT = """\
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Images:
    Type: AWS::ECR::Repository
  Orders:
    Type: AWS::DynamoDB::Table
"""


def test_stateful_types_option_chooses_the_checked_types(tmp_path: Path) -> None:
    template = _template(tmp_path, TRANSIENT)
    default, outcomes = _run(template, "IGD001")
    assert [f.logical_id for f in default] == ["Orders"]
    assert outcomes["Jobs"] is Outcome.PASS
    chosen, _ = _run(template, "IGD001", {"stateful-types": ["AWS::SQS::Queue"]})
    assert [(f.logical_id, f.message) for f in chosen] == [
        (
            "Jobs",
            "SQS queue Jobs has no DeletionPolicy or UpdateReplacePolicy: deleting the stack, "
            "removing the resource from the template or a change that replaces it deletes the "
            "messages waiting in it",
        )
    ]


def test_every_default_stateful_type_has_its_consequence_written_down() -> None:
    from iacguard.model.stateful import DATA_TYPES
    from rule_harness import RULES

    rule = RULES["IGD001"]
    assert set(rule.options["stateful-types"]) <= set(DATA_TYPES) == set(rule.resource_types)
