"""Parameter values given on the command line are checked against the templates (issue 20,
item 9): a name no checked template declares, or a value outside a template's AllowedValues,
is a one-line usage error (exit 2) before anything is checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STACK = """\
Parameters:
  Environment:
    Type: String
    AllowedValues: [dev, prod]
  Subnets:
    Type: CommaDelimitedList
    AllowedValues: [a, b]
  Name:
    Type: String
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""
OTHER = """\
Parameters:
  Owner: {Type: String}
Resources:
  Queue: {Type: AWS::SQS::Queue}
"""


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-validate", "--no-cache", "-q", *args],
        cwd=folder, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_COLOR": "1", "CI": "false"},
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "stack.yaml").write_text(STACK, encoding="utf-8")
    (tmp_path / "other.yaml").write_text(OTHER, encoding="utf-8")
    return tmp_path


def test_a_misspelt_name_is_a_usage_error_with_a_suggestion(project: Path) -> None:
    result = run(project, ".", "--parameter", "Enviroment=prod")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "iacguard: error: --parameter Enviroment: no checked template declares a parameter "
        "'Enviroment'; did you mean 'Environment'?\n"
    )


def test_a_name_nothing_resembles_lists_the_declared_ones(project: Path) -> None:
    (project / "params.json").write_text(json.dumps({"Parameters": {"Region": "x"}}))
    result = run(project, ".", "--parameters", "params.json")
    assert result.returncode == 2
    assert result.stderr == (
        "iacguard: error: --parameters Region: no checked template declares a parameter "
        "'Region' (declared: Environment, Name, Owner, Subnets)\n"
    )


@pytest.mark.parametrize(("given", "message"), [
    ("Environment=prd", "Environment=prd: stack.yaml:2 allows only dev, prod (AllowedValues)"),
    ("Subnets=a,c", "Subnets=a,c: stack.yaml:5 allows only a, b (AllowedValues)"),
])
def test_a_value_outside_allowed_values_is_a_usage_error(
    project: Path, given: str, message: str
) -> None:
    result = run(project, ".", "--parameter", given)
    assert result.returncode == 2
    assert result.stderr == f"iacguard: error: --parameter {message}\n"


def test_declared_names_and_allowed_values_pass(project: Path) -> None:
    """Owner is declared by other.yaml only: that is fine (it applies where it is declared)."""
    result = run(project, ".", "--parameter", "Environment=prod", "--parameter", "Subnets=a,b",
                 "--parameter", "Name=anything", "--parameter", "Owner=team")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
