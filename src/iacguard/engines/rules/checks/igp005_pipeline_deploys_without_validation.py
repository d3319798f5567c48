"""IGP005 pipeline-deploys-without-validation: a Build, Test or Compute action runs before the
pipeline's first CloudFormation deploy action."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_truth
from iacguard.model.describe import describe
from iacguard.model.truth import Truth, any_of
from iacguard.model.values import ABSENT, as_number, is_opaque

DEPLOY_PROVIDERS = frozenset({"CloudFormation", "CloudFormationStackSet"})
#: Categories of actions that can run template validation (cfn-lint, iacguard, tests).
VALIDATING_CATEGORIES = frozenset({"Build", "Test", "Compute"})


@dataclass(frozen=True)
class _Action:
    stage_index: int
    stage_name: Any  # as written: messages describe it
    name: Any
    path: tuple[Any, ...]
    category: Any
    provider: Any
    run_order: float

    @property
    def deploys_cloudformation(self) -> bool:
        return isinstance(self.provider, str) and self.provider in DEPLOY_PROVIDERS

    @property
    def validates(self) -> Truth:
        if is_opaque(self.category):
            return None
        return isinstance(self.category, str) and self.category in VALIDATING_CATEGORIES


@rule_check
def pipeline_deploys_without_validation(ctx: CheckContext) -> Iterator[Verdict]:
    actions = list(_pipeline_actions(ctx))
    deploys = [action for action in actions if action.deploys_cloudformation]
    if not deploys:
        return  # no CloudFormation deploy: nothing to validate (SKIP)
    deploy = min(deploys, key=lambda a: (a.stage_index, a.run_order))
    earlier = [
        action.validates
        for action in actions
        if action.stage_index < deploy.stage_index
        or (action.stage_index == deploy.stage_index and action.run_order < deploy.run_order)
    ]
    yield verdict_from_truth(
        any_of(earlier),
        (*deploy.path, "ActionTypeId", "Provider"),
        # Names as the template writes them: 'Deploy', or !Sub '${AWS::StackName}-deploy'.
        {
            "stage": describe(deploy.stage_name),
            "action": describe(deploy.name),
            "value": deploy.provider,
        },
        "an earlier action's category is set at deploy time",
    )


def _pipeline_actions(ctx: CheckContext) -> Iterator[_Action]:
    for stage in ctx.lookup("Properties.Stages.*"):
        if not isinstance(stage.value, dict) or is_opaque(stage.value):
            continue
        stage_index = next((p for p in reversed(stage.path) if isinstance(p, int)), 0)
        stage_name = stage.value.get("Name", ABSENT)
        for action in ctx.resolver.lookup(stage.value, "Actions.*", stage.path):
            if not isinstance(action.value, dict) or is_opaque(action.value):
                continue
            type_id = action.value.get("ActionTypeId")
            type_id = type_id if isinstance(type_id, dict) else {}
            yield _Action(
                stage_index=stage_index,
                stage_name=stage_name,
                name=action.value.get("Name", ABSENT),
                path=action.path,
                category=type_id.get("Category"),
                provider=type_id.get("Provider"),
                run_order=_run_order(action.value.get("RunOrder", 1)),
            )


def _run_order(value: Any) -> float:
    """RunOrder, 1 when it is not set or not a number."""
    number = as_number(value)
    return 1.0 if number is None else number
