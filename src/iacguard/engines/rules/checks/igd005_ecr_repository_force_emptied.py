"""IGD005 ecr-repository-force-emptied: an ECR repository is not emptied when it is deleted,
by ``EmptyOnDelete`` or by the CDK's ``autoDeleteImages`` custom resource."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.findings import Outcome
from iacguard.model import cdk


@rule_check
def ecr_repository_force_emptied(ctx: CheckContext) -> Iterator[Verdict]:
    empty_on_delete = ctx.evaluate_failing({"path": "Properties.EmptyOnDelete", "equals": True})
    if empty_on_delete.outcome is not Outcome.PASS:
        certain = empty_on_delete.outcome is Outcome.FAIL
        how = "EmptyOnDelete is true" if certain else "EmptyOnDelete may be true"
        yield empty_on_delete.with_values(how=how)
        return
    for reference in ctx.template.refs.referrers(ctx.resource.logical_id):
        other = ctx.template.resources.get(reference.source)
        if other is not None and other.type == cdk.AUTO_DELETE_IMAGES_TYPE:
            how = f"the CDK custom resource {other.logical_id} deletes its images"
            yield Verdict(Outcome.FAIL, (), {"how": how, "value": other.logical_id})
            return
    yield Verdict(Outcome.PASS)
