"""Requirements: a check written as a list of declarative failing conditions, each with the
sentence that explains it.

The first requirement that fails decides the message, so a user reads
"AutoRollbackConfiguration.Enabled is false" instead of a generic rule text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.engines.rules.api import Verdict
from iacguard.engines.rules.conditions import EvaluationScope, evaluate
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.truth import decide
from iacguard.model.values import Unknown, flag_value


@dataclass(frozen=True)
class Requirement:
    """One way a resource fails a rule. ``problem`` may use ``{value}`` (the deciding value,
    boolean strings read as booleans: the requirements are about settings);
    ``point_at`` names the key to report instead of the deciding value; when the deciding value
    sits inside an ``Fn::If``, the failing branch is reported instead (the more precise place)."""

    failing: Mapping[str, Any]
    problem: str
    point_at: tuple[str, ...] = ()
    #: The explanation when the template cannot tell (default: ``problem``).
    unknown_problem: str | None = None


def enabled_section(path: str) -> tuple[Requirement, Requirement]:
    """A settings block (``Properties.X``) that must be there with ``Enabled: true``."""
    name = path.removeprefix("Properties.")
    return (
        Requirement({"path": path, "absent": True}, f"{name} is not set"),
        Requirement(
            {"path": f"{path}.Enabled", "not-equals": True}, f"{name}.Enabled is {{value}}"
        ),
    )


def check_requirements(scope: EvaluationScope, requirements: Sequence[Requirement]) -> Verdict:
    """FAIL on the first requirement that fails, else UNKNOWN on the first undecidable one.

    Requirements are alternatives ("fails if A or B"), so evaluating them one at a time gives the
    same answer per ``Fn::If`` branch as evaluating their disjunction.
    """
    undecided: Verdict | None = None
    for requirement in requirements:
        truth, witness = decide(evaluate(requirement.failing, scope))
        if witness is None or truth is False:
            continue
        problem = requirement.problem if truth else (
            requirement.unknown_problem or requirement.problem
        )
        verdict = Verdict(
            Outcome.FAIL if truth else Outcome.UNKNOWN,
            _report_path(witness.path, requirement.point_at),
            {
                "value": witness.value,
                "problem": problem.format(value=_shown(witness.value)),
            },
            witness.assumptions,
        )
        if truth:
            return verdict
        undecided = undecided or verdict
    return undecided or Verdict(Outcome.PASS)


def _shown(value: Any) -> str:
    """The deciding value in a problem. A value known only at deploy time is "unknown": the
    finding's message already begins with why, so the reason is not said twice."""
    return "unknown" if isinstance(value, Unknown) else describe(flag_value(value))


def _report_path(deciding: tuple[Any, ...], point_at: tuple[str, ...]) -> tuple[Any, ...]:
    if not point_at:
        return deciding
    if "Fn::If" not in deciding:
        return point_at
    # Follow the deciding path (with its branch hops) down to the key named by point_at, plus
    # the branch chosen right below it: that is the failing branch, not an item inside it.
    result: list[Any] = []
    named = 0
    position = 0
    while position < len(deciding) and named < len(point_at):
        segment = deciding[position]
        if segment == "Fn::If":
            result.extend(deciding[position : position + 2])
            position += 2
            continue
        result.append(segment)
        named += isinstance(segment, str)
        position += 1
    while deciding[position : position + 1] == ("Fn::If",):
        result.extend(deciding[position : position + 2])
        position += 2
    return tuple(result)
