"""What the Lambda service does with a function's role on the function's behalf: actions its
code never calls, that the role needs all the same (so a grant of them is used, GR-IAM-15).

Sources: AWS Lambda Developer Guide, "Lambda execution role" (logs), "Visualize Lambda function
invocations using AWS X-Ray" (X-Ray), "Giving Lambda functions access to resources in an Amazon
VPC" (network interfaces), "Lambda event source mappings" / "Using Lambda with Amazon SQS,
Kinesis, DynamoDB" (the reads of each source), "Securing Lambda environment variables" (the
customer managed key), "Dead-letter queues" and "Destinations" (where failed events go).
"""

from __future__ import annotations

from dataclasses import dataclass

from guardrails.model.facts import VPC_ENI_ACTIONS, XRAY_ACTIONS
from guardrails.model.function import LambdaFunction
from guardrails.model.values import Text, Token, literal_str

#: what Lambda needs to write the function's logs (``CreateLogGroup`` when no group exists)
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
#: the reads of an event source mapping, by source kind
SOURCE_READS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": (
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
    ),
    "dynamodb": (
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    ),
}
#: what sending a failed event to a destination takes, by the destination's service
DESTINATION_ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:SendMessage",),
    "sns": ("sns:Publish",),
    "lambda": ("lambda:InvokeFunction",),
    "events": ("events:PutEvents",),
    "s3": ("s3:PutObject",),
}


@dataclass(frozen=True)
class ServiceUse:
    """An action Lambda takes with the function's role, and why."""

    action: str
    reason: str


def service_use(fn: LambdaFunction) -> tuple[ServiceUse, ...]:
    """The actions Lambda takes with ``fn``'s role (see the module's documentation). A
    destination whose service the template does not tell counts as any of them: what Lambda
    may use is never reported as unused."""
    out = [ServiceUse(a, "Lambda writes the function's logs") for a in LOG_ACTIONS]
    tracing = fn.properties.get("TracingConfig")
    if isinstance(tracing, dict) and tracing.get("Mode") == "Active":
        out += [ServiceUse(a, "active tracing sends traces to X-Ray") for a in XRAY_ACTIONS]
    if fn.vpc is not None:
        out += [ServiceUse(a, "Lambda attaches the function to its VPC") for a in VPC_ENI_ACTIONS]
    for mapping in fn.event_source_mappings:
        reads = SOURCE_READS.get(mapping.source_kind or "", ())
        out += [ServiceUse(a, f"the {mapping.source_kind} event source is read") for a in reads]
        if mapping.on_failure_destination is not None:
            out += _destination(mapping.on_failure_destination, "the event source's failures")
    if fn.properties.get("KmsKeyArn") is not None:
        out.append(ServiceUse("kms:Decrypt", "the environment is encrypted with a customer key"))
    dead_letter = fn.properties.get("DeadLetterConfig")
    if isinstance(dead_letter, dict) and dead_letter.get("TargetArn") is not None:
        out += _destination(dead_letter["TargetArn"], "the dead-letter queue")
    for config in fn.event_invoke_configs:
        if config.on_failure_destination is not None:
            out += _destination(config.on_failure_destination, "the on-failure destination")
    return tuple(dict.fromkeys(out))


def _destination(value: object, what: str) -> list[ServiceUse]:
    service = _service_of(value)
    services = [service] if service in DESTINATION_ACTIONS else list(DESTINATION_ACTIONS)
    return [
        ServiceUse(a, f"Lambda sends to {what}") for s in services for a in DESTINATION_ACTIONS[s]
    ]


def _service_of(value: object) -> str | None:
    """The service of an ARN (a literal, or the literal start of an ``Fn::Join``)."""
    text = literal_str(value)
    if text is None and isinstance(value, Text):
        text = "".join(p for p in value.parts if isinstance(p, str))
    if isinstance(value, Token) or text is None or not text.startswith("arn:"):
        return None
    parts = text.split(":")
    return parts[2] if len(parts) > 2 and parts[2] else None
