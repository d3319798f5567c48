"""Python checks, by the name a rule's ``check:`` key uses. One module per theme."""

from __future__ import annotations

from collections.abc import Mapping

from iacguard.engines.rules.api import CheckFunction
from iacguard.engines.rules.checks import (
    alarms,
    data_protection,
    ecr,
    pipeline,
    retention,
    rollback,
)

CHECKS: Mapping[str, CheckFunction] = {
    **rollback.CHECKS,
    **alarms.CHECKS,
    **ecr.CHECKS,
    **retention.CHECKS,
    **pipeline.CHECKS,
    **data_protection.CHECKS,
}
