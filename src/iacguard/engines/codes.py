"""The code table: iacguard's own findings (IG0xxx), which are about the run, not a template.

A rule that crashed, cfn-lint crashing on a template, and the findings about suppressions are
findings like any other (they go through every reporter), so each code carries the metadata of a
rule: id, name, title, severity, why, fix, examples and references. ``iacguard rules`` and
``iacguard explain`` list them beside the rules, and every finding of a code is built here by
:func:`code_finding`, so no code is defined twice.

These findings are never suppressed and never go into a baseline (that would hide exactly what
a baseline must not hide); ``ignore`` turns a suppression code off and ``severity`` re-levels it.
"""

from __future__ import annotations

from collections.abc import Mapping

from iacguard.engines.rules.spec import RuleSpec
from iacguard.findings import Finding, Outcome, Severity
from iacguard.load.parse import UNKNOWN_SPAN, Span

SUPPRESSION_DOCS_URL = "https://github.com/iacguard/iacguard/blob/main/docs/suppressions.md"
SUPPRESSIONS_TAG = "suppressions"
TOOL_ERRORS_TAG = "tool-errors"


def _code(
    rule_id: str,
    name: str,
    title: str,
    severity: Severity,
    tag: str,
    docs: Mapping[str, str],
    fix: str,
) -> RuleSpec:
    urls = (SUPPRESSION_DOCS_URL,) if tag == SUPPRESSIONS_TAG else ()
    return RuleSpec(
        id=rule_id,
        name=name,
        title=title,
        severity=severity,
        resource_types=(),
        message=title,
        fix=fix,
        docs=dict(docs),
        references={"urls": urls} if urls else {},
        tags=(tag,),
        status="stable",
        since="0.1.0",
        source_file=__name__,
    )


RULE_ERROR = _code(
    "IG0002", "rule-error", "Every rule runs to a verdict", Severity.ERROR, TOOL_ERRORS_TAG,
    {
        "why": "A rule that raises an exception has not checked the resource, so the run cannot\n"
        "vouch for it. iacguard reports the crash on the resource (naming the rule in the\n"
        "finding's crashed_rule), checks everything else, and exits with code 3 so a pipeline\n"
        "never mistakes an incomplete run for a clean one.",
        "failing-example": "# rules/ACME002.yaml: a custom rule whose pattern cannot compile\n"
        "id: ACME002\nwhen: {path: Properties.TopicName, regex: \"(\"}\n",
        "passing-example": "id: ACME002\nwhen: {path: Properties.TopicName, regex: \"^acme-\"}\n",
    },
    "Report this as a bug in the rule, with the template that triggers it.",
)
SUPPRESSION_WITHOUT_REASON = _code(
    "IG0003", "suppression-without-reason", "Suppressions say why the finding is acceptable",
    Severity.ERROR, SUPPRESSIONS_TAG,
    {
        "why": "A suppression without a reason cannot be reviewed: nobody can tell later whether "
        "the\nrisk was understood and accepted, or just silenced. iacguard ignores such a "
        "suppression\n(the finding stays active) and reports it.",
        "failing-example": "Metadata:\n  iacguard:\n    suppress:\n      - id: IGE001\n",
        "passing-example": "Metadata:\n  iacguard:\n    suppress:\n      - id: IGE001\n"
        "        reason: Images come from a scanned upstream registry (SEC-123)\n",
    },
    "Add a reason that a reviewer can check, for example who accepted the risk and why.",
)
SUPPRESSION_EXPIRED = _code(
    "IG0004", "suppression-expired", "Suppressions are used only until they expire",
    Severity.WARNING, SUPPRESSIONS_TAG,
    {
        "why": "An expiry date turns a suppression into a time-boxed exception. After the date "
        "the\nsuppression stops working, the finding is reported again, and this finding points "
        "at\nthe suppression so it is either renewed on purpose or removed.",
        "failing-example": "# iacguard: ignore[IGL001] retention decided by the data team "
        "expires=2020-01-31\n",
        "passing-example": "# iacguard: ignore[IGL001] retention decided by the data team "
        "expires=2099-01-31\n",
    },
    "Fix the finding and remove the suppression, or renew it with a new expiry date and a\n"
    "reason that still holds.",
)
UNUSED_SUPPRESSION = _code(
    "IG0005", "unused-suppression", "Suppressions match a finding", Severity.WARNING,
    SUPPRESSIONS_TAG,
    {
        "why": "A suppression that matches nothing is noise at best; at worst it names the wrong "
        "rule\nor resource, so the finding it was meant for is still reported, or it will "
        "silently\nhide a new finding later. Only rules that ran are judged, so --select does not "
        "make\nsuppressions of other rules look unused.",
        "failing-example": "Repo:\n  Type: AWS::ECR::Repository\n  Metadata:\n    iacguard:\n"
        "      suppress:\n        - {id: IGE001, reason: scanned elsewhere}\n  Properties:\n"
        "    ImageScanningConfiguration: {ScanOnPush: true}\n",
        "passing-example": "Repo:\n  Type: AWS::ECR::Repository\n  Properties:\n"
        "    ImageScanningConfiguration: {ScanOnPush: true}\n",
    },
    "Remove the suppression, or correct its rule id, path or position.",
)
VALIDATION_CRASHED = _code(
    "IG0006", "validation-crashed", "cfn-lint validates every template", Severity.ERROR,
    TOOL_ERRORS_TAG,
    {
        "why": "When cfn-lint raises an exception on a template instead of reporting, that "
        "template\nwas not validated. iacguard says so on the template, so a gap in validation is "
        "never\nmistaken for a valid template; its own rules still check the template.",
        "failing-example": "# Any template on which cfn-lint raises, for instance after an "
        "upgrade of cfn-lint\n# that broke one of its rules.\n",
        "passing-example": "# The same template once cfn-lint validates it again (another "
        "cfn-lint release),\n# or a run with --no-validate, which skips validation on purpose.\n",
    },
    "Rerun with --debug for the traceback and report it; --no-validate skips validation.",
)
INVALID_SUPPRESSION = _code(
    "IG0007", "invalid-suppression", "Suppressions are well-formed", Severity.ERROR,
    SUPPRESSIONS_TAG,
    {
        "why": "A suppression with a misspelt key or comment, a missing rule id or an impossible "
        "date\ndoes not do what its author thinks. It is reported instead of being guessed at.",
        "failing-example": "# iacguard: ignroe[IGE001] scanned elsewhere\n",
        "passing-example": "# iacguard: ignore[IGE001] scanned elsewhere\n",
    },
    "Write the suppression in one of the documented forms (see docs/suppressions.md).",
)

VALIDATION_TIMED_OUT = _code(
    "IG0008", "validation-timed-out", "cfn-lint validates every template within its time budget",
    Severity.ERROR, TOOL_ERRORS_TAG,
    {
        "why": "Some templates make cfn-lint run for minutes or hours (long condition chains,\n"
        "large Fn::ForEach products). iacguard stops cfn-lint on a template after\n"
        "--validate-timeout seconds (60 by default), so one template cannot stall a\n"
        "pipeline. The template was not validated, so this is an error finding (exit 1\n"
        "under the default --fail-on error) and a notice, never a silent pass. iacguard's\n"
        "own rules still check the template, the other templates are validated as usual,\n"
        "and the result is not cached, so the next run tries again.",
        "failing-example": "# A template whose validation takes longer than --validate-timeout, "
        "for instance\n# hundreds of conditions each built on the one before.\n",
        "passing-example": "# The same template with fewer chained conditions, or a run with a "
        "larger budget:\n# iacguard check --validate-timeout 300 template.yaml\n",
    },
    "Simplify the template's conditions, raise --validate-timeout (0 = no limit), or skip\n"
    "validation of the file with --no-validate in a separate run.",
)

#: Every code, by id.
CODES: tuple[RuleSpec, ...] = (
    RULE_ERROR,
    SUPPRESSION_WITHOUT_REASON,
    SUPPRESSION_EXPIRED,
    UNUSED_SUPPRESSION,
    VALIDATION_CRASHED,
    INVALID_SUPPRESSION,
    VALIDATION_TIMED_OUT,
)
CODE_IDS = frozenset(code.id for code in CODES)
#: The codes the suppression pass reports, which ``ignore`` and ``severity`` apply to.
SUPPRESSION_CODES = tuple(code for code in CODES if SUPPRESSIONS_TAG in code.tags)


def is_code(rule_id: str) -> bool:
    """Whether a finding is one of iacguard's own, about the run rather than a template."""
    return rule_id in CODE_IDS


def help_uri(code: RuleSpec) -> str:
    """Where a code is documented: its section of the page its references name, if any."""
    urls = code.references.get("urls", ())
    return f"{urls[0]}#{code.id.lower()}-{code.name}" if urls else ""


def code_finding(
    code: RuleSpec,
    message: str,
    file: str,
    span: Span = UNKNOWN_SPAN,
    *,
    outcome: Outcome = Outcome.FAIL,
    logical_id: str = "",
    resource_type: str = "",
    property_path: str = "",
    construct_path: str = "",
    stack: str = "",
    source: str = "iacguard",
    crashed_rule: str = "",
) -> Finding:
    """A finding of ``code`` (as re-levelled by the configuration, when it was)."""
    return Finding(
        rule_id=code.id,
        rule_name=code.name,
        severity=code.severity,
        message=message,
        fix=code.fix,
        file=file,
        **span._asdict(),
        logical_id=logical_id,
        resource_type=resource_type,
        property_path=property_path,
        construct_path=construct_path,
        stack=stack,
        outcome=outcome,
        source=source,
        help_uri=help_uri(code),
        crashed_rule=crashed_rule,
    )
