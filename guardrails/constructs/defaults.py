"""``SecureFunctionDefaults``: the guardrails' defaults for every ``aws_lambda.Function`` of an
app or a stack, as a CDK property injector, so that existing code gets them without edits::

    app = cdk.App(property_injectors=[SecureFunctionDefaults(policy)])
    # or per stack: cdk.Stack(app, "Orders", property_injectors=[SecureFunctionDefaults(policy)])

A property injector runs before the function exists: it sees the props the code passed
(camelCase JavaScript names) and the ``scope`` and ``id`` the function will get, and returns the
props with the defaults added where the code set none. The resources it adds for a function
(its log group, role, dead-letter queue) are created beside it, under ``<id>Guardrails``; the
per-stack key is ``SecureFunctionDefaultsKey``. What the code sets always wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from guardrails.cdk.building_blocks import (
    boundary_policy,
    dead_letter_queue,
    log_write_statement,
    logs_key_statement,
    network_interface_statement,
    policy_statement,
    retention_for,
    stack_key,
)
from guardrails.model.framework import is_framework_function
from guardrails.policy import Policy

#: construct id of the per-stack key the injector creates when the policy names none
STACK_KEY_ID = "SecureFunctionDefaultsKey"


@jsii.implements(cdk.IPropertyInjector)
class SecureFunctionDefaults:
    """Injects the ``SecureFunction`` defaults into every ``aws_lambda.Function`` (and its
    subclasses: ``DockerImageFunction``, ``NodejsFunction``, ``PythonFunction``...) in scope,
    wherever the code set no value of its own:

    - ``tracing``: ``Tracing.ACTIVE`` (GR-OBS-01);
    - ``logging_format``: ``LoggingFormat.JSON`` (GR-OBS-05);
    - ``log_group``: a new log group with the policy's ``min_log_retention_days`` (rounded up to
      a CloudWatch value), encrypted with the key, kept on stack deletion (GR-OBS-02/03/04); not
      when the code passes ``log_group`` or the legacy ``log_retention``;
    - ``environment_encryption``: the key (GR-SEC-05);
    - ``role``: a role of its own without AWS managed policies, with ``logs:CreateLogStream`` /
      ``logs:PutLogEvents`` on the function's log group only, the network-interface actions for
      a VPC function, and the policy's ``permissions_boundary`` (GR-IAM-14, GR-IAM-10); only
      when the log group is known (created here or passed), since the role must name it;
    - ``code_signing_config``: the policy's ``code_signing_config_arn`` (GR-DEP-02; zip
      functions only);
    - ``reserved_concurrent_executions``: ``reserved_concurrency``, else the policy's
      ``default_reserved_concurrency`` (GR-CFG-01); not set when neither names one, since a
      limit changes how a function scales;
    - ``dead_letter_queue``: with ``dead_letter_queues=True``, an SQS-encrypted queue per
      function without a dead-letter queue or ``on_failure`` destination (GR-OBS-06).

    Not injected, because a property injector cannot do it: an alarm on ``Errors`` (GR-OBS-08:
    the function does not exist yet), a VPC (GR-NET-01), front-door settings (GR-INP-*).

    Functions the CDK framework creates (log retention, custom resource providers...) are left
    alone unless the policy sets ``framework.remediate``, as with the hardening Aspect.

    :param policy: the ``guardrails.Policy`` (or mapping, or policy file) whose values are
        injected. :default: the catalog's defaults
    :param create_key: when the policy names no ``kms_key_arn``, create one customer-managed key
        per stack (rotation on) for environments and log groups; ``False`` leaves them with the
        AWS managed keys (GR-SEC-05, GR-OBS-04). :default: ``True``
    :param create_role: give functions without a role one of their own (see above); ``False``
        keeps CDK's role with ``AWSLambdaBasicExecutionRole`` (GR-IAM-14). :default: ``True``
    :param reserved_concurrency: the reserved concurrency of functions that set none.
        :default: the policy's ``default_reserved_concurrency`` (none when unset: GR-CFG-01)
    :param dead_letter_queues: give every function a dead-letter queue. :default: ``False``
    """

    def __init__(
        self,
        policy: Policy | Mapping[str, Any] | str | Path | None = None,
        *,
        create_key: bool = True,
        create_role: bool = True,
        reserved_concurrency: int | None = None,
        dead_letter_queues: bool = False,
    ) -> None:
        self.policy = Policy.coerce(policy)
        self.create_key = create_key
        self.create_role = create_role
        self.reserved_concurrency = reserved_concurrency or self.policy.default_reserved_concurrency
        self.dead_letter_queues = dead_letter_queues

    @property
    def construct_unique_id(self) -> str:
        return lambda_.Function.PROPERTY_INJECTION_ID

    def inject(self, original_props: Any, *, scope: Construct, id: str) -> Any:
        props = dict(original_props or {})
        path = f"{scope.node.path}/{id}" if scope.node.path else id
        if is_framework_function("", path) and not self.policy.framework.remediate:
            return props
        holder: Construct | None = None

        def own_scope() -> Construct:
            nonlocal holder
            if holder is None:
                holder = Construct(scope, f"{id}Guardrails")
            return holder

        image = _name(props.get("runtime")) == lambda_.Runtime.FROM_IMAGE.name
        props.setdefault("tracing", lambda_.Tracing.ACTIVE)
        if props.get("loggingFormat") is None and props.get("logFormat") is None:
            props["loggingFormat"] = lambda_.LoggingFormat.JSON

        key: kms.IKey | None = None
        if props.get("logGroup") is None and props.get("logRetention") is None:
            key = self._key(own_scope())
            name = "/aws/lambda/" + cdk.Names.unique_resource_name(
                own_scope(), max_length=200, separator="-"
            )
            if key is not None:
                key.add_to_resource_policy(logs_key_statement(own_scope(), name))
            props["logGroup"] = logs.LogGroup(
                own_scope(),
                "LogGroup",
                log_group_name=name,
                retention=retention_for(self.policy.min_log_retention_days),
                encryption_key=key,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
        if props.get("environmentEncryption") is None:
            key = key or self._key(own_scope())
            if key is not None:
                props["environmentEncryption"] = key

        group = props.get("logGroup")
        if self.create_role and props.get("role") is None and group is not None:
            role = iam.Role(
                own_scope(),
                "ServiceRole",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                permissions_boundary=boundary_policy(own_scope(), self.policy.permissions_boundary),
            )
            role.add_to_policy(policy_statement(log_write_statement(group.log_group_arn)))
            if props.get("vpc") is not None:
                role.add_to_policy(policy_statement(network_interface_statement()))
            props["role"] = role

        arn = self.policy.code_signing_config_arn
        if arn and not image and props.get("codeSigningConfig") is None:
            props["codeSigningConfig"] = lambda_.CodeSigningConfig.from_code_signing_config_arn(
                own_scope(), "CodeSigning", arn
            )
        if self.reserved_concurrency and not props.get("reservedConcurrentExecutions"):
            props["reservedConcurrentExecutions"] = self.reserved_concurrency
        failures = ("deadLetterQueue", "deadLetterQueueEnabled", "deadLetterTopic", "onFailure")
        if self.dead_letter_queues and not any(props.get(k) for k in failures):
            props["deadLetterQueue"] = dead_letter_queue(own_scope(), "DeadLetterQueue")
        return props

    def _key(self, scope: Construct) -> kms.IKey | None:
        """The policy's key, else the stack's own key (created once), else none."""
        if self.policy.kms_key_arn:
            # "Key" here is only ever the IKey the line below imported on an earlier call
            found = cast(kms.IKey | None, scope.node.try_find_child("Key"))
            return found or kms.Key.from_key_arn(scope, "Key", self.policy.kms_key_arn)
        if not self.create_key:
            return None
        return stack_key(cdk.Stack.of(scope), construct_id=STACK_KEY_ID)


def _name(runtime: Any) -> str | None:
    return getattr(runtime, "name", None)
