"""Suppressions written as ``Metadata: {iacguard: {suppress: [{id, reason, expires}]}}``, at the
top of a template (covering the whole file) or on a resource (covering that resource)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from iacguard.load.parse import MappingNode, Span, span_of
from iacguard.model.template import Template
from iacguard.model.values import ABSENT, node_at
from iacguard.suggest import did_you_mean
from iacguard.suppress.directives import RULE_ID_SHAPE, Directive, Malformed, Scope, expiry

_ENTRY_KEYS = ("id", "reason", "expires")
_METADATA_KEYS = ("suppress",)


def metadata_directives(template: Template) -> tuple[list[Directive], list[Malformed]]:
    """``Metadata.iacguard.suppress`` at the top of the template and on each resource."""
    data = template.document.data
    file = template.display_path
    found = _Found([], [])
    places: list[tuple[tuple[Any, ...], Scope, str]] = [(("Metadata",), Scope(file=file), "")]
    for resource in template.resources.values():
        node = resource.node
        end = node.span.end_line if isinstance(node, MappingNode) else 0
        start = span_of(data, resource.path).start_line
        places.append((
            (*resource.path, "Metadata"),
            Scope(file=file, logical_id=resource.logical_id, lines=(start, max(start, end))),
            resource.logical_id,
        ))
    for metadata_path, scope, logical_id in places:
        _read_metadata(data, (*metadata_path, "iacguard"), _Place(scope, file, logical_id), found)
    return found.directives, found.malformed


@dataclass(frozen=True)
class _Place:
    scope: Scope
    file: str
    logical_id: str


@dataclass(frozen=True)
class _Found:
    directives: list[Directive]
    malformed: list[Malformed]

    def bad(self, data: Any, path: tuple[Any, ...], message: str, place: _Place) -> None:
        self.malformed.append(Malformed(message, place.file, span_of(data, path), place.logical_id))


def _read_metadata(data: Any, block_path: tuple[Any, ...], place: _Place, found: _Found) -> None:
    block = node_at(data, block_path)
    if block is ABSENT or block is None:
        return
    if not isinstance(block, dict):
        found.bad(data, block_path, "Metadata.iacguard must be a mapping with a 'suppress' list",
                  place)
        return
    for key in block:
        if key not in _METADATA_KEYS:
            found.bad(data, (*block_path, key), f"unknown key {key!r} in Metadata.iacguard"
                      + did_you_mean(str(key), _METADATA_KEYS), place)
    entries = block.get("suppress")
    if entries is None:
        return
    if not isinstance(entries, list):
        found.bad(data, (*block_path, "suppress"), "Metadata.iacguard.suppress.directives must "
                  "be a list of {id, reason, expires} entries", place)
        return
    for index, entry in enumerate(entries):
        entry_path = (*block_path, "suppress", index)
        read = _metadata_entry(entry)
        if isinstance(read, _EntryProblem):
            found.bad(data, (*entry_path, read.key) if read.key else entry_path, read.message,
                      place)
            continue
        rule_id, reason, expires = read
        found.directives.append(Directive(
            kind="metadata",
            rule_ids=(rule_id,),
            reason=reason,
            expires=expires,
            scope=place.scope,
            file=place.file,
            span=_entry_span(data, entry_path, entry),
            logical_id=place.logical_id,
            property_path="Metadata.iacguard.suppress.directives",
        ))


def _entry_span(data: Any, entry_path: tuple[Any, ...], entry: Any) -> Span:
    """Point at the entry's ``id`` key when there is one: that is the line people look for."""
    if isinstance(entry, MappingNode) and "id" in entry.key_spans:
        span: Span = entry.key_spans["id"]
        return span
    return span_of(data, entry_path)


@dataclass(frozen=True)
class _EntryProblem:
    message: str
    key: Any = None  # the key to point at, when the problem is one key


def _metadata_entry(entry: Any) -> tuple[str, str, datetime.date | None] | _EntryProblem:
    """(rule id, reason, expiry) or what is wrong with the entry."""
    if not isinstance(entry, dict):
        return _EntryProblem(
            "a suppression entry must be a mapping with id, reason and optional expires"
        )
    for key in entry:
        if key not in _ENTRY_KEYS:
            return _EntryProblem(
                f"unknown key {key!r} in suppression entry" + did_you_mean(str(key), _ENTRY_KEYS),
                key,
            )
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not RULE_ID_SHAPE.match(rule_id.strip()):
        return _EntryProblem("a suppression entry needs an 'id' naming one rule, such as IGE001")
    reason = entry.get("reason")
    if reason is not None and not isinstance(reason, str):
        return _EntryProblem("'reason' must be text", "reason")
    expires = expiry(entry.get("expires"))
    if isinstance(expires, str):
        return _EntryProblem(expires, "expires")
    return rule_id.strip(), (reason or "").strip(), expires
