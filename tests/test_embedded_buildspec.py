"""Tests for the inline CodeBuild buildspec checks in iacguard.engines.rules.embedded.buildspec."""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import iacguard.engines.rules.embedded as embedded
from iacguard.engines.rules.embedded import (
    EmbeddedProblem,
    check_buildspec_text,
    looks_like_inline_buildspec,
)

VALID = """\
version: 0.2

run-as: builder

env:
  shell: bash
  variables:
    IMAGE_REPO: orders
  parameter-store:
    NPM_TOKEN: /ci/npm-token
  secrets-manager:
    DB_PASSWORD: prod/db:password
  exported-variables:
    - IMAGE_TAG
  git-credential-helper: yes

proxy:
  upload-artifacts: no
  logs: no

phases:
  install:
    runtime-versions:
      nodejs: 20
    commands:
      - npm ci
  pre_build:
    on-failure: ABORT
    commands:
      - aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"
  build:
    on-failure: RETRY-2
    commands:
      - npm test
      - docker build -t "$REGISTRY/$IMAGE_REPO:$IMAGE_TAG" .
    finally:
      - echo "build finished"
  post_build:
    run-as: root
    commands:
      - docker push "$REGISTRY/$IMAGE_REPO:$IMAGE_TAG"

reports:
  unit-tests:
    files:
      - "junit.xml"
    base-directory: reports
    discard-paths: yes
    file-format: JunitXml
  coverage:
    files:
      - coverage/cobertura-coverage.xml
    file-format: COBERTURAXML

artifacts:
  files:
    - imagedefinitions.json
  name: build-$(date +%Y-%m-%d)
  discard-paths: yes
  exclude-paths:
    - "**/*.map"
  secondary-artifacts:
    templates:
      files:
        - "cfn/**/*"
      base-directory: infra

cache:
  key: npm-$(codebuild-hash-files package-lock.json)
  fallback-keys:
    - npm-
  action: restore
  paths:
    - /root/.npm/**/*

batch:
  fast-fail: true
"""

# What an Fn::Sub buildspec looks like before CloudFormation substitutes it.
SUB_TEXT = """\
version: 0.2
phases:
  build:
    commands:
      - aws s3 cp out.zip s3://${ArtifactBucket}/${AWS::Region}/out.zip
      - echo ${!NotSubstituted}
  ${ExtraPhase}:
    commands: ${ExtraCommands}
reports:
  ${ReportGroupArn}:
    files: [report.xml]
    file-format: ${ReportFormat}
"""


def problem(code: str, message: str, line: int, column: int, pointer: str) -> EmbeddedProblem:
    return EmbeddedProblem(code, message, line, column, pointer)


def with_phases(body: str) -> str:
    return "version: 0.2\nphases:\n" + body


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a test with each YAML loader, since positions come from the loader's marks."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(embedded, "_YAML_LOADER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(embedded, "_YAML_LOADER", yaml.SafeLoader)


# --- valid input -------------------------------------------------------------------------


def test_realistic_buildspec_has_no_problems(yaml_loader: None) -> None:
    assert check_buildspec_text(VALID) == []


def test_version_may_be_a_string_or_01() -> None:
    assert check_buildspec_text('version: "0.2"\nphases: {}\n') == []
    assert check_buildspec_text("version: 0.1\nphases: {}\n") == []


def test_fn_sub_placeholders_are_opaque(yaml_loader: None) -> None:
    assert check_buildspec_text(SUB_TEXT) == []
    assert check_buildspec_text("version: ${BuildspecVersion}\nphases: {}\n") == []


def test_json_buildspec_is_yaml_too() -> None:
    text = '{"version": "0.2", "phases": {"build": {"commands": ["make"]}}}'
    assert check_buildspec_text(text) == []


# --- the text itself ---------------------------------------------------------------------


def test_yaml_syntax_error_reports_its_position(yaml_loader: None) -> None:
    text = with_phases("  build:\n    commands:\n      - key: value: other\n")
    [found] = check_buildspec_text(text)
    assert (found.code, found.line, found.column, found.pointer) == ("invalid-yaml", 5, 19, "")
    assert found.message.startswith(
        "the buildspec is not valid YAML: mapping values are not allowed"
    )


def test_bad_indentation_is_a_yaml_error(yaml_loader: None) -> None:
    text = with_phases("  build:\n    commands:\n      - echo hi\n     - echo bad\n")
    [found] = check_buildspec_text(text)
    assert (found.code, found.line, found.column, found.pointer) == ("invalid-yaml", 6, 6, "")
    assert found.message.startswith("the buildspec is not valid YAML: ")


def test_two_documents_are_a_yaml_error() -> None:
    assert check_buildspec_text("version: 0.2\n---\nphases: {}\n") == [
        problem(
            "invalid-yaml",
            "the buildspec is not valid YAML: expected a single document in the stream, "
            "but found another document",
            2,
            1,
            "",
        )
    ]


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "~"])
def test_empty_buildspec(text: str) -> None:
    assert check_buildspec_text(text) == [
        problem("empty-document", "the buildspec is empty", 1, 1, "")
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- version: 0.2\n", "a list"), ("buildspec.yml", "'buildspec.yml'")],
)
def test_buildspec_must_be_a_mapping(text: str, kind: str) -> None:
    assert check_buildspec_text(text) == [
        problem(
            "not-a-mapping", f"the buildspec is {kind}; expected a mapping of sections", 1, 1, ""
        )
    ]


def test_duplicate_key_is_reported_at_the_second_key(yaml_loader: None) -> None:
    text = with_phases("  build:\n    commands:\n      - make\n    commands:\n      - make test\n")
    assert check_buildspec_text(text) == [
        problem(
            "duplicate-key",
            "phases.build repeats key 'commands'; only the last value is used",
            6,
            5,
            "/phases/build/commands",
        )
    ]


# --- version -----------------------------------------------------------------------------


def test_missing_version() -> None:
    assert check_buildspec_text("phases:\n  build:\n    commands: [make]\n") == [
        problem("missing-version", "the buildspec has no version; add 'version: 0.2'", 1, 1, "")
    ]


@pytest.mark.parametrize(("value", "shown"), [("0.3", "'0.3'"), ("[0.2]", "a list"), ("", "empty")])
def test_invalid_version(value: str, shown: str) -> None:
    text = f"phases: {{}}\nversion: {value}\n"
    [found] = check_buildspec_text(text)
    assert found == problem(
        "invalid-version",
        f"version is {shown}; expected 0.1 or 0.2",
        2,
        10 if value else 9,
        "/version",
    )


# --- sections ----------------------------------------------------------------------------


def test_misspelt_section_suggests_the_closest_name(yaml_loader: None) -> None:
    text = "version: 0.2\n\nphazes:\n  build:\n    commands:\n      - make\n"
    assert check_buildspec_text(text) == [
        problem(
            "unknown-section", "unknown section 'phazes'; did you mean 'phases'?", 3, 1, "/phazes"
        )
    ]


def test_unknown_section_without_a_close_match_lists_the_sections() -> None:
    text = "version: 0.2\nsteps: []\n"
    assert check_buildspec_text(text) == [
        problem(
            "unknown-section",
            "unknown section 'steps'; expected one of version, run-as, env, proxy, batch, "
            "phases, reports, artifacts, cache",
            2,
            1,
            "/steps",
        )
    ]


def test_unknown_phase() -> None:
    text = with_phases("  bulid:\n    commands:\n      - make\n")
    assert check_buildspec_text(text) == [
        problem(
            "unknown-phase", "unknown phase 'bulid'; did you mean 'build'?", 3, 3, "/phases/bulid"
        )
    ]


def test_unknown_key_in_a_phase() -> None:
    text = with_phases("  build:\n    command:\n      - make\n")
    assert check_buildspec_text(text) == [
        problem(
            "unknown-phase-key",
            "phases.build has unknown key 'command'; did you mean 'commands'?",
            4,
            5,
            "/phases/build/command",
        )
    ]


def test_runtime_versions_only_in_install() -> None:
    text = with_phases(
        "  build:\n    runtime-versions:\n      python: 3.12\n    commands: [make]\n"
    )
    assert check_buildspec_text(text) == [
        problem(
            "misplaced-key",
            "phases.build.runtime-versions is only allowed in the install phase",
            4,
            5,
            "/phases/build/runtime-versions",
        )
    ]


def test_commands_must_be_a_list() -> None:
    text = with_phases("  build:\n    commands: make test\n")
    assert check_buildspec_text(text) == [
        problem(
            "invalid-commands",
            "phases.build.commands is 'make test'; expected a list of command strings",
            4,
            15,
            "/phases/build/commands",
        )
    ]


def test_unquoted_colon_turns_a_command_into_a_mapping(yaml_loader: None) -> None:
    text = with_phases(
        "  build:\n    commands:\n      - make\n      - echo Status: done\n    finally:\n      -\n"
    )
    assert check_buildspec_text(text) == [
        problem(
            "invalid-commands",
            "phases.build.commands[1] is a mapping, not a command string "
            "(quote a command that contains ': ')",
            6,
            9,
            "/phases/build/commands/1",
        ),
        problem(
            "invalid-commands",
            "phases.build.finally[0] is empty, not a command string",
            8,
            8,
            "/phases/build/finally/0",
        ),
    ]


def test_invalid_on_failure() -> None:
    text = with_phases("  build:\n    on-failure: STOP\n    commands: [make]\n")
    assert check_buildspec_text(text) == [
        problem(
            "invalid-on-failure",
            "phases.build.on-failure is 'STOP'; expected ABORT, CONTINUE or a RETRY form",
            4,
            17,
            "/phases/build/on-failure",
        )
    ]


def test_report_group_needs_files() -> None:
    text = "version: 0.2\nreports:\n  unit-tests:\n    base-directory: out\n"
    assert check_buildspec_text(text) == [
        problem(
            "missing-key",
            "reports.unit-tests has no files; a report group needs a files list",
            3,
            3,
            "/reports/unit-tests",
        )
    ]


def test_invalid_report_file_format() -> None:
    text = "version: 0.2\nreports:\n  unit-tests:\n    files: [junit.xml]\n    file-format: JUNIT\n"
    assert check_buildspec_text(text) == [
        problem(
            "invalid-file-format",
            "reports.unit-tests.file-format is 'JUNIT'; did you mean 'JUNITXML'?",
            5,
            18,
            "/reports/unit-tests/file-format",
        )
    ]


def test_unknown_key_in_a_report_group() -> None:
    text = "version: 0.2\nreports:\n  unit-tests:\n    files: [junit.xml]\n    format: JUNITXML\n"
    assert check_buildspec_text(text) == [
        problem(
            "unknown-key",
            "reports.unit-tests has unknown key 'format'; did you mean 'file-format'?",
            5,
            5,
            "/reports/unit-tests/format",
        )
    ]


@pytest.mark.parametrize(
    ("section", "key", "message"),
    [
        ("env", "variable", "env has unknown key 'variable'; did you mean 'variables'?"),
        ("artifacts", "file", "artifacts has unknown key 'file'; did you mean 'files'?"),
        ("cache", "path", "cache has unknown key 'path'; did you mean 'paths'?"),
        ("proxy", "log", "proxy has unknown key 'log'; did you mean 'logs'?"),
        ("batch", "fail-fast", "batch has unknown key 'fail-fast'; did you mean 'fast-fail'?"),
    ],
)
def test_unknown_keys_in_sections(section: str, key: str, message: str) -> None:
    text = f"version: 0.2\n{section}:\n  {key}: x\n"
    assert check_buildspec_text(text) == [
        problem("unknown-key", message, 3, 3, f"/{section}/{key}")
    ]


def test_unknown_key_in_a_secondary_artifact() -> None:
    text = (
        "version: 0.2\nartifacts:\n  files: [a]\n  secondary-artifacts:\n"
        "    docs:\n      files: [docs/**/*]\n      secondary-artifacts: {}\n"
    )
    assert check_buildspec_text(text) == [
        problem(
            "unknown-key",
            "artifacts.secondary-artifacts.docs has unknown key 'secondary-artifacts'; "
            "expected one of files, name, discard-paths, base-directory, exclude-paths, "
            "enable-symlinks, s3-prefix",
            7,
            7,
            "/artifacts/secondary-artifacts/docs/secondary-artifacts",
        )
    ]


def test_section_of_the_wrong_type() -> None:
    text = "version: 0.2\nenv:\n  variables:\n    - A=1\nphases: [build]\n"
    assert check_buildspec_text(text) == [
        problem(
            "wrong-type", "env.variables is a list; expected a mapping", 4, 5, "/env/variables"
        ),
        problem("wrong-type", "phases is a list; expected a mapping", 5, 9, "/phases"),
    ]


# --- safety and robustness ---------------------------------------------------------------


def test_python_tags_are_never_constructed() -> None:
    text = "version: 0.2\nphases: !!python/object/apply:os.system ['exit 3']\n"
    assert check_buildspec_text(text) == [
        problem("wrong-type", "phases is a list; expected a mapping", 2, 9, "/phases")
    ]


def test_alias_bombs_finish_quickly() -> None:
    lines = ["version: 0.2", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    started = time.perf_counter()
    problems = check_buildspec_text("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert problems[0] == problem(
        "unknown-section",
        "unknown section 'a0'; expected one of version, run-as, env, proxy, batch, phases, "
        "reports, artifacts, cache",
        2,
        1,
        "/a0",
    )


def test_recursive_alias_is_handled() -> None:
    text = "version: 0.2\nphases: &p\n  build: *p\n"
    assert check_buildspec_text(text) == [
        problem(
            "unknown-phase-key",
            "phases.build has unknown key 'build'; expected one of run-as, on-failure, "
            "runtime-versions, commands, finally",
            3,
            3,
            "/phases/build/build",
        )
    ]


def test_unpaired_surrogate_is_a_yaml_error(yaml_loader: None) -> None:
    text = with_phases('  build:\n    commands: ["echo \ud800"]\n')
    [found] = check_buildspec_text(text)
    assert (found.code, found.line, found.column, found.pointer) == ("invalid-yaml", 4, 22, "")
    assert found.message.startswith("the buildspec is not valid YAML: ")


def test_deep_nesting_is_a_problem_not_a_crash(yaml_loader: None) -> None:
    [found] = check_buildspec_text("[" * 50_000 + "]" * 50_000)
    assert (found.code, found.pointer) == ("invalid-yaml", "")


def _assert_well_formed(problems: list[EmbeddedProblem]) -> None:
    assert problems == sorted(
        problems, key=lambda p: (p.line, p.column, p.code, p.pointer, p.message)
    )
    for item in problems:
        assert item.line >= 1 and item.column >= 1
        assert item.code and item.message
        assert item.pointer == "" or item.pointer.startswith("/")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    _assert_well_formed(check_buildspec_text(text))


yaml_fragments = st.lists(
    st.sampled_from(
        [
            "version: 0.2\n",
            "phases:\n",
            "  build:\n",
            "    commands:\n",
            "      - make\n",
            "  install:\n",
            "    runtime-versions:\n",
            "reports:\n",
            "  r:\n",
            "    files: []\n",
            "env:\n",
            "  variables: {}\n",
            "- item\n",
            "&a ",
            "*a\n",
            "? [a, b]\n",
            ": c\n",
            "<<: *a\n",
            "${X}:\n",
            "!!python/name:os.system\n",
            "'",
            '"',
            "\t",
            "{",
            "[",
            "---\n",
            "x: !Ref Y\n",
        ]
    ),
    max_size=14,
)


@settings(max_examples=400, deadline=None)
@given(yaml_fragments)
def test_buildspec_like_text_never_raises(fragments: list[str]) -> None:
    _assert_well_formed(check_buildspec_text("".join(fragments)))


@pytest.mark.parametrize(
    ("value", "inline"),
    [
        ("buildspec.yml", False),
        ("buildspec-test.yml", False),
        ("config/ci/buildspec_release.yaml", False),
        ("arn:aws:s3:::my-codebuild-sample2/buildspec.yml", False),
        ("version: 0.2", True),
        ('{"version": "0.2", "phases": {}}', True),
        ("version: 0.2\nphases:\n  build:\n    commands: [make]\n", True),
        ("phases:\n  build: {}\n", True),
    ],
)
def test_looks_like_inline_buildspec(value: str, inline: bool) -> None:
    assert looks_like_inline_buildspec(value) is inline
