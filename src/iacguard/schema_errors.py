"""JSON Schema errors as problems a person can act on.

One translator for every document iacguard validates against a schema: configuration files,
rule files and documents embedded in templates (ECR lifecycle policies). jsonschema reports one
error per failed keyword with a message written for programmers ("Additional properties are not
allowed ('ignroe' was unexpected)"); :func:`schema_problems` turns each into
:class:`SchemaProblem` values that say which key or value is wrong and what was expected, one
per unknown or missing key, so every caller can point at the exact line. :func:`explain` words a
problem for configuration and rule files; callers with a vocabulary of their own (the ECR
lifecycle policy's messages name JSON types) word the same problems themselves.

jsonschema itself is imported by the callers, only when a document is actually validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iacguard.suggest import did_you_mean

UNKNOWN_KEY = "additionalProperties"
MISSING_KEY = "required"

PathToken = str | int

_TYPE_WORDS = {
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "null": "empty",
}


@dataclass(frozen=True)
class SchemaProblem:
    """One thing wrong with a document.

    ``path`` leads to the wrong value; for an unknown key it leads to the key itself, for a
    missing key to the mapping that lacks it. ``keyword`` is the JSON Schema keyword that
    failed (``additionalProperties`` for an unknown key, ``required`` for a missing one).
    """

    path: tuple[PathToken, ...]
    keyword: str
    #: The value that failed: the mapping for unknown and missing keys.
    value: Any
    #: The keyword's argument in the schema: the allowed values of an ``enum``, the ``type``...
    expected: Any = None
    #: The unknown or missing key.
    key: str = ""
    #: Keys the mapping may have (unknown keys), in the schema's order.
    choices: tuple[str, ...] = ()
    #: The part of the schema that failed, for its description or custom annotations.
    schema: Mapping[str, Any] = field(default_factory=dict)
    #: jsonschema's own message, for keywords without a wording of their own here.
    message: str = ""

    @property
    def parent(self) -> tuple[PathToken, ...]:
        """The mapping an unknown key is in; the value's own path for every other problem."""
        return self.path[:-1] if self.keyword == UNKNOWN_KEY else self.path


def schema_problems(validator: Any, instance: Any) -> list[SchemaProblem]:
    """Every problem a ``jsonschema`` validator finds in ``instance``, in its order."""
    return problems_of(validator.iter_errors(instance))


def problems_of(errors: Iterable[Any]) -> list[SchemaProblem]:
    return [problem for error in errors for problem in _problems_of_error(error)]


def _problems_of_error(error: Any) -> list[SchemaProblem]:
    path: tuple[PathToken, ...] = tuple(error.absolute_path)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if error.validator == UNKNOWN_KEY and isinstance(instance, Mapping):
        known = tuple(schema.get("properties", {}))
        return [
            SchemaProblem((*path, key), UNKNOWN_KEY, instance, key=str(key), choices=known,
                          schema=schema, message=str(error.message))
            for key in instance
            if key not in known
        ]
    if error.validator == MISSING_KEY and isinstance(instance, Mapping):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        return [
            SchemaProblem(path, MISSING_KEY, instance, key=str(key), schema=schema,
                          message=str(error.message))
            for key in required
            if key not in instance
        ]
    return [SchemaProblem(path, str(error.validator), instance, error.validator_value,
                          schema=schema, message=str(error.message))]


def explain(problem: SchemaProblem, where: str) -> str:
    """One line about ``problem``; ``where`` names the value it is about (``'facts'``)."""
    keyword, value, expected = problem.keyword, problem.value, problem.expected
    if keyword == UNKNOWN_KEY:
        inside = f" in {where}" if problem.parent else ""
        return f"unknown key {problem.key!r}{inside}" + did_you_mean(problem.key, problem.choices)
    if keyword == MISSING_KEY:
        return f"{where}: {problem.key!r} is required"
    if keyword == "type":
        return f"{where} must be {type_words(expected)}, not {value_words(value)}"
    if keyword == "enum":
        choices = [str(choice) for choice in expected]
        return f"{where}: {value!r} is not one of {', '.join(choices)}" + did_you_mean(
            str(value), choices
        )
    if keyword in ("minLength", "minItems"):
        return f"{where} must not be empty"
    if keyword == "pattern":
        described = problem.schema.get("description")
        meaning = described if described else f"matching the pattern {expected}"
        return f"{where}: {value!r} is not {meaning}"
    if keyword == "anyOf":
        return f"{where} must be {type_words(_alternative_types(expected))}"
    return f"{where}: {problem.message}"


def type_words(expected: Any) -> str:
    """JSON Schema type names as a reader of YAML or TOML knows them: ``a list or a mapping``."""
    options = expected if isinstance(expected, list) else [expected]
    words = [_TYPE_WORDS.get(str(option), str(option)) for option in options]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def value_words(value: Any) -> str:
    """What a value is, shown as the user wrote it: ``'no' (a string)``, ``a list``."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value} (a number)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def key_path_text(path: Sequence[PathToken]) -> str:
    """``("suppressions", 1, "reason")`` as ``suppressions[1].reason``."""
    text = ""
    for segment in path:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return text


def _alternative_types(alternatives: Any) -> list[str]:
    found: list[str] = []
    for alternative in alternatives if isinstance(alternatives, list) else []:
        kind = alternative.get("type") if isinstance(alternative, Mapping) else None
        for name in kind if isinstance(kind, list) else [kind]:
            if isinstance(name, str) and name not in found:
                found.append(name)
    return found or ["a value the schema accepts"]
