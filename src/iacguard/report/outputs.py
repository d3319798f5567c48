"""Report formats by name, and where each report of a run goes.

``--output`` takes either ``FORMAT:PATH`` (that format to that file, repeatable, e.g.
``--output sarif:reports/iacguard.sarif --output junit:reports/iacguard.xml``) or a plain
``PATH`` (the ``--format`` report to that file instead of standard output, as before). The
``--format`` report goes to standard output unless a plain path took it. A file literally named
like ``json:x`` can be written as ``./json:x``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import IO

from iacguard.errors import IacguardError
from iacguard.findings import Report
from iacguard.report.console import ConsoleOptions, write_console

Renderer = Callable[[Report, int], str]

#: Machine formats, each a pure function of (report, exit code), named as "module:function" so
#: a run imports only the reporters it uses.
_RENDERER_PATHS: Mapping[str, str] = MappingProxyType({
    "json": "iacguard.report.json_report:render_json",
    "sarif": "iacguard.report.sarif:render_sarif",
    "junit": "iacguard.report.junit:render_junit",
    "github": "iacguard.report.github:render_github",
})


def renderer(format_name: str) -> Renderer:
    import importlib

    module_name, _, function = _RENDERER_PATHS[format_name].partition(":")
    found: Renderer = getattr(importlib.import_module(module_name), function)
    return found


class _LazyRenderers(Mapping[str, Renderer]):
    def __getitem__(self, key: str) -> Renderer:
        return renderer(key)

    def __iter__(self) -> Iterator[str]:
        return iter(_RENDERER_PATHS)

    def __len__(self) -> int:
        return len(_RENDERER_PATHS)


RENDERERS: Mapping[str, Renderer] = _LazyRenderers()
CONSOLE = "console"
FORMATS: tuple[str, ...] = (CONSOLE, *_RENDERER_PATHS)


@dataclass(frozen=True)
class OutputTarget:
    format: str
    path: Path


@dataclass(frozen=True)
class OutputPlan:
    """``stdout_format`` is None when a plain ``--output PATH`` took the ``--format`` report."""

    stdout_format: str | None
    files: tuple[OutputTarget, ...]


def parse_output(value: str, default_format: str) -> tuple[OutputTarget, bool]:
    """The target and whether it named its format (``FORMAT:PATH``) or took the default."""
    name, separator, rest = value.partition(":")
    if separator and name.lower() in FORMATS:
        if not rest:
            raise IacguardError(f"--output {value!r}: give a path after '{name}:'")
        return OutputTarget(name.lower(), Path(rest)), True
    if not value:
        raise IacguardError("--output needs a path or FORMAT:PATH")
    return OutputTarget(default_format, Path(value)), False


def plan_outputs(default_format: str, values: Sequence[str]) -> OutputPlan:
    targets: list[OutputTarget] = []
    plain_path_given = False
    for value in values:
        target, explicit = parse_output(value, default_format)
        plain_path_given = plain_path_given or not explicit
        targets.append(target)
    _reject_duplicates(targets)
    return OutputPlan(None if plain_path_given else default_format, tuple(targets))


def _reject_duplicates(targets: Iterable[OutputTarget]) -> None:
    seen: dict[Path, str] = {}
    for target in targets:
        key = Path(target.path).expanduser().absolute()
        if key in seen:
            raise IacguardError(
                f"--output: {target.path} is given twice ({seen[key]} and {target.format})"
            )
        seen[key] = target.format


def read_sources(report: Report) -> Mapping[str, list[str]]:
    """Source lines of the files with findings, for the console's code excerpts."""
    return _SourceLines(dict.fromkeys(finding.file for finding in report.findings))


class _SourceLines(Mapping[str, list[str]]):
    """Each file's lines read when its first excerpt is drawn, and only the last file's kept:
    findings come sorted by file, and holding every checked file's text at once was most of
    the memory of a run over a large repository."""

    def __init__(self, files: Mapping[str, None]) -> None:
        self._files = files
        self._last: tuple[str, list[str]] | None = None

    def __getitem__(self, path: str) -> list[str]:
        if path not in self._files:
            raise KeyError(path)
        if self._last is None or self._last[0] != path:
            self._last = (path, _read_lines(path))
        return self._last[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _read_lines(path: str) -> list[str]:
    """A checked file's lines, read the bounded way templates are (the file may have changed
    into a pipe or a huge file since it was checked); none when it cannot be read."""
    from iacguard.load.files import MAX_TEMPLATE_BYTES, FileReadError, read_bounded

    try:
        raw = read_bounded(Path(path), MAX_TEMPLATE_BYTES)
    except FileReadError:
        return []
    return raw.decode("utf-8-sig", errors="replace").splitlines()


def render(
    format_name: str,
    report: Report,
    exit_code: int,
    console: ConsoleOptions | None = None,
    sources: Mapping[str, list[str]] | None = None,
) -> str:
    """The report as text, without colour. The console format shows source excerpts, read
    from disk unless ``sources`` is given."""
    if format_name != CONSOLE:
        return RENDERERS[format_name](report, exit_code)
    buffer = io.StringIO()
    options = replace(console or ConsoleOptions(), color=False)
    write_console(report, read_sources(report) if sources is None else sources, buffer, options)
    return buffer.getvalue()


def print_report(
    format_name: str, report: Report, exit_code: int, stream: IO[str], console: ConsoleOptions
) -> None:
    """Write to a stream; only the console format on a colour terminal uses rich."""
    if format_name == CONSOLE:  # written as it is drawn, with colour or without
        write_console(report, read_sources(report), stream, console)
    else:
        stream.write(render(format_name, report, exit_code, console))
    stream.flush()


def write_outputs(
    targets: Iterable[OutputTarget], report: Report, exit_code: int, console: ConsoleOptions
) -> None:
    from iacguard.atomic import write_atomic

    for target in targets:
        text = render(target.format, report, exit_code, console)
        try:
            write_atomic(target.path, text)
        except OSError as error:
            reason = error.strerror or str(error)
            raise IacguardError(f"cannot write the {target.format} report to {target.path}: "
                                f"{reason}") from None
