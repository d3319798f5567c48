"""Read AWS CDK cloud assemblies (``cdk.out``) into CloudFormation stack templates.

A cloud assembly is the folder that ``cdk synth`` writes. Its ``manifest.json``
lists artifacts: ``aws:cloudformation:stack`` artifacts name a template file,
and ``cdk:cloud-assembly`` artifacts (one per CDK ``Stage``) name a nested
assembly folder with its own ``manifest.json``. Templates can in turn deploy
nested stacks (``AWS::CloudFormation::Stack`` resources whose metadata
``aws:asset:path`` names a ``*.nested.template.json`` file next to the parent).

Per-stack metadata (``additionalMetadataFile`` in current schemas, inline
``metadata`` in older ones) maps construct paths to entries. This module uses
``aws:cdk:logicalId``, ``aws:cdk:creationStack`` and ``aws:cdk:templateFile``
to tell, for each logical id of each template, which lines of the user's own
code created it.

Reading never raises on bad input: unreadable files, malformed JSON, missing
templates and cycles become one-line ``problems`` and reading continues. Each
JSON file is read at most once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "CloudAssembly",
    "NestedStackParent",
    "SourceFrame",
    "StackTemplate",
    "assembly_owned_files",
    "find_cloud_assembly",
    "is_cloud_assembly",
    "read_cloud_assembly",
]

MANIFEST_FILE = "manifest.json"
MARKER_FILE = "cdk.out"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
NESTED_TEMPLATE_SUFFIX = ".nested.template.json"

_LOGICAL_ID = "aws:cdk:logicalId"
_CREATION_STACK = "aws:cdk:creationStack"
_TEMPLATE_FILE = "aws:cdk:templateFile"
_NESTED_STACK_SUFFIX = ".NestedStack"


@dataclass(frozen=True)
class SourceFrame:
    """One frame of a construct's creation stack trace, in user code."""

    file: str  # as recorded (relative or absolute), e.g. "src/lib/storefront-stack.ts"
    line: int
    column: int


@dataclass(frozen=True)
class NestedStackParent:
    """Where a nested stack is deployed from."""

    template_path: Path  # parent stack's template file
    logical_id: str  # the AWS::CloudFormation::Stack resource in the parent


@dataclass(frozen=True)
class StackTemplate:
    """One CloudFormation template of the assembly (a stack or a nested stack)."""

    template_path: Path
    artifact_id: str
    stack_name: str
    display_name: str
    assembly_dir: Path
    nested_parent: NestedStackParent | None
    # logical id -> user-code frames, most specific first. Logical ids whose
    # recorded trace holds no user-code frame are left out.
    creation_frames: Mapping[str, tuple[SourceFrame, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )


@dataclass(frozen=True)
class CloudAssembly:
    """All stack templates of a cloud assembly, plus what could not be read."""

    root: Path
    stacks: tuple[StackTemplate, ...]
    problems: tuple[str, ...]


# --------------------------------------------------------------------------
# Locating an assembly


def is_cloud_assembly(folder: Path) -> bool:
    """True when ``folder`` looks like a synthesized cloud assembly.

    That is: it has ``manifest.json`` and either the ``cdk.out`` marker file or
    a manifest that is a JSON object with ``artifacts`` and ``version``.
    """
    try:
        manifest = folder / MANIFEST_FILE
        if not manifest.is_file():
            return False
        if (folder / MARKER_FILE).is_file():
            return True
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "artifacts" in data and "version" in data


def find_cloud_assembly(folder: Path) -> Path | None:
    """The cloud assembly for ``folder``, if it has been synthesized.

    Checked in order: ``folder`` itself, the ``output`` named in
    ``folder/cdk.json`` (when it names one), then ``folder/cdk.out``.
    """
    if is_cloud_assembly(folder):
        return folder
    candidates: list[Path] = []
    output = _cdk_json_output(folder / "cdk.json")
    if output is not None:
        candidates.append(folder / output)
    candidates.append(folder / "cdk.out")
    for candidate in candidates:
        if is_cloud_assembly(candidate):
            return candidate
    return None


def _cdk_json_output(cdk_json: Path) -> str | None:
    try:
        if not cdk_json.is_file():
            return None
        data = json.loads(cdk_json.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        output = data.get("output")
        if isinstance(output, str) and output.strip():
            return output
    return None


# --------------------------------------------------------------------------
# Files owned by an assembly


def assembly_owned_files(assembly: CloudAssembly) -> frozenset[Path]:
    """Every file of the assembly, as absolute resolved paths.

    The whole assembly folder is synthesizer output (templates, manifests,
    ``tree.json``, ``*.assets.json``, ``*.metadata.json``, ``asset.*``
    folders, nested assembly folders...), so every file below ``root`` is
    included, plus every template read (even one outside ``root``). A linter
    that walks a project can skip these and lint ``assembly.stacks`` instead.
    Symbolic links to directories are not followed.
    """
    owned: set[Path] = {stack.template_path for stack in assembly.stacks}
    base = _resolve(assembly.root)
    if base is None or not base.is_dir():
        return frozenset(owned)
    for dirpath, _dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(dirpath)
        for name in filenames:
            path = here / name
            owned.add(path)
            if path.is_symlink():
                target = _resolve(path)
                if target is not None:
                    owned.add(target)
    return frozenset(owned)


# --------------------------------------------------------------------------
# Reading


def read_cloud_assembly(root: Path) -> CloudAssembly:
    """Read every stack template (and nested stack template) of an assembly.

    Stacks come in manifest order, depth first: the stacks of a nested
    assembly where its artifact is listed, and nested stacks right after their
    parent. Nothing raises on bad input; see ``CloudAssembly.problems``.
    """
    reader = _Reader()
    reader.read_assembly(root)
    resolved_root = _resolve(root) or root.absolute()
    return CloudAssembly(
        root=resolved_root, stacks=tuple(reader.stacks), problems=tuple(reader.problems)
    )


def _resolve(path: Path) -> Path | None:
    """``path.resolve()``, or None on a symlink loop or an unusable path."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Metadata:
    """The parts of a stack's metadata this module uses, keyed by construct path."""

    logical_ids: dict[str, str] = field(default_factory=dict)
    traces: dict[str, list[str]] = field(default_factory=dict)
    template_files: dict[str, str] = field(default_factory=dict)


@dataclass
class _Node:
    """A template found while reading one stack artifact (itself or a nested stack)."""

    template_path: Path  # resolved
    template: dict[str, object]
    artifact_id: str
    stack_name: str
    display_name: str
    assembly_dir: Path  # resolved
    nested_parent: NestedStackParent | None
    construct_path: str | None  # with a leading "/", when known
    frames: dict[str, tuple[SourceFrame, ...]] = field(default_factory=dict)


class _Reader:
    def __init__(self) -> None:
        self.stacks: list[StackTemplate] = []
        self.problems: list[str] = []
        self._json: dict[Path, object | None] = {}
        self._assemblies: set[Path] = set()
        self._templates: set[Path] = set()

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(f"{path}: {_one_line(message)}")

    def load_json(self, path: Path, what: str) -> object | None:
        """Parsed JSON of ``path`` (read once), or None after recording a problem."""
        resolved = _resolve(path)
        if resolved is None:
            self.problem(path, f"cannot resolve {what} path (symlink loop?)")
            return None
        if resolved in self._json:
            return self._json[resolved]
        data: object | None = None
        try:
            raw = resolved.read_bytes()
        except FileNotFoundError:
            self.problem(path, f"{what} not found")
        except IsADirectoryError:
            self.problem(path, f"{what} is a directory, not a file")
        except OSError as exc:
            self.problem(path, f"cannot read {what}: {exc.strerror or exc}")
        else:
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                self.problem(
                    path,
                    f"{what} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})",
                )
            except UnicodeDecodeError:
                self.problem(path, f"{what} is not UTF-8 text")
            except (ValueError, RecursionError) as exc:
                self.problem(path, f"{what} is not valid JSON ({type(exc).__name__})")
        self._json[resolved] = data
        return data

    # -- assemblies ---------------------------------------------------------

    def read_assembly(self, directory: Path) -> None:
        resolved = _resolve(directory)
        if resolved is None:
            self.problem(directory, "cannot resolve cloud assembly folder (symlink loop?)")
            return
        if resolved in self._assemblies:
            self.problem(
                directory, "cloud assembly already read (listed twice or a cycle); skipped"
            )
            return
        self._assemblies.add(resolved)
        manifest_path = directory / MANIFEST_FILE
        manifest = self.load_json(manifest_path, "cloud assembly manifest")
        if manifest is None:
            return
        if not isinstance(manifest, dict):
            self.problem(manifest_path, "cloud assembly manifest is not a JSON object")
            return
        artifacts = manifest.get("artifacts", {})
        if not isinstance(artifacts, dict):
            self.problem(manifest_path, "'artifacts' is not a JSON object")
            return
        for artifact_id, artifact in artifacts.items():
            if not isinstance(artifact, dict):
                self.problem(manifest_path, f"artifact {artifact_id!r} is not a JSON object")
                continue
            kind = artifact.get("type")
            if kind == STACK_ARTIFACT:
                self.read_stack_artifact(directory, resolved, manifest_path, artifact_id, artifact)
            elif kind == NESTED_ASSEMBLY_ARTIFACT:
                props = artifact.get("properties")
                name = props.get("directoryName") if isinstance(props, dict) else None
                if not isinstance(name, str) or not name:
                    self.problem(
                        manifest_path,
                        f"artifact {artifact_id!r} has no properties.directoryName",
                    )
                    continue
                self.read_assembly(directory / name)

    # -- stacks -------------------------------------------------------------

    def read_stack_artifact(
        self,
        directory: Path,
        resolved_dir: Path,
        manifest_path: Path,
        artifact_id: str,
        artifact: dict[str, object],
    ) -> None:
        props = artifact.get("properties")
        props = props if isinstance(props, dict) else {}
        template_file = props.get("templateFile")
        if not isinstance(template_file, str) or not template_file:
            self.problem(
                manifest_path, f"stack artifact {artifact_id!r} has no properties.templateFile"
            )
            return
        stack_name = props.get("stackName")
        if not isinstance(stack_name, str) or not stack_name:
            stack_name = artifact_id
        display_name = artifact.get("displayName")
        if not isinstance(display_name, str) or not display_name:
            display_name = artifact_id

        top = self.load_node(
            directory / template_file,
            artifact_id=artifact_id,
            stack_name=stack_name,
            display_name=display_name,
            assembly_dir=resolved_dir,
            nested_parent=None,
            construct_path=None,
        )
        if top is None:
            return
        metadata = self.stack_metadata(directory, manifest_path, artifact_id, artifact)
        top.construct_path = _top_construct_path(template_file, display_name, metadata)
        nodes = [top]
        self.collect_nested(top, directory, metadata, nodes)
        _attach_frames(nodes, metadata)
        for node in nodes:
            self.stacks.append(
                StackTemplate(
                    template_path=node.template_path,
                    artifact_id=node.artifact_id,
                    stack_name=node.stack_name,
                    display_name=node.display_name,
                    assembly_dir=node.assembly_dir,
                    nested_parent=node.nested_parent,
                    creation_frames=MappingProxyType(node.frames),
                )
            )

    def load_node(
        self,
        template_path: Path,
        *,
        artifact_id: str,
        stack_name: str,
        display_name: str,
        assembly_dir: Path,
        nested_parent: NestedStackParent | None,
        construct_path: str | None,
    ) -> _Node | None:
        resolved = _resolve(template_path)
        if resolved is None:
            self.problem(template_path, "cannot resolve template path (symlink loop?)")
            return None
        if resolved in self._templates:
            self.problem(template_path, f"template already read; {artifact_id!r} skipped (cycle?)")
            return None
        template = self.load_json(template_path, "template")
        if template is None:
            return None
        if not isinstance(template, dict):
            self.problem(template_path, "template is not a JSON object")
            return None
        self._templates.add(resolved)
        return _Node(
            template_path=resolved,
            template=template,
            artifact_id=artifact_id,
            stack_name=stack_name,
            display_name=display_name,
            assembly_dir=assembly_dir,
            nested_parent=nested_parent,
            construct_path=construct_path,
        )

    def stack_metadata(
        self,
        directory: Path,
        manifest_path: Path,
        artifact_id: str,
        artifact: dict[str, object],
    ) -> _Metadata:
        metadata = _Metadata()
        extra = artifact.get("additionalMetadataFile")
        if isinstance(extra, str) and extra:
            path = directory / extra
            data = self.load_json(path, "stack metadata file")
            if data is not None:
                if isinstance(data, dict):
                    _merge_metadata(metadata, data)
                else:
                    self.problem(path, "stack metadata file is not a JSON object")
        inline = artifact.get("metadata")
        if isinstance(inline, dict):
            _merge_metadata(metadata, inline)
        elif inline is not None:
            self.problem(
                manifest_path, f"metadata of artifact {artifact_id!r} is not a JSON object"
            )
        return metadata

    def collect_nested(
        self, parent: _Node, directory: Path, metadata: _Metadata, nodes: list[_Node]
    ) -> None:
        """Append the nested stacks of ``parent`` (depth first) to ``nodes``."""
        resources = parent.template.get("Resources")
        if not isinstance(resources, dict):
            return
        by_file = {name: path for path, name in metadata.template_files.items()}
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict):
                continue
            asset_path = _nested_template_asset(resource)
            if asset_path is None:
                continue
            construct_path = by_file.get(asset_path) or _nested_construct_path(
                resource, parent, logical_id
            )
            node = self.load_node(
                directory / asset_path,
                artifact_id=f"{parent.artifact_id}/{logical_id}",
                stack_name=f"{parent.stack_name}/{logical_id}",
                display_name=construct_path.lstrip("/"),
                assembly_dir=parent.assembly_dir,
                nested_parent=NestedStackParent(parent.template_path, logical_id),
                construct_path=construct_path,
            )
            if node is None:
                continue
            nodes.append(node)
            self.collect_nested(node, directory, metadata, nodes)


def _nested_template_asset(resource: dict[str, object]) -> str | None:
    """The nested template file named by an AWS::CloudFormation::Stack resource."""
    if resource.get("Type") != "AWS::CloudFormation::Stack":
        return None
    meta = resource.get("Metadata")
    if not isinstance(meta, dict):
        return None
    asset_path = meta.get("aws:asset:path")
    if isinstance(asset_path, str) and asset_path.endswith(NESTED_TEMPLATE_SUFFIX):
        return asset_path
    return None


def _nested_construct_path(resource: dict[str, object], parent: _Node, logical_id: str) -> str:
    """Construct path (leading "/") of a nested stack, from its resource in the parent.

    CDK puts the resource at ``<scope>/<id>.NestedStack/<id>.NestedStackResource``
    while the nested stack itself is ``<scope>/<id>``.
    """
    meta = resource.get("Metadata")
    cdk_path = meta.get("aws:cdk:path") if isinstance(meta, dict) else None
    if isinstance(cdk_path, str):
        parts = cdk_path.strip("/").split("/")
        if len(parts) >= 2 and parts[-2].endswith(_NESTED_STACK_SUFFIX):
            nested_id = parts[-2][: -len(_NESTED_STACK_SUFFIX)]
            return "/" + "/".join([*parts[:-2], nested_id])
    base = (parent.construct_path or "/" + parent.display_name).rstrip("/")
    return f"{base}/{logical_id}"


def _top_construct_path(template_file: str, display_name: str, metadata: _Metadata) -> str | None:
    """Construct path of a top-level stack, when the metadata confirms it."""
    for path, name in metadata.template_files.items():
        if name == template_file:
            return path
    candidate = "/" + display_name.strip("/")
    prefix = candidate + "/"
    if any(path.startswith(prefix) for path in metadata.logical_ids):
        return candidate
    return None


# --------------------------------------------------------------------------
# Metadata and creation stacks


def _merge_metadata(metadata: _Metadata, raw: dict[str, object]) -> None:
    for path, entries in raw.items():
        if not isinstance(entries, list):
            continue
        fallback_trace: list[str] | None = None
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            kind = entry.get("type")
            data = entry.get("data")
            if kind == _LOGICAL_ID and isinstance(data, str):
                metadata.logical_ids[path] = data
                # Older assemblies carried the trace on the entry itself.
                trace = _trace_lines(entry.get("trace"))
                if trace:
                    fallback_trace = trace
            elif kind == _CREATION_STACK and path not in metadata.traces:
                trace = _trace_lines(data)
                if trace:
                    metadata.traces[path] = trace
            elif kind == _TEMPLATE_FILE and isinstance(data, str):
                metadata.template_files[path] = data
        if fallback_trace is not None and path not in metadata.traces:
            metadata.traces[path] = fallback_trace


def _trace_lines(data: object) -> list[str]:
    if isinstance(data, str):
        return data.splitlines()
    if isinstance(data, list):
        return [item for item in data if isinstance(item, str)]
    return []


def _attach_frames(nodes: list[_Node], metadata: _Metadata) -> None:
    """Fill ``node.frames`` for every template read for one stack artifact."""
    if not metadata.logical_ids:
        return
    # 1. Resources that carry their construct path (aws:cdk:path).
    for node in nodes:
        for logical_id, cdk_path in _resource_paths(node.template):
            frames = _user_frames(metadata.traces.get("/" + cdk_path.lstrip("/"), ()))
            if frames:
                node.frames[logical_id] = frames
    # 2. Everything else the metadata names (parameters, outputs, conditions,
    #    resources without path metadata): the template whose construct path
    #    is the longest prefix of the entry's path owns it.
    top, nested = nodes[0], nodes[1:]
    roots = sorted(
        ((node.construct_path, node) for node in nested if node.construct_path),
        key=lambda item: len(item[0] or ""),
        reverse=True,
    )
    top_prefix = top.construct_path + "/" if top.construct_path else None
    for path, logical_id in metadata.logical_ids.items():
        owner = next((node for root, node in roots if path.startswith(f"{root}/")), None)
        if owner is None:
            if top_prefix is not None and not path.startswith(top_prefix):
                continue
            owner = top
        if logical_id in owner.frames:
            continue
        frames = _user_frames(metadata.traces.get(path, ()))
        if frames:
            owner.frames[logical_id] = frames


def _resource_paths(template: dict[str, object]) -> Iterator[tuple[str, str]]:
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        meta = resource.get("Metadata")
        cdk_path = meta.get("aws:cdk:path") if isinstance(meta, dict) else None
        if isinstance(cdk_path, str) and cdk_path:
            yield logical_id, cdk_path


def _user_frames(trace: Sequence[str]) -> tuple[SourceFrame, ...]:
    frames = (_parse_frame(line) for line in trace)
    return tuple(frame for frame in frames if frame is not None)


def _parse_frame(text: str) -> SourceFrame | None:
    """A user-code frame from one trace line, or None.

    Accepts ``file:line:col``, ``name (file:line:col)`` and the Node.js form
    ``at name (file:line:col)``. Summary lines CDK writes for skipped frames
    (``...aws-cdk-lib...``, ``(no user code ...)``), frames inside
    ``node_modules`` and Node.js internals are dropped.
    """
    line = text.strip()
    if not line or line.startswith(("...", "(")):
        return None
    if line.startswith("at "):
        line = line[3:].strip()
    if line.endswith(")"):
        open_at = _matching_open_paren(line)
        if open_at is None:
            return None
        line = line[open_at + 1 : -1].strip()
    parts = line.rsplit(":", 2)
    if len(parts) != 3:
        return None
    file, line_no, column = parts
    if not (line_no.isdigit() and column.isdigit()):
        return None
    if file.startswith("file://"):
        file = file[len("file://") :]
    if not file or file.startswith(("<", "node:", "internal/")) or "(" in file:
        return None
    normalized = "/" + file.replace("\\", "/")
    if "/node_modules/" in normalized:
        return None
    return SourceFrame(file=file, line=int(line_no), column=int(column))


def _matching_open_paren(text: str) -> int | None:
    """Index of the "(" matching the final ")" of ``text``."""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                return index
    return None
