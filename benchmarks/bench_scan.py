"""How the checks scale: parse vs. model vs. rules over a template with N functions.

    make bench            # 1,000 functions
    python benchmarks/bench_scan.py --functions 5000

The design goal is that checking costs a few times the time to parse the templates. Timings on
a shared machine are noisy: compare the ratios printed in one run, not absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from guardrails import engine
from guardrails.model import graph
from guardrails.model.assembly import Assembly, load_template_file
from guardrails.model.template import load_template


def function_resources(i: int) -> dict[str, Any]:
    """One function as CDK emits it: role, default policy, log group, URL, permission."""
    fn, role = f"Fn{i}", f"Fn{i}Role"
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
                                {"Fn::Sub": "arn:${AWS::Partition}:s3:::bucket-" + str(i) + "/*"},
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
                    "S3Key": f"{i:064x}.zip",
                },
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": [role, "Arn"]},
                "Runtime": "python3.8" if i % 10 == 0 else "python3.12",
                "Environment": {
                    "Variables": {
                        "TABLE_NAME": {"Ref": "Table"},
                        "SECRET_ARN": {"Ref": "Secret"},
                        "COMMIT_SHA": f"{i:040x}",
                        "LOG_LEVEL": "INFO",
                        **({"API_TOKEN": f"ghp_{i:036d}"} if i % 25 == 0 else {}),
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


def template(n: int) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
    }
    for i in range(n):
        resources.update(function_resources(i))
    return {"Resources": resources}


def best_of(repeat: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.template.json"
        path.write_text(json.dumps(template(args.functions)))
        size = path.stat().st_size
        engine.scan(Assembly(stacks=(load_template_file(path),)))  # warm caches (IAM catalog...)
        parse, _ = best_of(args.repeat, lambda: load_template(path))

        def fresh() -> Assembly:  # properties are evaluated lazily, once per loaded template
            return Assembly(stacks=(load_template_file(path),))

        model, _ = best_of(args.repeat, lambda: graph.functions(fresh()))
        total, report = best_of(args.repeat, lambda: engine.scan(fresh()))
    print(
        f"functions: {args.functions}  findings: {len(report.findings)}  "
        f"template: {size / 1e6:.1f} MB"
    )
    print(f"parse JSON                      {parse * 1000:8.1f} ms   1.0x")
    print(f"load + intrinsics + graph       {model * 1000:8.1f} ms   {model / parse:4.1f}x parse")
    print(f"load + graph + every rule       {total * 1000:8.1f} ms   {total / parse:4.1f}x parse")
    bench_code_assets()


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


if __name__ == "__main__":
    main()
