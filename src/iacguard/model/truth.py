"""Three-valued logic: the one place where True, False and "cannot tell" (None) combine.

A template value may be known, absent, or only known at deploy time, so every test of a value
answers a :data:`Truth`. This module holds:

- the connectives :func:`any_of`, :func:`all_of`, :func:`negate` and :func:`unanimous`;
- the tests of one value that declarative conditions and Python checks share (:func:`exists`,
  :func:`equals`, :func:`one_of`, ...), each honest about ABSENT and opaque values;
- :class:`Branch`, one answer under the ``Fn::If`` conditions and parameter values it assumes,
  and :func:`decide`, which folds the branches of a *failing* condition into one answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from iacguard.model.values import (
    ABSENT,
    Assumption,
    Resolved,
    Unknown,
    as_bool,
    as_number,
    is_opaque,
)

Truth = bool | None


# --- connectives ---------------------------------------------------------------------------


def any_of(truths: Iterable[Truth]) -> Truth:
    """True when one is True; else None when one cannot be told; else (or when empty) False."""
    seen = list(truths)
    if any(t is True for t in seen):
        return True
    return None if any(t is None for t in seen) else False


def all_of(truths: Iterable[Truth]) -> Truth:
    """False when one is False; else None when one cannot be told; else (or when empty) True."""
    seen = list(truths)
    if any(t is False for t in seen):
        return False
    return None if any(t is None for t in seen) else True


def negate(truth: Truth) -> Truth:
    return None if truth is None else not truth


def unanimous(truths: Iterable[Truth]) -> Truth:
    """True when every one is True, False when every one is False (or there are none), None when
    they disagree or one cannot be told: what holds in *every* deployment."""
    seen = list(truths)
    if seen and all(t is True for t in seen):
        return True
    if any(t is True or t is None for t in seen):
        return None
    return False


# --- tests of one value --------------------------------------------------------------------


def exists(value: Any) -> Truth:
    """The key is there. An Unknown says itself whether the key exists."""
    if value is ABSENT:
        return False
    if isinstance(value, Unknown):
        return True if value.present else None
    return True


def readable(value: Any) -> Truth:
    """The value is there and its content can be read (False: absent; None: deploy time)."""
    if value is ABSENT:
        return False
    return None if is_opaque(value) else True


def is_empty(value: Any) -> Truth:
    if value is ABSENT:
        return True
    if is_opaque(value):
        return None
    return value in ([], {}, "") or value is None


def _normalise(value: Any, like: Any) -> Any:
    """CloudFormation reads "true" as a boolean and "5" as a number where those are expected."""
    if isinstance(like, bool):
        converted = as_bool(value)
        return value if converted is None else converted
    if isinstance(like, (int, float)) and not isinstance(like, bool):
        number = as_number(value)
        return value if number is None else number
    if isinstance(like, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def equals(value: Any, expected: Any) -> Truth:
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    return bool(_normalise(value, expected) == expected)


def not_equals(value: Any, expected: Any) -> Truth:
    """An absent value is not equal to anything."""
    return True if value is ABSENT else negate(equals(value, expected))


def one_of(value: Any, options: Iterable[Any]) -> Truth:
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    return any(_normalise(value, option) == option for option in options)


def none_of(value: Any, options: Iterable[Any]) -> Truth:
    return True if value is ABSENT else negate(one_of(value, options))


def is_true(value: Any) -> Truth:
    """Set to a boolean true (or the string "true", any case)."""
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    return as_bool(value) is True


class TextPattern(Protocol):
    """A compiled regular expression: ``re.Pattern`` or :class:`BoundedPattern`."""

    def search(self, string: str) -> object | None: ...


#: How long one regular expression may take over one value. Custom rules come from the
#: repository a pull request changes; a pattern such as ``(a|aa)+$`` backtracks exponentially.
REGEX_BUDGET_SECONDS = 1.0


class RegexBudgetExceeded(Exception):
    """A rule's regular expression ran past :data:`REGEX_BUDGET_SECONDS` on one value."""


@dataclass(frozen=True)
class BoundedPattern:
    """A rule's regular expression, evaluated with a time budget (the ``regex`` package, whose
    matching can be stopped, and which is imported only when a rule tests a pattern)."""

    text: str

    def __post_init__(self) -> None:
        _compiled(self.text)  # a pattern that does not compile fails the rule at once

    def search(self, string: str) -> object | None:
        try:
            found: object | None = _compiled(self.text).search(
                string, timeout=REGEX_BUDGET_SECONDS
            )
        except TimeoutError:
            raise RegexBudgetExceeded(
                f"the regular expression {self.text!r} ran past its {REGEX_BUDGET_SECONDS:g} s "
                f"budget on a value of {len(string)} characters"
            ) from None
        return found


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Any:
    import regex

    return regex.compile(text)


def matches(value: Any, pattern: TextPattern) -> Truth:
    """The value's text contains a match; structures and absent values never match."""
    if value is ABSENT:
        return False
    if is_opaque(value):
        return None
    if isinstance(value, (dict, list)):
        return False
    return pattern.search(str(value)) is not None


def compare(
    value: Any, bound: float | None, comparison: Callable[[float, float], bool]
) -> Truth:
    """A numeric comparison; text that is not a number cannot be told."""
    if value is ABSENT:
        return False
    if is_opaque(value) or bound is None:
        return None
    number = as_number(value)
    if number is None:
        return None
    return comparison(number, bound)


# --- branches ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    """One answer, under the conditions and parameter values it assumes."""

    truth: Truth
    assumptions: tuple[Assumption, ...]
    path: tuple[Any, ...]  # the value that decided, relative to the resource
    value: Any = None


def branches_of(
    values: Iterable[Resolved],
    failing: Callable[[Any], Truth],
    path: tuple[Any, ...] | None = None,
) -> list[Branch]:
    """One branch per resolved value; ``path`` (when given) is where every branch reports."""
    return [
        Branch(
            failing(v.value),
            tuple(sorted(v.assumptions)),
            v.path if path is None else path,
            v.value,
        )
        for v in values
    ]


def decide(branches: Sequence[Branch]) -> tuple[Truth, Branch | None]:
    """Fold the branches of a *failing* condition into one answer.

    True (the rule fails) when every branch fails, or when a branch fails under conditions only:
    some real deployment would be broken. A failure that depends only on which allowed parameter
    value is chosen is UNKNOWN. False when no branch fails and none is unknown.
    """
    failing = [b for b in branches if b.truth is True]
    if failing:
        if len(failing) == len(branches):
            return True, failing[0]
        for branch in failing:
            if not any(a.kind == "parameter" for a in branch.assumptions):
                return True, branch
        return None, failing[0]
    unknown = [b for b in branches if b.truth is None]
    if unknown:
        return None, unknown[0]
    return False, branches[0] if branches else None
