"""IGD004 load-balancer-without-deletion-protection: an Elastic Load Balancing v2 load balancer
has the attribute deletion_protection.enabled set to true."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from iacguard.engines.rules.api import CheckContext, Verdict, rule_check, unknown
from iacguard.findings import Outcome
from iacguard.model.describe import describe
from iacguard.model.truth import equals, is_true
from iacguard.model.values import ABSENT

ATTRIBUTE = "deletion_protection.enabled"
_ATTRIBUTES = "Properties.LoadBalancerAttributes"


@rule_check
def load_balancer_without_deletion_protection(ctx: CheckContext) -> Iterable[Verdict]:
    if any(a.value is not ABSENT and not isinstance(a.value, list)
           for a in ctx.lookup(_ATTRIBUTES)):
        return [unknown((), "LoadBalancerAttributes is built at deploy time",
                        values={"setting": f"{ATTRIBUTE} is not known"})]
    for item in ctx.lookup(f"{_ATTRIBUTES}.*"):
        if not isinstance(item.value, Mapping):
            continue
        if equals(item.value.get("Key", ABSENT), ATTRIBUTE) is not True:
            continue
        values = ctx.resolver.lookup(item.value, "Value", item.path)
        truths = [is_true(v.value) for v in values]
        if all(t is True for t in truths):
            return [Verdict(Outcome.PASS)]
        if any(t is None for t in truths):
            return [unknown(item.path, f"{ATTRIBUTE} is known only at deploy time",
                            values={"setting": f"{ATTRIBUTE} is not known"})]
        off = next(v for v, t in zip(values, truths, strict=True) if t is False)
        return [Verdict(Outcome.FAIL, off.path, {"setting": f"{ATTRIBUTE} is {describe(off.value)}",
                                                  "value": off.value}, off.assumptions)]
    return [Verdict(Outcome.FAIL, (), {"setting": f"{ATTRIBUTE} is not set (false)",
                                       "value": ABSENT})]
