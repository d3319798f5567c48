"""Change safety over the shared corpus of real templates. Skipped when ../shared is absent.

Each template compared with itself gives no finding (not even an UNKNOWN one). Each template
compared with a copy whose logical ids are all renamed reports every resource that holds data
and is deleted (DeletionPolicy: Delete) as destroyed, and nothing crashes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from iacguard.diff import CompareOptions, StackVersion, compare
from iacguard.diff.data_facts import holds_data
from iacguard.diff.sources import template_from_text
from iacguard.engines.rules.registry import load_rules
from iacguard.load.parse import LoadError, read_text
from iacguard.model.template import Template

RULES = {rule.id: rule for rule in load_rules() if rule.kind == "change"}
EVERYTHING = CompareOptions(show_unknown=True)
#: Deleting these fails while they hold data (unless something empties them first).
LEFT_WHEN_NOT_EMPTY = {"AWS::S3::Bucket", "AWS::ECR::Repository"}
#: Without a DeletionPolicy these keep a final snapshot (the AWS DeletionPolicy documentation).
SNAPSHOT_BY_DEFAULT = {"AWS::RDS::DBCluster", "AWS::RDS::DBInstance"}


def corpus(shared: Path) -> Iterator[tuple[Path, str, Template]]:
    for path in sorted((shared / "corpus").rglob("*")):
        if path.suffix not in {".yaml", ".yml", ".json", ".template"} or not path.is_file():
            continue
        try:
            text = read_text(path)
            template = template_from_text(text, path.name, path)
        except LoadError:
            continue
        if template is not None:
            yield path, text, template


def renamed(template: Template, path: Path) -> Template:
    data = json.loads(json.dumps(template.document.data, default=str))
    data["AWSTemplateFormatVersion"] = "2010-09-09"
    resources = data.get("Resources")
    if isinstance(resources, dict):
        data["Resources"] = {f"{name}V2": body for name, body in resources.items()}
    head = template_from_text(json.dumps(data), "head.json", path)
    assert head is not None
    return head


def test_every_template_compared_with_itself_has_no_finding(shared_dir: Path) -> None:
    compared = 0
    for path, text, base in corpus(shared_dir):
        head = template_from_text(text, path.name, path)
        assert head is not None
        result = compare([StackVersion("t", base)], [StackVersion("t", head)], RULES, EVERYTHING)
        assert result.findings == [], path
        compared += 1
    assert compared >= 600


def test_renaming_every_resource_reports_every_deleted_data_resource(shared_dir: Path) -> None:
    reported = 0
    for path, _, base in corpus(shared_dir):
        head = renamed(base, path)
        findings = compare([StackVersion("t", base)], [StackVersion("t", head)], RULES,
                           EVERYTHING).findings
        destroyed = {f.logical_id for f in findings if f.rule_id == "IGC001"}
        expected = {
            f"{r.logical_id}V2" for r in base.resources.values()
            if holds_data(r) and r.type not in LEFT_WHEN_NOT_EMPTY and (
                r.node.get("DeletionPolicy") == "Delete"
                or (r.node.get("DeletionPolicy") is None and r.type not in SNAPSHOT_BY_DEFAULT))
        }
        assert expected <= destroyed, path
        reported += len(expected)
    assert reported > 50
