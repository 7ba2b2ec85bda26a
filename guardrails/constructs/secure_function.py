"""``SecureFunction``: an ``aws_lambda.Function`` that passes every rule of the catalog by
construction.

It is the function itself, not a wrapper around one: an ``IFunction`` wherever the CDK expects
one, and a drop-in replacement for ``lambda_.Function(scope, id, ...)`` that keeps the
function's logical id (so CloudFormation updates the function in place, never replaces it).

Every default is declared in the docstrings (``:default:``); every option that weakens one names
the rule it will trigger, and the options that would make a rule fail outright raise a
``ValueError`` that names it. ``SecureRestApi`` lives in ``secure_rest_api`` and is re-exported
here for code that imported it from this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import aws_cdk as cdk
import constructs
import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codeguruprofiler as codeguruprofiler
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from guardrails.cdk.building_blocks import (
    boundary_policy,
    log_write_statement,
    logs_key_statement,
    network_interface_statement,
    policy_statement,
    retention_days,
    retention_for,
)
from guardrails.cdk.building_blocks import dead_letter_queue as dead_letter_queue_of
from guardrails.constructs._options import check_options
from guardrails.constructs.secure_rest_api import SecureRestApi
from guardrails.policy import Policy

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "DEFAULT_RESERVED_CONCURRENCY",
    "SUPPORT_SUFFIX",
    "FunctionOptions",
    "SecureFunction",
    "SecureRestApi",
    "logs_key_statement",
    "retention_days",
    "retention_for",
]

#: reserved concurrency of a ``SecureFunction`` when neither the prop nor the policy's
#: ``default_reserved_concurrency`` sets one (GR-CFG-01)
DEFAULT_RESERVED_CONCURRENCY = 10
#: a ``SecureFunction(scope, "X")`` creates its role, log group, key, dead-letter queue and
#: security group in the construct ``scope/X<SUPPORT_SUFFIX>``: they are props of the function,
#: so they exist before it, and beside it (the function itself stays ``scope/X``)
SUPPORT_SUFFIX = "Secure"
#: methods that carry a request body (GR-INP-02)
BODY_METHODS = ("POST", "PUT", "PATCH")

#: a secret a ``SecureFunction`` reads by reference
SecretSource = secretsmanager.ISecret | ssm.IParameter


class FunctionOptions(TypedDict, total=False):
    """The ``aws_lambda.Function`` props a ``SecureFunction`` passes through unchanged (see the
    CDK's ``FunctionProps``). The other props are its own keyword parameters or set by it
    (``_CONTROLLED``); a name in neither raises ``TypeError``."""

    adot_instrumentation: lambda_.AdotInstrumentationConfig
    application_log_level_v2: lambda_.ApplicationLogLevel
    architecture: lambda_.Architecture
    current_version_options: lambda_.VersionOptions
    description: str
    durable_config: lambda_.DurableConfig
    ephemeral_storage_size: cdk.Size
    #: event sources, added once the function exists (``add_event_source``); stream sources
    #: need ``on_failure``, SQS sources a queue with a dead-letter queue (GR-OBS-07)
    events: Sequence[lambda_.IEventSource]
    filesystem: lambda_.FileSystem
    function_name: str
    initial_policy: Sequence[iam.PolicyStatement]
    insights_version: lambda_.LambdaInsightsVersion
    ipv6_allowed_for_dual_stack: bool
    layers: Sequence[lambda_.ILayerVersion]
    max_event_age: cdk.Duration
    memory_size: int
    on_failure: lambda_.IDestination
    on_success: lambda_.IDestination
    params_and_secrets: lambda_.ParamsAndSecretsLayerVersion
    profiling: bool
    profiling_group: codeguruprofiler.IProfilingGroup
    recursive_loop: lambda_.RecursiveLoop
    retry_attempts: int
    runtime_management_mode: lambda_.RuntimeManagementMode
    snap_start: lambda_.SnapStartConf
    system_log_level_v2: lambda_.SystemLogLevel
    tenancy_config: lambda_.TenancyConfig
    timeout: cdk.Duration


#: props of ``aws_lambda.Function`` the construct sets itself -> the option to use instead
_CONTROLLED: dict[str, str | None] = {
    "role": "policy (permissions_boundary), initial_policy and the grant_* methods",
    "tracing": None,
    "log_group": "log_group_name / log_retention / encryption_key",
    "log_removal_policy": None,  # the log group is kept (GR-OBS-02: logs outlive the stack)
    "log_retention_retry_options": "log_retention",
    "log_retention_role": "log_retention",
    "log_format": None,
    "logging_format": None,
    "application_log_level": "application_log_level_v2",
    "system_log_level": "system_log_level_v2",
    "environment_encryption": "encryption_key",
    "dead_letter_queue_enabled": "dead_letter_queue",
    "dead_letter_topic": "dead_letter_queue",
    "allow_public_subnet": None,
    "allow_all_outbound": "security_groups",
    "allow_all_ipv6_outbound": "security_groups",
}
#: the constructor's own keyword parameters (some share a name with a ``FunctionProps`` prop)
_EXPLICIT = (
    "code", "runtime", "handler", "environment", "secrets", "vpc", "vpc_subnets",
    "security_groups", "vpc_endpoints", "policy", "encryption_key", "log_group_name",
    "log_retention", "reserved_concurrent_executions", "code_signing_config",
    "dead_letter_queue", "alarm_actions",
)  # fmt: skip
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ENDPOINTS = {
    "secretsmanager": ("SecretsManager", ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
    "ssm": ("Ssm", ec2.InterfaceVpcEndpointAwsService.SSM),
    "kms": ("Kms", ec2.InterfaceVpcEndpointAwsService.KMS),
}
_IMAGE_CODE = (lambda_.EcrImageCode, lambda_.AssetImageCode)


class SecureFunction(lambda_.Function):
    """An ``aws_lambda.Function`` with the organisation's guardrails built in.

    It is the function, so it goes wherever the CDK takes an ``IFunction``
    (``apigw.LambdaIntegration(fn)``, ``lambda_event_sources.SqsEventSource``, targets,
    destinations), and ``fn.grant_invoke(...)``, ``fn.add_to_role_policy(...)``,
    ``fn.current_version``, ``fn.metric_errors()``, ``table.grant_read_data(fn)`` work as on
    any function. Its ``AWS::Lambda::Function`` has the logical id a plain
    ``lambda_.Function(scope, id, ...)`` has (the ``CfnFunction`` is the default child
    ``Resource`` of the construct ``id``): replacing one by the other updates the function in
    place instead of replacing it.

    Defaults, each with the rule it satisfies:

    - ``role``: a role of its own without AWS managed policies, allowed
      ``logs:CreateLogStream`` / ``logs:PutLogEvents`` on its own log group only (GR-IAM-14),
      the network-interface actions in a VPC, under the policy's ``permissions_boundary``
      (GR-IAM-10);
    - ``log_group``: a named log group kept on stack deletion (GR-OBS-02), with the policy's
      ``min_log_retention_days`` rounded up to a value CloudWatch accepts (GR-OBS-03),
      encrypted with the customer-managed key (GR-OBS-04), whose key policy lets CloudWatch
      Logs use it for this log group only (``kms:EncryptionContext:aws:logs:arn``);
    - ``tracing``: ``Tracing.ACTIVE`` (GR-OBS-01);
    - ``logging_format``: ``LoggingFormat.JSON`` (GR-OBS-05);
    - ``environment_encryption``: the customer-managed key: ``encryption_key``, else the
      policy's ``kms_key_arn``, else a new key with rotation on (GR-SEC-05);
    - ``code_signing_config``: the policy's ``code_signing_config_arn`` (GR-DEP-02; not for
      container images, which Lambda cannot sign-check);
    - ``reserved_concurrent_executions``: the policy's ``default_reserved_concurrency``, else
      ``DEFAULT_RESERVED_CONCURRENCY`` (GR-CFG-01);
    - ``dead_letter_queue``: a new SQS-encrypted queue (TLS only, 14 days) for asynchronous
      invocations, with an alarm on its depth, created by default so that any asynchronous
      source added later (S3, SNS, EventBridge) is covered (GR-OBS-06);
    - an alarm on the function's ``Errors`` metric (GR-OBS-08);
    - in a VPC: private subnets (GR-NET-03) in at least two Availability Zones (GR-NET-02), a
      security group that allows only HTTPS to the VPC's CIDR block (GR-NET-04), and
      interface endpoints for the services its secrets are read from (GR-NET-05);
    - ``secrets``: bound by reference, never by value (GR-SEC-01, GR-SEC-02), with a read grant
      on exactly that secret or parameter;
    - front doors, also when the CDK calls them for you (``grant_invoke``,
      ``LambdaIntegration``, event sources): ``add_permission`` refuses any principal without
      a condition (GR-IAM-11) and gives service principals ``SourceAccount`` (GR-IAM-12);
      ``add_function_url`` uses IAM auth (GR-INP-04) and refuses a ``*`` CORS origin
      (GR-INP-05); ``add_to_rest_api`` uses IAM auth (GR-INP-01) and validates bodies
      (GR-INP-02).

    Not a default, since the source decides it: a stream event source needs
    ``on_failure=lambda_event_sources.SqsDlq(queue)`` and an SQS source a queue with a
    dead-letter queue (GR-OBS-07).

    Where its resources live: the role, log group, key, dead-letter queue, security group and
    the imported code signing config and permissions boundary are props of the function, so
    they must exist before it; they are created beside it, in the construct
    ``<id>Secure`` (``SUPPORT_SUFFIX``; ``fn.support``), with stable ids (``ServiceRole``,
    ``LogGroup``, ``Key``, ``DeadLetterQueue``, ``SecurityGroup``). What needs the function
    (the alarms ``<id>/ErrorsAlarm`` and ``<id>/DeadLetterQueueAlarm``, request models of
    ``add_to_rest_api``) is created under it.

    Container images: ``code=lambda_.Code.from_ecr_image(repo, tag_or_digest="sha256:...")``
    or ``lambda_.Code.from_asset_image(directory)``; ``runtime`` and ``handler`` then default to
    ``Runtime.FROM_IMAGE`` / ``Handler.FROM_IMAGE`` (what ``DockerImageFunction`` sets). Pin
    images by digest (GR-DEP-06).

    Secrets are bound by reference::

        fn = SecureFunction(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            code=lambda_.Code.from_asset("src/orders"),
            secrets={"DB_PASSWORD": db_secret, "API_TOKEN": token_parameter},
            vpc=vpc,
        )

    The function receives ``DB_PASSWORD_SECRET_ARN`` (a Secrets Manager secret) and
    ``API_TOKEN_PARAMETER_NAME`` (an SSM parameter), and a read grant on exactly that secret and
    parameter (with ``kms:Decrypt`` on their customer-managed keys). The handler reads the value
    at run time, e.g. with Powertools for AWS Lambda::

        from aws_lambda_powertools.utilities import parameters
        password = parameters.get_secret(os.environ["DB_PASSWORD_SECRET_ARN"])
        token = parameters.get_parameter(os.environ["API_TOKEN_PARAMETER_NAME"], decrypt=True)

    or with the AWS Parameters and Secrets Lambda extension (``params_and_secrets=
    lambda_.ParamsAndSecretsLayerVersion.from_version(...)``): an HTTP GET on
    ``localhost:2773/secretsmanager/get?secretId=<arn>`` with the header
    ``X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: lambda_.Code,
        runtime: lambda_.Runtime | None = None,
        handler: str | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, SecretSource] | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        vpc_endpoints: bool = True,
        policy: Policy | Mapping[str, Any] | str | Path | None = None,
        encryption_key: kms.IKey | None = None,
        log_group_name: str | None = None,
        log_retention: logs.RetentionDays | None = None,
        reserved_concurrent_executions: int | None = None,
        code_signing_config: lambda_.ICodeSigningConfig | None = None,
        dead_letter_queue: sqs.IQueue | bool = True,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        **options: Unpack[FunctionOptions],
    ) -> None:
        """
        :param code: the function's code: an ``aws_lambda.Code`` (zip), or
            ``Code.from_ecr_image`` / ``Code.from_asset_image`` for a container image. Pin images
            by digest (GR-DEP-06): ``Code.from_ecr_image(repo, tag_or_digest="sha256:...")``.
        :param runtime: the runtime (required for zip code).
            :default: ``Runtime.FROM_IMAGE`` for an image, none otherwise
        :param handler: the handler (required for zip code).
            :default: ``Handler.FROM_IMAGE`` for an image, none otherwise
        :param environment: environment variables: names, ARNs, settings, never secret values
            (GR-SEC-01; bind secrets with ``secrets``).
            :default: no variables (``secrets`` adds theirs)
        :param secrets: environment name -> Secrets Manager secret (the function receives
            ``<NAME>_SECRET_ARN``) or SSM parameter (``<NAME>_PARAMETER_NAME``), with a read
            grant on exactly that secret or parameter.
            :default: none
        :param vpc: the VPC to run in (GR-NET-01 when the policy requires one).
            :default: no VPC
        :param vpc_subnets: where in ``vpc``: private subnets in at least two Availability
            Zones; a public or single-AZ selection raises ``ValueError`` (GR-NET-03, GR-NET-02).
            :default: the VPC's private subnets (CDK's default selection)
        :param security_groups: the function's security groups. A group that allows all
            outbound traffic triggers GR-NET-04.
            :default: a new group (``<id>Secure/SecurityGroup``) allowing only HTTPS (TCP 443)
            to the VPC's CIDR block (the interface endpoints); open more with
            ``fn.connections.allow_to(...)``
        :param vpc_endpoints: create interface endpoints for the services the function reads
            secrets from (Secrets Manager, SSM, KMS) in ``vpc``, once per VPC and service (an
            endpoint for the service already in the VPC is reused). Only possible for an
            ``ec2.Vpc`` of this stack; for another VPC the endpoints must exist (GR-NET-05).
            ``False`` triggers GR-NET-05 unless they exist.
            :default: ``True``
        :param policy: the organisation's ``guardrails.Policy`` (or a mapping, or a policy
            file): its ``min_log_retention_days``, ``kms_key_arn``, ``permissions_boundary``,
            ``code_signing_config_arn`` and ``default_reserved_concurrency`` are applied.
            :default: the catalog's defaults
        :param encryption_key: the customer-managed key for the environment and the log group
            (a key of the app gets a key-policy statement letting CloudWatch Logs use it for this
            log group; an imported key's policy must allow it already).
            :default: the policy's ``kms_key_arn``, else a new key (``<id>Secure/Key``) with
            rotation on
        :param log_group_name: the name of the function's log group.
            :default: ``/aws/lambda/<function_name>`` when ``function_name`` is given, else
            ``/aws/lambda/<unique name from the construct path of <id>Secure>``
        :param log_retention: how long the log group keeps logs; shorter than the policy's
            ``min_log_retention_days`` raises ``ValueError`` (GR-OBS-03). (Not the CDK's legacy
            log-retention custom resource: the log group is the construct's own.)
            :default: the policy's ``min_log_retention_days`` rounded up to a CloudWatch value
        :param reserved_concurrent_executions: the function's reserved concurrency (at least 1:
            without a limit GR-CFG-01 fires).
            :default: the policy's ``default_reserved_concurrency``, else
            ``DEFAULT_RESERVED_CONCURRENCY`` (10)
        :param code_signing_config: the code signing configuration (zip functions).
            :default: the policy's ``code_signing_config_arn``; none when the policy names none
            (GR-DEP-02, high when the policy sets ``require_code_signing``)
        :param dead_letter_queue: the dead-letter queue for asynchronous invocations: a queue,
            ``True`` for a new SQS-encrypted one (``<id>Secure/DeadLetterQueue``: 14 days, TLS
            only, alarm on its depth), or ``False`` for none (GR-OBS-06 once the function is
            invoked asynchronously, unless it has an ``on_failure`` destination).
            :default: ``True``
        :param alarm_actions: actions of the alarms (errors, dead-letter queue depth), e.g.
            ``cloudwatch_actions.SnsAction(on_call_topic)``.
            :default: none
        :param options: the other props of ``aws_lambda.Function`` (``FunctionOptions``:
            ``memory_size``, ``timeout``, ``architecture``, ``function_name``,
            ``on_failure``, ``events``...). The props the construct sets (``role``,
            ``tracing``, ``log_group``...) raise ``TypeError`` naming the option to use
            instead, and so does a misspelt name.
        """
        # everything that can be refused is checked before any construct exists, so that a
        # refused call leaves nothing behind in ``scope``
        check_options(
            "SecureFunction",
            options,
            accepted=FunctionOptions.__optional_keys__,
            controlled=_CONTROLLED,
            explicit=_EXPLICIT,
        )
        policy_ = Policy.coerce(policy)
        if isinstance(code, lambda_.DockerImageCode):
            raise TypeError(
                "SecureFunction takes image code as lambda_.Code: "
                "Code.from_ecr_image(repo, tag_or_digest=...) for DockerImageCode.from_ecr, "
                "Code.from_asset_image(directory) for DockerImageCode.from_image_asset"
            )
        image = isinstance(code, _IMAGE_CODE)
        if image:
            runtime = runtime or lambda_.Runtime.FROM_IMAGE
            handler = handler or lambda_.Handler.FROM_IMAGE
            if runtime.name != lambda_.Runtime.FROM_IMAGE.name or (
                handler != lambda_.Handler.FROM_IMAGE
            ):
                raise ValueError(
                    "runtime and handler come from the image: give neither with image code"
                )
        elif runtime is None or handler is None:
            raise ValueError("runtime and handler are required for a zip function")
        for name in (*(environment or {}), *(secrets or {})):
            if not _ENV_NAME.match(name):
                raise ValueError(f"environment variable name {name!r} is not valid")
        days = policy_.min_log_retention_days
        if log_retention is not None and retention_days(log_retention) < days:
            raise ValueError(
                f"log_retention {retention_days(log_retention):g} days is shorter than the "
                f"policy's min_log_retention_days ({days}): GR-OBS-03"
            )
        if reserved_concurrent_executions is not None and reserved_concurrent_executions < 1:
            raise ValueError(
                "reserved_concurrent_executions must be at least 1: without a limit GR-CFG-01 "
                "fires (and 0 throttles every invocation)"
            )
        concurrency = (
            reserved_concurrent_executions
            or policy_.default_reserved_concurrency
            or DEFAULT_RESERVED_CONCURRENCY
        )
        if vpc is not None:
            _check_subnets(vpc, vpc_subnets)
        elif vpc_subnets is not None or security_groups is not None:
            raise ValueError("vpc_subnets and security_groups need a vpc")

        # the function's props that are resources: created beside it, since they exist before
        path = f"{scope.node.path}/{id}" if scope.node.path else id
        support = Construct(scope, id + SUPPORT_SUFFIX)
        key: kms.IKey = encryption_key or (
            kms.Key.from_key_arn(support, "Key", policy_.kms_key_arn)
            if policy_.kms_key_arn
            else kms.Key(
                support,
                "Key",
                enable_key_rotation=True,
                description=f"{path}: Lambda environment and log encryption",
            )
        )
        function_name = options.get("function_name")
        group_name = log_group_name or (
            f"/aws/lambda/{function_name}"
            if isinstance(function_name, str) and not cdk.Token.is_unresolved(function_name)
            else "/aws/lambda/"
            + cdk.Names.unique_resource_name(support, max_length=200, separator="-")
        )
        # the key policy names this group: the group needs a name known before it exists
        key.add_to_resource_policy(logs_key_statement(support, group_name))
        log_group = logs.LogGroup(
            support,
            "LogGroup",
            log_group_name=group_name,
            retention=log_retention or retention_for(days),
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            support,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            permissions_boundary=boundary_policy(support, policy_.permissions_boundary),
            description=f"Execution role of {path}",
        )
        role.add_to_policy(policy_statement(log_write_statement(log_group.log_group_arn)))

        network: dict[str, Any] = {}
        security_group: ec2.SecurityGroup | None = None
        if vpc is not None:
            role.add_to_policy(policy_statement(network_interface_statement()))
            if security_groups is None:
                security_group = ec2.SecurityGroup(
                    support,
                    "SecurityGroup",
                    vpc=vpc,
                    allow_all_outbound=False,
                    allow_all_ipv6_outbound=False,
                    description=f"{path}: HTTPS inside the VPC only",
                )
                security_group.add_egress_rule(
                    ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to the VPC"
                )
                security_groups = [security_group]
            network = {
                "vpc": vpc,
                "vpc_subnets": vpc_subnets,
                "security_groups": list(security_groups),
            }

        queue: sqs.IQueue | None = None
        if dead_letter_queue is True:
            queue = dead_letter_queue_of(support, "DeadLetterQueue")
        elif dead_letter_queue is not False:
            queue = dead_letter_queue

        signing = code_signing_config
        if signing is None and policy_.code_signing_config_arn and not image:
            signing = lambda_.CodeSigningConfig.from_code_signing_config_arn(
                support, "CodeSigning", policy_.code_signing_config_arn
            )

        # event sources are added once the function exists, through add_event_source: during
        # the jsii constructor the Python overrides (add_permission) are not in effect yet
        events = list(options.pop("events", ()))
        super().__init__(
            scope,
            id,
            code=code,
            runtime=runtime,
            handler=handler,
            role=role,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=dict(environment or {}),
            environment_encryption=key,
            reserved_concurrent_executions=concurrency,
            dead_letter_queue=queue,
            code_signing_config=signing,
            **network,
            **options,
        )
        #: the construct ``<id>Secure`` that holds the function's supporting resources
        self.support = support
        #: the ``guardrails.Policy`` the function was built for
        self.policy = policy_
        #: the customer-managed key of the environment and the log group
        self.key = key
        #: the function's security group when the construct created it
        self.security_group = security_group
        #: the interface endpoints the function relies on, by service (created or reused)
        self.endpoints: dict[str, ec2.IInterfaceVpcEndpoint | None] = {}
        self._execution_role = role
        self._vpc_for_endpoints = vpc
        self._vpc_endpoints = vpc_endpoints

        for source in events:
            self.add_event_source(source)
        for name, secret in (secrets or {}).items():
            self.add_secret(name, secret)

        #: the alarm on the function's ``Errors`` metric
        self.errors_alarm = self.metric_errors(period=cdk.Duration.minutes(1)).create_alarm(
            self,
            "ErrorsAlarm",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{self.node.path}: the function failed",
        )
        #: the alarm on the depth of the dead-letter queue the construct created, if any
        self.dead_letter_queue_alarm: cloudwatch.Alarm | None = None
        alarms = [self.errors_alarm]
        if isinstance(queue, sqs.Queue) and dead_letter_queue is True:
            self.dead_letter_queue_alarm = (
                queue.metric_approximate_number_of_messages_visible().create_alarm(
                    self,
                    "DeadLetterQueueAlarm",
                    threshold=1,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                    alarm_description=f"{self.node.path}: asynchronous invocations failed",
                )
            )
            alarms.append(self.dead_letter_queue_alarm)
        for alarm in alarms:
            alarm.add_alarm_action(*alarm_actions)

    @property
    def function(self) -> SecureFunction:
        """The function itself: kept so that code written for the wrapper this class used to be
        (``s3n.LambdaDestination(fn.function)``) keeps working."""
        return self

    # -- secrets ---------------------------------------------------------------------------
    def add_secret(self, name: str, secret: SecretSource) -> None:
        """Bind a secret by reference: ``<NAME>_SECRET_ARN`` for a Secrets Manager secret,
        ``<NAME>_PARAMETER_NAME`` for an SSM parameter, and a read grant on exactly that secret
        or parameter (``kms:Decrypt`` on its customer-managed key included). The value never
        enters the template or the function configuration."""
        if not _ENV_NAME.match(name):
            raise ValueError(f"environment variable name {name!r} is not valid")
        if hasattr(secret, "secret_arn"):  # an ISecret (jsii interfaces are not checkable)
            self.add_environment(f"{name}_SECRET_ARN", secret.secret_arn)
            self._grant_read(secret, "secretsmanager:GetSecretValue")
            self.add_vpc_endpoint("secretsmanager")
        elif hasattr(secret, "parameter_name"):  # an IParameter
            self.add_environment(f"{name}_PARAMETER_NAME", secret.parameter_name)
            self._grant_read(secret, "ssm:GetParameter")
            self.add_vpc_endpoint("ssm")
        else:
            raise TypeError(
                f"secrets[{name!r}]: expected a Secrets Manager secret or an SSM parameter, "
                f"got {type(secret).__name__}"
            )
        if self._decrypts_with_kms():
            self.add_vpc_endpoint("kms")

    def _grant_read(self, source: SecretSource, action: str) -> None:
        """The read grant of ``source`` narrowed to ``action``, what reading it takes: its
        ``grant_read`` also grants ``secretsmanager:DescribeSecret``, or ``ssm:GetParameters``,
        ``GetParameterHistory`` and ``DescribeParameters``, which reading never calls
        (GR-IAM-15). The CDK's grant is recorded, not applied, so its ARN and its key grant
        (``kms:Decrypt``, through Secrets Manager only for a secret) stay the CDK's own."""
        recorder = _Recorder(cdk.Stack.of(self).account)
        source.grant_read(recorder)
        for statement in recorder.statements:
            if action in statement.actions:
                statement = iam.PolicyStatement(
                    actions=[action],
                    resources=statement.resources,
                    conditions=statement.conditions or None,
                )
            self.add_to_role_policy(statement)

    def _decrypts_with_kms(self) -> bool:
        """Whether the role may call ``kms:Decrypt`` without a ``kms:ViaService`` condition
        (what ``grant_read`` on a SecureString parameter with a customer-managed key adds)."""
        policy = self._execution_role.node.try_find_child("DefaultPolicy")
        if not isinstance(policy, iam.Policy):
            return False
        document = cdk.Stack.of(self).resolve(policy.document.to_json()) or {}
        for statement in document.get("Statement", []):
            granted = statement.get("Action")
            granted = [granted] if isinstance(granted, str) else granted or []
            if "kms:Decrypt" in granted and not statement.get("Condition"):
                return True
        return False

    def add_vpc_endpoint(self, service: str) -> None:
        """Make sure the function's VPC has an interface endpoint for ``service``
        (``"secretsmanager"``, ``"ssm"`` or ``"kms"``; ``secrets`` calls it for the services
        they need, call it for a grant of your own): reused when the VPC has one for the
        service, else created once per VPC (as a child of the VPC, so another
        ``SecureFunction`` reuses it). Nothing without a VPC or with ``vpc_endpoints=False``."""
        if service not in _ENDPOINTS:
            raise ValueError(f"service: expected one of {', '.join(_ENDPOINTS)}, got {service!r}")
        vpc = self._vpc_for_endpoints
        if vpc is None or not self._vpc_endpoints or service in self.endpoints:
            return
        construct_id, aws_service = _ENDPOINTS[service]
        stack = cdk.Stack.of(self)
        if not isinstance(vpc, ec2.Vpc) or cdk.Stack.of(vpc).node.path != stack.node.path:
            self.endpoints[service] = None
            cdk.Annotations.of(self).add_info(
                f"{service}: the VPC is not an ec2.Vpc of this stack, so no interface endpoint "
                f"is created: it must have one for {aws_service.name} (GR-NET-05)"
            )
            return
        existing = _find_endpoint(vpc, aws_service)
        if existing is None:
            existing = vpc.add_interface_endpoint(
                f"Guardrails{construct_id}Endpoint", service=aws_service
            )
        self.endpoints[service] = existing

    # -- front doors (overrides: the CDK calls them too) -----------------------------------
    def add_permission(
        self,
        id: str,
        *,
        principal: iam.IPrincipal,
        action: str | None = None,
        event_source_token: str | None = None,
        function_url_auth_type: lambda_.FunctionUrlAuthType | None = None,
        invoked_via_function_url: bool | None = None,
        organization_id: str | None = None,
        scope: Construct | None = None,
        source_account: str | None = None,
        source_arn: str | None = None,
    ) -> None:
        """A resource-policy statement letting ``principal`` invoke the function. This
        overrides ``aws_lambda.Function.add_permission``, so the rules below also hold for the
        permissions the CDK adds (``grant_invoke``, ``LambdaIntegration``, event sources).

        :param principal: who may invoke it. ``iam.AnyPrincipal()`` without ``source_arn``,
            ``source_account`` or ``organization_id`` raises ``ValueError`` (GR-IAM-11), except
            for the permissions of a function URL (``function_url_auth_type`` /
            ``invoked_via_function_url``: ``add_function_url`` decides, GR-INP-04).
        :param source_account: for an AWS service principal (confused deputy, GR-IAM-12).
            :default: the stack's account for service principals without ``source_arn``
        """
        service = getattr(principal, "service", None)
        if service is not None and source_arn is None and source_account is None:
            source_account = cdk.Stack.of(self).account
        anyone = isinstance(principal, (iam.AnyPrincipal, iam.StarPrincipal))
        via_url = function_url_auth_type is not None or bool(invoked_via_function_url)
        if anyone and not (source_arn or source_account or organization_id or via_url):
            raise ValueError(
                "a permission for any principal needs source_arn, source_account or "
                "organization_id: GR-IAM-11"
            )
        super().add_permission(
            id,
            principal=principal,
            action=action,
            event_source_token=event_source_token,
            function_url_auth_type=function_url_auth_type,
            invoked_via_function_url=invoked_via_function_url,
            organization_id=organization_id,
            scope=scope,
            source_account=source_account,
            source_arn=source_arn,
        )

    def add_function_url(
        self,
        *,
        auth_type: lambda_.FunctionUrlAuthType | None = None,
        cors: lambda_.FunctionUrlCorsOptions | dict[str, Any] | None = None,
        invoke_mode: lambda_.InvokeMode | None = None,
    ) -> lambda_.FunctionUrl:
        """A function URL.

        :param auth_type: who may call it. ``FunctionUrlAuthType.NONE`` lets anyone on the
            internet invoke the function and triggers GR-INP-04: ask for it explicitly and
            acknowledge the finding where the function authenticates callers itself.
            :default: ``FunctionUrlAuthType.AWS_IAM`` (grant callers with ``grant_invoke_url``)
        :param cors: CORS settings; an ``allowed_origins`` entry ``*`` raises ``ValueError``
            (GR-INP-05): name the origins.
            :default: no CORS
        :param invoke_mode: :default: ``InvokeMode.BUFFERED``
        """
        origins = (
            cors.get("allowed_origins")
            if isinstance(cors, dict)
            else cors.allowed_origins
            if cors is not None
            else None
        )
        if any(o.strip() == "*" for o in origins or []):
            raise ValueError(
                "function URL CORS allows any origin ('*'): name the origins (GR-INP-05)"
            )
        return super().add_function_url(
            auth_type=auth_type or lambda_.FunctionUrlAuthType.AWS_IAM,
            cors=cors,
            invoke_mode=invoke_mode,
        )

    def add_to_rest_api(
        self,
        resource: apigw.IResource,
        http_method: str,
        *,
        authorization_type: apigw.AuthorizationType = apigw.AuthorizationType.IAM,
        authorizer: apigw.IAuthorizer | None = None,
        authorization_scopes: Sequence[str] | None = None,
        request_schema: apigw.JsonSchema | None = None,
        request_models: Mapping[str, apigw.IModel] | None = None,
        request_parameters: Mapping[str, bool] | None = None,
    ) -> apigw.Method:
        """Route ``http_method`` on ``resource`` (of a REST API, best a ``SecureRestApi``) to
        the function.

        :param authorization_type: how callers authenticate. ``AuthorizationType.NONE``
            triggers GR-INP-01.
            :default: ``AuthorizationType.IAM`` (``AuthorizationType.CUSTOM`` /
            ``COGNITO`` with ``authorizer``)
        :param request_schema: the JSON schema the body must match (``application/json``),
            validated by API Gateway. A ``POST``, ``PUT`` or ``PATCH`` needs it (or
            ``request_models``): without, ``ValueError`` (GR-INP-02).
            :default: none (methods without a body)
        :param request_models: content type -> model, instead of ``request_schema``.
        :param request_parameters: required (``True``) or optional request parameters, also
            validated.
        """
        method = http_method.upper()
        models = dict(request_models or {})
        if method in BODY_METHODS and request_schema is None and not models:
            raise ValueError(
                f"{method} {resource.path}: give request_schema (or request_models) so that API "
                "Gateway validates the body (GR-INP-02)"
            )
        if request_schema is not None:
            models["application/json"] = apigw.Model(
                self,
                f"{method}{_construct_safe(resource.path)}Model",
                rest_api=resource.api,
                content_type="application/json",
                schema=request_schema,
            )
        if authorizer is not None and authorization_type == apigw.AuthorizationType.IAM:
            authorization_type = authorizer.authorization_type or apigw.AuthorizationType.CUSTOM
        validate = bool(models) or bool(request_parameters)
        return resource.add_method(
            method,
            apigw.LambdaIntegration(self),
            authorization_type=authorization_type,
            authorizer=authorizer,
            authorization_scopes=list(authorization_scopes) if authorization_scopes else None,
            request_models=models or None,
            request_parameters=dict(request_parameters) if request_parameters else None,
            request_validator_options=apigw.RequestValidatorOptions(
                validate_request_body=bool(models),
                validate_request_parameters=bool(request_parameters),
            )
            if validate
            else None,
        )


def _check_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> None:
    """Private subnets in at least two Availability Zones, or a ``ValueError``."""
    fields = ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name",
              "subnet_type", "subnets")  # fmt: skip
    given = {f: getattr(selection, f) for f in fields if selection is not None}
    selected = vpc.select_subnets(**{f: v for f, v in given.items() if v is not None})
    if selected.is_pending_lookup:
        return  # a VPC lookup not done yet: the subnets are dummies
    if selected.has_public:
        raise ValueError(
            "vpc_subnets selects public subnets: a function belongs in private subnets (GR-NET-03)"
        )
    zones = {z for z in selected.availability_zones}
    if len(zones) < 2:
        raise ValueError(
            f"vpc_subnets spans {len(zones)} Availability Zone(s): select private subnets in at "
            "least two (GR-NET-02)"
        )


def _find_endpoint(
    vpc: ec2.Vpc, service: ec2.IInterfaceVpcEndpointService
) -> ec2.IInterfaceVpcEndpoint | None:
    """An interface endpoint for ``service`` already in ``vpc`` (in the VPC's stack)."""
    stack = cdk.Stack.of(vpc)
    vpc_id = stack.resolve(vpc.vpc_id)
    wanted = stack.resolve(service.name)
    for c in stack.node.find_all():
        if isinstance(c, ec2.InterfaceVpcEndpoint):
            cfn = c.node.default_child
            if (
                isinstance(cfn, ec2.CfnVPCEndpoint)
                and stack.resolve(cfn.vpc_id) == vpc_id
                and stack.resolve(cfn.service_name) == wanted
            ):
                return c
    return None


def _construct_safe(path: str) -> str:
    text = re.sub(r"[^A-Za-z0-9]", "", path.title())
    return text or "Root"


@jsii.implements(iam.IPrincipal)
class _Recorder:
    """A principal that keeps the statements a ``grant_*`` method adds for it, and grants
    nothing: what a grant would give, to give it narrower (``SecureFunction._grant_read``)."""

    def __init__(self, account: str) -> None:
        self.statements: list[iam.PolicyStatement] = []
        self._account = account

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self

    @property
    def assume_role_action(self) -> str:
        return "sts:AssumeRole"

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return iam.PrincipalPolicyFragment({})

    @property
    def principal_account(self) -> str:
        return self._account

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        return self.add_to_principal_policy(statement).statement_added

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self.statements.append(statement)
        return iam.AddToPrincipalPolicyResult(
            statement_added=True, policy_dependable=constructs.DependencyGroup()
        )
