"""Read one side of a comparison (BASE or HEAD) into :class:`StackVersion`s: a template file, a
folder of templates, or a CDK cloud assembly. Nested stacks are linked to their parents: in an
assembly through its manifest, in plain templates through an ``AWS::CloudFormation::Stack``
``TemplateURL`` (or a SAM application ``Location``) that names a local file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from iacguard.diff.stacks import StackVersion, nested_key
from iacguard.discover.cdk_assembly import StackTemplate, read_cloud_assembly
from iacguard.discover.cdk_project import find_cloud_assembly
from iacguard.discover.walk import discover, display_path
from iacguard.errors import IacguardError
from iacguard.findings import FileProblem
from iacguard.load.parse import LoadedDocument, LoadError, decode_bytes, parse_text, read_text
from iacguard.model.template import Template, build_template, looks_like_template

#: The cheap text test ``check`` uses (iacguard.run.runner) before parsing a file it found:
#: minified JSON puts "Resources" right after "{" or ",".
_TEMPLATE_MARKERS = re.compile(
    r"AWSTemplateFormatVersion|(?:^|[{,])\s*[\"']?Resources[\"']?\s*:", re.MULTILINE
)
#: Where a nested stack names its template, by resource type.
_NESTED_TEMPLATE_PROPERTY = {
    "AWS::CloudFormation::Stack": "TemplateURL",
    "AWS::Serverless::Application": "Location",
}
_MAX_NESTING = 20
#: Nested templates followed from one template, at most.
_MAX_NESTED_FILES = 100


@dataclass
class Side:
    versions: list[StackVersion] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def template_from_text(
    text: str, display: str, path: Path, parameters: Mapping[str, Any] | None = None
) -> Template | None:
    """A template, or None for text that is not CloudFormation. Raises :class:`LoadError`."""
    data, is_json = parse_text(text, display)
    if not looks_like_template(data):
        return None
    return build_template(LoadedDocument(path, text, data, is_json), display, parameters)


def template_from_bytes(raw: bytes, display: str, path: Path) -> Template | None:
    return template_from_text(decode_bytes(raw, display), display, path)


def side_kind(path: Path, role: str) -> str:
    """"file", "folder" or "assembly"; a one-line error for a path that is neither."""
    if path.is_file():
        return "file"
    if path.is_dir():
        return "assembly" if find_cloud_assembly(path) is not None else "folder"
    raise IacguardError(f"{role} {path}: path does not exist")


def read_side(path: Path, role: str, cwd: Path) -> Side:
    kind = side_kind(path, role)
    if kind == "file":
        side = _read_file_with_nested(path, role, cwd)
        if not side.versions and not side.problems and not side.notices:
            side.notices.append(f"{role} {display_path(path, cwd)} is not a CloudFormation "
                                "template; nothing compared")
        return side
    if kind == "assembly":
        root = find_cloud_assembly(path)
        assert root is not None
        return read_assembly_side(root, role, cwd)
    discovery = discover([path], root=cwd)
    found = discovery.candidates
    side = Side(problems=list(discovery.problems), notices=list(discovery.notices))
    plain = [(c.path, _relative_key(c.path, path)) for c in found if c.stack is None]
    stacks = [c.stack for c in found if c.stack is not None]
    merged = _read_files(plain, role, cwd)
    side.versions.extend(link_nested(merged.versions, _local_key))
    side.problems.extend(merged.problems)
    side.notices.extend(merged.notices)
    if stacks:
        assembled = _assembly_versions(stacks, role, cwd)
        side.versions.extend(assembled.versions)
        side.problems.extend(assembled.problems)
        side.notices.extend(assembled.notices)
    return side


def _relative_key(file: Path, folder: Path) -> str:
    try:
        return file.resolve().relative_to(folder.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return file.name


def _read_files(files: Sequence[tuple[Path, str]], role: str, cwd: Path) -> Side:
    side = Side()
    for path, key in files:
        shown = display_path(path, cwd)
        try:
            text = read_text(path, shown)
            if not _TEMPLATE_MARKERS.search(text):
                continue  # YAML or JSON that is not CloudFormation: skipped, as check does
            template = template_from_text(text, shown, path)
        except LoadError as error:
            _unreadable(side, role, error)
            continue
        if template is not None:
            side.versions.append(StackVersion(key, template, name=shown))
    return side


def _read_file_with_nested(path: Path, role: str, cwd: Path) -> Side:
    """One template (key "") and the local templates it deploys as nested stacks."""
    side = _read_files([(path, "")], role, cwd)

    def load(key: str) -> StackVersion | None:
        nested = path.parent / key
        if not nested.is_file():
            return None
        loaded = _read_files([(nested, key)], role, cwd)
        side.notices.extend(loaded.notices)
        side.problems.extend(loaded.problems)
        return loaded.versions[0] if loaded.versions else None

    side.versions = with_nested(side.versions, load)
    return side


def _unreadable(side: Side, role: str, error: LoadError) -> None:
    """A HEAD file that cannot be read is a problem of the run; a BASE one only means that
    nothing can be compared with it."""
    if role == "BASE":
        side.notices.append(f"BASE {error} (not compared)")
    else:
        side.problems.append(FileProblem(error.path, error.message, error.line, error.column))


def read_assembly_side(root: Path, role: str, cwd: Path) -> Side:
    assembly = read_cloud_assembly(root)
    side = _assembly_versions(assembly.stacks, role, cwd)
    for message in assembly.problems:
        if role == "BASE":
            side.notices.append(f"BASE {message} (not compared)")
        else:
            side.problems.append(FileProblem(display_path(root, cwd), message))
    return side


def _assembly_versions(stacks: Sequence[StackTemplate], role: str, cwd: Path) -> Side:
    side = Side()
    loaded: dict[Path, Template] = {}
    for stack in stacks:
        shown = display_path(stack.template_path, cwd)
        try:
            template = template_from_text(read_text(stack.template_path, shown), shown,
                                          stack.template_path)
        except LoadError as error:
            _unreadable(side, role, error)
            continue
        if template is not None:
            loaded[stack.template_path] = template
    side.versions.extend(assembly_versions(stacks, loaded))
    return side


def assembly_versions(
    stacks: Sequence[StackTemplate], templates: Mapping[Path, Template]
) -> Iterator[StackVersion]:
    """The stacks of a CDK assembly, keyed by CloudFormation stack name (nested stacks by their
    parent's key and the logical id of their stack resource)."""
    keys = {stack.template_path: stack.stack_name for stack in stacks}
    for stack in stacks:
        template = templates.get(stack.template_path)
        if template is None:
            continue
        template.stack_name = stack.display_name
        template.cfn_stack_name = stack.stack_name
        template.source_frames = stack.creation_frames
        parent = None
        if stack.nested_parent is not None:
            parent_key = keys.get(stack.nested_parent.template_path, "")
            parent = (parent_key, stack.nested_parent.logical_id)
        yield StackVersion(stack.stack_name, template, parent, stack.stack_name,
                           stack.artifact_id)


# --------------------------------------------------------------------------- plain nesting


def nested_template_name(resource_node: Mapping[str, Any], resource_type: str) -> str | None:
    """The local file a nested stack resource deploys (before ``aws cloudformation package``
    uploads it), or None for a URL or an expression."""
    key = _NESTED_TEMPLATE_PROPERTY.get(resource_type)
    properties = resource_node.get("Properties")
    value = properties.get(key) if key and isinstance(properties, dict) else None
    if not isinstance(value, str) or "://" in value or value.startswith("{{"):
        return None
    return value


def _local_key(parent_key: str, name: str) -> str:
    """The key of a file named relative to the folder of the template whose key is given."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(parent_key), name))


def with_nested(
    roots: Sequence[StackVersion], load: Callable[[str], StackVersion | None]
) -> list[StackVersion]:
    """``roots`` and every local template they deploy as nested stacks (loaded by key with
    ``load``, transitively), linked to their parents."""
    known = {version.key: version for version in roots}
    queue = list(roots)
    while queue and len(known) < _MAX_NESTED_FILES:
        version = queue.pop()
        for resource in version.template.resources.values():
            name = nested_template_name(resource.node, resource.type)
            key = _local_key(version.key, name) if name else None
            if key is None or key in known or key.startswith("../"):
                continue
            loaded = load(key)
            if loaded is not None:
                known[key] = loaded
                queue.append(loaded)
    return link_nested(list(known.values()), _local_key)


def link_nested(
    versions: Sequence[StackVersion], key_of: Callable[[str, str], str]
) -> list[StackVersion]:
    """Give each template deployed as a nested stack of another the key and parent of that
    nesting; templates nobody nests keep their own key."""
    by_key = {version.key: version for version in versions}
    children: dict[str, tuple[str, str]] = {}  # child's own key -> (parent's own key, id)
    for version in versions:
        for resource in version.template.resources.values():
            name = nested_template_name(resource.node, resource.type)
            child = key_of(version.key, name) if name else None
            if child in by_key and child != version.key and child not in children:
                children[child] = (version.key, resource.logical_id)
    linked: list[StackVersion] = []

    def visit(version: StackVersion, key: str, parent: tuple[str, str] | None, depth: int) -> None:
        linked.append(replace(version, key=key, parent=parent))
        if depth >= _MAX_NESTING:
            return
        for child_key, (parent_own, logical_id) in children.items():
            if parent_own == version.key:
                visit(by_key[child_key], nested_key(key, logical_id), (key, logical_id),
                      depth + 1)

    for version in versions:
        if version.key not in children:
            visit(version, version.key, None, 0)
    return linked
