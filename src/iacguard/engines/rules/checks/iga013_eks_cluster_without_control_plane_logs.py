"""IGA013 eks-cluster-without-control-plane-logs: ``Logging.ClusterLogging.EnabledTypes``
includes every log type the rule's ``required-log-types`` option lists."""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, verdict_from_branches
from iacguard.model.truth import Branch, Truth
from iacguard.model.values import ABSENT, Resolved, is_opaque


@rule_check
def eks_cluster_without_control_plane_logs(ctx: CheckContext) -> Iterable[Verdict]:
    required = [str(t) for t in ctx.options.get("required-log-types", ())]
    branches: list[Branch] = []
    for listed in ctx.lookup("Properties.Logging.ClusterLogging.EnabledTypes"):
        assumptions = tuple(sorted(listed.assumptions))
        if isinstance(listed.value, list):
            enabled, open_ended = _enabled_log_types(ctx, listed)
            missing = [t for t in required if t not in enabled]
            truth: Truth = (None if open_ended else True) if missing else False
            branches.append(Branch(truth, assumptions, listed.path, ", ".join(missing)))
        elif is_opaque(listed.value):
            branches.append(Branch(None, assumptions, listed.path, listed.value))
        else:
            branches.append(Branch(True, assumptions, listed.path, ", ".join(required)))
    verdict = verdict_from_branches(branches)
    witness = verdict.values.get("value")
    # An unknown list names nothing; the message then lists everything that is required.
    missing_text = witness if isinstance(witness, str) else ", ".join(required)
    return [verdict.with_values(missing=missing_text)]


def _enabled_log_types(ctx: CheckContext, listed: Resolved) -> tuple[set[str], bool]:
    enabled: set[str] = set()
    open_ended = False
    for item in ctx.resolver.lookup(listed.value, "*.Type", listed.path):
        if isinstance(item.value, str):
            enabled.add(item.value)
        elif item.value is not ABSENT:
            open_ended = True
    return enabled, open_ended
