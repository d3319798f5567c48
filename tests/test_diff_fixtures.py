"""Every change-safety rule over BASE/HEAD template pairs (tests/fixtures/diff/<case>/): each
expected finding at its exact file, line and column with the right message, and nothing else.

A case is either ``base.yaml`` + ``head.yaml`` (two template files; nested templates they name
sit next to them in ``base/`` and ``head/``) or two folders ``base/`` + ``head/``. Expectations
are ``# expect: ID "fragment"`` / ``# ok: ID`` comments on the line the finding points at, in
HEAD, or in BASE for what is removed. UNKNOWN results are included (as --show-unknown does), so
"cannot tell statically" is an expectation like any other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_expectations import Expectation, read_expectations
from iacguard.diff import CompareOptions, compare
from iacguard.diff.sources import read_side
from iacguard.engines.rules.registry import load_rules
from iacguard.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures" / "diff"
RULES = {rule.id: rule for rule in load_rules(validate_builtin=True) if rule.kind == "change"}
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "cdk-app")


def sides(case: Path) -> tuple[Path, Path]:
    for suffix in (".yaml", ".json"):
        if (case / f"base{suffix}").is_file():
            return case / f"base{suffix}", case / f"head{suffix}"
    return case / "base", case / "head"


def run_case(case: Path) -> list[Finding]:
    base, head = sides(case)
    base_side = read_side(base, "BASE", case)
    head_side = read_side(head, "HEAD", case)
    assert not base_side.problems and not head_side.problems
    assert not base_side.notices and not head_side.notices
    result = compare(base_side.versions, head_side.versions, RULES, CompareOptions(show_unknown=True))
    return result.findings


def expectations(case: Path) -> list[tuple[str, Expectation]]:
    found = []
    for path in sorted(case.rglob("*")):
        if path.suffix in {".yaml", ".yml", ".json"} and not path.name.endswith(".expect.yaml"):
            display = path.relative_to(case).as_posix()
            found.extend((display, e) for e in read_expectations(path))
    return found


@pytest.mark.parametrize("case", CASES)
def test_diff_case(case: str) -> None:
    folder = FIXTURES / case
    findings = run_case(folder)
    expected = expectations(folder)
    wanted = {(e.rule_id, file, e.line, e.column) for file, e in expected if e.kind == "expect"}
    actual = {(f.rule_id, f.file, f.start_line, f.start_column) for f in findings}
    assert actual == wanted, "\n".join(f"{f.file}:{f.start_line}:{f.start_column} {f.rule_id} {f.message}" for f in findings)
    for file, expectation in expected:
        at_line = [f for f in findings if f.file == file and f.start_line == expectation.line
                   and f.rule_id == expectation.rule_id]
        if expectation.kind == "ok":
            assert not at_line, f"unexpected finding at {file}:{expectation.line}: {at_line}"
        else:
            (finding,) = at_line
            assert expectation.fragment in finding.message, finding.message
            assert finding.fix, finding


def test_every_change_rule_has_failing_and_passing_cases() -> None:
    kinds: dict[str, set[str]] = {rule_id: set() for rule_id in RULES}
    for case in CASES:
        for _, expectation in expectations(FIXTURES / case):
            kinds[expectation.rule_id].add(expectation.kind)
    assert {rule_id: {"expect", "ok"} for rule_id in RULES} == kinds


def test_findings_say_where_and_how_to_avoid_it() -> None:
    findings = run_case(FIXTURES / "replace-create-only")
    orders = next(f for f in findings if f.logical_id == "Orders")
    assert orders.fix.startswith("Keep TableName at 'orders'.")
    assert "RemovalPolicy.RETAIN" in orders.fix
    assert orders.property_path == "Properties.TableName"
    assert orders.resource_type == "AWS::DynamoDB::Table"
    assert orders.help_uri.endswith("#igc001-change-destroys-data")
