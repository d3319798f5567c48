"""What the suppression pass needs besides the findings: which forms are honoured, the
configuration's entries, the baseline, and which suppression codes are in effect."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from iacguard.engines.codes import SUPPRESSION_CODES
from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Severity
from iacguard.suppress.baseline import Baseline
from iacguard.suppress.config_entry import ConfigSuppression


def meta_rules(
    severity: Mapping[str, Severity] | None = None, ignore: Sequence[str] = ()
) -> dict[str, RuleSpec]:
    """The suppression codes in effect: ``ignore`` turns them off and ``severity`` re-levels
    them. ``select`` does not apply: narrowing the rules must not hide broken suppressions."""
    chosen: dict[str, RuleSpec] = {}
    for spec in SUPPRESSION_CODES:
        if any(spec.matches_selector(selector) for selector in ignore):
            continue
        level = (severity or {}).get(spec.id) or (severity or {}).get(spec.name)
        chosen[spec.id] = spec.with_severity(level) if level else spec
    return chosen


@dataclass(frozen=True)
class SuppressionPolicy:
    """Everything the suppression pass needs besides the findings."""

    #: Honour comments and Metadata written in templates.
    inline: bool = True
    #: How inline suppressions were turned off, for the notice ("--no-inline-suppressions").
    inline_disabled_by: str = ""
    config_entries: tuple[ConfigSuppression, ...] = ()
    baseline: Baseline | None = None
    today: datetime.date | None = None
    meta: Mapping[str, RuleSpec] = field(default_factory=meta_rules)
    #: Every loaded rule by id and by name -> its id (selected or not): for "unknown rule".
    known_rules: Mapping[str, str] = field(default_factory=dict)

    @property
    def date(self) -> datetime.date:
        return self.today or datetime.date.today()
