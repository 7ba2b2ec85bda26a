"""The graph around one Lambda function, as frozen, typed objects.

Every value inside is already evaluated (see ``values``): a plain literal, a ``Token`` or a
``Text``. Every object that a finding can point at carries a ``Site``: the stack, the resource
and the property path, so rules never rebuild locations by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.model.values import Value


@dataclass(frozen=True)
class Site:
    """Where something lives: a resource of a stack, and a property path inside it."""

    stack: str
    logical_id: str
    construct_path: str | None
    template_path: str
    location: str = "Properties"

    def at(self, *path: str | int) -> Site:
        """The same resource, deeper property path (``site.at("Environment", "Variables")``)."""
        suffix = "/".join(str(p) for p in path)
        return Site(
            self.stack,
            self.logical_id,
            self.construct_path,
            self.template_path,
            f"{self.location}/{suffix}" if suffix else self.location,
        )


@dataclass(frozen=True)
class Statement:
    """One IAM policy statement, with actions and resources as given (wildcards kept)."""

    site: Site
    effect: str
    actions: tuple[Value, ...] = ()
    not_actions: tuple[Value, ...] = ()
    resources: tuple[Value, ...] = ()
    not_resources: tuple[Value, ...] = ()
    principals: Any = None
    conditions: Any = None
    sid: str | None = None

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"


@dataclass(frozen=True)
class ManagedPolicy:
    """A managed policy attached to a role: AWS managed (by name) or customer managed."""

    site: Site
    arn: Value
    #: ``AdministratorAccess``, ``service-role/AWSLambdaBasicExecutionRole``... for AWS managed
    aws_name: str | None = None
    #: logical id of an ``AWS::IAM::ManagedPolicy`` in the same template, when it is one
    logical_id: str | None = None

    @property
    def short_name(self) -> str | None:
        return self.aws_name.rsplit("/", 1)[-1] if self.aws_name else None


@dataclass(frozen=True)
class ExecutionRole:
    """The function's execution role, when it is defined in the template."""

    site: Site
    trust: tuple[Statement, ...] = ()
    managed_policies: tuple[ManagedPolicy, ...] = ()
    #: Every statement reachable by the role: inline policies, ``AWS::IAM::Policy`` and
    #: ``AWS::IAM::ManagedPolicy`` resources of the template attached to it.
    statements: tuple[Statement, ...] = ()
    permissions_boundary: Value = None
    #: logical ids of every function in the template that runs with this role
    functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Permission:
    """An ``AWS::Lambda::Permission`` that lets a principal invoke the function."""

    site: Site
    action: Value
    principal: Value
    source_account: Value = None
    source_arn: Value = None
    principal_org_id: Value = None
    function_url_auth_type: Value = None
    invoked_via_function_url: Value = None

    @property
    def is_function_url(self) -> bool:
        return self.function_url_auth_type is not None or self.invoked_via_function_url is True


@dataclass(frozen=True)
class FunctionUrl:
    site: Site
    auth_type: Value
    cors: Any = None


@dataclass(frozen=True)
class LogGroup:
    site: Site
    name: Value = None
    retention_in_days: Value = None
    kms_key_id: Value = None
    #: "logging_config" (pointed at by LoggingConfig), "by_name" (/aws/lambda/<name>) or
    #: "log_retention" (CDK's log-retention custom resource)
    linked_by: str = "logging_config"


@dataclass(frozen=True)
class VpcPlacement:
    site: Site
    subnet_ids: tuple[Value, ...] = ()
    security_group_ids: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Code:
    """Where the function's code comes from."""

    site: Site
    inline: str | None = None
    s3_key: Value = None
    image_uri: Value = None
    #: the code asset staged in the cloud assembly (directory or zip), when it is one
    asset_path: Path | None = None


@dataclass(frozen=True)
class EventSourceMapping:
    site: Site
    event_source_arn: Value = None
    on_failure_destination: Value = None


@dataclass(frozen=True)
class EventInvokeConfig:
    site: Site
    on_failure_destination: Value = None


@dataclass(frozen=True)
class LambdaFunction:
    """An ``AWS::Lambda::Function`` and everything around it in the assembly."""

    site: Site
    properties: dict[str, Any]
    #: "user" or "framework" (functions the CDK itself creates, see ``framework``)
    owner: str = "user"
    role: ExecutionRole | None = None
    #: the role ARN when the role is not in the template (imported); None otherwise
    role_arn: Value = None
    permissions: tuple[Permission, ...] = ()
    urls: tuple[FunctionUrl, ...] = ()
    log_groups: tuple[LogGroup, ...] = ()
    vpc: VpcPlacement | None = None
    code: Code | None = None
    event_source_mappings: tuple[EventSourceMapping, ...] = ()
    event_invoke_configs: tuple[EventInvokeConfig, ...] = ()
    tags: dict[str, Value] = field(default_factory=dict)
    #: stack environment, when known
    account: str | None = None
    region: str | None = None
    #: template parameters, for ``NoEcho`` checks
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def logical_id(self) -> str:
        return self.site.logical_id

    @property
    def stack(self) -> str:
        return self.site.stack

    @property
    def environment(self) -> dict[str, Value]:
        env = self.properties.get("Environment")
        variables = env.get("Variables") if isinstance(env, dict) else None
        return variables if isinstance(variables, dict) else {}

    @property
    def runtime(self) -> Value:
        return self.properties.get("Runtime")

    @property
    def layers(self) -> tuple[Value, ...]:
        """Layer version ARNs (literal, ``Text`` or a ``Token`` to a layer of the template)."""
        layers = self.properties.get("Layers")
        return tuple(layers) if isinstance(layers, list) else ()

    @property
    def package_type(self) -> str:
        pt = self.properties.get("PackageType")
        return pt if isinstance(pt, str) else "Zip"
