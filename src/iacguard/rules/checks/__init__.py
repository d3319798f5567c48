"""Python checks, by the name a rule's ``check:`` key uses. One module per theme."""

from __future__ import annotations

from iacguard.rules.api import CheckFunction

CHECKS: dict[str, CheckFunction] = {}
