"""checkov as a second engine (``--engine checkov``): merged, de-duplicated, offline and quiet.

Tests marked ``needs_checkov`` run only where the extra is installed (``pip install
'.[test,checkov]'``; CI has a separate step for them). The others hold in every environment:
the engine's merging and mapping are plain functions, a missing extra is a one-line usage error,
and a run that does not choose checkov never imports it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iacguard.engines import EngineResult, EngineRun, parse_engines
from iacguard.engines.checkov import ENGINE as CHECKOV_ENGINE
from iacguard.engines.checkov import CheckovFailure, checkov_findings, failure_to_finding
from iacguard.engines.checkov_merge import merge_findings
from iacguard.engines.rules.registry import load_rules, select_rules
from iacguard.errors import IacguardError
from iacguard.findings import Evaluation, Finding, Outcome, Severity
from iacguard.load.parse import LoadedDocument, load_document, parse_text
from iacguard.model.template import Template, build_template
from iacguard.run.runner import CheckSettings, run_check
from iacguard.settings.definitions import Settings
from test_no_network import NETWORK_GUARD

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path("tests") / "fixtures" / "checkov"
SERVICE = f"{FIXTURES.as_posix()}/service.yaml"
REGISTRY = f"{FIXTURES.as_posix()}/registry.yaml"
BROKEN = f"{FIXTURES.as_posix()}/broken.yaml"

needs_checkov = pytest.mark.skipif(
    importlib.util.find_spec("checkov") is None,
    reason="checkov is not installed (pip install '.[test,checkov]')",
)

BROKEN_NOTICE = (
    f"checkov could not check {BROKEN} (TypeError: unhashable type: 'dict'); checkov's "
    "findings for this file are missing, iacguard's are complete (rerun with --debug for "
    "checkov's traceback)"
)
OVERRULED_NOTICE = (
    f"{REGISTRY}:13: dropped checkov CKV_AWS_163 on Cache: iacguard IGE001 checks the same "
    "control and passes this resource; iacguard's verdict wins because it reads the whole "
    "template and the configured facts (e.g. registry-level settings), not one resource alone "
    "(iacguard explain IGE001)"
)
#: (file, line, column, rule, logical id, message, suppression kind) of the merged report.
EXPECTED = [
    (BROKEN, 7, 3, "IGL001", "Logs",
     "Log group Logs has no RetentionInDays, so its logs are kept (and billed) forever", None),
    (REGISTRY, 17, 5, "IGE004", "Cache",
     "Cache has no lifecycle policy, so its images are never cleaned up", None),
    (SERVICE, 5, 3, "checkov/CKV_AWS_136", "Images",
     "checkov CKV_AWS_136 fails on Images: Ensure that ECR repositories are encrypted using KMS",
     "inline"),
    (SERVICE, 7, 5, "IGE001", "Images",
     "ECR repository Images is not scanned: ScanOnPush is not set and no registry scanning "
     "rule in this template covers it (checkov CKV_AWS_163 agrees)", None),
    (SERVICE, 7, 5, "IGE004", "Images",
     "Images has no lifecycle policy, so its images are never cleaned up", None),
    (SERVICE, 10, 3, "checkov/CKV_AWS_158", "AppLogs",
     "checkov CKV_AWS_158 fails on AppLogs: Ensure that CloudWatch Log Group is encrypted by "
     "KMS", "config"),
    (SERVICE, 14, 5, "IGL001", "AppLogs",
     "Log group AppLogs has no RetentionInDays, so its logs are kept (and billed) forever "
     "(checkov CKV_AWS_66 agrees)", None),
]



def run_cli(
    *args: str, script: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", script, *args] if script else [
        sys.executable, "-m", "iacguard", *args]
    return subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def rows(findings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (f["file"], f["start_line"], f["start_column"], f["rule_id"], f["logical_id"],
         f["message"], (f.get("suppression") or {}).get("kind"))
        for f in findings
    ]


def template_of(relative: str) -> Template:
    document = load_document(REPO_ROOT / relative, relative)
    return build_template(document, relative, {})


def finding(rule_id: str, logical_id: str, message: str = "ours", file: str = "t.yaml",
            source: str = "iacguard", outcome: Outcome = Outcome.FAIL) -> Finding:
    return Finding(rule_id=rule_id, rule_name=rule_id.lower(), severity=Severity.ERROR,
                   message=message, fix="", file=file, start_line=3, start_column=3,
                   end_line=3, end_column=7, logical_id=logical_id, source=source,
                   outcome=outcome)


@pytest.fixture
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)


def settings_for(*paths: str, select: tuple[str, ...] = (),
                 ignore: tuple[str, ...] = ()) -> CheckSettings:
    rules = select_rules(load_rules(), select, ignore)
    return CheckSettings(paths=tuple(Path(p) for p in paths), rules=tuple(rules),
                         root=REPO_ROOT,
                         settings=Settings(validate=False, select=select, ignore=ignore,
                                           engines=("iacguard", "checkov")))


# --------------------------------------------------------------------------- any environment


def test_engine_names_split_checked_and_defaulted() -> None:
    assert parse_engines([]) == ("iacguard",)
    assert parse_engines(["checkov", " IACGUARD ", "checkov"]) == ("checkov", "iacguard")
    with pytest.raises(IacguardError, match=r"unknown engine 'chekov' for --engine "
                       r"\(engines: iacguard, checkov\)"):
        parse_engines(["chekov"])


def test_engine_checkov_without_the_extra_is_a_one_line_usage_error() -> None:
    # Hide checkov even where it is installed: None in sys.modules makes it unimportable.
    hidden = "import sys\nsys.modules['checkov'] = None\n" + NETWORK_GUARD
    result = run_cli("check", "--no-cache", "--no-validate", "--engine", "iacguard,checkov",
                     SERVICE, script=hidden)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "iacguard: error: the checkov engine needs checkov, which is not installed: "
        "pip install 'checkov>=3.2,<4'\nATTEMPTS=0\n"
    )


def test_a_run_without_the_engine_imports_nothing_of_checkov() -> None:
    script = (
        "import sys\nfrom iacguard.cli import main\n"
        "try:\n    main(sys.argv[1:])\nfinally:\n"
        "    print('CHECKOV_MODULES=%d' % sum(1 for m in sys.modules if m == 'checkov' "
        "or m.startswith('checkov.')), file=sys.stderr)\n"
    )
    result = run_cli("check", "--no-cache", "--format", "json", SERVICE, script=script)
    assert result.returncode == 1, result.stderr
    assert "CHECKOV_MODULES=0" in result.stderr
    findings = json.loads(result.stdout)["findings"]
    # IG0xxx: findings about suppressions, such as the fixture's suppression of a checkov check.
    assert [(f["rule_id"], f["logical_id"]) for f in findings
            if not f["rule_id"].startswith("IG0")] == [
        ("IGE001", "Images"), ("IGE004", "Images"), ("IGL001", "AppLogs")]
    assert not any(f["rule_id"].startswith("checkov/") for f in findings)


def test_checkov_failure_maps_to_a_finding_located_like_ours() -> None:
    template = template_of(SERVICE)
    failure = CheckovFailure("CKV_AWS_136", "Ensure that ECR repositories are encrypted using KMS",
                             "AWS::ECR::Repository.Images", 5, 9)
    mapped = failure_to_finding(failure, template)
    assert mapped == Finding(
        rule_id="checkov/CKV_AWS_136",
        rule_name="ensure-that-ecr-repositories-are-encrypted-using-kms",
        severity=Severity.WARNING,
        message="checkov CKV_AWS_136 fails on Images: Ensure that ECR repositories are "
        "encrypted using KMS",
        fix="Change the resource so that checkov's check holds: Ensure that ECR repositories "
        "are encrypted using KMS.",
        file=SERVICE, start_line=5, start_column=3, end_line=9, end_column=36,
        logical_id="Images", resource_type="AWS::ECR::Repository", source="checkov",
    )


def test_checkov_severity_and_guideline_are_used_when_checkov_has_them() -> None:
    failure = CheckovFailure("CKV_AWS_66", "Ensure that CloudWatch Log Group specifies retention "
                             "days", "AWS::Logs::LogGroup.Gone", 99, 120,
                             guideline="https://example.org/ckv-aws-66", severity="HIGH")
    mapped = failure_to_finding(failure, template_of(SERVICE))
    assert (mapped.severity, mapped.help_uri, mapped.logical_id, mapped.resource_type) == (
        Severity.ERROR, "https://example.org/ckv-aws-66", "Gone", "AWS::Logs::LogGroup")
    # A range past the end of the file is pulled back onto it rather than pointing nowhere.
    assert (mapped.start_line, mapped.end_line) == (15, 15)
    assert mapped.fix.endswith("See https://example.org/ckv-aws-66")


def test_merge_keeps_ours_when_both_fail_and_notes_every_agreeing_check() -> None:
    rules = select_rules(load_rules(), ("IGD002",))
    ours = [finding("IGD002", "Table", "Table is unprotected")]
    theirs = [
        finding("checkov/CKV_AWS_28", "Table", source="checkov"),
        finding("checkov/CKV_AWS_165", "Table", source="checkov"),
        finding("checkov/CKV_AWS_119", "Table", "theirs alone", source="checkov"),
    ]
    evaluations = [Evaluation("IGD002", "t.yaml", "Table", Outcome.FAIL)]
    result = merge_findings(ours, theirs, evaluations, rules)
    assert [(f.rule_id, f.message) for f in result.findings] == [
        ("IGD002", "Table is unprotected (checkov CKV_AWS_28 and CKV_AWS_165 agree)"),
        ("checkov/CKV_AWS_119", "theirs alone"),
    ]
    assert result.notices == []


@pytest.mark.parametrize("outcome", [Outcome.UNKNOWN, Outcome.SKIP, Outcome.ERROR])
def test_merge_keeps_checkov_when_our_rule_did_not_decide(outcome: Outcome) -> None:
    rules = select_rules(load_rules(), ("IGE001",))
    theirs = [finding("checkov/CKV_AWS_163", "Repo", "theirs", source="checkov")]
    evaluations = [Evaluation("IGE001", "t.yaml", "Repo", outcome)]
    result = merge_findings([], theirs, evaluations, rules)
    assert [(f.rule_id, f.logical_id) for f in result.findings] == [
        ("checkov/CKV_AWS_163", "Repo")]
    assert result.notices == []


def test_merge_matches_on_file_and_logical_id_only() -> None:
    rules = select_rules(load_rules(), ("IGE001",))
    ours = [finding("IGE001", "Repo", "ours")]
    theirs = [finding("checkov/CKV_AWS_163", "Other", "theirs", source="checkov"),
              finding("checkov/CKV_AWS_163", "Repo", "elsewhere", file="u.yaml",
                      source="checkov")]
    evaluations = [Evaluation("IGE001", "t.yaml", "Repo", Outcome.FAIL)]
    result = merge_findings(ours, theirs, evaluations, rules)
    assert [(f.file, f.rule_id, f.logical_id, f.message) for f in result.findings] == [
        ("t.yaml", "IGE001", "Repo", "ours"),
        ("t.yaml", "checkov/CKV_AWS_163", "Other", "theirs"),
        ("u.yaml", "checkov/CKV_AWS_163", "Repo", "elsewhere"),
    ]


def test_merge_without_our_rule_keeps_checkov() -> None:
    """--ignore IGE001 (or --engine checkov alone): nothing of ours to prefer."""
    theirs = [finding("checkov/CKV_AWS_163", "Repo", "theirs", source="checkov")]
    result = merge_findings([], theirs, [], [])
    assert [f.rule_id for f in result.findings] == ["checkov/CKV_AWS_163"]


def test_engine_is_not_run_when_selectors_leave_it_nothing(at_repo_root: None) -> None:
    """--select of our rules only, or --ignore checkov: checkov is never imported or run."""
    template = template_of(SERVICE)
    ours = EngineResult([finding("IGE001", "Images")])
    for select, ignore in ((("IGE",), ()), ((), ("checkov",))):
        run = EngineRun((), Settings(select=select, ignore=ignore))
        result = CHECKOV_ENGINE.combine(ours, CHECKOV_ENGINE.check([template], run), run)
        assert (result.findings, result.notices) == (ours.findings, [])


# --------------------------------------------------------------------------- with checkov


@needs_checkov
def test_merged_report_offline_and_quiet() -> None:
    """The whole story in one run, with every socket refused: findings of both engines in one
    report, duplicates merged, a checkov verdict overruled by ours, a template that crashes
    checkov contained, inline and configuration suppressions applied to checkov findings, and
    nothing on standard error but iacguard's notices."""
    result = run_cli(
        "check", "--no-cache", "--no-validate", "--format", "json", "--engine", "iacguard",
        "--engine", "checkov", "--config", f"{FIXTURES.as_posix()}/iacguard.yaml",
        SERVICE, REGISTRY, BROKEN,
        script=NETWORK_GUARD,
        # A platform key in the environment must not make checkov go online either.
        env={"BC_API_KEY": "00000000-0000-0000-0000-000000000000"},
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert rows(report["findings"]) == EXPECTED
    assert report["notices"] == [BROKEN_NOTICE, OVERRULED_NOTICE]
    assert result.stderr == (
        f"iacguard: notice: {BROKEN_NOTICE}\niacguard: notice: {OVERRULED_NOTICE}\n"
        "ATTEMPTS=0\n"
    )
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    kms = by_rule["checkov/CKV_AWS_136"]
    assert (kms["source"], kms["severity"], kms["end_line"], kms["resource_type"],
            kms["rule_name"]) == ("checkov", "warning", 9, "AWS::ECR::Repository",
                                  "ensure-that-ecr-repositories-are-encrypted-using-kms")
    assert kms["suppression"]["reason"] == "AES256 is enough for public base images (SEC-7)"
    assert by_rule["IGE001"]["source"] == "iacguard"


@needs_checkov
def test_select_and_ignore_apply_to_checkov_ids(at_repo_root: None) -> None:
    ignored = run_check(settings_for(SERVICE, ignore=("CKV_AWS_158", "checkov/CKV_AWS_136")))
    assert [(f.rule_id, f.logical_id) for f in ignored.findings] == [
        ("IGE001", "Images"), ("IGE004", "Images"), ("IGL001", "AppLogs"),
    ]
    only_checkov = run_check(settings_for(SERVICE, select=("checkov",)))
    # Our rules did not run, so nothing is merged: checkov's own IGE001/IGL001 twins show.
    assert [(f.rule_id, f.start_line) for f in only_checkov.findings] == [
        ("checkov/CKV_AWS_136", 5), ("checkov/CKV_AWS_163", 5), ("checkov/CKV_AWS_158", 10),
        ("checkov/CKV_AWS_66", 10),
    ]
    assert [f.suppression.kind if f.suppression else None for f in only_checkov.findings] == [
        "inline", None, None, None]


@needs_checkov
def test_baseline_covers_checkov_findings(at_repo_root: None, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    first = run_cli("check", "--no-cache", "--no-validate", "--engine", "iacguard,checkov",
                    "--write-baseline", str(baseline), SERVICE)
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_cli("check", "--no-cache", "--no-validate", "--engine", "iacguard,checkov",
                     "--format", "json", "--baseline", str(baseline), SERVICE)
    assert second.returncode == 0, second.stderr
    kinds = {(f["rule_id"], (f["suppression"] or {}).get("kind"))
             for f in json.loads(second.stdout)["findings"]}
    assert ("checkov/CKV_AWS_158", "baseline") in kinds
    assert ("checkov/CKV_AWS_136", "inline") in kinds


@needs_checkov
def test_engines_from_the_configuration_file(tmp_path: Path) -> None:
    (tmp_path / "service.yaml").write_text(
        (REPO_ROOT / SERVICE).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".iacguard.yaml").write_text("engines: [checkov]\nvalidate: false\n",
                                             encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "iacguard", "check", "--no-cache", "--format", "json",
         "service.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr  # checkov's findings are warnings
    assert [(f["rule_id"], f["logical_id"]) for f in json.loads(result.stdout)["findings"]] == [
        ("checkov/CKV_AWS_136", "Images"), ("checkov/CKV_AWS_163", "Images"),
        ("checkov/CKV_AWS_158", "AppLogs"), ("checkov/CKV_AWS_66", "AppLogs"),
    ]
    assert result.stderr == ""


@needs_checkov
def test_template_without_a_file_checkov_reads_is_scanned_from_a_copy() -> None:
    text = (REPO_ROOT / REGISTRY).read_text(encoding="utf-8").replace(
        "      EncryptionConfiguration:\n        EncryptionType: KMS\n", "")
    data, is_json = parse_text(text, "memory/registry.cfn")
    document = LoadedDocument(Path("memory/registry.cfn"), text, data, is_json)
    template = build_template(document, "memory/registry.cfn", {})
    result = checkov_findings(template)
    assert [(f.rule_id, f.file, f.start_line, f.logical_id) for f in result.findings] == [
        ("checkov/CKV_AWS_136", "memory/registry.cfn", 13, "Cache"),
        ("checkov/CKV_AWS_163", "memory/registry.cfn", 13, "Cache"),
    ]


@needs_checkov
def test_checkov_skip_annotations_are_listed_in_a_notice(tmp_path: Path) -> None:
    """checkov honours its own skips, which need no reason: the user is told which ones."""
    path = tmp_path / "skips.yaml"
    path.write_text(
        "Resources:\n"
        "  AppLogs:\n"
        "    Type: AWS::Logs::LogGroup\n"
        "    Metadata:\n"
        "      checkov:\n"
        "        skip:\n"
        "          - id: CKV_AWS_158\n"
        "    Properties:\n"
        "      RetentionInDays: 30\n",
        encoding="utf-8",
    )
    template = build_template(load_document(path, "skips.yaml"), "skips.yaml", {})
    result = checkov_findings(template)
    assert result.findings == []
    assert result.notices == [
        "skips.yaml: checkov's own skip annotations turned off CKV_AWS_158 on AppLogs; "
        "iacguard cannot require a reason or an expiry for those (see docs/checkov.md)"
    ]


HOST_LOGGING = """
import logging, sys
from pathlib import Path
if sys.argv[2] == "configured":
    logging.basicConfig(format="HOST %(levelname)s %(message)s", level=logging.WARNING)
from iacguard.load.parse import load_document
from iacguard.model.template import build_template
from iacguard.engines.checkov import scan_template
for name in ("service.yaml", "broken.yaml"):
    path = Path(sys.argv[1]) / name
    template = build_template(load_document(path, name), name, {})
    try:
        scan_template(template)
    except TypeError:
        pass
root = logging.getLogger()
print(len(root.handlers), logging.getLevelName(root.level), file=sys.stderr)
logging.getLogger("host").info("not shown")
logging.getLogger("host").warning("shown once")
"""


@needs_checkov
@pytest.mark.parametrize(("host", "expected"), [
    # No configuration: Python's last-resort handler prints the bare message.
    ("unconfigured", "0 WARNING\nshown once\n"),
    ("configured", "1 WARNING\nHOST WARNING shown once\n"),
])
def test_host_logging_is_left_as_it_was(host: str, expected: str) -> None:
    """Importing checkov, and checkov's own logging calls, rewire the root logger; the host's
    configuration (or lack of one) must survive both."""
    result = subprocess.run(
        [sys.executable, "-c", HOST_LOGGING, str(REPO_ROOT / FIXTURES), host],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == expected
