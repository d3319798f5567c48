"""Suppressions written as ``# iacguard: ignore[ID,...] reason`` comments in YAML templates."""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Sequence
from typing import Any

import yaml

from iacguard.load.parse import Span
from iacguard.model.template import Template
from iacguard.suppress.directives import RULE_ID_SHAPE, Directive, Malformed, expiry
from iacguard.suppress.inline_scope import inline_scope

_INLINE_MARK = re.compile(r"(?:^|(?<=\s))#[ \t]*iacguard[ \t]*:")
_INLINE_DIRECTIVE = re.compile(
    r"#[ \t]*iacguard[ \t]*:[ \t]*ignore[ \t]*\[(?P<ids>[^\]]*)\](?P<rest>.*)$"
)
_INLINE_EXPIRES = re.compile(r"(?:^|\s)expires=(?P<date>\S+)")
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def inline_directives(template: Template) -> tuple[list[Directive], list[Malformed]]:
    """``# iacguard: ignore[...]`` comments of a YAML template."""
    document = template.document
    if document.is_json or "iacguard" not in document.text:
        return [], []
    lines = document.text.splitlines()
    directives: list[Directive] = []
    malformed: list[Malformed] = []
    for line_index, column in comment_positions(document.text):
        text = lines[line_index]
        span = Span(line_index + 1, column + 1, line_index + 1, len(text) + 1)
        read = _inline_comment(text[column:])
        if isinstance(read, str):
            malformed.append(Malformed(read, template.display_path, span))
            continue
        rule_ids, reason, expires = read
        directives.append(Directive(
            kind="inline",
            rule_ids=rule_ids,
            reason=reason,
            expires=expires,
            scope=inline_scope(template, _target_line(lines, line_index, column)),
            file=template.display_path,
            span=span,
        ))
    return directives, malformed


def comment_positions(text: str) -> list[tuple[int, int]]:
    """(0-based line, column) of every ``# iacguard:`` that starts a YAML comment, leaving out
    look-alikes inside strings and block scalars (a Lambda's inline code, say)."""
    candidates = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for match in _INLINE_MARK.finditer(text):
        line = bisect.bisect_right(line_starts, match.start()) - 1
        candidates.append((line, match.start() - line_starts[line]))
    if not candidates:
        return []
    scalars = _scalar_ranges(text)
    return [
        (line, column) for line, column in candidates
        if not any(start <= (line, column) < end for start, end in scalars)
    ]


def _scalar_ranges(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    ranges = []
    try:
        for token in yaml.scan(text, Loader=_YamlLoader):
            if isinstance(token, yaml.ScalarToken):
                start, end = token.start_mark, token.end_mark
                ranges.append(((start.line, start.column), (end.line, end.column)))
    except yaml.YAMLError:  # the template parsed already; be safe rather than sorry
        return ranges
    return ranges


def _inline_comment(comment: str) -> tuple[tuple[str, ...], str, datetime.date | None] | str:
    match = _INLINE_DIRECTIVE.match(comment)
    if match is None:
        return (
            f"unrecognised iacguard comment {comment.strip()!r}; expected "
            "'# iacguard: ignore[RULE-ID,...] reason'"
        )
    rule_ids = tuple(part.strip() for part in match.group("ids").split(",") if part.strip())
    if not rule_ids or not all(RULE_ID_SHAPE.match(rule_id) for rule_id in rule_ids):
        return "ignore[...] must list rule ids separated by commas, such as ignore[IGE001,IGL001]"
    rest = match.group("rest")
    expires: datetime.date | None = None
    found = _INLINE_EXPIRES.search(rest)
    if found:
        read = expiry(found.group("date"))
        if isinstance(read, str):
            return read.replace("'expires'", "expires=")
        expires = read
        rest = rest[: found.start()] + rest[found.end():]
    return rule_ids, " ".join(rest.split()), expires


def _target_line(lines: Sequence[str], line_index: int, column: int) -> int:
    """A comment after code covers its own line; a comment on a line of its own covers the next
    line that holds code (so several such comments can be stacked above one line)."""
    if lines[line_index][:column].strip():
        return line_index + 1
    for index in range(line_index + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index + 1
    return line_index + 1
