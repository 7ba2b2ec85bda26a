"""What the Lambda service does with a function's role on the function's behalf: actions its
code never calls, that the role needs all the same (so a grant of them is used, GR-IAM-15).

Sources: AWS Lambda Developer Guide, "Lambda execution role" (logs), "Visualize Lambda function
invocations using AWS X-Ray" (X-Ray), "Giving Lambda functions access to resources in an Amazon
VPC" (network interfaces), "Lambda event source mappings" / "Using Lambda with Amazon SQS,
Kinesis, DynamoDB" (the reads of each source), "Securing Lambda environment variables" (the
customer managed key), "Dead-letter queues" and "Destinations" (where events go),
"Configuring file system access" (Amazon EFS), "Using Lambda with Amazon MSK / Amazon MQ /
Amazon DocumentDB" (their sources).
"""

from __future__ import annotations

from dataclasses import dataclass

from guardrails.model.facts import LOG_ACTIONS, VPC_ENI_ACTIONS, XRAY_ACTIONS
from guardrails.model.function import LambdaFunction
from guardrails.model.values import Text, Token, literal_str

#: the reads of an event source mapping, by source kind
SOURCE_READS: dict[str, tuple[str, ...]] = {
    # the CDK's SqsEventSource also grants ChangeMessageVisibility and GetQueueUrl
    "sqs": (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
    ),
    "kinesis": (
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
        "kinesis:DescribeStreamConsumer",
    ),
    "dynamodb": (
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    ),
    # Amazon MSK and self-managed Kafka: the cluster, its IAM access, the VPC, its SASL secret
    "kafka": (
        "kafka:DescribeCluster",
        "kafka:DescribeClusterV2",
        "kafka:GetBootstrapBrokers",
        "kafka:ListScramSecrets",
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeGroup",
        "kafka-cluster:AlterGroup",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:DescribeClusterDynamicConfiguration",
        *VPC_ENI_ACTIONS,
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
    ),
    # Amazon MQ: the broker, its credentials secret, the VPC
    "mq": (
        "mq:DescribeBroker",
        "secretsmanager:GetSecretValue",
        *VPC_ENI_ACTIONS,
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ),
    # Amazon DocumentDB change streams: the cluster, its credentials secret, the VPC
    "docdb": (
        "rds:DescribeDBClusters",
        "rds:DescribeDBClusterParameters",
        "rds:DescribeDBSubnetGroups",
        "secretsmanager:GetSecretValue",
        *VPC_ENI_ACTIONS,
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ),
}
#: what Lambda does with the role to mount an Amazon EFS file system for the function
EFS_ACTIONS = (
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
    "elasticfilesystem:DescribeMountTargets",
)
#: the service of a destination that is a resource of the template, by its type
DESTINATION_TYPES = {
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::Lambda::Function": "lambda",
    "AWS::Events::EventBus": "events",
    "AWS::S3::Bucket": "s3",
}
#: what sending a failed event to a destination takes, by the destination's service
DESTINATION_ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:SendMessage",),
    "sns": ("sns:Publish",),
    "lambda": ("lambda:InvokeFunction",),
    "events": ("events:PutEvents",),
    "s3": ("s3:PutObject",),
}


#: the key actions a service calls with the caller's permissions when the resource the caller
#: acts on is encrypted with a customer managed key (CDK's grants on such a resource add them)
KMS_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
#: services that encrypt a resource with a customer managed key on the caller's behalf
#: ("AWS services integrated with AWS KMS", AWS KMS Developer Guide)
KMS_INTEGRATED = frozenset(
    {
        "dynamodb",
        "firehose",
        "kinesis",
        "lambda",
        "logs",
        "s3",
        "secretsmanager",
        "sns",
        "sqs",
        "ssm",
        "states",
    }
)


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
        # a source whose kind cannot be told may be any of them
        reads = (
            SOURCE_READS.get(mapping.source_kind, ())
            if mapping.source_kind
            else tuple(a for kind in SOURCE_READS.values() for a in kind)
        )
        out += [ServiceUse(a, f"the {mapping.source_kind} event source is read") for a in reads]
        if reads:  # an encrypted source is decrypted with the role's permissions
            out.append(ServiceUse("kms:Decrypt", f"the {mapping.source_kind} source's key"))
        if mapping.on_failure_destination is not None:
            out += _destination(fn, mapping.on_failure_destination, "the event source's failures")
    if fn.properties.get("KmsKeyArn") is not None:
        out.append(ServiceUse("kms:Decrypt", "the environment is encrypted with a customer key"))
    dead_letter = fn.properties.get("DeadLetterConfig")
    if isinstance(dead_letter, dict) and dead_letter.get("TargetArn") is not None:
        out += _destination(fn, dead_letter["TargetArn"], "the dead-letter queue")
    for config in fn.event_invoke_configs:
        if config.on_failure_destination is not None:
            out += _destination(fn, config.on_failure_destination, "the on-failure destination")
        if config.on_success_destination is not None:
            out += _destination(fn, config.on_success_destination, "the on-success destination")
    if fn.properties.get("FileSystemConfigs"):
        out += [ServiceUse(a, "Lambda mounts the function's file system") for a in EFS_ACTIONS]
    return tuple(dict.fromkeys(out))


def on_callers_behalf(called: tuple[str, ...]) -> tuple[ServiceUse, ...]:
    """What services do with the role when the code calls them: a call of a service that
    encrypts its resources with a customer managed key (``KMS_INTEGRATED``) uses the key's
    actions (``KMS_ACTIONS``) on the caller's behalf. Which key is not followed: a key grant is
    counted as used whenever the code calls such a service (what is reported unused is surely
    unused)."""
    services = {a.split(":", 1)[0].lower() for a in called}
    if not services & KMS_INTEGRATED:
        return ()
    return tuple(
        ServiceUse(a, "a service the code calls uses the customer managed key") for a in KMS_ACTIONS
    )


def _destination(fn: LambdaFunction, value: object, what: str) -> list[ServiceUse]:
    service = _service_of(fn, value)
    services = [service] if service in DESTINATION_ACTIONS else list(DESTINATION_ACTIONS)
    return [
        ServiceUse(a, f"Lambda sends to {what}") for s in services for a in DESTINATION_ACTIONS[s]
    ]


def _service_of(fn: LambdaFunction, value: object) -> str | None:
    """The service of a destination: the type of the resource of the template it names, or
    its ARN's (a literal, or the literal start of an ``Fn::Join``)."""
    if isinstance(value, Token) and value.resource in fn.referenced:
        return DESTINATION_TYPES.get(fn.referenced[value.resource].type)
    text = literal_str(value)
    if text is None and isinstance(value, Text):
        text = "".join(p for p in value.parts if isinstance(p, str))
    if isinstance(value, Token) or text is None or not text.startswith("arn:"):
        return None
    parts = text.split(":")
    return parts[2] if len(parts) > 2 and parts[2] else None
