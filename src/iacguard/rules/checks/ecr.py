"""Python checks for the ecr theme (logic the YAML rule format cannot say)."""

from __future__ import annotations

from iacguard.rules.api import CheckFunction

CHECKS: dict[str, CheckFunction] = {}
