"""Every setting of a run, each defined once: a field of :class:`Settings`.

A field's definition (:func:`setting`) holds everything else there is to say about the setting:
the command-line option that gives it, its key and JSON Schema in a configuration file
(``schemas/config.schema.json`` is generated from these definitions), how a written value
becomes the field's value, and whether it can change what the check of a template finds. The
result cache's fingerprint covers every setting that can (the default), so adding a setting is
adding a field here, and it cannot be left out of the cache key. Settings that cannot change a
result (where reports go, how many workers run) say so in their definition.

The configuration key is the field's name with dashes (``fail_on`` -> ``fail-on``).
"""

from __future__ import annotations

import copy
import dataclasses
import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from iacguard.engines import DEFAULT_ENGINES, KNOWN_ENGINES
from iacguard.engines.cfnlint import DEFAULT_REGIONS, DEFAULT_VALIDATE_TIMEOUT
from iacguard.findings import Severity
from iacguard.report.outputs import FORMATS
from iacguard.settings import conversions
from iacguard.settings.conversions import Origin
from iacguard.suppress.config_entry import ConfigSuppression

T = TypeVar("T")

FAIL_ON_CHOICES: tuple[str, ...] = (*(level.value for level in Severity), "never")
_DEFINITION = "iacguard.setting"


class Kind(enum.Enum):
    """How an option takes its value on the command line."""

    LIST = "list"  # repeatable, and a value may list several: --select A --select B,C
    REPEATED = "repeated"  # repeatable, each value taken whole (a path, NAME=VALUE)
    SWITCH = "switch"  # --x/--no-x, or a lone flag
    CHOICE = "choice"  # one of the option's choices
    VALUE = "value"  # one value of the option's value type


class ValueType(enum.Enum):
    TEXT = "text"
    PATH = "path"
    FILE = "file"
    FOLDER = "folder"
    COUNT = "count"  # a whole number, at least 1
    SECONDS = "seconds"  # a number of seconds, at least 0


@dataclass(frozen=True)
class Option:
    """A setting's command-line option."""

    flags: tuple[str, ...]
    help: str
    kind: Kind = Kind.VALUE
    value_type: ValueType = ValueType.TEXT
    metavar: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    #: None: only a configuration file sets it.
    option: Option | None = None
    #: The JSON Schema of its configuration-file value; None: only the command line sets it.
    schema: Mapping[str, Any] | None = None
    #: Whether the setting can change the findings of a template (and so the cache key).
    affects_results: bool = True
    #: A written value (configuration or command line) as the field's value; None: as written,
    #: lists as tuples.
    convert: Callable[[Any, Origin], Any] | None = None
    #: The field's value as ``iacguard config`` shows it; None: as written.
    shown: Callable[[Any, Path], Any] | None = None


def setting(definition: Definition, default: T) -> T:
    """A field of :class:`Settings` with its definition."""
    metadata = {_DEFINITION: definition}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: copy.copy(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class SettingField:
    """A field of :class:`Settings` and its definition."""

    name: str
    definition: Definition
    default: Any

    @property
    def key(self) -> str:
        return self.name.replace("_", "-")

    @property
    def in_config_file(self) -> bool:
        return self.definition.schema is not None


# --------------------------------------------------------------------------- schema parts

GLOBS = {"$ref": "#/$defs/globs"}
SELECTORS = {"$ref": "#/$defs/selectors"}
RULE_ID = {"$ref": "#/$defs/ruleId"}
_PARAMETER_VALUE = {
    "anyOf": [
        {"type": ["string", "number", "boolean"]},
        {"type": "array", "items": {"type": ["string", "number"]}},
    ]
}
_SUPPRESSION_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {
        "id": RULE_ID,
        "path": {"type": "string", "minLength": 1,
                 "description": "Glob of template files (default: every file)."},
        "logical-id": {"type": "string", "minLength": 1,
                       "description": "Glob of logical ids (default: every resource)."},
        "reason": {"type": "string"},
        "expires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                    "description": "a date YYYY-MM-DD"},
    },
}
_FACTS = {
    "registry-scanning": {
        "description": "ECR registry-level scanning is configured outside these templates "
        "(account baseline).",
        "type": "boolean",
    },
    "external-alarms": {
        "description": "Names of CloudWatch alarms that exist outside these templates.",
        "type": "array",
        "items": {"type": "string", "minLength": 1},
    },
    "container-insights": {
        "description": "ECS Container Insights is enabled by the account setting.",
        "type": "boolean",
    },
}


def _schema(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, **schema}


def _list_option(flag: str, help_text: str, metavar: str | None = None) -> Option:
    return Option((flag,), help_text, Kind.LIST, metavar=metavar)


def _switch(flags: str, help_text: str) -> Option:
    return Option((flags,), help_text, Kind.SWITCH)


# --------------------------------------------------------------------------- the settings


@dataclass(frozen=True)
class Settings:
    """The settings of a run; ``Settings()`` is every built-in default.

    Fields in the order ``iacguard config`` prints them: the configuration-file settings first.
    """

    include: tuple[str, ...] = setting(Definition(
        _list_option("--include", "Only check files found in folders that match GLOB.", "GLOB"),
        _schema("Globs of template files to check when walking folders (default: every .yaml, "
                ".yml, .json and .template file). Files named on the command line are always "
                "checked.", **GLOBS),
        affects_results=False,  # which files are checked, not what checking one finds
        convert=conversions.strings,
    ), ())
    exclude: tuple[str, ...] = setting(Definition(
        _list_option("--exclude", "Skip paths matching GLOB.", "GLOB"),
        _schema("Globs of files or folders never to check.", **GLOBS),
        affects_results=False,
        convert=conversions.strings,
    ), ())
    select: tuple[str, ...] = setting(Definition(
        _list_option("--select", "Only run these rules (ids, prefixes, names, tags)."),
        _schema("Only run these rules: ids, id prefixes, rule names or tags.", **SELECTORS),
        convert=conversions.strings,
    ), ())
    ignore: tuple[str, ...] = setting(Definition(
        _list_option("--ignore", "Never run these rules (ids, prefixes, names, tags)."),
        _schema("Never run these rules: ids, id prefixes, rule names or tags.", **SELECTORS),
        convert=conversions.strings,
    ), ())
    extend_select: tuple[str, ...] = setting(Definition(
        _list_option("--extend-select", "Also run these rules, on top of the selected ones."),
        _schema("Rules to run in addition to 'select'.", **SELECTORS),
        convert=conversions.strings,
    ), ())
    severity: Mapping[str, Severity] = setting(Definition(
        None,
        _schema("Re-level rules: rule id -> error | warning | note.", type="object",
                propertyNames=RULE_ID,
                additionalProperties={"enum": [level.value for level in Severity],
                                      "description": "error, warning or note"}),
        convert=conversions.severities,
    ), {})
    fail_on: str = setting(Definition(
        Option(("--fail-on",), "Exit 1 when a finding at or above this severity remains "
               "[default: error].", Kind.CHOICE, choices=FAIL_ON_CHOICES),
        _schema("Exit 1 when an active finding is at or above this severity.",
                enum=list(FAIL_ON_CHOICES)),
        affects_results=False,  # only the exit code
    ), "error")
    rules: tuple[Path, ...] = setting(Definition(
        Option(("--rules",), "Load custom YAML rules from a file or folder.", Kind.REPEATED,
               ValueType.PATH),
        _schema("Files or folders of custom YAML rules, relative to this configuration file.",
                type="array", items={"type": "string", "minLength": 1}),
        convert=conversions.rule_paths,
        shown=conversions.shown_paths,
    ), ())
    parameters: Mapping[str, Mapping[str, Any]] = setting(Definition(
        None,
        _schema("Template parameter values per template glob: glob -> {Name: Value}.",
                type="object",
                additionalProperties={"type": "object", "additionalProperties": _PARAMETER_VALUE}),
        convert=conversions.nested_mappings,
    ), {})
    validate: bool = setting(Definition(
        _switch("--validate/--no-validate", "Also validate each template with cfn-lint "
                "(schemas, references, functions) [default: validate]."),
        _schema("Also validate templates against the CloudFormation resource schemas "
                "(cfn-lint).", type="boolean"),
        convert=conversions.flag,
    ), True)
    validate_timeout: float = setting(Definition(
        Option(("--validate-timeout",), "Stop cfn-lint's validation of a template after this "
               "many seconds and report it (IG0008); 0 = no limit [default: 60].",
               value_type=ValueType.SECONDS, metavar="SECONDS"),
        _schema("Seconds cfn-lint may spend validating one template before it is stopped and "
                "the template is reported as not validated (IG0008); 0 means no limit.",
                type="number", minimum=0),
        # A validation that finishes gives the same findings under any budget, and one that
        # is stopped is never cached, so the budget cannot change a cached result.
        affects_results=False,
        convert=conversions.seconds,
    ), DEFAULT_VALIDATE_TIMEOUT)
    regions: tuple[str, ...] = setting(Definition(
        _list_option("--region", "AWS region to validate against (repeatable; default "
                     "us-east-1).", "REGION"),
        _schema("AWS regions to validate resource types and properties against.", type="array",
                minItems=1, items={"type": "string",
                                   "pattern": "^([a-z]{2}(-[a-z]+)+-[0-9]+|ALL_REGIONS)$",
                                   "description": "an AWS region such as eu-west-1"}),
        convert=conversions.strings,
    ), DEFAULT_REGIONS)
    engines: tuple[str, ...] = setting(Definition(
        _list_option("--engine", "Engines that check each template: iacguard, checkov "
                     "(repeatable or comma-separated) [default: iacguard]. checkov needs "
                     "pip install 'checkov>=3.2,<4'.", "ENGINE"),
        _schema("Engines that check each template: iacguard (its own rules, the default) and "
                "checkov (its CloudFormation checks, needs pip install 'checkov>=3.2,<4').",
                type="array", minItems=1, uniqueItems=True,
                items={"enum": list(KNOWN_ENGINES),
                       "description": " or ".join(KNOWN_ENGINES)}),
        convert=conversions.engine_names,
    ), DEFAULT_ENGINES)
    output: tuple[str, ...] = setting(Definition(
        Option(("--output", "-o"), "Write a report file (atomically; repeatable). FORMAT:PATH "
               "adds that format (e.g. sarif:reports/iacguard.sarif) while the --format report "
               "still goes to standard output; a plain PATH takes the --format report instead.",
               Kind.REPEATED, metavar="[FORMAT:]PATH"),
        _schema("Extra report files, each 'format:path' (path relative to this configuration "
                "file).", type="array",
                items={"type": "string", "pattern": "^[a-z]+:.+$",
                       "description": "'format:path', such as json:reports/iacguard.json"}),
        affects_results=False,
        convert=conversions.report_files,
        shown=conversions.shown_list,
    ), ())
    show_unknown: bool = setting(Definition(
        _switch("--show-unknown/--hide-unknown", "Also report checks that cannot be decided "
                "statically (as notes)."),
        _schema("Also report checks that cannot be decided statically (as notes).",
                type="boolean"),
        convert=conversions.flag,
    ), False)
    inline_suppressions: bool = setting(Definition(
        _switch("--inline-suppressions/--no-inline-suppressions", "Honour suppressions written "
                "in templates (# iacguard: comments and Metadata) [default: honour]."),
        _schema("Honour suppressions written in templates (comments and Metadata). Default "
                "true.", type="boolean"),
        convert=conversions.flag,
    ), True)
    rule_options: Mapping[str, Mapping[str, Any]] = setting(Definition(
        None,
        _schema("Options per rule: rule id -> {option: value}.", type="object",
                propertyNames=RULE_ID, additionalProperties={"type": "object"}),
        convert=conversions.nested_mappings,
    ), {})
    facts: Mapping[str, Any] = setting(Definition(
        None,
        _schema("Facts about the world outside the templates that rules consult instead of "
                "guessing.", type="object", additionalProperties=False, properties=_FACTS),
        convert=conversions.mapping,
    ), {})
    suppressions: tuple[ConfigSuppression, ...] = setting(Definition(
        None,
        _schema("Suppressions with accountability: each needs a reason and may expire.",
                type="array", items=_SUPPRESSION_ENTRY),
        convert=conversions.config_suppressions,
    ), ())
    # Command line only.
    parameter_values: Mapping[str, Any] = setting(Definition(
        Option(("--parameter",), "Give a template parameter a value.", Kind.REPEATED,
               metavar="NAME=VALUE"),
        convert=conversions.parameter_flags,
    ), {})
    parameter_file_values: Mapping[str, Any] = setting(Definition(
        Option(("--parameters",), 'Parameter values file: {"Parameters": {...}} '
               "(CodePipeline format).", value_type=ValueType.PATH),
        convert=conversions.parameter_file,
    ), {})
    baseline: Path | None = setting(Definition(
        Option(("--baseline",), "Report findings recorded in this baseline file as "
               "suppressed; only new findings fail the run.", value_type=ValueType.FILE),
    ), None)
    write_baseline: Path | None = setting(Definition(
        Option(("--write-baseline",), "Record the run's active findings in this baseline "
               "file.", value_type=ValueType.FILE),
        affects_results=False,
    ), None)
    base: str | None = setting(Definition(
        Option(("--base",), "Also compare every checked template with its version at git REF "
               "(read with git, never checked out) and report what the change does to running "
               "stacks (IGC rules).", metavar="REF"),
    ), None)
    base_assembly: Path | None = setting(Definition(
        Option(("--base-assembly",), "Compare the checked CDK assembly with this one, "
               "synthesized from the base branch.", value_type=ValueType.FOLDER,
               metavar="DIR"),
    ), None)
    format: str = setting(Definition(
        Option(("--format",), "Report format [default: console].", Kind.CHOICE,
               choices=FORMATS),
        affects_results=False,
    ), "console")
    jobs: int | None = setting(Definition(
        Option(("--jobs", "-j"), "Worker processes [default: the number of CPUs].",
               value_type=ValueType.COUNT),
        affects_results=False,
    ), None)
    cache_dir: Path | None = setting(Definition(
        Option(("--cache-dir",), "Cache per-template results here [default: "
               "~/.cache/iacguard].", value_type=ValueType.FOLDER),
        affects_results=False,
    ), None)
    no_cache: bool = setting(Definition(
        _switch("--no-cache", "Check every template again; read no cache."),
        affects_results=False,
    ), False)
    shard: tuple[int, int] | None = setting(Definition(
        Option(("--shard",), "Check only the K-th of N deterministic slices of the templates "
               "(1-based); combine the shards' reports with 'iacguard merge'.", metavar="K/N"),
        affects_results=False,  # which templates are checked, not what checking one finds
        convert=conversions.shard,
    ), None)
    quiet: bool = setting(Definition(
        Option(("--quiet", "-q"), "Print findings only, one line each.", Kind.SWITCH),
        affects_results=False,
    ), False)
    statistics: bool = setting(Definition(
        _switch("--statistics", "Print counts per rule and severity instead of each finding."),
        affects_results=False,
    ), False)


def setting_fields(of: type[Settings] = Settings) -> Iterator[SettingField]:
    """Every setting, in declaration order (fields that are not settings are left out)."""
    for item in dataclasses.fields(of):
        definition = item.metadata.get(_DEFINITION)
        if isinstance(definition, Definition):
            factory = item.default_factory
            default = factory() if callable(factory) else item.default
            yield SettingField(item.name, definition, default)


def config_file_settings() -> list[SettingField]:
    return [item for item in setting_fields() if item.in_config_file]


def result_settings(settings: Settings) -> dict[str, Any]:
    """The values of every setting that can change the findings of a template."""
    return {
        item.name: getattr(settings, item.name)
        for item in setting_fields(type(settings))
        if item.definition.affects_results
    }


def config_schema_properties() -> dict[str, Any]:
    return {item.key: dict(item.definition.schema or {}) for item in config_file_settings()}

