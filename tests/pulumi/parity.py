"""The parity table: each architecture written twice, with the AWS CDK and with Pulumi
(``pulumi_aws``), as a team would write it with each tool. The same rules must fire on both
(``test_parity``); docs/pulumi.md shows the table.

The base of every architecture is a function that does what the guardrails ask where both
tools make it easy: active tracing, JSON logs into its own log group (a year's retention),
reserved concurrency, an alarm on its errors, a role with the AWS managed basic execution
policy (CDK's default: GR-IAM-14), no code signing (GR-DEP-02) and no KMS key on the log
group (GR-OBS-04). Each architecture changes one thing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
import pulumi
import pulumi_aws as aws
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from tests.pulumi.architectures import HANDLER, LAMBDA_TRUST, PLANTED_SECRET, errors_alarm

BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
SENSITIVE = {"guardrails:sensitive": "true"}


@dataclass(frozen=True)
class Architecture:
    """One row of the table: what changes, the rule it is about, and the two programs."""

    name: str
    concern: str
    rule: str
    cdk: Callable[[cdk.Stack], None]
    pulumi: Callable[[], None]
    #: organisation policy keys for both (a row that needs one)
    policy: dict[str, Any] = field(default_factory=dict)


# -- the base, with each tool ---------------------------------------------------------------
def cdk_function(stack: cdk.Stack, *, alarm: bool = True, **changes: Any) -> lambda_.Function:
    """The base function in CDK; ``changes``: its properties changed (None: left out)."""
    props: dict[str, Any] = {
        "runtime": lambda_.Runtime.PYTHON_3_12,
        "handler": "index.handler",
        "code": lambda_.Code.from_inline(HANDLER),
        "tracing": lambda_.Tracing.ACTIVE,
        "logging_format": lambda_.LoggingFormat.JSON,
        "log_group": logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_YEAR),
        "reserved_concurrent_executions": 10,
    }
    props.update(changes)
    fn = lambda_.Function(stack, "Fn", **{k: v for k, v in props.items() if v is not None})
    if alarm:
        cloudwatch.Alarm(
            stack, "Errors", metric=fn.metric_errors(), threshold=1, evaluation_periods=1
        )
    return fn


def pulumi_function(
    managed: tuple[str, ...] = (BASIC,), *, alarm: bool = True, **changes: Any
) -> tuple[aws.lambda_.Function, aws.iam.Role]:
    """The base function with Pulumi; ``changes``: its arguments changed (None: left out)."""
    role = aws.iam.Role("fn-role", assume_role_policy=LAMBDA_TRUST)
    for i, arn in enumerate(managed):
        aws.iam.RolePolicyAttachment(f"fn-role-policy-{i}", role=role.name, policy_arn=arn)
    group = aws.cloudwatch.LogGroup("fn-logs", retention_in_days=365)
    args: dict[str, Any] = {
        "runtime": "python3.12",
        "handler": "index.handler",
        "code": pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER)}),
        "tracing_config": {"mode": "Active"},
        "logging_config": {"log_format": "JSON", "log_group": group.name},
        "reserved_concurrent_executions": 10,
    }
    args.update(changes)
    fn = aws.lambda_.Function(
        "fn", role=role.arn, **{k: v for k, v in args.items() if v is not None}
    )
    if alarm:
        errors_alarm(fn)
    return fn, role


def _statement(actions: list[str], resource: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
        }
    )


# -- the rows -------------------------------------------------------------------------------
def _cdk_base(stack: cdk.Stack) -> None:
    cdk_function(stack)


def _pulumi_base() -> None:
    pulumi_function()


def _cdk_admin(stack: cdk.Stack) -> None:
    fn = cdk_function(stack)
    assert fn.role is not None
    fn.role.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")
    )


def _pulumi_admin() -> None:
    pulumi_function(managed=(BASIC, "arn:aws:iam::aws:policy/AdministratorAccess"))


def _cdk_wildcard(stack: cdk.Stack) -> None:
    fn = cdk_function(stack)
    fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))


def _pulumi_wildcard() -> None:
    _, role = pulumi_function()
    aws.iam.RolePolicy("fn-role-s3", role=role.id, policy=_statement(["s3:*"]))


def _cdk_plaintext(stack: cdk.Stack) -> None:
    cdk_function(stack, environment={"DB_PASSWORD": PLANTED_SECRET})


def _pulumi_plaintext() -> None:
    pulumi_function(environment={"variables": {"DB_PASSWORD": PLANTED_SECRET}})


def _cdk_public_url(stack: cdk.Stack) -> None:
    cdk_function(stack).add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)


def _pulumi_public_url() -> None:
    fn, _ = pulumi_function()
    aws.lambda_.FunctionUrl("fn-url", function_name=fn.name, authorization_type="NONE")
    aws.lambda_.Permission(  # what CDK's add_function_url adds, and AWS requires
        "fn-url-public",
        action="lambda:InvokeFunctionUrl",
        function=fn.name,
        principal="*",
        function_url_auth_type="NONE",
    )


def _cdk_open_method(stack: cdk.Stack) -> None:
    fn = cdk_function(stack)
    api = apigw.RestApi(stack, "Api", cloud_watch_role=False)
    api.root.add_method("GET", apigw.LambdaIntegration(fn))


def _pulumi_open_method() -> None:
    fn, _ = pulumi_function()
    api = aws.apigateway.RestApi("api")
    method = aws.apigateway.Method(
        "api-get", rest_api=api.id, resource_id=api.root_resource_id, http_method="GET",
        authorization="NONE",
    )  # fmt: skip
    integration = aws.apigateway.Integration(
        "api-get-integration", rest_api=api.id, resource_id=api.root_resource_id,
        http_method=method.http_method, integration_http_method="POST", type="AWS_PROXY",
        uri=fn.invoke_arn,
    )  # fmt: skip
    deployment = aws.apigateway.Deployment(
        "api-deployment", rest_api=api.id, opts=pulumi.ResourceOptions(depends_on=[integration])
    )
    aws.apigateway.Stage("api-prod", rest_api=api.id, deployment=deployment.id, stage_name="prod")
    aws.lambda_.Permission(
        "api-invoke", action="lambda:InvokeFunction", function=fn.name,
        principal="apigateway.amazonaws.com",
        source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/GET/"),
    )  # fmt: skip


def _cdk_no_tracing(stack: cdk.Stack) -> None:
    cdk_function(stack, tracing=None)


def _pulumi_no_tracing() -> None:
    pulumi_function(tracing_config=None)


def _cdk_no_log_group(stack: cdk.Stack) -> None:
    cdk_function(stack, log_group=None, logging_format=None)


def _pulumi_no_log_group() -> None:
    pulumi_function(logging_config=None)


def _cdk_old_runtime(stack: cdk.Stack) -> None:
    cdk_function(stack, runtime=lambda_.Runtime.PYTHON_3_8)


def _pulumi_old_runtime() -> None:
    pulumi_function(runtime="python3.8")


def _cdk_sensitive(stack: cdk.Stack) -> None:
    fn = cdk_function(stack)
    for key, value in SENSITIVE.items():
        cdk.Tags.of(fn).add(key, value)


def _pulumi_sensitive() -> None:
    pulumi_function(tags=SENSITIVE)


def _cdk_open_egress(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc(
        stack, "Vpc", max_azs=2, nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )  # fmt: skip
    cdk_function(stack, vpc=vpc)


def _pulumi_open_egress() -> None:
    vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
    subnets = [
        aws.ec2.Subnet(
            f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=zone
        )
        for i, zone in enumerate(("eu-west-1a", "eu-west-1b"))
    ]
    group = aws.ec2.SecurityGroup(
        "fn-sg", vpc_id=vpc.id, description="Automatic security group for Lambda Function",
        egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
    )  # fmt: skip
    pulumi_function(
        managed=(BASIC, VPC_ACCESS),
        vpc_config={
            "subnet_ids": [s.id for s in subnets],
            "security_group_ids": [group.id],
        },
    )


def _cdk_no_reservation(stack: cdk.Stack) -> None:
    cdk_function(stack, reserved_concurrent_executions=None)


def _pulumi_no_reservation() -> None:
    pulumi_function(reserved_concurrent_executions=None)


def _cdk_no_alarm(stack: cdk.Stack) -> None:
    cdk_function(stack, alarm=False)


def _pulumi_no_alarm() -> None:
    pulumi_function(alarm=False)


TABLE = (
    Architecture(
        "the base",
        "-",
        "-",
        _cdk_base,
        _pulumi_base,
    ),
    Architecture(
        "administrator role",
        "least privilege",
        "GR-IAM-01",
        _cdk_admin,
        _pulumi_admin,
    ),
    Architecture(
        "wildcard actions",
        "least privilege",
        "GR-IAM-04",
        _cdk_wildcard,
        _pulumi_wildcard,
    ),
    Architecture(
        "plaintext secret",
        "secrets",
        "GR-SEC-01",
        _cdk_plaintext,
        _pulumi_plaintext,
    ),
    Architecture(
        "public function URL",
        "front doors",
        "GR-INP-04",
        _cdk_public_url,
        _pulumi_public_url,
    ),
    Architecture(
        "REST method without authorization",
        "front doors",
        "GR-INP-01",
        _cdk_open_method,
        _pulumi_open_method,
    ),
    Architecture(
        "no tracing",
        "monitoring",
        "GR-OBS-01",
        _cdk_no_tracing,
        _pulumi_no_tracing,
    ),
    Architecture(
        "no log group with retention",
        "monitoring",
        "GR-OBS-02",
        _cdk_no_log_group,
        _pulumi_no_log_group,
    ),
    Architecture(
        "no alarm on errors",
        "monitoring",
        "GR-OBS-08",
        _cdk_no_alarm,
        _pulumi_no_alarm,
    ),
    Architecture(
        "deprecated runtime",
        "dependencies",
        "GR-DEP-01",
        _cdk_old_runtime,
        _pulumi_old_runtime,
    ),
    Architecture(
        "unsigned code, signing required",
        "dependencies",
        "GR-DEP-02",
        _cdk_base,
        _pulumi_base,
        {"require_code_signing": True},
    ),
    Architecture(
        "sensitive function outside a VPC",
        "network",
        "GR-NET-01",
        _cdk_sensitive,
        _pulumi_sensitive,
    ),
    Architecture(
        "open egress",
        "network",
        "GR-NET-04",
        _cdk_open_egress,
        _pulumi_open_egress,
    ),
    Architecture(
        "no reserved concurrency",
        "automated compliance",
        "GR-CFG-01",
        _cdk_no_reservation,
        _pulumi_no_reservation,
    ),
)
