"""Load CloudFormation YAML/JSON text into plain Python data that remembers where each value was.

The result is made of ordinary dicts and lists (subclasses that carry spans), so it compares equal
to what cfn-lint's decoder produces, while importing nothing heavier than PyYAML. Short-form tags
(``!Ref``, ``!GetAtt a.b``, ``!Sub`` ...) are normalised to their long form. Only YAML's safe
types are ever constructed: an unknown ``!!python/...`` tag is a load error, never an object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode as YamlMappingNode
from yaml.nodes import Node as YamlNode
from yaml.nodes import ScalarNode as YamlScalarNode
from yaml.nodes import SequenceNode as YamlSequenceNode

from iacguard.findings import located
from iacguard.load.files import MAX_TEMPLATE_BYTES, FileReadError, read_bounded

__all__ = ["MAX_TEMPLATE_BYTES", "LoadError", "LoadedDocument", "MappingNode", "SequenceNode",
           "Span", "decode_bytes", "load_document", "parse_text", "read_text", "span_of",
           "value_span_of"]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Nesting deeper than this is never a real template; refusing it keeps recursion bounded.
MAX_NESTING_DEPTH = 200
#: Aliases can expand a small file exponentially ("billion laughs"); count expanded nodes.
MAX_EXPANDED_NODES = 250_000

_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _YAML_TAG_PREFIX + "str"
_MAP_TAG = _YAML_TAG_PREFIX + "map"
_SEQ_TAG = _YAML_TAG_PREFIX + "seq"
_MERGE_TAG = _YAML_TAG_PREFIX + "merge"
_SAFE_SCALAR_TAGS = frozenset(
    _YAML_TAG_PREFIX + name
    for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)
_UNPREFIXED_TAGS = frozenset({"Ref", "Condition"})
#: Scanner errors on escapes that JSON allows and YAML does not: such text is parsed as JSON.
_JSON_ONLY_ESCAPES = ("found unknown escape character", "found invalid Unicode character escape")


class Span(NamedTuple):
    """A 1-based source range; ``end_column`` is exclusive, as in SARIF."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


UNKNOWN_SPAN = Span(1, 1, 1, 1)


class MappingNode(dict):  # type: ignore[type-arg]
    """A dict that knows the span of itself, of each key and of each value."""

    __slots__ = ("key_spans", "span", "value_spans")

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.key_spans: dict[Any, Span] = {}
        self.value_spans: dict[Any, Span] = {}


class SequenceNode(list):  # type: ignore[type-arg]
    """A list that knows the span of itself and of each item."""

    __slots__ = ("item_spans", "span")

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.item_spans: list[Span] = []


class LoadError(Exception):
    """A file could not be read or parsed. Carries a location for one-line reporting."""

    def __init__(self, path: str, message: str, line: int = 0, column: int = 0) -> None:
        message = _one_line(message)
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return located(self.path, self.message, self.line, self.column)


@dataclass(frozen=True)
class LoadedDocument:
    path: Path
    text: str
    data: Any
    is_json: bool

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def _span(node: YamlNode) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Builder:
    """Turns a composed YAML node graph into spanned Python data, once per node."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.constructor = SafeConstructor()
        self.built: dict[int, Any] = {}
        self.expanded_size: dict[int, int] = {}

    def fail(self, node: YamlNode, message: str) -> LoadError:
        return LoadError(self.path, message, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: YamlNode, depth: int = 0) -> Any:
        cached = self.built.get(id(node))
        if cached is not None or id(node) in self.built:
            return cached
        if depth > MAX_NESTING_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_NESTING_DEPTH} levels")
        tag = node.tag
        value: Any
        if tag.startswith("!"):
            value, size = self._short_form(node, tag[1:], depth)
        elif isinstance(node, YamlScalarNode):
            value = self._scalar(node, tag)
            size = 1
        elif tag == _MAP_TAG:
            value, size = self._mapping(node, depth)
        elif tag == _SEQ_TAG:
            value, size = self._sequence(node, depth)
        else:
            raise self.fail(node, f"unsupported YAML tag {tag!r}")
        if size > MAX_EXPANDED_NODES:
            raise self.fail(
                node,
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES} nodes "
                "(alias amplification)",
            )
        self.built[id(node)] = value
        self.expanded_size[id(node)] = size
        return value

    def _scalar(self, node: YamlScalarNode, tag: str) -> Any:
        if tag == _STR_TAG:
            return node.value
        if tag not in _SAFE_SCALAR_TAGS:
            raise self.fail(node, f"unsupported YAML tag {tag!r}")
        kind = tag.rsplit(":", 1)[-1]
        shown = f"invalid {kind} value {_shorten(repr(node.value))}"
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except ConstructorError as exc:
            raise self.fail(node, f"{shown}: {exc.problem or exc}") from None
        except ValueError as exc:  # a date out of range, a base64 error: worth saying
            raise self.fail(node, f"{shown}: {exc}") from None
        except Exception:  # PyYAML's constructors raise KeyError, IndexError, ... on junk
            raise self.fail(node, shown) from None

    def _mapping(self, node: YamlNode, depth: int) -> tuple[MappingNode, int]:
        assert isinstance(node, YamlMappingNode)
        has_merge = any(key.tag == _MERGE_TAG for key, _ in node.value)
        if has_merge:
            try:
                self.constructor.flatten_mapping(node)
            except ConstructorError as exc:
                raise self.fail(node, str(exc.problem or exc)) from None
        result = MappingNode(_span(node))
        size = 1
        for key_node, value_node in node.value:
            key = self.build(key_node, depth + 1)
            if key is None:
                raise self.fail(key_node, f"null key {key_node.value!r} is not supported")
            try:
                hash(key)
            except TypeError:
                raise self.fail(key_node, "a mapping or list cannot be used as a key") from None
            if key in result and not has_merge:
                first = result.key_spans[key]
                raise self.fail(
                    key_node, f"duplicate key {key!r} (first defined on line {first.start_line})"
                )
            result[key] = self.build(value_node, depth + 1)
            result.key_spans[key] = _span(key_node)
            result.value_spans[key] = _span(value_node)
            size += self.expanded_size.get(id(value_node), 1)
        return result, size

    def _sequence(self, node: YamlNode, depth: int) -> tuple[SequenceNode, int]:
        assert isinstance(node, YamlSequenceNode)
        result = SequenceNode(_span(node))
        size = 1
        for item in node.value:
            result.append(self.build(item, depth + 1))
            result.item_spans.append(_span(item))
            size += self.expanded_size.get(id(item), 1)
        return result, size

    def _short_form(self, node: YamlNode, name: str, depth: int) -> tuple[MappingNode, int]:
        function = name if name in _UNPREFIXED_TAGS else f"Fn::{name}"
        span = _span(node)
        if isinstance(node, YamlScalarNode):
            raw = node.value
            inner: Any
            if function == "Fn::GetAtt":
                inner = SequenceNode(span)
                for part in raw.split(".", 1):
                    inner.append(part)
                    inner.item_spans.append(span)
            else:
                inner = raw
            size = 2
        elif isinstance(node, YamlSequenceNode):
            inner, size = self._sequence(node, depth)
        else:
            inner, size = self._mapping(node, depth)
        result = MappingNode(span)
        result[function] = inner
        result.key_spans[function] = span
        result.value_spans[function] = (
            inner.span if isinstance(inner, (MappingNode, SequenceNode)) else span
        )
        return result, size + 1


def parse_text(text: str, path: str) -> tuple[Any, bool]:
    """Parse template text. Returns ``(data, is_json)``; raises :class:`LoadError`."""
    try:
        return _parse_yaml(text, path), False
    except yaml.scanner.ScannerError as exc:
        problem = exc.problem or ""
        if "'\\t'" in problem or problem.startswith(_JSON_ONLY_ESCAPES):
            return _parse_json(text, path, exc), True
        raise _yaml_error(path, exc) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    except RecursionError:
        raise LoadError(path, f"nesting deeper than {MAX_NESTING_DEPTH} levels") from None


def _parse_yaml(text: str, path: str) -> Any:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if root is None:
        return MappingNode(Span(1, 1, 1, 1))
    return _Builder(path).build(root)


def _parse_json(text: str, path: str, yaml_error: yaml.YAMLError) -> Any:
    """JSON that YAML rejects (tabs, escapes): validate as JSON, then reuse the YAML span logic.

    Tabs outside strings are whitespace in JSON but illegal YAML indentation; JSON forbids raw
    tabs inside strings, so replacing every tab with a space keeps all columns and meaning.
    JSON writes characters outside the Basic Multilingual Plane as a surrogate pair
    (``"\\ud83d\\ude80"``), which YAML refuses: each pair is swapped for a pair of private-use
    escapes of the same length (so every column stays put) and swapped back after parsing.
    """
    try:
        json.loads(text, object_pairs_hook=_reject_duplicate_json_keys)
    except json.JSONDecodeError as exc:
        raise LoadError(path, exc.msg, exc.lineno, exc.colno) from None
    except _DuplicateJsonKey as exc:
        raise LoadError(path, f"duplicate key {exc.key!r}") from None
    text, astral = _mask_surrogate_pairs(text.replace("\t", " "))
    try:
        data = _parse_yaml(text, path)
    except yaml.YAMLError:
        raise _yaml_error(path, yaml_error) from None
    return _unmask(data, astral) if astral else data


#: A JSON surrogate-pair escape whose backslash is not itself escaped.
_SURROGATE_PAIR = re.compile(
    r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE
)
_PRIVATE_USE = range(0xE000, 0xF900)


def _mask_surrogate_pairs(text: str) -> tuple[str, dict[str, str]]:
    """The text with surrogate pairs masked, and {masked pair: character} to undo it."""
    if not _SURROGATE_PAIR.search(text):
        return text, {}
    lowered = text.lower()
    free = (
        chr(point) for point in _PRIVATE_USE
        if chr(point) not in text and f"\\u{point:04x}" not in lowered
    )
    low_mark = next(free, None)
    table: dict[str, str] = {}
    marks: dict[str, str] = {}

    def mask(match: re.Match[str]) -> str:
        character = (chr(int(match.group(2), 16)) + chr(int(match.group(3), 16))).encode(
            "utf-16", "surrogatepass").decode("utf-16")
        high_mark = marks.get(character) or next(free, None)
        if high_mark is None or low_mark is None:
            return match.group(0)  # no free private-use characters: let YAML refuse it
        marks[character] = high_mark
        table[high_mark + low_mark] = character
        return f"{match.group(1)}\\u{ord(high_mark):04x}\\u{ord(low_mark):04x}"

    return _SURROGATE_PAIR.sub(mask, text), table


def _unmask(value: Any, table: dict[str, str]) -> Any:
    if isinstance(value, str):
        for masked, character in table.items():
            value = value.replace(masked, character)
        return value
    if isinstance(value, MappingNode):
        result = MappingNode(value.span)
        for key, item in value.items():
            new_key = _unmask(key, table)
            result[new_key] = _unmask(item, table)
            result.key_spans[new_key] = value.key_spans[key]
            result.value_spans[new_key] = value.value_spans[key]
        return result
    if isinstance(value, SequenceNode):
        sequence = SequenceNode(value.span)
        sequence.extend(_unmask(item, table) for item in value)
        sequence.item_spans = list(value.item_spans)
        return sequence
    return value


class _DuplicateJsonKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateJsonKey(key)
        result[key] = value
    return result


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _yaml_error(path: str, exc: yaml.YAMLError) -> LoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return LoadError(path, str(problem))
    return LoadError(path, str(problem), mark.line + 1, mark.column + 1)


def decode_bytes(raw: bytes, path: str) -> str:
    """Decode template bytes as UTF-8 (an optional BOM is allowed), refusing binary data."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(path, "file is UTF-16 encoded; CloudFormation templates must be UTF-8")
    if b"\x00" in raw:
        raise LoadError(path, "file is binary, not a text template")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"file is not valid UTF-8 (byte offset {exc.start})"
        raise LoadError(path, message, line, 1) from None
    return text


def read_text(path: Path, display: str | None = None) -> str:
    """Read a template file within the size limit, with one-line errors for every failure."""
    shown = display or str(path)
    try:
        raw = read_bounded(path, MAX_TEMPLATE_BYTES)
    except FileReadError as error:
        raise LoadError(shown, error.reason) from None
    return decode_bytes(raw, shown)


def load_document(
    path: Path, display: str | None = None, text: str | None = None
) -> LoadedDocument:
    """Read and parse one file. Raises :class:`LoadError` with the file, line and problem."""
    shown = display or str(path)
    content = read_text(path, shown) if text is None else text
    data, is_json = parse_text(content, shown)
    return LoadedDocument(path=path, text=content, data=data, is_json=is_json)


def _steps(root: Any, path: tuple[Any, ...]) -> Iterator[tuple[Span | None, Span | None]]:
    """Walk ``path`` down from ``root`` while it exists: for each segment, the span of its key
    and of its value (a list item has one span for both)."""
    node = root
    for segment in path:
        if isinstance(node, MappingNode) and segment in node:
            yield node.key_spans.get(segment), node.value_spans.get(segment)
        elif (
            isinstance(node, SequenceNode)
            and isinstance(segment, int)
            and 0 <= segment < len(node)
        ):
            yield node.item_spans[segment], node.item_spans[segment]
        else:
            return
        node = node[segment]


def span_of(root: Any, path: tuple[Any, ...]) -> Span:
    """The span of the key at ``path``, or of the nearest existing parent key when it is missing.

    Pointing at the key (not the value) is what a person expects for "this property is wrong".
    """
    best = root.span if isinstance(root, (MappingNode, SequenceNode)) else UNKNOWN_SPAN
    for key_span, _ in _steps(root, path):
        best = key_span if key_span is not None else best
    return best


def value_span_of(root: Any, path: tuple[Any, ...]) -> Span | None:
    """The span of the value at ``path`` (None when the path does not exist)."""
    steps = list(_steps(root, path))
    if len(steps) < len(path):
        return None
    if steps:
        return steps[-1][1]
    return root.span if isinstance(root, (MappingNode, SequenceNode)) else None
