"""Documentation generated from rule metadata: ``iacguard rules``, ``iacguard explain`` and
``docs/rules.md``. Nothing here is written by hand per rule."""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from iacguard.engines.rules.spec import RuleSpec

REFERENCE_LABELS = {
    "security-hub": "AWS Security Hub",
    "aws-config": "AWS Config managed rule",
    "control-tower": "AWS Control Tower control",
    "checkov": "checkov",
    "cfn-nag": "cfn_nag",
    "cdk-nag": "cdk-nag",
    "guard": "Guard rules registry",
    "cfn-lint": "cfn-lint",
    "urls": "Further reading",
}

#: What the "Resources" line says of a change-safety rule, which has no resource types.
CHANGE_RULE_SCOPE = "any, comparing BASE with HEAD (iacguard diff, iacguard check --base)"


def _scope(spec: RuleSpec, code: bool) -> str:
    if spec.kind == "change":
        return CHANGE_RULE_SCOPE
    return ", ".join(f"`{t}`" if code else t for t in spec.resource_types)


def rule_to_dict(spec: RuleSpec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "name": spec.name,
        "title": spec.title,
        "severity": spec.severity.value,
        "security_severity": spec.security_severity,
        "resource_types": list(spec.resource_types),
        "kind": spec.kind,
        "message": spec.message,
        "fix": spec.fix,
        "docs": dict(spec.docs),
        "references": {k: list(v) for k, v in spec.references.items()},
        "tags": list(spec.tags),
        "status": spec.status,
        "since": spec.since,
        "help_uri": spec.help_uri,
        "builtin": spec.builtin,
        "options": dict(spec.options),
    }


def rules_as_json(specs: Sequence[RuleSpec]) -> str:
    return json.dumps([rule_to_dict(s) for s in specs], indent=2, default=str) + "\n"


def rules_table(specs: Sequence[RuleSpec]) -> str:
    id_width = max((len(s.id) for s in specs), default=2)
    lines = [f"{'ID':<{id_width}}  {'SEVERITY':<8}  {'NAME':<48}  TITLE"]
    for spec in specs:
        lines.append(
            f"{spec.id:<{id_width}}  {spec.severity.value:<8}  {spec.name:<48}  {spec.title}"
        )
    lines.append(f"\n{len(specs)} rules")
    return "\n".join(lines) + "\n"


def _references_markdown(spec: RuleSpec) -> list[str]:
    lines = []
    for key, label in REFERENCE_LABELS.items():
        values = spec.references.get(key)
        if values:
            lines.append(f"- {label}: {', '.join(values)}")
    return lines


def explain_rule(spec: RuleSpec) -> str:
    """Plain-text documentation of one rule, in the order a person needs it."""
    lines = [
        f"{spec.id} {spec.name}",
        spec.title,
        "",
        f"Severity: {spec.severity.value}"
        + (f" (security-severity {spec.security_severity})" if spec.security_severity else ""),
        f"Resources: {_scope(spec, code=False)}",
        f"Status: {spec.status}" + (f" since {spec.since}" if spec.since else ""),
    ]
    if not spec.builtin and spec.when:
        lines += ["", "Fails when", _indent(condition_words(spec.when))]
    # A custom rule needs none of these sections; a built-in rule has them all.
    for title, text in (("Why this matters", spec.docs.get("why", "")),
                        ("How to fix", general_fix(spec)),
                        ("Fails", spec.docs.get("failing-example", "")),
                        ("Passes", spec.docs.get("passing-example", ""))):
        if text:
            lines += ["", title, _indent(text)]
    lines += _extra_sections(spec, lambda title, text: ["", title, _indent(text)])
    if spec.docs.get("known-limitations"):
        lines += ["", "Known limitations", _indent(spec.docs["known-limitations"])]
    if spec.options:
        lines += ["", "Options"] + [f"  {k}: {_option(v)}" for k, v in spec.options.items()]
    references = _references_markdown(spec)
    if references:
        lines += ["", "References"] + ["  " + r[2:] for r in references]
    if spec.builtin:
        lines += ["", f"Docs: {spec.help_uri}"]
    else:
        lines += ["", f"Defined in: {spec.source_file}"]
    return "\n".join(lines) + "\n"


def general_fix(spec: RuleSpec) -> str:
    """The fix as documentation shows it: option values filled in, and what a finding fills in
    (a stage name, a resource) named in angle brackets, as fix texts name it elsewhere."""
    values = {name: _option(value) for name, value in spec.options.items()}
    return string.Formatter().vformat(spec.fix, (), _Placeholders(values))


class _Placeholders(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return f"<{key.replace('_', ' ')}>"


def _extra_sections(
    spec: RuleSpec, section: Callable[[str, str], list[str]]
) -> list[str]:
    """Sections generated from what the rule does: how it judges functions by role, and which
    stated decisions make its failures notes."""
    from iacguard.engines.rules.roles import ROLE_POLICY, ROLE_TAG

    out: list[str] = []
    if ROLE_TAG in spec.tags:
        out += section("Function roles", ROLE_POLICY)
    if spec.decided_when:
        text = (
            f"A failure on a resource where {condition_words(spec.decided_when['condition'])} "
            f"is reported as a note, not a {spec.severity.value}, that adds: "
            f"\"{spec.decided_when['because']}\"."
        )
        out += section("Decisions", text)
    return out


def _option(value: Any) -> str:
    """An option's default as configuration writes it (a list as its items, text bare)."""
    if isinstance(value, list):
        return ", ".join(_option(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_words(condition: Mapping[str, Any]) -> str:
    """A declarative condition in words: ``DeletionPolicy is Delete``."""
    for joiner in ("all", "any"):
        if joiner in condition:
            parts = [condition_words(part) for part in condition[joiner]]
            word = " and " if joiner == "all" else " or "
            return "(" + word.join(parts) + ")" if joiner == "any" else word.join(parts)
    if "not" in condition:
        return f"not ({condition_words(condition['not'])})"
    for relation, verb in (("referenced-by", "is referenced by"), ("references", "references")):
        if relation in condition:
            return _relation_words(verb, condition[relation])
    path = str(condition.get("path", "")).removeprefix("Properties.")
    for operator, words in _OPERATOR_WORDS.items():
        if operator in condition:
            expected = condition[operator]
            if operator in ("exists", "absent", "empty"):
                return f"{path} {words if expected else _NEGATED[operator]}"
            if isinstance(expected, str) and expected.startswith("option:"):
                return f"{path} {words} the option {expected.removeprefix('option:')}"
            return f"{path} {words} {_option(expected)}"
    return path


def _relation_words(verb: str, relation: Mapping[str, Any]) -> str:
    text = f"it {verb} a resource of type {' or '.join(relation.get('types') or ())}"
    if relation.get("path"):
        text += f" (under {relation['path']})"
    if relation.get("where"):
        text += f" where {condition_words(relation['where'])}"
    return text


_OPERATOR_WORDS = {
    "exists": "is set", "absent": "is not set", "empty": "is empty", "equals": "is",
    "not-equals": "is not", "in": "is one of", "not-in": "is none of", "regex": "matches",
    "not-regex": "does not match", "gt": "is above", "ge": "is at least", "lt": "is below",
    "le": "is at most",
}
_NEGATED = {"exists": "is not set", "absent": "is set", "empty": "is not empty"}


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line.strip() else "" for line in text.rstrip().splitlines())


def _anchor(spec: RuleSpec) -> str:
    return f"{spec.id.lower()}-{spec.name}"


def rules_markdown(specs: Sequence[RuleSpec]) -> str:
    """The whole of docs/rules.md."""
    out = [
        "# iacguard rules",
        "",
        "<!-- Generated from rules/*.yaml by `python -m iacguard.engines.rules.docs`; "
        "do not edit. -->",
        "",
        f"{len(specs)} rules. Each section is also available as `iacguard explain ID`.",
        "",
        "| ID | Name | Severity | Title |",
        "| --- | --- | --- | --- |",
    ]
    for spec in specs:
        out.append(
            f"| [{spec.id}](#{_anchor(spec)}) | {spec.name} | {spec.severity.value} "
            f"| {spec.title} |"
        )
    for spec in specs:
        out += _rule_section(spec)
    return "\n".join(out) + "\n"


def _rule_section(spec: RuleSpec) -> list[str]:
    out = [
        "",
        f"## {spec.id} {spec.name}",
        "",
        f"**{spec.title}**",
        "",
        f"- Severity: {spec.severity.value}"
        + (f" (security-severity {spec.security_severity})" if spec.security_severity else ""),
        f"- Resources: {_scope(spec, code=True)}",
        f"- Tags: {', '.join(spec.tags)}",
        f"- Status: {spec.status} since {spec.since}",
        "",
        "### Why",
        "",
        spec.docs["why"].strip(),
        "",
        "### Fix",
        "",
        general_fix(spec).strip(),
        *_example("Fails", spec.docs["failing-example"]),
        *_example("Passes", spec.docs["passing-example"]),
    ]
    out += _extra_sections(spec, lambda title, text: ["", f"### {title}", "", text.strip()])
    if spec.docs.get("known-limitations"):
        out += ["", "### Known limitations", "", spec.docs["known-limitations"].strip()]
    if spec.options:
        out += ["", "### Options", ""] + [
            f"- `{k}`: `{_option(v)}`" for k, v in spec.options.items()
        ]
    references = _references_markdown(spec)
    if references:
        out += ["", "### References", "", *references]
    return out


def _example(heading: str, example: str) -> list[str]:
    return ["", f"### {heading}", "", "```yaml", example.rstrip(), "```"]


def main() -> None:
    """Regenerate docs/rules.md from the rule files (run from the repository root)."""
    from pathlib import Path

    from iacguard.atomic import write_atomic
    from iacguard.engines.rules.registry import load_rules

    target = Path("docs/rules.md")
    write_atomic(target, rules_markdown(load_rules(validate_builtin=True)))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
