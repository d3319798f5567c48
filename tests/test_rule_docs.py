"""Rule metadata is complete and docs/rules.md is generated from it, never edited by hand."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from iacguard.engines.rules.checks import CHECKS
from iacguard.engines.rules.docs import explain_rule, rules_markdown
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Outcome
from iacguard.load.parse import LoadedDocument, parse_text
from iacguard.model.template import Template, build_template

RULES = load_rules(validate_builtin=True)
#: Rules about one template; change-safety rules (kind: change) compare two versions, and their
#: examples (base/head pairs) are run by tests/test_diff_rules.py.
TEMPLATE_RULES = [rule for rule in RULES if rule.kind != "change"]
ROOT = Path(__file__).resolve().parents[1]

#: The themes a rule's first tag may name.
THEMES = ("rollback", "alarms", "ecr", "retention", "pipeline", "data-protection", "validation",
          "change-safety")


def test_docs_rules_md_is_up_to_date() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(RULES), "run: python -m iacguard.engines.rules.docs"


def test_at_least_35_rules_covering_every_theme() -> None:
    assert len(RULES) >= 35
    themes = Counter(rule.tags[0] for rule in RULES)
    for theme in ("rollback", "alarms", "ecr", "retention", "pipeline", "data-protection"):
        assert themes[theme] >= 3, theme
    assert set(themes) <= set(THEMES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_metadata_is_complete(rule: object) -> None:
    from iacguard.engines.rules.spec import RuleSpec

    assert isinstance(rule, RuleSpec)
    assert rule.name.count("-") >= 1
    # A message names what it is about: the resource, or the stack (a change-safety rule about
    # a whole stack that leaves the app).
    assert (
        "{logical_id}" in rule.message
        or rule.check is not None
        or (rule.kind == "change" and "{stack}" in rule.message)
    )
    assert rule.fix and rule.fix != rule.message
    text = explain_rule(rule)
    for section in ("Why this matters", "How to fix", "Fails", "Passes"):
        assert section in text
    assert any(rule.references.get(key) for key in rule.references), "no references"
    # Both examples are real template fragments: they parse.
    for example in ("failing-example", "passing-example"):
        parse_text(rule.docs[example], f"{rule.id}-{example}")


def test_ids_and_names_are_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def _example_template(rule: RuleSpec, example: str) -> Template:
    """A rule's docs example as the only resources of a template, wrapped the same way for
    every rule (the SAM transform included, for the serverless examples)."""
    text = (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n" + textwrap.indent(rule.docs[example], "  ")
    )
    data, is_json = parse_text(text, f"{rule.id}-{example}.yaml")
    document = LoadedDocument(Path(f"{rule.id}-{example}.yaml"), text, data, is_json)
    return build_template(document, document.path.name)


@pytest.mark.parametrize("rule", TEMPLATE_RULES, ids=[r.id for r in TEMPLATE_RULES])
def test_failing_example_fails_the_rule(rule: RuleSpec) -> None:
    template = _example_template(rule, "failing-example")
    findings, _ = check_template(template, [rule], EngineOptions(show_unknown=True))
    outcomes = {f.outcome for f in findings}
    assert outcomes == {Outcome.FAIL}, [f.message for f in findings]


@pytest.mark.parametrize("rule", TEMPLATE_RULES, ids=[r.id for r in TEMPLATE_RULES])
def test_passing_example_passes_the_rule(rule: RuleSpec) -> None:
    template = _example_template(rule, "passing-example")
    findings, evaluations = check_template(template, [rule], EngineOptions(show_unknown=True))
    assert [f.message for f in findings] == []
    # The example is about this rule: the rule ran on it and passed, it did not just skip.
    assert Outcome.PASS in {e.outcome for e in evaluations if e.rule_id == rule.id}


@pytest.mark.parametrize("rule", [r for r in RULES if r.check], ids=lambda r: r.id)
def test_python_checks_are_named_after_their_rule(rule: RuleSpec) -> None:
    assert rule.check == rule.name.replace("-", "_")


def test_every_python_check_belongs_to_a_rule() -> None:
    assert set(CHECKS) == {r.check for r in RULES if r.check}
