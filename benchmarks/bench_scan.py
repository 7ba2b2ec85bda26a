"""How the checks scale: the engine against json.loads of the same template, at several sizes.

    python benchmarks/bench_scan.py                      # 100, 1,000 and 5,000 functions
    python benchmarks/bench_scan.py --sizes 200 2000     # other sizes
    python benchmarks/bench_scan.py --functions 1000     # one size, split into its stages

For each size, one template of N functions (as CDK writes them: role, default policy, log
group, URL, permission) is written, then measured in a fresh process: ``json.loads`` of the file
(the floor: what any reader of the template pays), the engine (load, intrinsics, graph, every
rule, the report), their ratio, the time per function, and the process's peak RSS. Times are
medians over ``--repeat`` runs, each on a template of the same shape with other values (what
the engine caches by value in one run does not speed up the next), after one warm-up scan of
a small template (the IAM action catalog, compiled patterns). The design goal is that checking
costs a few times the floor, and that the cost per function does not grow with the template.
The stage split (``--functions``) is the best of ``--repeat`` runs on one template.

Timings on a shared machine are noisy: compare the ratios printed in one run, not seconds.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guardrails import engine
from guardrails.model import graph
from guardrails.model.assembly import Assembly, load_template_file
from guardrails.model.template import load_template

DEFAULT_SIZES = (100, 1000, 5000)


def function_resources(i: int, seed: int = 0) -> dict[str, Any]:
    """One function as CDK emits it: role, default policy, log group, URL, permission.

    ``seed`` varies the values each function has of its own (bucket, code hash, commit, token):
    the repetitions of a measurement scan different templates, so that what the engine caches
    by value in one scan does not make the next one faster than a first scan."""
    fn, role = f"Fn{i}", f"Fn{i}Role"
    k = i + seed * 1_000_000
    arn = {"Fn::GetAtt": [fn, "Arn"]}
    return {
        role: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                    "Version": "2012-10-17",
                },
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                            ],
                        ]
                    }
                ],
            },
        },
        f"{role}DefaultPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                            "Effect": "Allow",
                            "Resource": "*",
                        },
                        {
                            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "s3:*"],
                            "Effect": "Allow",
                            "Resource": [
                                {"Fn::GetAtt": ["Table", "Arn"]},
                                {"Fn::Sub": "arn:${AWS::Partition}:s3:::bucket-" + str(k) + "/*"},
                            ],
                        },
                        {
                            "Action": "secretsmanager:GetSecretValue",
                            "Effect": "Allow",
                            "Resource": {"Ref": "Secret"},
                        },
                    ],
                    "Version": "2012-10-17",
                },
                "PolicyName": f"{role}DefaultPolicy",
                "Roles": [{"Ref": role}],
            },
        },
        fn: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {
                    "S3Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}"},
                    "S3Key": f"{k:064x}.zip",
                },
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": [role, "Arn"]},
                "Runtime": "python3.8" if i % 10 == 0 else "python3.12",
                "Environment": {
                    "Variables": {
                        "TABLE_NAME": {"Ref": "Table"},
                        "SECRET_ARN": {"Ref": "Secret"},
                        "COMMIT_SHA": f"{k:040x}",
                        "LOG_LEVEL": "INFO",
                        **({"API_TOKEN": f"ghp_{k:036d}"} if i % 25 == 0 else {}),
                    }
                },
                "TracingConfig": {"Mode": "Active" if i % 2 else "PassThrough"},
                "LoggingConfig": {"LogGroup": {"Ref": f"{fn}Logs"}, "LogFormat": "JSON"},
            },
            "DependsOn": [f"{role}DefaultPolicy", role],
        },
        f"{fn}Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 90}},
        f"{fn}Url": {
            "Type": "AWS::Lambda::Url",
            "Properties": {"AuthType": "AWS_IAM" if i % 7 else "NONE", "TargetFunctionArn": arn},
        },
        f"{fn}Invoke": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": arn,
                "Principal": "s3.amazonaws.com",
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        },
    }


def template(n: int, seed: int = 0) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
    }
    for i in range(n):
        resources.update(function_resources(i, seed))
    return {"Resources": resources}


def write_template(directory: Path, n: int, seed: int = 0) -> Path:
    """The template of ``n`` functions as a file (compact JSON), for a process to read."""
    path = directory / f"bench-{n}-{seed}.template.json"
    path.write_text(json.dumps(template(n, seed)))
    return path


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None  # the previous result is not kept alive while the next one is built
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _scan(path: Path) -> engine.Report:
    """The engine on one template file: load, intrinsics, graph, every rule, the report."""
    return engine.scan(Assembly(stacks=(load_template_file(path),)))


def _floor(path: Path) -> Any:
    """What any reader of the template pays: reading it and ``json.loads``."""
    return json.loads(path.read_bytes())


# -- one size, in a fresh process -----------------------------------------------------------
def measure(paths: list[Path]) -> dict[str, Any]:
    """Medians of the floor and of the engine over the templates ``paths`` (one per run: of
    one size, with different values), and this process's peak RSS (run it in a process of its
    own: the peak is the largest so far)."""
    with tempfile.TemporaryDirectory() as tmp:  # one-time costs (IAM catalog, patterns)
        _scan(write_template(Path(tmp), 20, seed=999))
    floors, scans, findings, functions = [], [], 0, 0
    for path in paths:
        gc.collect()  # what the previous run left is not counted against the next one
        start = time.perf_counter()
        doc = _floor(path)
        floors.append(time.perf_counter() - start)
        del doc
        gc.collect()
        start = time.perf_counter()
        report = _scan(path)
        scans.append(time.perf_counter() - start)
        findings, functions = len(report.findings), report.functions
        del report
    return {
        "functions": functions,
        "findings": findings,
        "bytes": paths[0].stat().st_size,
        "floor_s": statistics.median(floors),
        "engine_s": statistics.median(scans),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }


def measure_in_subprocess(paths: list[Path]) -> dict[str, Any]:
    """``measure`` in a fresh interpreter (same ``sys.path``), so that its peak RSS is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def scaling(sizes: list[int], repeat: int) -> None:
    """The table: per size, floor, engine, ratio, ms per function, peak RSS."""
    print(
        f"{'functions':>9}  {'template':>8}  {'findings':>8}  {'json.loads':>10}  "
        f"{'engine':>9}  {'ratio':>6}  {'ms/function':>11}  {'peak RSS':>8}"
    )
    per_function: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            paths = [write_template(Path(tmp), n, seed) for seed in range(1, repeat + 1)]
            m = measure_in_subprocess(paths)
            for path in paths:
                path.unlink()
            per_function[n] = m["engine_s"] * 1000 / n
            print(
                f"{n:>9,}  {m['bytes'] / 1e6:>5.1f} MB  {m['findings']:>8,}  "
                f"{m['floor_s'] * 1000:>7.1f} ms  {m['engine_s'] * 1000:>6.1f} ms  "
                f"{m['engine_s'] / m['floor_s']:>5.1f}x  {per_function[n]:>11.3f}  "
                f"{m['rss_mb']:>5.0f} MB"
            )
    smallest, largest = min(sizes), max(sizes)
    if largest != smallest:
        print(
            f"ms per function at {largest:,} / at {smallest:,}: "
            f"{per_function[largest] / per_function[smallest]:.2f}x (1.0x: linear)"
        )
    print(f"medians of {repeat} runs; peak RSS of a fresh process reading the template file")


# -- one size, split into stages --------------------------------------------------------------
def stages(n: int, repeat: int) -> None:
    """Where the engine's time goes for one template of ``n`` functions (best of ``repeat``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_template(Path(tmp), n)
        size = path.stat().st_size
        _scan(path)  # warm caches (IAM catalog...)
        floor, _ = best_of(repeat, lambda: _floor(path))
        parse, _ = best_of(repeat, lambda: load_template(path))

        def fresh() -> Assembly:  # properties are evaluated lazily, once per loaded template
            return Assembly(stacks=(load_template_file(path),))

        model, _ = best_of(repeat, lambda: graph.functions(fresh()))
        total, report = best_of(repeat, lambda: engine.scan(fresh()))
    print(f"functions: {n}  findings: {len(report.findings)}  template: {size / 1e6:.1f} MB")
    print(f"json.loads (the floor)          {floor * 1000:8.1f} ms   1.0x")
    print(f"parse + template checks         {parse * 1000:8.1f} ms   {parse / floor:4.1f}x floor")
    print(f"load + intrinsics + graph       {model * 1000:8.1f} ms   {model / floor:4.1f}x floor")
    print(f"load + graph + every rule       {total * 1000:8.1f} ms   {total / floor:4.1f}x floor")


def bench_code_assets(files: int = 2000) -> None:
    """GR-SEC-04's scan of one code asset of small source files (cold, then cached)."""
    from guardrails.rules.secrets import scan_asset

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(files):
            path = root / f"src/pkg{i // 100}/module_{i}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "import json\n"
                f'TABLE = "orders-{i}"\n\n'
                f"def handle_{i}(event, context):\n"
                '    token = event.get("headers", {}).get("authorization")\n'
                '    key = json.loads(event.get("body") or "{}").get("key")\n'
                '    return {"statusCode": 200 if token and key else 401}\n'
            )
        start = time.perf_counter()
        scan = scan_asset(root)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        scan_asset(root)
        cached = time.perf_counter() - start
    print(
        f"code asset, {scan.files} files    {cold * 1000:8.1f} ms   "
        f"(again, cached: {cached * 1000:.1f} ms)"
    )


def bench_sdk_calls(handlers: int = 500) -> None:
    """The analysis of handlers' AWS SDK calls (GR-IAM-16): per Python and TypeScript handler,
    cold, and again from the cache (one analysis per asset or inline text)."""
    from guardrails.model import node_calls, python_calls

    python = [
        "import os\nimport boto3\n\n"
        f'table = boto3.resource("dynamodb").Table(os.environ["TABLE_{i}"])\n'
        's3 = boto3.client("s3")\n\n'
        f"def handler_{i}(event, context):\n"
        '    s3.get_object(Bucket=os.environ["BUCKET"], Key=event["key"])\n'
        '    return table.put_item(Item={"pk": event["id"]})\n'
        for i in range(handlers)
    ]
    typescript = [
        'import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";\n'
        "const sqs = new SQSClient({});\n"
        f"export const handler{i} = async () => {{\n"
        f"  await sqs.send(new SendMessageCommand({{ QueueUrl: process.env.QUEUE_{i} }}));\n"
        "};\n"
        for i in range(handlers)
    ]
    for name, analyze, texts, file in (
        ("Python", python_calls.analyze, python, "app.py"),
        ("TypeScript", node_calls.analyze, typescript, "index.ts"),
    ):
        analyze({file: texts[0]})  # the parser and the IAM action catalog, loaded once
        start = time.perf_counter()
        for text in texts:
            analyze({file: text})
        per = (time.perf_counter() - start) / len(texts)
        print(f"SDK calls of a {name} handler       {per * 1e6:8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="functions per template for the scaling table (default: 100 1000 5000, or the "
        "--functions size alone)",
    )
    parser.add_argument(
        "--functions",
        type=int,
        help="also split the engine's time into its stages at this size (default: 1000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--measure", type=Path, nargs="+", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure)))
        return
    sizes = args.sizes or ([args.functions] if args.functions else list(DEFAULT_SIZES))
    scaling(sizes, args.repeat)
    print()
    stages(args.functions or 1000, args.repeat)
    bench_code_assets()
    bench_sdk_calls()


if __name__ == "__main__":
    main()
