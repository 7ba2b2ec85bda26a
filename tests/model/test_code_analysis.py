"""A function's own code, read from real synthesized CDK apps: inline code, a Python asset
with vendored libraries (ignored), a TypeScript asset with ``node_modules`` (ignored), and what
makes the analysis partial."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails.model import Assembly
from guardrails.model.code_analysis import analyze_function
from guardrails.model.graph import build
from tests.conftest import ENV, function, synth

PYTHON = """import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    return table.get_item(Key={"pk": event["id"]})
"""
VENDORED = "import boto3\nboto3.client('iam').create_user(UserName='x')\n"
TYPESCRIPT = """import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
const sqs = new SQSClient({});
export const handler = async () => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: "x" }));
};
"""


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Assembly:
    py = module_tmp / "py"
    (py / "site-packages" / "lib").mkdir(parents=True)
    (py / "app.py").write_text(PYTHON)
    (py / "site-packages" / "lib" / "admin.py").write_text(VENDORED)
    ts = module_tmp / "ts"
    (ts / "node_modules" / "evil").mkdir(parents=True)
    (ts / "index.ts").write_text(TYPESCRIPT)
    (ts / "node_modules" / "evil" / "index.js").write_text(
        'const { IAMClient, CreateUserCommand } = require("@aws-sdk/client-iam");\n'
        "new IAMClient({}).send(new CreateUserCommand({}));\n"
    )

    def build_app(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Code", env=ENV)
        function(stack, "Inline", code=lambda_.Code.from_inline(PYTHON))
        function(stack, "PyAsset", handler="app.handler", code=lambda_.Code.from_asset(str(py)))
        function(
            stack,
            "TsAsset",
            runtime=lambda_.Runtime.NODEJS_22_X,
            code=lambda_.Code.from_asset(str(ts)),
        )
        function(
            stack,
            "Java",
            runtime=lambda_.Runtime.JAVA_21,
            handler="a.B",
            code=lambda_.Code.from_asset(str(py)),
        )
        layer = lambda_.LayerVersion(stack, "Layer", code=lambda_.Code.from_asset(str(py)))
        function(stack, "Layered", code=lambda_.Code.from_inline(PYTHON), layers=[layer])

    return synth(build_app, module_tmp / "cdk.out")


def analysis(assembly: Assembly, prefix: str) -> object:
    functions = build(assembly, []).functions
    fn = next(f for f in functions if f.logical_id.startswith(prefix))
    return analyze_function(fn)


def test_inline_python(assembly: Assembly) -> None:
    result = analysis(assembly, "Inline")
    assert result.complete and result.actions() == ("dynamodb:GetItem",)
    assert [c.env for c in result.calls] == ["TABLE"]


def test_a_python_asset_without_its_vendored_libraries(assembly: Assembly) -> None:
    result = analysis(assembly, "PyAsset")
    assert result.complete, result.partial
    assert result.actions() == ("dynamodb:GetItem",)  # not iam:CreateUser from site-packages


def test_a_typescript_asset_without_node_modules(assembly: Assembly) -> None:
    result = analysis(assembly, "TsAsset")
    assert result.complete, result.partial
    assert [(c.actions, c.env) for c in result.calls] == [(("sqs:SendMessage",), "QUEUE_URL")]


def test_what_the_analysis_cannot_see_makes_it_partial(assembly: Assembly) -> None:
    java = analysis(assembly, "Java")
    assert not java.complete and "java21" in java.partial[0]
    layered = analysis(assembly, "Layered")
    assert not layered.complete and "layer" in layered.partial[0]
    assert layered.actions() == ("dynamodb:GetItem",)  # the calls it saw are still there
