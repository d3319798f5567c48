"""No file a command writes (``--output``, a configuration's ``output``, ``--write-baseline``)
may replace a file the same run reads: a checked template, a file found beside it, a CDK
assembly, the configuration, the baseline, a parameters file, a rule file, a shard report.

Writing a report over ``template.yaml`` would destroy the user's template, and the next run
would report "0 templates checked" and pass. The one exception is deliberate: a baseline given
with ``--baseline`` may be rewritten by ``--write-baseline`` naming the same file, which is how a
baseline is brought up to date.

Paths are compared as written (made absolute) and resolved, so ``./t.yaml``, ``sub/../t.yaml``
and a folder link that leads to the template all count as the template.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from iacguard.errors import IacguardError
from iacguard.report.outputs import OutputPlan
from iacguard.settings.resolve import COMMAND_LINE_SOURCE, ResolvedSettings


@dataclass(frozen=True)
class Written:
    """A file a command will write, and how the user asked for it (for the error line)."""

    asked_as: str
    path: Path


@dataclass(frozen=True)
class Read:
    """A file (or, for a CDK assembly, a folder) the run reads, and what it is to the run."""

    path: Path
    role: str
    folder: bool = False


def files_written(settings: ResolvedSettings, plan: OutputPlan) -> list[Written]:
    from_file = settings.sources["output"] != COMMAND_LINE_SOURCE
    written = [
        Written(settings.where(("output", index)) if from_file else f"--output {value}",
                target.path)
        for index, (value, target) in enumerate(zip(settings.output, plan.files, strict=True))
    ]
    if settings.write_baseline is not None:
        written.append(Written(f"--write-baseline {settings.write_baseline}",
                               settings.write_baseline))
    return written


def settings_files_read(settings: ResolvedSettings, parameters_file: Path | None) -> list[Read]:
    """What the settings make a run read besides templates."""
    from iacguard.engines.rules.registry import rule_files

    read = [Read(settings.config.path, "the configuration")] if settings.config else []
    if settings.baseline is not None:
        read.append(Read(settings.baseline, "the baseline"))
    if parameters_file is not None:
        read.append(Read(parameters_file, "the parameters file"))
    for rules in settings.rules:
        if rules.is_dir():
            read.extend(Read(path, "a rule file") for path in rule_files(rules))
        else:
            read.append(Read(rules, "a rule file"))
    return read


def templates_read(paths: Sequence[Path], settings: ResolvedSettings) -> list[Read]:
    """Every file the check of ``paths`` reads as a template (found by the same walk the run
    makes), and every CDK assembly folder it reads."""
    from iacguard.discover.walk import discover

    discovery = discover(paths or (Path("."),), settings.exclude)
    read = [Read(candidate.path, "a checked file") for candidate in discovery.candidates]
    assemblies = {c.stack.assembly_dir for c in discovery.candidates if c.stack is not None}
    read.extend(Read(folder, "a CDK cloud assembly", folder=True) for folder in assemblies)
    return read


def refuse_overwriting(written: Iterable[Written], read: Iterable[Read],
                       exempt: Iterable[tuple[Written, Read]] = ()) -> None:
    """Stop (exit 2, one line) when a file to write is a file the run reads."""
    files: dict[Path, Read] = {}
    folders: dict[Path, Read] = {}
    for each in read:
        for form in _forms(each.path):
            (folders if each.folder else files).setdefault(form, each)
    allowed = {(w, r) for rewritten, kept in exempt
               for w in _forms(rewritten.path) for r in _forms(kept.path)}
    for target in written:
        for form in _forms(target.path):
            source = files.get(form) or next(
                (folders[parent] for parent in form.parents if parent in folders), None
            )
            if source is not None and not any((form, r) in allowed for r in _forms(source.path)):
                raise IacguardError(
                    f"{target.asked_as}: would overwrite {source.path.as_posix()}, "
                    f"{source.role} of this run; nothing was written (write it elsewhere)"
                )


def _forms(path: Path) -> tuple[Path, ...]:
    absolute = Path(os.path.normpath(path.absolute()))
    try:
        return (absolute, path.resolve())
    except (OSError, RuntimeError, ValueError):
        return (absolute,)
