"""Parameter values the user supplies (--parameter, --parameters file)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iacguard.errors import IacguardError


def parse_parameter_flags(flags: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for flag in flags:
        name, separator, value = flag.partition("=")
        if not separator or not name:
            raise IacguardError(f"--parameter {flag!r}: expected Name=Value")
        values[name.strip()] = value
    return values


def read_parameters_file(path: Path) -> dict[str, Any]:
    """CodePipeline template configuration ``{"Parameters": {...}}`` or the CLI's list form
    ``[{"ParameterKey": ..., "ParameterValue": ...}]``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise IacguardError(f"{path}: cannot read parameters file: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise IacguardError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        return {str(k): v for k, v in data["Parameters"].items()}
    if isinstance(data, list) and all(
        isinstance(item, dict) and "ParameterKey" in item for item in data
    ):
        return {str(item["ParameterKey"]): item.get("ParameterValue") for item in data}
    raise IacguardError(
        f'{path}:1: expected {{"Parameters": {{"Name": "Value"}}}} or a list of '
        "ParameterKey/ParameterValue objects"
    )
