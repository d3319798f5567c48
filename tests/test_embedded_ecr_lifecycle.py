"""Tests for the ECR lifecycle policy checks in iacguard.engines.rules.embedded.ecr_lifecycle."""

from __future__ import annotations

import importlib.resources
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import iacguard.engines.rules.embedded as embedded
from iacguard.engines.rules.embedded import EmbeddedProblem, check_lifecycle_policy_text

TAGGED = (
    '{"rulePriority": 1, "description": "Keep 20 release images", '
    '"selection": {"tagStatus": "tagged", "tagPrefixList": ["release"], '
    '"countType": "imageCountMoreThan", "countNumber": 20}, "action": {"type": "expire"}}'
)
UNTAGGED = (
    '{"rulePriority": 2, "selection": {"tagStatus": "untagged", '
    '"countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}, '
    '"action": {"type": "expire"}}'
)
ANY = (
    '{"rulePriority": 3, "selection": {"tagStatus": "any", '
    '"countType": "imageCountMoreThan", "countNumber": 100}, "action": {"type": "expire"}}'
)

# Written by hand the way people paste policies into templates: two rules, pretty-printed.
PRETTY_POLICY = """{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Expire untagged images after 14 days",
      "selection": {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14
      },
      "action": {
        "type": "expire"
      }
    },
    {
      "rulePriority": 2,
      "description": "Keep the 30 most recent images",
      "selection": {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 30
      },
      "action": {
        "type": "expire"
      }
    }
  ]
}"""

# Copied from the CloudFormation template that aws-cdk-lib 2.276.0 synthesizes for
# `repository.addLifecycleRule(...)` (the shared app-a fixture).
CDK_POLICY = (
    '{"rules":[{"rulePriority":1,"description":"Expire untagged images after 14 days",'
    '"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countNumber":14,'
    '"countUnit":"days"},"action":{"type":"expire"}},{"rulePriority":2,"description":'
    '"Keep the 30 most recent images","selection":{"tagStatus":"any","countType":'
    '"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}'
)

ARCHIVE_POLICY = """{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Archive images nobody pulled for 90 days",
      "selection": {
        "tagStatus": "any",
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 90
      },
      "action": {"type": "transition", "targetStorageClass": "archive"}
    },
    {
      "rulePriority": 2,
      "description": "Delete archived images after 180 days",
      "selection": {
        "tagStatus": "any",
        "storageClass": "archive",
        "countType": "sinceImageTransitioned",
        "countUnit": "days",
        "countNumber": 180
      },
      "action": {"type": "expire"}
    }
  ]
}"""


def policy(*rules: str) -> str:
    return '{"rules": [' + ", ".join(rules) + "]}"


def at(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of `needle`, found independently."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def problem(code: str, message: str, position: tuple[int, int], pointer: str) -> EmbeddedProblem:
    return EmbeddedProblem(code, message, position[0], position[1], pointer)


def only(text: str) -> EmbeddedProblem:
    problems = check_lifecycle_policy_text(text)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a test with each YAML loader, since positions come from the loader's marks."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(embedded, "_YAML_LOADER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(embedded, "_YAML_LOADER", yaml.SafeLoader)


# --- valid policies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [PRETTY_POLICY, CDK_POLICY, ARCHIVE_POLICY, policy(TAGGED, UNTAGGED, ANY)],
    ids=["pretty", "cdk-synthesized", "archive-variants", "three-rules"],
)
def test_valid_policies_have_no_problems(text: str) -> None:
    assert check_lifecycle_policy_text(text) == []


def test_schema_file_is_a_valid_draft_2020_12_schema() -> None:
    resource = (
        importlib.resources.files("iacguard") / "schemas" / "ecr-lifecycle-policy.schema.json"
    )
    schema = json.loads(resource.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://iacguard.dev/schemas/ecr-lifecycle-policy.schema.json"


# --- the text itself ---------------------------------------------------------------------


def test_invalid_json_reports_the_decoder_position() -> None:
    text = '{\n  "rules": [\n    {"rulePriority": 1,}\n  ]\n}'
    assert check_lifecycle_policy_text(text) == [
        problem(
            "invalid-json",
            "the lifecycle policy is not valid JSON: Expecting property name enclosed in "
            "double quotes",
            (3, 24),
            "",
        )
    ]


def test_nan_is_not_json() -> None:
    text = '{"rules": [{"rulePriority": NaN}]}'
    assert only(text) == problem(
        "invalid-json",
        "the lifecycle policy is not valid JSON: NaN is not a JSON number",
        at(text, "NaN"),
        "",
    )


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text(text: str) -> None:
    assert check_lifecycle_policy_text(text) == [
        problem("empty-document", "the lifecycle policy text is empty", (1, 1), "")
    ]


@pytest.mark.parametrize(
    ("text", "described"),
    [("[]", "a list"), ('"rules"', "'rules' (a string)"), ("null", "null"), ("7", "7 (a number)")],
)
def test_top_level_must_be_an_object(text: str, described: str) -> None:
    assert only(text) == problem(
        "not-an-object",
        f"the lifecycle policy is {described}; expected an object with a 'rules' list",
        (1, 1),
        "",
    )


def test_text_longer_than_the_ecr_limit() -> None:
    valid = policy(TAGGED, UNTAGGED)
    text = valid + " " * (30_721 - len(valid))
    assert check_lifecycle_policy_text(text) == [
        problem(
            "text-too-long",
            "the lifecycle policy is 30,721 characters long; ECR accepts at most 30,720",
            (1, 1),
            "",
        )
    ]
    assert check_lifecycle_policy_text(text[:-1]) == []


def test_duplicate_json_key_is_reported_at_the_second_key() -> None:
    text = policy(TAGGED.replace('"countNumber": 20', '"countNumber": 20, "countNumber": 5'))
    assert only(text) == problem(
        "duplicate-key",
        "rules[0].selection repeats key 'countNumber'; only the last value is used",
        at(text, '"countNumber"', occurrence=2),
        "/rules/0/selection/countNumber",
    )


# --- structure ---------------------------------------------------------------------------


def test_missing_rules() -> None:
    assert only("{}") == problem(
        "missing-key", "the lifecycle policy is missing required key 'rules'", (1, 1), ""
    )


def test_empty_rules() -> None:
    text = '{"rules": []}'
    assert only(text) == problem(
        "empty-list", "rules is an empty list; expected at least 1 item", at(text, "[]"), "/rules"
    )


def test_rules_not_a_list() -> None:
    text = '{"rules": {"rulePriority": 1}}'
    assert only(text) == problem(
        "wrong-type", "rules is an object; expected a list", at(text, '{"rulePriority"'), "/rules"
    )


def test_unknown_top_level_key_suggests_the_known_one() -> None:
    text = '{"rules": [' + TAGGED + '], "rule": []}'
    assert only(text) == problem(
        "unknown-key",
        "the lifecycle policy has unknown key 'rule'; did you mean 'rules'?",
        at(text, '"rule"'),
        "/rule",
    )


def test_unknown_key_in_selection() -> None:
    text = policy(TAGGED.replace('"countNumber": 20', '"countNumber": 20, "tagPrefix": ["v"]'))
    assert only(text) == problem(
        "unknown-key",
        "rules[0].selection has unknown key 'tagPrefix'; did you mean 'tagPrefixList'?",
        at(text, '"tagPrefix"'),
        "/rules/0/selection/tagPrefix",
    )


def test_unknown_key_in_action() -> None:
    text = policy(TAGGED.replace('{"type": "expire"}', '{"type": "expire", "days": 3}'))
    assert only(text) == problem(
        "unknown-key",
        "rules[0].action has unknown key 'days'; expected one of type, targetStorageClass",
        at(text, '"days"'),
        "/rules/0/action/days",
    )


# --- rulePriority ------------------------------------------------------------------------


def test_missing_rule_priority() -> None:
    text = policy(TAGGED.replace('"rulePriority": 1, ', ""))
    assert only(text) == problem(
        "missing-key",
        "rules[0] is missing required key 'rulePriority'",
        at(text, '{"description"'),
        "/rules/0",
    )


def test_rule_priority_must_be_an_integer() -> None:
    text = policy(TAGGED.replace('"rulePriority": 1', '"rulePriority": "1"'))
    assert only(text) == problem(
        "wrong-type",
        "rules[0].rulePriority is '1' (a string); expected an integer",
        at(text, '"1"'),
        "/rules/0/rulePriority",
    )


def test_rule_priority_must_be_positive() -> None:
    text = policy(TAGGED.replace('"rulePriority": 1', '"rulePriority": 0'))
    assert only(text) == problem(
        "value-too-small",
        "rules[0].rulePriority is 0; expected at least 1",
        at(text, "0,"),
        "/rules/0/rulePriority",
    )


def test_duplicate_rule_priority() -> None:
    text = policy(TAGGED, UNTAGGED.replace('"rulePriority": 2', '"rulePriority": 1'))
    assert only(text) == problem(
        "duplicate-priority",
        "rules[1].rulePriority is 1, the same as rules[0]; each rule needs a unique rulePriority",
        at(text, "1,", occurrence=2),
        "/rules/1/rulePriority",
    )


# --- selection ---------------------------------------------------------------------------


def test_unknown_tag_status() -> None:
    text = policy(TAGGED.replace('"tagged"', '"tag"'))
    assert only(text) == problem(
        "invalid-value",
        "rules[0].selection.tagStatus is 'tag'; expected one of tagged, untagged, any",
        at(text, '"tag"'),
        "/rules/0/selection/tagStatus",
    )


def test_tagged_rule_needs_a_tag_list() -> None:
    text = policy(TAGGED.replace('"tagPrefixList": ["release"], ', ""))
    assert only(text) == problem(
        "missing-tag-list",
        "rules[0].selection has tagStatus 'tagged' but neither tagPrefixList nor tagPatternList",
        at(text, '{"tagStatus"'),
        "/rules/0/selection",
    )


def test_tagged_rule_with_both_tag_lists() -> None:
    text = policy(TAGGED.replace('["release"]', '["release"], "tagPatternList": ["v*"]'))
    assert only(text) == problem(
        "conflicting-tag-lists",
        "rules[0].selection.tagPatternList is set together with tagPrefixList; "
        "use only one of the two lists",
        at(text, '"tagPatternList"'),
        "/rules/0/selection/tagPatternList",
    )


@pytest.mark.parametrize("status", ["untagged", "any"])
def test_tag_lists_only_with_tagged(status: str) -> None:
    text = policy(TAGGED.replace('"tagged"', f'"{status}"'))
    assert only(text) == problem(
        "tag-list-not-allowed",
        "rules[0].selection.tagPrefixList is only allowed when tagStatus is 'tagged'",
        at(text, '"tagPrefixList"'),
        "/rules/0/selection/tagPrefixList",
    )


def test_tag_pattern_with_more_than_four_wildcards() -> None:
    text = policy(
        TAGGED.replace('"tagPrefixList": ["release"]', '"tagPatternList": ["a*b*c*d*e*f"]')
    )
    assert only(text) == problem(
        "too-many-wildcards",
        "rules[0].selection.tagPatternList[0] is 'a*b*c*d*e*f'; "
        "a tag pattern may contain at most four '*' wildcards",
        at(text, '"a*b'),
        "/rules/0/selection/tagPatternList/0",
    )


def test_four_wildcards_are_allowed() -> None:
    text = policy(
        TAGGED.replace('"tagPrefixList": ["release"]', '"tagPatternList": ["*test*1*2*3"]')
    )
    assert check_lifecycle_policy_text(text) == []


def test_unknown_count_type() -> None:
    text = policy(TAGGED.replace("imageCountMoreThan", "imageCountLessThan"))
    assert only(text) == problem(
        "invalid-value",
        "rules[0].selection.countType is 'imageCountLessThan'; expected one of "
        "imageCountMoreThan, sinceImagePushed, sinceImagePulled, sinceImageTransitioned",
        at(text, '"imageCountLessThan"'),
        "/rules/0/selection/countType",
    )


def test_image_count_rule_takes_no_count_unit() -> None:
    text = policy(TAGGED.replace('"countNumber": 20', '"countUnit": "days", "countNumber": 20'))
    assert only(text) == problem(
        "count-unit-not-allowed",
        "rules[0].selection.countUnit is set, but countType imageCountMoreThan takes no countUnit",
        at(text, '"countUnit"'),
        "/rules/0/selection/countUnit",
    )


def test_since_image_pushed_needs_count_unit() -> None:
    text = policy(UNTAGGED.replace('"countUnit": "days", ', ""))
    assert only(text) == problem(
        "missing-count-unit",
        "rules[0].selection counts days since an event but has no countUnit; "
        'add "countUnit": "days"',
        at(text, '{"tagStatus"'),
        "/rules/0/selection",
    )


def test_count_unit_must_be_days() -> None:
    text = policy(UNTAGGED.replace('"days"', '"hours"'))
    assert only(text) == problem(
        "invalid-value",
        "rules[0].selection.countUnit is 'hours'; expected 'days'",
        at(text, '"hours"'),
        "/rules/0/selection/countUnit",
    )


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        ("0", "value-too-small", "rules[0].selection.countNumber is 0; expected at least 1"),
        ("-3", "value-too-small", "rules[0].selection.countNumber is -3; expected at least 1"),
        (
            "2.5",
            "wrong-type",
            "rules[0].selection.countNumber is 2.5 (a number); expected an integer",
        ),
        (
            '"7"',
            "wrong-type",
            "rules[0].selection.countNumber is '7' (a string); expected an integer",
        ),
    ],
)
def test_count_number_must_be_a_positive_integer(number: str, code: str, message: str) -> None:
    text = policy(UNTAGGED.replace('"countNumber": 14', f'"countNumber": {number}'))
    assert only(text) == problem(
        code, message, at(text, number + "}"), "/rules/0/selection/countNumber"
    )


def test_since_image_transitioned_needs_archive_storage_class() -> None:
    text = policy(
        '{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": '
        '"sinceImageTransitioned", "countUnit": "days", "countNumber": 180}, '
        '"action": {"type": "expire"}}'
    )
    assert only(text) == problem(
        "missing-storage-class",
        "rules[0].selection has countType sinceImageTransitioned but no storageClass; "
        'add "storageClass": "archive"',
        at(text, '{"tagStatus"'),
        "/rules/0/selection",
    )


def test_archive_storage_class_only_with_since_image_transitioned() -> None:
    text = policy(UNTAGGED.replace('"untagged", ', '"untagged", "storageClass": "archive", '))
    assert only(text) == problem(
        "storage-class-mismatch",
        "rules[0].selection.storageClass is 'archive'; only countType sinceImageTransitioned "
        "can select archived images",
        at(text, '"archive"'),
        "/rules/0/selection/storageClass",
    )


# --- action ------------------------------------------------------------------------------


def test_unknown_action_type() -> None:
    text = policy(TAGGED.replace('"expire"', '"delete"'))
    assert only(text) == problem(
        "invalid-value",
        "rules[0].action.type is 'delete'; expected one of expire, transition",
        at(text, '"delete"'),
        "/rules/0/action/type",
    )


def test_transition_needs_target_storage_class() -> None:
    text = policy(
        UNTAGGED.replace('{"type": "expire"}', '{"type": "transition"}').replace(
            "sinceImagePushed", "sinceImagePulled"
        )
    )
    assert only(text) == problem(
        "missing-target-storage-class",
        "rules[0].action transitions images but has no targetStorageClass; "
        'add "targetStorageClass": "archive"',
        at(text, '{"type"'),
        "/rules/0/action",
    )


def test_expire_takes_no_target_storage_class() -> None:
    text = policy(
        TAGGED.replace('{"type": "expire"}', '{"type": "expire", "targetStorageClass": "archive"}')
    )
    assert only(text) == problem(
        "target-storage-class-not-allowed",
        "rules[0].action.targetStorageClass is set, but an expire action takes no "
        "targetStorageClass",
        at(text, '"targetStorageClass"'),
        "/rules/0/action/targetStorageClass",
    )


# --- checks across rules -----------------------------------------------------------------


def test_any_rule_must_have_the_highest_priority() -> None:
    text = policy(
        ANY.replace('"rulePriority": 3', '"rulePriority": 1'),
        TAGGED.replace('"rulePriority": 1', '"rulePriority": 5'),
    )
    assert only(text) == problem(
        "any-rule-not-last",
        "rules[0] has tagStatus 'any' and rulePriority 1, but rules[1] has the higher "
        "rulePriority 5; ECR evaluates the 'any' rule last, so it needs the highest rulePriority",
        at(text, "1,"),
        "/rules/0/rulePriority",
    )


def test_only_one_any_rule() -> None:
    text = policy(TAGGED, ANY, ANY.replace('"rulePriority": 3', '"rulePriority": 4'))
    assert only(text) == problem(
        "multiple-any-rules",
        "rules[2] is another rule with tagStatus 'any' after rules[1]; "
        "a policy may have only one such rule",
        at(text, '"any"', occurrence=2),
        "/rules/2/selection/tagStatus",
    )


def test_only_one_untagged_rule() -> None:
    text = policy(UNTAGGED, UNTAGGED.replace('"rulePriority": 2', '"rulePriority": 3'))
    assert only(text) == problem(
        "multiple-untagged-rules",
        "rules[1] is another rule with tagStatus 'untagged' after rules[0]; "
        "a policy may have only one such rule",
        at(text, '"untagged"', occurrence=2),
        "/rules/1/selection/tagStatus",
    )


# --- positions in pretty-printed text ----------------------------------------------------


def test_problems_in_pretty_json_point_at_their_lines(yaml_loader: None) -> None:
    text = (
        PRETTY_POLICY.replace('"rulePriority": 2', '"rulePriority": 1')
        .replace('"tagStatus": "untagged"', '"tagStatus": "Untagged"')
        .replace('"countNumber": 30', '"countNumber": 30,\n        "countUnit": "days"')
    )
    assert check_lifecycle_policy_text(text) == [
        problem(
            "invalid-value",
            "rules[0].selection.tagStatus is 'Untagged'; expected one of tagged, untagged, any",
            (7, 22),
            "/rules/0/selection/tagStatus",
        ),
        problem(
            "duplicate-priority",
            "rules[1].rulePriority is 1, the same as rules[0]; "
            "each rule needs a unique rulePriority",
            (17, 23),
            "/rules/1/rulePriority",
        ),
        problem(
            "count-unit-not-allowed",
            "rules[1].selection.countUnit is set, but countType imageCountMoreThan takes no "
            "countUnit",
            (23, 9),
            "/rules/1/selection/countUnit",
        ),
    ]


def test_positions_survive_tabs_crlf_and_escapes(yaml_loader: None) -> None:
    text = (
        '{\r\n\t"rules": [{\r\n\t\t"rulePriority": 0,\r\n'
        '\t\t"description": "caf\\u00e9 \\ud83d\\ude00 a\\/b \u2028",\r\n'
        '\t\t"selection": {"tagStatus": "any", "countType": "imageCountMoreThan", '
        '"countNumber": 1},\r\n\t\t"action": {"type": "expire"}}]\r\n}'
    )
    assert check_lifecycle_policy_text(text) == [
        problem(
            "value-too-small",
            "rules[0].rulePriority is 0; expected at least 1",
            (3, 19),
            "/rules/0/rulePriority",
        )
    ]


# --- robustness --------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _assert_well_formed(problems: list[EmbeddedProblem]) -> None:
    assert problems == sorted(
        problems, key=lambda p: (p.line, p.column, p.code, p.pointer, p.message)
    )
    for item in problems:
        assert item.line >= 1 and item.column >= 1
        assert item.code and item.message
        assert item.pointer == "" or item.pointer.startswith("/")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    _assert_well_formed(check_lifecycle_policy_text(text))


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    _assert_well_formed(check_lifecycle_policy_text(json.dumps(value, indent=1)))
    _assert_well_formed(check_lifecycle_policy_text(json.dumps({"rules": [value]})))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaged_policies_never_raise(data: st.DataObject) -> None:
    text = PRETTY_POLICY
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 12)))
    filler = data.draw(st.text(max_size=6))
    _assert_well_formed(check_lifecycle_policy_text(text[:start] + filler + text[end:]))


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    problems = check_lifecycle_policy_text('{"rules": ' + "[" * 50_000 + "]" * 50_000 + "}")
    assert problems == [
        problem("invalid-json", "the lifecycle policy is nested too deeply to read", (1, 1), ""),
        problem(
            "text-too-long",
            "the lifecycle policy is 100,011 characters long; ECR accepts at most 30,720",
            (1, 1),
            "",
        ),
    ]


def test_deeply_nested_values_are_described_not_serialised() -> None:
    deep = "[" * 800 + "]" * 800
    text = policy(TAGGED.replace('"tagged"', deep))
    [found] = check_lifecycle_policy_text(text)
    assert (found.code, found.message, found.pointer) == (
        "invalid-value",
        "rules[0].selection.tagStatus is a list; expected one of tagged, untagged, any",
        "/rules/0/selection/tagStatus",
    )


def test_integer_longer_than_python_reads_is_a_problem() -> None:
    text = policy(TAGGED.replace('"rulePriority": 1', '"rulePriority": 1' + "0" * 5000))
    assert check_lifecycle_policy_text(text) == [
        problem(
            "invalid-json",
            "the lifecycle policy could not be read as JSON: Exceeds the limit (4300 digits) "
            "for integer string conversion: value has 5001 digits",
            (1, 1),
            "",
        )
    ]
