"""The configuration file's JSON Schema, generated from the setting definitions.

``schemas/config.schema.json`` is this schema written out for editors and other tools;
``python -m iacguard.settings.schema`` rewrites it, and a test checks that it is current.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacguard.errors import ConfigError
from iacguard.schema_errors import (
    SchemaProblem,
    explain,
    key_path_text,
    schema_problems,
    value_words,
)
from iacguard.settings.definitions import config_schema_properties

SCHEMA_ID = "https://iacguard.dev/schemas/config-v1.schema.json"
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.json"

_SHARED_DEFINITIONS = {
    "globs": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "selectors": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "ruleId": {
        "type": "string",
        "pattern": "^[A-Za-z][A-Za-z0-9_/-]*$",
        "description": "a rule id such as IGE001, cfn-lint/E3012 or checkov/CKV_AWS_163",
    },
}


def config_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "iacguard configuration",
        "description": "Settings read from [tool.iacguard] in pyproject.toml or from "
        ".iacguard.yaml / .iacguard.yml. Command-line flags override them.",
        "type": "object",
        "additionalProperties": False,
        "properties": config_schema_properties(),
        "$defs": _SHARED_DEFINITIONS,
    }


def schema_text() -> str:
    return json.dumps(config_schema(), indent=2) + "\n"


def validate_config(data: Any, display: str, line_of: Callable[[tuple[Any, ...]], int]) -> None:
    """Stop at the first mistake in file order, as ``file:line: problem``."""
    import jsonschema  # deferred: only needed when a configuration file exists

    if not isinstance(data, dict):
        raise ConfigError(f"{display}:1: expected a mapping of settings, not {value_words(data)}")
    validator = jsonschema.Draft202012Validator(config_schema())
    problems = schema_problems(validator, data)
    if not problems:
        return
    line, message = min((line_of(problem.path), explain(problem, _where(problem)))
                        for problem in problems)
    raise ConfigError(f"{display}:{line}: {message}")


def _where(problem: SchemaProblem) -> str:
    return f"'{key_path_text(problem.parent)}'" if problem.parent else "configuration"


def main() -> None:
    """Rewrite schemas/config.schema.json from the definitions (run from a source checkout)."""
    from iacguard.atomic import write_atomic

    write_atomic(SCHEMA_FILE, schema_text())
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
