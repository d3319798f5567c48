"""A suppression written in the configuration file, as the settings read it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigSuppression:
    """One entry of the configuration's ``suppressions`` list."""

    rule_id: str
    path: str  # glob of template display paths
    logical_id: str  # glob of logical ids
    reason: str
    expires: datetime.date | None
    file: str  # the configuration file, as shown in reports
    line: int
