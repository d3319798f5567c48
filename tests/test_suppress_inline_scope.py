"""Inline comments cover what people put them on (issue 20, item 5).

A comment on a resource's logical-id line, ``Type`` line or ``Properties`` line, or on a line of
its own just above the resource, covers that resource's findings of the named rules wherever
they point; a comment on a property line covers that property (and what is under it); any
other line covers the findings on that line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iacguard.cli import main

Row = tuple[str, int, str, "str | None"]


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[Row]:
    """(rule, line, logical id, suppression location) of each finding of IGE rules."""
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        with pytest.raises(SystemExit):
            main(["check", "--no-validate", "--no-cache", "--select", "IGE001,IGE003,IGE004",
                  "--format", "json", "t.yaml"])
    report = json.loads(capsys.readouterr().out)
    return sorted(
        (f["rule_id"], f["start_line"], f["logical_id"],
         (f.get("suppression") or {}).get("location"))
        for f in report["findings"]
    )


def test_the_readme_form_on_the_type_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "Resources:\n"
        "  Images:\n"
        "    Type: AWS::ECR::Repository   # iacguard: ignore[IGE003] tags are rewritten by the release tool\n"
    )
    assert check(tmp_path, text, capsys) == [
        ("IGE001", 2, "Images", None),
        ("IGE003", 2, "Images", "t.yaml:3"),
        ("IGE004", 2, "Images", None),
    ]


@pytest.mark.parametrize("where", ["logical-id", "above", "type", "properties"])
def test_a_resource_comment_covers_findings_that_point_at_properties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """IGE003 points at ``ImageTagMutability`` and IGE004 at ``Properties``: both are covered."""
    comment = "# iacguard: ignore[IGE003,IGE004] legacy repository (OPS-7)"
    lines = [
        "Resources:",
        f"  {comment}" if where == "above" else "",
        "  Images:" + (f"  {comment}" if where == "logical-id" else ""),
        "    Type: AWS::ECR::Repository" + (f"  {comment}" if where == "type" else ""),
        "    Properties:" + (f"  {comment}" if where == "properties" else ""),
        "      ImageTagMutability: MUTABLE",
        "      ImageScanningConfiguration: {ScanOnPush: true}",
    ]
    text = "\n".join(line for line in lines if line) + "\n"
    numbered = list(enumerate(text.splitlines(), 1))
    comment_line = next(number for number, line in numbered if "iacguard:" in line)
    mutability_line = next(number for number, line in numbered if "ImageTagMutability" in line)
    properties_line = next(number for number, line in numbered if "Properties:" in line)
    found = check(tmp_path, text, capsys)
    assert [row for row in found if row[0] in ("IGE003", "IGE004")] == [
        ("IGE003", mutability_line, "Images", f"t.yaml:{comment_line}"),
        ("IGE004", properties_line, "Images", f"t.yaml:{comment_line}"),
    ]
    assert not [row for row in found if row[0].startswith("IG0")]


def test_a_property_comment_covers_that_property_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "Resources:\n"
        "  Images:\n"
        "    Type: AWS::ECR::Repository\n"
        "    Properties:\n"
        "      ImageTagMutability: MUTABLE  # iacguard: ignore[IGE003] the release tool moves tags\n"
        "      ImageScanningConfiguration:\n"
        "        ScanOnPush: false  # iacguard: ignore[IGE003] not the property IGE003 is about\n"
        "  Other:\n"
        "    Type: AWS::ECR::Repository\n"
        "    Properties:\n"
        "      ImageTagMutability: MUTABLE\n"
    )
    assert check(tmp_path, text, capsys) == [
        ("IG0005", 7, "", None),  # the comment on ScanOnPush matches nothing
        ("IGE001", 7, "Images", None),
        ("IGE001", 10, "Other", None),
        ("IGE003", 5, "Images", "t.yaml:5"),
        ("IGE003", 11, "Other", None),  # another resource is never covered
        ("IGE004", 4, "Images", None),  # a property comment does not cover the resource
        ("IGE004", 10, "Other", None),
    ]


def test_a_nested_property_comment_covers_findings_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "Resources:\n"
        "  Images:\n"
        "    Type: AWS::ECR::Repository\n"
        "    Properties:\n"
        "      ImageTagMutability: IMMUTABLE\n"
        "      LifecyclePolicy: {LifecyclePolicyText: '{\"rules\": []}'}\n"
        "      # iacguard: ignore[IGE001] scanned by the registry baseline (SEC-1)\n"
        "      ImageScanningConfiguration:\n"
        "        ScanOnPush: false\n"
    )
    found = check(tmp_path, text, capsys)
    assert ("IGE001", 9, "Images", "t.yaml:7") in found
    assert not [row for row in found if row[0].startswith("IG0")]


def test_an_expired_suppression_that_covers_nothing_says_it_expired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It expired; whether it still matches is another matter, and the message keeps them apart."""
    (tmp_path / "t.yaml").write_text(
        "Resources:\n"
        "  Images:  # iacguard: ignore[IGE004] replaced in Q3 (OPS-7) expires=2020-10-01\n"
        "    Type: AWS::ECR::Repository\n"
        "    Properties:\n"
        "      LifecyclePolicy: {LifecyclePolicyText: '{\"rules\": []}'}\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        with pytest.raises(SystemExit):
            main(["check", "--no-validate", "--no-cache", "--select", "IGE004", "-q", "t.yaml"])
    assert capsys.readouterr().out.splitlines()[0] == (
        "t.yaml:2:12 IG0004 warning inline suppression of IGE004 expired on 2020-10-01: "
        "remove it (it would not cover any finding of this run either)"
    )
