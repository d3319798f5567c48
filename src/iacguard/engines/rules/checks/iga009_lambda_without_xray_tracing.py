"""IGA009 lambda-without-xray-tracing: ``TracingConfig.Mode`` (SAM: ``Tracing``, or
``Globals.Function.Tracing``) is Active."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.engines.rules.roles import OUT_OF_REACH, function_role, is_helper, judged_by_role
from iacguard.findings import Outcome
from iacguard.model.function_roles import RoleKind
from iacguard.model.sam import setting_with_globals
from iacguard.model.truth import Truth, not_equals

SAM_FUNCTION = "AWS::Serverless::Function"
#: A trace pays off where a request crosses services on its way to a user; on an event consumer
#: (a schedule, a queue worker, a compliance check) tracing is a choice, reported as a note.
TRACED = frozenset({RoleKind.USER_FACING})


def _not_active(value: Any) -> Truth:
    return not_equals(value, "Active")


@rule_check
def lambda_without_xray_tracing(ctx: CheckContext) -> Iterable[Verdict]:
    role = function_role(ctx)
    if is_helper(role):
        return [Verdict(Outcome.SKIP)]
    if ctx.resource.type == SAM_FUNCTION:
        values, from_globals = setting_with_globals(
            ctx.resolver, ctx.resource, "Properties.Tracing", "Function", "Tracing"
        )
        source = ", from Globals.Function" if from_globals else ""
    else:
        values, source = ctx.lookup("Properties.TracingConfig.Mode"), ""
    verdict = verdict_from_values(values, _not_active).with_values(source=source)
    return [judged_by_role(ctx, verdict, role, TRACED, OUT_OF_REACH)]
