"""Validation through cfn-lint: same findings as its command line, mapped into iacguard findings."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from iacguard.cli import main
from iacguard.engines import cfnlint as cfnlint_bridge
from iacguard.findings import Finding, Severity
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings

CFN_LINT = Path(sys.executable).with_name("cfn-lint")

INVALID_PROPERTY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Metadata:
      aws:cdk:path: App/Storage/Bucket/Resource
    Properties:
      BucketNam: logs
"""

Location = tuple[str, int, int]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def check(*paths: Path, **options: Any) -> list[Finding]:
    settings = CheckSettings(paths=paths, rules=(), root=paths[0].parent,
                             settings=Settings(**options))
    report = run_check(settings)
    assert report.problems == []
    return report.findings


def located(findings: list[Finding]) -> set[Location]:
    return {(f.rule_id, f.start_line, f.start_column) for f in findings}


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    return int(stop.value.code or 0), json.loads(capsys.readouterr().out)


# --- mapping of a cfn-lint match ------------------------------------------------------------


def test_invalid_property_is_reported_at_its_key_with_cfn_lint_details(tmp_path: Path) -> None:
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)

    (finding,) = check(template)

    assert finding.rule_id == "cfn-lint/E3002"
    assert finding.rule_name == "resource-properties-are-invalid"
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "Additional properties are not allowed ('BucketNam' was unexpected. "
        "Did you mean 'BucketName'?)"
    )
    # cfn-lint's description ("Making sure that resources properties are properly configured")
    # says what the rule checks, not what to change: no fix line rather than a wrong one.
    assert finding.fix == ""
    assert finding.file == "bucket.yaml"
    assert (finding.start_line, finding.start_column, finding.end_line, finding.end_column) == (
        8, 7, 8, 16
    )
    assert finding.logical_id == "Bucket"
    assert finding.resource_type == "AWS::S3::Bucket"
    assert finding.property_path == "Properties.BucketNam"
    assert finding.construct_path == "App/Storage/Bucket/Resource"
    assert finding.source == "cfn-lint"
    assert finding.help_uri.startswith("https://github.com/aws-cloudformation/cfn-lint/")


def test_warnings_and_informational_rules_map_to_warning_and_note(tmp_path: Path) -> None:
    # cfn-lint honours its own settings in the template's Metadata, here to turn on I rules.
    template = write(tmp_path, "params.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Metadata:
          cfn-lint:
            config:
              include_checks: [I]
              ignore_checks: [W4005]
        Parameters:
          Unused:
            Type: String
        Resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Join ["", ["a", !Ref "AWS::Region"]]
        """)

    findings = {f.rule_id: f for f in check(template)}

    assert set(findings) == {"cfn-lint/W2001", "cfn-lint/I1022"}
    unused = findings["cfn-lint/W2001"]
    assert (unused.severity, unused.start_line, unused.start_column) == (Severity.WARNING, 8, 3)
    assert unused.message == "Parameter Unused not used."
    assert (unused.logical_id, unused.property_path) == ("", "Parameters.Unused")
    join = findings["cfn-lint/I1022"]
    assert (join.severity, join.start_line, join.start_column) == (Severity.NOTE, 14, 25)
    assert (join.logical_id, join.resource_type) == ("Topic", "AWS::SNS::Topic")


def test_sam_template_is_validated_after_cfn_lint_transforms_it(tmp_path: Path) -> None:
    template = write(tmp_path, "sam.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Handler:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.handler
              CodeUri: s3://bucket/key.zip
              MemorySize: tiny
        """)

    (finding,) = check(template)

    assert (finding.rule_id, finding.start_line, finding.start_column) == ("cfn-lint/E3012", 10, 7)
    assert finding.message == "'tiny' is not of type 'integer'"
    # Our model keeps the resource as written, not as SAM expands it.
    assert (finding.logical_id, finding.resource_type) == ("Handler", "AWS::Serverless::Function")


def test_a_templates_own_cfn_lint_settings_stay_with_that_template(tmp_path: Path) -> None:
    """cfn-lint's configuration is shared by the templates of a run (as its command line shares
    it): what one template's Metadata/cfn-lint turns off must not be off for the next one."""
    quiet = write(tmp_path, "a-quiet.yaml", INVALID_PROPERTY.replace(
        'AWSTemplateFormatVersion: "2010-09-09"\n',
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E3002]\n", 1))
    loud = write(tmp_path, "b-loud.yaml", INVALID_PROPERTY)
    findings = check(quiet, loud, jobs=1)
    assert {(f.file, f.rule_id) for f in findings if f.source == "cfn-lint"} == {
        ("b-loud.yaml", "cfn-lint/E3002")}


def test_regions_are_passed_to_cfn_lint(tmp_path: Path) -> None:
    template = write(tmp_path, "agent.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Agent:
            Type: AWS::Bedrock::Agent
            Properties:
              AgentName: demo
        """)

    assert check(template) == []
    (finding,) = check(template, regions=("us-east-1", "af-south-1"))

    assert (finding.rule_id, finding.start_line, finding.start_column) == ("cfn-lint/E3006", 4, 5)
    assert finding.message == "Resource type 'AWS::Bedrock::Agent' does not exist in 'af-south-1'"


def test_unknown_region_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)

    with pytest.raises(SystemExit) as stop:
        main(["check", "--region", "mars-north-1", str(template)])

    assert stop.value.code == 2
    assert "unknown AWS region(s) for --region: mars-north-1" in capsys.readouterr().err


# --- selection, parse errors, crashes, laziness, network ------------------------------------


def test_ignore_and_select_apply_to_cfn_lint_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)

    _, kept = run_main(["check", "--format", "json", "--select", "cfn-lint/E3", str(template)],
                       capsys)
    _, ignored = run_main(
        ["check", "--format", "json", "--ignore", "cfn-lint/E3002", str(template)], capsys
    )
    _, by_name = run_main(
        ["check", "--format", "json", "--ignore", "resource-properties-are-invalid",
         str(template)],
        capsys,
    )
    _, ours_only = run_main(["check", "--format", "json", "--select", "IG", str(template)], capsys)

    assert [f["rule_id"] for f in kept["findings"]] == ["cfn-lint/E3002"]
    assert [f["rule_id"] for f in ignored["findings"]] == []
    assert [f["rule_id"] for f in by_name["findings"]] == []
    assert [f["rule_id"] for f in ours_only["findings"]] == []


def test_unparsable_template_is_reported_once_by_our_loader(tmp_path: Path) -> None:
    template = write(tmp_path, "broken.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties: {BucketName: [unclosed
        """)

    report = run_check(CheckSettings(paths=(template,), rules=(), root=tmp_path))

    assert report.findings == []
    assert [(p.file, p.line) for p in report.problems] == [("broken.yaml", 6)]


def test_cfn_lint_crash_becomes_one_finding_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)

    def explode(*_: object) -> list[object]:
        raise KeyError("Resources")

    monkeypatch.setattr(cfnlint_bridge, "lint_template", explode)
    code, report = run_main(["check", "--format", "json", str(template)], capsys)

    assert code == 1
    (finding,) = report["findings"]
    assert (finding["rule_id"], finding["rule_name"], finding["severity"]) == (
        "IG0006", "validation-crashed", "error"
    )
    assert finding["message"] == (
        "cfn-lint crashed while validating this template (KeyError: 'Resources'); "
        "it was not validated"
    )
    assert finding["file"] == str(template)


def test_missing_schemas_are_never_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)
    # Where cfn-lint looks for its schemas; an empty place is what it would try to fill online.
    monkeypatch.setattr(
        "cfnlint.schema.manager.PROVIDER_SCHEMA_MANAGER._providers_dir", tmp_path / "no-schemas"
    )

    (finding,) = check(template)

    assert finding.rule_id == "IG0006"
    assert "iacguard does not download them" in finding.message


def test_validation_opens_no_network_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **_: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)

    findings = check(template)

    assert [f.rule_id for f in findings] == ["cfn-lint/E3002"]
    assert attempts == []


def test_no_validate_neither_reports_nor_imports_cfn_lint(tmp_path: Path) -> None:
    template = write(tmp_path, "bucket.yaml", INVALID_PROPERTY)
    program = textwrap.dedent(f"""
        import sys
        from iacguard.cli import main
        try:
            main(["check", "--no-validate", "--format", "json", {str(template)!r}])
        except SystemExit as stop:
            code = stop.code
        print("CODE", code, "CFNLINT", any(m.split(".")[0] == "cfnlint" for m in sys.modules))
        """)

    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            timeout=120, check=False)

    report_text, _, summary = result.stdout.rpartition("CODE")
    assert summary.split() == ["0", "CFNLINT", "False"], result.stderr
    assert json.loads(report_text)["findings"] == []


# --- differential: the same findings as the cfn-lint command line ---------------------------

#: How many templates of each (format, is_sam) kind the sample takes from the shared corpus.
SAMPLE_QUOTAS = {("yaml", "no"): 18, ("json", "no"): 10, ("yaml", "yes"): 8, ("json", "yes"): 4}
#: Nested stacks whose TemplateURL is a relative file: cfn-lint must see the template's path.
ALWAYS_SAMPLED = (
    "aws-cloudformation__cfn-lint/test/fixtures/templates/bad/resources/cloudformation/stacks.yaml",
)
MAX_SAMPLE_BYTES = 40_000


def corpus_sample(corpus: Path) -> list[Path]:
    """A fixed, spread-out sample: each kind ordered by a hash of its path, then the first N."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = [
            row for row in csv.DictReader(handle, delimiter="\t")
            if row["resources_count"] != "-1" and int(row["bytes"]) <= MAX_SAMPLE_BYTES
        ]
    by_kind: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: hashlib.sha256(r["path_in_corpus"].encode()).digest()):
        by_kind[(row["format"], row["is_sam"])].append(row["path_in_corpus"])
    chosen = {path for kind, quota in SAMPLE_QUOTAS.items() for path in by_kind[kind][:quota]}
    chosen.update(p for p in ALWAYS_SAMPLED if (corpus / p).is_file())
    return [corpus / path for path in sorted(chosen)]


def cfn_lint_command_line(files: list[Path]) -> dict[Path, set[Location]]:
    result = subprocess.run(
        [str(CFN_LINT), "--format", "json", "--regions", "us-east-1", "--", *map(str, files)],
        capture_output=True, text=True, timeout=600, check=False, cwd=os.getcwd(),
    )
    assert result.returncode in (0, 2, 4, 6, 8, 10, 12, 14), result.stderr
    found: dict[Path, set[Location]] = defaultdict(set)
    for match in json.loads(result.stdout):
        start = match["Location"]["Start"]
        found[Path(match["Filename"]).resolve()].add(
            ("cfn-lint/" + match["Rule"]["Id"], start["LineNumber"], start["ColumnNumber"])
        )
    return found


def test_findings_equal_the_cfn_lint_command_line_on_a_corpus_sample(shared_dir: Path) -> None:
    if not CFN_LINT.is_file():
        pytest.skip("the cfn-lint command is not installed next to this Python")
    corpus = shared_dir / "corpus"
    files = corpus_sample(corpus)
    assert len(files) >= 40

    report = run_check(CheckSettings(paths=tuple(files), rules=(), root=corpus))
    ours: dict[Path, set[Location]] = defaultdict(set)
    for finding in report.findings:
        assert finding.source == "cfn-lint"
        ours[(corpus / finding.file).resolve()] |= located([finding])
    theirs = cfn_lint_command_line(files)

    assert report.problems == []
    assert sorted(report.files_checked) == sorted(str(f.relative_to(corpus)) for f in files)
    differences = {
        str(f.relative_to(corpus)): (sorted(ours[f] - theirs[f]), sorted(theirs[f] - ours[f]))
        for f in (path.resolve() for path in files)
        if ours[f] != theirs[f]
    }
    assert differences == {}
    # The comparison means something only if the sample holds findings of several rules.
    assert len({rule for locations in theirs.values() for rule, _, _ in locations}) >= 5
