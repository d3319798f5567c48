"""Suppressions: each form with and without a reason, expired, unused, malformed, and turned off.

Every assertion names the finding exactly (rule, line, column, resource) and how it was
suppressed, because a suppression that silently covers the wrong line is the failure to catch.
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from iacguard.cli import main
from iacguard.engines.codes import CODES
from iacguard.engines.rules.registry import load_rules, select_rules
from iacguard.findings import Finding, Report, Severity, Suppression
from iacguard.load.parse import load_document
from iacguard.model.template import build_template
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings
from iacguard.suppress.apply import suppress_template_findings
from iacguard.suppress.config_entry import ConfigSuppression
from iacguard.suppress.policy import SuppressionPolicy, meta_rules

FIXTURES = Path(__file__).parent / "fixtures" / "suppress"
TODAY = datetime.date(2026, 6, 1)
ALL_RULES = load_rules()
KNOWN = {
    **{spec.name: spec.id for spec in [*ALL_RULES, *CODES]},
    **{spec.id: spec.id for spec in [*ALL_RULES, *CODES]},
}


def run(
    path: Path,
    policy: SuppressionPolicy | None = None,
    select: tuple[str, ...] = ("IGE001", "IGL001"),
) -> Report:
    settings = CheckSettings(
        paths=(path,),
        rules=tuple(select_rules(ALL_RULES, select)),
        settings=Settings(validate=False),
        root=path.parent,
        suppression=policy or SuppressionPolicy(today=TODAY, known_rules=KNOWN),
    )
    return run_check(settings)


Row = tuple[str, int, int, str, "tuple[str, str, str] | None"]


def rows(report: Report, file: str | None = None) -> list[Row]:
    """(rule, line, column, logical id, (kind, reason, location) or None) per finding."""
    return [
        (
            f.rule_id,
            f.start_line,
            f.start_column,
            f.logical_id,
            None if f.suppression is None
            else (f.suppression.kind, f.suppression.reason, f.suppression.location),
        )
        for f in report.findings
        if file is None or f.file == file
    ]


def messages(report: Report) -> dict[tuple[str, int], str]:
    return {(f.rule_id, f.start_line): f.message for f in report.findings
            if f.rule_id.startswith("IG0")}


# --------------------------------------------------------------------------- Metadata


def test_metadata_suppressions_per_resource_and_per_template() -> None:
    report = run(FIXTURES / "metadata.yaml")
    assert rows(report) == [
        ("IGE001", 9, 3, "ReasonedRepo",
         ("metadata", "images are scanned by the registry baseline (SEC-1)", "metadata.yaml:14")),
        ("IGE001", 17, 3, "UnreasonedRepo", None),
        ("IG0003", 22, 13, "UnreasonedRepo", None),
        ("IGE001", 23, 3, "BlankReasonRepo", None),
        ("IG0003", 28, 13, "BlankReasonRepo", None),
        ("IGE001", 30, 3, "ExpiredRepo", None),
        ("IG0004", 35, 13, "ExpiredRepo", None),
        ("IG0005", 43, 13, "ScannedRepo", None),
        ("IGL001", 48, 3, "AppLogs",
         ("metadata", "log retention is enforced by an account-wide policy (OPS-12)",
          "metadata.yaml:6")),
    ]
    assert messages(report) == {
        ("IG0003", 22): "Metadata suppression on resource UnreasonedRepo of IGE001 has no reason, "
        "so it does not apply",
        ("IG0003", 28): "Metadata suppression on resource BlankReasonRepo of IGE001 has no "
        "reason, so it does not apply",
        ("IG0004", 35): "Metadata suppression on resource ExpiredRepo of IGE001 expired on "
        "2020-01-31: the finding it covered is reported again",
        ("IG0005", 43): "Metadata suppression on resource ScannedRepo of IGE001 matches no "
        "finding; remove it",
    }


def test_meta_findings_carry_their_rule_metadata() -> None:
    report = run(FIXTURES / "metadata.yaml")
    by_id = {f.rule_id: f for f in report.findings}
    assert (by_id["IG0003"].rule_name, by_id["IG0003"].severity) == (
        "suppression-without-reason", Severity.ERROR)
    assert (by_id["IG0004"].rule_name, by_id["IG0004"].severity) == (
        "suppression-expired", Severity.WARNING)
    assert (by_id["IG0005"].rule_name, by_id["IG0005"].severity) == (
        "unused-suppression", Severity.WARNING)
    # reporters describe rules from rules_run, so the suppression rules that fired are there
    assert {"IG0003", "IG0004", "IG0005"} <= {spec.id for spec in report.rules_run}


def test_expiry_is_compared_with_today() -> None:
    """The day before expiry the suppression works; the day after it no longer does."""
    before = run(FIXTURES / "metadata.yaml",
                 SuppressionPolicy(today=datetime.date(2020, 1, 31), known_rules=KNOWN))
    after = run(FIXTURES / "metadata.yaml",
                SuppressionPolicy(today=datetime.date(2020, 2, 1), known_rules=KNOWN))
    assert ("IGE001", 30, 3, "ExpiredRepo",
            ("metadata", "temporary exception for the migration", "metadata.yaml:35")
            ) in rows(before)
    assert ("IGE001", 30, 3, "ExpiredRepo", None) in rows(after)


def test_metadata_in_a_cdk_json_template() -> None:
    report = run(FIXTURES / "cdk.template.json")
    assert rows(report) == [
        ("IGE001", 3, 5, "ImagesRepo1A2B3C4D",
         ("metadata", "scanned by the registry baseline (SEC-1)", "cdk.template.json:9")),
        ("IGL001", 14, 5, "LogsABCD1234", None),
    ]


def test_malformed_suppressions_are_reported_where_they_are_written() -> None:
    report = run(FIXTURES / "malformed.yaml")
    assert rows(report) == [
        ("IGE001", 4, 3, "MisspeltKeyRepo", None),
        ("IG0007", 10, 13, "MisspeltKeyRepo", None),
        ("IGE001", 11, 3, "BadDateRepo", None),
        ("IG0007", 18, 13, "BadDateRepo", None),
        ("IGE001", 19, 3, "NotAListRepo", None),
        ("IG0007", 23, 9, "NotAListRepo", None),
    ]
    assert messages(report) == {
        ("IG0007", 10): "unknown key 'reson' in suppression entry; did you mean 'reason'?",
        ("IG0007", 18): "'expires' must be a date written YYYY-MM-DD, not 'next year'",
        ("IG0007", 23): "unknown key 'supress' in Metadata.iacguard; did you mean 'suppress'?",
    }


# --------------------------------------------------------------------------- inline comments


def test_inline_comments() -> None:
    report = run(FIXTURES / "inline.yaml")
    reason = "scanned by the registry baseline (SEC-1)"
    assert rows(report) == [
        ("IGE001", 4, 3, "TrailingRepo", ("inline", reason, "inline.yaml:4")),
        ("IG0005", 6, 3, "", None),
        ("IGE001", 7, 3, "AboveRepo",
         ("inline", "shared exception for the legacy stack (OPS-7)", "inline.yaml:6")),
        ("IG0005", 10, 3, "", None),
        ("IGE001", 11, 3, "StackedRepo",
         ("inline", "the first of two comments stacked above one line", "inline.yaml:9")),
        ("IGE001", 13, 3, "NoReasonRepo", None),
        ("IG0003", 13, 18, "", None),
        ("IGE001", 15, 3, "ExpiredRepo", None),
        ("IG0004", 15, 17, "", None),
        ("IGE001", 17, 3, "FutureRepo", ("inline", "migration exception", "inline.yaml:17")),
        ("IGE001", 21, 5, "WrongLineRepo", None),
        ("IG0005", 22, 38, "", None),
        ("IGE001", 23, 3, "TypoRepo", None),
        ("IG0005", 23, 14, "", None),
        ("IGL001", 25, 3, "Logs", None),
        ("IG0007", 25, 10, "", None),
    ]
    assert messages(report) == {
        ("IG0005", 6): "inline suppression of IGL001 matches no finding; remove it",
        ("IG0005", 10): "inline suppression of IGL001 matches no finding; remove it",
        ("IG0003", 13): "inline suppression of IGE001 has no reason, so it does not apply",
        ("IG0004", 15): "inline suppression of IGE001 expired on 2020-01-31: the finding it "
        "covered is reported again",
        ("IG0005", 22): "inline suppression of IGE001 matches no finding; remove it",
        ("IG0005", 23): "inline suppression names unknown rule 'IGE01'; did you mean 'IGE001'?",
        ("IG0007", 25): "unrecognised iacguard comment '# iacguard: ignroe[IGL001] a typo in the "
        "keyword'; expected '# iacguard: ignore[RULE-ID,...] reason'",
    }


def test_inline_comment_spans_cover_the_comment() -> None:
    report = run(FIXTURES / "inline.yaml")
    no_reason = next(f for f in report.findings if f.rule_id == "IG0003")
    line = (FIXTURES / "inline.yaml").read_text().splitlines()[12]
    assert line[no_reason.start_column - 1:no_reason.end_column - 1] == "# iacguard: ignore[IGE001]"


def test_a_suppression_of_an_unselected_rule_is_not_called_unused() -> None:
    """--select IGE001 means IGL001 never ran: its suppressions cannot be judged."""
    report = run(FIXTURES / "inline.yaml", select=("IGE001",))
    assert [(f.rule_id, f.start_line) for f in report.findings if f.rule_id == "IG0005"] == [
        ("IG0005", 22),
        ("IG0005", 23),
    ]


def test_inline_suppression_covers_findings_of_other_tools() -> None:
    """cfn-lint findings carry a 'cfn-lint/' prefix; a suppression may name the bare id."""
    path = FIXTURES / "inline.yaml"
    template = build_template(load_document(path), "inline.yaml")
    cfn_lint = Finding(
        rule_id="cfn-lint/E3012", rule_name="check-resource-property-values",
        severity=Severity.ERROR, message="wrong type", fix="", file="inline.yaml",
        start_line=7, start_column=3, end_line=7, end_column=12, logical_id="AboveRepo",
        source="cfn-lint",
    )
    found = suppress_template_findings(
        [cfn_lint], template, SuppressionPolicy(today=TODAY, known_rules=KNOWN), ()
    )
    assert found[0].suppression is None  # the comment above AboveRepo names IGE001 and IGL001
    other = replace(cfn_lint, start_line=4, end_line=4, logical_id="TrailingRepo")
    text = path.read_text().replace("ignore[IGE001] scanned", "ignore[IGE001,E3012] scanned")
    edited = build_template(load_document(path, "inline.yaml", text), "inline.yaml")
    suppressed = suppress_template_findings(
        [other], edited, SuppressionPolicy(today=TODAY, known_rules=KNOWN), ()
    )
    assert suppressed[0].suppression == Suppression(
        "inline", "scanned by the registry baseline (SEC-1)", "inline.yaml:4"
    )


# --------------------------------------------------------------------------- turned off


def test_inline_suppressions_disabled() -> None:
    policy = SuppressionPolicy(inline=False, inline_disabled_by="--no-inline-suppressions",
                               today=TODAY, known_rules=KNOWN)
    report = run(FIXTURES / "metadata.yaml", policy)
    assert rows(report) == [
        ("IGE001", 9, 3, "ReasonedRepo", None),
        ("IGE001", 17, 3, "UnreasonedRepo", None),
        ("IGE001", 23, 3, "BlankReasonRepo", None),
        ("IGE001", 30, 3, "ExpiredRepo", None),
        ("IGL001", 48, 3, "AppLogs", None),
    ]
    assert report.notices == [
        "suppressions written in templates (# iacguard: comments and Metadata) are disabled by "
        "--no-inline-suppressions: findings they cover are reported as active"
    ]


def test_ignoring_a_suppression_rule_turns_it_off_and_severity_relevels_it() -> None:
    meta = meta_rules({"IG0005": Severity.NOTE}, ignore=("IG0003",))
    report = run(FIXTURES / "metadata.yaml",
                 SuppressionPolicy(today=TODAY, known_rules=KNOWN, meta=meta))
    assert "IG0003" not in {f.rule_id for f in report.findings}
    assert [f.severity for f in report.findings if f.rule_id == "IG0005"] == [Severity.NOTE]
    # An ignored IG0003 does not make a suppression without a reason work.
    assert ("IGE001", 17, 3, "UnreasonedRepo", None) in rows(report)


# --------------------------------------------------------------------------- configuration


def _entry(rule_id: str, path: str, reason: str, line: int, logical_id: str = "*",
           expires: datetime.date | None = None) -> ConfigSuppression:
    return ConfigSuppression(rule_id, path, logical_id, reason, expires, ".iacguard.yaml", line)


def test_configuration_suppressions() -> None:
    policy = SuppressionPolicy(
        today=TODAY,
        known_rules=KNOWN,
        config_entries=(
            _entry("IGE001", "inline.yaml", "legacy repositories (OPS-9)", 3, "WrongLine*"),
            _entry("IGL001", "*.yaml", "", 7),
            _entry("IGE001", "other/*.yaml", "matches no checked file", 11),
            _entry("IGE001", "inline.yaml", "expired exception", 15, "TypoRepo",
                   datetime.date(2026, 5, 31)),
            _entry("IGE001", "inline.yaml", "nothing is called like this", 19, "Nope"),
        ),
    )
    report = run(FIXTURES / "inline.yaml", policy)
    by_resource = {r[3]: r for r in rows(report, "inline.yaml") if not r[0].startswith("IG0")}
    assert by_resource["WrongLineRepo"] == (
        "IGE001", 21, 5, "WrongLineRepo",
        ("config", "legacy repositories (OPS-9)", ".iacguard.yaml:3"),
    )
    assert by_resource["TypoRepo"] == ("IGE001", 23, 3, "TypoRepo", None)  # expired
    assert by_resource["Logs"] == ("IGL001", 25, 3, "Logs", None)  # no reason
    about_config = [(f.rule_id, f.start_line, f.message) for f in report.findings
                    if f.file == ".iacguard.yaml"]
    # "other/*.yaml" matches no checked file, so this run cannot tell whether it is unused.
    assert about_config == [
        ("IG0003", 7, "configuration suppression of IGL001 has no reason, so it does not apply"),
        ("IG0004", 15, "configuration suppression of IGE001 expired on 2026-05-31: the "
         "finding it covered is reported again"),
        ("IG0005", 19, "configuration suppression of IGE001 matches no finding; remove it"),
    ]


def test_cli_config_suppressions_and_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(FIXTURES / "cdk.template.json", tmp_path / "app.template.json")
    (tmp_path / ".iacguard.yaml").write_text(
        "select: [IGE001, IGL001]\n"
        "validate: false\n"
        "suppressions:\n"
        "  - id: IGL001\n"
        "    path: '*.template.json'\n"
        "    logical-id: Logs*\n"
        "    reason: retention is set by a CDK aspect at deploy time\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["check", "-q", "app.template.json"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "app.template.json:3:5 IGE001 error [suppressed] " + _message("IGE001", tmp_path),
        "app.template.json:14:5 IGL001 warning [suppressed] " + _message("IGL001", tmp_path),
    ]
    with pytest.raises(SystemExit) as stop:
        main(["check", "-q", "--no-inline-suppressions", "app.template.json"])
    assert stop.value.code == 1  # the Metadata suppression of IGE001 no longer counts
    captured = capsys.readouterr()
    assert captured.out.startswith(
        "app.template.json:3:5 IGE001 error " + _message("IGE001", tmp_path)
    )
    assert captured.err == (
        "iacguard: notice: suppressions written in templates (# iacguard: comments and "
        "Metadata) are disabled by --no-inline-suppressions: findings they cover are reported "
        "as active\n"
    )


def test_config_can_turn_inline_suppressions_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(FIXTURES / "cdk.template.json", tmp_path / "app.template.json")
    (tmp_path / ".iacguard.yaml").write_text("inline-suppressions: false\nvalidate: false\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["check", "-q", "--select", "IGE001", "app.template.json"])
    assert stop.value.code == 1
    assert capsys.readouterr().err == (
        "iacguard: notice: suppressions written in templates (# iacguard: comments and "
        "Metadata) are disabled by inline-suppressions: false in .iacguard.yaml: findings they "
        "cover are reported as active\n"
    )


def _message(rule_id: str, folder: Path) -> str:
    """The rule's own message for the fixture (owned by the rule, not by these tests)."""
    report = run(folder / "app.template.json",
                 SuppressionPolicy(inline=False, today=TODAY, known_rules=KNOWN))
    return next(f.message for f in report.findings if f.rule_id == rule_id)


# --------------------------------------------------------------------------- explain


def test_explain_and_rules_list_the_suppression_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["explain", "IG0003"])
    text = capsys.readouterr().out
    assert text.startswith("IG0003 suppression-without-reason\n"
                           "Suppressions say why the finding is acceptable\n")
    assert "Severity: error" in text
    main(["rules"])
    listing = capsys.readouterr().out
    for line in ("IG0003  error     suppression-without-reason",
                 "IG0004  warning   suppression-expired",
                 "IG0005  warning   unused-suppression",
                 "IG0007  error     invalid-suppression"):
        assert any(row.startswith(line) for row in listing.splitlines()), line


def test_other_engine_ids_are_valid_and_never_called_unused(tmp_path: Path) -> None:
    from iacguard.engines.codes import CODES
    from iacguard.engines.rules.registry import load_rules
    from iacguard.run.runner import CheckSettings, run_check
    from iacguard.suppress.policy import SuppressionPolicy

    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  Repo:  # iacguard: ignore[CKV_AWS_136,checkov/CKV_AWS_51,E3012] kms is set org-wide\n"
        "    Type: AWS::ECR::Repository\n"
    )
    rules = load_rules()
    every = [*rules, *CODES]
    policy = SuppressionPolicy(
        known_rules={**{s.name: s.id for s in every}, **{s.id: s.id for s in every}}
    )
    report = run_check(CheckSettings(paths=(template,), rules=tuple(rules), root=tmp_path,
                                     settings=Settings(validate=False), suppression=policy))
    meta = [f.rule_id for f in report.findings if f.rule_id.startswith("IG0")]
    assert meta == []
