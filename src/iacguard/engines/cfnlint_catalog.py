"""cfn-lint's rules as ``iacguard rules --engine cfn-lint`` lists them and ``iacguard explain``
documents them. cfn-lint is imported only when one of those asks (about a second)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.engines import package_version, rule_name_from_title
from iacguard.findings import Severity

PREFIX = "cfn-lint/"
_BARE_ID = re.compile(r"^[EWI][0-9]{4}$", re.IGNORECASE)

#: What to do about any validation finding. cfn-lint's rule descriptions say what a rule checks,
#: not what to change, so the fix is stated once for all of them.
FIX = ("Change the template where the finding points so that CloudFormation accepts it: the "
       "finding's message names the value and what cfn-lint expected there.")


@dataclass(frozen=True)
class CfnLintRule:
    id: str  # with the prefix findings carry: cfn-lint/E3002
    name: str
    title: str
    severity: Severity
    description: str
    help_uri: str
    tags: tuple[str, ...]


def looks_like_cfn_lint_id(key: str) -> bool:
    """``E3002`` or ``cfn-lint/E3002``: worth asking cfn-lint about."""
    bare = key[len(PREFIX):] if key.lower().startswith(PREFIX) else key
    return _BARE_ID.match(bare) is not None


def cfn_lint_rules() -> list[CfnLintRule]:
    """Every rule cfn-lint runs, sorted by id."""
    from iacguard.engines.cfnlint import _rule_collection, _severity

    collection = _rule_collection()
    rules = collection.values() if hasattr(collection, "values") else collection
    return sorted((_catalogued(rule, _severity) for rule in rules), key=lambda rule: rule.id)


def _catalogued(rule: Any, severity: Any) -> CfnLintRule:
    title = str(rule.shortdesc)
    return CfnLintRule(
        id=PREFIX + str(rule.id),
        name=rule_name_from_title(title) or str(rule.id).lower(),
        title=title,
        severity=severity(rule),
        description=str(rule.description),
        help_uri=str(getattr(rule, "source_url", "") or ""),
        tags=tuple(str(tag) for tag in getattr(rule, "tags", ()) or ()),
    )


def find_cfn_lint_rule(key: str) -> CfnLintRule | None:
    """The rule ``E3002``, ``cfn-lint/E3002`` or its name names, if cfn-lint has it."""
    lowered = key.lower()
    bare = lowered[len(PREFIX):] if lowered.startswith(PREFIX) else lowered
    for rule in cfn_lint_rules():
        if rule.id.lower() in (lowered, PREFIX + bare) or rule.name == bare:
            return rule
    return None


def explain_cfn_lint_rule(rule: CfnLintRule) -> str:
    bare = rule.id[len(PREFIX):]
    version = package_version("cfn-lint")
    lines = [
        f"{rule.id} {rule.name}",
        rule.title,
        "",
        f"Severity: {rule.severity.value}",
        f"Engine: cfn-lint {version} (template validation; on by default, off with "
        "--no-validate)",
        "",
        "What it checks",
        f"  {rule.description}",
        "",
        "How to fix",
        f"  {FIX}",
        "",
        "Suppress",
        f"  # iacguard: ignore[{bare}] reason   (or ignore[{rule.id}]; see docs/suppressions.md)",
    ]
    if rule.help_uri:
        lines += ["", f"Docs: {rule.help_uri}"]
    return "\n".join(lines) + "\n"


def cfn_lint_rules_as_dicts(rules: Sequence[CfnLintRule]) -> list[dict[str, Any]]:
    return [
        {"id": rule.id, "name": rule.name, "title": rule.title, "severity": rule.severity.value,
         "source": "cfn-lint", "description": rule.description, "help_uri": rule.help_uri,
         "tags": list(rule.tags)}
        for rule in rules
    ]
