"""Rule metadata is complete and docs/rules.md is generated from it, never edited by hand."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from iacguard.engines.rules.docs import THEMES, explain_rule, rules_markdown
from iacguard.engines.rules.registry import load_rules
from iacguard.load.parse import parse_text

RULES = load_rules(validate_builtin=True)
ROOT = Path(__file__).resolve().parents[1]


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
