"""IGR001 codedeploy-group-without-auto-rollback: a CodeDeploy deployment group rolls back
automatically when a deployment fails."""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.engines.rules.requirements import (
    Requirement,
    check_requirements,
    enabled_section,
)

_AUTO_ROLLBACK = "Properties.AutoRollbackConfiguration"
_ROLLBACK_EVENTS_KEY = ("Properties", "AutoRollbackConfiguration", "Events")
AUTO_ROLLBACK_REQUIREMENTS = (
    *enabled_section(_AUTO_ROLLBACK),
    Requirement(
        {"not": {"path": f"{_AUTO_ROLLBACK}.Events.*", "equals": "DEPLOYMENT_FAILURE"}},
        "AutoRollbackConfiguration.Events does not include DEPLOYMENT_FAILURE",
        _ROLLBACK_EVENTS_KEY,
    ),
)


@rule_check
def codedeploy_group_without_auto_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    return [check_requirements(ctx.scope, AUTO_ROLLBACK_REQUIREMENTS)]
