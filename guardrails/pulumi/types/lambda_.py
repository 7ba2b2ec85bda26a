"""``aws:lambda/*``: functions and what invokes, configures or signs them."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource, is_secret, plain
from guardrails.pulumi.translator import SECRET, Translator, handles, pascal, tags
from guardrails.pulumi.types.names import (
    FUNCTION,
    FUNCTIONS,
    KEY,
    LOG_GROUP,
    QUEUE,
    ROLE,
    SECURITY_GROUP,
    SUBNET,
    TOPIC,
)


@handles(FUNCTION)
def _function(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    environment = p.get("environment")
    vpc = p.get("vpcConfig")
    t.emit(
        r,
        "AWS::Lambda::Function",
        {
            "FunctionName": t.value(p.get("name")),
            "Runtime": t.value(p.get("runtime")),
            "Handler": t.value(p.get("handler")),
            "Role": t.ref(r, "role", p.get("role"), (ROLE,), "Arn"),
            "Code": _code(t, r, p),
            "PackageType": t.value(p.get("packageType")),
            "Environment": {"Variables": _variables(t, r)} if environment is not None else None,
            "KmsKeyArn": t.ref(r, "kmsKeyArn", p.get("kmsKeyArn"), (KEY,), "Arn"),
            "TracingConfig": pascal(t.value(p.get("tracingConfig"))),
            "LoggingConfig": _logging_config(t, r, p.get("loggingConfig")),
            "DeadLetterConfig": {
                "TargetArn": t.ref(
                    r,
                    "deadLetterConfig",
                    p["deadLetterConfig"].get("targetArn"),
                    (QUEUE, TOPIC),
                    "Arn",
                )
            }
            if isinstance(p.get("deadLetterConfig"), dict)
            else None,
            "VpcConfig": {
                "SubnetIds": t.ref(r, "vpcConfig", vpc.get("subnetIds"), (SUBNET,)),
                "SecurityGroupIds": t.ref(
                    r, "vpcConfig", vpc.get("securityGroupIds"), (SECURITY_GROUP,)
                ),
            }
            if isinstance(vpc, dict)
            else None,
            # Terraform's -1 is "no reservation"
            "ReservedConcurrentExecutions": p.get("reservedConcurrentExecutions")
            if isinstance(p.get("reservedConcurrentExecutions"), (int, float))
            and p["reservedConcurrentExecutions"] >= 0
            else None,
            "Layers": t.ref(
                r, "layers", p.get("layers"), ("aws:lambda/layerVersion:LayerVersion",), "Arn"
            ),
            "CodeSigningConfigArn": t.ref(
                r,
                "codeSigningConfigArn",
                p.get("codeSigningConfigArn"),
                ("aws:lambda/codeSigningConfig:CodeSigningConfig",),
                "CodeSigningConfigArn",
            ),
            "Architectures": t.value(p.get("architectures")),
            "Tags": tags(p.get("tags")),
        },
    )


def _variables(t: Translator, r: PulumiResource) -> dict[str, Any]:
    """The environment: a Pulumi secret as a ``NoEcho`` parameter (``translator.SECRET``),
    any other value linked as a property value is. A secret environment (what the state of a
    function holds once one variable is secret) makes each variable secret; one whose names
    are encrypted too is one variable, ``(secret environment)``."""
    environment: Any = r.properties.get("environment")
    everything = is_secret(environment)
    if everything:
        environment = environment.get("value")
    raw: Any = environment.get("variables") if isinstance(environment, dict) else None
    if is_secret(raw):
        everything, raw = True, raw.get("value")
    if everything and not isinstance(raw, dict):
        t.secret_used = True
        return {SECRET_ENVIRONMENT: dict(SECRET)}
    out: dict[str, Any] = {}
    for name, value in (raw if isinstance(raw, dict) else {}).items():
        if everything or is_secret(value):
            t.secret_used = True
            out[name] = dict(SECRET)
        else:
            out[name] = t.ref(r, "environment", plain(value))
    return out


#: the variable an environment whose names are encrypted stands for
SECRET_ENVIRONMENT = "(secret environment)"


def _code(t: Translator, r: PulumiResource, p: dict[str, Any]) -> dict[str, Any]:
    """``Code``: inline text from an ``AssetArchive`` of text assets (its handler file, or its
    only file), an image URI, an S3 object."""
    code = r.properties.get("code")
    out: dict[str, Any] = {}
    if isinstance(code, dict) and code.get("assets") and isinstance(code["assets"], dict):
        texts = {
            name: a.get("text")
            for name, a in code["assets"].items()
            if isinstance(a, dict) and isinstance(a.get("text"), str)
        }
        handler = p.get("handler")
        module = handler.rsplit(".", 1)[0] if isinstance(handler, str) else ""
        chosen = next((v for k, v in texts.items() if k.rsplit(".", 1)[0] == module), None)
        if chosen is None and len(texts) == 1:
            chosen = next(iter(texts.values()))
        if chosen is not None:
            out["ZipFile"] = chosen
    if p.get("imageUri") is not None:
        out["ImageUri"] = t.value(p.get("imageUri"))
    if p.get("s3Bucket") is not None:
        out["S3Bucket"] = t.value(p.get("s3Bucket"))
        out["S3Key"] = t.value(p.get("s3Key"))
    return out


def _logging_config(t: Translator, r: PulumiResource, config: Any) -> Any:
    if not isinstance(config, dict):
        return None
    return {
        "LogFormat": t.value(config.get("logFormat")),
        "LogGroup": t.ref(r, "loggingConfig", config.get("logGroup"), (LOG_GROUP,)),
        "ApplicationLogLevel": t.value(config.get("applicationLogLevel")),
        "SystemLogLevel": t.value(config.get("systemLogLevel")),
    }


@handles("aws:lambda/permission:Permission")
def _permission(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::Permission",
        {
            "Action": t.value(p.get("action")),
            "FunctionName": t.ref(r, "function", p.get("function"), FUNCTIONS),
            "Principal": t.value(p.get("principal")),
            "SourceArn": t.ref(r, "sourceArn", p.get("sourceArn"), (), "Arn"),
            "SourceAccount": t.value(p.get("sourceAccount")),
            "PrincipalOrgID": t.value(p.get("principalOrgId")),
            "FunctionUrlAuthType": t.value(p.get("functionUrlAuthType")),
            "EventSourceToken": t.value(p.get("eventSourceToken")),
        },
    )


@handles("aws:lambda/functionUrl:FunctionUrl")
def _function_url(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::Url",
        {
            "TargetFunctionArn": t.ref(r, "functionName", p.get("functionName"), FUNCTIONS),
            "AuthType": t.value(p.get("authorizationType")),
            "Qualifier": t.value(p.get("qualifier")),
            "Cors": pascal(t.value(p.get("cors"))),
        },
    )


@handles("aws:lambda/eventSourceMapping:EventSourceMapping")
def _event_source_mapping(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": t.ref(r, "functionName", p.get("functionName"), FUNCTIONS),
            "EventSourceArn": t.ref(r, "eventSourceArn", p.get("eventSourceArn"), (), "Arn"),
            "DestinationConfig": _destinations(t, r, p, "destinationArn"),
            "Topics": t.value(p.get("topics")),
            "SelfManagedEventSource": pascal(t.value(p.get("selfManagedEventSource"))),
        },
    )


@handles("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
def _event_invoke_config(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": t.ref(r, "functionName", p.get("functionName"), FUNCTIONS),
            "Qualifier": t.value(p.get("qualifier")) or "$LATEST",
            "DestinationConfig": _destinations(t, r, p, "destination"),
        },
    )


def _destinations(t: Translator, r: PulumiResource, p: dict[str, Any], key: str) -> Any:
    """``destinationConfig.onFailure.<key>`` / ``onSuccess.<key>`` as a template's
    ``DestinationConfig`` (None when neither is set)."""
    destination = p.get("destinationConfig")
    out = {}
    for pulumi_key, cfn_key in (("onFailure", "OnFailure"), ("onSuccess", "OnSuccess")):
        found = destination.get(pulumi_key) if isinstance(destination, dict) else None
        if isinstance(found, dict):
            target = t.ref(r, "destinationConfig", found.get(key), (), "Arn")
            out[cfn_key] = {"Destination": target}
    return out or None


@handles("aws:lambda/alias:Alias")
def _alias(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::Alias",
        {
            "FunctionName": t.ref(r, "functionName", p.get("functionName"), (FUNCTION,)),
            "Name": t.value(p.get("name")),
            "FunctionVersion": t.value(p.get("functionVersion")),
        },
    )


@handles("aws:lambda/layerVersion:LayerVersion")
def _layer(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::LayerVersion",
        {
            "LayerName": t.value(p.get("layerName")),
            "CompatibleRuntimes": t.value(p.get("compatibleRuntimes")),
        },
    )


@handles("aws:lambda/codeSigningConfig:CodeSigningConfig")
def _code_signing(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    publishers = p.get("allowedPublishers")
    policies = p.get("policies")
    t.emit(
        r,
        "AWS::Lambda::CodeSigningConfig",
        {
            "AllowedPublishers": {
                "SigningProfileVersionArns": t.value(publishers.get("signingProfileVersionArns"))
            }
            if isinstance(publishers, dict)
            else None,
            "CodeSigningPolicies": {
                "UntrustedArtifactOnDeployment": t.value(
                    policies.get("untrustedArtifactOnDeployment")
                )
            }
            if isinstance(policies, dict)
            else None,
        },
    )
