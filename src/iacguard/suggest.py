""""Did you mean ...?": the one way iacguard suggests a name for a misspelt one.

Used for configuration keys and values, rule ids in selectors and suppressions, keys of
suppression entries, and keys of embedded documents, so every suggestion reads the same.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike two names must be (difflib's ratio) before one is offered for the other.
SIMILARITY = 0.6


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice the user most likely meant by ``name``, or None when none is close."""
    options = list(choices)
    # Swapped words ('fail-fast' for 'fast-fail') score low on edit similarity, yet are the
    # likeliest mistake when another tool spells the same setting the other way round.
    words = _word_set(name)
    for choice in options:
        if _word_set(choice) == words:
            return choice
    matches = difflib.get_close_matches(name, options, n=1, cutoff=SIMILARITY)
    return matches[0] if matches else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` when a choice is close to ``name``, else ``""``."""
    suggestion = closest(name, choices)
    return f"; did you mean {suggestion!r}?" if suggestion is not None else ""


def _word_set(name: str) -> frozenset[str]:
    return frozenset(name.lower().replace("_", "-").split("-"))
