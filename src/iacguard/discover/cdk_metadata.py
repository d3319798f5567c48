"""What a CDK stack's metadata says about its resources: logical ids by construct path, the
templates of nested stacks, and the creation stack trace of each construct, reduced to the
frames in the user's own code (so findings can point at the line that created a construct).

Metadata comes from ``additionalMetadataFile`` (current schemas) or inline ``metadata`` (older
ones); it is keyed by construct path. Bad entries are skipped, never raised.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

_LOGICAL_ID = "aws:cdk:logicalId"
_CREATION_STACK = "aws:cdk:creationStack"
_TEMPLATE_FILE = "aws:cdk:templateFile"


@dataclass(frozen=True)
class SourceFrame:
    """One frame of a construct's creation stack trace, in user code."""

    file: str  # as recorded (relative or absolute), e.g. "src/lib/storefront-stack.ts"
    line: int
    column: int


@dataclass
class StackMetadata:
    """The parts of a stack's metadata this module uses, keyed by construct path."""

    logical_ids: dict[str, str] = field(default_factory=dict)
    traces: dict[str, list[str]] = field(default_factory=dict)
    template_files: dict[str, str] = field(default_factory=dict)


class TemplateNode(Protocol):
    """A template read for one stack artifact (the stack itself or one of its nested stacks)."""

    template: dict[str, object]
    construct_path: str | None
    frames: dict[str, tuple[SourceFrame, ...]]



def merge_metadata(metadata: StackMetadata, raw: dict[str, object]) -> None:
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


def attach_frames(nodes: Sequence[TemplateNode], metadata: StackMetadata) -> None:
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
