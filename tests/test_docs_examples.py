"""Every command and code example of README.md and docs/ works as written (issue 20).

Fenced blocks are found by their language tag and handled by kind:

- ``sh``: the lines are run with bash, in order, in a project folder for the document (see
  ``PROJECTS``), and must exit 0 or 1 (findings). A ``text`` block right after one is its
  expected output (standard output, or standard error for an ``iacguard: error:`` line with
  exit 2). Commands that install iacguard (``pip``, ``venv``) run in a copy of the repository,
  in the slow test at the end, in one shell session as a user would type them.
- ``yaml``/``toml`` whose first line is a comment naming a file (``# my-rules/X.yaml``): that
  file. Rule and template files are in the project before any command runs (a document may
  refer to them before it shows them); configuration files are written where the document
  shows them, and each must be accepted by ``iacguard config``.
- A ``yaml`` template (``Resources:``) with suppressions: every rule it suppresses is
  suppressed, and no suppression is reported as unused, expired, reasonless or malformed.
- pre-commit configurations and hook entries: valid for pre-commit, naming our hooks.
- A block preceded by ``<!-- not run: reason -->`` is not run; the reason says why (CDK app code,
  an AWS deployment, a private index) and, where something else checks it, what.

docs/rules.md's examples are run by tests/test_rule_docs.py, and the change-safety examples
(docs/change-safety.md and the change-safety parts of README.md and docs/pipelines.md) by
tests/test_diff_docs.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCUMENTS = ["README.md", *sorted(
    f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")
    if p.name not in ("rules.md", "change-safety.md")
)]
#: Sections whose examples tests/test_diff_docs.py runs.
DELEGATED_SECTIONS = ("## Change safety", "### Change safety in pull requests")
_NOT_RUN = re.compile(r"^<!-- not run: (?P<reason>.+\S) -->$")
_FENCE = re.compile(r"^```(?P<language>\w*)\n(?P<body>.*?)^```$", re.DOTALL | re.MULTILINE)
_FILE_COMMENT = re.compile(r"^# (?P<path>[\w./-]+\.(?:ya?ml|toml|json))$")
_SUPPRESSION_IDS = re.compile(r"ignore\[(?P<ids>[^\]]+)\]|- \{?id: (?P<id>[\w/-]+)")
_REPOSITORY_COMMAND = re.compile(r"\bpip\b|\bvenv\b")
_SUPPRESSION_CODES = ("IG0003", "IG0004", "IG0005", "IG0007")

STACK = """\
Parameters:
  Environment:
    Type: String
    AllowedValues: [dev, prod]
Resources:
  Events:
    Type: AWS::SNS::Topic
"""
LEGACY = """\
Resources:
  LegacyImages:
    Type: AWS::ECR::Repository
"""
#: What a document assumes the reader already has (their templates, their service folder).
PROJECTS: dict[str, dict[str, str]] = {
    "README.md": {
        "templates/service.yaml": (ROOT / "examples/templates/service.yaml").read_text("utf-8"),
        "stack.yaml": STACK,
        "params.json": json.dumps({"Parameters": {"Environment": "prod"}}),
    },
    "docs/suppressions.md": {"vendor/legacy.yaml": LEGACY, "templates/stack.yaml": STACK},
    "docs/pipelines.md": {"my-service/README.md": "A service.\n"},
}


@dataclass(frozen=True)
class Block:
    document: str
    line: int
    language: str
    body: str
    not_run: str  # the reason, when the block is marked as not run
    section: str
    output: Block | None = None  # the text block that follows an sh block

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def file_name(self) -> str | None:
        first = self.body.splitlines()[0] if self.body else ""
        match = _FILE_COMMENT.match(first)
        return match.group("path") if match else None


def blocks(document: str) -> list[Block]:
    text = (ROOT / document).read_text(encoding="utf-8")
    found: list[Block] = []
    for match in _FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").splitlines()
        marker = _NOT_RUN.match(before[-1]) if before else None
        headings = _headings(before)
        found.append(Block(document, len(before) + 2 - (0 if marker else 1),
                           match.group("language"), match.group("body"),
                           marker.group("reason") if marker else "",
                           headings[-1] if headings else ""))
    paired: list[Block] = []
    for index, block in enumerate(found):
        following = found[index + 1] if index + 1 < len(found) else None
        if block.language == "sh" and following is not None and following.language == "text" \
                and not following.not_run and _adjacent(text, block, following):
            block = Block(**{**block.__dict__, "output": following})
        paired.append(block)
    return paired


def _headings(lines: list[str]) -> list[str]:
    """Markdown headings, not the comments inside code blocks."""
    found, in_code = [], False
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            found.append(line)
    return found


def _adjacent(text: str, block: Block, following: Block) -> bool:
    """Only blank lines between the two fences."""
    end = text.index(block.body) + len(block.body) + len("```")
    start = text.index(following.body, end)
    return not text[end:start].replace("```text", "").strip()


def all_blocks() -> Iterator[Block]:
    for document in DOCUMENTS:
        yield from blocks(document)


def delegated(block: Block) -> bool:
    return block.section.startswith(DELEGATED_SECTIONS)


def is_output(block: Block) -> bool:
    return any(other.output is not None and other.output.line == block.line
               for other in blocks(block.document))


# ------------------------------------------------------------------------ every block is run


def test_every_block_is_run_or_says_why() -> None:
    unhandled = []
    for block in all_blocks():
        if block.not_run or delegated(block):
            continue
        if block.language == "":
            # Untagged blocks are diagrams (docs/architecture.md); no commands hide there.
            assert not re.search(r"^\s*(iacguard|pip|python)\b", block.body, re.MULTILINE)
        elif block.language == "text" and not is_output(block):
            unhandled.append(f"{block.where}: text that follows no command")
        elif block.language not in ("sh", "text", "yaml", "toml"):
            unhandled.append(f"{block.where}: {block.language} code")
        elif block.language in ("yaml", "toml") and not _kind_of(block):
            unhandled.append(f"{block.where}: {block.language} that is no file, template or "
                             "pre-commit entry")
    assert unhandled == []


def _kind_of(block: Block) -> str:
    if block.file_name:
        return "file"
    data = yaml.safe_load(textwrap.dedent(block.body))
    if isinstance(data, dict) and "Resources" in data:
        return "template"
    if isinstance(data, dict) and "repos" in data:
        return "pre-commit"
    if isinstance(data, list) and all(isinstance(item, dict) and "id" in item for item in data):
        return "hooks"
    return ""


def test_not_run_markers_give_a_reason() -> None:
    marked = [block for block in all_blocks() if block.not_run]
    assert all(len(block.not_run) > 20 for block in marked)
    languages = {block.language for block in marked}
    assert languages <= {"ts", "python", "sh", "text"}


# ------------------------------------------------------------------------ commands, in order


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "VIRTUAL_ENV"))}
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.com\n"
                         "[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1", CI="false",
               GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               XDG_CACHE_HOME=str(home / "cache"))
    return env


def project_for(document: str, folder: Path) -> dict[str, str]:
    """The document's project: what it assumes, then every rule and template file it shows."""
    for name, text in PROJECTS.get(document, {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    for block in blocks(document):
        name = block.file_name
        if name and not _is_configuration(name) and not delegated(block):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(block.body, encoding="utf-8")
    env = environment(folder.parent)
    subprocess.run(["git", "init", "-q"], cwd=folder, env=env, check=True)
    return env


def _is_configuration(name: str) -> bool:
    return name in (".iacguard.yaml", "pyproject.toml", ".pre-commit-config.yaml")


def run_commands(block: Block, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = block.body.replace("\\\n", " ")
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


def check_command(block: Block, result: subprocess.CompletedProcess[str]) -> None:
    expected = block.output.body if block.output is not None else None
    if expected is not None and expected.startswith("iacguard: error:"):
        assert (result.returncode, _lines(result.stderr)) == (2, _lines(expected)), block.where
        return
    assert result.returncode in (0, 1), f"{block.where}: exit {result.returncode}\n{result.stderr}"
    assert "error" not in result.stderr.lower(), f"{block.where}: {result.stderr}"
    if expected is not None:
        assert _lines(result.stdout) == _lines(expected), block.where


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if any(
    b.language == "sh" and not b.not_run and not delegated(b)
    and not _REPOSITORY_COMMAND.search(b.body) for b in blocks(d))])
def test_commands_run_as_written(document: str, tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    env = project_for(document, folder)
    ran = 0
    for block in blocks(document):
        if block.not_run or delegated(block):
            continue
        if block.file_name and _is_configuration(block.file_name):
            (folder / block.file_name).write_text(block.body, encoding="utf-8")
        elif block.language == "sh" and not _REPOSITORY_COMMAND.search(block.body):
            check_command(block, run_commands(block, folder, env))
            ran += 1
    assert ran >= 1


# ------------------------------------------------------------------------ files and templates


def _blocks_of_kind(kind: str) -> list[Block]:
    return [b for b in all_blocks() if b.language in ("yaml", "toml") and not b.not_run
            and not delegated(b) and _kind_of(b) == kind]


@pytest.mark.parametrize("block", [b for b in _blocks_of_kind("file")
                                   if b.file_name in (".iacguard.yaml", "pyproject.toml")],
                         ids=lambda b: b.where)
def test_configuration_files_are_accepted(block: Block, tmp_path: Path) -> None:
    assert block.file_name is not None
    folder = tmp_path / "project"
    folder.mkdir()
    env = project_for(block.document, folder)  # the files the configuration names
    (folder / block.file_name).write_text(block.body, encoding="utf-8")
    result = subprocess.run([str(BIN / "iacguard"), "config"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{block.where}: {result.stderr}"
    if "suppressions" in block.body and "vendor/" in block.body:
        (folder / "vendor").mkdir(exist_ok=True)
        (folder / "vendor" / "legacy.yaml").write_text(LEGACY, encoding="utf-8")
        found = check_json(folder, "vendor/legacy.yaml", "IGE001")
        assert [(f["rule_id"], (f.get("suppression") or {}).get("kind")) for f in found] == [
            ("IGE001", "config")]


def check_json(folder: Path, target: str, select: str = "") -> list[dict[str, object]]:
    arguments = [str(BIN / "iacguard"), "check", "--no-validate", "--no-cache", "--format",
                 "json", target] + (["--select", select] if select else [])
    result = subprocess.run(arguments, cwd=folder, env=environment(folder),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


@pytest.mark.parametrize("block", [b for b in _blocks_of_kind("template")
                                   if _SUPPRESSION_IDS.search(b.body)], ids=lambda b: b.where)
def test_every_documented_suppression_suppresses(block: Block, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(block.body, encoding="utf-8")
    findings = check_json(tmp_path, "template.yaml")
    named = set()
    for match in _SUPPRESSION_IDS.finditer(block.body):
        named.update(i.strip() for i in (match.group("ids") or match.group("id")).split(","))
    suppressed = {f["rule_id"] for f in findings if f.get("suppression")}
    assert named <= suppressed, f"{block.where}: not suppressed: {sorted(named - suppressed)}"
    assert [f["message"] for f in findings if f["rule_id"] in _SUPPRESSION_CODES] == []


def hook_ids() -> set[str]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"] for hook in hooks}


@pytest.mark.parametrize("block", [*_blocks_of_kind("pre-commit"), *[
    b for b in _blocks_of_kind("file") if b.file_name == ".pre-commit-config.yaml"],
    *_blocks_of_kind("hooks")], ids=lambda b: b.where)
def test_pre_commit_examples_are_valid(block: Block, tmp_path: Path) -> None:
    data = yaml.safe_load(textwrap.dedent(block.body))
    if isinstance(data, list):  # a hook entry shown on its own: put it in a configuration
        data = {"repos": [{"repo": "https://github.com/iacguard/iacguard", "rev": "0" * 40,
                           "hooks": data}]}
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = subprocess.run([str(BIN / "pre-commit"), "validate-config", str(config)],
                            capture_output=True, text=True, timeout=120,
                            env=environment(tmp_path))
    assert result.returncode == 0, f"{block.where}: {result.stdout}{result.stderr}"
    named = {hook["id"] for repo in data["repos"] for hook in repo["hooks"]}
    assert named <= hook_ids(), block.where


def test_the_deploy_command_names_the_pipeline_template_and_its_parameters() -> None:
    (block,) = [b for b in blocks("docs/pipelines.md") if "cloudformation deploy" in b.body]
    command = block.body.replace("\\\n", " ").split()
    template = yaml.safe_load(
        (ROOT / command[command.index("--template-file") + 1]).read_text(encoding="utf-8")
        .replace("!", "")
    )
    given = {word.split("=")[0] for word in command if "=" in word}
    declared = template["Parameters"]
    required = {name for name, spec in declared.items() if "Default" not in spec}
    assert required <= given <= set(declared)


# ------------------------------------------------------------------------ on a fresh copy


_NOT_PROJECT = shutil.ignore_patterns(
    ".git", ".ci-venv*", ".venv", "venv", "__pycache__", "*.pyc", ".*_cache", ".hypothesis",
    "node_modules", "*.egg-info", "dist", "build", "reports",
)


@pytest.mark.slow
def test_install_commands_work_on_a_copy_of_the_repository(tmp_path: Path) -> None:
    """The README's "Try it" and every install in docs/install.md, in one shell session on a
    copy of the repository, as a new user types them. The git URL is served by this
    repository (git's url.insteadOf), so the pinned commit is installed from its history."""
    copy = tmp_path / "iacguard"
    shutil.copytree(ROOT, copy, ignore=_NOT_PROJECT, symlinks=True)
    env = environment(tmp_path)
    with open(env["GIT_CONFIG_GLOBAL"], "a", encoding="utf-8") as config:
        config.write(f'[url "{ROOT}"]\n\tinsteadOf = https://github.com/iacguard/iacguard\n')
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    env["PATH"] = f"{copy / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    repository_blocks = [b for d in DOCUMENTS for b in blocks(d) if b.language == "sh"
                         and not b.not_run and _REPOSITORY_COMMAND.search(b.body)]
    assert len(repository_blocks) >= 4
    for block in repository_blocks:
        result = run_commands(block, copy, env)
        assert result.returncode == 0, f"{block.where}:\n{result.stdout}{result.stderr}"
        if "iacguard check examples/" in block.body:  # README: "prints located findings"
            assert re.search(r"^examples/templates/service\.yaml:\d+:\d+ IG", result.stdout,
                             re.MULTILINE), result.stdout
    version = subprocess.run([str(copy / ".venv" / "bin" / "iacguard"), "--version"],
                             capture_output=True, text=True, env=env, check=True)
    assert "(iacguard-cfn:" in version.stdout
