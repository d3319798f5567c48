"""Checks for the ECR lifecycle policy document (`LifecyclePolicy.LifecyclePolicyText`).

Structure and per-rule conditions live in `schemas/ecr-lifecycle-policy.schema.json`; this
module adds what a schema cannot say (limits on the raw text, checks across rules) and turns
validation errors into positioned `EmbeddedProblem`s.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    # jsonschema costs ~0.1 s to import, so it is imported only when a policy is checked.
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from iacguard.engines.rules.embedded import (
    EmbeddedProblem,
    PathToken,
    compose_yaml,
    did_you_mean,
    display_path,
    duplicate_key_problems,
    mapping_get,
    mark_position,
    offset_position,
    pointer_from_path,
    sort_problems,
)
from iacguard.schema_errors import MISSING_KEY, UNKNOWN_KEY, SchemaProblem, schema_problems

SCHEMA_FILE = "ecr-lifecycle-policy.schema.json"
# ECR service quota "Lifecycle policy length", also the CloudFormation maxLength.
MAX_POLICY_CHARS = 30_720
_DOCUMENT = "the lifecycle policy"
_CUSTOM_KEYWORD = "x-iacguard"
# A base problem at a pointer means the value itself is wrong; conditional rules about the
# same value would only repeat it.
_VALUE_CODES = frozenset({"invalid-value", "wrong-type"})


@functools.lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

    resource = importlib.resources.files("iacguard") / "schemas" / SCHEMA_FILE
    schema = json.loads(resource.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def check_lifecycle_policy_text(text: str) -> list[EmbeddedProblem]:
    """Validate the JSON text of an ECR lifecycle policy; never raises."""
    problems: list[EmbeddedProblem] = []
    if len(text) > MAX_POLICY_CHARS:
        problems.append(_problem("text-too-long", _too_long_message(len(text)), (1, 1), ""))
    if not text.strip():
        problems.append(_problem("empty-document", f"{_DOCUMENT} text is empty", (1, 1), ""))
        return sort_problems(problems)
    parsed = _parse_json(text)
    if isinstance(parsed, EmbeddedProblem):
        return sort_problems([*problems, parsed])
    if not isinstance(parsed, dict):
        message = f"{_DOCUMENT} is {_describe(parsed)}; expected an object with a 'rules' list"
        return sort_problems([*problems, _problem("not-an-object", message, (1, 1), "")])
    locator = _Locator(text)
    problems.extend(_schema_problems(parsed, locator))
    problems.extend(_cross_rule_problems(parsed, locator))
    problems.extend(locator.duplicate_keys())
    return sort_problems(problems)


def _too_long_message(length: int) -> str:
    return f"{_DOCUMENT} is {length:,} characters long; ECR accepts at most {MAX_POLICY_CHARS:,}"


def _problem(code: str, message: str, position: tuple[int, int], pointer: str) -> EmbeddedProblem:
    return EmbeddedProblem(code, message, position[0], position[1], pointer)


# --- parsing -----------------------------------------------------------------------------


class _NonStandardConstant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _NonStandardConstant(name)


def _parse_json(text: str) -> Any:
    """The parsed document, or an EmbeddedProblem when `text` is not strict JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        message = f"{_DOCUMENT} is not valid JSON: {error.msg}"
        return _problem("invalid-json", message, (error.lineno, error.colno), "")
    except _NonStandardConstant as error:
        offset = max(text.find(error.name), 0)
        message = f"{_DOCUMENT} is not valid JSON: {error.name} is not a JSON number"
        return _problem("invalid-json", message, offset_position(text, offset), "")
    except RecursionError:
        return _problem("invalid-json", f"{_DOCUMENT} is nested too deeply to read", (1, 1), "")
    except ValueError as error:
        # Python's limit on digits in an integer literal is the known case.
        reason = str(error).split(";")[0]
        return _problem(
            "invalid-json", f"{_DOCUMENT} could not be read as JSON: {reason}", (1, 1), ""
        )


# Characters that YAML would reject or count as line breaks, where JSON does not. Each is
# replaced by one space so that offsets, lines and columns stay those of the JSON text.
_NOT_YAML_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
    "|[\t\u2028\u2029]|\r(?!\n)"
)
# JSON may escape surrogate halves (emoji as \ud83d\ude00); libyaml refuses those escapes.
_SURROGATE_ESCAPE = re.compile(r"\\(u[dD][89a-fA-F][0-9a-fA-F]{2}|.)")


def _yaml_compatible(text: str) -> str:
    text = _NOT_YAML_PRINTABLE.sub(" ", text)
    return _SURROGATE_ESCAPE.sub(_neutral_escape, text)


def _neutral_escape(match: re.Match[str]) -> str:
    return "\\u0020" if len(match.group(1)) == 5 else match.group(0)


class _Locator:
    """Finds where a JSON value sits in the text.

    Strict JSON is also YAML flow syntax, so composing it as YAML gives a node with a mark
    for every value; when that fails, everything is reported at line 1, column 1.
    """

    def __init__(self, text: str) -> None:
        self._text = text

    @functools.cached_property
    def _root(self) -> yaml.Node | None:
        try:
            return compose_yaml(_yaml_compatible(self._text))
        except (yaml.YAMLError, ValueError, RecursionError):
            return None

    def position(self, path: Sequence[PathToken], *, at_key: bool = False) -> tuple[int, int]:
        node = self._root
        if node is None:
            return 1, 1
        for depth, token in enumerate(path):
            child = _child(node, token, at_key=at_key and depth == len(path) - 1)
            if child is None:
                break
            node = child
        return mark_position(node)

    def duplicate_keys(self) -> Iterator[EmbeddedProblem]:
        if self._root is not None:
            yield from duplicate_key_problems(self._root, _DOCUMENT)


def _child(node: yaml.Node, token: PathToken, *, at_key: bool) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(token, str):
        pair = mapping_get(node, token)
        if pair is None:
            return None
        return pair[0] if at_key else pair[1]
    if isinstance(node, yaml.SequenceNode) and isinstance(token, int):
        items: list[yaml.Node] = node.value
        return items[token] if 0 <= token < len(items) else None
    return None


# --- schema errors -----------------------------------------------------------------------


def _schema_problems(document: dict[str, Any], locator: _Locator) -> list[EmbeddedProblem]:
    base: list[EmbeddedProblem] = []
    conditional: list[EmbeddedProblem] = []
    for problem in schema_problems(_validator(), document):
        custom = _custom_annotation(problem.schema)
        if custom is None:
            base.append(_base_problem(problem, locator))
        else:
            conditional.append(_custom_problem(problem, custom, locator))
    bad_values = {p.pointer for p in base if p.code in _VALUE_CODES}
    return base + [p for p in conditional if p.pointer not in bad_values]


def _custom_annotation(schema: Mapping[str, Any]) -> dict[str, str] | None:
    annotation = schema.get(_CUSTOM_KEYWORD)
    return annotation if isinstance(annotation, dict) else None


def _custom_problem(
    problem: SchemaProblem, annotation: dict[str, str], locator: _Locator
) -> EmbeddedProblem:
    path = list(problem.parent)
    message = annotation["message"].format(where=_where(path), value=_show(problem.value))
    # `not` annotations forbid a property, so point at its key rather than its value.
    position = locator.position(path, at_key=problem.keyword == "not")
    return _problem(annotation["code"], message, position, pointer_from_path(path))


def _base_problem(problem: SchemaProblem, locator: _Locator) -> EmbeddedProblem:
    path: list[PathToken] = list(problem.path)
    if problem.keyword == UNKNOWN_KEY:
        where = _where(list(problem.parent))
        message = f"{where} has unknown key '{problem.key}'" + did_you_mean(
            problem.key, list(problem.choices)
        )
        position = locator.position(path, at_key=True)
        return _problem("unknown-key", message, position, pointer_from_path(path))
    if problem.keyword == MISSING_KEY:
        message = f"{_where(path)} is missing required key '{problem.key}'"
        return _problem("missing-key", message, locator.position(path), pointer_from_path(path))
    code, message = _describe_error(problem, _where(path))
    return _problem(code, message, locator.position(path), pointer_from_path(path))


_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "boolean": "a boolean",
}


def _describe_error(problem: SchemaProblem, where: str) -> tuple[str, str]:
    keyword = problem.keyword
    expected = problem.expected
    shown = _show(problem.value)
    if keyword == "type":
        wanted = _TYPE_NAMES.get(str(expected), str(expected))
        return "wrong-type", f"{where} is {_describe(problem.value)}; expected {wanted}"
    if keyword == "enum":
        return "invalid-value", f"{where} is {shown}; expected one of {_choices(expected)}"
    if keyword == "const":
        return "invalid-value", f"{where} is {shown}; expected {_show(expected)}"
    if keyword == "minimum":
        return "value-too-small", f"{where} is {shown}; expected at least {expected}"
    if keyword == "minItems":
        return "empty-list", f"{where} is an empty list; expected at least {expected} item"
    if keyword == "minLength":
        return "empty-string", f"{where} is an empty string"
    return "invalid-value", f"{where} is {shown}, which the lifecycle policy schema rejects"


def _choices(values: object) -> str:
    if isinstance(values, list):
        return ", ".join(str(value) for value in values)
    return str(values)


def _where(path: Sequence[PathToken]) -> str:
    return display_path(path) or _DOCUMENT


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        # Never serialise containers: they can be long, or nested deep enough to overflow.
        return "a list"
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(value: object) -> str:
    if isinstance(value, str):
        return f"{_show(value)} (a string)"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"{_show(value)} (a number)"
    return _show(value)


# --- checks across rules -----------------------------------------------------------------


def _cross_rule_problems(document: dict[str, Any], locator: _Locator) -> list[EmbeddedProblem]:
    rules = _indexed_rules(document)
    problems = list(_duplicate_priorities(rules, locator))
    for storage_class in sorted({_storage_class(rule) for _, rule in rules}):
        group = [(i, rule) for i, rule in rules if _storage_class(rule) == storage_class]
        problems.extend(_single_rule_per_status(group, "any", "multiple-any-rules", locator))
        problems.extend(
            _single_rule_per_status(group, "untagged", "multiple-untagged-rules", locator)
        )
        problems.extend(_any_rule_not_last(group, locator))
    return problems


def _indexed_rules(document: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    rules = document.get("rules")
    if not isinstance(rules, list):
        return []
    return [(i, rule) for i, rule in enumerate(rules) if isinstance(rule, dict)]


def _priority(rule: dict[str, Any]) -> int | None:
    value = rule.get("rulePriority")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _selection(rule: dict[str, Any]) -> dict[str, Any]:
    selection = rule.get("selection")
    return selection if isinstance(selection, dict) else {}


def _tag_status(rule: dict[str, Any]) -> object:
    return _selection(rule).get("tagStatus")


def _storage_class(rule: dict[str, Any]) -> str:
    # Archived and standard images are selected by separate rules (the archive feature's own
    # examples pair an 'any' rule per storage class), so ordering rules apply per class.
    value = _selection(rule).get("storageClass", "standard")
    return value if isinstance(value, str) else "standard"


def _duplicate_priorities(
    rules: list[tuple[int, dict[str, Any]]], locator: _Locator
) -> Iterator[EmbeddedProblem]:
    first: dict[int, int] = {}
    for index, rule in rules:
        priority = _priority(rule)
        if priority is None:
            continue
        if priority not in first:
            first[priority] = index
            continue
        path: list[PathToken] = ["rules", index, "rulePriority"]
        message = (
            f"rules[{index}].rulePriority is {priority}, the same as rules[{first[priority]}]; "
            "each rule needs a unique rulePriority"
        )
        yield _problem(
            "duplicate-priority", message, locator.position(path), pointer_from_path(path)
        )


def _single_rule_per_status(
    group: list[tuple[int, dict[str, Any]]], status: str, code: str, locator: _Locator
) -> Iterator[EmbeddedProblem]:
    matching = [index for index, rule in group if _tag_status(rule) == status]
    for index in matching[1:]:
        path: list[PathToken] = ["rules", index, "selection", "tagStatus"]
        message = (
            f"rules[{index}] is another rule with tagStatus '{status}' after rules[{matching[0]}]; "
            "a policy may have only one such rule"
        )
        yield _problem(code, message, locator.position(path), pointer_from_path(path))


def _any_rule_not_last(
    group: list[tuple[int, dict[str, Any]]], locator: _Locator
) -> Iterator[EmbeddedProblem]:
    others = [
        (index, priority)
        for index, rule in group
        if _tag_status(rule) != "any" and (priority := _priority(rule)) is not None
    ]
    for index, rule in group:
        priority = _priority(rule)
        if _tag_status(rule) != "any" or priority is None:
            continue
        later = [(i, p) for i, p in others if p > priority]
        if not later:
            continue
        other_index, other_priority = max(later, key=lambda item: item[1])
        path: list[PathToken] = ["rules", index, "rulePriority"]
        message = (
            f"rules[{index}] has tagStatus 'any' and rulePriority {priority}, "
            f"but rules[{other_index}] has the higher rulePriority {other_priority}; "
            "ECR evaluates the 'any' rule last, so it needs the highest rulePriority"
        )
        yield _problem(
            "any-rule-not-last", message, locator.position(path), pointer_from_path(path)
        )
