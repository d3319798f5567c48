"""Python checks, one module per rule (or small family of rules), named after the rule(s):
``iga001_alarm_without_actions.py`` holds ``alarm_without_actions``, the check of IGA001
alarm-without-actions. Every module here is imported and its :func:`rule_check` functions are
collected by name, so adding a check needs no edit in this file."""

from __future__ import annotations

import importlib
import pkgutil

from iacguard.engines.rules.api import CheckFunction, is_rule_check


def _discover() -> dict[str, CheckFunction]:
    checks: dict[str, CheckFunction] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if is_rule_check(value) and value.__module__ == module.__name__:
                if name in checks:
                    raise ImportError(f"check {name} is defined twice ({module.__name__})")
                checks[name] = value
    return checks


#: Check functions by the name a rule's ``check:`` key uses.
CHECKS: dict[str, CheckFunction] = _discover()
