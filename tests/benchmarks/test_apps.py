"""The benchmark generator: a real app of 10 functions has every shape and a violation of every
concern, deterministically; the split into stacks keeps at most 120 functions per stack."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks.apps import FUNCTIONS_PER_STACK, fake_token, split, write_assembly
from benchmarks.measure import measure_scan
from guardrails import engine
from guardrails.model import load


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Path:
    return write_assembly(10, module_tmp / "cdk.out")


@pytest.fixture(scope="module")
def resources(assembly: Path) -> dict[str, Any]:
    (template,) = sorted(assembly.glob("*.template.json"))
    return json.loads(template.read_text())["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in resources.values() if r["Type"] == kind]


def test_ten_functions_in_one_stack(assembly, resources):
    assert [p.name for p in assembly.glob("*.template.json")] == ["Service00.template.json"]
    counts = Counter(r["Type"] for r in resources.values())
    assert counts["AWS::Lambda::Function"] == 10
    assert counts["AWS::IAM::Policy"] == 10  # every function has grants
    for kind in ("DynamoDB::Table", "S3::Bucket", "SecretsManager::Secret", "SQS::Queue",
                 "ApiGateway::RestApi", "EC2::VPC"):  # fmt: skip
        assert counts[f"AWS::{kind}"] == 1, kind
    assert counts["AWS::ApiGateway::Method"] == 2  # functions 1 and 9
    assert counts["AWS::Lambda::EventSourceMapping"] == 1  # function 2


def test_functions_have_inline_code_and_realistic_shapes(resources):
    functions = of_type(resources, "AWS::Lambda::Function")
    assert all("ZipFile" in f["Code"] for f in functions)  # no asset, no bundling
    assert sum("VpcConfig" in f for f in functions) == 1
    assert sum("SECRET_ARN" in f["Environment"]["Variables"] for f in functions) == 3
    methods = of_type(resources, "AWS::ApiGateway::Method")
    assert sorted(m["AuthorizationType"] for m in methods) == ["AWS_IAM", "NONE"]


def test_a_violation_of_each_kind(resources):
    functions = of_type(resources, "AWS::Lambda::Function")
    variables = [f["Environment"]["Variables"] for f in functions]
    assert [v["API_TOKEN"] for v in variables if "API_TOKEN" in v] == [fake_token(6)]
    assert sum(f["Runtime"] == "python3.8" for f in functions) == 1
    assert sum("TracingConfig" not in f for f in functions) == 4  # 0, 3, 6, 9
    urls = of_type(resources, "AWS::Lambda::Url")
    assert [u["AuthType"] for u in urls] == ["NONE"]
    statements = [s for p in of_type(resources, "AWS::IAM::Policy")
                  for s in p["PolicyDocument"]["Statement"]]  # fmt: skip
    assert {"Action": "s3:*", "Effect": "Allow", "Resource": "*"} in statements


def test_the_engine_finds_every_concern(assembly):
    report = engine.scan(load(assembly))
    assert report.functions == 10
    concerns = {f.rule_id.rsplit("-", 1)[0] for f in report.findings if f.owner == "user"}
    assert {"GR-IAM", "GR-SEC", "GR-INP", "GR-OBS", "GR-DEP", "GR-NET"} <= concerns


def test_deterministic(assembly, module_tmp):
    again = write_assembly(10, module_tmp / "again")
    name = "Service00.template.json"
    assert (again / name).read_text() == (assembly / name).read_text()


def test_scan_measurement(assembly):
    result = measure_scan(str(assembly))
    assert result["functions"] == 10
    assert result["floor_s"] > 0 and result["warm_s"] > 0 and result["rss_python_mb"] > 0


@pytest.mark.parametrize(
    ("functions", "stacks", "sizes"),
    [
        (10, None, [10]),
        (720, 6, [120] * 6),
        (1000, None, [112] + [111] * 8),
        (7, 3, [3, 2, 2]),
    ],
)
def test_split(functions, stacks, sizes):
    ranges = split(functions, stacks)
    assert [len(r) for r in ranges] == sizes
    assert [i for r in ranges for i in r] == list(range(functions))


def test_split_5000_stays_under_the_stack_size():
    ranges = split(5000)
    assert max(len(r) for r in ranges) <= FUNCTIONS_PER_STACK
    assert sum(len(r) for r in ranges) == 5000
