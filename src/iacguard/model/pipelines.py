"""The stages and actions of an ``AWS::CodePipeline::Pipeline``, read once for the rules that
judge a pipeline's shape (validation before deploy, change sets, stage rollback, notifications).

Values stay as the template writes them (a stage name may be ``!Sub``): checks decide what an
intrinsic means for them, and messages describe it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.model.template import Resource
from iacguard.model.values import ABSENT, Assumption, Resolver, as_number, is_opaque

PIPELINE = "AWS::CodePipeline::Pipeline"


@dataclass(frozen=True)
class PipelineAction:
    stage_index: int
    stage_name: Any
    name: Any
    path: tuple[Any, ...]  # of the action, relative to the pipeline resource
    category: Any
    provider: Any
    run_order: float
    configuration: Any
    assumptions: tuple[Assumption, ...] = ()

    def is_category(self, category: str) -> bool:
        return isinstance(self.category, str) and self.category == category


@dataclass(frozen=True)
class PipelineStage:
    index: int
    name: Any
    path: tuple[Any, ...]
    node: Mapping[str, Any]
    actions: tuple[PipelineAction, ...]
    assumptions: tuple[Assumption, ...] = ()


def pipeline_stages(resolver: Resolver, pipeline: Resource) -> Iterator[PipelineStage]:
    """The pipeline's stages in order, each with its actions."""
    for stage in resolver.lookup(pipeline.node, "Properties.Stages.*"):
        if not isinstance(stage.value, Mapping) or is_opaque(stage.value):
            continue
        index = next((p for p in reversed(stage.path) if isinstance(p, int)), 0)
        name = stage.value.get("Name", ABSENT)
        actions = tuple(
            _action(index, name, action.value, action.path, action.assumptions)
            for action in resolver.lookup(stage.value, "Actions.*", stage.path)
            if isinstance(action.value, Mapping) and not is_opaque(action.value)
        )
        yield PipelineStage(index, name, stage.path, stage.value, actions, stage.assumptions)


def pipeline_actions(resolver: Resolver, pipeline: Resource) -> Iterator[PipelineAction]:
    for stage in pipeline_stages(resolver, pipeline):
        yield from stage.actions


def _action(
    stage_index: int,
    stage_name: Any,
    action: Mapping[str, Any],
    path: tuple[Any, ...],
    assumptions: tuple[Assumption, ...],
) -> PipelineAction:
    type_id = action.get("ActionTypeId")
    type_id = type_id if isinstance(type_id, Mapping) else {}
    return PipelineAction(
        stage_index=stage_index,
        stage_name=stage_name,
        name=action.get("Name", ABSENT),
        path=path,
        category=type_id.get("Category"),
        provider=type_id.get("Provider"),
        run_order=_run_order(action.get("RunOrder", 1)),
        configuration=action.get("Configuration", ABSENT),
        assumptions=assumptions,
    )


def _run_order(value: Any) -> float:
    """RunOrder, 1 when it is not set or not a number."""
    number = as_number(value)
    return 1.0 if number is None else number
