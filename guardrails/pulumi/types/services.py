"""What functions use and what sends them events: keys, queues, topics, secrets, bucket
notifications."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.translator import Translator, document, handles
from guardrails.pulumi.types.names import FUNCTIONS, KEY, QUEUE, TOPIC


@handles(KEY)
def _key(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::KMS::Key", {"EnableKeyRotation": t.value(p.get("enableKeyRotation"))})


@handles(QUEUE)
def _queue(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::SQS::Queue", {"RedrivePolicy": t.value(document(p.get("redrivePolicy")))})


@handles(TOPIC)
def _topic(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::SNS::Topic", {"TopicName": t.value(p.get("name"))})


@handles("aws:secretsmanager/secret:Secret")
def _secret(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::SecretsManager::Secret", {"Name": t.value(p.get("name"))})


@handles("aws:s3/bucketNotification:BucketNotification")
def _bucket_notification(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    functions = p.get("lambdaFunctions")
    t.emit(
        r,
        "Custom::S3BucketNotifications",
        {
            "BucketName": t.ref(r, "bucket", p.get("bucket")),
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    {
                        "LambdaFunctionArn": t.ref(
                            r, "lambdaFunctions", f.get("lambdaFunctionArn"), FUNCTIONS, "Arn"
                        ),
                        "Events": t.value(f.get("events")),
                    }
                    for f in functions
                    if isinstance(f, dict)
                ]
            }
            if isinstance(functions, list)
            else None,
        },
    )
