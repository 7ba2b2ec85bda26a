"""GR-IAM-15 and GR-IAM-16, and the derived policy, on code assets written for the purpose
(``tests/fixtures/least_privilege``), synthesized in a real CDK app:

- ``python_reports``: boto3 imported under another name, a client made in a sibling module,
  a paginator, a resource ``Table``, a ``Bucket.upload_file``, an SQS client; a library
  vendored with ``pip install -t`` and tests shipped with the code (both ignored);
- ``node_orders``: TypeScript, a lib-dynamodb document client (``PutCommand``,
  ``paginateQuery``), a lib-storage ``Upload``, an SNS client in another file of the code;
  ``node_modules`` and ``__tests__`` (ignored);
- ``python_dynamic``: a client made from a variable service name (a partial analysis);
- a ``SecureFunction`` whose grants are what its code calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from guardrails import engine
from guardrails.constructs import SecureFunction
from guardrails.model import Assembly, functions
from guardrails.policy import Policy
from guardrails.report import least_privilege
from tests.conftest import ENV, TODAY, logical_id, synth

FIXTURES = Path(__file__).parents[1] / "fixtures" / "least_privilege"
SECURE = """import os
import boto3

secrets = boto3.client("secretsmanager")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])
    table.put_item(Item={"pk": event["id"]})
"""
IDS: dict[str, str] = {}
RULES = ("GR-IAM-15", "GR-IAM-16")


def build(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Code", env=ENV)
    key = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    orders = dynamodb.TableV2(stack, "Orders", partition_key=key)
    uploads = s3.Bucket(stack, "Uploads")
    queue = sqs.Queue(stack, "Done")
    topic = sns.Topic(stack, "Placed")
    secret = secretsmanager.Secret(stack, "Db")
    for construct, name in ((orders, "Orders"), (uploads, "Uploads"), (queue, "Done")):
        IDS[name] = logical_id(construct)
    IDS["Placed"], IDS["Db"] = logical_id(topic), logical_id(secret)

    reports = lambda_.Function(
        stack,
        "Reports",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="app.handler",
        code=lambda_.Code.from_asset(str(FIXTURES / "python_reports")),
        environment={
            "TABLE": orders.table_name,
            "BUCKET": uploads.bucket_name,
            "QUEUE_URL": queue.queue_url,
        },
    )
    orders.grant_read_write_data(reports)  # the code only puts an item
    uploads.grant_put(reports)  # the code also lists the bucket: AccessDenied
    queue.grant_send_messages(reports)

    node = lambda_.Function(
        stack,
        "NodeOrders",
        runtime=lambda_.Runtime.NODEJS_22_X,
        handler="src/index.handler",
        code=lambda_.Code.from_asset(str(FIXTURES / "node_orders")),
        environment={
            "TABLE": orders.table_name,
            "RECEIPTS": uploads.bucket_name,
            "TOPIC_ARN": topic.topic_arn,
        },
    )
    orders.grant(node, "dynamodb:PutItem", "dynamodb:Query")
    node.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject", "s3:AbortMultipartUpload"],
            resources=[uploads.arn_for_objects("*")],
        )
    )
    topic.grant_publish(node)

    dynamic = lambda_.Function(
        stack,
        "Dynamic",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(FIXTURES / "python_dynamic")),
        environment={"TABLE": orders.table_name, "QUEUE_URL": queue.queue_url},
    )
    orders.grant_read_write_data(dynamic)  # more than it calls, but the picture is partial

    secure = SecureFunction(
        stack,
        "Secure",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline(SECURE),
        environment={"TABLE": orders.table_name},
        secrets={"DB": secret},
        policy=Policy.from_mapping({"rules": {"GR-NET-01": {"enabled": False}}}),
    )
    orders.grant(secure, "dynamodb:PutItem")
    for fn, name in ((reports, "Reports"), (node, "NodeOrders"), (dynamic, "Dynamic")):
        IDS[name] = logical_id(fn)
        IDS[f"{name}Role"] = logical_id(fn.role)
    IDS["Secure"] = logical_id(secure)

    # two functions on one role: what it grants may be either's, GR-IAM-15 does not compare
    shared = iam.Role(stack, "Shared", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    orders.grant_read_write_data(shared)
    for name in ("SharedOne", "SharedTwo"):
        IDS[name] = logical_id(
            lambda_.Function(
                stack,
                name,
                runtime=lambda_.Runtime.PYTHON_3_12,
                handler="index.handler",
                code=lambda_.Code.from_inline(SECURE),
                environment={"TABLE": orders.table_name},
                role=shared,
            )
        )


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Assembly:
    return synth(build, module_tmp / "cdk.out")


def found(assembly: Assembly, name: str) -> list[tuple[str, str, str, str]]:
    report = engine.scan(assembly, today=TODAY)
    return sorted(
        (f.rule_id, f.severity, f.logical_id, f.message)
        for f in report.findings
        if f.rule_id in RULES and IDS[name] in f.functions
    )


def picture(assembly: Assembly, name: str) -> least_privilege.FunctionPrivilege:
    (fn,) = [f for f in functions(assembly) if f.logical_id == IDS[name]]
    return least_privilege.of(fn)


def arn(name: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [IDS[name], "Arn"]}


def test_python_asset_over_granted_and_missing_a_grant(assembly: Assembly) -> None:
    role, table, bucket, queue = IDS["ReportsRole"], IDS["Orders"], IDS["Uploads"], IDS["Done"]
    policy = f"{role.removesuffix('923DAB5E')}DefaultPolicyE5238104"
    statements = ", ".join(f"PolicyDocument/Statement/{i}" for i in range(4))
    assert found(assembly, "Reports") == [
        (
            "GR-IAM-15",
            "medium",
            role,
            f"The execution role {role} grants 17 action(s) the code never calls: dynamodb: "
            "BatchGetItem, Query, GetItem, Scan, ConditionCheckItem, BatchWriteItem (+5 more); "
            "s3: PutObjectLegalHold, PutObjectRetention, PutObjectTagging, "
            "PutObjectVersionTagging; sqs: GetQueueAttributes, GetQueueUrl "
            f"(in {policy} {statements}). The code needs: sqs:SendMessage on Done; "
            "dynamodb:PutItem on Orders; s3:ListBucket on Uploads; s3:AbortMultipartUpload, "
            "s3:PutObject on Uploads/*; as CDK code: "
            'done.grant(fn, "sqs:SendMessage"); orders.grant(fn, "dynamodb:PutItem"); '
            'fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListBucket"], '
            "resources=[uploads.bucket_arn])); "
            'fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:AbortMultipartUpload", '
            '"s3:PutObject"], resources=[uploads.arn_for_objects("*")]))',
        ),
        (
            "GR-IAM-16",
            "medium",
            IDS["Reports"],
            f"The code calls s3:ListBucket on {bucket} (app.py:14), but no statement of the "
            f"execution role {role} allows it: the call fails with AccessDenied when it runs",
        ),
    ]
    derived = picture(assembly, "Reports").policy
    assert derived.complete  # the vendored library and the shipped tests are not read
    assert derived.document() == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn("Done")},
            {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn("Orders")},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": arn("Uploads")},
            {
                "Effect": "Allow",
                "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
                "Resource": {"Fn::Join": ["", [arn("Uploads"), "/*"]]},
            },
        ],
    }
    assert [(c.file, c.line, c.operation, c.env) for c in derived.analysis.calls] == [
        ("app.py", 14, "list_objects_v2", "BUCKET"),  # client from reports/storage.py
        ("app.py", 16, "put_item", "TABLE"),
        ("app.py", 18, "upload_file", "BUCKET"),
        ("app.py", 19, "send_message", "QUEUE_URL"),
    ]
    assert (table, queue) == (IDS["Orders"], IDS["Done"])


def test_typescript_asset_whose_grants_match_its_code_is_quiet(assembly: Assembly) -> None:
    assert found(assembly, "NodeOrders") == []
    derived = picture(assembly, "NodeOrders").policy
    assert derived.complete  # node_modules and __tests__ are not read
    assert derived.document() == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:PutItem", "dynamodb:Query"],
                "Resource": arn("Orders"),
            },
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": IDS["Placed"]}},
            {
                "Effect": "Allow",
                "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
                "Resource": {"Fn::Join": ["", [arn("Uploads"), "/*"]]},
            },
        ],
    }
    assert [(c.file, c.line, c.operation) for c in derived.analysis.calls] == [
        ("src/events.ts", 6, "publish"),  # the function index.ts imports from events.ts
        ("src/index.ts", 12, "put_item"),  # document client PutCommand
        ("src/index.ts", 16, "query"),  # lib-dynamodb paginateQuery
        ("src/index.ts", 22, "upload"),  # lib-storage Upload
    ]


def test_a_dynamic_client_makes_the_analysis_partial(assembly: Assembly) -> None:
    """GR-IAM-15 needs the whole picture: silent; GR-IAM-16 reports the calls it saw."""
    role = IDS["DynamicRole"]
    assert found(assembly, "Dynamic") == [
        (
            "GR-IAM-16",
            "medium",
            IDS["Dynamic"],
            f"The code calls sqs:SendMessage on {IDS['Done']} (index.py:11), but no statement "
            f"of the execution role {role} allows it: the call fails with AccessDenied when it "
            "runs",
        )
    ]
    derived = picture(assembly, "Dynamic").policy
    assert derived.analysis.partial == (
        "index.py: a client or resource is built from a service name that is not a literal",
    )
    assert derived.actions() == ("dynamodb:PutItem", "sqs:SendMessage")


def test_a_secure_function_whose_grants_match_its_code_is_quiet(assembly: Assembly) -> None:
    assert found(assembly, "Secure") == []
    derived = picture(assembly, "Secure").policy
    assert derived.complete
    assert derived.document()["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": IDS["Db"]},
        },
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn("Orders")},
    ]


def test_a_shared_role_is_not_compared(assembly: Assembly) -> None:
    """The role's other function may use what this one does not: GR-IAM-15 stays quiet, and
    GR-IAM-16 still reports the call no statement allows (the secret is granted to none)."""
    for name in ("SharedOne", "SharedTwo"):
        assert [f[0] for f in found(assembly, name)] == ["GR-IAM-16"]
        assert picture(assembly, name).unused == ()
