"""What a Python check receives and returns. Checks are for logic the YAML cannot say; their
metadata still lives in the rule's YAML file, and the same engine runs them.

A check is a function marked with :func:`rule_check` in a module of the ``checks`` package,
named after its rule (the rule's ``name`` in snake_case, which its YAML gives as ``check:``).
The package finds it by itself: a new Python rule is its YAML file, its check module and its
fixtures, with no table to edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from iacguard.engines.rules.conditions import EvaluationScope, evaluate
from iacguard.findings import Outcome, Role
from iacguard.load.parse import Span, span_of
from iacguard.model.alarm_health import dead_gate
from iacguard.model.template import Resource, Template
from iacguard.model.truth import Branch, Truth, branches_of, decide
from iacguard.model.values import Assumption, Resolved, Resolver, Unknown

_CHECK_MARK = "__iacguard_rule_check__"


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
    #: Reported as a note instead of the rule's severity: the failure is a decision someone
    #: visibly made, or concerns a resource nobody is known to operate. Never blocking by default.
    note: bool = False
    #: What the resource is for, when the rule judged it by that (a function's role).
    role: Role | None = None
    #: Why a failure is a decision the template states (said after the message of a note).
    decision: str | None = None

    def with_values(self, **values: Any) -> Verdict:
        """The same verdict with more message values (``problem``, ``setting``...)."""
        return replace(self, values={**self.values, **values})

    def as_note(self, decision: str | None = None) -> Verdict:
        """The same failure, reported as a note (see ``note``), saying why when it is a
        decision the template states."""
        return replace(self, note=True, decision=decision or self.decision)


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

    def fact(self, name: str) -> Any:
        """A declared fact about the world outside the templates (configuration ``facts``)."""
        facts = self.options.get("facts") or {}
        return facts.get(name) if isinstance(facts, Mapping) else None

    def number_option(self, name: str, default: float) -> float:
        value = self.options.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return default
        return float(value)

    def same_spot(self, first: Verdict, second: Verdict) -> bool:
        """Two verdicts that would be reported on the same template line and column."""
        if first.outcome is not second.outcome or first.assumptions != second.assumptions:
            return False
        data = self.template.document.data
        return span_of(data, (*self.resource.path, *first.path)) == span_of(
            data, (*self.resource.path, *second.path)
        )


def verdict_from_branches(branches: list[Branch]) -> Verdict:
    truth, witness = decide(branches)
    if witness is None:
        return Verdict(Outcome.PASS)
    outcome = {True: Outcome.FAIL, False: Outcome.PASS, None: Outcome.UNKNOWN}[truth]
    return Verdict(outcome, witness.path, {"value": witness.value}, witness.assumptions)


def verdict_from_values(
    values: Iterable[Resolved],
    failing: Callable[[Any], Truth],
    path: tuple[Any, ...] | None = None,
) -> Verdict:
    """Fold resolved values (one per condition branch) into a verdict, like a YAML condition;
    ``path`` (when given) is where the finding points instead of at each value."""
    return verdict_from_branches(branches_of(values, failing, path))


def unknown(
    path: tuple[Any, ...],
    reason: str,
    assumptions: tuple[Assumption, ...] = (),
    message: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> Verdict:
    """UNKNOWN at ``path``: the template cannot tell, for ``reason``."""
    described = {**(values or {}), "value": Unknown(reason)}
    return Verdict(Outcome.UNKNOWN, path, described, assumptions, message)


def verdict_from_truth(
    passes: Truth,
    path: tuple[Any, ...],
    values: Mapping[str, Any],
    unknown_reason: str,
    assumptions: tuple[Assumption, ...] = (),
) -> Verdict:
    """PASS when ``passes`` is True, FAIL at ``path`` with ``values`` when it is False, and
    UNKNOWN (for ``unknown_reason``) when the template cannot tell."""
    if passes is True:
        return Verdict(Outcome.PASS)
    if passes is None:
        return unknown(path, unknown_reason, values=values)
    return Verdict(Outcome.FAIL, path, values, assumptions)


def dead_gate_verdict(
    template: Template, names: Sequence[Resolved], path: tuple[Any, ...], context: str = ""
) -> Verdict | None:
    """FAIL at ``path`` when none of the alarms a deployment gate names (CodeDeploy, ECS, SAM)
    can ever fire (model/alarm_health.py): such a gate never rolls anything back. Names that
    hold only under a condition decide nothing. ``context`` is said before the reason."""
    if not names or any(resolved.assumptions for resolved in names):
        return None
    problem = dead_gate(template, [resolved.value for resolved in names])
    if problem is None:
        return None
    return Verdict(Outcome.FAIL, path, {"value": names[0].value, "problem": context + problem})


def passing_unless(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """The verdicts found, or one PASS when there are none."""
    found = list(verdicts)
    return found or [Verdict(Outcome.PASS)]


CheckFunction = Callable[[CheckContext], Iterable[Verdict]]


def rule_check(function: CheckFunction) -> CheckFunction:
    """Mark ``function`` as the check of the rule named like it (``alarm_without_actions`` is
    the check of rule ``alarm-without-actions``)."""
    setattr(function, _CHECK_MARK, True)
    return function


def is_rule_check(value: object) -> bool:
    return callable(value) and getattr(value, _CHECK_MARK, False) is True
