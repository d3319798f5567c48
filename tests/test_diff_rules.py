"""The change-safety rules' own documentation examples, run: the failing example of each rule
is reported by that rule, the passing one is not. The examples are BASE/HEAD pairs written as
``base:`` / ``head:`` (resources, a whole template, or files of a folder)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iacguard.diff import CompareOptions, compare
from iacguard.diff.sources import read_side
from iacguard.engines.rules.registry import load_rules
from iacguard.load.parse import parse_text

RULES = {rule.id: rule for rule in load_rules(validate_builtin=True) if rule.kind == "change"}


def _write_side(side: Any, folder: Path) -> Path:
    """One side of an example as files: a folder of templates, or one template."""
    if all(isinstance(key, str) and key.endswith(".yaml") for key in side):
        folder.mkdir()
        for name, template in side.items():
            (folder / name).write_text(json.dumps(template))
        return folder
    template = side if "Resources" in side else {"Resources": side}
    path = folder.with_suffix(".yaml")
    path.write_text(json.dumps(template))
    return path


def _rule_ids(example: str, tmp_path: Path, name: str) -> set[str]:
    pair, _ = parse_text(example, name)  # short-form tags (!Ref) become long-form intrinsics
    root = tmp_path / name
    root.mkdir()
    base = _write_side(pair["base"], root / "base")
    head = _write_side(pair["head"], root / "head")
    findings = compare(read_side(base, "BASE", root).versions,
                       read_side(head, "HEAD", root).versions, RULES, CompareOptions()).findings
    return {finding.rule_id for finding in findings}


def test_every_change_rule_is_here() -> None:
    assert sorted(RULES) == [f"IGC00{n}" for n in range(1, 9)]


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_documented_examples_behave_as_documented(rule_id: str, tmp_path: Path) -> None:
    docs = RULES[rule_id].docs
    assert rule_id in _rule_ids(docs["failing-example"], tmp_path, "failing")
    assert rule_id not in _rule_ids(docs["passing-example"], tmp_path, "passing")
