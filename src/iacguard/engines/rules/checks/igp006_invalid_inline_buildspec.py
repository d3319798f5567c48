"""IGP006 invalid-inline-buildspec: an inline CodeBuild buildspec is valid, with each problem
reported on its line of the template when the buildspec is a literal block scalar."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check
from iacguard.engines.rules.embedded import (
    EmbeddedProblem,
    check_buildspec_text,
    looks_like_inline_buildspec,
)
from iacguard.findings import Outcome
from iacguard.load.parse import Span, value_span_of
from iacguard.model.intrinsics import literal_text
from iacguard.model.values import Resolved

_BLOCK_HEADER = re.compile(r"^(?:![^\s]+\s+)?\|([+-]?)\s*(?:#.*)?$")


@rule_check
def invalid_inline_buildspec(ctx: CheckContext) -> Iterator[Verdict]:
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
    """The buildspec text and the path of the YAML node that holds it (in an ``Fn::Sub``,
    ``${...}`` stays in the text; the checker treats such values as opaque)."""
    found = literal_text(resolved.value)
    return None if found is None else (found[0], (*resolved.path, *found[1]))


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
