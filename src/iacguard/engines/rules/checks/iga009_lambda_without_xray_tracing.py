"""IGA009 lambda-without-xray-tracing: ``TracingConfig.Mode`` (SAM: ``Tracing``, or
``Globals.Function.Tracing``) is Active."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.findings import Outcome
from iacguard.model import cdk
from iacguard.model.sam import setting_with_globals
from iacguard.model.truth import Truth, not_equals

SAM_FUNCTION = "AWS::Serverless::Function"


def _not_active(value: Any) -> Truth:
    return not_equals(value, "Active")


@rule_check
def lambda_without_xray_tracing(ctx: CheckContext) -> Iterable[Verdict]:
    if cdk.is_framework_function(ctx.resource.cdk_path):
        return [Verdict(Outcome.SKIP)]
    if ctx.resource.type == SAM_FUNCTION:
        values, from_globals = setting_with_globals(
            ctx.resolver, ctx.resource, "Properties.Tracing", "Function", "Tracing"
        )
        source = ", from Globals.Function" if from_globals else ""
        return [verdict_from_values(values, _not_active).with_values(source=source)]
    values = ctx.lookup("Properties.TracingConfig.Mode")
    return [verdict_from_values(values, _not_active).with_values(source="")]
