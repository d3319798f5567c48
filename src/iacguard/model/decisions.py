"""Choices a template leaves to the person who deploys it: conditions driven by parameters.

A protection that is off only on the branch of an ``Fn::If`` whose condition a parameter decides
(``AlarmsEnabled: !Equals [!Ref EnableAlarms, 'true']``) is a switch the author built on
purpose, not an oversight. Rules still say so, as a note naming the condition and the
parameter; a condition decided by pseudo parameters (``AWS::Region``, ``AWS::AccountId``) is not
a choice anybody makes at deploy time and stays a finding like any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.model.template import Template
from iacguard.model.values import Assumption

_MAX_DEPTH = 50


def condition_parameters(template: Template) -> Mapping[str, tuple[str, ...]]:
    """Condition name -> the template parameters its value depends on (through other
    conditions too), in the order they appear. An index: ``template.index(condition_parameters)``.
    """
    section = template.root.get("Conditions")
    if not isinstance(section, Mapping):
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for name in section:
        if isinstance(name, str):
            found = _parameters_in(section.get(name), section, template, set(), 0)
            result[name] = tuple(dict.fromkeys(found))
    return result


def _parameters_in(
    expression: Any,
    section: Mapping[str, Any],
    template: Template,
    seen: set[str],
    depth: int,
) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(expression, list):
        for item in expression:
            yield from _parameters_in(item, section, template, seen, depth + 1)
        return
    if not isinstance(expression, Mapping):
        return
    for function, argument in expression.items():
        if function == "Ref" and isinstance(argument, str) and argument in template.parameters:
            yield argument
        elif function == "Condition" and isinstance(argument, str) and argument not in seen:
            seen.add(argument)  # a cycle of conditions is cfn-lint's to report
            yield from _parameters_in(section.get(argument), section, template, seen, depth + 1)
        else:
            yield from _parameters_in(argument, section, template, seen, depth + 1)


@dataclass(frozen=True)
class Choice:
    """A condition value a finding depends on, and the parameters that choose it."""

    condition: str
    value: bool
    parameters: tuple[str, ...]

    def describe(self) -> str:
        """``condition AlarmsOn is false, which parameter EnableAlarms chooses``."""
        names = " and ".join(self.parameters)
        noun = "parameters" if len(self.parameters) > 1 else "parameter"
        verb = "choose" if len(self.parameters) > 1 else "chooses"
        value = "true" if self.value else "false"
        return f"condition {self.condition} is {value}, which {noun} {names} {verb}"


def deploy_time_choices(
    template: Template, assumptions: Sequence[Assumption]
) -> tuple[Choice, ...]:
    """The conditions among ``assumptions`` that parameters decide (empty when none is)."""
    parameters = template.index(condition_parameters)
    return tuple(
        Choice(a.name, bool(a.value), parameters[a.name])
        for a in assumptions
        if a.kind == "condition" and parameters.get(a.name)
    )
