"""One end-to-end run (tests/fixtures/e2e) rendered in every format, compared with golden files.

After an intended change to a report format, regenerate the golden files with

    UPDATE_SNAPSHOTS=1 python -m pytest tests/test_reporters_snapshots.py

and review the diff of tests/snapshots/ before committing it. The run is pinned so the files are
the same on every machine: paths are relative to the repository root, only the three rules the
fixture is about run, cfn-lint is off, and the tool version is replaced by "<version>".
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iacguard import __version__
from iacguard.engines.rules.registry import load_rules, select_rules
from iacguard.findings import Report
from iacguard.report.outputs import FORMATS, render
from iacguard.run.outcome import exit_code
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO_ROOT / "tests" / "snapshots"
E2E_FIXTURE = Path("tests") / "fixtures" / "e2e"
E2E_RULES = ("IGA001", "IGE001", "IGL001")
SNAPSHOT_FILES = {
    "console": "e2e.console.txt",
    "json": "e2e.json",
    "sarif": "e2e.sarif",
    "junit": "e2e.junit.xml",
    "github": "e2e.github.txt",
}


def e2e_report() -> tuple[Report, int]:
    """The fixture's report; call with the repository root as working directory."""
    rules = select_rules(load_rules(), E2E_RULES)
    settings = CheckSettings(
        paths=(E2E_FIXTURE,), rules=tuple(rules), root=REPO_ROOT,
        settings=Settings(validate=False),
    )
    report = run_check(settings)
    return report, int(exit_code(report, "error"))


def stable(text: str) -> str:
    """Pin what changes between releases but says nothing about the format."""
    for key in ("version", "semanticVersion"):
        text = text.replace(f'"{key}": "{__version__}"', f'"{key}": "<version>"')
    return text


@pytest.fixture
def e2e_run(monkeypatch: pytest.MonkeyPatch) -> tuple[Report, int]:
    monkeypatch.chdir(REPO_ROOT)
    return e2e_report()


def test_every_format_has_a_snapshot() -> None:
    assert set(SNAPSHOT_FILES) == set(FORMATS)


@pytest.mark.parametrize("format_name", sorted(SNAPSHOT_FILES))
def test_report_matches_snapshot(format_name: str, e2e_run: tuple[Report, int]) -> None:
    report, code = e2e_run
    text = stable(render(format_name, report, code))
    golden = SNAPSHOTS / SNAPSHOT_FILES[format_name]
    if os.environ.get("UPDATE_SNAPSHOTS"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.is_file(), f"missing {golden.name}; run with UPDATE_SNAPSHOTS=1 to create it"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{format_name} report differs from {golden.relative_to(REPO_ROOT)}; if the change is "
        "intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff"
    )


def test_snapshots_are_machine_independent() -> None:
    for name in SNAPSHOT_FILES.values():
        text = (SNAPSHOTS / name).read_text(encoding="utf-8")
        assert str(REPO_ROOT) not in text, name
        assert f'"version": "{__version__}"' not in text, name
        assert "file://" not in text, name
