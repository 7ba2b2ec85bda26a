"""What Lambda does with a function's role on its behalf (``model.service_use``), on a real
synthesized CDK app."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from guardrails import engine
from guardrails.model import Assembly
from guardrails.model.code_analysis import analyze_function
from guardrails.model.graph import build
from guardrails.model.service_use import LOG_ACTIONS, service_use
from tests.conftest import ENV, function, logical_id, synth

IDS: dict[str, str] = {}


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Assembly:
    def build_app(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Use", env=ENV)
        IDS["Plain"] = logical_id(function(stack, "Plain"))
        vpc = ec2.Vpc(
            stack,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            ],
        )
        queue, dlq = sqs.Queue(stack, "Queue"), sqs.Queue(stack, "Dlq")
        busy = function(
            stack,
            "Busy",
            tracing=lambda_.Tracing.ACTIVE,
            vpc=vpc,
            dead_letter_queue=dlq,
            environment={"A": "b"},
            environment_encryption=kms.Key(stack, "Key"),
        )
        busy.add_event_source(sources.SqsEventSource(queue))
        IDS["Busy"] = logical_id(busy)

        files = efs.FileSystem(stack, "Files", vpc=vpc)
        mounted = function(
            stack,
            "Mounted",
            vpc=vpc,
            filesystem=lambda_.FileSystem.from_efs_access_point(
                files.add_access_point("Point", path="/data"), "/mnt/data"
            ),
            on_success=destinations.SnsDestination(sns.Topic(stack, "Done")),
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    stack,
                    "Powertools",
                    f"arn:aws:lambda:{stack.region}:017000801446:layer:"
                    "AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
                )
            ],
        )
        IDS["Mounted"] = logical_id(mounted)

    return synth(build_app, module_tmp / "cdk.out")


def actions(assembly: Assembly, name: str) -> list[str]:
    fn = next(f for f in build(assembly, []).functions if f.logical_id == IDS[name])
    return [use.action for use in service_use(fn)]


def test_every_function_writes_logs(assembly: Assembly) -> None:
    assert actions(assembly, "Plain") == list(LOG_ACTIONS)


def test_tracing_a_vpc_an_event_source_a_key_and_a_dead_letter_queue(assembly: Assembly) -> None:
    used = actions(assembly, "Busy")
    for action in (
        "xray:PutTraceSegments",
        "ec2:CreateNetworkInterface",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "kms:Decrypt",
        "sqs:SendMessage",
    ):
        assert action in used, action
    # the dead-letter queue is a queue of the template: only sending to a queue is used
    assert "sns:Publish" not in used


def test_a_destination_the_template_does_not_tell_counts_as_any() -> None:
    """A dead-letter target known only at deploy time (a parameter) may be a queue or a topic:
    both actions count as used, so neither is reported unused."""
    from guardrails.model.function import LambdaFunction, Site
    from guardrails.model.service_use import service_use
    from guardrails.model.values import Token

    fn = LambdaFunction(
        Site("S", "Fn", None, "S.template.json"),
        {"DeadLetterConfig": {"TargetArn": Token("param", "DlqArn")}},
    )
    used = [u.action for u in service_use(fn)]
    assert "sqs:SendMessage" in used and "sns:Publish" in used


def test_a_file_system_a_success_destination_and_a_library_layer(assembly: Assembly) -> None:
    """What the CDK grants for an EFS mount and an SNS on-success destination is Lambda's
    use; Powertools' layer brings libraries only: the analysis stays complete, and GR-IAM-15
    finds nothing unused."""
    used = actions(assembly, "Mounted")
    assert {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"} <= set(used)
    assert "sns:Publish" in used and "sqs:SendMessage" not in used
    fn = next(f for f in build(assembly, []).functions if f.logical_id == IDS["Mounted"])
    assert analyze_function(fn).complete
    found = engine.scan(assembly).findings
    assert not [f for f in found if f.rule_id == "GR-IAM-15" and IDS["Mounted"] in f.functions]
