"""The resources and statements that the hardening Aspect, ``SecureFunction`` and
``SecureFunctionDefaults`` all add, written once: a dead-letter queue, the per-stack key, the
log, tracing and network-interface statements, the permissions boundary, log retention.

The Aspect writes L1 properties and the constructs L2 props, but what they create is the same
resource with the same settings, so a function fixed by the Aspect and one built with
``SecureFunction`` pass the same rules.
"""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from guardrails.model.facts import (
    LOG_WRITE_ACTIONS,
    RETENTION_DAYS,
    VPC_ENI_ACTIONS,
    XRAY_ACTIONS,
    retention_at_least,
)

#: construct id of the per-stack key (the Aspect's opt-in fixes and ``SecureFunctionDefaults``)
STACK_KEY_ID = "LambdaGuardrailsKey"
STACK_KEY_DESCRIPTION = "lambda-guardrails: Lambda environment and log encryption"
#: what CloudWatch Logs needs on a customer-managed key of a log group
LOGS_KEY_ACTIONS = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)
_POLICY_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}|aws)?:policy/(.+)$")
#: RetentionDays -> days (the enum's finite members are in the order of RETENTION_DAYS)
_RETENTION = dict(
    zip([r for r in logs.RetentionDays if r.name != "INFINITE"], RETENTION_DAYS, strict=True)
)


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    """An encrypted dead-letter queue that refuses plain HTTP and keeps messages 14 days (the
    longest SQS allows), the one every fix of GR-OBS-06 creates."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )


def stack_key(
    stack: cdk.Stack, *, construct_id: str = STACK_KEY_ID, for_logs: bool = False
) -> kms.IKey:
    """The stack's one customer-managed key (rotation on), created on first use under
    ``construct_id`` (``SecureFunctionDefaults`` keeps the id its keys always had). ``for_logs``:
    CloudWatch Logs of the stack's region may use it (the Aspect encrypts existing log groups
    with it, whose names it cannot list in the key policy beforehand)."""
    existing = stack.node.try_find_child(construct_id)
    if isinstance(existing, kms.Key):
        return existing
    key = kms.Key(stack, construct_id, enable_key_rotation=True, description=STACK_KEY_DESCRIPTION)
    if for_logs:
        key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com"))
    return key


def logs_key_statement(scope: Construct, log_group_name: str) -> iam.PolicyStatement:
    """The key-policy statement that lets CloudWatch Logs use a customer-managed key for the log
    group ``log_group_name`` only (``kms:EncryptionContext:aws:logs:arn``), as AWS documents."""
    stack = cdk.Stack.of(scope)
    return iam.PolicyStatement(
        sid="CloudWatchLogs" + re.sub(r"[^A-Za-z0-9]", "", log_group_name)[-60:],
        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
        actions=list(LOGS_KEY_ACTIONS),
        resources=["*"],
        conditions={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            }
        },
    )


def statement(actions: tuple[str, ...] | list[str], resource: Any) -> dict[str, Any]:
    """An ``Allow`` statement as IAM JSON, in the form ``PolicyStatement.to_statement_json``
    gives (a single action or resource is not a list): the Aspect writes statements into L1
    policies without building an L2 ``PolicyStatement`` (a jsii call each)."""
    return {
        "Action": actions[0] if len(actions) == 1 else list(actions),
        "Effect": "Allow",
        "Resource": resource,
    }


def log_write_statement(log_group_arn: Any) -> dict[str, Any]:
    """Writing to one log group."""
    return statement(LOG_WRITE_ACTIONS, log_group_arn)


def tracing_statement() -> dict[str, Any]:
    """What an ``Active`` tracing function needs to send its traces (X-Ray takes only ``*``)."""
    return statement(XRAY_ACTIONS, "*")


def network_interface_statement() -> dict[str, Any]:
    """What Lambda needs to attach the function to its VPC's subnets (only ``*`` works)."""
    return statement(VPC_ENI_ACTIONS, "*")


def policy_statement(json_statement: dict[str, Any]) -> iam.PolicyStatement:
    """One of the statements above as an L2 ``PolicyStatement`` (for an L2 role or policy)."""
    return iam.PolicyStatement.from_json(json_statement)


def boundary_policy(scope: Construct, boundary: str | None) -> iam.IManagedPolicy | None:
    """The policy's permissions boundary: an ARN verbatim, else a managed policy name."""
    if not boundary:
        return None
    if boundary.startswith("arn:"):
        return iam.ManagedPolicy.from_managed_policy_arn(scope, "PermissionsBoundary", boundary)
    return iam.ManagedPolicy.from_managed_policy_name(
        scope, "PermissionsBoundary", boundary_name(boundary)
    )


def boundary_arn(stack: cdk.Stack, boundary: str) -> str:
    """The policy's permissions boundary as the ARN an L1 role takes: an ARN verbatim, a name
    (with its path) in the stack's account."""
    if _POLICY_ARN.match(boundary.strip()):
        return boundary
    return stack.format_arn(
        service="iam", region="", resource="policy", resource_name=boundary_name(boundary)
    )


def boundary_name(boundary: str) -> str:
    """``path/name`` of a boundary given as a policy name (``policy/`` and slashes trimmed)."""
    return boundary.strip().strip("/").removeprefix("policy/")


def retention_for(days: int) -> logs.RetentionDays:
    """The shortest ``RetentionDays`` that keeps logs at least ``days`` days."""
    value = retention_at_least(days)
    return next(r for r, d in _RETENTION.items() if d == value)


def retention_days(retention: logs.RetentionDays) -> float:
    """The days a ``RetentionDays`` keeps logs (``INFINITE``: forever)."""
    return _RETENTION.get(retention, float("inf"))
