"""Realistic CDK apps with N Lambda functions, for the benchmarks (deterministic).

    app = build_app(720, stacks=6).app       # 6 stacks of 120 functions
    write_assembly(1000, "/tmp/cdk.out")     # synthesize 9 stacks of at most 120 functions

Each stack holds at most ``FUNCTIONS_PER_STACK`` functions and what they use: a DynamoDB table,
an S3 bucket, a Secrets Manager secret, and when some function needs them an SQS queue, a
RestApi and a VPC (two AZs, public and isolated subnets, no NAT gateway). Every function is a
``lambda_.Function`` with inline code (no asset, no bundling, no Docker) and its own role, with
grants. Function ``i`` (numbered across the whole app) gets, by ``i % 8``: 1 a RestApi method
(IAM auth), 2 an ``SqsEventSource``, 3 a VPC (isolated subnets); by ``i % 50`` one violation of
each concern (5 ``s3:*`` on ``*``, 6 a fake plaintext token in the environment, 7 a function URL
with auth NONE, 8 the deprecated PYTHON_3_8 runtime, 9 a secret resolved into the environment);
a third of them have no tracing, and ``i % 40 == 1`` RestApi methods have no auth,
``i % 80 == 11`` VPC functions sit in public subnets. With 10 functions every shape but the
public subnets is there.

A stack of 120 functions holds about 470 resources (CloudFormation accepts 500); the hardening
Aspect and the hand-written L1 floor add a log group per function, which takes such a stack past
500: the apps set ``@aws-cdk/core:stackResourceLimit`` to 0 so that CDK synthesizes it anyway
(the benchmarks measure synthesis, nothing is deployed).

The code analysis benchmark (least privilege from the code) has apps of its own
(``build_code_app``): functions whose code is an asset, a folder holding ``python_handler``, one
folder shared by every function or one per function, and handlers of 20-40 lines that call the
AWS SDK as real ones do (``python_handler``, ``typescript_handler``), or that do not name it
(``plain_handler``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

FUNCTIONS_PER_STACK = 120
#: the sizes the runner uses (and ``SYNTH_FUNCTIONS`` in ``SYNTH_STACKS`` for synth comparisons)
SIZES = (10, 100, 1000, 5000)
SYNTH_FUNCTIONS, SYNTH_STACKS = 720, 6
CONTEXT = {"@aws-cdk/core:stackResourceLimit": 0}
#: the code assets of ``build_code_app``: one folder for every function, one per function, or
#: one per function whose handler names no SDK (the analysis' prefilter: nothing to parse)
CODE_ASSETS = ("shared", "distinct", "no-sdk")


def fake_token(i: int) -> str:
    """An obviously fake GitHub token (digits only) that secret scanners still recognise."""
    return "ghp_" + f"{i:036d}"


@dataclass
class GeneratedApp:
    app: cdk.App
    stacks: list[cdk.Stack] = field(default_factory=list)
    functions: list[lambda_.Function] = field(default_factory=list)


def split(functions: int, stacks: int | None = None) -> list[range]:
    """The function numbers of each stack: ``stacks`` (default: as few as hold at most
    ``FUNCTIONS_PER_STACK`` each) contiguous ranges of near-equal size."""
    count = stacks or max(1, math.ceil(functions / FUNCTIONS_PER_STACK))
    ranges, start = [], 0
    for k in range(count):
        size = functions // count + (1 if k < functions % count else 0)
        ranges.append(range(start, start + size))
        start += size
    return ranges


def build_app(
    functions: int, stacks: int | None = None, outdir: str | Path | None = None
) -> GeneratedApp:
    """An app with ``functions`` functions over ``stacks`` stacks (not synthesized)."""
    app = cdk.App(outdir=str(outdir) if outdir else None, context=dict(CONTEXT))
    result = GeneratedApp(app)
    for k, numbers in enumerate(split(functions, stacks)):
        stack = ServiceStack(app, f"Service{k:02d}", numbers)
        result.stacks.append(stack)
        result.functions.extend(stack.functions)
    return result


def write_assembly(functions: int, outdir: str | Path, stacks: int | None = None) -> Path:
    """Synthesize the app of ``functions`` functions into ``outdir`` (a cloud assembly)."""
    build_app(functions, stacks, outdir).app.synth()
    return Path(outdir)


class ServiceStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, numbers: range) -> None:
        super().__init__(scope, id)
        self.functions: list[lambda_.Function] = []
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        bucket = s3.Bucket(self, "Bucket", enforce_ssl=True)
        secret = secretsmanager.Secret(self, "DbSecret")
        kinds = {i % 8 for i in numbers}
        queue = sqs.Queue(self, "Jobs") if 2 in kinds else None
        api = None
        if 1 in kinds:
            api = apigw.RestApi(self, "Api", deploy_options=apigw.StageOptions(stage_name="prod"))
        vpc = None
        if 3 in kinds:
            vpc = ec2.Vpc(
                self,
                "Vpc",
                max_azs=2,
                nat_gateways=0,
                subnet_configuration=[
                    ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                    ec2.SubnetConfiguration(
                        name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                    ),
                ],
            )
        for i in numbers:
            fn = self.function(i, table, bucket, secret, vpc)
            self.functions.append(fn)
            if i % 8 == 1 and api is not None:
                auth = apigw.AuthorizationType.NONE if i % 40 == 1 else apigw.AuthorizationType.IAM
                api.root.add_resource(f"fn{i}").add_method(
                    "POST",
                    apigw.LambdaIntegration(fn, allow_test_invoke=False),
                    authorization_type=auth,
                )
            if i % 8 == 2 and queue is not None:
                fn.add_event_source(sources.SqsEventSource(queue, batch_size=10))

    def function(
        self,
        i: int,
        table: dynamodb.Table,
        bucket: s3.Bucket,
        secret: secretsmanager.Secret,
        vpc: ec2.Vpc | None,
    ) -> lambda_.Function:
        environment = {"TABLE_NAME": table.table_name, "LOG_LEVEL": "INFO"}
        if i % 2 == 0:
            environment["BUCKET_NAME"] = bucket.bucket_name
        if i % 4 == 0:
            environment["SECRET_ARN"] = secret.secret_arn  # by reference: the good way
        if i % 50 == 6:
            environment["API_TOKEN"] = fake_token(i)  # violation: plaintext credential
        if i % 50 == 9:  # violation: the secret's value resolved into the configuration
            environment["DB_PASSWORD"] = secret.secret_value_from_json("password").unsafe_unwrap()
        subnets, public = None, False
        if i % 8 == 3 and vpc is not None:
            public = i % 80 == 11  # violation: a VPC function in public subnets
            subnet = ec2.SubnetType.PUBLIC if public else ec2.SubnetType.PRIVATE_ISOLATED
            subnets = ec2.SubnetSelection(subnet_type=subnet)
        deprecated = i % 50 == 8  # violation: a deprecated runtime
        fn = lambda_.Function(
            self,
            f"Fn{i:04d}",
            runtime=lambda_.Runtime.PYTHON_3_8 if deprecated else lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(
                "import json, os\n\n\ndef handler(event, context):\n"
                f"    return {{'statusCode': 200, 'body': json.dumps({{'fn': {i}}})}}\n"
            ),
            memory_size=256,
            timeout=cdk.Duration.seconds(10),
            environment=environment,
            # violation for a third of them: no tracing
            tracing=lambda_.Tracing.DISABLED if i % 3 == 0 else lambda_.Tracing.ACTIVE,
            vpc=vpc if subnets else None,
            vpc_subnets=subnets,
            allow_public_subnet=public or None,
        )
        table.grant_read_write_data(fn)
        if i % 2 == 0:
            bucket.grant_read(fn)
        if i % 4 == 0 or i % 50 == 9:
            secret.grant_read(fn)
        if i % 50 == 5:  # violation: a wildcard action on every resource
            fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
        if i % 50 == 7:  # violation: a public function URL
            fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
        return fn


# --- code assets: the analysis of the functions' own code ------------------------------------


def python_handler(i: int) -> str:
    """A Python handler that calls the SDK: a ``boto3`` client, a resource's ``Table``, a
    paginator, resources named by environment variables (``i`` only changes a comment)."""
    return f'''"""Orders API: stores an order, lists its attachments, queues its invoice."""
# function {i}
import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
BUCKET = os.environ["BUCKET_NAME"]
s3 = boto3.client("s3")
sqs = boto3.client("sqs")


def attachments(order_id):
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=BUCKET, Prefix=f"orders/{{order_id}}/"):
        for item in page.get("Contents", []):
            yield item["Key"]


def handler(event, context):
    order = json.loads(event.get("body") or "{{}}")
    if TABLE.get_item(Key={{"pk": order["id"]}}).get("Item") is not None:
        return {{"statusCode": 409, "body": json.dumps({{"error": "exists"}})}}
    TABLE.put_item(Item={{"pk": order["id"], "total": str(order.get("total", 0))}})
    keys = list(attachments(order["id"]))
    sqs.send_message(
        QueueUrl=os.environ["QUEUE_URL"],
        MessageBody=json.dumps({{"order": order["id"], "attachments": keys}}),
    )
    return {{"statusCode": 201, "body": json.dumps({{"id": order["id"], "files": len(keys)}})}}
'''


def typescript_handler(i: int) -> str:
    """A TypeScript handler that calls the SDK v3: ``client.send(new XCommand(...))`` and the
    ``DynamoDBDocumentClient`` of ``@aws-sdk/lib-dynamodb`` (``i`` only changes a comment)."""
    return f"""// Orders API: stores an order, reads its terms, queues its invoice (function {i}).
import {{ DynamoDBClient }} from "@aws-sdk/client-dynamodb";
import {{ DynamoDBDocumentClient, GetCommand, PutCommand }} from "@aws-sdk/lib-dynamodb";
import {{ GetObjectCommand, S3Client }} from "@aws-sdk/client-s3";
import {{ SendMessageCommand, SQSClient }} from "@aws-sdk/client-sqs";
import type {{ APIGatewayProxyEvent, APIGatewayProxyResult }} from "aws-lambda";

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({{}}));
const s3 = new S3Client({{}});
const sqs = new SQSClient({{}});
const TABLE = process.env.TABLE_NAME;

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {{
  const order = JSON.parse(event.body ?? "{{}}") as {{ id: string; total?: number }};
  const found = await ddb.send(new GetCommand({{ TableName: TABLE, Key: {{ pk: order.id }} }}));
  if (found.Item) {{
    return {{ statusCode: 409, body: JSON.stringify({{ error: "exists" }}) }};
  }}
  const item = {{ pk: order.id, total: order.total ?? 0 }};
  await ddb.send(new PutCommand({{ TableName: TABLE, Item: item }}));
  const terms = await s3.send(
    new GetObjectCommand({{ Bucket: process.env.BUCKET_NAME, Key: "terms.txt" }}),
  );
  await sqs.send(
    new SendMessageCommand({{
      QueueUrl: process.env.QUEUE_URL,
      MessageBody: JSON.stringify({{ order: order.id, terms: terms.ETag }}),
    }}),
  );
  return {{ statusCode: 201, body: JSON.stringify({{ id: order.id }}) }};
}};
"""


def plain_handler(i: int) -> str:
    """``python_handler`` with ``boto3`` renamed ``storage`` (a module of the app's own): the
    same file, the same strings for every rule that reads it, but no SDK named: the analysis'
    prefilter skips it, nothing is parsed."""
    return python_handler(i).replace("boto3", "storage")


def build_code_app(
    functions: int, assets: str, source: str | Path, outdir: str | Path | None = None
) -> GeneratedApp:
    """An app of ``functions`` functions whose code is an asset (not synthesized): ``assets``
    "shared" (one folder of ``source`` holding ``python_handler``, for every function: CDK
    stages one ``asset.<hash>``), "distinct" (a folder per function, ``python_handler(i)``: as
    many assets) or "no-sdk" (a folder per function, ``plain_handler(i)``)."""
    if assets not in CODE_ASSETS:
        raise ValueError(f"unknown code assets {assets!r}")
    folders = []
    for i in range(1 if assets == "shared" else functions):
        folder = Path(source) / f"{assets}-{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.py").write_text(
            plain_handler(i) if assets == "no-sdk" else python_handler(i)
        )
        folders.append(str(folder))
    app = cdk.App(outdir=str(outdir) if outdir else None, context=dict(CONTEXT))
    result = GeneratedApp(app)
    for k, numbers in enumerate(split(functions)):
        stack = CodeStack(app, f"Code{k:02d}", [(i, folders[i % len(folders)]) for i in numbers])
        result.stacks.append(stack)
        result.functions.extend(stack.functions)
    return result


class CodeStack(cdk.Stack):
    """Functions whose code is an asset, each with its own role granted what the handler calls
    (the table, the bucket, the queue of its environment)."""

    def __init__(self, scope: Construct, id: str, functions: list[tuple[int, str]]) -> None:
        super().__init__(scope, id)
        self.functions: list[lambda_.Function] = []
        table = dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        bucket = s3.Bucket(self, "Attachments", enforce_ssl=True)
        queue = sqs.Queue(self, "Invoices")
        for i, folder in functions:
            fn = lambda_.Function(
                self,
                f"Fn{i:04d}",
                runtime=lambda_.Runtime.PYTHON_3_12,
                handler="index.handler",
                code=lambda_.Code.from_asset(folder),
                memory_size=256,
                timeout=cdk.Duration.seconds(10),
                tracing=lambda_.Tracing.ACTIVE,
                environment={
                    "TABLE_NAME": table.table_name,
                    "BUCKET_NAME": bucket.bucket_name,
                    "QUEUE_URL": queue.queue_url,
                },
            )
            table.grant_read_write_data(fn)
            bucket.grant_read(fn)
            queue.grant_send_messages(fn)
            self.functions.append(fn)
