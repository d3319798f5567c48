"""What a Python check receives and returns. Checks are for logic the YAML cannot say; their
metadata still lives in the rule's YAML file, and the same engine runs them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iacguard.engines.rules.conditions import Branch, EvaluationScope, decide, evaluate
from iacguard.findings import Outcome
from iacguard.load.parse import Span
from iacguard.model.template import Resource, Template
from iacguard.model.values import Assumption, Resolved, Resolver


@dataclass(frozen=True)
class Verdict:
    """The result of one check on one resource. ``path`` is relative to the resource node."""

    outcome: Outcome
    path: tuple[Any, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    message: str | None = None
    #: An exact template location, for problems inside embedded text (an inline buildspec)
    #: that no property path can name. Overrides ``path`` for the finding's position.
    span: Span | None = None


@dataclass
class CheckContext:
    template: Template
    resource: Resource
    resolver: Resolver
    options: Mapping[str, Any]
    #: Every template of the run's workspace (a CDK assembly's stacks), for cross-stack checks.
    workspace: tuple[Template, ...] = ()

    @property
    def scope(self) -> EvaluationScope:
        return EvaluationScope(self.template, self.resource, self.resolver, self.options)

    def lookup(self, dotted: str, node: Any = None) -> list[Resolved]:
        return self.resolver.lookup(self.resource.node if node is None else node, dotted)

    def evaluate_failing(self, condition: Mapping[str, Any]) -> Verdict:
        """Run a declarative failing condition and turn it into a verdict."""
        return verdict_from_branches(evaluate(condition, self.scope))


def verdict_from_branches(branches: list[Branch]) -> Verdict:
    truth, witness = decide(branches)
    if witness is None:
        return Verdict(Outcome.PASS)
    outcome = {True: Outcome.FAIL, False: Outcome.PASS, None: Outcome.UNKNOWN}[truth]
    return Verdict(outcome, witness.path, {"value": witness.value}, witness.assumptions)


CheckFunction = Callable[[CheckContext], Iterable[Verdict]]
