"""Checks for an inline CodeBuild buildspec (`AWS::CodeBuild::Project` `Source.BuildSpec`).

The text is composed, never constructed, so every key and value keeps its position and no
YAML tag can create Python objects. Strings containing `${...}` come from `Fn::Sub` and are
treated as opaque: their final value is only known at deploy time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import yaml

from iacguard.engines.rules.embedded import (
    EmbeddedProblem,
    compose_yaml,
    did_you_mean,
    duplicate_key_problems,
    key_text,
    mapping_get,
    mapping_pairs,
    mark_position,
    named_pairs,
    offset_position,
    pointer_join,
    sort_problems,
    yaml_error_position,
    yaml_error_reason,
)

# Key lists follow the CodeBuild "Build specification reference" (buildspec syntax section).
SECTIONS = (
    "version",
    "run-as",
    "env",
    "proxy",
    "batch",
    "phases",
    "reports",
    "artifacts",
    "cache",
)
ENV_KEYS = (
    "shell",
    "variables",
    "parameter-store",
    "exported-variables",
    "secrets-manager",
    "git-credential-helper",
)
PHASES = ("install", "pre_build", "build", "post_build")
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
REPORT_KEYS = ("files", "base-directory", "discard-paths", "file-format")
# The reference says the value is not case sensitive.
FILE_FORMATS = (
    "JUNITXML",
    "CUCUMBERJSON",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
    "NUNITXML",
    "NUNIT3XML",
    "CLOVERXML",
    "COBERTURAXML",
    "JACOCOXML",
    "SIMPLECOV",
)
ARTIFACT_KEYS = (
    "files",
    "name",
    "discard-paths",
    "base-directory",
    "exclude-paths",
    "enable-symlinks",
    "s3-prefix",
    "secondary-artifacts",
)
SECONDARY_ARTIFACT_KEYS = tuple(key for key in ARTIFACT_KEYS if key != "secondary-artifacts")
CACHE_KEYS = ("paths", "key", "fallback-keys", "action")
PROXY_KEYS = ("upload-artifacts", "logs")
BATCH_KEYS = ("fast-fail", "build-graph", "build-list", "build-matrix", "build-fanout")
VERSIONS = ("0.1", "0.2")
ON_FAILURE = ("ABORT", "CONTINUE")

_DOCUMENT = "the buildspec"
_NULL_TAG = "tag:yaml.org,2002:null"
_INLINE_HINT = re.compile(r"""(?:^|[\s{,"'])version["']?\s*:""")


def looks_like_inline_buildspec(value: str) -> bool:
    """True for inline buildspec YAML, False for a file path or S3 ARN naming a buildspec."""
    return "\n" in value or "\r" in value or _INLINE_HINT.search(value) is not None


def check_buildspec_text(text: str) -> list[EmbeddedProblem]:
    """Validate inline buildspec YAML; never raises."""
    try:
        root = compose_yaml(text)
    except yaml.YAMLError as error:
        message = f"{_DOCUMENT} is not valid YAML: {yaml_error_reason(error)}"
        return [_at(yaml_error_position(error, text), "invalid-yaml", message, "")]
    except RecursionError:
        return [_at((1, 1), "invalid-yaml", f"{_DOCUMENT} is nested too deeply to read", "")]
    except UnicodeEncodeError as error:
        # libyaml reads UTF-8, which cannot hold an unpaired surrogate.
        message = f"{_DOCUMENT} is not valid YAML: it contains an unpaired surrogate character"
        return [_at(offset_position(text, error.start), "invalid-yaml", message, "")]
    except ValueError as error:
        message = f"{_DOCUMENT} could not be read as YAML: {error}"
        return [_at((1, 1), "invalid-yaml", message, "")]
    if root is None or _is_null(root):
        return [_at((1, 1), "empty-document", f"{_DOCUMENT} is empty", "")]
    if not isinstance(root, yaml.MappingNode):
        message = f"{_DOCUMENT} is {_kind(root)}; expected a mapping of sections"
        return [_problem("not-a-mapping", message, root, "")]
    problems = list(duplicate_key_problems(root, _DOCUMENT))
    problems.extend(_check_root(root))
    return sort_problems(problems)


def _at(position: tuple[int, int], code: str, message: str, pointer: str) -> EmbeddedProblem:
    return EmbeddedProblem(code, message, position[0], position[1], pointer)


def _problem(code: str, message: str, node: yaml.Node, pointer: str) -> EmbeddedProblem:
    return _at(mark_position(node), code, message, pointer)


# --- node helpers ------------------------------------------------------------------------


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _is_opaque(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and "${" in node.value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if _is_null(node):
        return "empty"
    return f"'{_clip(node.value)}'"


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown_keys(
    node: yaml.MappingNode, allowed: Sequence[str], where: str, pointer: str
) -> Iterator[EmbeddedProblem]:
    for name, key_node, _ in named_pairs(node):
        if name in allowed or "${" in name:
            continue
        message = f"{where} has unknown key '{name}'{did_you_mean(name, allowed)}"
        yield _problem("unknown-key", message, key_node, pointer_join(pointer, name))


def _expect_mapping(node: yaml.Node, where: str, pointer: str) -> Iterator[EmbeddedProblem]:
    if not isinstance(node, yaml.MappingNode) and not _is_null(node) and not _is_opaque(node):
        message = f"{where} is {_kind(node)}; expected a mapping"
        yield _problem("wrong-type", message, node, pointer)


def _expect_list(node: yaml.Node, where: str, pointer: str) -> Iterator[EmbeddedProblem]:
    if not isinstance(node, yaml.SequenceNode) and not _is_null(node) and not _is_opaque(node):
        message = f"{where} is {_kind(node)}; expected a list"
        yield _problem("wrong-type", message, node, pointer)


# --- sections ----------------------------------------------------------------------------

_SectionCheck = Callable[[yaml.Node, str], Iterator[EmbeddedProblem]]


def _check_root(root: yaml.MappingNode) -> Iterator[EmbeddedProblem]:
    yield from _check_version(root)
    for key_node, _ in mapping_pairs(root):
        if key_text(key_node) is None:
            message = f"{_DOCUMENT} has a complex key; sections are named by plain strings"
            yield _problem("unknown-section", message, key_node, "")
    for name, key_node, value_node in named_pairs(root):
        pointer = pointer_join("", name)
        if name not in SECTIONS:
            if "${" not in name:
                message = f"unknown section '{name}'{did_you_mean(name, SECTIONS)}"
                yield _problem("unknown-section", message, key_node, pointer)
            continue
        check = _SECTION_CHECKS.get(name)
        if check is not None:
            yield from check(value_node, pointer)


def _check_version(root: yaml.MappingNode) -> Iterator[EmbeddedProblem]:
    pair = mapping_get(root, "version")
    if pair is None:
        message = f"{_DOCUMENT} has no version; add 'version: 0.2'"
        yield _problem("missing-version", message, root, "")
        return
    value = pair[1]
    if _is_opaque(value):
        return
    if not isinstance(value, yaml.ScalarNode) or value.value.strip() not in VERSIONS:
        message = f"version is {_kind(value)}; expected 0.1 or 0.2"
        yield _problem("invalid-version", message, value, "/version")


def _check_env(node: yaml.Node, pointer: str) -> Iterator[EmbeddedProblem]:
    yield from _expect_mapping(node, "env", pointer)
    if not isinstance(node, yaml.MappingNode):
        return
    yield from _unknown_keys(node, ENV_KEYS, "env", pointer)
    for name, _, value in named_pairs(node):
        where, child = f"env.{name}", pointer_join(pointer, name)
        if name in ("variables", "parameter-store", "secrets-manager"):
            yield from _expect_mapping(value, where, child)
        elif name == "exported-variables":
            yield from _expect_list(value, where, child)


def _check_phases(node: yaml.Node, pointer: str) -> Iterator[EmbeddedProblem]:
    yield from _expect_mapping(node, "phases", pointer)
    if not isinstance(node, yaml.MappingNode):
        return
    for name, key_node, value in named_pairs(node):
        child = pointer_join(pointer, name)
        if name in PHASES:
            yield from _check_phase(name, value, child)
        elif "${" not in name:
            message = f"unknown phase '{name}'{did_you_mean(name, PHASES)}"
            yield _problem("unknown-phase", message, key_node, child)


def _check_phase(phase: str, node: yaml.Node, pointer: str) -> Iterator[EmbeddedProblem]:
    where = f"phases.{phase}"
    yield from _expect_mapping(node, where, pointer)
    if not isinstance(node, yaml.MappingNode):
        return
    for name, key_node, value in named_pairs(node):
        child = pointer_join(pointer, name)
        if name == "runtime-versions" and phase != "install":
            message = f"{where}.runtime-versions is only allowed in the install phase"
            yield _problem("misplaced-key", message, key_node, child)
        elif name in ("commands", "finally"):
            yield from _check_commands(value, f"{where}.{name}", child)
        elif name == "on-failure":
            yield from _check_on_failure(value, f"{where}.on-failure", child)
        elif name not in PHASE_KEYS and "${" not in name:
            message = f"{where} has unknown key '{name}'{did_you_mean(name, PHASE_KEYS)}"
            yield _problem("unknown-phase-key", message, key_node, child)


def _check_commands(node: yaml.Node, where: str, pointer: str) -> Iterator[EmbeddedProblem]:
    if _is_opaque(node):
        return
    if not isinstance(node, yaml.SequenceNode):
        message = f"{where} is {_kind(node)}; expected a list of command strings"
        yield _problem("invalid-commands", message, node, pointer)
        return
    items: list[yaml.Node] = node.value
    for index, item in enumerate(items):
        if isinstance(item, yaml.ScalarNode) and not _is_null(item):
            continue
        hint = " (quote a command that contains ': ')" if isinstance(item, yaml.MappingNode) else ""
        message = f"{where}[{index}] is {_kind(item)}, not a command string{hint}"
        yield _problem("invalid-commands", message, item, pointer_join(pointer, index))


def _check_on_failure(node: yaml.Node, where: str, pointer: str) -> Iterator[EmbeddedProblem]:
    if _is_opaque(node):
        return
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    # RETRY comes in several documented shapes (RETRY, RETRY-<count>, RETRY-<regex>, ...).
    if value is not None and (value in ON_FAILURE or value.startswith("RETRY")):
        return
    message = f"{where} is {_kind(node)}; expected ABORT, CONTINUE or a RETRY form"
    yield _problem("invalid-on-failure", message, node, pointer)


def _check_reports(node: yaml.Node, pointer: str) -> Iterator[EmbeddedProblem]:
    yield from _expect_mapping(node, "reports", pointer)
    if not isinstance(node, yaml.MappingNode):
        return
    for name, key_node, value in named_pairs(node):
        yield from _check_report_group(name, key_node, value, pointer_join(pointer, name))


def _check_report_group(
    name: str, key_node: yaml.Node, node: yaml.Node, pointer: str
) -> Iterator[EmbeddedProblem]:
    where = f"reports.{name}"
    if _is_opaque(node):
        return
    if not isinstance(node, yaml.MappingNode):
        message = f"{where} is {_kind(node)}; expected a mapping with a files list"
        yield _problem("wrong-type", message, node, pointer)
        return
    yield from _unknown_keys(node, REPORT_KEYS, where, pointer)
    if mapping_get(node, "files") is None:
        message = f"{where} has no files; a report group needs a files list"
        yield _problem("missing-key", message, key_node, pointer)
    for key, _, value in named_pairs(node):
        child = pointer_join(pointer, key)
        if key == "files":
            yield from _expect_list(value, f"{where}.files", child)
        elif key == "file-format":
            yield from _check_file_format(value, f"{where}.file-format", child)


def _check_file_format(node: yaml.Node, where: str, pointer: str) -> Iterator[EmbeddedProblem]:
    if _is_opaque(node):
        return
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if value is not None and value.upper() in FILE_FORMATS:
        return
    suffix = did_you_mean((value or "").upper(), FILE_FORMATS)
    yield _problem("invalid-file-format", f"{where} is {_kind(node)}{suffix}", node, pointer)


def _check_artifacts(node: yaml.Node, pointer: str) -> Iterator[EmbeddedProblem]:
    yield from _expect_mapping(node, "artifacts", pointer)
    if not isinstance(node, yaml.MappingNode):
        return
    yield from _unknown_keys(node, ARTIFACT_KEYS, "artifacts", pointer)
    secondary = mapping_get(node, "secondary-artifacts")
    if secondary is None:
        return
    where, child = "artifacts.secondary-artifacts", pointer_join(pointer, "secondary-artifacts")
    yield from _expect_mapping(secondary[1], where, child)
    if isinstance(secondary[1], yaml.MappingNode):
        for name, _, value in named_pairs(secondary[1]):
            yield from _check_secondary_artifact(
                value, f"{where}.{name}", pointer_join(child, name)
            )


def _check_secondary_artifact(
    node: yaml.Node, where: str, pointer: str
) -> Iterator[EmbeddedProblem]:
    yield from _expect_mapping(node, where, pointer)
    if isinstance(node, yaml.MappingNode):
        yield from _unknown_keys(node, SECONDARY_ARTIFACT_KEYS, where, pointer)


def _keys_only(allowed: Sequence[str], where: str) -> _SectionCheck:
    def check(node: yaml.Node, pointer: str) -> Iterator[EmbeddedProblem]:
        yield from _expect_mapping(node, where, pointer)
        if isinstance(node, yaml.MappingNode):
            yield from _unknown_keys(node, allowed, where, pointer)

    return check


_SECTION_CHECKS: dict[str, _SectionCheck] = {
    "env": _check_env,
    "phases": _check_phases,
    "reports": _check_reports,
    "artifacts": _check_artifacts,
    "cache": _keys_only(CACHE_KEYS, "cache"),
    "proxy": _keys_only(PROXY_KEYS, "proxy"),
    "batch": _keys_only(BATCH_KEYS, "batch"),
}
