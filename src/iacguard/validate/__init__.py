"""Template validation (schema, references, intrinsic functions) delegated to cfn-lint.

Importing this package is cheap: cfn-lint itself is imported only when a template is validated.
"""

from __future__ import annotations

from iacguard.validate.cfnlint_bridge import (
    CRASH_RULE_ID,
    DEFAULT_REGIONS,
    RULE_ID_PREFIX,
    check_regions,
    prepare_validation,
    validate_template,
    validation_selected,
)

__all__ = [
    "CRASH_RULE_ID",
    "DEFAULT_REGIONS",
    "RULE_ID_PREFIX",
    "check_regions",
    "prepare_validation",
    "validate_template",
    "validation_selected",
]
