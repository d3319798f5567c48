"""Every rule over its own fixtures: each expected finding at its exact line and column, on the
right resource, with the right message, and nothing else from that rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_expectations import read_expectations
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.findings import Outcome
from iacguard.load.parse import load_document
from iacguard.model.template import build_template

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
RULES = load_rules(validate_builtin=True)
# Change-safety rules judge two versions of a template, not one: their fixtures are BASE/HEAD
# pairs in tests/fixtures/diff, checked (failing and passing cases for every rule) by
# tests/test_diff_fixtures.py.
RULES_BY_ID = {rule.id: rule for rule in RULES if rule.kind != "change"}


def _fixture_files(rule_id: str) -> list[Path]:
    folder = FIXTURES / rule_id
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.suffix in {".yaml", ".yml", ".json"} and not p.name.endswith(".expect.yaml")
    )


def _resource_at(template_data: dict, line: int) -> str:
    best = ""
    resources = template_data.get("Resources", {})
    for logical_id in resources:
        span = resources.key_spans[logical_id]
        end = resources[logical_id].span.end_line if hasattr(resources[logical_id], "span") else span.end_line
        if span.start_line <= line <= end:
            best = logical_id
    return best


@pytest.mark.parametrize("rule_id", sorted(RULES_BY_ID))
def test_rule_has_failing_and_passing_fixtures(rule_id: str) -> None:
    files = _fixture_files(rule_id)
    expectations = [e for f in files for e in read_expectations(f)]
    assert any(e.kind == "expect" for e in expectations), f"{rule_id} has no failing fixture"
    assert any(e.kind == "ok" for e in expectations), f"{rule_id} has no passing fixture"


CASES = [(rule_id, path) for rule_id in sorted(RULES_BY_ID) for path in _fixture_files(rule_id)]


@pytest.mark.parametrize(("rule_id", "fixture"), CASES, ids=[f"{r}/{p.name}" for r, p in CASES])
def test_rule_fixture(rule_id: str, fixture: Path) -> None:
    rule = RULES_BY_ID[rule_id]
    document = load_document(fixture)
    template = build_template(document, fixture.name)
    findings, _ = check_template(template, [rule], EngineOptions(show_unknown=False))
    assert not [f for f in findings if f.outcome is Outcome.ERROR], findings
    expectations = read_expectations(fixture)
    expected = {
        (e.rule_id, e.line, e.column, _resource_at(document.data, e.line))
        for e in expectations if e.kind == "expect" and e.rule_id == rule_id
    }
    actual = {(f.rule_id, f.start_line, f.start_column, f.logical_id) for f in findings}
    assert actual == expected
    for expectation in expectations:
        if expectation.rule_id != rule_id:
            continue
        at_line = [f for f in findings if f.start_line == expectation.line]
        if expectation.kind == "ok":
            assert not at_line, f"unexpected finding at line {expectation.line}: {at_line}"
        else:
            (finding,) = at_line
            assert finding.logical_id in finding.message
            assert expectation.fragment in finding.message
            severity = expectation.severity or rule.severity.value
            assert finding.severity.value == severity, finding.message
