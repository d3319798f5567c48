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
JSON file is read at most once, through the bounded reader, and never outside
the assembly folder: a manifest that names ``/etc/...`` or climbs out with
``../`` is a problem, not a read. The creation-stack metadata is interpreted in
:mod:`iacguard.discover.cdk_metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from iacguard.discover.cdk_metadata import (
    SourceFrame,
    StackMetadata,
    attach_frames,
    merge_metadata,
)
from iacguard.load.files import MAX_TEMPLATE_BYTES, FileReadError, read_bounded

__all__ = [
    "CloudAssembly",
    "NestedStackParent",
    "SourceFrame",
    "StackTemplate",
    "is_cloud_assembly",
    "read_cloud_assembly",
]

MANIFEST_FILE = "manifest.json"
MARKER_FILE = "cdk.out"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
NESTED_TEMPLATE_SUFFIX = ".nested.template.json"
#: Manifests and metadata files of large apps (creation stack traces) outgrow a template.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
#: Files the CDK writes next to the templates that are never templates themselves.
BOOKKEEPING_FILES = frozenset({MANIFEST_FILE, MARKER_FILE, "tree.json", "validation-report.json"})
BOOKKEEPING_SUFFIXES = (".assets.json", ".metadata.json")

_NESTED_STACK_SUFFIX = ".NestedStack"
_K = TypeVar("_K")
_V = TypeVar("_V")


class FrozenMapping(Mapping[_K, _V]):
    """A read-only mapping that, unlike ``types.MappingProxyType``, can be pickled (stack
    templates travel to worker processes)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[_K, _V] | None = None) -> None:
        self._data: dict[_K, _V] = dict(data or {})

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMapping[_K, _V]], tuple[dict[_K, _V]]]:
        return FrozenMapping, (self._data,)


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
        default_factory=FrozenMapping, hash=False
    )


@dataclass(frozen=True)
class CloudAssembly:
    """All stack templates of a cloud assembly, plus what could not be read."""

    root: Path
    stacks: tuple[StackTemplate, ...]
    problems: tuple[str, ...]
    #: Every template file the manifests name (resolved), read or not: one that could not be
    #: read is one problem, and is not checked again as a plain file beside the assembly.
    named_templates: frozenset[Path] = frozenset()


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
        data = json.loads(read_bounded(manifest, MAX_MANIFEST_BYTES))
    except (OSError, FileReadError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "artifacts" in data and "version" in data


def is_bookkeeping_file(name: str) -> bool:
    """A file the CDK writes into an assembly that is never a template."""
    return name in BOOKKEEPING_FILES or name.endswith(BOOKKEEPING_SUFFIXES)


# --------------------------------------------------------------------------
# Reading


def read_cloud_assembly(root: Path) -> CloudAssembly:
    """Read every stack template (and nested stack template) of an assembly.

    Stacks come in manifest order, depth first: the stacks of a nested
    assembly where its artifact is listed, and nested stacks right after their
    parent. Nothing raises on bad input; see ``CloudAssembly.problems``.
    """
    resolved_root = _resolve(root) or root.absolute()
    reader = _Reader(resolved_root)
    reader.read_assembly(root)
    return CloudAssembly(
        root=resolved_root, stacks=tuple(reader.stacks), problems=tuple(reader.problems),
        named_templates=frozenset(reader.named_templates),
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
class _Node:
    """A template found while reading one stack artifact (itself or a nested stack)."""

    stack: StackTemplate  # its paths resolved; creation frames are added when all are read
    template: dict[str, object]
    construct_path: str | None  # with a leading "/", when known
    frames: dict[str, tuple[SourceFrame, ...]] = field(default_factory=dict)


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root  # resolved: nothing outside it is read
        self.stacks: list[StackTemplate] = []
        self.problems: list[str] = []
        self._json: dict[Path, object | None] = {}
        self._assemblies: set[Path] = set()
        self._templates: set[Path] = set()
        self.named_templates: set[Path] = set()

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(f"{path}: {_one_line(message)}")

    def inside(self, path: Path, what: str) -> Path | None:
        """The resolved path when it lies inside the assembly folder; else a problem."""
        resolved = _resolve(path)
        if resolved is None:
            self.problem(path, f"cannot resolve {what} path (symlink loop?)")
            return None
        if resolved != self.root and self.root not in resolved.parents:
            self.problem(path, f"{what} lies outside the cloud assembly folder {self.root}; "
                         "not read")
            return None
        return resolved

    def load_json(self, path: Path, what: str, limit: int = MAX_MANIFEST_BYTES) -> object | None:
        """Parsed JSON of ``path`` (read once), or None after recording a problem."""
        resolved = self.inside(path, what)
        if resolved is None:
            return None
        if resolved in self._json:
            return self._json[resolved]
        data: object | None = None
        try:
            raw = read_bounded(resolved, limit)
        except FileReadError as error:
            reason = "not found" if "does not exist" in error.reason else error.reason
            self.problem(path, f"{what} {reason}")
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
        resolved = self.inside(directory, "cloud assembly folder")
        if resolved is None:
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

        stack = StackTemplate(
            template_path=directory / template_file,
            artifact_id=artifact_id,
            stack_name=stack_name,
            display_name=display_name,
            assembly_dir=resolved_dir,
            nested_parent=None,
        )
        top = self.load_node(stack, construct_path=None)
        if top is None:
            return
        metadata = self.stack_metadata(directory, manifest_path, artifact_id, artifact)
        top.construct_path = _top_construct_path(template_file, display_name, metadata)
        nodes = [top]
        self.collect_nested(top, directory, metadata, nodes)
        attach_frames(nodes, metadata)
        self.stacks.extend(
            replace(node.stack, creation_frames=FrozenMapping(node.frames)) for node in nodes
        )

    def load_node(self, stack: StackTemplate, construct_path: str | None) -> _Node | None:
        """The template ``stack`` names (its path as the manifest gives it), read once."""
        template_path, artifact_id = stack.template_path, stack.artifact_id
        resolved = self.inside(template_path, "template")
        if resolved is None:
            return None
        self.named_templates.add(resolved)
        if resolved in self._templates:
            self.problem(template_path, f"template already read; {artifact_id!r} skipped (cycle?)")
            return None
        template = self.load_json(template_path, "template", MAX_TEMPLATE_BYTES)
        if template is None:
            return None
        if not isinstance(template, dict):
            self.problem(template_path, "template is not a JSON object")
            return None
        self._templates.add(resolved)
        return _Node(replace(stack, template_path=resolved), template, construct_path)

    def stack_metadata(
        self,
        directory: Path,
        manifest_path: Path,
        artifact_id: str,
        artifact: dict[str, object],
    ) -> StackMetadata:
        metadata = StackMetadata()
        extra = artifact.get("additionalMetadataFile")
        if isinstance(extra, str) and extra:
            path = directory / extra
            data = self.load_json(path, "stack metadata file")
            if data is not None:
                if isinstance(data, dict):
                    merge_metadata(metadata, data)
                else:
                    self.problem(path, "stack metadata file is not a JSON object")
        inline = artifact.get("metadata")
        if isinstance(inline, dict):
            merge_metadata(metadata, inline)
        elif inline is not None:
            self.problem(
                manifest_path, f"metadata of artifact {artifact_id!r} is not a JSON object"
            )
        return metadata

    def collect_nested(
        self, parent: _Node, directory: Path, metadata: StackMetadata, nodes: list[_Node]
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
            # A nested stack lives in its parent's assembly folder.
            stack = replace(
                parent.stack,
                template_path=directory / asset_path,
                artifact_id=f"{parent.stack.artifact_id}/{logical_id}",
                stack_name=f"{parent.stack.stack_name}/{logical_id}",
                display_name=construct_path.lstrip("/"),
                nested_parent=NestedStackParent(parent.stack.template_path, logical_id),
            )
            node = self.load_node(stack, construct_path)
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
    base = (parent.construct_path or "/" + parent.stack.display_name).rstrip("/")
    return f"{base}/{logical_id}"


def _top_construct_path(
    template_file: str, display_name: str, metadata: StackMetadata
) -> str | None:
    """Construct path of a top-level stack, when the metadata confirms it."""
    for path, name in metadata.template_files.items():
        if name == template_file:
            return path
    candidate = "/" + display_name.strip("/")
    prefix = candidate + "/"
    if any(path.startswith(prefix) for path in metadata.logical_ids):
        return candidate
    return None


