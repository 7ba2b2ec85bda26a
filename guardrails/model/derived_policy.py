"""The least privilege a function's code needs: the actions of its SDK calls
(``code_analysis``), on the resources its environment wires them to, as IAM statements.

A call whose resource comes from an environment variable naming a resource of the template
(``os.environ["TABLE"]`` with ``TABLE: {"Ref": "Orders"}``) is tied to that resource's ARN,
with the ARN pattern the action's resource type needs (from the IAM catalog: ``s3:GetObject``
acts on the bucket's objects, ``<bucket ARN>/*``); any other call needs its action on ``*``
(the code names its resource at run time). What Lambda itself does with the role (its logs,
X-Ray, the VPC's network interfaces, the event sources' reads: ``service_use``) is listed
apart: the CDK grants it when it wires those, the user writes the code's part.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guardrails.model import actions
from guardrails.model.code_analysis import analyze_function
from guardrails.model.function import LambdaFunction, Referenced
from guardrails.model.sdk_calls import CodeAnalysis, SdkCall, camel_to_snake
from guardrails.model.service_use import ServiceUse, on_callers_behalf, service_use
from guardrails.model.values import referenced_resources


@dataclass(frozen=True)
class ArnOf:
    """How a resource type's ARN is written: its IAM service and resource type (the catalog's
    names), the CloudFormation expression of its ARN (``Fn::GetAtt`` of ``Arn``, or ``Ref``
    when the reference is the ARN), and the CDK attribute that holds it."""

    service: str
    resource_type: str
    expression: str  # "Arn" | "Ref" | "ssm-parameter"
    cdk_attribute: str
    #: whether the CDK construct has ``grant(grantee, *actions)``
    cdk_grant: bool = False


#: the resource types a function's environment commonly names (CloudFormation resource type ->
#: how its ARN is written); a call on a resource of another type needs its action on ``*``
ARNS: Mapping[str, ArnOf] = {
    "AWS::DynamoDB::Table": ArnOf("dynamodb", "table", "Arn", "table_arn", cdk_grant=True),
    "AWS::DynamoDB::GlobalTable": ArnOf("dynamodb", "table", "Arn", "table_arn", cdk_grant=True),
    "AWS::S3::Bucket": ArnOf("s3", "bucket", "Arn", "bucket_arn"),
    "AWS::SQS::Queue": ArnOf("sqs", "queue", "Arn", "queue_arn", cdk_grant=True),
    "AWS::SNS::Topic": ArnOf("sns", "topic", "Ref", "topic_arn"),
    "AWS::SecretsManager::Secret": ArnOf("secretsmanager", "secret", "Ref", "secret_arn"),
    "AWS::SSM::Parameter": ArnOf("ssm", "parameter", "ssm-parameter", "parameter_arn"),
    "AWS::Kinesis::Stream": ArnOf("kinesis", "stream", "Arn", "stream_arn", cdk_grant=True),
    "AWS::KinesisFirehose::DeliveryStream": ArnOf(
        "firehose", "deliverystream", "Arn", "delivery_stream_arn"
    ),
    "AWS::Lambda::Function": ArnOf("lambda", "function", "Arn", "function_arn"),
    "AWS::StepFunctions::StateMachine": ArnOf(
        "states", "statemachine", "Ref", "state_machine_arn", cdk_grant=True
    ),
    "AWS::Events::EventBus": ArnOf("events", "event-bus", "Arn", "event_bus_arn"),
    "AWS::KMS::Key": ArnOf("kms", "key", "Arn", "key_arn", cdk_grant=True),
    "AWS::Logs::LogGroup": ArnOf("logs", "log-group", "Arn", "log_group_arn"),
}
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class DerivedResource:
    """One resource of a derived statement: ``*``, or a resource of the template (its ARN,
    with ``suffix`` for the part the action acts on: ``/*`` for a bucket's objects)."""

    target: Referenced | None = None
    suffix: str = ""

    @property
    def any(self) -> bool:
        return self.target is None

    def template_value(self) -> Any:
        """The resource as a CloudFormation value (``"*"``, an ``Fn::GetAtt``, an ``Fn::Join``)."""
        if self.target is None:
            return "*"
        arn = ARNS[self.target.type]
        logical_id = self.target.logical_id
        value: Any
        if arn.expression == "Ref":
            value = {"Ref": logical_id}
        elif arn.expression == "Arn":
            value = {"Fn::GetAtt": [logical_id, "Arn"]}
        else:  # an SSM parameter: its ARN from its name, which may start with "/" (as CDK)
            separator = "" if (self.target.name or "").startswith("/") else "/"
            value = {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":ssm:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        f":parameter{separator}",
                        {"Ref": logical_id},
                    ],
                ]
            }
        if not self.suffix:
            return value
        return {"Fn::Join": ["", [value, self.suffix]]}

    def cdk(self) -> str:
        """The resource in CDK Python: ``"*"``, ``orders.table_arn``,
        ``uploads.arn_for_objects("*")``."""
        if self.target is None:
            return '"*"'
        arn = ARNS[self.target.type]
        if self.target.type == "AWS::S3::Bucket" and self.suffix == "/*":
            return f'{self.variable()}.arn_for_objects("*")'
        if self.suffix:
            return f'f"{{{self.variable()}.{arn.cdk_attribute}}}{self.suffix}"'
        return f"{self.variable()}.{arn.cdk_attribute}"

    def variable(self) -> str:
        """A Python name for the resource's construct (``DbSecret`` -> ``db_secret``)."""
        name = self.label().removesuffix(self.suffix)
        snake = re.sub(r"\W+", "_", camel_to_snake(name)).strip("_") or "resource"
        return f"_{snake}" if snake[0].isdigit() else snake

    def label(self) -> str:
        """How a message names it: ``*``, ``Orders``, ``Uploads/*``."""
        if self.target is None:
            return "*"
        return f"{_construct_name(self.target)}{self.suffix}"


@dataclass(frozen=True)
class DerivedStatement:
    """Actions the code needs, on resources."""

    actions: tuple[str, ...]
    resources: tuple[DerivedResource, ...]

    def cdk(self, grantee: str = "fn") -> str:
        """The statement as one line of CDK Python: the construct's ``grant`` when it has one
        and the statement names it alone, else ``add_to_role_policy``. Variables are named after
        the constructs' ids (``Orders`` -> ``orders``)."""
        names = ", ".join(json.dumps(a) for a in self.actions)
        only = self.resources[0] if len(self.resources) == 1 else None
        target = only.target if only is not None and not only.suffix else None
        if only is not None and target is not None and ARNS[target.type].cdk_grant:
            return f"{only.variable()}.grant({grantee}, {names})"
        resources = ", ".join(r.cdk() for r in self.resources)
        return (
            f"{grantee}.add_to_role_policy(iam.PolicyStatement(actions=[{names}], "
            f"resources=[{resources}]))"
        )

    def document(self) -> dict[str, Any]:
        values = [r.template_value() for r in self.resources]
        return {
            "Effect": "Allow",
            "Action": list(self.actions) if len(self.actions) > 1 else self.actions[0],
            "Resource": values if len(values) > 1 else values[0],
        }


@dataclass(frozen=True)
class DerivedPolicy:
    """What a function's code needs (``statements``, from ``analysis``'s calls) and what AWS
    does with its role on its behalf (``service_use``: Lambda's own use, and the customer
    managed keys' actions the services the code calls take with the caller's permissions)."""

    analysis: CodeAnalysis
    statements: tuple[DerivedStatement, ...]
    service_use: tuple[ServiceUse, ...]

    @property
    def complete(self) -> bool:
        return self.analysis.complete

    def actions(self) -> tuple[str, ...]:
        """The actions the code needs, each once."""
        return self.analysis.actions()

    def document(self) -> dict[str, Any]:
        """The code's part as an IAM policy document (template values for the resources)."""
        return {
            "Version": "2012-10-17",
            "Statement": [s.document() for s in self.statements],
        }

    def cdk(self, grantee: str = "fn") -> tuple[str, ...]:
        """The code's part as CDK Python, one line per statement (``DerivedStatement.cdk``)."""
        return tuple(s.cdk(grantee) for s in self.statements)

    def summary(self) -> str:
        """One line: ``dynamodb:PutItem on Orders; s3:GetObject on Uploads/*``."""
        return "; ".join(
            f"{', '.join(s.actions)} on {', '.join(r.label() for r in s.resources)}"
            for s in self.statements
        )


def derive(fn: LambdaFunction, analysis: CodeAnalysis | None = None) -> DerivedPolicy:
    """The derived policy of ``fn`` (``analysis``: its code's analysis, when already made)."""
    analysis = analysis if analysis is not None else analyze_function(fn)
    # action -> its resources (a resource met once is kept once; "*" swallows the others)
    wanted: dict[str, dict[DerivedResource, None]] = {}
    for call in analysis.calls:
        target = call_target(fn, call)
        for action in call.actions:
            resource = resource_for(action, target)
            held = wanted.setdefault(action, {})
            if DerivedResource() in held:
                continue
            if resource.any:
                held.clear()
            held[resource] = None
    grouped: dict[tuple[DerivedResource, ...], list[str]] = {}
    for action, held in wanted.items():
        grouped.setdefault(tuple(sorted(held, key=DerivedResource.label)), []).append(action)
    statements = tuple(
        DerivedStatement(tuple(sorted(names)), resources)
        for resources, names in sorted(grouped.items(), key=lambda item: _order(item[0]))
    )
    uses = service_use(fn)
    if _grants_kms(fn):
        uses = (*uses, *on_callers_behalf(analysis.actions()))
    return DerivedPolicy(analysis, statements, tuple(dict.fromkeys(uses)))


def _grants_kms(fn: LambdaFunction) -> bool:
    """Whether the role may grant key actions (what ``on_callers_behalf`` would count)."""
    role = fn.role
    if role is None:
        return False
    return any(
        isinstance(a, str) and (a.lower().startswith("kms:") or ":" not in a)
        for st in role.statements
        for a in st.actions
    )


def call_target(fn: LambdaFunction, call: SdkCall) -> Referenced | None:
    """The resource of the template the call's environment variable names, if it names one."""
    if call.env is None:
        return None
    targets = referenced_resources(fn.environment.get(call.env))
    return fn.referenced.get(targets.pop()) if len(targets) == 1 else None


def resource_for(action: str, target: Referenced | None) -> DerivedResource:
    """The resource ``action`` needs when the call acts on ``target``: its ARN, the ARN of its
    part the action acts on (a bucket's objects), or ``*`` when the action's resource type is
    not the target's, the action accepts only ``*``, or the target is not known."""
    arn = ARNS.get(target.type) if target is not None else None
    if target is None or arn is None or not action.lower().startswith(f"{arn.service}:"):
        return DerivedResource()
    formats = actions.arn_formats(action)
    parent = actions.resource_arn_format(arn.service, arn.resource_type)
    if not formats or parent is None:
        return DerivedResource()
    if parent in formats:
        return DerivedResource(target)
    for format_ in formats:
        if format_.startswith(f"{parent}/"):
            return DerivedResource(target, _VARIABLE.sub("*", format_[len(parent) :]))
    return DerivedResource(target)  # its ARN covers its parts (a log group's ``:*``)


def _order(resources: tuple[DerivedResource, ...]) -> tuple[int, str]:
    """Statements on named resources first (in the order of their names), ``*`` last."""
    first = resources[0]
    return (1, "") if first.any else (0, first.label())


def _construct_name(target: Referenced) -> str:
    """The construct's id (``OrdersService/Orders/Resource`` -> ``Orders``), else the
    logical id."""
    parts = [p for p in (target.construct_path or "").split("/") if p]
    while parts and parts[-1] in ("Resource", "Default"):
        parts.pop()
    return parts[-1] if len(parts) > 1 else target.logical_id
