"""IGP004 codebuild-plaintext-credentials: no credential in a CodeBuild project's plaintext
environment variables (a variable named like a secret, holding a literal value)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, passing_unless, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.truth import Truth, any_of, equals
from iacguard.model.values import ABSENT, Resolved, is_opaque

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


@rule_check
def codebuild_plaintext_credentials(ctx: CheckContext) -> Iterable[Verdict]:
    pattern = re.compile(str(ctx.options.get("secret_name_pattern", DEFAULT_SECRET_NAME_PATTERN)))
    variables = ctx.lookup("Properties.Environment.EnvironmentVariables.*")
    verdicts = (_variable_verdict(ctx, variable, pattern) for variable in variables)
    return passing_unless(verdict for verdict in verdicts if verdict is not None)


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
            reason = "the variable's Type is set at deploy time"
            return unknown(value.path, reason, assumptions, values=values)
        return Verdict(Outcome.FAIL, value.path, values, assumptions)
    return None


def _looks_secret(name: str, pattern: re.Pattern[str]) -> bool:
    if name.upper() == _AWS_ACCESS_KEY_ID:
        return True
    return pattern.search(name) is not None and _REFERENCE_SUFFIX.search(name) is None


def _is_plaintext(types: Sequence[Resolved]) -> Truth:
    """PLAINTEXT is the default; PARAMETER_STORE and SECRETS_MANAGER hold only a reference."""
    if not types:
        return True
    return any_of(True if t.value is ABSENT else equals(t.value, "PLAINTEXT") for t in types)


def _is_literal_secret(value: Any) -> bool:
    if not isinstance(value, str) or is_opaque(value):
        return False
    text = value.strip()
    # A dynamic reference anywhere in the text is resolved by CloudFormation at deploy time.
    return bool(text) and "{{resolve:" not in text and not text.startswith("arn:")
