"""Configuration: where it is found, how it is validated (with lines), and who wins.

Errors are checked as the user sees them: exit code 2 and one line ``file:line: problem`` on
standard error.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from iacguard.cli import main
from iacguard.engines.rules.api import CheckContext, Verdict
from iacguard.engines.rules.checks import CHECKS
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.errors import ConfigError
from iacguard.findings import Severity
from iacguard.load.parse import load_document
from iacguard.model.template import build_template
from iacguard.settings.resolve import CommandLine, resolve_settings
from iacguard.settings.schema import config_schema

FIXTURES = Path(__file__).parent / "fixtures" / "config"


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


Invoke = Callable[..., Result]


@pytest.fixture
def iacguard(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    """Run the command line in-process from a folder, as a shell would."""

    def invoke(*args: str, cwd: Path) -> Result:
        monkeypatch.chdir(cwd)
        monkeypatch.setenv("NO_COLOR", "1")
        code = 0
        try:
            main(list(args))
        except SystemExit as stop:
            code = int(stop.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def template(folder: Path, name: str = "template.yaml") -> Path:
    return write(folder, name, """
        Resources:
          Images:
            Type: AWS::ECR::Repository
          Logs:
            Type: AWS::Logs::LogGroup
        """)


# --------------------------------------------------------------------------- schema


def test_schema_is_draft_2020_12_with_a_stable_id_and_closed_objects() -> None:
    schema = config_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://iacguard.dev/schemas/config-v1.schema.json"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["facts"]["additionalProperties"] is False
    assert schema["properties"]["suppressions"]["items"]["additionalProperties"] is False


# --------------------------------------------------------------------------- YAML errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("select: [IGE]\nignroe: [IGA001]\n",
         ".iacguard.yaml:2: unknown key 'ignroe'; did you mean 'ignore'?"),
        ("fail-on: errors\n",
         ".iacguard.yaml:1: 'fail-on': 'errors' is not one of error, warning, note, never; "
         "did you mean 'error'?"),
        ("select: [IGE]\nvalidate: 'no'\n",
         ".iacguard.yaml:2: 'validate' must be true or false, not 'no' (a string)"),
        ("select: IGE001\n",
         ".iacguard.yaml:1: 'select' must be a list, not 'IGE001' (a string)"),
        ("severity:\n  IGE001: fatal\n",
         ".iacguard.yaml:2: 'severity.IGE001': 'fatal' is not one of error, warning, note"),
        ("suppressions:\n  - id: IGE001\n    reason: ok\n  - id: IGL001\n    reasn: typo\n",
         ".iacguard.yaml:5: unknown key 'reasn' in 'suppressions[1]'; did you mean 'reason'?"),
        ("suppressions:\n  - reason: which rule?\n",
         ".iacguard.yaml:2: 'suppressions[0]': 'id' is required"),
        ("facts:\n  registry-scaning: true\n",
         ".iacguard.yaml:2: unknown key 'registry-scaning' in 'facts'; did you mean "
         "'registry-scanning'?"),
        ("regions: [eu-west-1, Ireland]\n",
         ".iacguard.yaml:1: 'regions[1]': 'Ireland' is not an AWS region such as eu-west-1"),
        ("suppressions:\n  - id: IGE001\n    reason: ok\n    expires: '2027-02-30'\n",
         ".iacguard.yaml:4: 'suppressions[0].expires': '2027-02-30' is not a valid date"),
        ("suppressions:\n  - id: IGE001\n    reason: ok\n    expires: 2027-02-30\n",
         ".iacguard.yaml:4:14: invalid timestamp value '2027-02-30': day is out of range for month"),
        ("- select\n", ".iacguard.yaml:1: expected a mapping of settings, not a list"),
        # Swapped words read alike to a person but not to edit distance.
        ("on-fail: error\n", ".iacguard.yaml:1: unknown key 'on-fail'; did you mean 'fail-on'?"),
        ("select: [IGE\n", ".iacguard.yaml:2:1: did not find expected ',' or ']'"),
    ],
)
def test_yaml_config_errors(tmp_path: Path, iacguard: Invoke, text: str, expected: str
) -> None:
    write(tmp_path, ".iacguard.yaml", text)
    template(tmp_path)
    result = iacguard("check", "--no-validate", "template.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.err == f"iacguard: error: {expected}\n"
    assert result.out == ""


def test_the_first_error_in_file_order_is_reported(tmp_path: Path) -> None:
    write(tmp_path, ".iacguard.yaml", """
        select: [IGE]
        fail-on: sometimes
        ignroe: [IGA001]
        """)
    with pytest.raises(ConfigError) as error:
        resolve_settings((), cwd=tmp_path)
    assert str(error.value).startswith(".iacguard.yaml:2: 'fail-on': 'sometimes'")


# --------------------------------------------------------------------------- TOML errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[tool.ruff]\nselect = ["E"]\n\n[tool.iacguard]\nselect = ["IGE"]\nfail_on = "warning"\n',
         "pyproject.toml:6: unknown key 'fail_on'; did you mean 'fail-on'?"),
        ('[tool.iacguard]\nselect = ["IGE"]\n\n[tool.iacguard.severity]\nIGE001 = "fatal"\n',
         "pyproject.toml:5: 'severity.IGE001': 'fatal' is not one of error, warning, note"),
        ('[tool.iacguard]\nshow-unknown = "yes"\n',
         "pyproject.toml:2: 'show-unknown' must be true or false, not 'yes' (a string)"),
        ('[tool.iacguard]\n\n[[tool.iacguard.suppressions]]\nid = "IGE001"\nreason = "a"\n\n'
         '[[tool.iacguard.suppressions]]\nid = "IGL001"\nexpire = 2027-01-31\n',
         "pyproject.toml:9: unknown key 'expire' in 'suppressions[1]'; did you mean 'expires'?"),
        ('[tool.iacguard]\nsuppressions = [\n  {id = "IGE001", reason = "a"},\n'
         '  {id = "IGL001", resn = "b"},\n]\n',
         "pyproject.toml:4: unknown key 'resn' in 'suppressions[1]'; did you mean 'reason'?"),
        ('[tool.iacguard]\nselect = ["IGE"\n',
         "pyproject.toml:2: invalid TOML: Unclosed array"),
        ('[tool.iacguard]\nselect = ["IGE"]]\nfail-on = "note"\n',
         "pyproject.toml:2: invalid TOML: Expected newline or end of document after a statement"),
    ],
)
def test_toml_config_errors(tmp_path: Path, iacguard: Invoke, text: str, expected: str
) -> None:
    write(tmp_path, "pyproject.toml", text)
    template(tmp_path)
    result = iacguard("check", "--no-validate", "template.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.err == f"iacguard: error: {expected}\n"


# --------------------------------------------------------------------------- names of rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("severity:\n  IGE0001: warning\n",
         ".iacguard.yaml:2: unknown rule 'IGE0001'; did you mean 'IGE001'?"),
        ("select: [IGE001, IGE0001]\n",
         ".iacguard.yaml:1: 'IGE0001' matches no rule; did you mean 'IGE001'?"),
        ("rule-options:\n  IGE007:\n    min_dayz: 3\n",
         ".iacguard.yaml:3: rule IGE007 has no option 'min_dayz' (options: min_days, "
         "min_images, release_tag_patterns); did you mean 'min_days'?"),
        ("output: ['xml:report.xml']\n",
         ".iacguard.yaml:1: unknown report format 'xml' (formats: console, json, sarif, junit, "
         "github)"),
        ("suppressions:\n  - id: IGE0001\n    reason: typo\n",
         ".iacguard.yaml:2: unknown rule 'IGE0001'; did you mean 'IGE001'?"),
    ],
)
def test_settings_must_name_existing_rules(
    tmp_path: Path, iacguard: Invoke, text: str, expected: str
) -> None:
    write(tmp_path, ".iacguard.yaml", text)
    template(tmp_path)
    result = iacguard("check", "--no-validate", "template.yaml", cwd=tmp_path)
    assert (result.code, result.err) == (2, f"iacguard: error: {expected}\n")


def test_command_line_selector_errors_name_the_flag(tmp_path: Path, iacguard: Invoke) -> None:
    template(tmp_path)
    result = iacguard("check", "--isolated", "--ignore", "IGL0001", "template.yaml", cwd=tmp_path)
    assert (result.code, result.err) == (
        2, "iacguard: error: --ignore: 'IGL0001' matches no rule; did you mean 'IGL001'?\n"
    )


def test_cfn_lint_selectors_and_suppressions_are_passed_on(tmp_path: Path) -> None:
    """Only cfn-lint knows its rules, so iacguard does not reject their ids or names."""
    write(tmp_path, ".iacguard.yaml", """
        ignore: [E3012, cfn-lint/W2001, check-resource-property-values]
        suppressions:
          - {id: E3002, reason: a property cfn-lint does not know yet}
        """)
    settings = resolve_settings((), cwd=tmp_path)
    from iacguard.run.plan import rules_for

    _every, chosen = rules_for(settings)
    assert "IGE001" in {spec.id for spec in chosen}


# --------------------------------------------------------------------------- finding the file


def test_search_walks_up_from_the_first_checked_path(tmp_path: Path) -> None:
    write(tmp_path, "repo/.iacguard.yaml", "fail-on: note\n")
    template(tmp_path / "repo" / "stacks" / "app")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings = resolve_settings(
        (tmp_path / "repo" / "stacks" / "app" / "template.yaml",), cwd=elsewhere
    )
    assert settings.fail_on == "note"
    assert settings.config is not None
    assert settings.config.path == (tmp_path / "repo" / ".iacguard.yaml").resolve()


def test_search_starts_at_the_working_folder_without_paths(tmp_path: Path) -> None:
    write(tmp_path, ".iacguard.yml", "fail-on: warning\n")
    (tmp_path / "sub").mkdir()
    settings = resolve_settings((), cwd=tmp_path / "sub")
    assert settings.fail_on == "warning"
    assert settings.config is not None
    assert settings.config.path == (tmp_path / ".iacguard.yml").resolve()


def test_nearest_folder_wins_and_yaml_beats_pyproject_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path, ".iacguard.yaml", "fail-on: note\n")
    write(tmp_path, "inner/pyproject.toml", '[tool.iacguard]\nfail-on = "warning"\n')
    write(tmp_path, "inner/.iacguard.yaml", "fail-on: never\n")
    assert resolve_settings((), cwd=tmp_path / "inner").fail_on == "never"
    (tmp_path / "inner" / ".iacguard.yaml").unlink()
    assert resolve_settings((), cwd=tmp_path / "inner").fail_on == "warning"


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path, ".iacguard.yaml", "fail-on: note\n")
    write(tmp_path, "inner/pyproject.toml", '[tool.ruff]\nline-length = 100  # iacguard\n')
    assert resolve_settings((), cwd=tmp_path / "inner").fail_on == "note"


def test_config_flag_overrides_the_search_and_isolated_ignores_files(tmp_path: Path) -> None:
    write(tmp_path, ".iacguard.yaml", "fail-on: note\n")
    chosen = write(tmp_path, "ci/strict.toml", 'fail-on = "warning"\n')
    assert resolve_settings((), config_path=chosen, cwd=tmp_path).fail_on == "warning"
    isolated = resolve_settings((), isolated=True, cwd=tmp_path)
    assert (isolated.fail_on, isolated.config) == ("error", None)
    with pytest.raises(ConfigError, match="--config and --isolated cannot be used together"):
        resolve_settings((), config_path=chosen, isolated=True, cwd=tmp_path)


def test_config_flag_errors(tmp_path: Path, iacguard: Invoke) -> None:
    template(tmp_path)
    missing = iacguard("check", "--config", "nope.yaml", "template.yaml", cwd=tmp_path)
    assert (missing.code, missing.err) == (
        2, "iacguard: error: nope.yaml: configuration file does not exist\n")
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    no_table = iacguard("check", "--config", "pyproject.toml", "template.yaml", cwd=tmp_path)
    assert (no_table.code, no_table.err) == (
        2, "iacguard: error: pyproject.toml:1: has no [tool.iacguard] table\n")


# --------------------------------------------------------------------------- precedence


def test_every_key_reads_the_same_from_yaml_and_toml() -> None:
    from_yaml = resolve_settings((), cwd=FIXTURES / "full")
    from_toml = resolve_settings((), cwd=FIXTURES / "pyproject")
    for key in ("include", "exclude", "select", "ignore", "severity", "fail-on", "parameters",
                "validate", "regions", "show-unknown", "rule-options", "facts", "suppressions"):
        assert from_yaml.effective[key] == from_toml.effective[key], key
    assert from_yaml.severity == {"IGL001": Severity.ERROR}
    assert from_yaml.facts == {"registry-scanning": True, "external-alarms": ["shared-5xx-alarm"]}
    (entry,) = from_toml.suppressions
    assert (entry.rule_id, entry.path, entry.logical_id, entry.expires.isoformat(), entry.file,
            entry.line) == ("IGE001", "templates/legacy/*.yaml", "Legacy*", "2027-01-31",
                            "pyproject.toml", 28)
    assert from_yaml.suppressions[0].line == 26


def test_relative_paths_in_the_file_are_relative_to_the_file(tmp_path: Path) -> None:
    settings = resolve_settings((), cwd=FIXTURES, config_path=FIXTURES / "full" / ".iacguard.yaml")
    assert settings.rules == (FIXTURES / "full" / "rules",)
    assert settings.output == ("sarif:full/reports/iacguard.sarif",)
    command_line = CommandLine(rules=(Path("my-rules"),))
    overridden = resolve_settings((), command_line, config_path=FIXTURES / "full" /
                                  ".iacguard.yaml", cwd=FIXTURES)
    assert overridden.rules == (Path("my-rules"),)


def test_flags_override_the_file_and_absent_flags_do_not(tmp_path: Path) -> None:
    write(tmp_path, ".iacguard.yaml", """
        fail-on: warning
        show-unknown: true
        validate: false
        select: [IGE]
        """)
    untouched = resolve_settings((), CommandLine(), cwd=tmp_path)
    assert (untouched.fail_on, untouched.show_unknown, untouched.validate, untouched.select) == (
        "warning", True, False, ("IGE",))
    flags = CommandLine(fail_on="error", show_unknown=False, validate=True, select=("IGL",))
    overridden = resolve_settings((), flags, cwd=tmp_path)
    assert (overridden.fail_on, overridden.show_unknown, overridden.validate,
            overridden.select) == ("error", False, True, ("IGL",))
    assert overridden.sources["fail-on"] == "command line"
    assert overridden.sources["ignore"] == "default"
    assert untouched.sources["fail-on"] == ".iacguard.yaml"


def test_fail_on_from_the_file_decides_the_exit_code(tmp_path: Path, iacguard: Invoke) -> None:
    write(tmp_path, "t.yaml", """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
        """)
    write(tmp_path, ".iacguard.yaml", "fail-on: warning\nvalidate: false\nselect: [IGL001]\n")
    assert iacguard("check", "-q", "t.yaml", cwd=tmp_path).code == 1
    assert iacguard("check", "-q", "--fail-on", "error", "t.yaml", cwd=tmp_path).code == 0
    assert iacguard("check", "-q", "--isolated", "--no-validate", "--select", "IGL001",
                    "t.yaml", cwd=tmp_path).code == 0


def test_severity_relevels_a_rule(tmp_path: Path, iacguard: Invoke) -> None:
    write(tmp_path, "t.yaml", """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
        """)
    write(tmp_path, ".iacguard.yaml", "severity: {IGL001: error}\nvalidate: false\n"
                                      "select: [IGL001]\n")
    result = iacguard("check", "-q", "t.yaml", cwd=tmp_path)
    assert result.code == 1
    assert result.out.startswith("t.yaml:2:3 IGL001 error Log group Logs")


def test_parameters_per_template_glob_and_the_command_line_wins(
    tmp_path: Path, iacguard: Invoke
) -> None:
    shutil.copy(FIXTURES / "params" / "template.yaml", tmp_path / "prod.yaml")
    shutil.copy(FIXTURES / "params" / "template.yaml", tmp_path / "other.yaml")
    write(tmp_path, ".iacguard.yaml", """
        validate: false
        select: [IGE001]
        parameters:
          "prod*.yaml": {ScanImages: "false"}
        """)

    def located(*args: str) -> list[str]:
        result = iacguard("check", "-q", *args, cwd=tmp_path)
        return [line.split(" ", 1)[0] for line in result.out.splitlines() if " IGE001 " in line]

    # other.yaml has no value for ScanImages, so ScanOnPush is unknown there (not a failure).
    assert located("prod.yaml", "other.yaml") == ["prod.yaml:10:9"]
    assert located("--parameter", "ScanImages=true", "prod.yaml", "other.yaml") == []
    assert located("--parameter", "ScanImages=false", "other.yaml") == ["other.yaml:10:9"]


def test_include_limits_walked_files_but_not_named_ones(tmp_path: Path, iacguard: Invoke) -> None:
    template(tmp_path / "stacks")
    template(tmp_path / "scratch")
    write(tmp_path, ".iacguard.yaml", "include: ['stacks/*']\nvalidate: false\n"
                                      "select: [IGL001]\nfail-on: never\n")
    walked = iacguard("check", "-q", ".", cwd=tmp_path)
    assert [line.split(" ")[0] for line in walked.out.splitlines() if "IGL001" in line] == [
        "stacks/template.yaml:4:3"]
    named = iacguard("check", "-q", "scratch/template.yaml", cwd=tmp_path)
    assert [line.split(" ")[0] for line in named.out.splitlines() if "IGL001" in line] == [
        "scratch/template.yaml:4:3"]


def test_output_entries_write_reports_next_to_the_config(tmp_path: Path, iacguard: Invoke) -> None:
    template(tmp_path / "project")
    write(tmp_path, "project/.iacguard.yaml", "output: ['json:reports/iacguard.json']\n"
                                              "validate: false\nselect: [IGL001]\n")
    result = iacguard("check", "-q", "project/template.yaml", cwd=tmp_path)
    assert result.code == 0
    report = json.loads((tmp_path / "project" / "reports" / "iacguard.json").read_text())
    assert [(f["rule_id"], f["file"], f["start_line"]) for f in report["findings"]] == [
        ("IGL001", "project/template.yaml", 4)]


def test_facts_reach_every_check_as_an_option(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def probe(ctx: CheckContext) -> list[Verdict]:
        seen.append(ctx.options.get("facts"))
        return []

    monkeypatch.setitem(CHECKS, "facts_probe", probe)
    from dataclasses import replace

    spec = next(s for s in load_rules() if s.id == "IGL001")
    probe_rule = replace(spec, check="facts_probe", when=None, applies_when=None)
    settings = resolve_settings((), cwd=FIXTURES / "full")
    document = load_document(FIXTURES / "params" / "template.yaml")
    logs = build_template(document, "t.yaml")
    logs.resources["Images"] = replace(logs.resources["Images"], type="AWS::Logs::LogGroup")
    check_template(logs, [probe_rule], EngineOptions(facts=settings.facts))
    assert seen == [{"registry-scanning": True, "external-alarms": ["shared-5xx-alarm"]}]


# --------------------------------------------------------------------------- iacguard config


def test_config_command_shows_values_and_where_they_came_from(iacguard: Invoke) -> None:
    result = iacguard("config", "--fail-on", "note", "--no-validate", cwd=FIXTURES / "full")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "configuration file: .iacguard.yaml"
    rows = {line.split()[0]: line for line in lines[2:]}
    assert rows["fail-on"].split() == ['fail-on', '"note"', "(command", "line)"]
    assert rows["validate"].split() == ["validate", "false", "(command", "line)"]
    assert rows["select"].split() == ["select", '["IGE",', '"IGL"]', "(.iacguard.yaml)"]
    assert rows["inline-suppressions"].split() == ["inline-suppressions", "true",
                                                   "(.iacguard.yaml)"]
    assert rows["output"].split() == ["output", '["sarif:reports/iacguard.sarif"]',
                                      "(.iacguard.yaml)"]
    assert len(rows) == 19


def test_config_command_json_and_isolated(iacguard: Invoke) -> None:
    result = iacguard("config", "--isolated", "--select", "IGE", "--format", "json",
                      cwd=FIXTURES / "full")
    document = json.loads(result.out)
    assert document["config_file"] is None
    assert document["settings"]["select"] == {"value": ["IGE"], "source": "command line"}
    assert document["settings"]["fail-on"] == {"value": "error", "source": "default"}
    assert document["settings"]["facts"] == {"value": {}, "source": "default"}
