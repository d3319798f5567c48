"""From resolved settings to what a run needs: the rules, the suppression policy, where BASE
versions come from for change-safety rules, and the :class:`~iacguard.run.runner.CheckSettings`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from iacguard.engines import IACGUARD
from iacguard.engines.codes import CODES
from iacguard.engines.rules.registry import load_rules, select_rules
from iacguard.engines.rules.spec import RuleSpec
from iacguard.errors import IacguardError
from iacguard.report.outputs import FORMATS
from iacguard.run.cache import default_cache_dir
from iacguard.run.runner import CheckSettings
from iacguard.settings.references import check_rule_references
from iacguard.settings.resolve import COMMAND_LINE_SOURCE, ResolvedSettings
from iacguard.suppress.baseline import read_baseline
from iacguard.suppress.policy import SuppressionPolicy, meta_rules

if TYPE_CHECKING:
    from iacguard.diff.check_base import ChangeBase


def known_rules(rule_paths: Sequence[Path] = ()) -> list[RuleSpec]:
    """Every rule there is: the built-in and custom rules, then iacguard's own codes."""
    return [*load_rules(rule_paths), *CODES]


def rules_for(settings: ResolvedSettings) -> tuple[list[RuleSpec], list[RuleSpec]]:
    """Every rule known (codes included) and the chosen ones, re-levelled. Settings that name
    a rule that does not exist stop the run here."""
    loaded = load_rules(settings.rules)
    every = [*loaded, *CODES]
    check_rule_references(
        settings,
        known={spec.id: spec.options for spec in every},
        names={spec.name: spec.id for spec in every},
        tags=sorted({tag for spec in every for tag in spec.tags}),
        report_formats=FORMATS,
    )
    relevelled = []
    for spec in loaded:
        level = settings.severity.get(spec.id) or settings.severity.get(spec.name)
        relevelled.append(spec.with_severity(level) if level else spec)
    chosen = select_rules(relevelled, settings.select, settings.ignore, settings.extend_select)
    return every, chosen


def suppression_policy(settings: ResolvedSettings, every: Sequence[RuleSpec]) -> SuppressionPolicy:
    source = settings.sources["inline-suppressions"]
    disabled_by = (
        "--no-inline-suppressions" if source == COMMAND_LINE_SOURCE
        else f"inline-suppressions: false in {source}"
    )
    return SuppressionPolicy(
        inline=settings.inline_suppressions,
        inline_disabled_by=disabled_by,
        config_entries=settings.suppressions,
        baseline=read_baseline(settings.baseline) if settings.baseline is not None else None,
        meta=meta_rules(settings.severity, settings.ignore),
        known_rules={**{s.name: s.id for s in every}, **{s.id: s.id for s in every}},
    )


def check_settings(
    paths: Sequence[Path], settings: ResolvedSettings
) -> tuple[CheckSettings, list[str]]:
    """The run the settings describe (rules chosen, policy built, defaults filled in), and
    notices about it for the report."""
    every, chosen = rules_for(settings)
    checked = tuple(paths) or (Path("."),)
    change_base, chosen, notices = change_base_for(settings, checked, chosen)
    run = CheckSettings(
        paths=checked,
        rules=tuple(chosen) if IACGUARD in settings.engines else (),
        settings=settings.values(),
        suppression=suppression_policy(settings, every),
        jobs=settings.jobs or cpu_count(),
        cache_dir=None if settings.no_cache else (settings.cache_dir or default_cache_dir()),
        change_base=change_base,
    )
    return run, notices


def change_base_for(
    settings: ResolvedSettings, paths: Sequence[Path], rules: Sequence[RuleSpec]
) -> tuple[ChangeBase | None, list[RuleSpec], list[str]]:
    """--base / --base-assembly: where BASE versions come from (None without them), the rules
    to run (change-safety rules only with a BASE) and notices."""
    ref, assembly = settings.base, settings.base_assembly
    if not ref and assembly is None:
        return None, [rule for rule in rules if rule.kind != "change"], []
    from iacguard.diff.check_base import ChangeBase, assembly_digest
    from iacguard.diff.git import GitBase, open_base, repository_path
    from iacguard.discover.cdk_project import find_cloud_assembly

    git: GitBase | None = None
    notices: list[str] = []
    if ref:
        git, notice = open_base(ref, Path.cwd())
        notices.extend([notice] if notice else [])
        for path in paths:
            if path.resolve() != git.root:
                repository_path(git, path)  # a path outside the repository: exit 2
    root = None
    if assembly is not None:
        root = find_cloud_assembly(assembly)
        if root is None:
            raise IacguardError(f"--base-assembly {assembly}: not a CDK cloud assembly "
                                "(no manifest.json); run cdk synth on the base branch")
    digest = assembly_digest(root) if root is not None else ""
    return ChangeBase(git, root, digest), list(rules), notices


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
