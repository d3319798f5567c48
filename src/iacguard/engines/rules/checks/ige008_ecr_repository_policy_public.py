"""IGE008 ecr-repository-policy-public: no repository policy statement allows everyone
(``Principal: "*"``, or ``NotPrincipal``) without a Condition."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.values import ABSENT, Assumption, Resolved, is_opaque

REPOSITORY = "AWS::ECR::Repository"
CREATION_TEMPLATE = "AWS::ECR::RepositoryCreationTemplate"

_POLICY_PATHS = {
    REPOSITORY: "Properties.RepositoryPolicyText",
    CREATION_TEMPLATE: "Properties.RepositoryPolicy",
}


@rule_check
def ecr_repository_policy_public(ctx: CheckContext) -> Iterator[Verdict]:
    found = False
    for resolved in ctx.lookup(_POLICY_PATHS.get(ctx.resource.type, _POLICY_PATHS[REPOSITORY])):
        policy = resolved.value
        if policy is ABSENT:
            continue
        if isinstance(policy, str) and not is_opaque(policy):
            statements = _text_statements(_json_or_none(policy), resolved)
        elif isinstance(policy, dict) and not is_opaque(policy):
            statements = _template_statements(ctx, resolved)
        else:
            yield unknown(
                resolved.path,
                "the policy is built by an intrinsic function",
                resolved.assumptions,
                f"the repository policy of {ctx.resource.logical_id} is only known at deploy time",
            )
            continue
        for statement in statements:
            verdict = _statement_verdict(statement)
            if verdict is not None:
                found = True
                yield verdict
    if not found:
        yield Verdict(Outcome.PASS)


@dataclass(frozen=True)
class _Statement:
    body: Any
    path: tuple[Any, ...]
    assumptions: tuple[Assumption, ...]
    #: False for statements inside a policy string: only the string's key has a location.
    locatable: bool


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _text_statements(document: Any, resolved: Resolved) -> list[_Statement]:
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    return [
        _Statement(item, resolved.path, resolved.assumptions, locatable=False)
        for item in items
        if isinstance(item, dict)
    ]


def _template_statements(ctx: CheckContext, resolved: Resolved) -> list[_Statement]:
    result: list[_Statement] = []
    for block in ctx.resolver.lookup(resolved.value, "Statement", resolved.path):
        if isinstance(block.value, list):
            items = ctx.resolver.lookup(block.value, "*", block.path)
        else:
            items = [block]
        for item in items:
            assumptions = tuple(dict.fromkeys((*resolved.assumptions, *item.assumptions)))
            result.append(_Statement(item.value, item.path, assumptions, locatable=True))
    return result


def _statement_verdict(statement: _Statement) -> Verdict | None:
    body = statement.body
    if not isinstance(body, dict) or is_opaque(body):
        return None
    effect = body.get("Effect")
    if is_opaque(effect) or effect != "Allow" or _has_condition(body.get("Condition")):
        return None
    for key in ("Principal", "NotPrincipal"):
        if key in body and (key == "NotPrincipal" or _is_everyone(body[key])):
            where = (*statement.path, key) if statement.locatable else statement.path
            shown = (
                "everyone except its NotPrincipal"
                if key == "NotPrincipal"
                else "everyone (Principal '*')"
            )
            values = {"principal": shown, "value": body[key]}
            return Verdict(Outcome.FAIL, where, values, statement.assumptions)
    return None


def _has_condition(condition: Any) -> bool:
    return condition not in (None, {}, [], "") and condition is not ABSENT


def _is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict) and not is_opaque(principal):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False
