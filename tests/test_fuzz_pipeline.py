"""Random template-shaped data through load -> model -> every rule -> every reporter.

CI runs a modest budget; run longer with
``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz_pipeline.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.engines.rules.registry import load_rules
from iacguard.findings import Report
from iacguard.load.parse import LoadedDocument, LoadError, parse_text
from iacguard.model.template import build_template
from iacguard.report.outputs import RENDERERS

RULES = load_rules()
RESOURCE_TYPES = sorted({t for rule in RULES for t in rule.resource_types})
PROPERTY_NAMES = sorted(
    {
        part
        for rule in RULES
        for part in repr(rule.when).replace("'", " ").replace(".", " ").split()
        if part[:1].isupper() and part.isalnum()
    }
    | {"Properties", "Name", "Value", "Dimensions", "Enabled", "Events", "Type", "Alarms"}
)

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

names = st.sampled_from(PROPERTY_NAMES)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5000), st.text(max_size=8),
    st.sampled_from(["true", "false", "True", "ECS", "CODE_DEPLOY", "AllAtOnce", "*",
                     "{{resolve:ssm:x}}", "DEPLOYMENT_FAILURE", "IMMUTABLE"]),
)


def intrinsics(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(
        st.builds(lambda t: {"Ref": t}, st.sampled_from(["R0", "R1", "P", "AWS::NoValue", "X"])),
        st.builds(lambda t, a: {"Fn::GetAtt": [t, a]}, st.sampled_from(["R0", "R1"]), names),
        st.builds(lambda a, b: {"Fn::If": ["C", a, b]}, children, children),
        st.builds(lambda s: {"Fn::Sub": s}, st.sampled_from(["${R0}", "x-${R1.Arn}", "${P}"])),
        st.builds(lambda v: {"Fn::ImportValue": v}, st.text(max_size=4)),
        st.builds(lambda v: {"Fn::Join": ["", v]}, st.lists(children, max_size=3)),
        st.builds(lambda v: {"Fn::Unknown": v}, children),
    )


values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(names, children, max_size=4),
        intrinsics(children),
    ),
    max_leaves=25,
)

resources = st.fixed_dictionaries(
    {"Type": st.sampled_from(RESOURCE_TYPES)},
    optional={
        "Properties": st.one_of(st.dictionaries(names, values, max_size=6), values),
        "DeletionPolicy": st.sampled_from(["Retain", "Delete", "Snapshot"]),
        "UpdatePolicy": values,
        "Condition": st.just("C"),
        "DependsOn": st.sampled_from(["R0", ["R1", "R0"]]),
        "Metadata": st.dictionaries(st.sampled_from(["aws:cdk:path", "iacguard"]), values,
                                    max_size=2),
    },
)

templates = st.fixed_dictionaries(
    {"Resources": st.dictionaries(st.sampled_from(["R0", "R1", "R2", "R3"]), resources,
                                  min_size=1, max_size=4)},
    optional={
        "Parameters": st.just({"P": {"Type": "String", "AllowedValues": ["a", "true", "false"]}}),
        "Conditions": st.just({"C": {"Fn::Equals": ["a", "b"]}}),
        "Globals": st.dictionaries(st.sampled_from(["Function", "Api"]), values, max_size=2),
        "Transform": st.sampled_from(["AWS::Serverless-2016-10-31", ["AWS::LanguageExtensions"]]),
    },
)


def run_everything(text: str) -> None:
    try:
        data, is_json = parse_text(text, "fuzz.yaml")
    except LoadError:
        return
    template = build_template(LoadedDocument(Path("fuzz.yaml"), text, data, is_json), "fuzz.yaml")
    findings, evaluations = check_template(template, RULES, EngineOptions(show_unknown=True))
    crashed = [f for f in findings if f.rule_id == "IG0002"]
    assert not crashed, crashed[0].message
    report = Report(findings=findings, evaluations=evaluations, files_checked=["fuzz.yaml"],
                    rules_run=list(RULES))
    for render in RENDERERS.values():
        assert isinstance(render(report, 1), str)


@given(templates)
def test_template_shaped_data_never_crashes_a_rule_or_reporter(template: dict[str, object]) -> None:
    run_everything(yaml.safe_dump(template, sort_keys=False))


@given(st.binary(max_size=300))
def test_random_bytes_never_crash(raw: bytes) -> None:
    run_everything(raw.decode("utf-8", errors="replace"))
