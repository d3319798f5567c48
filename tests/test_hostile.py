"""Hostile input, run the way users run iacguard: the real command line in a subprocess, with
validation (cfn-lint), with the result cache (a private --cache-dir) and two worker processes.

Every case sits beside a good template whose finding must survive, and must end within seconds
with one line per broken file and the documented exit code (SECURITY.md): never a traceback, a
hang, a crash of the whole run or a silent pass. Cases are batched into one run where the
assertions stay exact, so the suite stays cheap in CI.

Two cases are slow inside cfn-lint itself, not in iacguard (a 600-link condition chain, a
200 KB ``!Sub '${${${...'``): cfn-lint needs minutes for them. They run with validation and a
small --validate-timeout: cfn-lint is stopped on them (IG0008, a notice), their own rules still
report, and the good template beside them is validated as usual.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from iacguard.discover.walk import Candidate
from iacguard.engines.rules.registry import load_rules
from iacguard.run.runner import CheckSettings, check_candidate
from iacguard.settings.definitions import Settings

GOOD = (
    "AWSTemplateFormatVersion: '2010-09-09'\n"
    "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n"
    "      RepositoryName: repo-a\n"
)
#: The good template's finding, which every run must still report.
GOOD_FINDING = ("good.yaml", 5, "IGE001")
#: Any single run of the command line ends well within this (they take a few seconds).
SECONDS = 60
#: A line a terminal or a CI log would act on: a control character (newline, escape, carriage
#: return, C1), or a bidi override.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    def problems(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for problem in self.report["problems"]:
            found.setdefault(problem["file"], []).append(problem)
        return found

    def findings(self) -> set[tuple[str, int, str]]:
        return {(f["file"], f["start_line"], f["rule_id"]) for f in self.report["findings"]}


def iacguard(cwd: Path, *args: str, command: Sequence[str] | None = None) -> Run:
    """The command line, in a subprocess, with nothing on standard input."""
    started = time.monotonic()
    result = subprocess.run(
        [*(command or [sys.executable, "-m", "iacguard"]), *args],
        cwd=cwd, capture_output=True, text=True, timeout=SECONDS * 3,
        stdin=subprocess.DEVNULL,
    )
    run = Run(result.returncode, result.stdout, result.stderr, time.monotonic() - started)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.seconds < SECONDS, f"took {run.seconds:.0f} s"
    return run


def check(cwd: Path, cache: Path, *args: str, validate: bool = True) -> Run:
    """``iacguard check`` as users run it: validation, the cache, two worker processes."""
    flags = ["--jobs", "2", "--cache-dir", str(cache), "--format", "json"]
    return iacguard(cwd, "check", *flags, *([] if validate else ["--no-validate"]), *args)


def stderr_lines_are_notices(run: Run) -> None:
    for line in run.stderr.splitlines():
        assert line.startswith("iacguard: notice: "), line


def repository(path: Path) -> Path:
    (path / ".git").mkdir(parents=True)
    (path / "good.yaml").write_text(GOOD)
    return path


def _alias_bomb() -> str:
    lines = ["Resources:", "  X: {Type: AWS::SNS::Topic}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def _oversized_template(path: Path) -> None:
    with path.open("w") as handle:
        handle.write("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n")
        for index in range(200_000):
            handle.write(f"  T{index}: {{Type: AWS::SNS::Topic}}\n")


#: file name -> (content, fragment of its one problem line; "" = checked without a problem)
TEXT_CASES: dict[str, tuple[str, str]] = {
    "alias-bomb.yaml": (_alias_bomb(), "alias amplification"),
    "deep.yaml": ("Resources: " + "[" * 10_000 + "]" * 10_000 + "\n", "nesting"),
    "deep-block.yaml": (
        "Resources:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(400)), "nesting"
    ),
    "python-tag.yaml": ("Resources: !!python/object/apply:os.system ['true']\n",
                        "unsupported YAML tag"),
    "duplicate.yaml": ("Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", "duplicate key"),
    "tag-bool.yaml": ("Resources:\n  T: {Type: AWS::SNS::Topic}\nMetadata: {x: !!bool maybe}\n",
                      "invalid bool value 'maybe'"),
    "tag-int.yaml": ("Resources:\n  T: {Type: AWS::SNS::Topic}\nMetadata: {x: !!int ''}\n",
                     "invalid int value ''"),
    "tag-float.yaml": ("Resources:\n  T: {Type: AWS::SNS::Topic}\nMetadata: {x: !!float ''}\n",
                       "invalid float value ''"),
    "tag-timestamp.yaml": (
        "Resources:\n  T: {Type: AWS::SNS::Topic}\nMetadata: {x: !!timestamp notadate}\n",
        "invalid timestamp value 'notadate'",
    ),
    "empty.yaml": ("", ""),
    "resources-list.yaml": ("AWSTemplateFormatVersion: '2010-09-09'\nResources: [a, b]\n", ""),
    "no-type.yaml": ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: {Properties: {}}\n",
                     ""),
    "bad-arity.yaml": (
        "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      ImageScanningConfiguration: {ScanOnPush: !If [C, true]}\n"
        "      RepositoryName: !Sub []\n      Tags: !GetAtt []\n",
        "",
    ),
    "circular.yaml": (
        "Resources:\n  A: {Type: AWS::SNS::Topic, DependsOn: B, Properties: {TopicName: !Ref B}}\n"
        "  B: {Type: AWS::SNS::Topic, DependsOn: [A, A], Properties: {TopicName: !Ref A}}\n",
        "",
    ),
    # JSON writes characters beyond the Basic Multilingual Plane as a surrogate pair.
    "rocket.json": ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Topic": {'
                    '"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "\\ud83d\\ude80"}}}}',
                    ""),
}
BYTE_CASES: dict[str, tuple[bytes, str]] = {
    "latin1.yaml": ("Resources:\n  A: {Type: café}\n".encode("latin-1"), "not valid UTF-8"),
    "utf16.yaml": ("\ufeffResources:\n  A: {Type: X}\n".encode("utf-16"), "UTF-16"),
    "bom.yaml": (b"\xef\xbb\xbf" + GOOD.encode(), ""),
}


def _hostile_tree(root: Path) -> dict[str, str]:
    """Every hostile file of the batch; returns file -> fragment of its problem line."""
    expected = {}
    for name, (text, fragment) in TEXT_CASES.items():
        (root / name).write_text(text)
        expected[name] = fragment
    for name, (raw, fragment) in BYTE_CASES.items():
        (root / name).write_bytes(raw)
        expected[name] = fragment
    _oversized_template(root / "oversized.yaml")
    expected["oversized.yaml"] = "the limit is 5 MiB"
    os.mkfifo(root / "pipe.yaml")
    expected["pipe.yaml"] = "named pipe"
    os.symlink(root / "loop.yaml", root / "loop.yaml")
    expected["loop.yaml"] = "symbolic link loop"
    # A manifest with no artifacts must not hide the templates beside it.
    (root / "infra").mkdir()
    (root / "infra" / "manifest.json").write_text('{"version":"36.0.0","artifacts":{}}')
    (root / "infra" / "app.yaml").write_text(GOOD)
    return expected


#: Found by walking and quietly skipped: not templates (or links that lead outside, which get a
#: notice and are not followed at all).
SKIPPED = {"blob.json", "sparse.yaml", "data.json"}


def _not_templates(root: Path) -> None:
    (root / "blob.json").write_bytes(bytes(range(256)) * 24_000)  # 6 MB of binary
    with (root / "sparse.yaml").open("wb") as handle:  # 30 GiB, nearly all of it a hole
        handle.truncate(30 * 1024**3)
    (root / "data.json").write_text('{"rows": [1, 2, 3]}')
    os.symlink("/dev/zero", root / "zero.yaml")
    os.symlink("/dev/stdin", root / "stdin.yaml")
    os.symlink("/usr", root / "usr-link")


def test_broken_and_hostile_templates_are_each_one_problem_line(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    expected = _hostile_tree(root)
    _not_templates(root)
    cold = check(root, tmp_path / "cache", ".")
    assert cold.code == 2, cold.stderr
    assert GOOD_FINDING in cold.findings()
    assert ("infra/app.yaml", 5, "IGE001") in cold.findings()
    problems = cold.problems()
    assert sorted(problems) == sorted(name for name, fragment in expected.items() if fragment)
    for name, fragment in expected.items():
        if fragment:
            (problem,) = problems[name]
            assert fragment in problem["message"], problem
            assert "\n" not in problem["message"]
    checked = {name for name, fragment in expected.items() if not fragment} - {"empty.yaml",
                                                                                "resources-list.yaml"}
    assert checked | {"good.yaml", "infra/app.yaml"} <= set(cold.report["files"]["checked"])
    assert set(cold.report["files"]["skipped"]) >= SKIPPED
    assert not [f for f in cold.report["findings"] if f["rule_id"] in ("IG0002", "IG0006")]
    notices = "\n".join(cold.report["notices"])
    assert "zero.yaml: not followed" in notices and "stdin.yaml: not followed" in notices
    assert "usr-link: not followed" in notices
    assert not [name for name in cold.report["files"]["skipped"] if name.startswith("usr-link")]
    stderr_lines_are_notices(cold)
    # The same run answered from the cache says exactly the same.
    warm = check(root, tmp_path / "cache", ".")
    assert (warm.code, warm.report) == (cold.code, cold.report)


def test_hostile_files_named_on_the_command_line(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    os.mkfifo(root / "pipe.yaml")
    os.symlink("/dev/zero", root / "zero.yaml")
    os.symlink("/dev/stdin", root / "stdin.yaml")
    (root / "sparse.yaml").write_text(GOOD)
    os.truncate(root / "sparse.yaml", 30 * 1024**3)
    (root / "--exclude=*.yaml").write_text(GOOD)  # an option only before "--"
    names = ["pipe.yaml", "zero.yaml", "stdin.yaml", "sparse.yaml", "missing.yaml"]
    run = check(root, tmp_path / "cache", "--", "good.yaml", "--exclude=*.yaml", *names)
    assert run.code == 2, run.stderr
    assert {GOOD_FINDING, ("--exclude=*.yaml", 5, "IGE001")} <= run.findings()
    problems = run.problems()
    messages = {name: problems[name][0]["message"] for name in names}
    assert len(problems) == len(names)
    assert "named pipe" in messages["pipe.yaml"]
    assert "character device" in messages["zero.yaml"]
    assert "not a regular file" in messages["stdin.yaml"]
    assert "30720.0 MiB; the limit is 5 MiB" in messages["sparse.yaml"]
    assert "does not exist" in messages["missing.yaml"]


def _assembly(folder: Path, templates: dict[str, dict[str, Any] | None]) -> None:
    folder.mkdir(parents=True)
    artifacts = {
        name: {"type": "aws:cloudformation:stack",
               "properties": {"templateFile": f"{name}.template.json"}}
        for name, body in templates.items() if body is not None
    }
    (folder / "manifest.json").write_text(json.dumps({"version": "36.0.0",
                                                      "artifacts": artifacts}))
    (folder / "cdk.out").write_text('{"version":"36.0.0"}')
    for name, body in templates.items():
        if body is not None:
            (folder / f"{name}.template.json").write_text(json.dumps(body))


def test_an_oversized_template_fails_the_run_inside_a_cdk_assembly_too(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    topic = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    _assembly(root / "listed" / "cdk.out", {"Big": topic, "Small": topic})
    _assembly(root / "unlisted" / "cdk.out", {"Small": topic})
    huge = '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Pad": {"Type": "' + (
        "x" * 6 * 1024 * 1024) + '"}}}'
    (root / "listed" / "cdk.out" / "Big.template.json").write_text(huge)
    (root / "unlisted" / "cdk.out" / "Stray.template.json").write_text(huge)
    (root / "t1.yaml").write_text(GOOD)
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2, run.stderr
    assert GOOD_FINDING in run.findings()
    problems = run.problems()
    assert len(problems) == 2, problems
    (listed,) = [p for name, found in problems.items() for p in found if name.startswith("listed")]
    (stray,) = problems["unlisted/cdk.out/Stray.template.json"]
    assert "Big.template.json" in listed["message"] and "limit is 5 MiB" in listed["message"]
    assert "the limit is 5 MiB" in stray["message"]
    assert "listed/cdk.out/Small.template.json" in run.report["files"]["checked"]


def test_cdk_files_cannot_make_the_run_read_outside_or_block(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = {"Resources": {"SecretLogicalIdOutside": {"Type": "AWS::SNS::Topic"}}}
    (outside / "secret.template.json").write_text(json.dumps(secret))
    (outside / "meta.json").write_text('{"/SecretConstructOutside": []}')
    topic = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    nested = {"Resources": {"Child": {
        "Type": "AWS::CloudFormation::Stack",
        "Metadata": {"aws:asset:path": "../../../outside/x.nested.template.json"},
        "Properties": {"TemplateURL": "https://example.com/x"}}}}
    assembly = root / "app" / "cdk.out"
    _assembly(assembly, {"Own": topic, "Parent": nested, "Pipe": topic})
    manifest = json.loads((assembly / "manifest.json").read_text())
    artifacts = manifest["artifacts"]
    artifacts["Climbs"] = {"type": "aws:cloudformation:stack",
                           "properties": {"templateFile": "../../../outside/secret.template.json"}}
    artifacts["Absolute"] = {"type": "aws:cloudformation:stack",
                             "properties": {"templateFile": str(outside / "secret.template.json")}}
    artifacts["Own"]["additionalMetadataFile"] = str(outside / "meta.json")
    (assembly / "manifest.json").write_text(json.dumps(manifest))
    os.unlink(assembly / "Pipe.template.json")
    os.mkfifo(assembly / "Pipe.template.json")
    (root / "other").mkdir()
    (root / "other" / "cdk.json").write_text(json.dumps({"app": "x", "output": str(outside)}))
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2, run.stderr
    assert GOOD_FINDING in run.findings()
    assert "app/cdk.out/Own.template.json" in run.report["files"]["checked"]
    messages = [p["message"] for p in run.report["problems"]]
    assert len(messages) == 6, messages
    assert sum("lies outside the cloud assembly folder" in m for m in messages) == 4, messages
    assert any("named pipe" in m for m in messages)
    assert any("output" in m and "lies outside the checked paths" in m for m in messages)
    assert "Outside" not in run.stdout + run.stderr


def test_a_cdk_assembly_beside_templates_checks_in_worker_processes(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    app = Path(__file__).parent / "fixtures" / "cdk" / "app-fixture" / "cdk.out"
    for index in range(3):
        (root / f"t{index}.yaml").write_text(GOOD)
    run = check(root, tmp_path / "cache", ".", str(app))
    assert run.code in (0, 1), run.stderr
    assert run.report["problems"] == []
    checked = run.report["files"]["checked"]
    assert sum(name.endswith(".template.json") for name in checked) == 5
    assert ("t0.yaml", 5, "IGE001") in run.findings()


#: The real command line, with one unit of work sabotaged inside the worker that checks it.
SABOTAGED_CLI = """
import os, signal, sys
import iacguard.run.runner as runner
checked = runner.check_unit
def check_unit(unit, settings):
    name = unit[0].display
    if name == "raises.yaml":
        raise RuntimeError("boom\\n::error::injected")
    if name == "killed.yaml":
        os.kill(os.getpid(), signal.SIGKILL)
    if name == "unpicklable.yaml":
        report = checked(unit, settings)
        report.notices.append(lambda: None)
        return report
    return checked(unit, settings)
runner.check_unit = check_unit
from iacguard.cli import main
main(sys.argv[1:])
"""


def test_a_failing_worker_is_a_problem_of_its_unit_and_the_run_completes(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    for name in ("raises.yaml", "killed.yaml", "unpicklable.yaml", "t1.yaml", "t2.yaml"):
        (root / name).write_text(GOOD)
    run = iacguard(root, "check", "--jobs", "2", "--cache-dir", str(tmp_path / "cache"),
                   "--format", "json", ".", command=[sys.executable, "-c", SABOTAGED_CLI])
    assert run.code == 2, run.stderr
    assert {GOOD_FINDING, ("t1.yaml", 5, "IGE001"), ("t2.yaml", 5, "IGE001")} <= run.findings()
    problems = {name: found[0]["message"] for name, found in run.problems().items()}
    assert sorted(problems) == ["killed.yaml", "raises.yaml", "unpicklable.yaml"]
    assert "RuntimeError: boom ::error::injected" in problems["raises.yaml"]
    assert "killed (SIGKILL)" in problems["killed.yaml"]
    assert "could not be checked: internal error" in problems["unpicklable.yaml"]


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_parallel_run_promptly(tmp_path: Path, sent: int) -> None:
    root = repository(tmp_path / "repo")
    for index in range(200):
        (root / f"t{index:03}.yaml").write_text(GOOD)
    process = subprocess.Popen(
        [sys.executable, "-m", "iacguard", "check", "--jobs", "2", "--cache-dir",
         str(tmp_path / "cache"), "."],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )
    time.sleep(3)
    sent_at = time.monotonic()
    process.send_signal(sent)
    _, err = process.communicate(timeout=SECONDS)
    if process.returncode in (0, 1):
        pytest.skip("the run finished before the signal arrived")
    assert time.monotonic() - sent_at < 10
    assert process.returncode in ({signal.SIGTERM: 143, signal.SIGINT: 130}[sent], -sent), err
    assert "Traceback" not in err


#: A template cfn-lint validates in well under a second, with one cfn-lint finding.
TYPO = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n"
        "    Type: AWS::SNS::Topic\n    Properties:\n      TopicNam: x\n")
TYPO_FINDING = ("typo.yaml", 6, "cfn-lint/E3002")
#: Long enough for cfn-lint to validate the good templates on a busy machine, far shorter than
#: what it needs for the slow ones.
BUDGET = "8"


def stopped_validation(run: Run, name: str) -> None:
    """cfn-lint was stopped on ``name``: one IG0008 finding, one notice naming it."""
    assert [(f["file"], f["rule_id"]) for f in run.report["findings"]
            if f["rule_id"] == "IG0008"] == [(name, "IG0008")]
    stderr_lines_are_notices(run)
    assert f"iacguard: notice: {name}: not validated: cfn-lint was stopped after {BUDGET} s" \
        in run.stderr


def test_a_long_condition_chain_with_parameters(tmp_path: Path) -> None:
    """600 conditions each built on the last, decided by --parameter: no RecursionError, and
    cfn-lint (minutes on it) stopped by the validation budget."""
    root = repository(tmp_path / "repo")
    (root / "typo.yaml").write_text(TYPO)
    lines = ["Parameters:", "  Stage: {Type: String, AllowedValues: [prod, dev]}",
             "Conditions:", "  C0: !Equals [!Ref Stage, prod]"]
    lines += [f"  C{i}: !And [!Condition C{i - 1}, !Equals [!Ref Stage, prod]]"
              for i in range(1, 600)]
    lines += ["Resources:", "  Repo:", "    Type: AWS::ECR::Repository", "    Condition: C599",
              "    Properties: {RepositoryName: chained}"]
    (root / "chain.yaml").write_text("\n".join(lines) + "\n")
    budget = ("--validate-timeout", BUDGET)
    deployed = check(root, tmp_path / "cache", *budget, "--parameter", "Stage=prod", ".")
    assert deployed.code == 1, deployed.stderr
    assert {GOOD_FINDING, TYPO_FINDING, ("chain.yaml", 608, "IGE001")} <= deployed.findings()
    stopped_validation(deployed, "chain.yaml")
    left_out = check(root, tmp_path / "cache", *budget, "--parameter", "Stage=dev", ".")
    assert {file for file, _, rule in left_out.findings() if rule != "IG0008"} == {
        "good.yaml", "typo.yaml"}
    assert {GOOD_FINDING, TYPO_FINDING} <= left_out.findings()
    stopped_validation(left_out, "chain.yaml")  # never answered from the cache


def test_an_unclosed_sub_is_checked_in_linear_time(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    (root / "typo.yaml").write_text(TYPO)
    (root / "sub.yaml").write_text(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
        "      TopicName: !Sub '" + "${" * 100_000 + "'\n"
    )
    run = check(root, tmp_path / "cache", "--validate-timeout", BUDGET, ".")
    assert run.seconds < 30
    assert {GOOD_FINDING, TYPO_FINDING} <= run.findings()
    assert "sub.yaml" in run.report["files"]["checked"]
    stopped_validation(run, "sub.yaml")


def _deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


#: name -> (content written to the file, None = a named pipe; fragment of the error line)
MALFORMED_JSON: dict[str, tuple[str | None, str]] = {
    "deep": ('{"version": 1, "findings": ' + _deep_json(100_000) + "}", "nested too deeply"),
    "bigint": ('{"version": 1, "findings": [{"fingerprint": ' + "9" * 5000 + "}]}",
               "4300 digits"),
    "wrong-types": ('{"version": 1, "findings": [{"fingerprint": ["a"], "rule_id": 5}]}',
                    "findings[0]"),
    "truncated": ('{"version": 1, "findings": [', "invalid JSON"),
    "pipe": (None, "named pipe"),
}


def _malformed(path: Path, content: str | None) -> None:
    if content is None:
        os.mkfifo(path)
    else:
        path.write_text(content)


@pytest.mark.parametrize("case", sorted(MALFORMED_JSON))
def test_a_malformed_baseline_is_one_error_line(tmp_path: Path, case: str) -> None:
    root = repository(tmp_path / "repo")
    content, fragment = MALFORMED_JSON[case]
    _malformed(root / "baseline.json", content)
    run = check(root, tmp_path / "cache", "--baseline", "baseline.json", ".")
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("iacguard: error: baseline.json") and fragment in line, line


SHARD_CASES: dict[str, tuple[str | None, str]] = {
    **{name: MALFORMED_JSON[name] for name in ("deep", "pipe")},
    "truncated": ('{"format_version": "1.1", "findings": [', "not a JSON report"),
    "bigint": ('{"format_version": "1.1", "findings": [{"start_line": ' + "9" * 5000 + "}]}",
               "4300 digits"),
    "wrong-types": (
        '{"format_version": "1.1", "findings": [{"rule_id": "IGE001", "rule_name": "x", '
        '"severity": "error", "message": "m", "fix": "f", "file": "a.yaml", "start_line": "5", '
        '"start_column": 1, "end_line": 1, "end_column": 1}], "problems": [], '
        '"files": {"checked": [], "skipped": []}, "notices": []}',
        "findings[0].start_line is text",
    ),
}


@pytest.fixture(scope="module")
def good_shard(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The JSON report of a real run, as a shard of 'iacguard merge'."""
    root = repository(tmp_path_factory.mktemp("shard") / "repo")
    good = check(root, root.parent / "cache", "--shard", "1/1", "--output", "json:shard.json",
                 ".")
    assert good.code == 1
    return (root / "shard.json").read_text()


@pytest.mark.parametrize("case", sorted(SHARD_CASES))
def test_a_malformed_shard_report_is_one_error_line(
    tmp_path: Path, case: str, good_shard: str
) -> None:
    root = repository(tmp_path / "repo")
    (root / "good-shard.json").write_text(good_shard)
    content, fragment = SHARD_CASES[case]
    _malformed(root / "shard.json", content)
    run = iacguard(root, "merge", "good-shard.json", "shard.json")
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("iacguard: error: shard.json") and fragment in line, line


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"Parameters": {"Stage": ' + _deep_json(100_000) + "}}", "nested too deeply"),
    ('{"Parameters": {"Stage": {"nested": "object"}}}', "parameter 'Stage'"),
    (None, "named pipe"),
])
def test_a_malformed_parameters_file_is_one_error_line(
    tmp_path: Path, content: str | None, fragment: str
) -> None:
    root = repository(tmp_path / "repo")
    _malformed(root / "parameters.json", content)
    run = check(root, tmp_path / "cache", "--parameters", "parameters.json", ".")
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("iacguard: error: parameters.json") and fragment in line, line


#: What a cache entry that iacguard did not write may hold; each must be a miss.
CACHE_CORRUPTIONS = (
    _deep_json(100_000),
    '{"findings": [1], "problems": [], "files": {"checked": [], "skipped": []}, "notices": []}',
    '{"findings": [], "problems": [], "files": {"checked": [], "skipped": []}, "notices": []}',
    '{"findings": [], "problems": [], "files": {"checked": [' + "9" * 5000 + '], '
    '"skipped": []}, "notices": []}',
    '{"findings": [{"rule_id": 5}], "problems": [], "files": {"checked": [], "skipped": []}}',
    '{"findings": [], "problems": [',
)


def test_cache_entries_iacguard_did_not_write_are_misses(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    for index in range(len(CACHE_CORRUPTIONS)):
        (root / f"t{index}.yaml").write_text(GOOD)
    cache = tmp_path / "cache"
    cold = check(root, cache, ".")
    entries = sorted(cache.glob("*/*.json"))
    assert len(entries) == len(CACHE_CORRUPTIONS) + 1
    for entry, corruption in zip(entries, CACHE_CORRUPTIONS, strict=False):
        entry.write_text(corruption)
    os.unlink(entries[-1])
    os.mkfifo(entries[-1])
    warm = check(root, cache, ".")
    assert (warm.code, warm.report) == (cold.code, cold.report)
    assert len({file for file, _, _ in warm.findings()}) == len(CACHE_CORRUPTIONS) + 1


def _custom_rule(folder: Path, rule_id: str, when: str, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rule_id}.yaml").write_text(
        f"id: {rule_id}\nname: {rule_id.lower()}-rule\ntitle: A custom rule\nseverity: error\n"
        f"resource-types: [AWS::SNS::Topic]\n{when}{extra}"
        'message: "{logical_id} matched"\nfix: "Rename the topic."\n'
        'docs:\n  why: "A rule a pull request wrote."\n'
        '  failing-example: "T: {Type: AWS::SNS::Topic}"\n'
        '  passing-example: "T: {Type: AWS::SNS::Topic}"\n'
        'references: {}\ntags: [naming]\nstatus: stable\nsince: "0.1.0"\n'
    )


def test_a_backtracking_rule_pattern_is_reported_not_a_hang(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    _custom_rule(root / "rules", "EVIL001",
                 'when:\n  path: Properties.TopicName\n  regex: "(a|aa)+$"\n')
    (root / ".iacguard.yaml").write_text("rules: [rules]\n")
    topics = "".join(f"  T{i}: {{Type: AWS::SNS::Topic, Properties: {{TopicName: {'a' * 40}!}}}}\n"
                     for i in range(50))
    (root / "topics.yaml").write_text("Resources:\n" + topics)
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 3, run.stderr
    assert GOOD_FINDING in run.findings()
    (crash,) = [f for f in run.report["findings"] if f["rule_id"] == "IG0002"]
    assert crash["crashed_rule"] == "EVIL001"
    assert "ran past its 1 s budget" in crash["message"]
    assert run.seconds < 30


def test_the_pth_attack_writes_nothing_outside_the_repository(tmp_path: Path) -> None:
    """Issue 17: a pull request's configuration wrote the console report, with a logical id
    carrying Python code after a newline, into site-packages as a .pth file."""
    root = repository(tmp_path / "work" / "repo")
    victim = tmp_path / "victim-venv" / "site-packages"
    victim.mkdir(parents=True)
    (root / ".iacguard.yaml").write_text(
        'output: ["console:../../victim-venv/site-packages/zz_iacguard.pth"]\n')
    (root / "pwn.yaml").write_text(
        'Resources:\n  "X\\nimport os; os.system(\'id > pwned.txt\')\\n": '
        "{Type: AWS::ECR::Repository}\n")
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2
    assert run.stderr == (
        "iacguard: error: .iacguard.yaml:1: report file "
        "'../../victim-venv/site-packages/zz_iacguard.pth' lies outside the repository "
        f"({root}); a configuration file in the repository may only write inside it\n")
    assert list(victim.iterdir()) == []
    # Written where the user asked, the console report keeps the code on the logical id's line.
    console = iacguard(root, "check", "--isolated", "--jobs", "2", "--cache-dir",
                       str(tmp_path / "cache"), "--output", "console:report.txt", ".")
    assert console.code == 1
    text = (root / "report.txt").read_text()
    assert "X\\nimport os; os.system('id > pwned.txt')\\n" in text
    assert not [line for line in text.splitlines() if line.startswith("import")]


def test_repository_configuration_cannot_write_or_read_outside(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    outside = tmp_path / "outside"
    _custom_rule(outside / "rules", "OUT001", "when:\n  path: Properties.TopicName\n  absent: "
                 "true\n", "SECRET_KEY_NAME: leaked\n")
    (outside / "secret.yaml").write_text("SECRET_KEY_NAME: value\n")
    os.symlink(outside, root / "reports")
    os.symlink(outside / "rules", root / "linked-rules")
    (root / "own-rules").mkdir()
    os.symlink(outside / "secret.yaml", root / "own-rules" / "secret.yaml")
    configs = {
        'output: ["json:reports/r.json"]': "report file 'reports/r.json' lies outside",
        'output: ["sarif:/tmp/r.sarif"]': "report file '/tmp/r.sarif' lies outside",
        f'rules: ["{outside / "rules"}"]': "lies outside the repository",
        'rules: ["linked-rules"]': "rule path 'linked-rules' lies outside",
        'rules: ["own-rules"]': "rule file 'own-rules/secret.yaml' is a symbolic link that "
                                "leads outside",
    }
    for config, fragment in configs.items():
        (root / ".iacguard.yaml").write_text(config + "\n")
        run = check(root, tmp_path / "cache", ".")
        assert run.code == 2, config
        (line,) = run.stderr.splitlines()
        assert line.startswith("iacguard: error: .iacguard.yaml:1: ") and fragment in line, line
        assert "SECRET_KEY_NAME" not in run.stdout + run.stderr
    assert sorted(path.name for path in outside.iterdir()) == ["rules", "secret.yaml"]


def test_repository_configuration_never_loads_python(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    marker = tmp_path / "imported"
    (root / "rules").mkdir()
    (root / "rules" / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (root / "rules" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    _custom_rule(root / "rules", "PY001", "check: evil\n")
    (root / ".iacguard.yaml").write_text("rules: [rules]\n")
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2
    assert "unknown Python check 'evil'" in run.stderr
    assert not marker.exists()


def test_a_configuration_file_that_is_a_link_out_or_a_pipe_is_not_read(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETKEYMATERIAL\n")
    os.symlink(secret, root / ".iacguard.yaml")
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2
    assert "not read: it is a symbolic link that leads outside" in run.stderr
    assert "SECRETKEYMATERIAL" not in run.stdout + run.stderr
    os.unlink(root / ".iacguard.yaml")
    os.mkfifo(root / ".iacguard.yaml")
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2
    assert run.stderr == ("iacguard: error: .iacguard.yaml: cannot read configuration file: is a "
                          "named pipe (FIFO), not a regular file\n")


@pytest.mark.parametrize("flags", [
    ["--output", "json:good.yaml"],
    ["--output", "./sub/../good.yaml"],
    ["--write-baseline", "good.yaml"],
    ["--output", "sarif:notes.yaml"],  # read by the run, though not a template
    ["--output", "json:.iacguard.yaml"],
    ["--output", "json:app/cdk.out/report.json"],
])
def test_no_output_overwrites_a_file_the_run_reads(tmp_path: Path, flags: list[str]) -> None:
    root = repository(tmp_path / "repo")
    (root / "notes.yaml").write_text("title: not a template\n")
    (root / ".iacguard.yaml").write_text("fail-on: error\n")
    _assembly(root / "app" / "cdk.out", {"Stack": {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}})
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()
              and ".git" not in path.parts}
    run = check(root, tmp_path / "cache", *flags, ".")
    assert run.code == 2
    (line,) = run.stderr.splitlines()
    assert "would overwrite" in line and "nothing was written" in line, line
    after = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()
             and ".git" not in path.parts}
    assert after == before


def test_a_configuration_output_over_a_template_is_refused(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    (root / ".iacguard.yaml").write_text('output: ["json:good.yaml"]\n')
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 2
    assert run.stderr.startswith("iacguard: error: .iacguard.yaml:1: would overwrite good.yaml")
    assert (root / "good.yaml").read_text() == GOOD


def test_rewriting_the_baseline_in_place_is_still_allowed(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    assert check(root, tmp_path / "cache", "--write-baseline", "b.json", ".").code == 0
    run = check(root, tmp_path / "cache", "--baseline", "b.json", "--write-baseline", "b.json", ".")
    assert run.code == 0, run.stderr


INJECTIONS = {
    "newline": "A\n::error file=x.yaml::pwned",
    "ansi": "B\x1b[2J\x1b[31mred",
    "carriage-return": "C\rfake",
    "bidi": "D\u202eevil",
}


def test_text_from_templates_and_file_names_never_drives_the_terminal(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    resources = "".join(
        f"  {json.dumps(logical_id)}: {{Type: AWS::ECR::Repository}}\n"
        for logical_id in INJECTIONS.values()
    )
    (root / "ids.yaml").write_text("Resources:\n" + resources)
    (root / "\n::error file=a::named.yaml").write_text(GOOD)
    (root / "sub").mkdir()
    os.symlink("/etc", root / "sub" / "\x1b[2Jlink\n::warning::x")
    run = iacguard(root, "check", "--jobs", "2", "--cache-dir", str(tmp_path / "cache"), ".")
    assert run.code == 1, run.stderr
    assert "good.yaml:5:5 IGE001" in run.stdout
    for line in (run.stdout + run.stderr).split("\n"):
        assert not line.startswith("::"), line
        assert not UNSAFE.search(line), repr(line)
    assert "A\\n::error file=x.yaml::pwned" in run.stdout
    assert "\\e[2Jlink\\n::warning::x: not followed" in run.stderr
    # What the configuration and custom rules say is printed escaped too.
    (root / ".iacguard.yaml").write_text('exclude: ["\\e[2J\\n::error::glob"]\n')
    _custom_rule(root / "rules", "INJ001", "when:\n  path: Properties.TopicName\n  absent: true\n")
    rule = root / "rules" / "INJ001.yaml"
    rule.write_text(rule.read_text().replace("A custom rule", '"A \\u202erule\\n::error::x"'))
    shown = [iacguard(root, "config"), iacguard(root, "explain", "INJ001", "--rules", "rules"),
             iacguard(root, "rules", "--rules", "rules")]
    for output in shown:
        assert output.code == 0, output.stderr
        for line in output.stdout.split("\n"):
            assert not line.startswith("::") and not UNSAFE.search(line), repr(line)
    assert "::error::glob" in shown[0].stdout
    assert "A \\u202erule" in shown[1].stdout


def test_nested_templates_outside_the_repository_are_not_opened(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(
        "Parameters:\n  TopSecretParameterName: {Type: String}\n"
        "Resources:\n  T: {Type: AWS::SNS::Topic}\n")
    (root / "inner.yaml").write_text(
        "Parameters:\n  InnerParameter: {Type: String}\nResources:\n  T: {Type: AWS::SNS::Topic}\n")
    os.mkfifo(root / "fifo.yaml")
    os.symlink(outside / "secret.yaml", root / "linked.yaml")
    stacks = {
        "climbs.yaml": "../outside/secret.yaml",
        "absolute.yaml": str(outside / "secret.yaml"),
        "linked-out.yaml": "linked.yaml",
        "pipe.yaml": "fifo.yaml",
        "zero.yaml": "/dev/zero",
        "inside.yaml": "inner.yaml",
    }
    for name, location in stacks.items():
        (root / name).write_text(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Nested:\n"
            "    Type: AWS::CloudFormation::Stack\n    Properties:\n"
            f"      TemplateURL: {json.dumps(location)}\n      Parameters: {{Other: x}}\n")
    (root / "sam.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  App:\n"
        "    Type: AWS::Serverless::Application\n    Properties:\n"
        "      Location: ../outside/secret.yaml\n      Parameters: {Other: x}\n")
    run = check(root, tmp_path / "cache", *stacks, "sam.yaml", "good.yaml")
    assert run.code == 1, run.stderr
    assert GOOD_FINDING in run.findings()
    assert "TopSecretParameterName" not in run.stdout + run.stderr
    nested = {f["file"] for f in run.report["findings"] if f["rule_id"] == "cfn-lint/E3043"}
    assert nested == {"inside.yaml"}
    assert any("InnerParameter" in f["message"] for f in run.report["findings"])
    notices = "\n".join(run.report["notices"])
    for name in (*(n for n in stacks if n != "inside.yaml"), "sam.yaml"):
        assert f"{name}: cfn-lint validated it without opening the nested template" in notices


def test_unreadable_files_found_by_walking_do_not_fail_the_run(tmp_path: Path) -> None:
    """The deliberate exception: a walked file that cannot be read is listed, not failed."""
    root = repository(tmp_path / "repo")
    os.mkfifo(root / "pipe.yaml")
    (root / "blob.json").write_bytes(bytes(range(256)) * 24_000)
    (root / "t1.yaml").write_text(GOOD)
    run = check(root, tmp_path / "cache", ".")
    assert run.code == 1, run.stderr
    assert [(p["file"], p["requested"]) for p in run.report["problems"]] == [("pipe.yaml", False)]
    assert run.report["files"]["skipped"] == ["blob.json"]
    assert GOOD_FINDING in run.findings()


def test_console_excerpts_are_read_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Source lines for the console report come through the bounded reader: a checked file that
    became a pipe since is no excerpt, not a hang."""
    from iacguard.findings import Finding, Report, Severity
    from iacguard.report.outputs import read_sources

    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "t.yaml")
    finding = Finding("IGE001", "x", Severity.ERROR, "m", "f", "t.yaml", 1, 1, 1, 1)
    assert read_sources(Report(findings=[finding])) == {"t.yaml": []}


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_files_and_folders(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo")
    (root / "secret.yaml").write_text(GOOD)
    (root / "secret.yaml").chmod(0)
    (root / "closed").mkdir()
    (root / "closed").chmod(0)
    try:
        run = check(root, tmp_path / "cache", ".", "secret.yaml")
    finally:
        (root / "closed").chmod(0o755)
    assert run.code == 2
    problems = run.problems()
    assert "permission denied" in problems["secret.yaml"][0]["message"]
    assert "cannot list folder" in problems["closed"][0]["message"]


def test_a_file_deleted_between_discovery_and_loading(tmp_path: Path) -> None:
    settings = CheckSettings(paths=(tmp_path,), rules=tuple(load_rules()),
                             settings=Settings(validate=False))
    report = check_candidate(Candidate(tmp_path / "gone.yaml", "gone.yaml", requested=True),
                             settings)
    (problem,) = report.problems
    assert problem.message == "file does not exist (was it deleted during the run?)"


# ----------------------------------------------------------------------------- SECURITY.md

#: Each promise SECURITY.md makes (its bold lead-in) and the tests in this module that hold it.
PROMISES = {
    "No code execution from scanned content.": [
        test_the_pth_attack_writes_nothing_outside_the_repository,
        test_repository_configuration_never_loads_python,
        test_broken_and_hostile_templates_are_each_one_problem_line,
    ],
    "Repository configuration stays in its repository.": [
        test_repository_configuration_cannot_write_or_read_outside,
        test_a_configuration_file_that_is_a_link_out_or_a_pipe_is_not_read,
        test_the_pth_attack_writes_nothing_outside_the_repository,
    ],
    "Reads stay inside the boundary.": [
        test_broken_and_hostile_templates_are_each_one_problem_line,
        test_cdk_files_cannot_make_the_run_read_outside_or_block,
        test_nested_templates_outside_the_repository_are_not_opened,
        test_repository_configuration_cannot_write_or_read_outside,
    ],
    "Reads are bounded and never block.": [
        test_broken_and_hostile_templates_are_each_one_problem_line,
        test_console_excerpts_are_read_bounded,
        test_a_malformed_baseline_is_one_error_line,
        test_hostile_files_named_on_the_command_line,
        test_nested_templates_outside_the_repository_are_not_opened,
    ],
    "Bounded work on hostile input.": [
        test_broken_and_hostile_templates_are_each_one_problem_line,
        test_an_unclosed_sub_is_checked_in_linear_time,
        test_a_long_condition_chain_with_parameters,
        test_a_backtracking_rule_pattern_is_reported_not_a_hang,
    ],
    "One bad file never ends the run.": [
        test_broken_and_hostile_templates_are_each_one_problem_line,
        test_a_failing_worker_is_a_problem_of_its_unit_and_the_run_completes,
        test_a_cdk_assembly_beside_templates_checks_in_worker_processes,
        test_cache_entries_iacguard_did_not_write_are_misses,
    ],
    "No silent pass.": [
        test_broken_and_hostile_templates_are_each_one_problem_line,
        test_hostile_files_named_on_the_command_line,
        test_unreadable_files_found_by_walking_do_not_fail_the_run,
        test_an_oversized_template_fails_the_run_inside_a_cdk_assembly_too,
        test_a_malformed_baseline_is_one_error_line,
        test_a_malformed_shard_report_is_one_error_line,
        test_a_malformed_parameters_file_is_one_error_line,
        test_cache_entries_iacguard_did_not_write_are_misses,
    ],
    "Terminal and CI-log safe.": [
        test_text_from_templates_and_file_names_never_drives_the_terminal,
        test_the_pth_attack_writes_nothing_outside_the_repository,
    ],
    "No network.": [],  # tests/test_no_network.py
    "Nothing lost, nothing changed.": [
        test_no_output_overwrites_a_file_the_run_reads,
        test_a_configuration_output_over_a_template_is_refused,
        test_rewriting_the_baseline_in_place_is_still_allowed,
        test_a_signal_stops_a_parallel_run_promptly,
    ],
}


def _security_promises() -> Iterator[str]:
    text = (Path(__file__).resolve().parents[1] / "SECURITY.md").read_text(encoding="utf-8")
    guarantees = text.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    yield from re.findall(r"^- \*\*(.+?)\*\*", guarantees, flags=re.MULTILINE)


def test_every_promise_of_security_md_is_held_by_a_test() -> None:
    assert list(_security_promises()) == list(PROMISES)
    elsewhere = {"No network.": Path(__file__).parent / "test_no_network.py"}
    for promise, tests in PROMISES.items():
        assert tests or elsewhere[promise].is_file(), promise
