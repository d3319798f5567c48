"""Pipeline-theme checks beyond the fixture files: where buildspec problems land in the template
(the engine honours a check's exact span), rule options, and that secrets are never echoed."""

from __future__ import annotations

import functools
from pathlib import Path

from iacguard.findings import Outcome
from iacguard.load.parse import value_span_of
from rule_harness import run_rule, write_template

_template = write_template
# These tests read UNKNOWN verdicts as findings too.
_run = functools.partial(run_rule, show_unknown=True)






BLOCK_BUILDSPEC = """\
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties:
      Source:
        Type: NO_SOURCE
        BuildSpec: |

          version: 0.2
          phases:
            build:
              commands:
                - make
            deploy:
              commands: [make deploy]
"""


def test_block_scalar_line_k_is_reported_on_template_line_start_plus_k(tmp_path: Path) -> None:
    template = _template(tmp_path, BLOCK_BUILDSPEC)
    start = value_span_of(
        template.document.data, ("Resources", "Build", "Properties", "Source", "BuildSpec")
    )
    assert start is not None and start.start_line == 7
    (finding,) = _run(template, "IGP006")[0]
    # 'deploy' is on line 7 of the buildspec text (its first line is empty).
    assert (finding.start_line, finding.start_column) == (start.start_line + 7, 13)
    assert template.document.lines[finding.start_line - 1].strip() == "deploy:"
    assert finding.message == (
        "Inline buildspec of CodeBuild project Build is invalid: unknown phase 'deploy'; "
        "expected one of install, pre_build, build, post_build"
    )


def test_buildspec_in_a_json_template_is_reported_at_the_key(tmp_path: Path) -> None:
    text = (
        '{"Resources": {"Build": {"Type": "AWS::CodeBuild::Project", "Properties": {\n'
        '  "Source": {"Type": "NO_SOURCE",\n'
        '    "BuildSpec": "version: 0.2\\nphases:\\n  biuld: {}\\n"}}}}}\n'
    )
    (finding,) = _run(_template(tmp_path, text, "template.json"), "IGP006")[0]
    assert (finding.start_line, finding.start_column) == (3, 5)
    assert finding.message.endswith("did you mean 'build'? (buildspec line 3)")


PLAINTEXT = """\
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties:
      Environment:
        EnvironmentVariables:
          - Name: SIGNING_PASSPHRASE
            Value: correct-horse-battery-staple
          - Name: DEPLOY_HOOK
            Value: https://hooks.example.com/abc123
"""


def test_findings_never_repeat_the_secret_value(tmp_path: Path) -> None:
    findings, _ = _run(_template(tmp_path, PLAINTEXT), "IGP004")
    assert [(f.start_line, f.message) for f in findings] == [
        (
            8,
            "CodeBuild project Build stores credential-like environment variable "
            "SIGNING_PASSPHRASE as a literal PLAINTEXT value",
        ),
    ]
    assert all("correct-horse" not in f.message + f.fix for f in findings)


def test_secret_name_pattern_is_an_option(tmp_path: Path) -> None:
    findings, _ = _run(
        _template(tmp_path, PLAINTEXT), "IGP004", {"secret_name_pattern": "(?i)HOOK"}
    )
    assert [(f.start_line, f.logical_id) for f in findings] == [(10, "Build")]


def test_pipeline_without_cloudformation_deploy_is_skipped(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        """\
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: Source
          Actions:
            - Name: Src
              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: "1"}
""",
    )
    assert _run(template, "IGP005") == ([], {"Pipeline": Outcome.SKIP})
