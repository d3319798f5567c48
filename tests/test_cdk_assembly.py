"""Tests for iacguard.discover.cdk_assembly (reading CDK cloud assemblies)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO_ROOT = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("iacguard") is None:  # running without an installed package
    sys.path.insert(0, str(REPO_ROOT / "src"))

from iacguard.discover import cdk_assembly  # noqa: E402
from iacguard.discover.cdk_assembly import (  # noqa: E402
    CloudAssembly,
    NestedStackParent,
    SourceFrame,
    StackTemplate,
    is_cloud_assembly,
    read_cloud_assembly,
)
from iacguard.discover.cdk_project import find_cloud_assembly  # noqa: E402

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "cdk" / "app-fixture"
FIXTURE_OUT = FIXTURE / "cdk.out"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
APP_A_OUT = SHARED / "cdk" / "app-a" / "cdk.out"

ARCHIVE_RESOURCE = "ArchiveNestedStackArchiveNestedStackResourceCB0E4F37"
IMAGES = "StagingImages83954294"


def by_display(assembly: CloudAssembly) -> dict[str, StackTemplate]:
    return {stack.display_name: stack for stack in assembly.stacks}


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def stack_artifact(template_file: str, **extra: object) -> dict[str, object]:
    artifact: dict[str, object] = {
        "type": "aws:cloudformation:stack",
        "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": template_file},
    }
    artifact.update(extra)
    return artifact


def make_assembly(folder: Path, artifacts: dict[str, object], *, marker: bool = True) -> Path:
    write_json(folder / "manifest.json", {"version": "55.0.0", "artifacts": artifacts})
    if marker:
        (folder / "cdk.out").write_text('{"version":"55.0.0"}', encoding="utf-8")
    return folder


def simple_template(resources: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "Resources": resources
        or {
            "Topic": {"Type": "AWS::SNS::Topic", "Metadata": {"aws:cdk:path": "App/Topic/Resource"}}
        }
    }


# --------------------------------------------------------------------------
# The synthesized fixture app


@pytest.fixture(scope="module")
def fixture_assembly() -> CloudAssembly:
    return read_cloud_assembly(FIXTURE_OUT)


def test_fixture_has_no_node_modules() -> None:
    assert not list(FIXTURE.rglob("node_modules"))


def test_fixture_stacks_in_manifest_order_depth_first(fixture_assembly: CloudAssembly) -> None:
    assert fixture_assembly.problems == ()
    assert fixture_assembly.root == FIXTURE_OUT.resolve()
    got = [(s.artifact_id, s.stack_name, s.display_name) for s in fixture_assembly.stacks]
    assert got == [
        (IMAGES, "Staging-Images", "Staging/Images"),
        (
            f"{IMAGES}/{ARCHIVE_RESOURCE}",
            f"Staging-Images/{ARCHIVE_RESOURCE}",
            "Staging/Images/Archive",
        ),
        ("StagingServiceCF9A6A96", "Staging-Service", "Staging/Service"),
        ("Shared", "fixture-shared", "Shared"),  # explicit stackName
        ("Monitoring", "Monitoring", "Monitoring"),  # no stackName in the manifest
    ]


def test_fixture_template_paths_and_assembly_dirs(fixture_assembly: CloudAssembly) -> None:
    stacks = by_display(fixture_assembly)
    staging = (FIXTURE_OUT / "assembly-Staging").resolve()
    assert stacks["Staging/Images"].template_path == staging / f"{IMAGES}.template.json"
    assert stacks["Staging/Images/Archive"].template_path == (
        staging / "StagingImagesArchive7AA255C0.nested.template.json"
    )
    assert stacks["Staging/Images/Archive"].assembly_dir == staging
    assert stacks["Staging/Service"].assembly_dir == staging
    assert stacks["Shared"].assembly_dir == FIXTURE_OUT.resolve()
    assert stacks["Monitoring"].template_path == FIXTURE_OUT.resolve() / "Monitoring.template.json"
    for stack in fixture_assembly.stacks:
        assert stack.template_path.is_absolute()
        assert "Resources" in json.loads(stack.template_path.read_text(encoding="utf-8"))


def test_fixture_nested_stack_is_tied_to_its_parent_resource(
    fixture_assembly: CloudAssembly,
) -> None:
    stacks = by_display(fixture_assembly)
    parent, nested = stacks["Staging/Images"], stacks["Staging/Images/Archive"]
    assert parent.nested_parent is None
    assert nested.nested_parent == NestedStackParent(parent.template_path, ARCHIVE_RESOURCE)
    resource = json.loads(parent.template_path.read_text(encoding="utf-8"))["Resources"][
        ARCHIVE_RESOURCE
    ]
    assert resource["Type"] == "AWS::CloudFormation::Stack"
    assert [s.nested_parent for s in fixture_assembly.stacks].count(None) == 4


def test_fixture_creation_frames_point_at_the_apps_own_code(
    fixture_assembly: CloudAssembly,
) -> None:
    stacks = by_display(fixture_assembly)
    frames = stacks["Staging/Images"].creation_frames["ScratchRepo6EEFCDF0"]
    assert frames[0] == SourceFrame("src/lib/staging-stacks.ts", 32, 5)
    assert frames[1] == SourceFrame("src/bin/app-fixture.ts", 16, 20)
    # The recorded line really is where the construct is created.
    source = (FIXTURE / frames[0].file).read_text(encoding="utf-8").splitlines()
    assert "'ScratchRepo'" in source[frames[0].line - 1]

    latency = stacks["Monitoring"].creation_frames["LatencyAlarm5394FC57"]
    assert latency[0] == SourceFrame("src/lib/top-level-stacks.ts", 42, 5)
    source = (FIXTURE / latency[0].file).read_text(encoding="utf-8").splitlines()
    assert "'LatencyAlarm'" in source[latency[0].line - 1]


def test_fixture_creation_frames_are_split_between_parent_and_nested(
    fixture_assembly: CloudAssembly,
) -> None:
    stacks = by_display(fixture_assembly)
    nested = stacks["Staging/Images/Archive"].creation_frames
    parent = stacks["Staging/Images"].creation_frames
    assert nested["ArchiveLogsD1770074"][0] == SourceFrame("src/lib/staging-stacks.ts", 12, 5)
    assert "ArchiveLogsD1770074" not in parent
    assert "ScratchRepo6EEFCDF0" not in nested
    # The nested stack resource belongs to the parent template.
    assert parent[ARCHIVE_RESOURCE][0] == SourceFrame("src/lib/staging-stacks.ts", 10, 5)
    for stack in fixture_assembly.stacks:
        for frames in stack.creation_frames.values():
            assert frames, "logical ids without user frames are left out"
            assert all("node_modules" not in frame.file for frame in frames)
            assert all(frame.file.endswith(".ts") for frame in frames)


def test_fixture_logical_ids_of_frames_exist_in_their_template(
    fixture_assembly: CloudAssembly,
) -> None:
    for stack in fixture_assembly.stacks:
        template = json.loads(stack.template_path.read_text(encoding="utf-8"))
        known = {
            key
            for section in ("Resources", "Outputs", "Parameters", "Conditions")
            for key in template.get(section, {})
        }
        assert set(stack.creation_frames) <= known, stack.display_name


def test_fixture_cross_stack_references_are_present(fixture_assembly: CloudAssembly) -> None:
    stacks = by_display(fixture_assembly)
    monitoring = stacks["Monitoring"].template_path.read_text(encoding="utf-8")
    shared = json.loads(stacks["Shared"].template_path.read_text(encoding="utf-8"))
    service = stacks["Staging/Service"].template_path.read_text(encoding="utf-8")
    assert "Fn::ImportValue" in monitoring
    assert any("Export" in output for output in shared["Outputs"].values())
    assert '"Fn::GetStackOutput"' in service


def test_find_cloud_assembly_for_the_fixture() -> None:
    # src/cdk.json names "output": "../cdk.out".
    found = find_cloud_assembly(FIXTURE / "src")
    assert found is not None and found.resolve() == FIXTURE_OUT.resolve()
    assert find_cloud_assembly(FIXTURE) == FIXTURE / "cdk.out"
    assert find_cloud_assembly(FIXTURE_OUT) == FIXTURE_OUT
    assert is_cloud_assembly(FIXTURE_OUT)
    assert is_cloud_assembly(FIXTURE_OUT / "assembly-Staging")
    assert not is_cloud_assembly(FIXTURE / "src")


# --------------------------------------------------------------------------
# The shared reference app (app-a)


@pytest.fixture(scope="module")
def app_a() -> CloudAssembly:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return read_cloud_assembly(APP_A_OUT)


def test_app_a_three_templates(app_a: CloudAssembly) -> None:
    assert app_a.problems == ()
    got = [(s.artifact_id, s.stack_name, s.display_name) for s in app_a.stacks]
    legacy = "LegacyImagesNestedStackLegacyImagesNestedStackResourceC2E23CD2"
    assert got == [
        ("ProdRegistryB82DC0F6", "Prod-Registry", "Prod/Registry"),
        (f"ProdRegistryB82DC0F6/{legacy}", f"Prod-Registry/{legacy}", "Prod/Registry/LegacyImages"),
        ("ProdStorefront65317B0F", "Prod-Storefront", "Prod/Storefront"),
    ]
    stacks = by_display(app_a)
    prod = (APP_A_OUT / "assembly-Prod").resolve()
    assert {s.assembly_dir for s in app_a.stacks} == {prod}
    assert stacks["Prod/Registry/LegacyImages"].nested_parent == NestedStackParent(
        prod / "ProdRegistryB82DC0F6.template.json", legacy
    )
    assert stacks["Prod/Registry/LegacyImages"].template_path == (
        prod / "ProdRegistryLegacyImages630D89E8.nested.template.json"
    )


def test_app_a_creation_frames(app_a: CloudAssembly) -> None:
    stacks = by_display(app_a)
    audit = stacks["Prod/Storefront"].creation_frames["AuditLogGroup6D13791A"]
    assert audit[0] == SourceFrame("src/lib/storefront-stack.ts", 178, 5)
    legacy = stacks["Prod/Registry/LegacyImages"].creation_frames["LegacyRepo473B9CD3"]
    assert legacy[0] == SourceFrame("src/lib/registry-stack.ts", 14, 17)
    # Frames inside node_modules (e.g. Annotations.addWarningV2) are dropped.
    for stack in app_a.stacks:
        for frames in stack.creation_frames.values():
            assert all("node_modules" not in f.file for f in frames)


def test_app_a_found_from_app_folder(app_a: CloudAssembly) -> None:
    app_dir = APP_A_OUT.parent
    assert find_cloud_assembly(app_dir) == app_dir / "cdk.out"


# --------------------------------------------------------------------------
# find_cloud_assembly / is_cloud_assembly on synthetic folders


def test_find_cloud_assembly_uses_cdk_json_output(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write_json(app / "cdk.json", {"app": "npx ts-node bin/app.ts", "output": "build/assembly"})
    assert find_cloud_assembly(app) is None  # not synthesized yet
    make_assembly(app / "build" / "assembly", {})
    assert find_cloud_assembly(app) == app / "build" / "assembly"


def test_find_cloud_assembly_defaults_to_cdk_out(tmp_path: Path) -> None:
    write_json(tmp_path / "cdk.json", {"app": "python app.py"})
    make_assembly(tmp_path / "cdk.out", {})
    assert find_cloud_assembly(tmp_path) == tmp_path / "cdk.out"
    (tmp_path / "cdk.json").write_text("{ not json", encoding="utf-8")
    assert find_cloud_assembly(tmp_path) == tmp_path / "cdk.out"


def test_find_cloud_assembly_none_for_plain_folder(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources: {}\n", encoding="utf-8")
    assert find_cloud_assembly(tmp_path) is None
    assert find_cloud_assembly(tmp_path / "missing") is None


def test_is_cloud_assembly_rules(tmp_path: Path) -> None:
    with_marker = make_assembly(tmp_path / "a", {})
    assert is_cloud_assembly(with_marker)
    without_marker = make_assembly(tmp_path / "b", {}, marker=False)
    assert is_cloud_assembly(without_marker)
    other = write_json(tmp_path / "c" / "manifest.json", {"name": "web app manifest"}).parent
    assert not is_cloud_assembly(other)
    broken = tmp_path / "d"
    broken.mkdir()
    (broken / "manifest.json").write_text("{", encoding="utf-8")
    assert not is_cloud_assembly(broken)
    assert not is_cloud_assembly(tmp_path / "nowhere")


# --------------------------------------------------------------------------
# Defensive reading


def test_broken_manifest_json_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(
        '{"version": "55.0.0", "artifacts": {', encoding="utf-8"
    )
    assembly = read_cloud_assembly(tmp_path)
    assert assembly.stacks == ()
    assert len(assembly.problems) == 1
    problem = assembly.problems[0]
    assert problem.startswith(f"{tmp_path / 'manifest.json'}: ")
    assert "not valid JSON" in problem and "\n" not in problem


def test_broken_nested_manifest_keeps_other_stacks(tmp_path: Path) -> None:
    make_assembly(
        tmp_path,
        {
            "assembly-Broken": {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": "assembly-Broken"},
            },
            "Good": stack_artifact("Good.template.json"),
        },
    )
    (tmp_path / "assembly-Broken").mkdir()
    (tmp_path / "assembly-Broken" / "manifest.json").write_bytes(b"\xff\xfe garbage")
    write_json(tmp_path / "Good.template.json", simple_template())
    assembly = read_cloud_assembly(tmp_path)
    assert [s.artifact_id for s in assembly.stacks] == ["Good"]
    assert len(assembly.problems) == 1
    assert "assembly-Broken" in assembly.problems[0]


def test_missing_template_file_is_a_problem(tmp_path: Path) -> None:
    make_assembly(
        tmp_path,
        {
            "Gone": stack_artifact("Gone.template.json", displayName="Gone"),
            "Here": stack_artifact("Here.template.json", displayName="Here"),
        },
    )
    write_json(tmp_path / "Here.template.json", simple_template())
    assembly = read_cloud_assembly(tmp_path)
    assert [s.display_name for s in assembly.stacks] == ["Here"]
    assert assembly.problems == (f"{tmp_path / 'Gone.template.json'}: template not found",)


def test_missing_root_manifest_is_a_problem(tmp_path: Path) -> None:
    assembly = read_cloud_assembly(tmp_path / "nope")
    assert assembly.stacks == ()
    assert assembly.problems == (
        f"{tmp_path / 'nope' / 'manifest.json'}: cloud assembly manifest not found",
    )


def test_malformed_artifacts_and_metadata_do_not_raise(tmp_path: Path) -> None:
    make_assembly(
        tmp_path,
        {
            "NotAnObject": [1, 2],
            "NoTemplate": {"type": "aws:cloudformation:stack", "properties": {}},
            "NoDir": {"type": "cdk:cloud-assembly"},
            "ListTemplate": stack_artifact("List.template.json"),
            "BadMeta": stack_artifact(
                "Meta.template.json", additionalMetadataFile="Meta.metadata.json", metadata=[1]
            ),
            "Unknown": {"type": "cdk:asset-manifest", "properties": {"file": "x.assets.json"}},
        },
    )
    write_json(tmp_path / "List.template.json", [1, 2, 3])
    write_json(
        tmp_path / "Meta.template.json", {"Resources": {"A": "not a resource", "B": {"Type": 5}}}
    )
    (tmp_path / "Meta.metadata.json").write_text("[", encoding="utf-8")
    assembly = read_cloud_assembly(tmp_path)
    assert [s.artifact_id for s in assembly.stacks] == ["BadMeta"]
    assert dict(assembly.stacks[0].creation_frames) == {}
    joined = "\n".join(assembly.problems)
    for needle in (
        "'NotAnObject'",
        "'NoTemplate'",
        "'NoDir'",
        "List.template.json",
        "Meta.metadata.json",
        "'BadMeta'",
    ):
        assert needle in joined
    assert len(assembly.problems) == 6


def test_assembly_that_references_itself_terminates(tmp_path: Path) -> None:
    make_assembly(
        tmp_path,
        {
            "Self": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}},
            "Stack": stack_artifact("Stack.template.json"),
        },
    )
    write_json(tmp_path / "Stack.template.json", simple_template())
    assembly = read_cloud_assembly(tmp_path)
    assert [s.artifact_id for s in assembly.stacks] == ["Stack"]
    assert len(assembly.problems) == 1 and "cycle" in assembly.problems[0]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_terminate(tmp_path: Path) -> None:
    make_assembly(
        tmp_path,
        {
            "Back": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "up"}},
            "Loop": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "loop"}},
            "Stack": stack_artifact("Stack.template.json"),
        },
    )
    try:
        os.symlink(".", tmp_path / "up")  # points back at the assembly itself
        os.symlink("loop", tmp_path / "loop")  # a link to itself
    except OSError:
        pytest.skip("cannot create symlinks here")
    write_json(tmp_path / "Stack.template.json", simple_template())
    assembly = read_cloud_assembly(tmp_path)
    assert [s.artifact_id for s in assembly.stacks] == ["Stack"]
    assert len(assembly.problems) == 2


def test_nested_templates_cycle_and_missing_file(tmp_path: Path) -> None:
    def nested(asset: str, cdk_path: str) -> dict[str, object]:
        return {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {"TemplateURL": "https://example.invalid/x.json"},
            "Metadata": {"aws:cdk:path": cdk_path, "aws:asset:path": asset},
        }

    make_assembly(
        tmp_path, {"Parent": stack_artifact("Parent.template.json", displayName="App/Parent")}
    )
    write_json(
        tmp_path / "Parent.template.json",
        simple_template(
            {
                "ChildRes": nested(
                    "Child.nested.template.json",
                    "App/Parent/Child.NestedStack/Child.NestedStackResource",
                ),
                "GhostRes": nested(
                    "Ghost.nested.template.json",
                    "App/Parent/Ghost.NestedStack/Ghost.NestedStackResource",
                ),
                "NotNested": {
                    "Type": "AWS::CloudFormation::Stack",
                    "Properties": {"TemplateURL": "https://x"},
                },
            }
        ),
    )
    # The child deploys a grandchild, which deploys the child again (a cycle).
    write_json(
        tmp_path / "Child.nested.template.json",
        simple_template(
            {
                "GrandRes": nested(
                    "Grand.nested.template.json",
                    "App/Parent/Child/Grand.NestedStack/Grand.NestedStackResource",
                )
            }
        ),
    )
    write_json(
        tmp_path / "Grand.nested.template.json",
        simple_template(
            {
                "BackRes": nested(
                    "Child.nested.template.json",
                    "App/Parent/Child/Grand/Back.NestedStack/Back.NestedStackResource",
                )
            }
        ),
    )
    assembly = read_cloud_assembly(tmp_path)
    got = [(s.artifact_id, s.stack_name, s.display_name) for s in assembly.stacks]
    assert got == [
        ("Parent", "Parent", "App/Parent"),
        ("Parent/ChildRes", "Parent/ChildRes", "App/Parent/Child"),
        ("Parent/ChildRes/GrandRes", "Parent/ChildRes/GrandRes", "App/Parent/Child/Grand"),
    ]
    grand = assembly.stacks[2]
    assert grand.nested_parent == NestedStackParent(
        tmp_path.resolve() / "Child.nested.template.json", "GrandRes"
    )
    assert len(assembly.problems) == 2
    assert any("Ghost.nested.template.json: template not found" in p for p in assembly.problems)
    assert any("already read" in p for p in assembly.problems)


def test_inline_metadata_and_trace_formats(tmp_path: Path) -> None:
    """Older schemas: metadata inline in the manifest, Node-style "at" frames."""
    metadata = {
        "/App/Stack/Bucket/Resource": [
            {"type": "aws:cdk:logicalId", "data": "Bucket83908E77"},
            {
                "type": "aws:cdk:creationStack",
                "data": [
                    "at new Bucket (/home/me/app/node_modules/aws-cdk-lib/aws-s3/bucket.js:1:2)",
                    "at new MyStack (/home/me/app/lib/my-stack.ts:12:7)",
                    "at Object.<anonymous> (/home/me/app/bin/app.ts:5:1)",
                    "at Module._compile (node:internal/modules/cjs/loader:1554:14)",
                    "at eval (eval at <anonymous> (/home/me/app/x.js:1:1), <anonymous>:1:1)",
                    "lib/other.ts:3:4",
                    "C:\\proj\\lib\\win.ts:8:9",
                    "file:///home/me/app/lib/esm.mjs:2:3",
                    "...aws-cdk-lib...",
                    "(no user code in 10 frames, use --stack-trace-limit to capture more)",
                    42,
                ],
            },
        ],
        # Oldest form: the trace rides on the logicalId entry.
        "/App/Stack/Queue/Resource": [
            {
                "type": "aws:cdk:logicalId",
                "data": "Queue4A7E3555",
                "trace": ["new MyStack (lib/my-stack.ts:20:5)"],
            }
        ],
        "/App/Stack/Only/Library": [
            {"type": "aws:cdk:logicalId", "data": "OnlyLibrary"},
            {"type": "aws:cdk:creationStack", "data": ["...aws-cdk-lib..."]},
        ],
        # Another stack's entry (should not leak into this one).
        "/App/Other/Thing/Resource": [
            {"type": "aws:cdk:logicalId", "data": "Thing"},
            {"type": "aws:cdk:creationStack", "data": ["lib/other-stack.ts:1:1"]},
        ],
        "/App/Stack/Bad": "not a list",
    }
    make_assembly(
        tmp_path,
        {
            "AppStack": stack_artifact(
                "AppStack.template.json", displayName="App/Stack", metadata=metadata
            )
        },
    )
    write_json(
        tmp_path / "AppStack.template.json",
        {
            "Resources": {
                "Bucket83908E77": {"Type": "AWS::S3::Bucket"},
                "Queue4A7E3555": {"Type": "AWS::SQS::Queue"},
            }
        },
    )
    assembly = read_cloud_assembly(tmp_path)
    assert assembly.problems == ()
    frames = assembly.stacks[0].creation_frames
    assert frames["Bucket83908E77"] == (
        SourceFrame("/home/me/app/lib/my-stack.ts", 12, 7),
        SourceFrame("/home/me/app/bin/app.ts", 5, 1),
        SourceFrame("lib/other.ts", 3, 4),
        SourceFrame("C:\\proj\\lib\\win.ts", 8, 9),
        SourceFrame("/home/me/app/lib/esm.mjs", 2, 3),
    )
    assert frames["Queue4A7E3555"] == (SourceFrame("lib/my-stack.ts", 20, 5),)
    assert "OnlyLibrary" not in frames
    assert "Thing" not in frames


def test_stack_template_is_hashable_and_frozen(fixture_assembly: CloudAssembly) -> None:
    stack = fixture_assembly.stacks[0]
    assert stack in set(fixture_assembly.stacks)
    with pytest.raises(AttributeError):
        stack.stack_name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        stack.creation_frames["x"] = ()  # type: ignore[index]


def test_each_json_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cdk.out"
    shutil.copytree(FIXTURE_OUT, root)
    reads: list[Path] = []
    original = cdk_assembly.read_bounded

    def counting(path: Path, limit: int) -> bytes:
        reads.append(path)
        return original(path, limit)

    monkeypatch.setattr(cdk_assembly, "read_bounded", counting)
    assembly = read_cloud_assembly(root)
    assert len(assembly.stacks) == 5
    assert len(reads) >= 7  # two manifests, five templates and their metadata files
    assert len(reads) == len(set(reads))
    assert not any(
        p.name in ("tree.json", "validation-report.json") or p.name.endswith(".assets.json")
        for p in reads
    )


# --------------------------------------------------------------------------
# Property: arbitrary JSON anywhere never raises

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
artifact_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["aws:cloudformation:stack", "cdk:cloud-assembly", "cdk:tree"])},
    optional={
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "templateFile": st.sampled_from(["T.template.json", "", "missing.json"])
                | json_values,
                "directoryName": st.sampled_from([".", "sub", "..", ""]) | json_values,
                "stackName": json_values,
            },
        )
        | json_values,
        "displayName": json_values,
        "metadata": st.dictionaries(st.text(max_size=6), json_values, max_size=3) | json_values,
        "additionalMetadataFile": st.sampled_from(["T.template.json", "M.json"]) | json_values,
    },
)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    artifacts=st.dictionaries(
        st.text(min_size=1, max_size=6), artifact_like | json_values, max_size=4
    ),
    template=json_values,
    raw_metadata=st.binary(max_size=30),
)
def test_arbitrary_manifests_never_raise(
    artifacts: dict[str, object], template: object, raw_metadata: bytes
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_assembly(root, artifacts)
        (root / "sub").mkdir()
        make_assembly(root / "sub", artifacts)
        write_json(root / "T.template.json", template)
        (root / "M.json").write_bytes(raw_metadata)
        assembly = read_cloud_assembly(root)
        assert all("\n" not in p for p in assembly.problems)
        assert len({s.template_path for s in assembly.stacks}) == len(assembly.stacks)
