"""The loader: long-form intrinsics, exact spans, refusal of hostile YAML, parity with cfn-lint."""

from __future__ import annotations

import contextlib
import datetime
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacguard.load.parse import (
    MAX_TEMPLATE_BYTES,
    LoadError,
    Span,
    decode_bytes,
    load_document,
    parse_text,
    span_of,
    value_span_of,
)


def parse(text: str) -> object:
    return parse_text(text, "t.yaml")[0]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("!Ref Bucket", {"Ref": "Bucket"}),
        ("!GetAtt Lb.LoadBalancerFullName", {"Fn::GetAtt": ["Lb", "LoadBalancerFullName"]}),
        ("!GetAtt Stack.Outputs.Url", {"Fn::GetAtt": ["Stack", "Outputs.Url"]}),
        ("!GetAtt [Lb, DNSName]", {"Fn::GetAtt": ["Lb", "DNSName"]}),
        ("!Sub 'arn:${AWS::Partition}:s3:::${B}'", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}"}),
        ("!Sub ['x-${N}', {N: !Ref P}]", {"Fn::Sub": ["x-${N}", {"N": {"Ref": "P"}}]}),
        ("!If [C, 1, !Ref AWS::NoValue]", {"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}),
        ("!Join ['', [a, b]]", {"Fn::Join": ["", ["a", "b"]]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Split [',', a]", {"Fn::Split": [",", "a"]}),
        ("!FindInMap [M, K, V]", {"Fn::FindInMap": ["M", "K", "V"]}),
        ("!ImportValue shared", {"Fn::ImportValue": "shared"}),
        ("!Base64 hello", {"Fn::Base64": "hello"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        ("!And [!Condition A, !Not [!Condition B]]",
         {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]}),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!Transform {Name: M}", {"Fn::Transform": {"Name": "M"}}),
        ("!Ref 123", {"Ref": "123"}),
    ],
)
def test_short_form_tags_become_long_form(source: str, expected: object) -> None:
    assert parse(f"Value: {source}\n") == {"Value": expected}


def test_foreach_tag_is_normalised() -> None:
    text = "Resources:\n  Fn::ForEach::Topics:\n    - T\n    - [a, b]\n    - Topic${T}: {Type: AWS::SNS::Topic}\n"
    data = parse(text)
    assert data == {"Resources": {"Fn::ForEach::Topics": ["T", ["a", "b"], {"Topic${T}": {"Type": "AWS::SNS::Topic"}}]}}


def test_spans_are_one_based_for_keys_and_values() -> None:
    text = "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      Name: !Ref N\n"
    data = parse(text)
    assert span_of(data, ("Resources", "Repo")) == Span(2, 3, 2, 7)
    assert span_of(data, ("Resources", "Repo", "Properties", "Name")) == Span(5, 7, 5, 11)
    assert value_span_of(data, ("Resources", "Repo", "Type")) == Span(3, 11, 3, 31)


def test_missing_key_points_at_nearest_existing_parent() -> None:
    text = "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      A: 1\n"
    data = parse(text)
    assert span_of(data, ("Resources", "Repo", "Properties", "Scan", "OnPush")) == Span(4, 5, 4, 15)
    assert span_of(data, ("Resources", "Repo", "Nothing")) == Span(2, 3, 2, 7)


def test_json_spans() -> None:
    text = '{\n  "Resources": {\n    "Topic": {"Type": "AWS::SNS::Topic"}\n  }\n}\n'
    data, is_json = parse_text(text, "t.json")
    assert not is_json  # JSON is parsed by the YAML parser when it can be, like cfn-lint
    assert span_of(data, ("Resources", "Topic", "Type")) == Span(3, 15, 3, 21)


def test_json_with_tabs_keeps_columns() -> None:
    text = '{\n\t"Resources": {\n\t\t"Topic": {"Type": "AWS::SNS::Topic"}\n\t}\n}\n'
    data, _ = parse_text(text, "t.json")
    assert data == {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    assert span_of(data, ("Resources", "Topic")) == Span(3, 3, 3, 10)


def test_yaml_rejecting_a_tab_falls_back_to_json_rules() -> None:
    # A tab where YAML expects indentation is legal JSON whitespace.
    text = '{"Resources":\n\t{"Topic": {"Type": "AWS::SNS::Topic"}}}\n'
    data, _ = parse_text(text, "t.json")
    assert data == {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def test_broken_json_reports_a_position() -> None:
    with pytest.raises(LoadError) as caught:
        parse_text('{\n  "a": 1,,\n  "b": 2\n}\n', "t.json")
    assert caught.value.line == 2


def test_duplicate_keys_are_an_error_with_both_lines() -> None:
    with pytest.raises(LoadError) as caught:
        parse("Resources:\n  A: {Type: X}\n  A: {Type: Y}\n")
    assert caught.value.line == 3
    assert "duplicate key 'A' (first defined on line 2)" in caught.value.message


def test_python_object_tags_are_never_constructed() -> None:
    with pytest.raises(LoadError) as caught:
        parse("a: !!python/object/apply:os.system ['echo pwned']\n")
    assert "unsupported YAML tag" in caught.value.message


def test_alias_amplification_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    with pytest.raises(LoadError) as caught:
        parse("\n".join(lines) + "\n")
    assert "alias amplification" in caught.value.message


def test_small_aliases_are_allowed() -> None:
    assert parse("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


def test_merge_keys_are_supported() -> None:
    assert parse("base: &b {A: 1}\nitem:\n  <<: *b\n  B: 2\n") == {
        "base": {"A": 1},
        "item": {"A": 1, "B": 2},
    }


def test_deep_nesting_is_refused_with_a_position() -> None:
    with pytest.raises(LoadError) as caught:
        parse("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert caught.value.line == 1


def test_moderate_nesting_beyond_limit_is_refused() -> None:
    with pytest.raises(LoadError) as caught:
        parse("a: " + "[" * 300 + "]" * 300 + "\n")
    assert "nesting deeper than" in caught.value.message


def test_empty_and_comment_only_files_are_empty_mappings() -> None:
    assert parse("") == {}
    assert parse("# only a comment\n") == {}


def test_unquoted_date_matches_yaml_semantics() -> None:
    assert parse("AWSTemplateFormatVersion: 2010-09-09\n") == {
        "AWSTemplateFormatVersion": datetime.date(2010, 9, 9)
    }


def test_multiple_documents_are_an_error() -> None:
    with pytest.raises(LoadError):
        parse("a: 1\n---\nb: 2\n")


def test_byte_order_mark_is_accepted() -> None:
    assert decode_bytes(b"\xef\xbb\xbfa: 1\n", "t.yaml") == "a: 1\n"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfea\x00:\x00", "UTF-16"),
        (b"a: 1\n\x00\x01\x02", "binary"),
        (b"a: caf\xe9\n", "not valid UTF-8"),
    ],
)
def test_undecodable_files_get_one_line_errors(raw: bytes, message: str) -> None:
    with pytest.raises(LoadError) as caught:
        decode_bytes(raw, "t.yaml")
    assert message in caught.value.message
    assert "\n" not in str(caught.value)


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(MAX_TEMPLATE_BYTES + 1)
    with pytest.raises(LoadError) as caught:
        load_document(big)
    assert "limit" in caught.value.message


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("Metadata: {x: !!bool maybe}\n", "invalid bool value 'maybe'"),
        ("a: !!int ''\n", "invalid int value ''"),
        ("a: !!float ''\n", "invalid float value ''"),
        ("a: !!timestamp notadate\n", "invalid timestamp value 'notadate'"),
        ("a: !!binary 'xx!'\n", "invalid binary value 'xx!'"),
    ],
)
def test_junk_under_a_yaml_type_tag_is_a_located_load_error(source: str, fragment: str) -> None:
    with pytest.raises(LoadError) as caught:
        parse(source)
    assert fragment in caught.value.message
    assert caught.value.line == 1
    assert "\n" not in str(caught.value)


def test_json_surrogate_pairs_are_characters_and_keep_every_column() -> None:
    text = '{"A": "\\ud83d\\ude80 go \\ud83d\\ude80", "\\ud83c\\udf89": 1, "B": "\\\\ud83d"}'
    data, is_json = parse_text(text, "t.json")
    assert is_json
    assert data == {"A": "\U0001F680 go \U0001F680", "\U0001F389": 1, "B": "\\ud83d"}
    assert span_of(data, ("B",)).start_column == text.index('"B"') + 1


def test_a_lone_surrogate_escape_is_refused_with_its_position() -> None:
    with pytest.raises(LoadError) as caught:
        parse_text('{"A": "\\ud83d"}', "t.json")
    assert (caught.value.line, caught.value.column) == (1, 10)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dev-stdin", "directory"])
def test_only_regular_files_are_read_and_nothing_blocks(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "t.yaml"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("/dev/zero" if kind == "dev-zero" else "/dev/stdin")
    with pytest.raises(LoadError) as caught:
        load_document(target)
    assert "not a" in caught.value.message


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        load_document(tmp_path / "gone.yaml")
    assert "does not exist" in caught.value.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_load_error(text: str) -> None:
    with contextlib.suppress(LoadError):
        parse_text(text, "fuzz.yaml")


_yaml_fragments = st.lists(
    st.sampled_from([
        "a: ", "!Ref ", "!GetAtt ", "!Sub ", "!If ", "[", "]", "{", "}", ", ", "\n", "  ", "- ",
        "&x ", "*x ", "<<: ", "'", '"', "x", "1", "true", "null", ": ", "#", "\t", "!!str ",
        "!!binary ", "? ", "|\n", ">\n", "Resources:", "Type: AWS::SNS::Topic",
    ]),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yaml_fragments)
def test_yaml_shaped_text_raises_only_load_error(text: str) -> None:
    with contextlib.suppress(LoadError):
        parse_text(text, "fuzz.yaml")


def _corpus_files(shared: Path) -> list[Path]:
    root = shared / "corpus"
    return sorted(
        p for p in root.rglob("*") if p.suffix in {".yaml", ".yml", ".json", ".template"}
    )


def test_loader_matches_cfn_lint_decoder_on_the_whole_corpus(shared_dir: Path) -> None:
    """Differential test: same data, and the same set of files that fail to parse."""
    from cfnlint.decode import decode

    files = _corpus_files(shared_dir)
    assert len(files) >= 600
    mismatched = []
    for path in files:
        try:
            ours = load_document(path).data
        except LoadError:
            ours = None
        theirs, _ = decode(str(path))
        if (ours is None) != (theirs is None) or (ours is not None and ours != theirs):
            mismatched.append(str(path.relative_to(shared_dir)))
    assert mismatched == []


def _project_files() -> list[Path]:
    root = Path(__file__).resolve().parents[1]
    return sorted(
        p for base in (root / "tests" / "fixtures", root / "examples") for p in base.rglob("*")
        if p.suffix in {".yaml", ".yml", ".json", ".template"} and "sarif" not in p.parts
    )


def test_loader_matches_cfn_lint_decoder_on_the_project_fixtures() -> None:
    """The same differential on the templates this repository ships (every user runs this one;
    the corpus above is only available to the iacguard team): the same data, and the same
    files refused."""
    from cfnlint.decode import decode

    files = _project_files()
    assert len(files) >= 150
    mismatched, refused = [], 0
    for path in files:
        try:
            ours = load_document(path).data
        except LoadError:
            ours = None
        theirs, _ = decode(str(path))
        refused += ours is None
        if (ours is None) != (theirs is None) or (ours is not None and ours != theirs):
            mismatched.append(path.name)
    assert mismatched == []
    assert 0 < refused < len(files)  # both sides of the comparison were exercised
