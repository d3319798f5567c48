"""Declared facts about the world outside the templates turn what iacguard cannot see into PASS."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engines.rules.registry import load_rules, select_rules
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings

TEMPLATE = (
    "Resources:\n"
    "  Repo:\n    Type: AWS::ECR::Repository\n    Properties: {RepositoryName: web}\n"
    "  Cluster:\n    Type: AWS::ECS::Cluster\n"
)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, {("IGE001", "fail"), ("IGA012", "unknown")}),
        ({"registry-scanning": True}, {("IGA012", "unknown")}),
        ({"container-insights": True}, {("IGE001", "fail")}),
        ({"registry-scanning": True, "container-insights": True}, set()),
    ],
)
def test_facts_decide_what_the_template_cannot(
    tmp_path: Path, facts: dict[str, bool], expected: set[tuple[str, str]]
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE)
    rules = tuple(select_rules(load_rules(), ["IGE001", "IGA012"]))
    report = run_check(CheckSettings(paths=(template,), rules=rules, root=tmp_path,
                                     settings=Settings(validate=False, facts=facts,
                                                       show_unknown=True)))
    assert {(f.rule_id, f.outcome.value) for f in report.findings} == expected
