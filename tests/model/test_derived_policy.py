"""The derived policy (``model.derived_policy``) on a real synthesized CDK app: each call's
actions on the ARN of the resource its environment variable names, with the part the action
acts on, as IAM JSON and as CDK Python."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn

from guardrails.model import Assembly, functions
from guardrails.model.derived_policy import derive
from tests.conftest import ENV, function, logical_id, synth

HANDLER = """import os
import boto3

ssm = boto3.client("ssm")
s3 = boto3.client("s3")


def handler(event, context):
    ssm.get_parameter(Name=os.environ["NESTED"])
    ssm.get_parameter(Name=os.environ["FLAT"])
    s3.get_object(Bucket=os.environ["BUCKET"], Key=event["key"])
    s3.list_objects_v2(Bucket=os.environ["BUCKET"])
    s3.list_buckets()
    boto3.client("kinesis").put_record(StreamName=os.environ["STREAM"], Data=b"x", PartitionKey="k")
    boto3.client("stepfunctions").start_execution(stateMachineArn=os.environ["FLOW"])
    boto3.client("sqs").send_message(QueueUrl=os.environ["BUCKET"], MessageBody="x")
"""
IDS: dict[str, str] = {}


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Assembly:
    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Derived", env=ENV)
        nested = ssm.StringParameter(
            stack, "Nested", parameter_name="/orders/limit", string_value="1"
        )
        flat = ssm.StringParameter(stack, "Flat", parameter_name="orders-limit", string_value="1")
        bucket = s3.Bucket(stack, "Reports")
        stream = kinesis.Stream(stack, "Clicks")
        flow = sfn.StateMachine(
            stack, "Flow", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "P"))
        )
        fn = function(
            stack,
            "Caller",
            code=lambda_.Code.from_inline(HANDLER),
            environment={
                "NESTED": nested.parameter_name,
                "FLAT": flat.parameter_name,
                "BUCKET": bucket.bucket_name,
                "STREAM": stream.stream_name,
                "FLOW": flow.state_machine_arn,
            },
        )
        for construct, name in (
            (nested, "Nested"),
            (flat, "Flat"),
            (bucket, "Reports"),
            (stream, "Clicks"),
            (flow, "Flow"),
            (fn, "Caller"),
        ):
            IDS[name] = logical_id(construct)

    return synth(build, module_tmp / "cdk.out")


def parameter_arn(name: str, separator: str) -> dict[str, object]:
    parts = ["arn:", {"Ref": "AWS::Partition"}, ":ssm:", {"Ref": "AWS::Region"}, ":"]
    parts += [{"Ref": "AWS::AccountId"}, f":parameter{separator}", {"Ref": IDS[name]}]
    return {"Fn::Join": ["", parts]}


def test_each_action_on_the_part_of_the_resource_it_acts_on(assembly: Assembly) -> None:
    (fn,) = [f for f in functions(assembly) if f.logical_id == IDS["Caller"]]
    policy = derive(fn)
    bucket = {"Fn::GetAtt": [IDS["Reports"], "Arn"]}
    assert policy.document()["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "kinesis:PutRecord",
            "Resource": {"Fn::GetAtt": [IDS["Clicks"], "Arn"]},
        },
        # a name that starts with "/" joins the ARN without another "/"
        {
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": [parameter_arn("Flat", "/"), parameter_arn("Nested", "")],
        },
        {"Effect": "Allow", "Action": "states:StartExecution", "Resource": {"Ref": IDS["Flow"]}},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket},
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": {"Fn::Join": ["", [bucket, "/*"]]},
        },
        # an action that only accepts "*", and a call on a resource of another kind
        {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "sqs:SendMessage"], "Resource": "*"},
    ]
    assert policy.cdk() == (
        'clicks.grant(fn, "kinesis:PutRecord")',
        'fn.add_to_role_policy(iam.PolicyStatement(actions=["ssm:GetParameter"], '
        "resources=[flat.parameter_arn, nested.parameter_arn]))",
        'flow.grant(fn, "states:StartExecution")',
        'fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListBucket"], '
        "resources=[reports.bucket_arn]))",
        'fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], '
        'resources=[reports.arn_for_objects("*")]))',
        'fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListAllMyBuckets", '
        '"sqs:SendMessage"], resources=["*"]))',
    )
