"""AWS facts that the checks and the fixes share, so that both decide with the same values.

The rules read them on the model; the hardening Aspect, the secure constructs and the property
injector write what they say. One place each: a value that changes (a new retention period
CloudWatch Logs accepts, a service that invokes functions asynchronously) changes both sides.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from typing import Any

from guardrails.model.values import Text, Token, literal_str, text_with

#: the values CloudWatch Logs accepts for ``RetentionInDays``, in increasing order
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653)  # fmt: skip

#: what Lambda needs to attach a function to a VPC: the actions of the AWS managed
#: ``AWSLambdaVPCAccessExecutionRole`` (``ec2:DescribeNetworkInterfaces`` takes only ``*``)
VPC_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)

#: what the function's role needs to send traces when ``TracingConfig.Mode`` is ``Active``
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
#: what Lambda needs to write a function's logs (``CreateLogGroup`` when no group exists)
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")

#: what the function's role needs on its own log group (the group exists: no CreateLogGroup)
LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")

#: the AWS managed policies that give a function its logging permissions on every log group
BASIC_EXECUTION_POLICIES = (
    "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSLambdaVPCAccessExecutionRole",
)


def retention_at_least(days: int) -> int:
    """The shortest retention CloudWatch Logs accepts that keeps logs ``days`` days (the longest
    one when ``days`` is beyond it): what a fix sets for a policy's ``min_log_retention_days``."""
    return next((d for d in RETENTION_DAYS if d >= days), RETENTION_DAYS[-1])


#: a placeholder for "the stack's account" when it is not known (never a real account id)
OWN_ACCOUNT = "\x03"
#: a managed policy ARN: (account or ``aws``, path/name)
POLICY_ARN = re.compile(r"^arn:[^:]*:iam::([^:]*):policy/(.+)$")


def policy_identity(value: Any, account: str | None) -> tuple[str | None, str] | None:
    """(account, path/name) of a managed policy ARN as the model holds it (a literal, or a
    ``Text`` of literals and the partition / account pseudo parameters: CDK's
    ``from_managed_policy_name``). ``${AWS::AccountId}`` is ``account``, the stack's; the
    account is None when that is not known either. A literal that is not a policy ARN compares
    as a whole; another template value makes it undecidable (None)."""
    pseudos = {"AWS::Partition": "aws", "AWS::AccountId": account or OWN_ACCOUNT}
    text = text_with(value, pseudos)
    if text is None:
        return None
    if isinstance(value, str):
        text = text.strip()
    match = POLICY_ARN.match(text)
    if match is None:
        return (None, text) if isinstance(value, str) else None
    owner = match.group(1)
    return (None if owner == OWN_ACCOUNT else owner), match.group(2)


def required_boundary(required: str) -> tuple[str | None, str]:
    """(account, path/name) of the policy's ``permissions_boundary``: an ARN, or a policy name
    (with its path)."""
    match = POLICY_ARN.match(required.strip())
    if match:
        return match.group(1), match.group(2)
    name = required.strip().strip("/")
    return None, name[len("policy/") :] if name.startswith("policy/") else name


def same_boundary(value: Any, required: str, account: str | None) -> bool | None:
    """Whether a role's boundary (as the model holds it) is the policy's ``required`` one,
    written any way; None when the template value cannot be decided."""
    have = policy_identity(value, account)
    if have is None:
        return None
    want = required_boundary(required)
    if have[1].casefold() != want[1].casefold():
        return False
    return have[0] is None or want[0] is None or have[0] == want[0]


#: where Lambda writes a function's logs when ``LoggingConfig.LogGroup`` names no group
LAMBDA_LOG_PREFIX = "/aws/lambda/"


def function_of_log_group_name(
    name: Any, function_ids: Container[str], function_names: Mapping[Any, str]
) -> str | None:
    """The function whose default log group ``/aws/lambda/<function name>`` a log group's
    (evaluated) ``LogGroupName`` is: built from a ``Ref`` to the function (CDK's form: an
    ``Fn::Join`` or ``Fn::Sub``), or the function's literal name (``function_names``: literal
    ``FunctionName`` -> logical id). The checks link log groups to functions with it, and the
    hardening Aspect finds the group a function already has with it."""
    if isinstance(name, Text) and len(name.parts) == 2:
        prefix, ref = name.parts
        if prefix == LAMBDA_LOG_PREFIX and isinstance(ref, Token) and ref.kind == "ref":
            return ref.resource if ref.resource in function_ids else None
        return None
    literal = literal_str(name)
    if literal and literal.startswith(LAMBDA_LOG_PREFIX):
        return function_names.get(literal[len(LAMBDA_LOG_PREFIX) :])
    return None
