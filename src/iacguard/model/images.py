"""Container image references as a template writes them: which tag or digest they pin.

An image is often assembled from parts (``!Sub '${Repo.RepositoryUri}:${Tag}'``, or the CDK's
``Fn::Join`` of registry, repository and tag). :func:`image_reference` reads the literal text
and the parts known to hold no tag (an ECR repository's name or URI, the account, Region and
URL suffix) and says what the reference pins: a digest, a tag, nothing (which means
``latest``), or something only known at deploy time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.model.describe import describe
from iacguard.model.intrinsics import single_function, whole_reference
from iacguard.model.refs import SUB_VARIABLE
from iacguard.model.template import Template

ECR_REPOSITORY = "AWS::ECR::Repository"
#: Pseudo parameters that never hold a tag, a digest or a slash.
_PLAIN_PSEUDO = frozenset({"AWS::AccountId", "AWS::Region", "AWS::URLSuffix", "AWS::Partition"})
#: What an ECR repository reference stands for in an image: a name or URI, never a tag.
_REPOSITORY_FORMS = frozenset({"Ref", "RepositoryUri"})
_REPOSITORY_TEXT = "registry/repository"


@dataclass(frozen=True)
class ImageReference:
    kind: str  # "digest" | "tag" | "untagged" | "unknown"
    tag: str = ""
    #: Logical ids of the template's ECR repositories the image is built from.
    repositories: tuple[str, ...] = ()
    #: For "unknown": which part is only known at deploy time.
    unknown_part: str = ""


@dataclass(frozen=True)
class _Part:
    text: str | None  # None: only known at deploy time
    written: Any = None  # the template value, for messages
    repository: str = ""


def image_reference(template: Template, value: Any) -> ImageReference:
    """What the image reference ``value`` pins (see the module docstring)."""
    parts = _parts(template, value)
    if parts is None:
        return ImageReference("unknown", unknown_part="the image")
    repositories = tuple(dict.fromkeys(p.repository for p in parts if p.repository))
    name = _after_last_slash(parts)
    digest = next((p for p in name if p.text is not None and "@" in p.text), None)
    if digest is not None:
        return ImageReference("digest", repositories=repositories)
    tag = _tag(name)
    if tag is None:
        opaque = next((p for p in name if p.text is None), None)
        if opaque is not None:
            return ImageReference("unknown", repositories=repositories,
                                  unknown_part=_describe_part(opaque))
        return ImageReference("untagged", repositories=repositories)
    opaque = next((p for p in tag if p.text is None), None)
    if opaque is not None:
        return ImageReference("unknown", repositories=repositories,
                              unknown_part=_describe_part(opaque))
    return ImageReference("tag", "".join(p.text or "" for p in tag), repositories)


def _describe_part(part: _Part) -> str:
    return describe(part.written) if part.written is not None else "a part of the image"


def _after_last_slash(parts: list[_Part]) -> list[_Part]:
    """The parts after the last literal '/': the repository name with its tag or digest."""
    for position in range(len(parts) - 1, -1, -1):
        text = parts[position].text
        if text is not None and "/" in text:
            rest = text.rsplit("/", 1)[1]
            return [_Part(rest, parts[position].written), *parts[position + 1:]]
    return parts


def _tag(name: list[_Part]) -> list[_Part] | None:
    """The parts after the ':' that starts the tag; None when no literal ':' is there."""
    for position, part in enumerate(name):
        if part.text is not None and ":" in part.text:
            rest = part.text.split(":", 1)[1]
            return [_Part(rest, part.written), *name[position + 1:]]
    return None


def _parts(template: Template, value: Any) -> list[_Part] | None:
    if isinstance(value, str):
        return [_Part(value)]
    call = single_function(value)
    if call is None:
        return None
    function, argument = call
    if function == "Fn::Sub":
        return list(_sub_parts(template, argument))
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        delimiter, items = argument
        if isinstance(delimiter, str) and isinstance(items, list):
            return list(_join_parts(template, delimiter, items))
    return [_referenced(template, value)]


def _join_parts(template: Template, delimiter: str, items: list[Any]) -> Iterator[_Part]:
    for position, item in enumerate(items):
        if position and delimiter:
            yield _Part(delimiter)
        yield _Part(item) if isinstance(item, str) else _referenced(template, item)


def _sub_parts(template: Template, argument: Any) -> Iterator[_Part]:
    text, variables = argument, {}
    if isinstance(argument, list) and argument:
        text = argument[0]
        variables = argument[1] if len(argument) > 1 and isinstance(argument[1], dict) else {}
    if not isinstance(text, str):
        yield _Part(None, argument)
        return
    position = 0
    for match in SUB_VARIABLE.finditer(text):
        yield _Part(text[position:match.start()].replace("${!", "${"))
        name = match.group(1).strip()
        if name in variables:
            value = variables[name]
            yield _Part(value) if isinstance(value, str) else _referenced(template, value)
        else:
            yield _sub_variable(template, name)
        position = match.end()
    yield _Part(text[position:].replace("${!", "${"))


def _sub_variable(template: Template, name: str) -> _Part:
    target, _, attribute = name.partition(".")
    reference = {"Fn::GetAtt": [target, attribute]} if attribute else {"Ref": target}
    return _referenced(template, reference)


def _referenced(template: Template, value: Any) -> _Part:
    """A part given by an intrinsic: plain text when it is known to hold no tag."""
    reference = whole_reference(value)
    if reference is None:
        return _Part(None, value)
    if reference.kind == "Ref" and reference.target in _PLAIN_PSEUDO:
        return _Part("x", value)
    target = template.resources.get(reference.target)
    form = "Ref" if reference.kind == "Ref" else reference.attribute
    if target is not None and target.type == ECR_REPOSITORY and form in _REPOSITORY_FORMS:
        return _Part(_REPOSITORY_TEXT, value, target.logical_id)
    return _Part(None, value)
