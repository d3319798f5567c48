"""The command line as a pipeline sees it: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "cli"


def run(*args: str, cwd: Path = FIXTURES, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_COLOR": "1", "CI": "false", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "iacguard", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, env=environment,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("iacguard ")


CORE = ("--select", "IGE001,IGL001,IGA001")


def test_clean_template_exits_zero() -> None:
    result = run("check", "--no-validate", *CORE, "clean.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 template checked" in result.stdout
    assert "no findings" in result.stdout


def test_finding_is_located_with_fix_and_exits_one() -> None:
    result = run("check", "--no-validate", *CORE, "defective.yaml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "defective.yaml:5:5 IGE001 error ECR repository Repo is not scanned: ScanOnPush is not "
        "set and no registry scanning rule in this template covers it" in lines
    )
    assert "    5 |     Properties:" in lines
    assert "      |     ^^^^^^^^^^" in lines
    assert any(line.startswith("    fix: Set ImageScanningConfiguration.ScanOnPush") for line in lines)


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("error", 0), ("warning", 1), ("note", 1), ("never", 0)]
)
def test_fail_on_threshold(fail_on: str, expected: int) -> None:
    result = run("check", "--no-validate", "--fail-on", fail_on, "warning-only.yaml")
    assert result.returncode == expected


def test_fail_on_never_with_errors_exits_zero() -> None:
    assert run("check", "--no-validate", "--fail-on", "never", "defective.yaml").returncode == 0


def test_non_cloudformation_yaml_is_skipped_quietly() -> None:
    result = run("check", "--no-validate", "k8s-deployment.yaml")
    assert result.returncode == 0
    assert "0 templates checked; 1 skipped (not CloudFormation)" in result.stdout


def test_broken_template_among_good_ones_still_reports_the_good_ones() -> None:
    result = run("check", "--no-validate", "broken.yaml", "defective.yaml", "clean.yaml")
    assert result.returncode == 2
    assert "defective.yaml:5:5 IGE001" in result.stdout
    assert "broken.yaml:5:16: mapping values are not allowed in this context [not checked]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_path_is_a_usage_error() -> None:
    result = run("check", "--no-validate", "no-such-dir")
    assert result.returncode == 2
    assert "no-such-dir: path does not exist" in result.stdout


def test_select_and_ignore() -> None:
    assert run("check", "--no-validate", "--ignore", "IGE001", "defective.yaml").returncode == 0
    assert run("check", "--no-validate", "--select", "IGL", "defective.yaml").returncode == 0
    assert run("check", "--no-validate", "--select", "ecr", "defective.yaml").returncode == 1


def test_exclude_glob(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "defective.yaml", tmp_path / "defective.yaml")
    (tmp_path / "vendor").mkdir()
    shutil.copy(FIXTURES / "defective.yaml", tmp_path / "vendor" / "other.yaml")
    result = run("check", "--no-validate", "--exclude", "vendor", "--format", "json", ".", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert report["files"]["checked"] == ["defective.yaml"]


def test_json_report_has_complete_findings() -> None:
    result = run("check", "--no-validate", *CORE, "--format", "json", "defective.yaml")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["format_version"] == "1.1"
    assert report["exit_code"] == 1
    (finding,) = report["findings"]
    assert finding["rule_id"] == "IGE001"
    assert (finding["start_line"], finding["start_column"]) == (5, 5)
    assert finding["logical_id"] == "Repo"
    assert finding["resource_type"] == "AWS::ECR::Repository"
    assert len(finding["fingerprint"]) == 32


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    result = run("check", "--no-validate", *CORE, "--format", "json", "--output", str(target),
                 "defective.yaml")
    assert result.returncode == 1
    assert json.loads(target.read_text())["summary"]["findings"] == 1


def test_unknown_is_hidden_by_default_and_shown_on_request() -> None:
    hidden = run("check", "--no-validate", "parameterised.yaml")
    assert hidden.returncode == 0
    shown = run("check", "--no-validate", "--show-unknown", "parameterised.yaml")
    assert shown.returncode == 0
    assert "IGE001 note cannot tell statically (depends on parameter Scan)" in shown.stdout


def test_parameter_flag_makes_a_value_known(tmp_path: Path) -> None:
    result = run("check", "--no-validate", "--parameter", "Scan=false", "parameterised.yaml")
    assert result.returncode == 1
    assert "ScanOnPush is 'false'" in result.stdout
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"Parameters": {"Scan": "true"}}))
    assert run("check", "--no-validate", "--parameters", str(params), "parameterised.yaml").returncode == 0


def test_bad_parameter_flag_is_a_usage_error() -> None:
    result = run("check", "--no-validate", "--parameter", "nonsense", "clean.yaml")
    assert result.returncode == 2
    assert result.stderr.strip() == "iacguard: error: --parameter 'nonsense': expected Name=Value"


def test_custom_rules_run_through_the_same_engine(tmp_path: Path) -> None:
    template = tmp_path / "topic.yaml"
    template.write_text("Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n")
    result = run("check", "--no-validate", "--rules", str(FIXTURES / "custom-rules"), str(template),
                 "--fail-on", "warning")
    assert result.returncode == 1
    assert "ACME001 warning Topic Alerts has no TopicName" in result.stdout


def test_invalid_rule_file_stops_before_checking() -> None:
    result = run("check", "--no-validate", "--rules", "bad-rules", "defective.yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("iacguard: error: bad-rules/BAD001.yaml:4: severity: 'critical'")


def test_rule_crash_is_a_finding_and_exit_three(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (FIXTURES / "custom-rules" / "ACME001-topic-without-name.yaml").read_text()
    (rules / "crash.yaml").write_text(
        text.replace("absent: true", 'regex: "("').replace("ACME001", "ACME002")
    )
    template = tmp_path / "topic.yaml"
    template.write_text("Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n")
    result = run("check", "--no-validate", "--rules", str(rules), str(template))
    assert result.returncode == 3
    assert "IG0002 error rule ACME002 failed on Alerts" in result.stdout


def test_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import iacguard.run.runner
    from iacguard.cli import main

    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(iacguard.run.runner, "run_check", explode)
    with pytest.raises(SystemExit) as stop:
        main(["check", "--no-validate", str(FIXTURES / "clean.yaml")])
    assert stop.value.code == 3
    err = capsys.readouterr().err
    assert err == "iacguard: internal error: RuntimeError: boom (rerun with --debug)\n"


def test_rules_and_explain() -> None:
    listing = run("rules")
    assert listing.returncode == 0
    assert "IGE001" in listing.stdout
    data = json.loads(run("rules", "--format", "json").stdout)
    ids = {rule["id"] for rule in data}
    assert {"IGE001", "IGL001", "IGA001"} <= ids
    explained = run("explain", "IGE001")
    assert explained.returncode == 0
    assert "Why this matters" in explained.stdout
    assert "CKV_AWS_163" in explained.stdout
    missing = run("explain", "NOPE999")
    assert missing.returncode == 2


def test_usage_error_exit_code() -> None:
    assert run("check", "--format", "nope").returncode == 2


def test_minified_json_template_is_checked(tmp_path: Path) -> None:
    template = tmp_path / "min.json"
    template.write_text('{"Resources":{"Repo":{"Type":"AWS::ECR::Repository"}}}')
    result = run("check", "--no-validate", *CORE, "--format", "json", str(template))
    assert json.loads(result.stdout)["files"]["checked"] == [str(template)]
