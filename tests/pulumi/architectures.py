"""Pulumi programs (``pulumi_aws``) the tests run under Pulumi's mocks: each declares one
architecture, as a team would write it."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

LAMBDA_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
#: a credential the tests plant; no output may show it, not even masked
PLANTED_SECRET = "hunter2-Planted-Secret-9"
HANDLER = "def handler(event, context):\n    return {'statusCode': 200}\n"


def role(name: str = "fn-role", **kwargs: object) -> aws.iam.Role:
    return aws.iam.Role(name, assume_role_policy=LAMBDA_TRUST, **kwargs)  # type: ignore[arg-type]


def function(name: str, fn_role: aws.iam.Role, **kwargs: object) -> aws.lambda_.Function:
    settings: dict[str, object] = {
        "runtime": "python3.12",
        "handler": "index.handler",
        "code": pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER)}),
        **kwargs,
    }
    return aws.lambda_.Function(name, role=fn_role.arn, **settings)  # type: ignore[arg-type]


def legacy() -> None:
    """Everything a review would refuse: an admin role, a wildcard inline policy, a planted
    password as a Pulumi secret in the environment, a public function URL, an old runtime."""
    fn_role = role(managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"])
    aws.iam.RolePolicy(
        "inline",
        role=fn_role.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    fn = function(
        "handler",
        fn_role,
        runtime="python3.8",
        environment={
            "variables": {"DB_PASSWORD": pulumi.Output.secret(PLANTED_SECRET), "TABLE": "t"}
        },
    )
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    aws.cloudwatch.LogGroup(
        "logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=7
    )


def compliant() -> None:
    """What the guardrails ask for: a scoped role, tracing, JSON logs, a log group with the
    policy's retention, reserved concurrency, an alarm on errors."""
    fn_role = role()
    fn = function(
        "orders",
        fn_role,
        tracing_config={"mode": "Active"},
        logging_config={"log_format": "JSON"},
        reserved_concurrent_executions=10,
    )
    group = aws.cloudwatch.LogGroup(
        "orders-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=365
    )
    aws.iam.RolePolicy(
        "orders-logs-write",
        role=fn_role.id,
        policy=group.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": f"{arn}:*",
                        }
                    ],
                }
            )
        ),
    )
    errors_alarm(fn, "orders-errors")


def errors_alarm(fn: aws.lambda_.Function, name: str = "fn-errors") -> None:
    """An alarm on the function's errors, as a team writes it with Pulumi."""
    aws.cloudwatch.MetricAlarm(
        name,
        metric_name="Errors",
        namespace="AWS/Lambda",
        dimensions={"FunctionName": fn.name},
        comparison_operator="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        period=300,
        statistic="Sum",
        threshold=1,
    )
