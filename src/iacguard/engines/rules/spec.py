"""A rule's metadata and logic, as read from its YAML file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from iacguard.findings import Severity

DOCS_BASE_URL = "https://github.com/iacguard/iacguard/blob/main/docs/rules.md"


@dataclass(frozen=True)
class RuleSpec:
    id: str
    name: str
    title: str
    severity: Severity
    resource_types: tuple[str, ...]
    message: str
    fix: str
    docs: Mapping[str, str]
    references: Mapping[str, tuple[str, ...]]
    tags: tuple[str, ...]
    status: str
    since: str
    source_file: str
    when: Mapping[str, Any] | None = None
    applies_when: Mapping[str, Any] | None = None
    #: ``{condition, because}``: a failure where the condition holds is a stated decision.
    decided_when: Mapping[str, Any] | None = None
    check: str | None = None
    location: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    security_severity: float | None = None
    builtin: bool = True
    #: "template" (checks one template's resources) or "change" (compares two versions).
    kind: str = "template"

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE_URL}#{self.id.lower()}-{self.name}"

    def with_severity(self, severity: Severity) -> RuleSpec:
        return replace(self, severity=severity)

    def matches_selector(self, selector: str) -> bool:
        """A selector is a full id, an id prefix, a rule name, or a tag."""
        return (
            self.id == selector
            or self.id.startswith(selector)
            or self.name == selector
            or selector in self.tags
        )


def spec_from_mapping(data: Mapping[str, Any], source_file: str, builtin: bool) -> RuleSpec:
    references = data.get("references") or {}
    return RuleSpec(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        severity=Severity(data["severity"]),
        resource_types=tuple(data.get("resource-types") or ()),
        message=data["message"],
        fix=data["fix"],
        docs=dict(data["docs"]),
        references={key: tuple(value) for key, value in references.items()},
        tags=tuple(data.get("tags") or ()),
        status=data["status"],
        since=data["since"],
        source_file=source_file,
        when=data.get("when"),
        applies_when=data.get("applies-when"),
        decided_when=data.get("decided-when"),
        check=data.get("check"),
        location=data.get("location"),
        options=dict(data.get("options") or {}),
        security_severity=data.get("security-severity"),
        builtin=builtin,
        kind=data.get("kind", "template"),
    )
