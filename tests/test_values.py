"""Reading values in three states, and parameter values given by the user deciding conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iacguard.load.parse import LoadedDocument, parse_text
from iacguard.model.template import build_template
from iacguard.model.values import ABSENT, Assumption, Resolver, Unknown

TEXT = """
Parameters:
  Environment: {Type: String}
  Size: {Type: String, AllowedValues: [small, large]}
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
  NotProd: !Not [!Condition IsProd]
  ProdAndLarge: !And [!Condition IsProd, !Equals [!Ref Size, large]]
  Literal: !Equals [a, a]
Resources:
  R:
    Type: AWS::ECR::Repository
    Properties:
      A: !If [IsProd, yes-prod, !Ref AWS::NoValue]
      B: !If [NotProd, dev, prod]
      C: !If [ProdAndLarge, big, small]
      D: !If [Literal, x, y]
      E: !Ref Size
      F: !ImportValue shared
      G: "true"
"""


def _values(path: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, tuple[Assumption, ...]]]:
    data, is_json = parse_text(TEXT, "t.yaml")
    template = build_template(LoadedDocument(Path("t.yaml"), TEXT, data, is_json), "t.yaml",
                              parameters)
    resolver = Resolver(template)
    return [(r.value, r.assumptions) for r in resolver.lookup(template.resources["R"].node, path)]


def test_both_branches_without_parameter_values() -> None:
    assert _values("Properties.A") == [
        ("yes-prod", (Assumption("condition", "IsProd", True),)),
        (ABSENT, (Assumption("condition", "IsProd", False),)),
    ]


@pytest.mark.parametrize(
    ("environment", "a", "b"),
    [("prod", "yes-prod", "prod"), ("dev", ABSENT, "dev")],
)
def test_given_parameter_decides_conditions(environment: str, a: Any, b: str) -> None:
    assert _values("Properties.A", {"Environment": environment}) == [(a, ())]
    assert _values("Properties.B", {"Environment": environment}) == [(b, ())]


def test_partly_known_conditions_stay_open() -> None:
    # Size is not given: ProdAndLarge is only decided when Environment makes it false.
    assert [v for v, _ in _values("Properties.C", {"Environment": "prod"})] == ["big", "small"]
    assert _values("Properties.C", {"Environment": "dev"}) == [("small", ())]


def test_literal_conditions_are_left_to_both_branches() -> None:
    # Only parameter values the user gives decide conditions; fixtures rely on both branches.
    assert [v for v, _ in _values("Properties.D")] == ["x", "y"]


def test_allowed_values_give_one_branch_each() -> None:
    assert _values("Properties.E") == [
        ("small", (Assumption("parameter", "Size", "small"),)),
        ("large", (Assumption("parameter", "Size", "large"),)),
    ]
    assert _values("Properties.E", {"Size": "large"}) == [("large", ())]


def test_imports_are_present_but_unknown_and_missing_keys_are_absent() -> None:
    (imported,) = _values("Properties.F")
    assert imported[0] == {"Fn::ImportValue": "shared"}
    assert _values("Properties.Nothing") == [(ABSENT, ())]
    (through_import,) = _values("Properties.F.Inner")
    assert isinstance(through_import[0], Unknown) and not through_import[0].present


def test_resource_not_deployed_under_given_parameters_is_not_checked() -> None:
    from iacguard.engines.rules.engine import check_template
    from iacguard.engines.rules.registry import load_rules, select_rules

    text = (
        "Parameters:\n  Environment: {Type: String}\n"
        "Conditions:\n  IsProd: !Equals [!Ref Environment, prod]\n"
        "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Condition: IsProd\n"
    )
    rules = select_rules(load_rules(), ["IGL001"])
    for given, expected in (({}, ["IGL001"]), ({"Environment": "prod"}, ["IGL001"]),
                            ({"Environment": "dev"}, [])):
        data, is_json = parse_text(text, "t.yaml")
        template = build_template(LoadedDocument(Path("t.yaml"), text, data, is_json), "t.yaml",
                                  given)
        findings, _ = check_template(template, rules)
        assert [f.rule_id for f in findings] == expected, given
