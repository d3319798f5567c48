"""IGP003 codebuild-privileged-mode: privileged mode only where the build needs a Docker
daemon. An inline buildspec that builds container images (``docker build``, ``docker buildx``,
``docker compose build``) justifies it; a buildspec kept in the source repository cannot be
read here, so the project gets the note that asks for a reasoned suppression."""

from __future__ import annotations

import re
from collections.abc import Iterable

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_values
from iacguard.findings import Outcome
from iacguard.model.intrinsics import literal_text
from iacguard.model.truth import is_true

_DOCKER_BUILD = re.compile(r"\bdocker(?:-compose|\s+compose)?\s+(?:buildx\s+)?build\b")


@rule_check
def codebuild_privileged_mode(ctx: CheckContext) -> Iterable[Verdict]:
    verdict = verdict_from_values(ctx.lookup("Properties.Environment.PrivilegedMode"), is_true)
    if verdict.outcome is Outcome.FAIL and _builds_images(ctx):
        return [Verdict(Outcome.PASS)]
    return [verdict]


def _builds_images(ctx: CheckContext) -> bool:
    """Every inline buildspec of the project runs a Docker image build."""
    texts = [literal_text(resolved.value) for resolved in ctx.lookup("Properties.Source.BuildSpec")]
    return bool(texts) and all(
        found is not None and _DOCKER_BUILD.search(found[0]) is not None for found in texts
    )
