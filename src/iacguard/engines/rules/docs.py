"""Documentation generated from rule metadata: ``iacguard rules``, ``iacguard explain`` and
``docs/rules.md``. Nothing here is written by hand per rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
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

THEMES = {
    "rollback": "Rollback and deployment safety",
    "alarms": "Alarms and monitoring",
    "ecr": "ECR scanning and hygiene",
    "retention": "Lifecycle and retention",
    "pipeline": "Pipeline and CodeBuild hygiene",
    "data-protection": "Data-loss protection",
    "validation": "Embedded document validation",
    "change-safety": "Change safety (comparing two versions of the templates)",
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
        f"Status: {spec.status} since {spec.since}",
        "",
        "Why this matters",
        _indent(spec.docs["why"]),
        "",
        "How to fix",
        _indent(spec.fix),
        "",
        "Fails",
        _indent(spec.docs["failing-example"]),
        "",
        "Passes",
        _indent(spec.docs["passing-example"]),
    ]
    if spec.docs.get("known-limitations"):
        lines += ["", "Known limitations", _indent(spec.docs["known-limitations"])]
    if spec.options:
        lines += ["", "Options"] + [f"  {k}: {v!r}" for k, v in spec.options.items()]
    references = _references_markdown(spec)
    if references:
        lines += ["", "References"] + ["  " + r[2:] for r in references]
    lines += ["", f"Docs: {spec.help_uri}"]
    return "\n".join(lines) + "\n"


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
        spec.fix.strip(),
        *_example("Fails", spec.docs["failing-example"]),
        *_example("Passes", spec.docs["passing-example"]),
    ]
    if spec.docs.get("known-limitations"):
        out += ["", "### Known limitations", "", spec.docs["known-limitations"].strip()]
    if spec.options:
        out += ["", "### Options", ""] + [f"- `{k}`: `{v!r}`" for k, v in spec.options.items()]
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
