"""What a user reads is finished text: every rule's findings (on its fixtures and its failing
docs example, unknown ones included) and its ``iacguard explain`` page have no unfilled
``{placeholder}``, no Python repr of a template value and no clause said twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iacguard.engines.rules.docs import explain_rule, rules_markdown
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Finding
from iacguard.load.parse import load_document
from iacguard.model.refs import SUB_VARIABLE
from iacguard.model.template import build_template
from test_rule_docs import _example_template

RULES = load_rules(validate_builtin=True)
#: Rules a check of one template runs (change-safety rules compare two versions, and read
#: their messages in their own tests).
TEMPLATE_RULES = [r for r in RULES if getattr(r, "kind", "template") == "template"]
FIXTURES = Path(__file__).parent / "fixtures" / "rules"
#: Python's way of writing values: dict/list reprs with quoted keys, bare None/True/False
#: (a quoted 'False' is the template's own text), object and model reprs.
PYTHON_REPR = re.compile(
    r"\{'|\['|': |(?<!')\b(?:None|True|False)\b(?!')|object at 0x|Unknown\(|ABSENT|Resolved\("
    r"|Assumption\("
)
#: The example blocks of ``explain`` are YAML, where braces are flow mappings.
_EXAMPLE_HEADINGS = ("Fails", "Passes")


def _problems(text: str, *, repeats: bool = True) -> list[str]:
    found = []
    # ${Name} inside an Fn::Sub written as the template writes it is not a placeholder.
    unsubstituted = SUB_VARIABLE.sub("", text)
    if "{" in unsubstituted or "}" in unsubstituted:
        found.append("a brace (an unfilled placeholder?)")
    match = PYTHON_REPR.search(text)
    if match:
        found.append(f"a Python repr ({match.group(0)!r})")
    if repeats and _repeated_clause(text):
        found.append(f"a repeated clause ({_repeated_clause(text)!r})")
    return found


def _repeated_clause(text: str) -> str | None:
    """A parenthesised clause of at least four words that appears twice."""
    clauses = re.findall(r"\(([^()]{20,})\)", text)
    for clause in clauses:
        if text.count(clause) > 1:
            return clause
    return None


def _findings(rule: RuleSpec) -> list[Finding]:
    folder = FIXTURES / rule.id
    files = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml", ".json"}
                   and not p.name.endswith(".expect.yaml")) if folder.is_dir() else []
    templates = [build_template(load_document(path), path.name) for path in files]
    templates.append(_example_template(rule, "failing-example"))
    findings: list[Finding] = []
    for template in templates:
        found, _ = check_template(template, [rule], EngineOptions(show_unknown=True))
        findings.extend(found)
    return findings


@pytest.mark.parametrize("rule", TEMPLATE_RULES, ids=[r.id for r in TEMPLATE_RULES])
def test_every_message_and_fix_is_finished_text(rule: RuleSpec) -> None:
    findings = _findings(rule)
    assert findings, f"{rule.id}: no finding to read"
    for finding in findings:
        for text in (finding.message, finding.fix):
            assert _problems(text) == [], f"{finding.file}:{finding.start_line}: {text}"


def _explain_prose(rule: RuleSpec) -> str:
    """``iacguard explain`` without its YAML example blocks."""
    kept, skipping = [], False
    for line in explain_rule(rule).splitlines():
        if line and not line.startswith(" "):
            skipping = line in _EXAMPLE_HEADINGS
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_explain_is_finished_text(rule: RuleSpec) -> None:
    prose = _explain_prose(rule)
    assert "How to fix" in prose and "Why this matters" in prose
    assert _problems(prose) == [], prose


def test_rules_markdown_outside_examples_is_finished_text() -> None:
    prose = re.sub(r"```yaml\n.*?```", "", rules_markdown(RULES), flags=re.DOTALL)
    # Titles appear in the table and in their section: repeats are expected here.
    assert _problems(prose, repeats=False) == []


def test_the_checks_themselves_catch_what_they_claim_to() -> None:
    assert _problems("Add an action before stage '{stage}'")
    assert _problems("action '{'Ref': 'AWS::StackName'}'")
    assert _problems("setting is None")
    assert _problems(
        "cannot tell statically (no containerInsights setting, so the account default decides): "
        "cluster X (containerInsights is unknown (no containerInsights setting, so the account "
        "default decides))"
    )
    assert _problems("ActionsEnabled is 'False', so none of them ever runs") == []
    assert _problems("in stage !Sub '${AWS::StackName}-deploy'") == []
