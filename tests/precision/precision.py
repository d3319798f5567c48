"""The precision practice: how often each rule fires on real templates, and how many of its
findings a careful engineer would act on.

    python tests/precision/precision.py sample [--size 160] [--seed 14] [--rule ID ...]
        Draw a random sample of blocking findings (warning or error) from ../shared/corpus and
        add the ones not yet judged to tests/precision/judgements.yaml with an empty verdict.
        Judgements already made are kept, so re-sampling after a rule change only adds work for
        the findings that changed. --rule (repeatable) draws only that rule's findings, for a
        new or changed rule.
    python tests/precision/precision.py stats
        Per rule: findings on the corpus, blocking findings per template, and the share of the
        judged sample that is true; overall figures at the end.
    python tests/precision/precision.py stale
        Judged findings that no longer occur (re-judge or drop them after a rule change).

Each judgement has a verdict (true: act on it; debatable: technically right, most teams would not
act; false: wrong), a one-line reason and the date it was judged. tests/test_precision.py fails
when a finding judged false comes back or one judged true disappears.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
JUDGEMENTS = HERE / "judgements.yaml"
CORPUS = HERE.parents[2] / "shared" / "corpus"
BLOCKING = ("error", "warning")
VERDICTS = ("true", "debatable", "false")


def corpus_report(corpus: Path = CORPUS) -> dict[str, Any]:
    """iacguard's own findings on the corpus (no validation: cfn-lint is not judged here),
    with paths relative to the corpus, exactly as a user's command line gives them."""
    command = [sys.executable, "-m", "iacguard", "check", ".", "--isolated", "--no-validate",
               "--no-cache", "--format", "json"]
    result = subprocess.run(command, cwd=corpus, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1, 2):
        raise SystemExit(f"iacguard failed on the corpus (exit {result.returncode}):\n"
                         f"{result.stderr}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def blocking_findings(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        finding for finding in report["findings"]
        if finding["severity"] in BLOCKING and finding["suppression"] is None
        and finding["source"] == "iacguard" and finding["outcome"] == "fail"
    ]


def read_judgements(path: Path = JUDGEMENTS) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: list[dict[str, Any]] = data.get("judgements", [])
    return entries


def write_judgements(entries: Sequence[Mapping[str, Any]], path: Path = JUDGEMENTS) -> None:
    header = (
        "# Hand-judged sample of iacguard's blocking findings on ../shared/corpus.\n"
        "# verdict: true (act on it) | debatable (right, but most teams would not act) | false\n"
        "# Made and kept by: python tests/precision/precision.py sample / stats / stale\n"
    )
    ordered = sorted(entries, key=lambda e: (e["rule_id"], e["file"], e["logical_id"],
                                             e["property_path"]))
    body = yaml.safe_dump({"judgements": [dict(e) for e in ordered]}, sort_keys=False,
                          allow_unicode=True, width=100)
    path.write_text(header + body, encoding="utf-8")


def entry_for(finding: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "fingerprint": finding["fingerprint"],
        "rule_id": finding["rule_id"],
        "file": finding["file"],
        "line": finding["start_line"],
        "logical_id": finding["logical_id"],
        "property_path": finding["property_path"],
        "message": finding["message"],
        "verdict": "",
        "reason": "",
        "judged": "",
    }


def sample(size: int, seed: int, rules: Sequence[str] = ()) -> None:
    findings = blocking_findings(corpus_report())
    if rules:
        findings = [f for f in findings if f["rule_id"] in rules]
    entries = read_judgements()
    known = {entry["fingerprint"] for entry in entries}
    chosen = random.Random(seed).sample(findings, min(size, len(findings)))
    added = [entry_for(f) for f in chosen if f["fingerprint"] not in known]
    write_judgements([*entries, *added])
    print(f"{len(added)} findings added to {JUDGEMENTS.name} "
          f"({len(entries) + len(added)} in all); judge the ones with an empty verdict")


def stats() -> None:
    report = corpus_report()
    findings = blocking_findings(report)
    templates = report["summary"]["files_checked"]
    judged = [e for e in read_judgements() if e["verdict"] in VERDICTS]
    present = {f["fingerprint"] for f in findings}
    current = [e for e in judged if e["fingerprint"] in present]
    print(f"{'rule':<8} {'blocking':>8} {'judged':>6} {'true':>5} {'debat.':>6} {'false':>5}")
    counts = Counter(f["rule_id"] for f in findings)
    for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        verdicts = Counter(e["verdict"] for e in current if e["rule_id"] == rule_id)
        print(f"{rule_id:<8} {count:>8} {sum(verdicts.values()):>6} {verdicts['true']:>5} "
              f"{verdicts['debatable']:>6} {verdicts['false']:>5}")
    _print_totals(findings, templates, current, counts)


def _print_totals(findings: Sequence[Mapping[str, Any]], templates: int,
                  judged: Sequence[Mapping[str, Any]], counts: Mapping[str, int]) -> None:
    verdicts = Counter(e["verdict"] for e in judged)
    share_true = verdicts["true"] / len(judged) if judged else 0.0
    weighted = _weighted_precision(judged, counts)
    print(f"\n{len(findings)} blocking findings on {templates} templates: "
          f"{len(findings) / max(templates, 1):.2f} per template")
    print(f"judged sample: {len(judged)} findings, {share_true:.0%} true, "
          f"{verdicts['debatable']} debatable, {verdicts['false']} false")
    print(f"weighted by how often each rule fires: {weighted:.0%} of what a user sees is true")


def _weighted_precision(judged: Iterable[Mapping[str, Any]], counts: Mapping[str, int]) -> float:
    by_rule: dict[str, list[str]] = {}
    for entry in judged:
        by_rule.setdefault(entry["rule_id"], []).append(entry["verdict"])
    covered = {rule: n for rule, n in counts.items() if rule in by_rule}
    total = sum(covered.values())
    if not total:
        return 0.0
    return sum(n * by_rule[rule].count("true") / len(by_rule[rule])
               for rule, n in covered.items()) / total


def stale() -> None:
    present = {f["fingerprint"] for f in blocking_findings(corpus_report())}
    gone = [e for e in read_judgements() if e["fingerprint"] not in present]
    for entry in gone:
        print(f"{entry['verdict'] or '-':<9} {entry['rule_id']} {entry['file']} "
              f"{entry['logical_id']} {entry['property_path']}")
    print(f"{len(gone)} judged findings no longer occur")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sampling = sub.add_parser("sample")
    sampling.add_argument("--size", type=int, default=160)
    sampling.add_argument("--seed", type=int, default=14)
    sampling.add_argument("--rule", action="append", default=[],
                          help="only this rule's findings (repeatable)")
    sub.add_parser("stats")
    sub.add_parser("stale")
    arguments = parser.parse_args(argv)
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS} is not there: the corpus is only available to the team")
    if arguments.command == "sample":
        sample(arguments.size, arguments.seed, arguments.rule)
    elif arguments.command == "stats":
        stats()
    else:
        stale()


if __name__ == "__main__":
    main()
