"""GR-IAM-16 on real CDK apps: what the handlers call (Python inline code, a TypeScript asset)
against what their roles grant."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from guardrails.model import Assembly
from tests.conftest import ENV, flagged, function, logical_id, synth

WRITER = """import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    table.put_item(Item={"pk": event["id"]})
    return table.get_item(Key={"pk": event["id"]})
"""
DYNAMIC = WRITER + "\ndef other(name):\n    return boto3.client(name)\n"
SENDER = """import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
const sqs = new SQSClient({});
export const handler = async () => {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: "x" }));
};
"""
IDS: dict[str, str] = {}


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Assembly:
    ts = module_tmp / "sender"
    ts.mkdir()
    (ts / "index.ts").write_text(SENDER)

    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Calls", env=ENV)
        key = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        orders = dynamodb.TableV2(stack, "Orders", partition_key=key)
        audit = dynamodb.TableV2(stack, "Audit", partition_key=key)
        queue = sqs.Queue(stack, "Queue")

        def writer(name: str, code: str = WRITER) -> lambda_.Function:
            fn = function(
                stack,
                name,
                code=lambda_.Code.from_inline(code),
                environment={"TABLE": orders.table_name},
            )
            IDS[name] = logical_id(fn)
            return fn

        orders.grant_read_write_data(writer("Granted"))
        orders.grant_read_data(writer("ReadOnly"))  # the code writes too
        audit.grant_read_write_data(writer("OtherTable"))  # the code uses Orders
        writer("Nothing")
        writer("Opaque").role.add_managed_policy(  # an AWS managed policy: may allow anything
            iam.ManagedPolicy.from_aws_managed_policy_name("AmazonDynamoDBFullAccess")
        )
        writer("Partial", DYNAMIC)
        bounded = writer("Bounded")
        orders.grant_read_write_data(bounded)
        boundary = iam.ManagedPolicy(
            stack,
            "Boundary",
            statements=[
                iam.PolicyStatement(actions=["dynamodb:GetItem", "logs:*"], resources=["*"])
            ],
        )
        iam.PermissionsBoundary.of(bounded).apply(boundary)
        denied = writer("Denied")
        orders.grant_read_write_data(denied)
        denied.add_to_role_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY, actions=["dynamodb:PutItem"], resources=["*"]
            )
        )
        for name, grant in (("SenderGranted", True), ("Sender", False)):
            fn = function(
                stack,
                name,
                runtime=lambda_.Runtime.NODEJS_22_X,
                code=lambda_.Code.from_asset(str(ts)),
                environment={"QUEUE_URL": queue.queue_url},
            )
            IDS[name] = logical_id(fn)
            if grant:
                queue.grant_send_messages(fn)

    return synth(build, module_tmp / "cdk.out")


def actions_flagged(assembly: Assembly, name: str) -> list[str]:
    found = [f for f in flagged(assembly, "GR-IAM-16", "Calls") if f.logical_id == IDS[name]]
    assert all(f.location == "Properties/Code" for f in found)
    return sorted(f.message.split()[3] for f in found)


def test_grants_that_match_the_code_pass(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "Granted") == []
    assert actions_flagged(assembly, "SenderGranted") == []


def test_a_read_grant_for_a_write(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "ReadOnly") == ["dynamodb:PutItem"]


def test_a_grant_on_another_resource(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "OtherTable") == ["dynamodb:GetItem", "dynamodb:PutItem"]
    found = flagged(assembly, "GR-IAM-16", "Calls")
    (put,) = [f for f in found if f.logical_id == IDS["OtherTable"] and f.key == "dynamodb:PutItem"]
    assert "index.py:7" in put.message and "AccessDenied" in put.message


def test_no_grant_at_all_in_python_and_typescript(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "Nothing") == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert actions_flagged(assembly, "Sender") == ["sqs:SendMessage"]


def test_a_policy_whose_content_is_unknown_keeps_it_quiet(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "Opaque") == []


def test_a_partial_analysis_still_reports_the_calls_it_saw(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "Partial") == ["dynamodb:GetItem", "dynamodb:PutItem"]


def test_a_boundary_of_the_assembly_or_a_deny_takes_the_grant_away(assembly: Assembly) -> None:
    assert actions_flagged(assembly, "Bounded") == ["dynamodb:PutItem"]
    assert actions_flagged(assembly, "Denied") == ["dynamodb:PutItem"]
