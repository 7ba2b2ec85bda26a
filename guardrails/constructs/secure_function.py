"""``SecureFunction``: a Lambda function that passes every rule of the catalog by construction,
and ``SecureRestApi``: a REST API that keeps the functions behind it authenticated, validated and
behind a WAF web ACL.

Every default is declared in the docstrings (``:default:``); every option that weakens one names
the rule it will trigger, and the options that would make a rule fail outright raise a
``ValueError`` that names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from guardrails.cdk.hardening import RETENTION_DAYS, VPC_ENI_ACTIONS
from guardrails.policy import Policy

#: reserved concurrency of a ``SecureFunction`` when neither the prop nor the policy's
#: ``default_reserved_concurrency`` sets one (GR-CFG-01)
DEFAULT_RESERVED_CONCURRENCY = 10
#: what CloudWatch Logs needs on a customer-managed key to encrypt a log group (AWS documents it
#: in "Encrypt log data in CloudWatch Logs using AWS KMS")
LOGS_KEY_ACTIONS = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)
#: methods that carry a request body (GR-INP-02)
BODY_METHODS = ("POST", "PUT", "PATCH")

#: a secret a ``SecureFunction`` reads by reference
SecretSource = secretsmanager.ISecret | ssm.IParameter

#: props of ``aws_lambda.Function`` the construct sets itself -> the prop to use instead
_CONTROLLED = {
    "role": "policy (permissions_boundary) and the grant_* methods",
    "tracing": None,
    "log_group": "log_group_name / log_retention / encryption_key",
    "log_retention": "log_retention",
    "logging_format": None,
    "environment_encryption": "encryption_key",
    "dead_letter_queue_enabled": "dead_letter_queue",
    "dead_letter_topic": "dead_letter_queue",
    "security_groups": "security_groups",
    "allow_public_subnet": None,
    "allow_all_outbound": "security_groups",
    "allow_all_ipv6_outbound": "security_groups",
    "reserved_concurrent_executions": "reserved_concurrent_executions",
}
#: RetentionDays -> days (the enum's finite members are in the order of RETENTION_DAYS)
_RETENTION = dict(
    zip([r for r in logs.RetentionDays if r.name != "INFINITE"], RETENTION_DAYS, strict=True)
)
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ENDPOINTS = {
    "secretsmanager": ("SecretsManager", ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
    "ssm": ("Ssm", ec2.InterfaceVpcEndpointAwsService.SSM),
    "kms": ("Kms", ec2.InterfaceVpcEndpointAwsService.KMS),
}


def retention_for(days: int) -> logs.RetentionDays:
    """The shortest retention CloudWatch Logs accepts that is at least ``days``."""
    value = next((d for d in RETENTION_DAYS if d >= days), RETENTION_DAYS[-1])
    return next(r for r, d in _RETENTION.items() if d == value)


def retention_days(retention: logs.RetentionDays) -> float:
    """The days a ``RetentionDays`` keeps logs (``INFINITE``: forever)."""
    return _RETENTION.get(retention, float("inf"))


def logs_key_statement(scope: Construct, log_group_name: str) -> iam.PolicyStatement:
    """The key-policy statement that lets CloudWatch Logs use a customer-managed key for the log
    group ``log_group_name`` only (``kms:EncryptionContext:aws:logs:arn``), as AWS documents."""
    stack = cdk.Stack.of(scope)
    return iam.PolicyStatement(
        sid="CloudWatchLogs" + re.sub(r"[^A-Za-z0-9]", "", log_group_name)[-60:],
        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
        actions=list(LOGS_KEY_ACTIONS),
        resources=["*"],
        conditions={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            }
        },
    )


@jsii.implements(iam.IGrantable)
class SecureFunction(Construct):
    """A Lambda function with the organisation's guardrails built in.

    It wraps ``aws_lambda.Function`` (or ``aws_lambda.DockerImageFunction`` when ``code`` is an
    ``aws_lambda.DockerImageCode``) and creates around it what the rule catalog asks for:

    - its own execution role, without AWS managed policies: ``logs:CreateLogStream`` /
      ``logs:PutLogEvents`` on its own log group only (GR-IAM-14), the network-interface actions
      when it is in a VPC, the policy's ``permissions_boundary`` (GR-IAM-10);
    - a log group with the policy's ``min_log_retention_days`` (rounded up to a value CloudWatch
      accepts), encrypted with a customer-managed KMS key, kept on stack deletion (GR-OBS-02/03/04);
    - X-Ray active tracing (GR-OBS-01) and JSON logs (GR-OBS-05);
    - the environment encrypted with the customer-managed key (GR-SEC-05);
    - the policy's ``code_signing_config_arn`` (GR-DEP-02; not for container images, which Lambda
      cannot sign-check);
    - reserved concurrency (GR-CFG-01);
    - an encrypted SQS dead-letter queue for asynchronous invocations (GR-OBS-06), created by
      default so that any asynchronous source added later (S3 notifications, SNS, EventBridge)
      is covered, with an alarm on its depth;
    - an alarm on the function's ``Errors`` metric (GR-OBS-08);
    - in a VPC: private subnets in at least two Availability Zones (GR-NET-02/03), a security
      group that allows only HTTPS inside the VPC (GR-NET-04), and interface endpoints for the
      services it reads secrets from (GR-NET-05).

    Secrets are bound by reference, never by value (GR-SEC-01/02)::

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

    The construct is grantable: ``table.grant_read_data(fn)`` grants to its role.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: lambda_.Code | lambda_.DockerImageCode,
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
        **function_props: Any,
    ) -> None:
        """
        :param code: the function's code: an ``aws_lambda.Code`` (zip), or an
            ``aws_lambda.DockerImageCode`` for a container image function (then ``runtime`` and
            ``handler`` are not given). Pin images by digest (GR-DEP-06):
            ``DockerImageCode.from_ecr(repo, tag_or_digest="sha256:...")`` or an image asset.
        :param runtime: the runtime of a zip function (required for one).
        :param handler: the handler of a zip function (required for one).
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
            :default: a new group allowing only HTTPS (TCP 443) to the VPC's CIDR block (the
            interface endpoints); open more with ``fn.connections.allow_to(...)``
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
            :default: the policy's ``kms_key_arn``, else a new key with rotation on
        :param log_group_name: the name of the function's log group.
            :default: ``/aws/lambda/<function_name>`` when ``function_name`` is given, else
            ``/aws/lambda/<unique name from the construct path>``
        :param log_retention: how long logs are kept; shorter than the policy's
            ``min_log_retention_days`` raises ``ValueError`` (GR-OBS-03).
            :default: the policy's ``min_log_retention_days`` rounded up to a CloudWatch value
        :param reserved_concurrent_executions: the function's reserved concurrency (at least 1:
            without a limit GR-CFG-01 fires).
            :default: the policy's ``default_reserved_concurrency``, else
            ``DEFAULT_RESERVED_CONCURRENCY`` (10)
        :param code_signing_config: the code signing configuration (zip functions).
            :default: the policy's ``code_signing_config_arn``; none when the policy names none
            (GR-DEP-02, high when the policy sets ``require_code_signing``)
        :param dead_letter_queue: the dead-letter queue for asynchronous invocations: a queue,
            ``True`` for a new SQS-encrypted one (14 days, TLS only, alarm on its depth), or
            ``False`` for none (GR-OBS-06 once the function is invoked asynchronously, unless it
            has an ``on_failure`` destination).
            :default: ``True``
        :param alarm_actions: actions of the alarms (errors, dead-letter queue depth), e.g.
            ``cloudwatch_actions.SnsAction(on_call_topic)``.
            :default: none
        :param function_props: any other prop of ``aws_lambda.Function`` (``memory_size``,
            ``timeout``, ``architecture``, ``function_name``, ``on_failure``...). The props the
            construct controls (``role``, ``tracing``, ``log_group``...) are refused.
        """
        super().__init__(scope, id)
        self.policy = Policy.coerce(policy)
        image = isinstance(code, lambda_.DockerImageCode)
        for name in function_props:
            if name in _CONTROLLED:
                instead = _CONTROLLED[name]
                hint = f"; use {instead}" if instead else ""
                raise TypeError(f"SecureFunction sets {name} itself{hint}")
        if image and (runtime is not None or handler is not None):
            raise ValueError(
                "runtime and handler come from the image: give neither with DockerImageCode"
            )
        if not image and (runtime is None or handler is None):
            raise ValueError("runtime and handler are required for a zip function")
        for name in (*(environment or {}), *(secrets or {})):
            if not _ENV_NAME.match(name):
                raise ValueError(f"environment variable name {name!r} is not valid")

        days = self.policy.min_log_retention_days
        if log_retention is not None and retention_days(log_retention) < days:
            raise ValueError(
                f"log_retention {retention_days(log_retention):g} days is shorter than the "
                f"policy's min_log_retention_days ({days}): GR-OBS-03"
            )
        concurrency = (
            reserved_concurrent_executions
            or self.policy.default_reserved_concurrency
            or DEFAULT_RESERVED_CONCURRENCY
        )
        if reserved_concurrent_executions is not None and reserved_concurrent_executions < 1:
            raise ValueError(
                "reserved_concurrent_executions must be at least 1: without a limit GR-CFG-01 "
                "fires (and 0 throttles every invocation)"
            )

        #: the customer-managed key of the environment and the log group
        self.key: kms.IKey = encryption_key or (
            kms.Key.from_key_arn(self, "Key", self.policy.kms_key_arn)
            if self.policy.kms_key_arn
            else kms.Key(
                self,
                "Key",
                enable_key_rotation=True,
                description=f"{self.node.path}: Lambda environment and log encryption",
            )
        )
        function_name = function_props.get("function_name")
        group_name = log_group_name or (
            f"/aws/lambda/{function_name}"
            if isinstance(function_name, str) and not cdk.Token.is_unresolved(function_name)
            else "/aws/lambda/"
            + cdk.Names.unique_resource_name(self, max_length=200, separator="-")
        )
        # the key policy names this group: the group needs a name known before it exists
        self.key.add_to_resource_policy(logs_key_statement(self, group_name))
        #: the function's log group
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=group_name,
            retention=log_retention or retention_for(days),
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

        #: the function's own execution role
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            permissions_boundary=_boundary(self, self.policy.permissions_boundary),
            description=f"Execution role of {self.node.path}",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )

        network: dict[str, Any] = {}
        #: the function's security group when the construct created it
        self.security_group: ec2.SecurityGroup | None = None
        if vpc is not None:
            _check_subnets(vpc, vpc_subnets)
            self.role.add_to_policy(
                iam.PolicyStatement(actions=list(VPC_ENI_ACTIONS), resources=["*"])
            )
            if security_groups is None:
                self.security_group = ec2.SecurityGroup(
                    self,
                    "SecurityGroup",
                    vpc=vpc,
                    allow_all_outbound=False,
                    allow_all_ipv6_outbound=False,
                    description=f"{self.node.path}: HTTPS inside the VPC only",
                )
                self.security_group.add_egress_rule(
                    ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to the VPC"
                )
                security_groups = [self.security_group]
            network = {
                "vpc": vpc,
                "vpc_subnets": vpc_subnets,
                "security_groups": list(security_groups),
            }
        elif vpc_subnets is not None or security_groups is not None:
            raise ValueError("vpc_subnets and security_groups need a vpc")
        self._vpc = vpc
        self._vpc_endpoints = vpc_endpoints
        #: the interface endpoints the function relies on, by service (created or reused)
        self.endpoints: dict[str, ec2.IInterfaceVpcEndpoint | None] = {}

        #: the dead-letter queue of asynchronous invocations, if any
        self.dead_letter_queue: sqs.IQueue | None = None
        if dead_letter_queue is True:
            queue = sqs.Queue(
                self,
                "DeadLetterQueue",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=cdk.Duration.days(14),
            )
            self.dead_letter_queue = queue
        elif dead_letter_queue is not False:
            self.dead_letter_queue = dead_letter_queue

        signing = code_signing_config
        if signing is None and self.policy.code_signing_config_arn and not image:
            signing = lambda_.CodeSigningConfig.from_code_signing_config_arn(
                self, "CodeSigning", self.policy.code_signing_config_arn
            )
        common: dict[str, Any] = dict(
            role=self.role,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=dict(environment or {}),
            environment_encryption=self.key,
            reserved_concurrent_executions=concurrency,
            dead_letter_queue=self.dead_letter_queue,
            **network,
            **function_props,
        )
        if signing is not None:
            common["code_signing_config"] = signing
        #: the ``aws_lambda.Function`` (or ``DockerImageFunction``)
        self.function: lambda_.Function
        if isinstance(code, lambda_.DockerImageCode):  # == image
            self.function = lambda_.DockerImageFunction(self, "Function", code=code, **common)
        else:
            # a zip function: runtime and handler were checked not None above
            self.function = lambda_.Function(
                self,
                "Function",
                runtime=cast(lambda_.Runtime, runtime),
                handler=cast(str, handler),
                code=code,
                **common,
            )

        for name, secret in (secrets or {}).items():
            self.add_secret(name, secret)

        #: the alarm on the function's ``Errors`` metric
        self.errors_alarm = self.function.metric_errors(
            period=cdk.Duration.minutes(1)
        ).create_alarm(
            self,
            "ErrorsAlarm",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{self.node.path}: the function failed",
        )
        alarms: list[cloudwatch.Alarm] = [self.errors_alarm]
        if isinstance(self.dead_letter_queue, sqs.Queue) and dead_letter_queue is True:
            alarms.append(
                self.dead_letter_queue.metric_approximate_number_of_messages_visible().create_alarm(
                    self,
                    "DeadLetterQueueAlarm",
                    threshold=1,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                    alarm_description=f"{self.node.path}: asynchronous invocations failed",
                )
            )
        for alarm in alarms:
            alarm.add_alarm_action(*alarm_actions)

    # -- IGrantable ------------------------------------------------------------------------
    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.function.grant_principal

    @property
    def connections(self) -> ec2.Connections:
        """The function's network connections (VPC functions only)."""
        return self.function.connections

    @property
    def function_arn(self) -> str:
        return self.function.function_arn

    @property
    def function_name(self) -> str:
        return self.function.function_name

    # -- secrets ---------------------------------------------------------------------------
    def add_secret(self, name: str, secret: SecretSource) -> None:
        """Bind a secret by reference: ``<NAME>_SECRET_ARN`` for a Secrets Manager secret,
        ``<NAME>_PARAMETER_NAME`` for an SSM parameter, and a read grant on exactly that secret
        or parameter (``kms:Decrypt`` on its customer-managed key included). The value never
        enters the template or the function configuration."""
        if not _ENV_NAME.match(name):
            raise ValueError(f"environment variable name {name!r} is not valid")
        if hasattr(secret, "secret_arn"):  # an ISecret (jsii interfaces are not checkable)
            self.function.add_environment(f"{name}_SECRET_ARN", secret.secret_arn)
            secret.grant_read(self)
            self.add_vpc_endpoint("secretsmanager")
        elif hasattr(secret, "parameter_name"):  # an IParameter
            self.function.add_environment(f"{name}_PARAMETER_NAME", secret.parameter_name)
            secret.grant_read(self)
            self.add_vpc_endpoint("ssm")
        else:
            raise TypeError(
                f"secrets[{name!r}]: expected a Secrets Manager secret or an SSM parameter, "
                f"got {type(secret).__name__}"
            )
        if self._decrypts_with_kms():
            self.add_vpc_endpoint("kms")

    def _decrypts_with_kms(self) -> bool:
        """Whether the role may call ``kms:Decrypt`` without a ``kms:ViaService`` condition
        (what ``grant_read`` on a SecureString parameter with a customer-managed key adds)."""
        policy = self.role.node.try_find_child("DefaultPolicy")
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
        vpc = self._vpc
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

    # -- front doors -----------------------------------------------------------------------
    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` invoke the function (an IAM grant, or a resource policy statement
        for a service principal)."""
        return self.function.grant_invoke(grantee)

    def add_event_source(self, source: lambda_.IEventSource) -> None:
        """Add an event source (``aws_lambda_event_sources``). Asynchronous sources (S3, SNS)
        are covered by the dead-letter queue. Stream sources need
        ``on_failure=lambda_event_sources.SqsDlq(queue)`` and SQS sources a queue with a
        dead-letter queue, else GR-OBS-07."""
        self.function.add_event_source(source)

    def add_permission(
        self,
        id: str,
        *,
        principal: iam.IPrincipal,
        action: str | None = None,
        source_arn: str | None = None,
        source_account: str | None = None,
        principal_org_id: str | None = None,
        event_source_token: str | None = None,
    ) -> None:
        """A resource-policy statement letting ``principal`` invoke the function.

        :param principal: who may invoke it. ``iam.AnyPrincipal()`` without ``source_arn``,
            ``source_account`` or ``principal_org_id`` raises ``ValueError`` (GR-IAM-11).
        :param action: :default: ``lambda:InvokeFunction``
        :param source_account: for an AWS service principal (confused deputy, GR-IAM-12).
            :default: the stack's account for service principals without ``source_arn``
        """
        service = getattr(principal, "service", None)
        if service is not None and source_arn is None and source_account is None:
            source_account = cdk.Stack.of(self).account
        anyone = isinstance(principal, (iam.AnyPrincipal, iam.StarPrincipal))
        if anyone and not (source_arn or source_account or principal_org_id):
            raise ValueError(
                "a permission for any principal needs source_arn, source_account or "
                "principal_org_id: GR-IAM-11"
            )
        self.function.add_permission(
            id,
            principal=principal,
            action=action,
            source_arn=source_arn,
            source_account=source_account,
            organization_id=principal_org_id,
            event_source_token=event_source_token,
        )

    def add_function_url(
        self,
        *,
        auth_type: lambda_.FunctionUrlAuthType = lambda_.FunctionUrlAuthType.AWS_IAM,
        cors: lambda_.FunctionUrlCorsOptions | None = None,
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
        if cors is not None and any(o.strip() == "*" for o in cors.allowed_origins or []):
            raise ValueError(
                "function URL CORS allows any origin ('*'): name the origins (GR-INP-05)"
            )
        return self.function.add_function_url(
            auth_type=auth_type, cors=cors, invoke_mode=invoke_mode
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
        if request_schema is not None:
            models["application/json"] = apigw.Model(
                self,
                f"{method}{_construct_safe(resource.path)}Model",
                rest_api=resource.api,
                content_type="application/json",
                schema=request_schema,
            )
        if method in BODY_METHODS and not models:
            raise ValueError(
                f"{method} {resource.path}: give request_schema (or request_models) so that API "
                "Gateway validates the body (GR-INP-02)"
            )
        if authorizer is not None and authorization_type == apigw.AuthorizationType.IAM:
            authorization_type = authorizer.authorization_type or apigw.AuthorizationType.CUSTOM
        validate = bool(models) or bool(request_parameters)
        return resource.add_method(
            method,
            apigw.LambdaIntegration(self.function),
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


class SecureRestApi(Construct):
    """A regional REST API whose methods require IAM authorization by default (GR-INP-01), with
    X-Ray tracing on its stage and an AWS WAF web ACL in front of it (GR-INP-06): the AWS
    managed common and known-bad-inputs rule groups and a rate limit per IP address.

    Route functions to it with ``SecureFunction.add_to_rest_api(api.root.add_resource(...),
    "POST", request_schema=...)``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rest_api_name: str | None = None,
        description: str | None = None,
        stage_name: str = "prod",
        web_acl_arn: str | None = None,
        rate_limit: int = 1000,
    ) -> None:
        """
        :param rest_api_name: :default: the construct's id
        :param stage_name: :default: ``prod``
        :param web_acl_arn: the ARN of an existing regional web ACL to associate.
            :default: a new web ACL (``AWSManagedRulesCommonRuleSet``,
            ``AWSManagedRulesKnownBadInputsRuleSet``, ``rate_limit`` per IP)
        :param rate_limit: requests per IP address in 5 minutes before the web ACL blocks.
            :default: 1000
        """
        super().__init__(scope, id)
        #: the ``aws_apigateway.RestApi``
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=rest_api_name or id,
            description=description,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(stage_name=stage_name, tracing_enabled=True),
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
        )
        if web_acl_arn is None:
            metric = cdk.Names.unique_resource_name(self, max_length=100, separator="-")
            acl = wafv2.CfnWebACL(
                self,
                "WebAcl",
                scope="REGIONAL",
                default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
                visibility_config=_visibility(metric),
                rules=[
                    _managed_rule("AWSManagedRulesCommonRuleSet", 0),
                    _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 1),
                    wafv2.CfnWebACL.RuleProperty(
                        name="RateLimit",
                        priority=2,
                        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                        statement=wafv2.CfnWebACL.StatementProperty(
                            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                                limit=rate_limit, aggregate_key_type="IP"
                            )
                        ),
                        visibility_config=_visibility("RateLimit"),
                    ),
                ],
            )
            web_acl_arn = acl.attr_arn
        #: the ARN of the web ACL associated with the stage
        self.web_acl_arn = web_acl_arn
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=web_acl_arn,
        )

    @property
    def root(self) -> apigw.IResource:
        return self.api.root

    @property
    def url(self) -> str:
        return self.api.url


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed_rule(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name
            )
        ),
        visibility_config=_visibility(name),
    )


def _boundary(scope: Construct, boundary: str | None) -> iam.IManagedPolicy | None:
    """The policy's permissions boundary: an ARN verbatim, else a managed policy name."""
    if not boundary:
        return None
    if boundary.startswith("arn:"):
        return iam.ManagedPolicy.from_managed_policy_arn(scope, "PermissionsBoundary", boundary)
    name = boundary.strip().strip("/").removeprefix("policy/")
    return iam.ManagedPolicy.from_managed_policy_name(scope, "PermissionsBoundary", name)


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
