"""Benchmark iacguard against cfn-lint (and checkov when available) as a user gets them.

    python benchmarks/run.py [--corpus ../shared/corpus] [--repeat 3] [--quick] [--venv DIR]

What is measured is what a user runs: a wheel of this checkout is built and installed (not
editable) into a virtual environment of the benchmark's own, together with the cfn-lint it
depends on (and checkov, only when the interpreter running this script already has it). Both
tools run from that environment's ``bin`` folder by absolute path, with bytecode caching on, after
one warm-up run that writes the ``.pyc`` files. Each row is the median of ``--repeat`` runs of the
whole process (wall time, or user+sys CPU of the child where the row says CPU) and the largest
peak RSS; a ratio is iacguard's figure over the peer's, measured in the same run. The table ends
with how many targets were met; the script exits 1 when one is missed. ``--venv DIR`` keeps the
environment for the next run (the wheel is reinstalled each time); ``--quick`` is a smoke run
(one repeat, no corpus, smaller generated templates) that prints the table and exits 0.

Why the earlier script said 0.76x for one template with validation where side by side gave 1.18x:
it timed whatever ``shutil.which("cfn-lint")`` found first on PATH. On the development machine
that is the pyenv shim ``~/.pyenv/shims/cfn-lint``: a bash script that runs ``pyenv exec`` (about
0.6 s of its own per call) and then a different install, cfn-lint 1.51 of the global interpreter
(about 0.2 s slower than 1.58 on the same file). iacguard on the other hand was timed from the
development virtual environment with cfn-lint 1.58. The peer was 0.8 s slower than the cfn-lint
iacguard actually runs, which turned 1.18x into 0.76x. Editable installs (an import hook per
package lookup) and ``PYTHONDONTWRITEBYTECODE=1`` in the calling shell (no ``.pyc`` files for a
fresh install) skew the other way; all three are ruled out here by construction.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
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
    seconds: float  # wall time
    cpu: float  # user + sys of the child process (and its children)
    peak_mib: float


def _environment() -> dict[str, str]:
    """As a user's shell has it: bytecode caching on (pip installs write .pyc files), no CI."""
    environment = {**os.environ, "CI": "false", "NO_COLOR": "1"}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.pop("VIRTUAL_ENV", None)
    return environment


def run_once(command: Sequence[str], cwd: Path) -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=_environment(),
    )
    # wait4 reports the child's own usage; its worker processes, when it has any, are reaped by
    # it and so are included in its children's totals, which wait4 does not see: see cpu_of.
    before = os.times()
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    after = os.times()
    grandchildren = max(0.0, (after.children_user + after.children_system)
                        - (before.children_user + before.children_system)
                        - (usage.ru_utime + usage.ru_stime))
    return Measurement(elapsed, usage.ru_utime + usage.ru_stime + grandchildren,
                       usage.ru_maxrss / 1024)


def median_run(
    command: Sequence[str], cwd: Path, repeat: int, before: Callable[[], None] | None = None
) -> Measurement:
    """Medians of ``repeat`` runs (after ``before``, e.g. clearing a cache); the largest peak."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(run_once(command, cwd))
    return Measurement(statistics.median(r.seconds for r in runs),
                       statistics.median(r.cpu for r in runs), max(r.peak_mib for r in runs))


# ------------------------------------------------------------------------------ environment


def build_environment(venv: Path) -> Path:
    """A wheel of this checkout installed into ``venv`` (created when missing) with its
    dependencies; returns the environment's ``bin`` folder."""
    bin_dir = venv / "bin"
    fresh = not (bin_dir / "python").exists()
    if fresh:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheels = Path(tempfile.mkdtemp(prefix="iacguard-wheel-"))
    try:
        _pip(bin_dir, "wheel", "--no-deps", "-w", str(wheels), str(REPO))
        wheel = next(wheels.glob("*.whl"))
        extra = ["--no-deps", "--force-reinstall"] if not fresh else []
        _pip(bin_dir, "install", *extra, str(wheel))
    finally:
        shutil.rmtree(wheels, ignore_errors=True)
    checkov = importlib.util.find_spec("checkov")
    if checkov is not None and not (bin_dir / "checkov").exists():
        from importlib.metadata import version

        _pip(bin_dir, "install", f"checkov=={version('checkov')}")
    return bin_dir


def _pip(bin_dir: Path, *args: str) -> None:
    """pip in the benchmark's environment; its output only when it fails."""
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", *args, "-q"],
                          capture_output=True, text=True, env=_environment())
    if done.returncode:
        sys.exit(f"benchmark: pip {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


# ------------------------------------------------------------------------------ inputs


def conditional_template(resources: int) -> str:
    """``resources`` resources in groups of four (topic, queue, log group, parameter): the
    topic and the parameter under one of four conditions built on parameters, Fn::If in
    properties."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Parameters:",
             "  Stage: {Type: String, AllowedValues: [dev, test, prod], Default: dev}",
             "  Region2: {Type: String, Default: 'no'}", "Conditions:",
             "  IsProd: !Equals [!Ref Stage, prod]", "  IsTest: !Equals [!Ref Stage, test]",
             "  Second: !Equals [!Ref Region2, 'yes']",
             "  ProdOrTest: !Or [!Condition IsProd, !Condition IsTest]",
             "  ProdSecond: !And [!Condition IsProd, !Condition Second]", "Resources:"]
    conditions = ("IsProd", "IsTest", "ProdOrTest", "ProdSecond")
    for index in range(resources // 4):
        condition = conditions[index % len(conditions)]
        lines += [
            f"  Topic{index}:", "    Type: AWS::SNS::Topic", f"    Condition: {condition}",
            f"  Queue{index}:", "    Type: AWS::SQS::Queue", "    Properties:",
            "      VisibilityTimeout: !If [IsProd, 120, 60]",
            f"  Logs{index}:", "    Type: AWS::Logs::LogGroup",
            "    Properties: {RetentionInDays: !If [ProdOrTest, 365, 30]}",
            f"  Key{index}:", "    Type: AWS::SSM::Parameter", f"    Condition: {condition}",
            "    Properties:", "      Type: String", f"      Value: !GetAtt Queue{index}.Arn",
        ]
    return "\n".join(lines) + "\n"


def synthetic_assembly(folder: Path, moved: bool, groups: int = 10) -> int:
    """A CDK cloud assembly of two stacks with ``groups`` groups of six resources each (table,
    queue, function, role, alarm, log group). ``moved`` makes the change under review: the
    first three tables move into a new scope (new logical ids), two more get a new TableName,
    and one queue is removed. Returns the number of resources."""
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
        (folder / f"{stack}.template.json").write_text(json.dumps({"Resources": resources},
                                                                  indent=1))
        artifacts[stack] = {"type": "aws:cloudformation:stack",
                            "environment": "aws://unknown/unknown",
                            "properties": {"templateFile": f"{stack}.template.json",
                                           "stackName": f"bench-{stack.lower()}"},
                            "displayName": stack}
    (folder / "manifest.json").write_text(json.dumps({"version": "55.0.0",
                                                      "artifacts": artifacts}))
    return count


# ------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Row:
    work: str
    ours: float
    theirs: float | None  # None: an absolute target in ``unit``
    target: float | None  # None: shown for information
    unit: str  # "x" for a ratio; "s", "MiB" for absolute values
    peer: str = ""

    @property
    def value(self) -> float:
        return self.ours if self.theirs is None else self.ours / self.theirs

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target


def print_table(rows: Sequence[Row]) -> None:
    """A Markdown table: docs/performance.md quotes it as printed."""
    print("| work | iacguard | peer | ratio | target | met? |")
    print("|---|---:|---:|---:|---:|---|")
    for row in rows:
        measure = "MiB" if row.unit == "MiB" else "s"
        ours = f"{row.ours:.3g} {measure}" if row.unit != "x" or row.theirs else f"{row.ours:.2f}x"
        if row.theirs is not None:
            peer = f"{row.peer} {row.theirs:.3g} {measure}"
            ratio, unit = f"{row.value:.2f}x", "x"
        else:
            peer, ratio, unit = "-", "-", row.unit if row.unit != "s" else " s"
        target = "-" if row.target is None else f"<= {row.target:g}{unit}"
        met = {None: "", True: "yes", False: "**no**"}[row.met]
        print(f"| {row.work} | {ours} | {peer} | {ratio} | {target} | {met} |")
    judged = [row for row in rows if row.met is not None]
    print(f"\n{sum(bool(row.met) for row in judged)} of {len(judged)} targets met")


# ------------------------------------------------------------------------------ the runs


@dataclass
class Bench:
    bin: Path
    work: Path
    repeat: int
    quick: bool
    rows: list[Row]

    @property
    def iacguard(self) -> list[str]:
        return [str(self.bin / "iacguard")]

    @property
    def cfn_lint(self) -> list[str]:
        return [str(self.bin / "cfn-lint")]

    def check(self, *args: str) -> list[str]:
        return [*self.iacguard, "check", "--fail-on", "never", *args]

    def time(self, command: Sequence[str], before: Callable[[], None] | None = None,
             repeat: int | None = None) -> Measurement:
        return median_run(command, self.work, repeat or self.repeat, before)


def small_cases(bench: Bench) -> None:
    small = bench.work / "small.yaml"
    small.write_text(SMALL_TEMPLATE)
    for command in (bench.check("--no-cache", str(small)), [*bench.cfn_lint, str(small)]):
        run_once(command, bench.work)  # warm-up: writes .pyc files, as a user's first run does
    ours = bench.time([*bench.iacguard, "--version"])
    theirs = bench.time([*bench.cfn_lint, "--version"])
    bench.rows.append(Row("--version", ours.seconds, theirs.seconds, 0.15, "x", "cfn-lint"))
    rules = bench.time(bench.check("--no-validate", "--no-cache", str(small)))
    lint = bench.time([*bench.cfn_lint, str(small)])
    bench.rows.append(Row("one small template, rules only", rules.seconds, lint.seconds, 0.25,
                          "x", "cfn-lint"))
    checkov = bench.bin / "checkov"
    if checkov.exists():
        theirs = bench.time([str(checkov), "--framework", "cloudformation", "-f", str(small),
                             "--quiet", "--compact", "--skip-download"])
        bench.rows.append(Row("one small template, rules only", rules.seconds, theirs.seconds,
                              0.15, "x", "checkov"))
    validated = bench.time(bench.check("--no-cache", str(small)))
    bench.rows.append(Row("one small template, with validation (pre-commit)", validated.seconds,
                          lint.seconds, 0.8, "x", "cfn-lint"))
    bench.rows.append(Row("  same, peak memory", validated.peak_mib, lint.peak_mib, 1.0, "MiB",
                          "cfn-lint"))


def diff_cases(bench: Bench) -> None:
    base_assembly, head_assembly = bench.work / "base.out", bench.work / "head.out"
    synthetic_assembly(base_assembly, moved=False)
    resources = synthetic_assembly(head_assembly, moved=True)
    compared = bench.time([*bench.iacguard, "diff", str(base_assembly), str(head_assembly),
                           "--fail-on", "never"])
    bench.rows.append(Row(f"diff of two CDK assemblies, {resources} resources",
                          compared.seconds, None, 0.5, "s"))


def generated_cases(bench: Bench) -> None:
    sizes = (4, 250, 500, 1000) if bench.quick else (4, 1000, 2000, 4000)
    timings = {}
    paths = {}
    for size in sizes:
        paths[size] = bench.work / f"conditional-{size}.yaml"
        paths[size].write_text(conditional_template(size))
        timings[size] = bench.time(bench.check("--no-validate", "--no-cache",
                                               str(paths[size])), repeat=bench.repeat + 2).seconds
    tiny, small, large, double = sizes
    for size in (small, large, double):
        bench.rows.append(Row(f"{size:,} resources with conditions, rules only", timings[size],
                              None, 2.0 if size == large else None, "s"))
    # Linear growth: the time per resource, beyond a run over the same template with four
    # resources, is the same at both sizes (1.0 when linear, 2.0 when quadratic).
    per_resource = {size: (timings[size] - timings[tiny]) / (size - tiny) for size in sizes[2:]}
    bench.rows.append(Row(f"  growth: time per resource at {double:,} / at {large:,}",
                          per_resource[double] / max(per_resource[large], 1e-9), None, 1.5, "x"))
    repeat = 1 if bench.quick else max(1, bench.repeat - 1)
    ours = bench.time(bench.check("--no-cache", str(paths[large])), repeat=repeat)
    theirs = bench.time([*bench.cfn_lint, str(paths[large])], repeat=repeat)
    bench.rows.append(Row(f"{large:,} resources with conditions, with validation",
                          ours.seconds, theirs.seconds, 1.0, "x", "cfn-lint"))
    bench.rows.append(Row("  same, peak memory", ours.peak_mib, theirs.peak_mib, 1.0, "MiB",
                          "cfn-lint"))


def corpus_cases(bench: Bench, corpus: Path) -> None:
    cache = bench.work / "cache"
    listing = bench.work / "corpus.json"
    subprocess.run([*bench.check("--no-validate", "--no-cache", "--format", "json", "--output",
                                 f"json:{listing}", str(corpus))],
                   cwd=bench.work, env=_environment(), check=False, capture_output=True)
    # The templates iacguard checks (the corpus has other JSON and YAML files too): cfn-lint
    # is given exactly these, and so is iacguard, so both do the same work.
    checked = [str((bench.work / name).resolve())
               for name in json.loads(listing.read_text())["files"]["checked"]]

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    validated = bench.check("--jobs", "1", "--cache-dir", str(cache), *checked)
    repeat = max(1, bench.repeat - 1)  # minutes each
    cold = bench.time(validated, before=clear_cache, repeat=repeat)
    theirs = bench.time([*bench.cfn_lint, *checked], repeat=repeat)
    bench.rows.append(Row(f"corpus ({len(checked)} templates) with validation, --jobs 1, CPU",
                          cold.cpu, theirs.cpu, 0.9, "x", "cfn-lint"))
    bench.rows.append(Row("  same, wall time", cold.seconds, theirs.seconds, None, "x",
                          "cfn-lint"))
    parallel = bench.time(bench.check("--jobs", "2", "--no-cache", *checked), repeat=repeat)
    bench.rows.append(Row("  same with --jobs 2, wall time", parallel.seconds, theirs.seconds,
                          None, "x", "cfn-lint"))
    run_once(validated, bench.work)  # fills the cache
    warm = bench.time(validated)
    bench.rows.append(Row("corpus again, every template cached", warm.seconds, cold.seconds,
                          0.05, "x", "cold run"))
    bench.rows.append(Row("  same, peak memory", warm.peak_mib, None, 40.0, "MiB"))
    rules = bench.time(bench.check("--no-validate", "--no-cache", "--jobs", "1", *checked))
    bench.rows.append(Row("corpus, rules only", rules.seconds, None, None, "s"))
    checkov = bench.bin / "checkov"
    if checkov.exists():
        survivors = bench.work / "checkov-corpus"
        _copy_checkov_survivors(checked, survivors)
        theirs = bench.time([str(checkov), "--framework", "cloudformation", "-d", str(survivors),
                             "--quiet", "--compact", "--skip-download"], repeat=1)
        bench.rows.append(Row("corpus, rules only", rules.seconds, theirs.seconds, 0.05, "x",
                              "checkov -d"))


def _copy_checkov_survivors(files: Sequence[str], target: Path) -> None:
    """checkov aborts a directory scan on a resource whose Type is a mapping (Rain modules);
    leave those templates out so it has something to finish."""
    target.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(files):
        text = Path(name).read_text(encoding="utf-8", errors="replace")
        if not any(line.rstrip().endswith("Type:") for line in text.splitlines()) \
                and '"Type": {' not in text:
            (target / f"{index}{Path(name).suffix}").write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: one repeat, no corpus, small generated templates, "
                        "exit 0")
    parser.add_argument("--venv", type=Path, default=None,
                        help="the benchmark's environment (kept; default: a temporary one)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="iacguard-bench-"))
    venv = args.venv.absolute() if args.venv else work / "venv"
    try:
        bench = Bench(build_environment(venv), work, 1 if args.quick else max(args.repeat, 1),
                      args.quick, [])
        version = subprocess.run([*bench.iacguard, "--version"], capture_output=True, text=True)
        print(f"# {version.stdout.strip()}; {os.cpu_count()} CPUs; "
              f"{time.strftime('%Y-%m-%d')}; medians of {bench.repeat}")
        small_cases(bench)
        diff_cases(bench)
        generated_cases(bench)
        if args.corpus.is_dir() and not args.quick:
            corpus_cases(bench, args.corpus.absolute())
        elif not args.quick:
            print(f"(no corpus at {args.corpus}: corpus rows skipped)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(bench.rows)
    if args.quick:  # a smoke run: one repeat of smaller inputs judges nothing
        return 0
    return 0 if all(row.met is not False for row in bench.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
