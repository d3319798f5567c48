"""Parallel workers, the result cache, and sharding: all give exactly what one serial run gives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import iacguard.run.runner
from iacguard.discover.walk import discover
from iacguard.engines.rules.registry import load_rules
from iacguard.report.json_report import report_to_dict
from iacguard.run.cache import ResultCache
from iacguard.run.runner import CheckSettings, run_check, shard_of
from iacguard.settings.definitions import Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of real rule fixtures (many findings), one broken template and one non-template."""
    root = tmp_path / "tree"
    for folder in sorted((FIXTURES / "rules").iterdir())[:25]:
        shutil.copytree(folder, root / folder.name)
    shutil.copy(FIXTURES / "cli" / "broken.yaml", root / "broken.yaml")
    shutil.copy(FIXTURES / "cli" / "k8s-deployment.yaml", root / "k8s.yaml")
    return root


def _settings(root: Path, **changes: object) -> CheckSettings:
    base = CheckSettings(paths=(root,), rules=tuple(load_rules()), root=root,
                         settings=Settings(validate=False))
    return replace(base, **changes)  # type: ignore[arg-type]


def _as_json(settings: CheckSettings) -> dict[str, object]:
    return report_to_dict(run_check(settings), 0)


def test_parallel_run_equals_serial_run(tree: Path) -> None:
    serial = _as_json(_settings(tree, jobs=1))
    parallel = _as_json(_settings(tree, jobs=2))
    assert parallel == serial
    assert serial["summary"]["findings"] > 20  # type: ignore[index]


def test_warm_cache_gives_the_same_report_without_checking_again(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cold = _as_json(_settings(tree, cache_dir=cache))

    def must_not_run(*_: object, **__: object) -> None:
        raise AssertionError("a cached template was checked again")

    monkeypatch.setattr(iacguard.run.runner, "check_candidate", must_not_run)
    # The broken template is a problem report, cached like any other result.
    warm = _as_json(_settings(tree, cache_dir=cache))
    assert warm == cold


def test_changed_file_is_checked_again(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run_check(_settings(tree, cache_dir=cache))
    target = tree / "IGE001" / "ecr-scan.yaml"
    target.write_text(target.read_text().replace("ScanOnPush: true  # ok", "ScanOnPush: false  # ok"))
    second = run_check(_settings(tree, cache_dir=cache))
    assert len(second.findings) == len(first.findings) + 1


def test_damaged_cache_entries_are_misses(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _as_json(_settings(tree, cache_dir=cache))
    for entry in cache.glob("*/*.json"):
        entry.write_text("{not json")
    assert _as_json(_settings(tree, cache_dir=cache)) == cold


def test_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("iacguard.run.cache.MAX_ENTRIES", 10)
    cache = ResultCache(tmp_path)
    for index in range(30):
        path = tmp_path / f"{index:02x}" / f"{index:064x}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
        os.utime(path, (index, index))
    cache.prune()
    remaining = sorted(p.name for p in tmp_path.glob("*/*.json"))
    assert len(remaining) <= 10
    assert f"{29:064x}.json" in remaining  # the newest survive


def test_shards_partition_the_templates_and_keep_assemblies_whole(shared_dir: Path) -> None:
    app = shared_dir / "cdk" / "app-a"
    found = discover([app / "cdk.out", FIXTURES / "cli"], root=app).candidates
    for count in (2, 3, 5):
        slices = {index: [c for c in found if shard_of(c, count) == index] for index in range(count)}
        assert sorted(c.display for s in slices.values() for c in s) == sorted(c.display for c in found)
        stacks = {shard_of(c, count) for c in found if c.stack is not None}
        assert len(stacks) == 1


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iacguard", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CI": "false"})


def test_sharded_and_merged_run_equals_a_single_run(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    common = ("check", "--no-validate", "--no-cache", ".")
    single = _cli(*common, "--output", f"json:{out}/all.json", "--output", f"sarif:{out}/all.sarif",
                  cwd=tree)
    codes = []
    for index in (1, 2, 3):
        shard = _cli(*common, "--shard", f"{index}/3", "--output", f"json:{out}/shard{index}.json",
                     cwd=tree)
        codes.append(shard.returncode)
    merged = _cli("merge", *(str(out / f"shard{i}.json") for i in (1, 2, 3)),
                  "--output", f"json:{out}/merged.json", "--output", f"sarif:{out}/merged.sarif",
                  cwd=tree)
    assert merged.returncode == single.returncode == 2
    assert sorted(codes) != [2, 2, 2]  # the broken template sits in one shard only
    assert json.loads((out / "merged.json").read_text()) == json.loads((out / "all.json").read_text())
    merged_sarif = json.loads((out / "merged.sarif").read_text())["runs"][0]
    single_sarif = json.loads((out / "all.sarif").read_text())["runs"][0]
    assert merged_sarif["results"] == single_sarif["results"]
    assert merged_sarif["tool"] == single_sarif["tool"]


def test_bad_shard_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = _cli("check", "--shard", "4/3", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "--shard '4/3': expected K/N" in result.stderr


#: Runs ``iacguard check`` through the command line's own entry point in this interpreter, then
#: says which heavy engine packages the run imported (on standard error, after the report).
_CHECK_THEN_LIST_IMPORTS = """
import sys
from iacguard.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = sorted({name.split('.')[0] for name in sys.modules} & {'cfnlint', 'checkov', 'sympy'})
print('imported:', ','.join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fully_cached_run_never_imports_cfn_lint(tmp_path: Path, jobs: str) -> None:
    """Every template answered by the cache: the run costs reading entries, not starting
    cfn-lint (a second and 100 MiB); the report is the one the cold run gave."""
    root = tmp_path / "tree"
    for folder in sorted((FIXTURES / "rules").iterdir())[:6]:
        shutil.copytree(folder, root / folder.name)
    command = [sys.executable, "-c", _CHECK_THEN_LIST_IMPORTS, "check", "--jobs", jobs,
               "--cache-dir", str(tmp_path / "cache"), "--format", "json", "."]
    runs = [subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
            for _ in range(2)]
    cold, warm = runs
    assert cold.returncode == warm.returncode == 1, cold.stderr
    assert "imported: cfnlint" in cold.stderr  # validation ran: the check below can fail
    assert warm.stderr.splitlines()[-1] == "imported: ", warm.stderr
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    assert any(f["source"] == "cfn-lint" for f in json.loads(warm.stdout)["findings"])
