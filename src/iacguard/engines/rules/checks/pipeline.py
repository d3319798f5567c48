"""Python checks for the pipeline theme (logic the YAML rule format cannot say)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, CheckFunction, Verdict
from iacguard.engines.rules.checks.ecr import Truth, truth_any
from iacguard.engines.rules.embedded import (
    EmbeddedProblem,
    check_buildspec_text,
    looks_like_inline_buildspec,
)
from iacguard.findings import Outcome
from iacguard.load.parse import Span, value_span_of
from iacguard.model.values import ABSENT, Resolved, Unknown, is_opaque

# --- IGP004: credentials in plaintext environment variables --------------------------------

#: Variable names that say "this is a credential"; the rule option secret_name_pattern overrides.
DEFAULT_SECRET_NAME_PATTERN = (
    r"(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY"
    r"|CREDENTIAL|AUTH_?KEY)"
)
#: Names that refer to a credential (where it lives) rather than hold it.
_REFERENCE_SUFFIX = re.compile(
    r"(?i)(_ARN|_NAME|_PATH|_ID|_URL|_URI|_FILE|_PARAM|_PARAMETER|_REGION|_TYPE)$"
)
_AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"


def codebuild_plaintext_secrets(ctx: CheckContext) -> Iterator[Verdict]:
    pattern = re.compile(str(ctx.options.get("secret_name_pattern", DEFAULT_SECRET_NAME_PATTERN)))
    found = False
    for variable in ctx.lookup("Properties.Environment.EnvironmentVariables.*"):
        verdict = _variable_verdict(ctx, variable, pattern)
        if verdict is not None:
            found = True
            yield verdict
    if not found:
        yield Verdict(Outcome.PASS)


def _variable_verdict(
    ctx: CheckContext, variable: Resolved, pattern: re.Pattern[str]
) -> Verdict | None:
    if not isinstance(variable.value, dict) or is_opaque(variable.value):
        return None
    name = variable.value.get("Name")
    if not isinstance(name, str) or not _looks_secret(name, pattern):
        return None
    plaintext = _is_plaintext(ctx.resolver.lookup(variable.value, "Type", variable.path))
    if plaintext is False:
        return None
    for value in ctx.resolver.lookup(variable.value, "Value", variable.path):
        if not _is_literal_secret(value.value):
            continue
        assumptions = tuple(dict.fromkeys((*variable.assumptions, *value.assumptions)))
        # Never echo the value itself: the finding would leak the credential a second time.
        values = {"name": name, "value": "a literal value"}
        if plaintext is None:
            unknown = Unknown("the variable's Type is set at deploy time")
            return Verdict(Outcome.UNKNOWN, value.path, {**values, "value": unknown}, assumptions)
        return Verdict(Outcome.FAIL, value.path, values, assumptions)
    return None


def _looks_secret(name: str, pattern: re.Pattern[str]) -> bool:
    if name.upper() == _AWS_ACCESS_KEY_ID:
        return True
    return pattern.search(name) is not None and _REFERENCE_SUFFIX.search(name) is None


def _is_plaintext(types: Sequence[Resolved]) -> Truth:
    """PLAINTEXT is the default; PARAMETER_STORE and SECRETS_MANAGER hold only a reference."""
    truths: list[Truth] = []
    for resolved in types:
        value = resolved.value
        if value is ABSENT:
            truths.append(True)
        elif is_opaque(value):
            truths.append(None)
        else:
            truths.append(value == "PLAINTEXT")
    return truth_any(truths) if truths else True


def _is_literal_secret(value: Any) -> bool:
    if not isinstance(value, str) or is_opaque(value):
        return False
    text = value.strip()
    # A dynamic reference anywhere in the text is resolved by CloudFormation at deploy time.
    return bool(text) and "{{resolve:" not in text and not text.startswith("arn:")


# --- IGP005: validation before a CloudFormation deploy ------------------------------------

DEPLOY_PROVIDERS = frozenset({"CloudFormation", "CloudFormationStackSet"})
#: Categories of actions that can run template validation (cfn-lint, iacguard, tests).
VALIDATING_CATEGORIES = frozenset({"Build", "Test", "Compute"})


@dataclass(frozen=True)
class _Action:
    stage_index: int
    stage_name: str
    name: str
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


def pipeline_validates_before_deploy(ctx: CheckContext) -> Iterator[Verdict]:
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
    validated = truth_any(earlier)
    values = {"stage": deploy.stage_name, "action": deploy.name, "value": deploy.provider}
    target = (*deploy.path, "ActionTypeId", "Provider")
    if validated is True:
        yield Verdict(Outcome.PASS)
    elif validated is None:
        unknown = Unknown("an earlier action's category is set at deploy time")
        yield Verdict(Outcome.UNKNOWN, target, {**values, "value": unknown})
    else:
        yield Verdict(Outcome.FAIL, target, values)


def _pipeline_actions(ctx: CheckContext) -> Iterator[_Action]:
    for stage in ctx.lookup("Properties.Stages.*"):
        if not isinstance(stage.value, dict) or is_opaque(stage.value):
            continue
        stage_index = next((p for p in reversed(stage.path) if isinstance(p, int)), 0)
        stage_name = stage.value.get("Name")
        for action in ctx.resolver.lookup(stage.value, "Actions.*", stage.path):
            if not isinstance(action.value, dict) or is_opaque(action.value):
                continue
            type_id = action.value.get("ActionTypeId")
            type_id = type_id if isinstance(type_id, dict) else {}
            yield _Action(
                stage_index=stage_index,
                stage_name=str(stage_name),
                name=str(action.value.get("Name")),
                path=action.path,
                category=type_id.get("Category"),
                provider=type_id.get("Provider"),
                run_order=_run_order(action.value.get("RunOrder", 1)),
            )


def _run_order(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 1.0
    return 1.0


# --- IGP006: inline buildspec -------------------------------------------------------------

_BLOCK_HEADER = re.compile(r"^(?:![^\s]+\s+)?\|([+-]?)\s*(?:#.*)?$")


def codebuild_inline_buildspec_valid(ctx: CheckContext) -> Iterator[Verdict]:
    found = False
    for resolved in ctx.lookup("Properties.Source.BuildSpec"):
        located = _buildspec_text(resolved)
        if located is None:
            continue
        text, text_path = located
        if not looks_like_inline_buildspec(text):
            continue
        mapping = _BlockMapping.of(ctx, text_path, text)
        for problem in check_buildspec_text(text):
            found = True
            yield _problem_verdict(resolved, problem, mapping)
    if not found:
        yield Verdict(Outcome.PASS)


def _buildspec_text(resolved: Resolved) -> tuple[str, tuple[Any, ...]] | None:
    """The buildspec text and the path of the YAML node that holds it."""
    value = resolved.value
    if isinstance(value, str):
        return value, resolved.path
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        # ${...} stays in the text; the checker treats such values as opaque.
        argument = value["Fn::Sub"]
        if isinstance(argument, str):
            return argument, (*resolved.path, "Fn::Sub")
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            return argument[0], (*resolved.path, "Fn::Sub", 0)
    return None


@dataclass(frozen=True)
class _BlockMapping:
    """Where the lines of a literal block scalar (``BuildSpec: |``) sit in the template."""

    header_line: int
    indent: int
    line_count: int

    @staticmethod
    def of(ctx: CheckContext, text_path: tuple[Any, ...], text: str) -> _BlockMapping | None:
        document = ctx.template.document
        span = value_span_of(document.data, (*ctx.resource.path, *text_path))
        if span is None or document.is_json:
            return None
        lines = document.lines
        if span.start_line > len(lines):
            return None
        header = lines[span.start_line - 1][span.start_column - 1 :]
        # Folded (>) and quoted scalars do not keep the text's line breaks one to one.
        if _BLOCK_HEADER.match(header.strip()) is None:
            return None
        body = lines[span.start_line : span.start_line + text.count("\n") + 1]
        indents = [len(line) - len(line.lstrip(" ")) for line in body if line.strip()]
        if not indents:
            return None
        return _BlockMapping(span.start_line, indents[0], len(text.splitlines()))

    def span(self, line: int, column: int) -> Span:
        # Errors at the end of the text are reported after its last line.
        line = min(max(line, 1), max(self.line_count, 1))
        template_line = self.header_line + line
        template_column = self.indent + max(column, 1)
        return Span(template_line, template_column, template_line, template_column)


def _problem_verdict(
    resolved: Resolved, problem: EmbeddedProblem, mapping: _BlockMapping | None
) -> Verdict:
    if mapping is None:
        problem_text = f"{problem.message} (buildspec line {problem.line})"
        span = None
    else:
        problem_text = problem.message
        span = mapping.span(problem.line, problem.column)
    return Verdict(
        Outcome.FAIL,
        resolved.path,
        {"problem": problem_text, "value": problem.code},
        resolved.assumptions,
        span=span,
    )


CHECKS: dict[str, CheckFunction] = {
    "codebuild_plaintext_secrets": codebuild_plaintext_secrets,
    "pipeline_validates_before_deploy": pipeline_validates_before_deploy,
    "codebuild_inline_buildspec_valid": codebuild_inline_buildspec_valid,
}
