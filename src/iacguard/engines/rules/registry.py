"""Find, validate and select rules. Built-in rules ship as YAML; custom ones come from --rules."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from iacguard.engines.rules.checks import CHECKS
from iacguard.engines.rules.rule_checks import (
    check_condition_present,
    check_operators,
    check_paths,
)
from iacguard.engines.rules.spec import RuleSpec, spec_from_mapping
from iacguard.errors import RuleFileError
from iacguard.load.parse import LoadError, load_document, span_of
from iacguard.schema_errors import explain, problems_of

_RULE_SUFFIXES = (".yaml", ".yml")


def builtin_rules_dir() -> Path:
    """The repository's ``rules/`` folder; the wheel carries it inside the package."""
    packaged = Path(str(resources.files("iacguard"))) / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[4] / "rules"


@functools.lru_cache(maxsize=1)
def rule_schema() -> dict[str, Any]:
    text = (resources.files("iacguard") / "schemas" / "rule.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def rule_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RuleFileError(f"{path}: rule path does not exist")
    return sorted(p for p in path.rglob("*") if p.suffix in _RULE_SUFFIXES and p.is_file())


def load_rule_file(path: Path, builtin: bool, validate: bool = True) -> RuleSpec:
    try:
        document = load_document(path)
    except LoadError as exc:
        raise RuleFileError(str(exc)) from None
    data = document.data
    if validate:
        check_condition_present(path, data)
        check_operators(path, data)
        _validate(path, data, rule_schema() if builtin else custom_rule_schema())
    if not builtin:
        check_paths(path, data)
        data = {**custom_rule_defaults(data), **data}
    spec = spec_from_mapping(data, str(path), builtin)
    if spec.kind == "change" and not builtin:
        line = span_of(data, ("kind",)).start_line
        raise RuleFileError(f"{path}:{line}: kind: change is for iacguard's built-in "
                            "change-safety rules; a custom rule checks templates")
    if spec.check is not None and spec.check not in CHECKS:
        line = span_of(data, ("check",)).start_line
        raise RuleFileError(f"{path}:{line}: unknown Python check {spec.check!r}")
    return spec


@functools.lru_cache(maxsize=1)
def custom_rule_schema() -> dict[str, Any]:
    """The rule schema with a custom rule's requirements: a one-line policy needs only an id, a
    title, a severity, resource types, a condition (or check) and a message. Built-in rules
    keep the full metadata (docs, examples, references, tags, status, since)."""
    schema = copy.deepcopy(rule_schema())
    schema["required"] = list(CUSTOM_REQUIRED)
    properties = schema["properties"]
    properties["message"]["minLength"] = 1
    properties["fix"]["minLength"] = 1
    properties["docs"]["required"] = []
    for key in ("why", "failing-example", "passing-example"):
        properties["docs"]["properties"][key]["minLength"] = 1
    return schema


#: What a custom rule must say; resource-types and when (or check) are required by the schema's
#: conditional part, as for built-in rules.
CUSTOM_REQUIRED = ("id", "title", "severity", "message")


def custom_rule_defaults(data: Any) -> dict[str, Any]:
    """Metadata a custom rule may leave out."""
    rule_id = data.get("id", "") if isinstance(data, dict) else ""
    return {"name": str(rule_id).lower(), "fix": "", "docs": {}, "references": {}, "tags": [],
            "status": "stable", "since": ""}


def _validate(path: Path, data: Any, schema: dict[str, Any]) -> None:
    import jsonschema  # deferred: only needed when rule files are validated

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    error = jsonschema.exceptions.best_match(errors)
    if error is None:
        return
    (problem, *_) = problems_of([error])
    line = span_of(data, problem.path).start_line if problem.path else 1
    where = ".".join(str(p) for p in problem.parent) or "rule"
    raise RuleFileError(f"{path}:{line}: {explain(problem, where)}")


def load_rules(
    custom_paths: Sequence[Path] = (),
    validate_builtin: bool = False,
) -> list[RuleSpec]:
    """Built-in rules, then custom ones. Duplicate ids or names are an error."""
    specs = [
        load_rule_file(path, builtin=True, validate=validate_builtin)
        for path in rule_files(builtin_rules_dir())
    ]
    for custom in custom_paths:
        specs.extend(load_rule_file(path, builtin=False) for path in rule_files(custom))
    _reject_duplicates(specs)
    return sorted(specs, key=lambda spec: spec.id)


def _reject_duplicates(specs: Iterable[RuleSpec]) -> None:
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for spec in specs:
        if spec.id in seen_ids:
            raise RuleFileError(
                f"{spec.source_file}:1: rule id {spec.id} is already defined in {seen_ids[spec.id]}"
            )
        if spec.name in seen_names:
            raise RuleFileError(
                f"{spec.source_file}:1: rule name {spec.name} is already used by "
                f"{seen_names[spec.name]}"
            )
        seen_ids[spec.id] = spec.source_file
        seen_names[spec.name] = spec.source_file


def select_rules(
    specs: Sequence[RuleSpec],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
) -> list[RuleSpec]:
    """Apply --select / --ignore before anything runs: an ignored rule is never executed.

    Preview rules (stricter or noisier checks a team opts into) run only when selected by their
    exact id or name; a prefix or tag does not pull them in.
    """
    chosen = [
        spec
        for spec in specs
        if (
            (not select or any(spec.matches_selector(s) for s in select))
            or any(spec.matches_selector(s) for s in extend_select)
        )
        and (spec.status != "preview" or _named(spec, (*select, *extend_select)))
        and spec.status != "removed"
    ]
    return [spec for spec in chosen if not any(spec.matches_selector(s) for s in ignore)]


def _named(spec: RuleSpec, selectors: Sequence[str]) -> bool:
    return any(selector in (spec.id, spec.name) for selector in selectors)


def find_rule(specs: Sequence[RuleSpec], key: str) -> RuleSpec | None:
    lowered = key.lower()
    for spec in specs:
        if spec.id.lower() == lowered or spec.name == lowered:
            return spec
    return None
