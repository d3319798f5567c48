"""The rules docs/architecture.md states, checked on the source: data flows one way (no stage
imports a later one) and reporters decide nothing."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "iacguard"
#: The pipeline's stages, then what wires them together, in the order they may depend on each
#: other: a module may import from its own package and from the ones before it, never from one
#: after it. load comes before discover, which reads CDK manifests with load's bounded reader.
LAYERS = ("load", "discover", "model", "engines", "diff", "suppress", "report", "settings", "run",
          "cli")
#: Modules at the top of the package are the vocabulary every stage shares (findings, errors,
#: globs, ...): they may import only each other.
SHARED = "shared"
ENTRY_POINT = "__main__"


def layer_of(module: str) -> str:
    """``iacguard.run.runner`` -> ``run``; ``iacguard.findings`` -> ``shared``."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return ENTRY_POINT if parts[-1] == ENTRY_POINT else SHARED


def rank(layer: str) -> int:
    return -1 if layer == SHARED else LAYERS.index(layer)


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = [part for part in relative.parts if part != "__init__"]
        yield ".".join(parts), path


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every iacguard module imported anywhere in the file (in functions and type-checking
    blocks too: a lazy import is still a dependency)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "iacguard" else [
                f"iacguard.{alias.name}" for alias in node.names]
            yield from ((node.lineno, name) for name in names if name.startswith("iacguard"))
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names
                        if alias.name.startswith("iacguard."))


def test_every_package_has_a_place_in_the_order() -> None:
    packages = {path.name for path in PACKAGE.iterdir()
                if path.is_dir() and any(path.glob("*.py"))}
    assert packages == set(LAYERS)


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    for module, path in modules():
        source = layer_of(module)
        if source == ENTRY_POINT:
            continue
        for line, imported in imports(path):
            target = layer_of(imported)
            if target != SHARED and (source == SHARED or rank(target) > rank(source)):
                wrong.append(f"{path.relative_to(PACKAGE)}:{line}: {source} imports {imported}")
    assert wrong == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "report").glob("*.py")),
                         ids=lambda path: path.name)
def test_reporters_decide_nothing_about_particular_rules(path: Path) -> None:
    """A reporter shows what the finding says; it never recognises a rule by its id (a crash,
    say, is told by the finding's crashed_rule, not by rule_id == "IG0002")."""
    rule_id = re.compile(r"^(IG[A-Z]?[0-9]{3,4}|[EWI][0-9]{4}|CKV2?_\w+)$")
    literals = [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and rule_id.match(node.value)
    ]
    assert literals == []


def test_architecture_doc_names_every_module() -> None:
    """docs/architecture.md gives every module of every stage its purpose; a new module that it
    does not name fails here (the Python checks are named after their rules instead)."""
    doc = (PACKAGE.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.glob("*/**/*.py"))
        if path.name != "__init__.py" and path.parent.name != "checks"
        and f"`{path.name}`" not in doc
    ]
    assert missing == []
