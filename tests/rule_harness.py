"""Run one rule over a template written in a test, the way the engine runs it in a check."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.findings import Finding, Outcome
from iacguard.load.parse import load_document
from iacguard.model.template import Template, build_template

RULES = {rule.id: rule for rule in load_rules()}


def write_template(tmp_path: Path, text: str, name: str = "template.yaml") -> Template:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return build_template(load_document(path), name)


def run_rule(
    template: Template,
    rule_id: str,
    options: Mapping[str, Any] | None = None,
    show_unknown: bool = False,
) -> tuple[list[Finding], dict[str, Outcome]]:
    """The rule's findings, and its outcome per resource (passes included)."""
    settings = EngineOptions(show_unknown=show_unknown, rule_options={rule_id: options or {}})
    findings, evaluations = check_template(template, [RULES[rule_id]], settings)
    return findings, {e.logical_id: e.outcome for e in evaluations}
