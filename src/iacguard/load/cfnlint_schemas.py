"""Where cfn-lint keeps the CloudFormation resource provider schemas it ships as package data.

Both the rule-file checks (property paths of custom rules) and change safety (which properties
replace a resource) read those schemas as plain JSON; finding the folder without importing
cfn-lint keeps about a second off every run that never validates.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def cfnlint_schemas_dir() -> Path | None:
    """cfn-lint's ``data/schemas`` folder, or None when cfn-lint is not installed."""
    spec = importlib.util.find_spec("cfnlint")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "data" / "schemas"
        if candidate.is_dir():
            return candidate
    return None
