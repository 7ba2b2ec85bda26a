"""The graph around one Lambda function, as frozen, typed objects.

Every value inside is already evaluated (see ``values``): a plain literal, a ``Token`` or a
``Text``. Every object that a finding can point at carries a ``Site``: the stack, the resource
and the property path, so rules never rebuild locations by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.model.front_doors import HttpRoute, RestMethod
from guardrails.model.site import Site
from guardrails.model.values import Value
from guardrails.model.vpc import NetworkPlacement


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ExecutionRole:
    """The function's execution role, when it is defined in the template."""

    site: Site
    trust: tuple[Statement, ...] = ()
    managed_policies: tuple[ManagedPolicy, ...] = ()
    #: Every statement reachable by the role: inline policies, ``AWS::IAM::Policy`` and
    #: ``AWS::IAM::ManagedPolicy`` resources of the assembly attached to it (in the role's
    #: stack, or in another stack through an ``Fn::ImportValue`` of the role)
    statements: tuple[Statement, ...] = ()
    permissions_boundary: Value = None
    #: every function that runs with this role: logical ids of the role's own stack, and
    #: ``<stack>/<logical id>`` for functions of other stacks of the assembly
    functions: tuple[str, ...] = ()
    #: a policy of the role whose document the template only knows at deploy time (a
    #: parameter, a condition...): its statements are not among ``statements``
    unreadable_policies: bool = False
    #: the statements of the permissions boundary when it is a managed policy of the assembly
    #: whose document is readable (None: no boundary, or one whose content is not known here)
    boundary_statements: tuple[Statement, ...] | None = None


@dataclass(frozen=True, slots=True)
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
    #: the ``FunctionName`` as written: the function's name or ARN (possibly qualified), a
    #: ``Ref`` / ``Fn::GetAtt`` to it, a parameter or an import
    function: Value = None

    @property
    def is_function_url(self) -> bool:
        return self.function_url_auth_type is not None or self.invoked_via_function_url is True


@dataclass(frozen=True, slots=True)
class FunctionUrl:
    """An ``AWS::Lambda::Url``: a public HTTPS endpoint of the function."""

    site: Site
    auth_type: Value
    cors: Any = None
    #: the ``TargetFunctionArn`` as written (see ``Permission.function``)
    function: Value = None


@dataclass(frozen=True, slots=True)
class LogGroup:
    site: Site
    name: Value = None
    retention_in_days: Value = None
    kms_key_id: Value = None
    #: "logging_config" (pointed at by LoggingConfig), "by_name" (/aws/lambda/<name>) or
    #: "log_retention" (CDK's log-retention custom resource)
    linked_by: str = "logging_config"


@dataclass(frozen=True, slots=True)
class VpcPlacement:
    site: Site
    subnet_ids: tuple[Value, ...] = ()
    security_group_ids: tuple[Value, ...] = ()


@dataclass(frozen=True, slots=True)
class Code:
    """Where the function's code comes from."""

    site: Site
    inline: str | None = None
    s3_key: Value = None
    image_uri: Value = None
    #: the code asset staged in the cloud assembly (directory or zip), when it is one
    asset_path: Path | None = None


@dataclass(frozen=True, slots=True)
class EventSourceMapping:
    site: Site
    event_source_arn: Value = None
    on_failure_destination: Value = None
    #: "sqs", "kinesis", "dynamodb", "kafka", "mq", "docdb" from the source's resource type or
    #: ARN; None when it cannot be told
    source_kind: str | None = None
    #: the source resource's logical id when it is in the template
    source: str | None = None
    #: for an SQS queue of the template: its ``RedrivePolicy`` (None: the queue has none)
    source_redrive_policy: Value = None
    #: the source resource when it is in the template (findings about the queue point at it)
    source_site: Site | None = None


@dataclass(frozen=True, slots=True)
class Alarm:
    """An ``AWS::CloudWatch::Alarm`` of the template on one of the function's metrics."""

    site: Site
    metric_name: Value = None
    namespace: Value = None


@dataclass(frozen=True, slots=True)
class Schedule:
    """An ``AWS::Scheduler::Schedule`` of the template whose target is the function: EventBridge
    Scheduler invokes it asynchronously through the schedule's role, without a Permission."""

    site: Site


@dataclass(frozen=True, slots=True)
class EventInvokeConfig:
    site: Site
    on_failure_destination: Value = None
    on_success_destination: Value = None


@dataclass(frozen=True, slots=True)
class Referenced:
    """A resource of the function's template that its environment (``TABLE: {"Ref":
    "Orders"}``: what a call of the code taking its resource from that variable acts on), its
    dead-letter queue or one of its destinations names."""

    logical_id: str
    type: str
    construct_path: str | None = None
    #: an SSM parameter's name when the template writes it (its ARN depends on its leading
    #: ``/``), else None
    name: str | None = None


@dataclass(frozen=True, slots=True)
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
    rest_methods: tuple[RestMethod, ...] = ()
    http_routes: tuple[HttpRoute, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    #: subnets, security groups and endpoints of a VPC function (None outside a VPC)
    network: NetworkPlacement | None = None
    #: stack environment, when known
    account: str | None = None
    region: str | None = None
    #: template parameters, for ``NoEcho`` checks
    parameters: dict[str, Any] = field(default_factory=dict)
    #: the resources of the template its environment, dead-letter queue and destinations name,
    #: by logical id
    referenced: dict[str, Referenced] = field(default_factory=dict)

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


@dataclass(frozen=True, slots=True)
class Orphans:
    """The ``AWS::Lambda::Permission`` and ``AWS::Lambda::Url`` resources of one template that
    the graph could not attach to a function of the assembly: their ``FunctionName`` /
    ``TargetFunctionArn`` is a literal name or ARN of no function of the template, a parameter,
    an import from outside the assembly, or a resource of the template that is no function (nor
    an alias or version of one).

    They are still front doors and grants of a function, one outside the scan: the rules about
    a permission or a URL check them once per resource (``Permission.function`` /
    ``FunctionUrl.function`` says which function), and their findings list no function.
    """

    stack: str
    permissions: tuple[Permission, ...] = ()
    urls: tuple[FunctionUrl, ...] = ()
    #: stack environment, when known (as ``LambdaFunction.account`` / ``region``)
    account: str | None = None
    region: str | None = None
