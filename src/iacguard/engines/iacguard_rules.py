"""iacguard's own rules as an engine: every chosen rule over every resource of the unit."""

from __future__ import annotations

from collections.abc import Sequence

from iacguard.engines import IACGUARD, Engine, EngineResult, EngineRun
from iacguard.engines.rules.engine import EngineOptions, check_template
from iacguard.model.template import Template


class RulesEngine(Engine):
    name = IACGUARD

    def check(self, unit: Sequence[Template], run: EngineRun) -> EngineResult:
        settings = run.settings
        options = EngineOptions(settings.show_unknown, settings.rule_options, settings.facts)
        # The unit's other templates are in view, so cross-stack rules can follow exports
        # and Fn::GetStackOutput between the stacks of one assembly.
        workspace = tuple(unit)
        result = EngineResult()
        for template in unit:
            findings, evaluations = check_template(template, run.rules, options, workspace)
            result.findings.extend(findings)
            result.evaluations.extend(evaluations)
        return result


ENGINE = RulesEngine()
