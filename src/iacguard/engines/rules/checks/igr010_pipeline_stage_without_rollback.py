"""IGR010 pipeline-stage-without-rollback: every CodePipeline stage that deploys rolls back to
the last successful execution when it fails (``OnFailure: {Result: ROLLBACK}``, a V2 pipeline
feature)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.pipelines import PipelineStage, pipeline_stages
from iacguard.model.truth import Branch, decide, equals

_V1_DECISION = (
    "stage rollback needs PipelineType V2 (a pipeline type with its own pricing), so this is a "
    "choice to review"
)


@rule_check
def pipeline_stage_without_rollback(ctx: CheckContext) -> Iterable[Verdict]:
    verdicts = list(_stages(ctx))
    if not verdicts:
        return [Verdict(Outcome.SKIP)]
    # One finding per pipeline (a finding's identity is its resource and property, the same
    # for every stage): the first stage that does not roll back, and how many more there are.
    failing = [v for v in verdicts if v.outcome is Outcome.FAIL]
    if not failing:
        return [next((v for v in verdicts if v.outcome is Outcome.UNKNOWN), verdicts[0])]
    first, more = failing[0], len(failing) - 1
    if more:
        first = first.with_values(more=f" ({more} more stage{'s' if more > 1 else ''} too)")
    return [first]


def _stages(ctx: CheckContext) -> Iterator[Verdict]:
    version = _pipeline_version(ctx)
    for stage in pipeline_stages(ctx.resolver, ctx.resource):
        deploys = [a for a in stage.actions if a.is_category("Deploy")]
        if not deploys:
            continue
        values = {"stage": describe(stage.name), "action": describe(deploys[0].name), "more": ""}
        yield _judge(ctx, stage, values, version)


def _judge(
    ctx: CheckContext, stage: PipelineStage, values: dict[str, str], version: bool | None
) -> Verdict:
    results = ctx.resolver.lookup(stage.node, "OnFailure.Result", stage.path)
    branches = [
        Branch(
            None if (truth := equals(r.value, "ROLLBACK")) is None else not truth,
            tuple(sorted((*stage.assumptions, *r.assumptions))),
            r.path if "OnFailure" in r.path else stage.path,
            r.value,
        )
        for r in results
    ]
    failing, witness = decide(branches)
    if witness is None or failing is False:
        return Verdict(Outcome.PASS)
    if failing is None:
        return unknown(witness.path, "OnFailure.Result is known only at deploy time",
                       witness.assumptions, values=values)
    result = "not set" if "OnFailure" not in witness.path else describe(witness.value)
    verdict = Verdict(
        Outcome.FAIL,
        witness.path,
        {**values, "value": witness.value, "result": result},
        witness.assumptions,
    )
    if version is True:
        return verdict
    if version is None:
        return unknown(witness.path, "PipelineType is known only at deploy time",
                       witness.assumptions, values={**values, "result": result})
    return verdict.as_note(_V1_DECISION)


def _pipeline_version(ctx: CheckContext) -> bool | None:
    """True for a V2 pipeline, False for V1 (also the default), None when unknown."""
    truths = [equals(v.value, "V2") for v in ctx.lookup("Properties.PipelineType")]
    if all(t is True for t in truths):
        return True
    if all(t is False for t in truths):
        return False
    return None
