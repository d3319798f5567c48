"""Rules that ask a team to operate a Lambda function judge it by its role (model/function_roles).

One policy for all of them (errors alarms, tracing, log retention, gradual deployment):

- a *deployment helper* (custom-resource provider, macro, CodeDeploy hook, CloudFormation hook
  or registry handler, CDK framework function) is skipped: nobody alarms, traces or canaries
  it, and CloudFormation already surfaces its failures;
- a *user-facing* function or an *event consumer* keeps the rule's severity, and the message
  names the role and why ("user-facing function Checkout (API POST /checkout)");
- an *unknown* function (nothing in its template invokes it) is reported as a note. On the
  shared corpus of public templates, such functions were test fixtures, samples, functions run
  on Greengrass devices, contract-test stubs and helpers whose callers live in another stack:
  the template cannot show that anyone operates them, so the finding is worth a look, not a gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from iacguard.engines.rules.api import CheckContext, Verdict
from iacguard.findings import Outcome, Role
from iacguard.model.exports import external_hints
from iacguard.model.function_roles import (
    AT_EDGE,
    CONFIG_EVALUATOR,
    FUNCTION_TYPES,
    FunctionRole,
    RoleKind,
    role_of,
)

#: Rules tagged so judge functions by role; their docs (``iacguard explain``) include
#: :data:`ROLE_POLICY`.
ROLE_TAG = "function-roles"
ROLE_POLICY = """\
This rule judges a Lambda function by what its template shows it is for. The finding's JSON
carries the role as role.kind and role.evidence, and the message names both, for example
"user-facing function Checkout (API POST /checkout)".

- user-facing (API Gateway REST, HTTP and WebSocket routes and authorizers, SAM Api and
  HttpApi events, load balancer targets, function URLs, AppSync data sources,
  CloudFront/Lambda@Edge, Cognito triggers) and event consumer (SQS, Kinesis and DynamoDB
  streams, EventBridge rules and schedules, SNS, S3 notifications, Step Functions, log
  subscriptions, AWS Config rules, secret rotation, alarm actions): the rule's own severity,
  except where what the rule asks for is out of the template's reach: a Lambda@Edge function's
  logs and metrics are kept in the Regions where CloudFront runs it, and AWS Config shows an
  evaluator's failures on its rule. Those are notes that say so.
- deployment helper (custom-resource ServiceToken targets, macros, CodeDeploy hooks named in
  DeploymentPreference.Hooks, in Globals or by the CodeDeployHook_ prefix, CloudFormation
  Lambda hooks and registry extension handlers, functions the CDK adds for its own custom
  resources, CodePipeline actions, functions described or exported as custom resources, and
  functions such a helper calls): not judged. Nobody alarms, traces or canaries them, and
  CloudFormation already reports their failures.
- unknown (nothing in the template invokes it): a note. On the shared corpus of 637 public
  templates, every such function was a test fixture, a sample, a Greengrass device function,
  a contract-test stub or a helper whose callers live in another stack, so the template alone
  does not show that anyone operates it. Say so with a suppression, or keep the note as a
  reminder when the function is invoked from code or another stack.
"""


def function_role(ctx: CheckContext) -> FunctionRole | None:
    """The role of the function being checked; None when it is not a function."""
    if ctx.resource.type not in FUNCTION_TYPES:
        return None
    return role_of(ctx.template, ctx.resource)


def is_helper(role: FunctionRole | None) -> bool:
    return role is not None and role.kind is RoleKind.DEPLOYMENT_HELPER


def subject(ctx: CheckContext, role: FunctionRole | None) -> str:
    """How a message names the function: with its role and the evidence for it."""
    logical_id = ctx.resource.logical_id
    if role is None:
        return f"Lambda function {logical_id}"
    why = _evidence(ctx, role)
    if role.kind is RoleKind.UNKNOWN:
        return f"Lambda function {logical_id} (role unknown: {why})"
    return f"{role.kind.value.replace(' ', '-')} function {logical_id} ({why})"


def _evidence(ctx: CheckContext, role: FunctionRole) -> str:
    """Why the function has its role; for an unknown one, where its callers may be."""
    if role.kind is RoleKind.UNKNOWN:
        hints = external_hints(ctx.template, ctx.resource.logical_id)
        return hints[0] if hints else role.reason
    return role.reason


#: Where a Lambda@Edge function's logs and metrics are: not where its template deploys.
EDGE_REGIONS = (
    "CloudFront runs Lambda@Edge in the Regions nearest its viewers, and its logs and metrics "
    "(named us-east-1.<function name>) are kept there, out of this template's reach"
)
#: AWS Config invokes a rule's evaluator and shows its failures on the rule.
SHOWN_BY_CONFIG = "AWS Config shows the evaluator's failures on its rule"
#: CloudFront runs a published version of a Lambda@Edge function, never its alias.
EDGE_VERSIONS = (
    "CloudFront runs the published version its distribution names, not the alias, so shifting "
    "the alias's traffic does not apply to Lambda@Edge"
)
#: For rules about alarms and logs: traits that put them out of the template's reach.
OUT_OF_REACH: Mapping[str, str] = {AT_EDGE: EDGE_REGIONS}
#: For alarm rules: also functions whose failures another service already shows.
ALARMED_ELSEWHERE: Mapping[str, str] = {AT_EDGE: EDGE_REGIONS, CONFIG_EVALUATOR: SHOWN_BY_CONFIG}

#: The roles whose functions a team operates, and so keep a rule's own severity.
OPERATED = frozenset({RoleKind.USER_FACING, RoleKind.EVENT_CONSUMER})


def judged_by_role(
    ctx: CheckContext,
    verdict: Verdict,
    role: FunctionRole | None,
    warned: frozenset[RoleKind] = OPERATED,
    covered_elsewhere: Mapping[str, str] | None = None,
) -> Verdict:
    """A verdict about a function, with its role attached and the message value ``function``.

    A failure becomes a note when the function's role is not among ``warned`` (by default: one
    nobody is known to operate), or when it has a trait in ``covered_elsewhere``, whose text
    says where what the rule asks for lives instead (a Lambda@Edge function's logs, an AWS
    Config evaluator's failures)."""
    if role is None or verdict.outcome not in (Outcome.FAIL, Outcome.UNKNOWN):
        return verdict
    judged = replace(
        verdict.with_values(function=subject(ctx, role)),
        role=Role(role.kind.value, _evidence(ctx, role)),
    )
    if verdict.outcome is not Outcome.FAIL:
        return judged
    for trait, elsewhere in (covered_elsewhere or {}).items():
        if trait in role.traits:
            return judged.as_note(elsewhere)
    if role.kind not in warned:
        return judged.as_note()
    return judged
