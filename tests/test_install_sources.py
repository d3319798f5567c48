"""Every documented install takes iacguard from a source the user pins and controls (issue 20,
items 1 and 2).

On the public package index the name ``iacguard`` belongs to an unrelated project, so no README
line, doc, example buildspec or workflow, buildspec that ``iacguard init`` writes, or install
hint names it. The pinned commit that pre-commit ``rev`` and the git URLs use must exist in this
repository and carry the current hooks.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement

from iacguard import DISTRIBUTION, PINNED_COMMIT, PINNED_PIP_SPEC, PROJECT_URL, __version__
from iacguard.cli.project_files import pre_commit_entry, render_buildspec
from iacguard.engines.checkov import INSTALL_HINT
from iacguard.settings.definitions import Settings

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([REPO_ROOT / "README.md", *(REPO_ROOT / "docs").glob("*.md"),
                    *(REPO_ROOT / "examples").rglob("*.yml"),
                    *(REPO_ROOT / "examples").rglob("*.yaml")])
_PIP_INSTALL = re.compile(r"\bpip install\b(?P<args>[^`\n]*)")
_PIP_SPEC_VARIABLE = re.compile(r"IACGUARD_PIP_SPEC: \"(?P<spec>[^\"]*)\"")
_PRIVATE_INDEX = re.compile(r"--index-url|PIP_INDEX_URL")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def pyproject() -> dict[str, object]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as stream:
        project: dict[str, object] = tomllib.load(stream)["project"]
    return project


def test_version_says_which_project_this_is() -> None:
    result = subprocess.run([sys.executable, "-m", "iacguard", "--version"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert result.stdout == (
        f"iacguard {__version__} ({DISTRIBUTION}: policy linter and template validator for AWS "
        f"CloudFormation, SAM and CDK; {PROJECT_URL})\n"
    )


def test_the_distribution_name_is_ours_and_installed_under_it() -> None:
    project = pyproject()
    assert project["name"] == DISTRIBUTION == "iacguard-cfn"
    assert project["version"] == __version__
    assert project["urls"] == {"Homepage": PROJECT_URL}
    assert importlib.metadata.version(DISTRIBUTION) == __version__


def documented_installs() -> Iterator[tuple[str, str]]:
    """(where, one line that installs something) for every document and generated text."""
    texts = {str(path.relative_to(REPO_ROOT)): path.read_text(encoding="utf-8")
             for path in DOCUMENTS}
    tag_sets = [frozenset(), frozenset({"CDK", "CDK-NODE", "CDK-PYTHON"})]
    texts.update({f"iacguard init buildspec {sorted(tags)}": render_buildspec(tags)
                  for tags in tag_sets})
    texts["checkov install hint"] = INSTALL_HINT
    engines = Settings.__dataclass_fields__["engines"].metadata["iacguard.setting"]
    texts["--engine help"] = f"{engines.option.help}\n{engines.schema['description']}"
    for where, text in texts.items():
        for line in text.splitlines():
            if _PIP_INSTALL.search(line) or _PIP_SPEC_VARIABLE.search(line):
                yield where, line


def requirement_problem(argument: str, line: str) -> str | None:
    """Why this pip argument takes iacguard from a source nobody pinned, or None."""
    if "$" in argument or argument.startswith((".", "/")) or argument.endswith(".whl"):
        return None  # a variable (checked where it is set), a folder or a wheel file
    try:
        requirement = Requirement(argument)
    except InvalidRequirement:
        return None  # a file name such as requirements.txt
    name = requirement.name.lower()
    if name == "iacguard":
        return "names 'iacguard', which on the package index is an unrelated project"
    if name != DISTRIBUTION:
        return None
    if requirement.url:
        pinned = re.fullmatch(r"git\+https://\S+@(?P<commit>\S+)", requirement.url)
        if pinned is None or not _COMMIT.match(pinned.group("commit")):
            return "a git URL without a commit"
        return None
    if not _PRIVATE_INDEX.search(line):
        return f"installs {DISTRIBUTION} by name from the public index"
    return None


def install_arguments(line: str) -> list[str]:
    found = _PIP_SPEC_VARIABLE.search(line)
    if found:
        return [found.group("spec")]
    match = _PIP_INSTALL.search(line)
    assert match is not None
    arguments = match.group("args").split(" #")[0].split("&&")[0].strip()
    try:
        words = shlex.split(arguments, posix=True)
    except ValueError:  # prose around the command: a quote it opened ends further on
        words = shlex.split(arguments.rstrip("\"').;,") + "'", posix=True)
    result, skip_next = [], False
    for word in words:
        if skip_next:
            skip_next = False
        elif word.startswith("-"):
            skip_next = word in ("-r", "--requirement", "--index-url", "-i", "-c")
        else:
            result.append(word)
    return result


def test_no_documented_install_names_an_unowned_name() -> None:
    problems = []
    seen = 0
    for where, line in documented_installs():
        for argument in install_arguments(line):
            seen += 1
            problem = requirement_problem(argument, line)
            if problem:
                problems.append(f"{where}: {line.strip()}: {problem}")
    assert problems == []
    assert seen >= 12  # the check read the installs it is meant to judge


@pytest.mark.parametrize(("argument", "line", "problem"), [
    ("iacguard==0.1.0", "pip install iacguard==0.1.0", "unrelated project"),
    ("iacguard[checkov]", "pip install 'iacguard[checkov]'", "unrelated project"),
    ("iacguard-cfn==0.1.0", "pip install iacguard-cfn==0.1.0", "from the public index"),
    ("iacguard-cfn @ git+https://github.com/iacguard/iacguard", "", "without a commit"),
    ("iacguard-cfn @ git+https://github.com/iacguard/iacguard@main", "", "without a commit"),
])
def test_the_check_catches_unpinned_installs(argument: str, line: str, problem: str) -> None:
    assert problem in (requirement_problem(argument, line) or "")


def test_documents_pin_the_one_commit() -> None:
    assert f"iacguard-cfn @ git+{PROJECT_URL}@{PINNED_COMMIT}" == PINNED_PIP_SPEC
    revisions = set()
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        revisions.update(re.findall(r"^\s*rev: (\S+)$", text, flags=re.MULTILINE))
        revisions.update(re.findall(r"git\+https://github\.com/iacguard/iacguard@(\w+)", text))
    entry = yaml.safe_load("\n".join(pre_commit_entry()))
    assert entry[0]["rev"] == PINNED_COMMIT
    assert revisions == {PINNED_COMMIT}


def git(*arguments: str) -> str:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *arguments], capture_output=True,
                          text=True, timeout=60, check=True).stdout


def test_the_pinned_commit_exists_with_the_current_hooks() -> None:
    try:
        top = git("rev-parse", "--show-toplevel").strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (an unpacked source archive)")
    if Path(top).resolve() != REPO_ROOT:
        pytest.skip("not a git checkout of this project")
    if git("rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip("a shallow clone does not have the pinned commit's history")
    assert git("cat-file", "-t", PINNED_COMMIT).strip() == "commit"
    hooks = git("show", f"{PINNED_COMMIT}:.pre-commit-hooks.yaml")
    assert hooks == (REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"), (
        "the hooks changed: pin a newer commit (iacguard.PINNED_COMMIT and the docs)"
    )
    with_name = tomllib.loads(git("show", f"{PINNED_COMMIT}:pyproject.toml"))
    assert with_name["project"]["name"] == DISTRIBUTION  # so the git URL's name is right
    # `iacguard init` run from the pinned install writes that commit's pin: it must work too.
    their_pin = re.search(r'^PINNED_COMMIT = "([0-9a-f]{40})"$',
                          git("show", f"{PINNED_COMMIT}:src/iacguard/__init__.py"), re.MULTILINE)
    assert their_pin is not None
    named = tomllib.loads(git("show", f"{their_pin.group(1)}:pyproject.toml"))["project"]["name"]
    assert named == DISTRIBUTION
    ancestor = subprocess.run(["git", "-C", str(REPO_ROOT), "merge-base", "--is-ancestor",
                               PINNED_COMMIT, "HEAD"], timeout=60, check=False)
    assert ancestor.returncode == 0, "the pinned commit is not in this branch's history"
