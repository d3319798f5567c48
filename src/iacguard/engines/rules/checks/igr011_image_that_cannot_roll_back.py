"""IGR011 image-that-cannot-roll-back: an ECS task definition's containers, and a Lambda
function deployed as an image, pin their image by a version tag or a digest, so that
re-deploying the previous revision brings back the previous image (model/images.py reads the
reference)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.describe import describe, quote
from iacguard.model.images import ImageReference, image_reference
from iacguard.model.intrinsics import literal_text
from iacguard.model.truth import Branch, decide, equals
from iacguard.model.values import ABSENT, Resolved, Unknown

TASK_DEFINITION = "AWS::ECS::TaskDefinition"
SAM_FUNCTION = "AWS::Serverless::Function"
#: ECR tag mutability settings under which a pushed tag can be moved to another image.
_MUTABLE = frozenset({"MUTABLE", "MUTABLE_WITH_EXCLUSION"})


@rule_check
def image_that_cannot_roll_back(ctx: CheckContext) -> Iterable[Verdict]:
    if ctx.resource.type == TASK_DEFINITION:
        return [_one_per_task_definition(list(_task_definition(ctx)))]
    return list(_function(ctx))


def _one_per_task_definition(verdicts: list[Verdict]) -> Verdict:
    """One finding per task definition (a finding's identity is its resource and property, the
    same for every container): the first failure, then notes, then unknowns, naming how many
    other containers have a problem too."""
    def rank(verdict: Verdict) -> int:
        if verdict.outcome is Outcome.FAIL:
            return 1 if verdict.note else 0
        return 2 if verdict.outcome is Outcome.UNKNOWN else 3

    ordered = sorted(verdicts, key=rank)
    if not ordered:
        return Verdict(Outcome.SKIP)
    first, others = ordered[0], [v for v in ordered[1:] if rank(v) < 3]
    if not others or rank(first) == 3:
        return first
    count = len(others)
    more = f" ({count} more container{'s' if count > 1 else ''} with an image to check)"
    return first.with_values(problem=f"{first.values['problem']}{more}")


def _task_definition(ctx: CheckContext) -> Iterator[Verdict]:
    for container in ctx.lookup("Properties.ContainerDefinitions.*"):
        if not isinstance(container.value, dict):
            continue
        name = container.value.get("Name", ABSENT)
        subject = f"ECS task definition {ctx.resource.logical_id}, container {describe(name)},"
        images = ctx.resolver.lookup(container.value, "Image", container.path)
        yield _judge(ctx, subject, images)


def _function(ctx: CheckContext) -> Iterator[Verdict]:
    """Lambda functions deployed as a container image (PackageType: Image)."""
    image_type = [equals(v.value, "Image") for v in ctx.lookup("Properties.PackageType")]
    if not any(image_type):
        yield Verdict(Outcome.SKIP)
        return
    own = "Properties.ImageUri" if ctx.resource.type == SAM_FUNCTION else "Properties.Code.ImageUri"
    images = [v for v in ctx.lookup(own) if v.value is not ABSENT]
    if not images:
        # SAM builds and tags the image itself when ImageUri is left to `sam build`.
        yield Verdict(Outcome.SKIP)
        return
    kind = "SAM function" if ctx.resource.type == SAM_FUNCTION else "Lambda function"
    yield _judge(ctx, f"{kind} {ctx.resource.logical_id}", images)


def _judge(ctx: CheckContext, subject: str, images: list[Resolved]) -> Verdict:
    branches = [_branch(ctx, image) for image in images]
    truth, witness = decide(branches)
    if witness is None or truth is False:
        return _mutable_tag_note(ctx, subject, branches) or Verdict(Outcome.PASS)
    reference: ImageReference = witness.value[1]
    written = witness.value[0]
    if truth is None:
        return unknown(
            witness.path,
            _unknown_reason(written, reference),
            witness.assumptions,
            values={"subject": subject, "problem": f"runs {_shown(written)}"},
        )
    tag = "no tag, which means :latest" if reference.kind == "untagged" else "the tag :latest"
    problem = (
        f"runs {_shown(written)} ({tag}): a rollback re-deploys the same tag and "
        "pulls whatever image it names by then, so it does not bring the previous image back"
    )
    return Verdict(
        Outcome.FAIL,
        witness.path,
        {"subject": subject, "problem": problem, "value": written},
        witness.assumptions,
    )


def _shown(image: Any) -> str:
    """An image as the template writes it: Fn::Sub text in full (a cut would leave half a
    ${...} variable), an Fn::Join by its function alone (its parts are many)."""
    if isinstance(image, Unknown):
        return "an image given at deploy time"
    text = literal_text(image)
    if text is not None and text[1]:
        return f"image !Sub {quote(text[0])}"
    if isinstance(image, dict) and "Fn::Join" in image:
        return "an image assembled with !Join"
    return f"image {describe(image)}"


def _unknown_reason(written: Any, reference: ImageReference) -> str:
    if isinstance(written, Unknown):
        return written.reason
    if reference.kind == "unknown":
        return f"{reference.unknown_part} is known only at deploy time"
    return "a parameter value chooses the image"


def _branch(ctx: CheckContext, image: Resolved) -> Branch:
    reference = image_reference(ctx.template, image.value)
    failing = {"untagged": True, "digest": False, "unknown": None}.get(reference.kind)
    if reference.kind == "tag":
        failing = reference.tag == "latest"
    return Branch(failing, tuple(sorted(image.assumptions)), image.path, (image.value, reference))


def _mutable_tag_note(ctx: CheckContext, subject: str, branches: list[Branch]) -> Verdict | None:
    """A version tag from a repository of this template whose tags can be pushed again."""
    for branch in branches:
        written, reference = branch.value
        if reference.kind != "tag":
            continue
        for repository in reference.repositories:
            mutability = _mutability(ctx, repository)
            if mutability is None:
                continue
            problem = (
                f"runs {_shown(written)}, a version tag from repository {repository}, "
                f"whose tags can be pushed again (ImageTagMutability is {mutability}), so a "
                "rollback may pull a different image under the same tag"
            )
            verdict = Verdict(
                Outcome.FAIL,
                branch.path,
                {"subject": subject, "problem": problem, "value": written},
                branch.assumptions,
            )
            return verdict.as_note()
    return None


def _mutability(ctx: CheckContext, repository: str) -> str | None:
    """How the repository's tag mutability is described when its tags are mutable, else None."""
    resource = ctx.template.resources[repository]
    values = ctx.resolver.lookup(resource.node, "Properties.ImageTagMutability")
    if len(values) != 1:
        return None
    value: Any = values[0].value
    if value is ABSENT:
        return "not set (MUTABLE)"
    return describe(value) if isinstance(value, str) and value in _MUTABLE else None
