"""Every template of the shared corpus through every rule and every reporter: zero internal
errors. Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

from iacguard.engines.rules.registry import load_rules
from iacguard.report.outputs import RENDERERS
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings


def test_whole_corpus_has_no_internal_errors(shared_dir: Path) -> None:
    rules = tuple(load_rules())
    report = run_check(
        CheckSettings(paths=(shared_dir / "corpus",), rules=rules, root=shared_dir,
                      settings=Settings(validate=False, show_unknown=True))
    )
    assert len(report.files_checked) >= 600
    crashed = [f"{f.file}: {f.message}" for f in report.findings if f.rule_id == "IG0002"]
    assert crashed == []
    for name, render in RENDERERS.items():
        assert render(report, 1), name
