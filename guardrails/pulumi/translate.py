"""Pulumi resources as the CloudFormation template the model reads, so every rule runs on a
Pulumi stack unchanged.

``pulumi_aws`` resources (Terraform-shaped: ``aws:lambda/function:Function`` with ``role``,
``environment.variables``...) are translated type by type into the CloudFormation resource
that holds the same settings (``AWS::Lambda::Function`` with ``Role``,
``Environment.Variables``...); ``pulumi_aws_native`` resources are CloudFormation already, their
property names camel-cased: they are mapped mechanically. Types that no rule reads are left
out.

**Links.** A CloudFormation template says which resource a value comes from (``Ref``,
``Fn::GetAtt``); Pulumi hands over values. A value becomes a reference to the resource it
designates when
- it is known and equal to another resource's ARN, id or name (a deployed stack, an update),
  or contains another resource's ARN (an API Gateway integration URI); or
- it is unknown (a preview), or matches no resource, and its property depends on exactly one
  resource of the kind the property names (``propertyDependencies``: ``role`` of a function on
  the ``Role``). A list of unknown values (``subnetIds``) takes the property's dependencies of
  the expected kind, in order, when there are as many.
Any other unknown value is a deploy-time value the template cannot know (a parameter
reference): the rules stay silent on it, as on a token in a CDK template.

Also decided here, where the rules would otherwise not see a link: a log group whose name is
unknown and depends on exactly one function (``name=fn.name.apply(lambda n:
f"/aws/lambda/{n}")``, the usual way to give a function its group) is that function's
``/aws/lambda/<name>`` group.

**Places.** Each resource gets a logical id from its name (alphanumeric; a short hash of its
URN is added when two names would collide) and its URN as construct path. Resources that
CloudFormation writes inside another one (a ``RolePolicyAttachment`` of a managed policy, an
``Integration`` of a method, a ``SecurityGroupRule``) are merged there; ``origins`` keeps, for
each such place, the URN of the resource it came from, so a finding there points at it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from guardrails.pulumi.resources import (
    ARCHIVE_SIGNATURE,
    ASSET_SIGNATURE,
    PulumiResource,
    is_unknown,
    plain,
    secret_values,
    signature,
)

#: the template parameter an unknown value becomes (a deploy-time value)
UNKNOWN_PARAMETER = "PulumiUnknownValue"
_UNKNOWN = {"Ref": UNKNOWN_PARAMETER}
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class Translation:
    """The template, and the way back from its places to the Pulumi resources."""

    template: dict[str, Any]
    #: logical id -> URN
    urns: dict[str, str]
    #: (logical id, location prefix) -> URN of the resource merged there
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    #: the strings held in Pulumi secrets: never shown, not even masked
    secrets: frozenset[str] = frozenset()
    #: Pulumi types of the stack that no rule reads (left out of the template)
    skipped: tuple[str, ...] = ()

    def urn_of(self, logical_id: str, location: str = "") -> str | None:
        """The URN of the resource a finding at ``logical_id`` / ``location`` is about."""
        for (lid, prefix), urn in self.origins.items():
            if lid == logical_id and (location == prefix or location.startswith(prefix + "/")):
                return urn
        return self.urns.get(logical_id)


def translate(resources: Iterable[PulumiResource]) -> Translation:
    """The template of a Pulumi stack's resources (see the module's documentation)."""
    return _Translator(list(resources)).run()


class _Translator:
    def __init__(self, resources: list[PulumiResource]) -> None:
        self.resources = resources
        self.by_urn = {r.urn: r for r in resources}
        self.ids: dict[str, str] = {}  # urn -> logical id
        taken: set[str] = {UNKNOWN_PARAMETER}
        for r in resources:
            if _translator_of(r.type) is None:
                continue
            base = _NOT_ALPHANUMERIC.sub("", r.name.title()) or "Resource"
            logical_id = base
            if logical_id in taken:
                logical_id = base + hashlib.sha256(r.urn.encode()).hexdigest()[:8].upper()
            taken.add(logical_id)
            self.ids[r.urn] = logical_id
        self.props = {r.urn: plain(dict(r.properties)) for r in resources}
        #: known ARN / id / name -> (logical id, how a template writes a reference to it)
        self.by_value: dict[str, dict[str, Any]] = {}
        self.arns: list[tuple[str, str]] = []  # (ARN, logical id), longest first
        for r in resources:
            known_id = self.ids.get(r.urn)
            if known_id is None:
                continue
            logical_id = known_id
            props = self.props[r.urn]
            arn = props.get("arn")
            if isinstance(arn, str) and arn and not is_unknown(arn):
                self.by_value.setdefault(arn, {"Fn::GetAtt": [logical_id, "Arn"]})
                self.arns.append((arn, logical_id))
            for key in ("id", "name"):
                value = props.get(key) if key == "name" else r.id
                if isinstance(value, str) and value and not is_unknown(value):
                    self.by_value.setdefault(value, {"Ref": logical_id})
        self.arns.sort(key=lambda item: -len(item[0]))
        self.out: dict[str, dict[str, Any]] = {}
        self.origins: dict[tuple[str, str], str] = {}
        self.unknown_used = False

    def run(self) -> Translation:
        skipped: dict[str, None] = {}
        for r in self.resources:
            handler = _translator_of(r.type)
            if handler is None:
                if r.type.startswith(("aws:", "aws-native:")):
                    skipped[r.type] = None
                continue
            handler(self, r, self.props[r.urn])
        for r in self.resources:  # what merges into resources translated above
            merge = _MERGES.get(r.type)
            if merge is not None:
                merge(self, r, self.props[r.urn])
        template: dict[str, Any] = {"Resources": self.out}
        if self.unknown_used:
            template["Parameters"] = {UNKNOWN_PARAMETER: {"Type": "String"}}
        secrets = frozenset(s for r in self.resources for s in secret_values(r.properties) if s)
        return Translation(
            template=template,
            urns={self.ids[urn]: urn for urn in self.ids if self.ids[urn] in self.out},
            origins=dict(self.origins),
            secrets=secrets,
            skipped=tuple(skipped),
        )

    # -- writing -----------------------------------------------------------------------------
    def emit(self, r: PulumiResource, cfn_type: str, properties: Mapping[str, Any]) -> str:
        logical_id = self.ids[r.urn]
        self.out[logical_id] = {
            "Type": cfn_type,
            "Properties": {k: v for k, v in properties.items() if v is not None},
        }
        return logical_id

    def resource_of(self, urn: str) -> dict[str, Any] | None:
        logical_id = self.ids.get(urn)
        return self.out.get(logical_id) if logical_id else None

    # -- values ------------------------------------------------------------------------------
    def value(self, v: Any) -> Any:
        """A value with no reference to decide: unknowns become the deploy-time parameter,
        assets and archives are dropped (``code`` reads them)."""
        if is_unknown(v):
            self.unknown_used = True
            return dict(_UNKNOWN)
        if isinstance(v, dict):
            if signature(v) in (ASSET_SIGNATURE, ARCHIVE_SIGNATURE):
                return None
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        return v

    def ref(
        self,
        r: PulumiResource,
        prop: str,
        v: Any,
        kinds: tuple[str, ...] = (),
        attr: str | None = None,
    ) -> Any:
        """A value that may designate another resource (see the module's documentation):
        ``kinds``, the Pulumi types it may designate; ``attr``, the attribute a template names
        for it (``Arn``; None: a ``Ref``)."""
        if isinstance(v, list):
            unknown_at = [i for i, x in enumerate(v) if is_unknown(x)]
            deps = self._dependencies(r, prop, kinds)
            out = [self.ref(r, prop, x, kinds, attr) for x in v]
            if unknown_at and len(deps) == len(unknown_at):
                for i, dep in zip(unknown_at, deps, strict=True):
                    out[i] = self._token(dep, attr)
            return out
        if isinstance(v, str) and v in self.by_value:
            return dict(self.by_value[v])
        if isinstance(v, str):  # unknown, or a value no resource has: its one dependency
            deps = self._dependencies(r, prop, kinds) if kinds or is_unknown(v) else []
            if len(deps) == 1:
                return self._token(deps[0], attr)
            if not is_unknown(v):
                return self._with_arns(v)
        return self.value(v)

    def _dependencies(self, r: PulumiResource, prop: str, kinds: tuple[str, ...]) -> list[str]:
        """The translated resources ``prop`` of ``r`` depends on, of the ``kinds`` given."""
        urns = r.property_dependencies.get(prop, ())
        return [
            self.ids[u]
            for u in urns
            if u in self.ids and (not kinds or self.by_urn[u].type in kinds)
        ]

    @staticmethod
    def _token(logical_id: str, attr: str | None) -> dict[str, Any]:
        return {"Fn::GetAtt": [logical_id, attr]} if attr else {"Ref": logical_id}

    def _with_arns(self, text: str) -> Any:
        """A known text that contains other resources' ARNs, as an ``Fn::Join`` naming them."""
        for arn, logical_id in self.arns:
            if len(arn) >= 20 and arn in text:
                before, _, after = text.partition(arn)
                parts: list[Any] = [before, {"Fn::GetAtt": [logical_id, "Arn"]}]
                rest = self._with_arns(after) if after else ""
                if isinstance(rest, dict) and "Fn::Join" in rest:
                    parts.extend(rest["Fn::Join"][1])
                elif rest:
                    parts.append(rest)
                return {"Fn::Join": ["", [p for p in parts if p != ""]]}
        return text


# -- the types -------------------------------------------------------------------------------
_Handler = Callable[[_Translator, PulumiResource, dict[str, Any]], None]
_TYPES: dict[str, _Handler] = {}
_MERGES: dict[str, _Handler] = {}

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
MANAGED_POLICY = "aws:iam/policy:Policy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
REST_API = "aws:apigateway/restApi:RestApi"
REST_RESOURCE = "aws:apigateway/resource:Resource"
REST_METHOD = "aws:apigateway/method:Method"
HTTP_API = "aws:apigatewayv2/api:Api"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
FUNCTIONS = (FUNCTION, "aws:lambda/alias:Alias")


def _type(*tokens: str) -> Callable[[_Handler], _Handler]:
    def register(fn: _Handler) -> _Handler:
        for token in tokens:
            _TYPES[token] = fn
        return fn

    return register


def _merge(token: str) -> Callable[[_Handler], _Handler]:
    def register(fn: _Handler) -> _Handler:
        _MERGES[token] = fn
        return fn

    return register


def _translator_of(token: str) -> _Handler | None:
    if token in _TYPES or token in _MERGES:
        return _TYPES.get(token, _noop)
    if token.startswith("aws-native:"):
        return _native
    return None


def _noop(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    """A type merged into another resource: nothing of its own in the template."""


def _tags(value: Any) -> Any:
    """Pulumi's ``tags`` mapping as CloudFormation's list of ``Key`` / ``Value``."""
    if isinstance(value, dict):
        return [{"Key": k, "Value": v} for k, v in value.items()]
    return None


def _document(value: Any) -> Any:
    """An IAM policy document: Pulumi takes it as JSON text (``json.dumps(...)``), a template
    as an object. A text that is not JSON stays as it is (the rules cannot read it)."""
    if isinstance(value, str) and not is_unknown(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _pascal(value: Any, *, keep_keys: bool = False) -> Any:
    """camelCase keys as CloudFormation's PascalCase, recursively (``keep_keys``: a map whose
    keys are the user's, such as environment variables)."""
    if isinstance(value, dict):
        return {
            (k if keep_keys else k[:1].upper() + k[1:]): _pascal(v, keep_keys=k in _USER_KEYS)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


#: properties whose keys are the user's, not a schema's
_USER_KEYS = frozenset({"variables", "Variables", "tags"})


@_type(FUNCTION)
def _function(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    environment = p.get("environment")
    variables = environment.get("variables") if isinstance(environment, dict) else None
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
            "Environment": {"Variables": t.ref(r, "environment", variables)}
            if isinstance(variables, dict)
            else None,
            "KmsKeyArn": t.ref(r, "kmsKeyArn", p.get("kmsKeyArn"), (KEY,), "Arn"),
            "TracingConfig": _pascal(t.value(p.get("tracingConfig"))),
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
            "Tags": _tags(p.get("tags")),
        },
    )


def _code(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> dict[str, Any]:
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


def _logging_config(t: _Translator, r: PulumiResource, config: Any) -> Any:
    if not isinstance(config, dict):
        return None
    return {
        "LogFormat": t.value(config.get("logFormat")),
        "LogGroup": t.ref(r, "loggingConfig", config.get("logGroup"), (LOG_GROUP,)),
        "ApplicationLogLevel": t.value(config.get("applicationLogLevel")),
        "SystemLogLevel": t.value(config.get("systemLogLevel")),
    }


@_type(ROLE)
def _role(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    inline = p.get("inlinePolicies")
    t.emit(
        r,
        "AWS::IAM::Role",
        {
            "RoleName": t.value(p.get("name")),
            "AssumeRolePolicyDocument": t.value(_document(p.get("assumeRolePolicy"))),
            "ManagedPolicyArns": t.ref(
                r, "managedPolicyArns", p.get("managedPolicyArns"), (MANAGED_POLICY,)
            )
            or None,
            "Policies": [
                {
                    "PolicyName": t.value(i.get("name")),
                    "PolicyDocument": t.value(_document(i.get("policy"))),
                }
                for i in inline
                if isinstance(i, dict) and i.get("policy")
            ]
            if isinstance(inline, list)
            else None,
            "PermissionsBoundary": t.ref(
                r, "permissionsBoundary", p.get("permissionsBoundary"), (MANAGED_POLICY,)
            )
            if p.get("permissionsBoundary")
            else None,
            "Tags": _tags(p.get("tags")),
        },
    )


@_type("aws:iam/rolePolicy:RolePolicy")
def _role_policy(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::IAM::Policy",
        {
            "PolicyName": t.value(p.get("name")) or r.name,
            "PolicyDocument": t.value(_document(p.get("policy"))),
            "Roles": [t.ref(r, "role", p.get("role"), (ROLE,))],
        },
    )


@_type(MANAGED_POLICY)
def _managed_policy(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::IAM::ManagedPolicy",
        {
            "ManagedPolicyName": t.value(p.get("name")),
            "PolicyDocument": t.value(_document(p.get("policy"))),
        },
    )


@_merge("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _role_policy_attachment(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    role = t.ref(r, "role", p.get("role"), (ROLE,))
    _attach(t, r, p, [role])


@_merge("aws:iam/policyAttachment:PolicyAttachment")
def _policy_attachment(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    roles = t.ref(r, "roles", p.get("roles"), (ROLE,))
    _attach(t, r, p, roles if isinstance(roles, list) else [])


def _attach(t: _Translator, r: PulumiResource, p: dict[str, Any], roles: list[Any]) -> None:
    """A managed policy attached to roles: on each role's ``ManagedPolicyArns``, where the
    rules read it; a finding there points at the attachment."""
    arn = t.ref(r, "policyArn", p.get("policyArn"), (MANAGED_POLICY,))
    for role in roles:
        target = t.out.get(role.get("Ref", "")) if isinstance(role, dict) else None
        if target is None or target["Type"] != "AWS::IAM::Role":
            continue
        arns = target["Properties"].setdefault("ManagedPolicyArns", [])
        t.origins[(role["Ref"], f"Properties/ManagedPolicyArns/{len(arns)}")] = r.urn
        arns.append(arn)


@_type("aws:lambda/permission:Permission")
def _permission(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
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


@_type("aws:lambda/functionUrl:FunctionUrl")
def _function_url(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::Url",
        {
            "TargetFunctionArn": t.ref(r, "functionName", p.get("functionName"), FUNCTIONS),
            "AuthType": t.value(p.get("authorizationType")),
            "Qualifier": t.value(p.get("qualifier")),
            "Cors": _pascal(t.value(p.get("cors"))),
        },
    )


@_type("aws:lambda/eventSourceMapping:EventSourceMapping")
def _event_source_mapping(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    destination = p.get("destinationConfig")
    on_failure = destination.get("onFailure") if isinstance(destination, dict) else None
    t.emit(
        r,
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": t.ref(r, "functionName", p.get("functionName"), FUNCTIONS),
            "EventSourceArn": t.ref(r, "eventSourceArn", p.get("eventSourceArn"), (), "Arn"),
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": t.ref(
                        r, "destinationConfig", on_failure.get("destinationArn"), (), "Arn"
                    )
                }
            }
            if isinstance(on_failure, dict)
            else None,
            "Topics": t.value(p.get("topics")),
            "SelfManagedEventSource": _pascal(t.value(p.get("selfManagedEventSource"))),
        },
    )


@_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
def _event_invoke_config(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    destination = p.get("destinationConfig")
    on_failure = destination.get("onFailure") if isinstance(destination, dict) else None
    t.emit(
        r,
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": t.ref(r, "functionName", p.get("functionName"), FUNCTIONS),
            "Qualifier": t.value(p.get("qualifier")) or "$LATEST",
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": t.ref(
                        r, "destinationConfig", on_failure.get("destination"), (), "Arn"
                    )
                }
            }
            if isinstance(on_failure, dict)
            else None,
        },
    )


@_type("aws:lambda/alias:Alias")
def _alias(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::Alias",
        {
            "FunctionName": t.ref(r, "functionName", p.get("functionName"), (FUNCTION,)),
            "Name": t.value(p.get("name")),
            "FunctionVersion": t.value(p.get("functionVersion")),
        },
    )


@_type("aws:lambda/layerVersion:LayerVersion")
def _layer(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::Lambda::LayerVersion",
        {
            "LayerName": t.value(p.get("layerName")),
            "CompatibleRuntimes": t.value(p.get("compatibleRuntimes")),
        },
    )


@_type("aws:lambda/codeSigningConfig:CodeSigningConfig")
def _code_signing(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
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


@_type(LOG_GROUP)
def _log_group(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    name = p.get("name")
    if is_unknown(name):
        functions = t._dependencies(r, "name", (FUNCTION,))
        others = [u for u in r.property_dependencies.get("name", ()) if u in t.ids]
        if len(functions) == 1 and len(others) == 1:  # /aws/lambda/<the function's name>
            name = {"Fn::Join": ["", ["/aws/lambda/", {"Ref": functions[0]}]]}
    t.emit(
        r,
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": t.value(name),
            "RetentionInDays": p.get("retentionInDays") or None,
            "KmsKeyId": t.ref(r, "kmsKeyId", p.get("kmsKeyId"), (KEY,), "Arn"),
        },
    )


@_type("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    dimensions = p.get("dimensions")
    t.emit(
        r,
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": t.value(p.get("metricName")),
            "Namespace": t.value(p.get("namespace")),
            "Dimensions": [
                {"Name": k, "Value": t.ref(r, "dimensions", v, FUNCTIONS)}
                for k, v in dimensions.items()
            ]
            if isinstance(dimensions, dict)
            else None,
            "AlarmActions": t.ref(r, "alarmActions", p.get("alarmActions"), (), "Arn"),
        },
    )


# -- API Gateway -----------------------------------------------------------------------------
@_type(REST_API)
def _rest_api(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::ApiGateway::RestApi", {"Name": t.value(p.get("name"))})


@_type(REST_RESOURCE)
def _rest_resource(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::Resource",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "ParentId": t.ref(r, "parentId", p.get("parentId"), (REST_RESOURCE,)),
            "PathPart": t.value(p.get("pathPart")),
        },
    )


@_type(REST_METHOD)
def _rest_method(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::Method",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "ResourceId": t.ref(r, "resourceId", p.get("resourceId"), (REST_RESOURCE,)),
            "HttpMethod": t.value(p.get("httpMethod")),
            "AuthorizationType": t.value(p.get("authorization")),
            "AuthorizerId": t.ref(r, "authorizerId", p.get("authorizerId")),
            "ApiKeyRequired": t.value(p.get("apiKeyRequired")),
            "RequestValidatorId": t.ref(r, "requestValidatorId", p.get("requestValidatorId")),
            "RequestModels": t.value(p.get("requestModels")),
        },
    )


@_merge("aws:apigateway/integration:Integration")
def _rest_integration(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    """An integration is part of its method in a template (``Integration``)."""
    method = next(
        (
            m
            for m in t.resources
            if m.type == REST_METHOD
            and t.props[m.urn].get("restApi") == p.get("restApi")
            and t.props[m.urn].get("resourceId") == p.get("resourceId")
            and t.props[m.urn].get("httpMethod") == p.get("httpMethod")
        ),
        None,
    )
    target = t.resource_of(method.urn) if method else None
    if method is None or target is None:
        return
    target["Properties"]["Integration"] = {
        "Type": t.value(p.get("type")),
        "IntegrationHttpMethod": t.value(p.get("integrationHttpMethod")),
        "Uri": _integration_uri(t, r, p.get("uri")),
    }
    t.origins[(t.ids[method.urn], "Properties/Integration")] = r.urn


def _integration_uri(t: _Translator, r: PulumiResource, uri: Any) -> Any:
    """An integration URI: known, with the function's ARN inside; unknown, built from the one
    function it depends on (``fn.invoke_arn``)."""
    if is_unknown(uri):
        functions = t._dependencies(r, "uri", FUNCTIONS)
        if len(functions) == 1:
            return {
                "Fn::Join": [
                    "",
                    [
                        "arn:aws:apigateway:",
                        {"Ref": "AWS::Region"},
                        ":lambda:path/2015-03-31/functions/",
                        {"Fn::GetAtt": [functions[0], "Arn"]},
                        "/invocations",
                    ],
                ]
            }
    return t.ref(r, "uri", uri, FUNCTIONS, "Arn")


@_type("aws:apigateway/stage:Stage")
def _rest_stage(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::Stage",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "StageName": t.value(p.get("stageName")),
            "TracingEnabled": t.value(p.get("xrayTracingEnabled")),
        },
    )


@_type("aws:apigateway/requestValidator:RequestValidator")
def _request_validator(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::RequestValidator",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "ValidateRequestBody": t.value(p.get("validateRequestBody")),
            "ValidateRequestParameters": t.value(p.get("validateRequestParameters")),
        },
    )


@_type("aws:wafv2/webAclAssociation:WebAclAssociation")
def _waf_association(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::WAFv2::WebACLAssociation",
        {
            "ResourceArn": t.ref(r, "resourceArn", p.get("resourceArn"), (), "Arn"),
            "WebACLArn": t.ref(r, "webAclArn", p.get("webAclArn"), (), "Arn"),
        },
    )


@_type(HTTP_API)
def _http_api(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Api",
        {
            "Name": t.value(p.get("name")),
            "ProtocolType": t.value(p.get("protocolType")),
            "Target": t.ref(r, "target", p.get("target"), FUNCTIONS, "Arn"),
        },
    )


@_type("aws:apigatewayv2/route:Route")
def _http_route(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Route",
        {
            "ApiId": t.ref(r, "apiId", p.get("apiId"), (HTTP_API,)),
            "RouteKey": t.value(p.get("routeKey")),
            "AuthorizationType": t.value(p.get("authorizationType")),
            "AuthorizerId": t.ref(r, "authorizerId", p.get("authorizerId")),
            "Target": _route_target(t, r, p.get("target")),
        },
    )


def _route_target(t: _Translator, r: PulumiResource, target: Any) -> Any:
    """``integrations/<id>``: a reference to the integration, as a template writes it."""
    deps = t._dependencies(r, "target", ("aws:apigatewayv2/integration:Integration",))
    if len(deps) == 1 and (is_unknown(target) or isinstance(target, str)):
        return {"Fn::Join": ["", ["integrations/", {"Ref": deps[0]}]]}
    return t.ref(r, "target", target)


@_type("aws:apigatewayv2/integration:Integration")
def _http_integration(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Integration",
        {
            "ApiId": t.ref(r, "apiId", p.get("apiId"), (HTTP_API,)),
            "IntegrationType": t.value(p.get("integrationType")),
            "IntegrationUri": t.ref(r, "integrationUri", p.get("integrationUri"), FUNCTIONS, "Arn"),
        },
    )


@_type("aws:apigatewayv2/authorizer:Authorizer")
def _http_authorizer(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Authorizer",
        {
            "ApiId": t.ref(r, "apiId", p.get("apiId"), (HTTP_API,)),
            "AuthorizerType": t.value(p.get("authorizerType")),
        },
    )


# -- network ---------------------------------------------------------------------------------
@_type(VPC)
def _vpc(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::EC2::VPC", {"CidrBlock": t.value(p.get("cidrBlock"))})


@_type(SUBNET)
def _subnet(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::Subnet",
        {
            "VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,)),
            "AvailabilityZone": t.value(p.get("availabilityZone")),
            "CidrBlock": t.value(p.get("cidrBlock")),
            "MapPublicIpOnLaunch": t.value(p.get("mapPublicIpOnLaunch")),
        },
    )


@_type("aws:ec2/routeTable:RouteTable")
def _route_table(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::EC2::RouteTable", {"VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,))})
    for i, route in enumerate(p.get("routes") or []):
        if isinstance(route, dict):
            t.out[f"{t.ids[r.urn]}Route{i}"] = {
                "Type": "AWS::EC2::Route",
                "Properties": {
                    "RouteTableId": {"Ref": t.ids[r.urn]},
                    "DestinationCidrBlock": t.value(route.get("cidrBlock")),
                    "GatewayId": t.ref(r, "routes", route.get("gatewayId")),
                    "NatGatewayId": t.ref(r, "routes", route.get("natGatewayId")),
                },
            }


@_type("aws:ec2/route:Route")
def _route(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::Route",
        {
            "RouteTableId": t.ref(
                r, "routeTableId", p.get("routeTableId"), ("aws:ec2/routeTable:RouteTable",)
            ),
            "DestinationCidrBlock": t.value(p.get("destinationCidrBlock")),
            "GatewayId": t.ref(r, "gatewayId", p.get("gatewayId")),
            "NatGatewayId": t.ref(r, "natGatewayId", p.get("natGatewayId")),
        },
    )


@_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
def _route_table_association(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::SubnetRouteTableAssociation",
        {
            "RouteTableId": t.ref(
                r, "routeTableId", p.get("routeTableId"), ("aws:ec2/routeTable:RouteTable",)
            ),
            "SubnetId": t.ref(r, "subnetId", p.get("subnetId"), (SUBNET,)),
        },
    )


@_type("aws:ec2/internetGateway:InternetGateway")
def _internet_gateway(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::EC2::InternetGateway", {})


@_type("aws:ec2/natGateway:NatGateway")
def _nat_gateway(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r, "AWS::EC2::NatGateway", {"SubnetId": t.ref(r, "subnetId", p.get("subnetId"), (SUBNET,))}
    )


@_type(SECURITY_GROUP)
def _security_group(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    egress = p.get("egress")
    t.emit(
        r,
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": t.value(p.get("description")) or r.name,
            "VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,)),
            "SecurityGroupEgress": [_rule(t, r, "egress", e) for e in egress if isinstance(e, dict)]
            if isinstance(egress, list)
            else None,
        },
    )


def _rule(t: _Translator, r: PulumiResource, prop: str, rule: dict[str, Any]) -> dict[str, Any]:
    """A security group rule of Pulumi's (``protocol``, ``fromPort``, ``cidrBlocks``...) as a
    template writes it (``IpProtocol``, ``FromPort``, ``CidrIp``; one CIDR a rule)."""
    cidrs = rule.get("cidrBlocks") or []
    out = {
        "IpProtocol": "-1" if str(rule.get("protocol")) in ("-1", "all") else rule.get("protocol"),
        "FromPort": rule.get("fromPort"),
        "ToPort": rule.get("toPort"),
        "CidrIp": cidrs[0] if isinstance(cidrs, list) and cidrs else rule.get("cidrIpv4"),
        "CidrIpv6": (rule.get("ipv6CidrBlocks") or [None])[0] or rule.get("cidrIpv6"),
        "DestinationSecurityGroupId": t.ref(r, prop, (rule.get("securityGroups") or [None])[0])
        or t.ref(r, prop, rule.get("referencedSecurityGroupId")),
        "DestinationPrefixListId": (rule.get("prefixListIds") or [None])[0]
        or rule.get("prefixListId"),
    }
    return {k: t.value(v) for k, v in out.items() if v is not None}


@_merge("aws:ec2/securityGroupRule:SecurityGroupRule")
def _security_group_rule(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    if p.get("type") == "egress":
        _egress_rule(t, r, p, "securityGroupId")


@_merge("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def _security_group_egress_rule(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    p = {**p, "protocol": p.get("ipProtocol")}
    _egress_rule(t, r, p, "securityGroupId")


def _egress_rule(t: _Translator, r: PulumiResource, p: dict[str, Any], group_prop: str) -> None:
    """A rule of its own, on its group's ``SecurityGroupEgress`` (where a template that CDK
    writes has it too); a finding there points at the rule."""
    group = t.ref(r, group_prop, p.get(group_prop), (SECURITY_GROUP,))
    target = t.out.get(group.get("Ref", "")) if isinstance(group, dict) else None
    if target is None or target["Type"] != "AWS::EC2::SecurityGroup":
        return
    rules = target["Properties"].setdefault("SecurityGroupEgress", [])
    t.origins[(group["Ref"], f"Properties/SecurityGroupEgress/{len(rules)}")] = r.urn
    rules.append(_rule(t, r, group_prop, p))


@_type("aws:ec2/vpcEndpoint:VpcEndpoint")
def _vpc_endpoint(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::VPCEndpoint",
        {
            "VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,)),
            "ServiceName": t.value(p.get("serviceName")),
            "VpcEndpointType": t.value(p.get("vpcEndpointType")),
            "SubnetIds": t.ref(r, "subnetIds", p.get("subnetIds"), (SUBNET,)),
        },
    )


# -- what functions use ----------------------------------------------------------------------
@_type(KEY)
def _key(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::KMS::Key", {"EnableKeyRotation": t.value(p.get("enableKeyRotation"))})


@_type(QUEUE)
def _queue(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::SQS::Queue", {"RedrivePolicy": t.value(_document(p.get("redrivePolicy")))})


@_type(TOPIC)
def _topic(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::SNS::Topic", {"TopicName": t.value(p.get("name"))})


@_type("aws:secretsmanager/secret:Secret")
def _secret(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::SecretsManager::Secret", {"Name": t.value(p.get("name"))})


@_type("aws:s3/bucketNotification:BucketNotification")
def _bucket_notification(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
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


def _native(t: _Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    """``aws-native:lambda:Function`` is ``AWS::Lambda::Function``: its properties are the
    template's, camel-cased; values that designate other resources are linked as above."""
    _, service, kind = [*r.type.split(":"), "", ""][:3]
    if not service or not kind:
        return
    service_name = _NATIVE_SERVICES.get(service, service[:1].upper() + service[1:])
    cfn_type = f"AWS::{service_name}::{kind}"
    properties = {
        key[:1].upper() + key[1:]: _pascal(
            t.ref(r, key, value, (), "Arn" if key.lower().endswith("arn") else None),
            keep_keys=key in _USER_KEYS,
        )
        for key, value in p.items()
    }
    if isinstance(properties.get("Environment"), dict):
        env = properties["Environment"]
        if isinstance(env.get("Variables"), dict):
            env["Variables"] = dict(p["environment"]["variables"])
    if isinstance(properties.get("Tags"), list):
        properties["Tags"] = [_pascal(tag) for tag in properties["Tags"]]
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
