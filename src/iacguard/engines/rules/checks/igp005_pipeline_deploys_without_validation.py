"""IGP005 pipeline-deploys-without-validation: a Build, Test or Compute action runs before the
pipeline's first CloudFormation deploy action, and CloudFormation deploy actions go through a
change set rather than straight to the stack."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_truth
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.pipelines import PipelineAction, pipeline_actions
from iacguard.model.truth import Truth, any_of
from iacguard.model.values import is_opaque

DEPLOY_PROVIDERS = frozenset({"CloudFormation", "CloudFormationStackSet"})
#: Categories of actions that can run template validation (cfn-lint, iacguard, tests).
VALIDATING_CATEGORIES = frozenset({"Build", "Test", "Compute"})
#: CloudFormation action modes that update the stack directly, with no change set to review.
DIRECT_MODES = frozenset({"CREATE_UPDATE", "REPLACE_ON_FAILURE"})
_NO_VALIDATION = "without a Build or Test action before it to validate the templates"


def _deploys_cloudformation(action: PipelineAction) -> bool:
    return isinstance(action.provider, str) and action.provider in DEPLOY_PROVIDERS


def _validates(action: PipelineAction) -> Truth:
    if is_opaque(action.category):
        return None
    return isinstance(action.category, str) and action.category in VALIDATING_CATEGORIES


def _values(action: PipelineAction, **more: Any) -> dict[str, Any]:
    # Names as the template writes them: 'Deploy', or !Sub '${AWS::StackName}-deploy'.
    return {"stage": describe(action.stage_name), "action": describe(action.name), **more}


@rule_check
def pipeline_deploys_without_validation(ctx: CheckContext) -> Iterator[Verdict]:
    actions = list(pipeline_actions(ctx.resolver, ctx.resource))
    deploys = [action for action in actions if _deploys_cloudformation(action)]
    if not deploys:
        return  # no CloudFormation deploy: nothing to validate (SKIP)
    deploy = min(deploys, key=lambda a: (a.stage_index, a.run_order))
    earlier = [
        _validates(action)
        for action in actions
        if action.stage_index < deploy.stage_index
        or (action.stage_index == deploy.stage_index and action.run_order < deploy.run_order)
    ]
    yield verdict_from_truth(
        any_of(earlier),
        (*deploy.path, "ActionTypeId", "Provider"),
        _values(deploy, problem=_NO_VALIDATION, value=deploy.provider),
        "an earlier action's category is set at deploy time",
    )
    direct = next((a for a in deploys if _action_mode(a) in DIRECT_MODES), None)
    if direct is not None:
        yield _without_change_set(direct)


def _without_change_set(action: PipelineAction) -> Verdict:
    mode = _action_mode(action)
    problem = (
        f"straight to the stack (ActionMode {mode}), not through a change set that shows "
        "what will be replaced or deleted before it is executed"
    )
    path = (*action.path, "Configuration", "ActionMode")
    if not isinstance(action.configuration, Mapping):
        path = (*action.path, "Configuration")  # a JSON string: point at it
    return Verdict(
        Outcome.FAIL, path, _values(action, problem=problem, value=mode), action.assumptions
    )


def _action_mode(action: PipelineAction) -> str | None:
    """The CloudFormation action's ActionMode; Configuration may be a JSON string."""
    configuration = action.configuration
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            return None
    if not isinstance(configuration, Mapping):
        return None
    mode = configuration.get("ActionMode")
    return mode if isinstance(mode, str) else None
