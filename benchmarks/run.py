"""Benchmark iacguard against cfn-lint (and checkov when installed) in one run, on one machine.

    python benchmarks/run.py [--corpus ../shared/corpus] [--repeat 3] [--quick]

Prints a table of median wall times, peak memory, and the ratio of each measurement to its
target, then exits 1 when a target is missed. Timing belongs here, not in unit tests: shared CI
machines make timed tests flaky, but ratios measured side by side in the same run are fair.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
SMALL_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Repo:
    Type: AWS::ECR::Repository
    Properties:
      ImageScanningConfiguration: {ScanOnPush: true}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 30}
  Topic:
    Type: AWS::SNS::Topic
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic]
"""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mib: float


def _environment() -> dict[str, str]:
    """As a user's shell has it: bytecode caching on (pip installs write .pyc files), no CI."""
    environment = {**os.environ, "CI": "false", "NO_COLOR": "1"}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def run_once(command: Sequence[str], cwd: Path) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=_environment(),
    )
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return Measurement(elapsed, usage.ru_maxrss / 1024)


def median_run(
    command: Sequence[str], cwd: Path, repeat: int, before: object = None
) -> Measurement:
    """Median wall time of ``repeat`` runs (after ``before``, e.g. clearing a cache), peak RSS."""
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(run_once(command, cwd))
    return Measurement(
        statistics.median(r.seconds for r in runs), max(r.peak_mib for r in runs)
    )


def synthetic_template(services: int) -> str:
    """A template with ``services`` groups of load balancer + service + alarm + log group."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:", "  Topic:",
             "    Type: AWS::SNS::Topic"]
    for index in range(services):
        lines += [
            f"  Lb{index}:", "    Type: AWS::ElasticLoadBalancingV2::LoadBalancer",
            "    Properties: {Subnets: [subnet-1, subnet-2]}",
            f"  Service{index}:", "    Type: AWS::ECS::Service",
            "    Properties:", "      DeploymentConfiguration:",
            "        DeploymentCircuitBreaker: {Enable: true, Rollback: true}",
            f"  Alarm{index}:", "    Type: AWS::CloudWatch::Alarm", "    Properties:",
            "      Namespace: AWS/ApplicationELB", "      MetricName: HTTPCode_Target_5XX_Count",
            "      Statistic: Sum", "      Period: 60", "      EvaluationPeriods: 1",
            "      Threshold: 1", "      ComparisonOperator: GreaterThanOrEqualToThreshold",
            "      AlarmActions: [!Ref Topic]",
            "      Dimensions:", "        - Name: LoadBalancer",
            f"          Value: !GetAtt Lb{index}.LoadBalancerFullName",
            f"  Logs{index}:", "    Type: AWS::Logs::LogGroup",
            "    Properties: {RetentionInDays: 30}",
        ]
    return "\n".join(lines) + "\n"


def synthetic_assembly(folder: Path, moved: bool, groups: int = 10) -> int:
    """A CDK cloud assembly of two stacks with ``groups`` groups of six resources each (table,
    queue, function, role, alarm, log group). ``moved`` makes the change under review: the
    first three tables move into a new scope (new logical ids), two more get a new TableName,
    and one queue is removed. Returns the number of resources."""
    import json

    folder.mkdir(parents=True)
    (folder / "cdk.out").write_text('{"version":"55.0.0"}')
    artifacts = {}
    count = 0
    for stack in ("Shop", "Billing"):
        resources: dict[str, object] = {}
        for index in range(groups):
            scope = f"{stack}/Storage" if moved and index < 3 else stack
            table_id = f"{scope.replace('/', '')}Table{index}"
            name = f"{stack.lower()}-table-{index}" + ("-v2" if moved and index in (3, 4) else "")
            resources[table_id] = {
                "Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Delete",
                "Properties": {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                               "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                               "AttributeDefinitions": [{"AttributeName": "id",
                                                         "AttributeType": "S"}]},
                "Metadata": {"aws:cdk:path": f"{scope}/Table{index}/Resource"}}
            if not (moved and index == 9):
                resources[f"Queue{index}"] = {
                    "Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60},
                    "Metadata": {"aws:cdk:path": f"{stack}/Queue{index}/Resource"}}
            resources[f"Role{index}"] = {
                "Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                   "Principal": {"Service": "lambda.amazonaws.com"}}]}},
                "Metadata": {"aws:cdk:path": f"{stack}/Role{index}/Resource"}}
            resources[f"Function{index}"] = {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "python3.12", "Handler": "index.handler",
                               "Role": {"Fn::GetAtt": [f"Role{index}", "Arn"]},
                               "Code": {"ZipFile": "def handler(e, c): return None"},
                               "Environment": {"Variables": {"TABLE": {"Ref": table_id}}}},
                "Metadata": {"aws:cdk:path": f"{stack}/Function{index}/Resource"}}
            resources[f"Errors{index}"] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {"Namespace": "AWS/Lambda", "MetricName": "Errors",
                               "Dimensions": [{"Name": "FunctionName",
                                               "Value": {"Ref": f"Function{index}"}}],
                               "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
                               "Threshold": 1,
                               "ComparisonOperator": "GreaterThanOrEqualToThreshold"},
                "Metadata": {"aws:cdk:path": f"{stack}/Errors{index}/Resource"}}
            resources[f"Logs{index}"] = {
                "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain",
                "Properties": {"RetentionInDays": 30},
                "Metadata": {"aws:cdk:path": f"{stack}/Logs{index}/Resource"}}
        count += len(resources)
        (folder / f"{stack}.template.json").write_text(json.dumps({"Resources": resources}, indent=1))
        artifacts[stack] = {"type": "aws:cloudformation:stack", "environment": "aws://unknown/unknown",
                            "properties": {"templateFile": f"{stack}.template.json",
                                           "stackName": f"bench-{stack.lower()}"},
                            "displayName": stack}
    (folder / "manifest.json").write_text(json.dumps({"version": "55.0.0",
                                                      "artifacts": artifacts}))
    return count


@dataclass(frozen=True)
class Row:
    work: str
    ours: float
    theirs: float | None  # None: an absolute target
    target: float
    unit: str

    @property
    def value(self) -> float:
        return self.ours if self.theirs is None else self.ours / self.theirs

    @property
    def passed(self) -> bool:
        return self.value <= self.target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the whole-corpus runs")
    args = parser.parse_args(argv)

    # The installed console script, as users and pre-commit run it.
    script = Path(sys.executable).with_name("iacguard")
    iacguard = [str(script)] if script.exists() else [sys.executable, "-m", "iacguard"]
    cfn_lint = shutil.which("cfn-lint") or ""
    checkov = shutil.which("checkov")
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="iacguard-bench-"))
    small = work / "small.yaml"
    small.write_text(SMALL_TEMPLATE)
    cache = work / "cache"
    repeat = max(args.repeat, 1)

    run_once([*iacguard, "check", "--no-validate", "--no-cache", str(small)], work)  # warm-up
    version = median_run([*iacguard, "--version"], work, repeat + 2)
    rows.append(Row("iacguard --version", version.seconds, None, 0.15, "s"))
    rules_only = median_run([*iacguard, "check", "--no-validate", "--no-cache", "--fail-on",
                             "never", str(small)], work, repeat + 2)
    rows.append(Row("one small template, rules only", rules_only.seconds, None, 0.25, "s"))
    if cfn_lint:
        ours = median_run([*iacguard, "check", "--no-cache", "--fail-on", "never", str(small)],
                          work, repeat + 2)
        theirs = median_run([cfn_lint, str(small)], work, repeat + 2)
        rows.append(Row("one small template, with validation (vs cfn-lint)", ours.seconds,
                        theirs.seconds, 1.0, "x"))

    base_assembly, head_assembly = work / "base.out", work / "head.out"
    synthetic_assembly(base_assembly, moved=False)
    resources = synthetic_assembly(head_assembly, moved=True)
    compared = median_run([*iacguard, "diff", str(base_assembly), str(head_assembly),
                           "--fail-on", "never"], work, repeat + 2)
    rows.append(Row(f"diff of two CDK assemblies, {resources} resources", compared.seconds,
                    None, 0.5, "s"))
    base_check = median_run([*iacguard, "check", "--no-validate", "--no-cache", "--fail-on",
                             "never", "--base-assembly", str(base_assembly),
                             str(head_assembly)], work, repeat + 2)
    rows.append(Row(f"check --base-assembly, {resources} resources, rules only",
                    base_check.seconds, None, 1.0, "s"))

    sizes = (250, 500, 1000, 2000)
    timings = {}
    for size in sizes:
        path = work / f"synthetic-{size}.yaml"
        path.write_text(synthetic_template(size // 4))
        timings[size] = median_run([*iacguard, "check", "--no-validate", "--no-cache",
                                    "--fail-on", "never", str(path)], work, repeat).seconds
    rows.append(Row("2,000 resources, rules only", timings[2000], None, 2.0, "s"))
    early_slope = (timings[500] - timings[250]) / 250
    late_slope = (timings[2000] - timings[1000]) / 1000
    rows.append(Row("per-resource time at 2,000 vs at 250 (linear growth)",
                    late_slope / early_slope if early_slope > 0 else 1.0, None, 2.0, "x"))

    if args.corpus.is_dir() and not args.quick:
        corpus = [str(p) for p in sorted(args.corpus.rglob("*"))
                  if p.suffix in {".yaml", ".yml", ".json", ".template"}]
        listing = work / "corpus-files.txt"
        listing.write_text("\n".join(corpus))

        def clear_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        cold = median_run([*iacguard, "check", "--cache-dir", str(cache), "--fail-on", "never",
                           str(args.corpus)], work, repeat, before=clear_cache)
        warm = median_run([*iacguard, "check", "--cache-dir", str(cache), "--fail-on", "never",
                           str(args.corpus)], work, repeat)
        rows.append(Row("corpus re-run, cache warm (vs cold)", warm.seconds, cold.seconds, 0.1,
                        "x"))
        if cfn_lint:
            theirs = median_run([cfn_lint, *corpus], work, repeat)
            rows.append(Row("corpus with validation (vs one cfn-lint call)", cold.seconds,
                            theirs.seconds, 0.6, "x"))
            rows.append(Row("corpus peak memory (vs cfn-lint)", cold.peak_mib, theirs.peak_mib,
                            1.0, "x"))
        rules = median_run([*iacguard, "check", "--no-validate", "--no-cache", "--fail-on",
                            "never", str(args.corpus)], work, repeat)
        if checkov:
            survivors = work / "checkov-corpus"
            _copy_checkov_survivors(args.corpus, survivors)
            theirs = median_run([checkov, "--framework", "cloudformation", "-d", str(survivors),
                                 "--quiet", "--compact", "--skip-download"], work, 1)
            rows.append(Row("corpus rules only (vs checkov -d)", rules.seconds, theirs.seconds,
                            0.05, "x"))
        else:
            print(f"(checkov not installed: corpus rules only took {rules.seconds:.2f} s, "
                  "no ratio)")

    shutil.rmtree(work, ignore_errors=True)
    print(f"{'work':<58} {'iacguard':>9} {'peer':>9} {'ratio/value':>12} {'target':>8}  result")
    for row in rows:
        peer = f"{row.theirs:9.2f}" if row.theirs is not None else f"{'-':>9}"
        print(f"{row.work:<58} {row.ours:9.2f} {peer} {row.value:11.2f}{row.unit} "
              f"{'<= ' + format(row.target, 'g'):>8}  {'PASS' if row.passed else 'MISS'}")
    missed = [row for row in rows if not row.passed]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} targets met")
    return 1 if missed else 0


def _copy_checkov_survivors(corpus: Path, target: Path) -> None:
    """checkov aborts a directory scan on a resource whose Type is a mapping (Rain modules);
    leave those templates out so it has something to finish."""
    from iacguard.load.parse import LoadError, load_document

    for path in sorted(corpus.rglob("*")):
        if path.suffix not in {".yaml", ".yml", ".json", ".template"} or not path.is_file():
            continue
        try:
            data = load_document(path).data
        except LoadError:
            data = None
        resources = data.get("Resources") if isinstance(data, dict) else None
        if isinstance(resources, dict) and any(
            isinstance(body, dict) and isinstance(body.get("Type"), dict)
            for body in resources.values()
        ):
            continue
        destination = target / path.relative_to(corpus)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())


if __name__ == "__main__":
    sys.exit(main())
