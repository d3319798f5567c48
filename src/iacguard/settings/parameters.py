"""Parameter values the user supplies (--parameter, --parameters file)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iacguard.errors import IacguardError
from iacguard.load.json_file import JsonFileError, read_json

#: CloudFormation takes at most 200 parameters of 4 KiB each; a file past this is not one.
MAX_PARAMETERS_BYTES = 4 * 1024 * 1024


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
        data = read_json(path, MAX_PARAMETERS_BYTES)
    except JsonFileError as error:
        if error.line:
            raise IacguardError(error.located(str(path))) from None
        raise IacguardError(f"{path}: cannot read parameters file: {error.reason}") from None
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        return _plain_values(path, {str(k): v for k, v in data["Parameters"].items()})
    if isinstance(data, list) and all(
        isinstance(item, dict) and "ParameterKey" in item for item in data
    ):
        return _plain_values(
            path, {str(item["ParameterKey"]): item.get("ParameterValue") for item in data}
        )
    raise IacguardError(
        f'{path}:1: expected {{"Parameters": {{"Name": "Value"}}}} or a list of '
        "ParameterKey/ParameterValue objects"
    )


def _plain_values(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Parameter values are text, numbers, booleans or lists of them, as CloudFormation takes
    them (or no value: ``UsePreviousValue``); anything else in the file is a mistake, said
    here rather than deep in a rule."""
    for name, value in values.items():
        items = value if isinstance(value, list) else [] if value is None else [value]
        if not all(isinstance(item, (str, int, float, bool)) for item in items):
            raise IacguardError(f"{path}:1: parameter {name!r}: expected text, a number, "
                                "true/false or a list of them")
    return values
