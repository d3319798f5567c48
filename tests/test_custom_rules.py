"""Custom rules: a one-line policy needs no ceremony, and mistakes are caught when the rule file
loads, not by flagging every resource (issue 20, item 8)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from iacguard.engines.rules.registry import builtin_rules_dir, load_rule_file, rule_files
from iacguard.engines.rules.rule_checks import path_problem
from iacguard.errors import RuleFileError

MINIMAL = """\
id: ACME001
title: Buckets are versioned
severity: warning
resource-types: [AWS::S3::Bucket]
when:
  path: Properties.VersioningConfiguration.Status
  not-equals: Enabled
message: "Bucket {logical_id} is not versioned"
"""


def write(tmp_path: Path, text: str, name: str = "ACME001.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_custom_rule_needs_only_id_title_severity_types_condition_and_message(
    tmp_path: Path,
) -> None:
    spec = load_rule_file(write(tmp_path, MINIMAL), builtin=False)
    assert (spec.id, spec.name, spec.title, spec.builtin) == (
        "ACME001", "acme001", "Buckets are versioned", False)
    assert spec.fix == "" and dict(spec.docs) == {} and spec.status == "stable"


@pytest.mark.parametrize("missing", ["title", "severity", "message", "resource-types", "when"])
def test_each_required_field_is_still_required(tmp_path: Path, missing: str) -> None:
    data = yaml.safe_load(MINIMAL)
    del data[missing]
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(RuleFileError) as error:
        load_rule_file(path, builtin=False)
    assert str(error.value).startswith(f"{path}:")
    assert missing in str(error.value) or "when" in str(error.value)


def test_built_in_rules_keep_the_full_metadata_requirement(tmp_path: Path) -> None:
    builtin = next(p for p in rule_files(builtin_rules_dir()) if p.name.startswith("IGL001"))
    data = yaml.safe_load(builtin.read_text(encoding="utf-8"))
    del data["docs"]
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False), "IGL001.yaml")
    with pytest.raises(RuleFileError, match="'docs' is required"):
        load_rule_file(path, builtin=True)
    load_rule_file(path, builtin=False)  # the same text is a fine custom rule


def test_a_path_the_type_does_not_have_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("VersioningConfiguration", "VersioningConfig"))
    with pytest.raises(RuleFileError) as error:
        load_rule_file(path, builtin=False)
    assert str(error.value) == (
        f"{path}:6: path 'Properties.VersioningConfig.Status': AWS::S3::Bucket has no property "
        "'Properties.VersioningConfig'; did you mean 'VersioningConfiguration'?"
    )


def test_a_mistyped_operator_gets_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("not-equals:", "not-equal:"))
    with pytest.raises(RuleFileError) as error:
        load_rule_file(path, builtin=False)
    assert str(error.value) == f"{path}:7: unknown operator 'not-equal'; did you mean 'not-equals'?"


@pytest.mark.parametrize(("resource_type", "path", "problem"), [
    ("AWS::S3::Bucket", "Properties.VersioningConfiguration.Status", ""),
    ("AWS::S3::Bucket", "Properties.BucketEncryption.ServerSideEncryptionConfiguration.*"
     ".ServerSideEncryptionByDefault.SSEAlgorithm", ""),
    ("AWS::S3::Bucket", "Properties.Tags.*.Key", ""),
    ("AWS::SQS::Queue", "Properties.RedrivePolicy.deadLetterTargetArn", ""),
    ("AWS::IAM::Role", "Properties.AssumeRolePolicyDocument.Statement.*.Effect", ""),
    ("AWS::S3::Bucket", "DeletionPolicy", ""),
    ("Custom::Anything", "Properties.Whatever", ""),  # no schema: nothing to check against
    ("AWS::SQS::Queue", "Properties.RedrivePolicy.deadLetterTargetARN",
     "path 'Properties.RedrivePolicy.deadLetterTargetARN': AWS::SQS::Queue has no property "
     "'Properties.RedrivePolicy.deadLetterTargetARN'; did you mean 'deadLetterTargetArn'?"),
    ("AWS::S3::Bucket", "DeletionPolicyy",
     "path 'DeletionPolicyy': a resource has no 'DeletionPolicyy'; did you mean 'DeletionPolicy'?"),
])
def test_paths_are_checked_against_cfn_lint_resource_schemas(
    resource_type: str, path: str, problem: str
) -> None:
    assert path_problem(resource_type, path) == problem


def test_a_relationship_condition_is_checked_against_the_related_types(tmp_path: Path) -> None:
    text = MINIMAL.replace("""when:
  path: Properties.VersioningConfiguration.Status
  not-equals: Enabled""", """when:
  not:
    referenced-by:
      types: [AWS::SQS::Queue]
      where: {path: Properties.VisibilityTimeOut, exists: true}""")
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as error:
        load_rule_file(path, builtin=False)
    assert str(error.value).endswith("AWS::SQS::Queue has no property "
                                     "'Properties.VisibilityTimeOut'; did you mean 'VisibilityTimeout'?")


def test_checking_paths_does_not_import_cfn_lint(tmp_path: Path) -> None:
    import subprocess
    import sys

    rule = write(tmp_path, MINIMAL)
    script = ("import sys\nfrom pathlib import Path\n"
              "from iacguard.engines.rules.registry import load_rule_file\n"
              f"load_rule_file(Path({str(rule)!r}), builtin=False)\n"
              "print('cfnlint' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "False"
