"""``pulumi_aws_native``: CloudFormation resources, camel-cased."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.translator import USER_KEYS, Translator, handles, pascal


@handles("aws-native:")
def _native(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    """``aws-native:lambda:Function`` is ``AWS::Lambda::Function``: its properties are the
    template's, camel-cased; values that designate other resources are linked as above."""
    _, service, kind = [*r.type.split(":"), "", ""][:3]
    if not service or not kind:
        return
    service_name = _NATIVE_SERVICES.get(service, service[:1].upper() + service[1:])
    cfn_type = f"AWS::{service_name}::{kind}"
    properties = {
        key[:1].upper() + key[1:]: pascal(
            t.ref(
                r, key, value, (), "Arn" if key.lower().endswith("arn") or key == "role" else None
            ),
            keep_keys=key in USER_KEYS,
        )
        for key, value in p.items()
    }
    if isinstance(properties.get("Environment"), dict):
        env = properties["Environment"]
        if isinstance(env.get("Variables"), dict):
            env["Variables"] = dict(p["environment"]["variables"])
    if isinstance(properties.get("Tags"), list):
        properties["Tags"] = [pascal(tag) for tag in properties["Tags"]]
    t.emit(r, cfn_type, properties)


#: services whose CloudFormation names are not the capitalized token
_NATIVE_SERVICES = {
    "iam": "IAM",
    "ec2": "EC2",
    "sqs": "SQS",
    "sns": "SNS",
    "kms": "KMS",
    "apigateway": "ApiGateway",
    "apigatewayv2": "ApiGatewayV2",
    "cloudwatch": "CloudWatch",
    "secretsmanager": "SecretsManager",
    "wafv2": "WAFv2",
    "s3": "S3",
}
