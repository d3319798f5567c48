"""The CI fan-out examples are valid and really shard and merge: their commands, run here in
order, give the report and exit code of one run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from iacguard.engines.rules.embedded import check_buildspec_text

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "examples" / "codebuild" / "buildspec-batch.yml"
WORKFLOW = ROOT / "examples" / "github" / "iacguard-sharded.yml"


def test_batch_buildspec_is_valid() -> None:
    assert check_buildspec_text(BATCH.read_text()) == []
    spec = yaml.safe_load(BATCH.read_text())
    shards = [b["env"]["variables"]["IACGUARD_SHARD"] for b in spec["batch"]["build-graph"]]
    assert shards == ["1/4", "2/4", "3/4", "4/4", "merge"]
    assert spec["batch"]["build-graph"][-1]["depend-on"] == ["shard1", "shard2", "shard3", "shard4"]


def test_batch_build_commands_shard_and_merge(tmp_path: Path) -> None:
    """Run the build phase of each batch member with a local folder standing in for S3."""
    source = tmp_path / "src"
    shutil.copytree(ROOT / "tests" / "fixtures" / "rules", source)
    bucket = tmp_path / "bucket"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    # `aws s3 cp` replaced by a copy between local folders.
    (fake_bin / "aws").write_text(
        "#!/usr/bin/env bash\n"
        'args=(); for a in "$@"; do case $a in s3://*) a="' + str(bucket) + '/${a#s3://}";; esac;'
        ' args+=("$a"); done\n'
        'if [ "${args[2]}" = "--recursive" ]; then mkdir -p "${args[-1]}"; '
        'cp "${args[-2]}"/shard-*.json "${args[-1]}"; else mkdir -p "$(dirname "${args[-1]}")"; '
        'cp "${args[-2]}" "${args[-1]}"; fi\n'
    )
    (fake_bin / "aws").chmod(0o755)
    spec = yaml.safe_load(BATCH.read_text())
    build = "\n".join(spec["phases"]["build"]["commands"]) + "\necho EXIT=$IACGUARD_EXIT\n"
    env = {
        **os.environ,
        "PATH": f"{fake_bin}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": "abc123",
        "IACGUARD_SHARD_BUCKET": "s3://reports/iacguard",
        "CI": "true",
    }
    exits = {}
    for shard in ("1/4", "2/4", "3/4", "4/4", "merge"):
        result = subprocess.run(["bash", "-c", build], cwd=source, capture_output=True, text=True,
                                timeout=300, env={**env, "IACGUARD_SHARD": shard})
        assert result.returncode == 0, result.stderr
        exits[shard] = result.stdout.strip().splitlines()[-1]
    assert exits["1/4"] == exits["4/4"] == "EXIT=0"  # shards only report
    single = subprocess.run(
        ["iacguard", "check", ".", "--output", "json:single.json"],
        cwd=source, capture_output=True, text=True, timeout=300, env=env,
    )
    assert exits["merge"] == f"EXIT={single.returncode}"
    merged_sarif = json.loads((source / "reports" / "iacguard.sarif").read_text())
    assert merged_sarif["runs"][0]["results"]
    assert (source / "reports" / "iacguard-junit.xml").exists()


def test_github_matrix_example_uses_shard_and_merge() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    shard_steps = " ".join(str(s.get("run", "")) for s in workflow["jobs"]["shard"]["steps"])
    merge_steps = " ".join(str(s.get("run", "")) for s in workflow["jobs"]["merge"]["steps"])
    assert "--shard ${{ matrix.shard }}/4" in shard_steps
    assert "iacguard merge shard-*.json" in merge_steps
    assert workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
