"""Rules: logging, monitoring and failure handling (GR-OBS).

Log groups are linked to functions by the model (``LambdaFunction.log_groups``): the group
``LoggingConfig.LogGroup`` points at, the ``/aws/lambda/<function name>`` group, or CDK's
log-retention custom resource for that group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from guardrails.model.function import LambdaFunction, LogGroup
from guardrails.model.values import Text, dig, is_literal, literal_str
from guardrails.rules.base import RuleContext, Violation, rule
from guardrails.rules.quoting import (
    FUNCTION_NAME,
    LOG_GROUP_NAME,
    quote_enum,
    quote_service_principal,
    safe_arn,
    safe_name,
)

_TRACING_MODES = ("Active", "PassThrough")
_LOG_FORMATS = ("JSON", "Text")


@rule(
    "GR-OBS-01",
    title="X-Ray active tracing is off",
    severity="medium",
    rationale=(
        "Without active tracing there is no end-to-end record of what a request touched, which "
        "slows down both incident response and the investigation of abuse."
    ),
    fix="Pass `tracing=lambda_.Tracing.ACTIVE` to the function.",
    remediation="safe",
    references={
        "Security Hub": "Lambda.7",
        "AWS Config": "lambda-function-xray-enabled",
        "cdk-nag": "Serverless-LambdaTracing",
        "checkov": "CKV_AWS_50",
    },
    example="""
        lambda_.Function(self, "Handler", ..., tracing=lambda_.Tracing.ACTIVE)
    """,
)
def tracing_off(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """``TracingConfig.Mode`` is not ``Active``: absent (Lambda's default is ``PassThrough``),
    ``PassThrough``, or any other literal.

    Interpretations: the comparison ignores case (CloudFormation only accepts ``Active`` and
    ``PassThrough``, so this only avoids a false positive on a template it would reject anyway).
    A mode or a ``TracingConfig`` that is a token cannot be decided and is not reported. The
    location is ``Properties/TracingConfig/Mode``, the property a fix sets, also when it is
    absent. The message quotes the mode only when it is ``Active`` or ``PassThrough``; any other
    value is described ("a value that is not a tracing mode"), never quoted: a message quotes a
    template value only in the shape its property allows (``guardrails.rules.quoting``).
    """
    config = fn.properties.get("TracingConfig")
    if config is not None and not isinstance(config, dict):
        return  # a token (Fn::If, a parameter...)
    mode = config.get("Mode") if config else None
    if mode is not None and not isinstance(mode, str):
        return
    if mode is not None and mode.lower() == "active":
        return
    if mode:
        shown = quote_enum(mode, _TRACING_MODES, "a value that is not a tracing mode")
        why = f"TracingConfig.Mode is {shown}"
    else:
        unset = "TracingConfig.Mode" if config is not None else "TracingConfig"
        why = f"{unset} is not set, so PassThrough"
    yield Violation(
        fn.site.at("TracingConfig", "Mode"),
        f"Function {fn.logical_id} does not trace requests with X-Ray ({why}).",
    )


def _retention(group: LogGroup) -> str:
    """``"days"`` (a literal retention), ``"never"`` (absent: never expire) or ``"unknown"``."""
    value: Any = group.retention_in_days
    if value is None:
        return "never"
    if not is_literal(value):
        return "unknown"
    text = literal_str(value)
    return "days" if text is not None and text.isdigit() and int(text) > 0 else "never"


def _writes_to(group: LogGroup, configured: Any) -> bool:
    """Whether the function's logs land in ``group``: with ``LoggingConfig.LogGroup`` set, only
    the group it names counts (a log-retention resource on ``/aws/lambda/<name>`` then governs a
    group the function does not write to)."""
    if configured is None or group.linked_by == "logging_config":
        return True
    name = literal_str(group.name)
    return name is not None and name == literal_str(configured)


@rule(
    "GR-OBS-02",
    title="No log group with a retention period",
    severity="medium",
    rationale=(
        "The log group Lambda creates on first invocation keeps logs forever: they pile up cost, "
        "and personal or secret data written to them by mistake is never purged. A log group "
        "in the stack also makes the logs' lifetime reviewable."
    ),
    fix=(
        "Create the log group in the stack and point the function at it: "
        '`log_group=logs.LogGroup(self, "Logs", retention=logs.RetentionDays.THREE_MONTHS)`.'
    ),
    remediation="safe",
    references={"cdk-nag": "Serverless-CloudWatchLogGroupRetentionPeriod", "checkov": "CKV_AWS_66"},
    example="""
        lambda_.Function(
            self, "Handler", ...,
            log_group=logs.LogGroup(
                self, "HandlerLogs", retention=logs.RetentionDays.THREE_MONTHS
            ),
        )
    """,
)
def no_log_retention(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """Neither ``LoggingConfig.LogGroup`` points at a log group with ``RetentionInDays``, nor is
    there a ``/aws/lambda/<function name>`` log group (or CDK's ``Custom::LogRetention``) with
    retention.

    Interpretations: ``RetentionInDays`` absent means "never expire" in CloudFormation (CDK's
    ``RetentionDays.INFINITE``), so such a group is reported, at its ``Properties/RetentionInDays``
    (on the log group or the log-retention resource: the property a fix sets). Without any linked
    group the violation is at the function's ``Properties/LoggingConfig/LogGroup``. When
    ``LoggingConfig.LogGroup`` is set, only the group it names counts. It is compliant as soon as
    one group the function writes to has a literal retention. A retention that is a token, a
    ``LoggingConfig.LogGroup`` that names a group outside the template (imported, a parameter)
    cannot be decided and are not reported. The length of the retention is GR-OBS-03's concern.
    The message names a log group by its name, or by its logical id when it has none or when
    the name does not match the log group name pattern or looks like a credential ("(name not
    shown)"); the same holds for the ``FunctionName`` in ``/aws/lambda/<function name>``.
    """
    configured = dig(fn.properties, "LoggingConfig", "LogGroup")
    groups = [g for g in fn.log_groups if _writes_to(g, configured)]
    states = [_retention(g) for g in groups]
    if "days" in states or "unknown" in states:
        return
    if groups:
        for group in groups:
            yield Violation(
                group.site.at("RetentionInDays"),
                f"Function {fn.logical_id} writes its logs to log group {_group_name(group)}, "
                "which has no RetentionInDays: its logs never expire.",
            )
        return
    if configured is not None:
        return  # a group outside the template: its retention is unknown here
    name = literal_str(fn.properties.get("FunctionName"))
    where = "/aws/lambda/<function name>"
    if name:
        shown = safe_name(name, FUNCTION_NAME)
        where = f"/aws/lambda/{shown}" if shown else f"{where} (name not shown)"
    yield Violation(
        fn.site.at("LoggingConfig", "LogGroup"),
        f"Function {fn.logical_id} has no log group in the stack: Lambda creates {where} on "
        "first invocation with no retention, so its logs never expire.",
    )


def _groups_written_to(fn: LambdaFunction) -> list[LogGroup]:
    """The linked log groups the function's logs land in (see ``_writes_to``)."""
    configured = dig(fn.properties, "LoggingConfig", "LogGroup")
    return [g for g in fn.log_groups if _writes_to(g, configured)]


def _group_name(group: LogGroup) -> str:
    """The log group's name when a message may quote it (see ``quoting.safe_name``), else its
    logical id."""
    if group.name is None or group.name == "":
        return group.site.logical_id
    return safe_name(group.name, LOG_GROUP_NAME) or f"{group.site.logical_id} (name not shown)"


@rule(
    "GR-OBS-03",
    title="Log retention shorter than the policy's minimum",
    severity="low",
    rationale=(
        "Logs that expire after a few days are gone when an incident is discovered weeks later: "
        "the evidence of what the function did, and of who called it, no longer exists."
    ),
    fix=(
        "Keep the logs at least as long as the policy's `min_log_retention_days` (default 90): "
        "`retention=logs.RetentionDays.THREE_MONTHS` or longer on the function's log group."
    ),
    remediation="safe",
    references={
        "AWS Config": "cw-loggroup-retention-period-check",
        "checkov": "CKV_AWS_338",
    },
    example="""
        lambda_.Function(
            self, "Handler", ...,
            log_group=logs.LogGroup(
                self, "HandlerLogs", retention=logs.RetentionDays.THREE_MONTHS
            ),
        )
    """,
)
def short_log_retention(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A log group the function writes to (the group ``LoggingConfig.LogGroup`` names, else the
    ``/aws/lambda/<function name>`` group or CDK's ``Custom::LogRetention`` for it) keeps its
    logs for fewer days than ``policy.min_log_retention_days`` (default 90).

    Interpretations: one violation per such group, at its ``Properties/RetentionInDays`` (on the
    log group, or on the log-retention resource that sets it). A group without
    ``RetentionInDays`` never expires: that is GR-OBS-02's finding, not this one. A retention
    that is a token, and a group outside the template, cannot be decided and are not reported.
    Log groups are named as in GR-OBS-02.
    """
    minimum = ctx.policy.min_log_retention_days
    for group in _groups_written_to(fn):
        if _retention(group) != "days":
            continue
        days = int(literal_str(group.retention_in_days) or 0)
        if days >= minimum:
            continue
        yield Violation(
            group.site.at("RetentionInDays"),
            f"Function {fn.logical_id} keeps its logs in log group {_group_name(group)} for "
            f"{days} day{'s' if days != 1 else ''}, less than the policy's minimum of {minimum} "
            "days (min_log_retention_days).",
        )


@rule(
    "GR-OBS-04",
    title="Log group not encrypted with KMS",
    severity="low",
    rationale=(
        "Function logs often carry request data, identifiers and error details. A customer "
        "managed KMS key puts reading them under a key policy you control and audit, and lets "
        "you make them unreadable by disabling the key."
    ),
    fix=(
        "Create the function's log group with a KMS key whose key policy lets the CloudWatch "
        "Logs service principal use it: `logs.LogGroup(..., encryption_key=key)`, and pass it "
        "as `log_group=`. CDK's `log_retention=` cannot carry a key: replace it with such a log "
        "group. The hardening Aspect does this by default when the policy names a key "
        "(`kms_key_arn`), otherwise only when asked (opt-in: it creates a key)."
    ),
    remediation="safe",
    references={
        "AWS Config": "cloudwatch-log-group-encrypted",
        "cdk-nag": "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
        "checkov": "CKV_AWS_158",
    },
    example="""
        key = kms.Key(self, "LogsKey", enable_key_rotation=True)
        key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com"))
        lambda_.Function(
            self, "Handler", ...,
            log_group=logs.LogGroup(
                self, "HandlerLogs",
                encryption_key=key,
                retention=logs.RetentionDays.THREE_MONTHS,
            ),
        )
    """,
)
def log_group_without_kms(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The log group the function writes to has no ``KmsKeyId``.

    Interpretations: each ``AWS::Logs::LogGroup`` the function writes to (see GR-OBS-02) without
    a ``KmsKeyId`` is reported at its ``Properties/KmsKeyId``; a ``KmsKeyId`` in any form (a
    literal ARN, a reference to a key, a parameter) complies, an empty string is no key. A
    function whose logs go to ``/aws/lambda/<name>`` with only CDK's ``Custom::LogRetention``
    for it (``log_retention=``) is reported at its ``Properties/LoggingConfig/LogGroup``: that
    group is created by Lambda or by the log-retention handler, and neither sets a key, so it is
    unencrypted. A function with no log group in the stack at all is not reported here: that
    is GR-OBS-02's finding, and its fix (a log group in the stack) is where the key goes. A
    ``LoggingConfig.LogGroup`` outside the template cannot be decided and is not reported. Log
    groups are named as in GR-OBS-02.
    """
    groups = _groups_written_to(fn)
    declared = [g for g in groups if g.linked_by != "log_retention"]
    for group in declared:
        if group.kms_key_id is not None and group.kms_key_id != "":
            continue
        yield Violation(
            group.site.at("KmsKeyId"),
            f"Function {fn.logical_id} writes its logs to log group {_group_name(group)}, "
            "which is not encrypted with a KMS key (no KmsKeyId).",
        )
    if groups and not declared:
        yield Violation(
            fn.site.at("LoggingConfig", "LogGroup"),
            f"Function {fn.logical_id} writes its logs to {_group_name(groups[0])}, a log group "
            "that Lambda creates without a KMS key: CDK's log retention "
            f"({groups[0].site.logical_id}, Custom::LogRetention) sets its retention but cannot "
            "encrypt it.",
        )


@rule(
    "GR-OBS-05",
    title="Logs are not structured",
    severity="low",
    rationale=(
        "Plain-text logs cannot be queried reliably: finding every failed request of one caller "
        "during an incident, or alerting on a field, needs JSON log lines. Lambda writes its own "
        "platform records (start, end, report) as JSON too when the format is JSON."
    ),
    fix="Pass `logging_format=lambda_.LoggingFormat.JSON` to the function.",
    remediation="safe",
    example="""
        lambda_.Function(self, "Handler", ..., logging_format=lambda_.LoggingFormat.JSON)
    """,
)
def unstructured_logs(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """``LoggingConfig.LogFormat`` is not ``JSON``: absent (Lambda's default is ``Text``),
    ``Text``, or any other literal.

    Interpretations: the comparison ignores case. A ``LoggingConfig`` or a ``LogFormat`` that is
    a token cannot be decided and is not reported. The location is
    ``Properties/LoggingConfig/LogFormat``, the property a fix sets, also when it is absent.
    The message quotes the format only when it is ``JSON`` or ``Text``; any other value is
    described ("a value that is not a log format").
    """
    config = fn.properties.get("LoggingConfig")
    if config is not None and not isinstance(config, dict):
        return  # a token
    log_format = config.get("LogFormat") if config else None
    if log_format is not None and not isinstance(log_format, str):
        return
    if log_format is not None and log_format.lower() == "json":
        return
    if log_format:
        shown = quote_enum(log_format, _LOG_FORMATS, "a value that is not a log format")
        why = f"LogFormat is {shown}"
    else:
        why = "LogFormat is not set, so Text"
    yield Violation(
        fn.site.at("LoggingConfig", "LogFormat"),
        f"Function {fn.logical_id} writes plain-text logs ({why}).",
    )


#: services whose permissions invoke a function asynchronously (GR-OBS-06; the hardening
#: Aspect's dead-letter fix asks the rule itself, ``cdk.fixes.model``)
ASYNC_SERVICES = ("s3", "sns", "events", "scheduler", "ses", "logs", "iot")
_SERVICE_PRINCIPAL = re.compile(r"^([a-z0-9-]+)(?:\.[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")
_INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:invokeasync", "lambda:*", "*")


def asynchronous_service(principal: Any) -> str | None:
    """The service (``s3``, ``logs``...) whose principal this is when it invokes a function
    asynchronously, else None (a token, another service, not a service principal)."""
    service = _service_of(principal)
    return service if service in ASYNC_SERVICES else None


def _service_of(principal: Any) -> str | None:
    """``s3`` for ``s3.amazonaws.com``, ``logs`` for ``logs.eu-west-1.amazonaws.com`` or
    ``!Sub logs.${AWS::Region}.amazonaws.com``; None for anything else or a token."""
    text = literal_str(principal)
    if text is not None:
        match = _SERVICE_PRINCIPAL.match(text.lower())
        return match.group(1) if match else None
    if isinstance(principal, Text) and principal.parts and isinstance(principal.parts[0], str):
        head, dot, _ = principal.parts[0].partition(".")
        on_aws = any("amazonaws.com" in part for part in principal.literals) or any(
            t.kind == "pseudo" and t.target == "AWS::URLSuffix" for t in principal.tokens
        )
        if head and dot and on_aws:
            return head.lower()
    return None


def _async_invokers(fn: LambdaFunction) -> list[str]:
    """What invokes the function asynchronously, for the message."""
    out = []
    for p in fn.permissions:
        action = literal_str(p.action)
        if action is not None and action.lower() not in _INVOKE_ACTIONS:
            continue
        service = asynchronous_service(p.principal)
        if service is not None:
            shown = quote_service_principal(p.principal, f"a {service} service principal")
            out.append(f"{shown} through permission {p.site.logical_id}")
    out.extend(f"schedule {s.site.logical_id}" for s in fn.schedules)
    out.extend(f"EventInvokeConfig {c.site.logical_id}" for c in fn.event_invoke_configs)
    return out


@rule(
    "GR-OBS-06",
    title="Asynchronous invocations without a dead-letter queue or on-failure destination",
    severity="medium",
    rationale=(
        "Lambda retries a failed asynchronous invocation twice, then drops the event. Without a "
        "dead-letter queue or an on-failure destination, the orders, uploads or notifications "
        "that failed are lost without a trace, and an attack that makes the function fail "
        "leaves no evidence."
    ),
    fix=(
        "Give the function an encrypted SQS dead-letter queue "
        "(`dead_letter_queue=sqs.Queue(..., encryption=sqs.QueueEncryption.SQS_MANAGED)` or "
        "`dead_letter_queue_enabled=True`), or an on-failure destination "
        "(`on_failure=destinations.SqsDestination(queue)`), and alarm on its depth."
    ),
    remediation="opt-in",
    references={
        "AWS Config": "lambda-dlq-check",
        "cdk-nag": "Serverless-LambdaDLQ",
        "checkov": "CKV_AWS_116",
    },
    example="""
        failed = sqs.Queue(self, "HandlerFailed", encryption=sqs.QueueEncryption.SQS_MANAGED)
        fn = lambda_.Function(self, "Handler", ..., on_failure=destinations.SqsDestination(failed))
        bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn)
        )
    """,
)
def async_without_failure_handling(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function is invoked asynchronously and has neither ``DeadLetterConfig.TargetArn``
    nor an ``EventInvokeConfig`` with ``DestinationConfig.OnFailure.Destination``.

    Asynchronously invoked means: an ``AWS::Lambda::Permission`` to invoke it for one of the
    services that invoke asynchronously (``s3``, ``sns``, ``events``, ``scheduler``, ``ses``,
    ``logs``, ``iot`` ``.amazonaws.com``, also in their regional forms such as
    ``logs.<region>.amazonaws.com`` and ``!Sub`` with ``${AWS::Region}`` / ``${AWS::URLSuffix}``:
    what CDK's S3 notifications, SNS subscriptions, EventBridge rule targets and log
    subscription filters create), an ``AWS::Scheduler::Schedule`` whose target is the function
    (EventBridge Scheduler invokes through the schedule's role, without a Permission), or an
    ``EventInvokeConfig`` for it.

    Interpretations: the function, its versions and its aliases are one: an on-failure
    destination on an alias's ``EventInvokeConfig`` counts for the function. A dead-letter
    queue or destination in any form (a reference, a parameter, an import) complies. A
    schedule's own ``Target.DeadLetterConfig`` does not: it catches events Scheduler could not
    deliver, not events the function failed. A permission whose principal is a token is not
    counted as an asynchronous invoker; a ``DeadLetterConfig`` that is a token cannot be decided
    and nothing is reported. The location is ``Properties/DeadLetterConfig``, the property the
    remediation sets. A permission's principal is quoted only in the shape of an AWS service
    principal.
    """
    invokers = _async_invokers(fn)
    if not invokers:
        return
    dead_letter = fn.properties.get("DeadLetterConfig")
    if dead_letter is not None and not isinstance(dead_letter, dict):
        return  # a token
    target = dead_letter.get("TargetArn") if dead_letter else None
    if target is not None and target != "":
        return
    if any(c.on_failure_destination not in (None, "") for c in fn.event_invoke_configs):
        return
    yield Violation(
        fn.site.at("DeadLetterConfig"),
        f"Function {fn.logical_id} is invoked asynchronously ({'; '.join(invokers)}) but has "
        "neither a dead-letter queue (DeadLetterConfig.TargetArn) nor an on-failure destination "
        "(EventInvokeConfig DestinationConfig.OnFailure): events that still fail after Lambda's "
        "retries are dropped.",
    )


_STREAM_KINDS = {"kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}


@rule(
    "GR-OBS-07",
    title="Event source without failure handling",
    severity="medium",
    rationale=(
        "A stream record that keeps failing blocks its shard until it expires and is then lost; "
        "an SQS message that keeps failing is retried until the queue's retention period ends "
        "and is then deleted. Either way data disappears silently, and one poison message can "
        "stall or inflate the processing of all the others."
    ),
    fix=(
        "Kinesis / DynamoDB streams: pass `on_failure=lambda_event_sources.SqsDlq(queue)` (with "
        "`retry_attempts=` and `bisect_batch_on_error=True`) to the event source. SQS: give the "
        "queue a dead-letter queue: `sqs.Queue(..., dead_letter_queue=sqs.DeadLetterQueue("
        "queue=dlq, max_receive_count=3))`."
    ),
    references={"cdk-nag": "Serverless-LambdaEventSourceMappingDestination"},
    example="""
        fn.add_event_source(lambda_event_sources.KinesisEventSource(
            stream,
            starting_position=lambda_.StartingPosition.LATEST,
            retry_attempts=3,
            on_failure=lambda_event_sources.SqsDlq(failed),
        ))
        jobs = sqs.Queue(
            self, "Jobs",
            dead_letter_queue=sqs.DeadLetterQueue(queue=failed, max_receive_count=3),
        )
        fn.add_event_source(lambda_event_sources.SqsEventSource(jobs))
    """,
)
def event_source_without_failure_handling(
    fn: LambdaFunction, ctx: RuleContext
) -> Iterator[Violation]:
    """A Kinesis or DynamoDB stream event source mapping has no
    ``DestinationConfig.OnFailure.Destination``; an SQS event source mapping reads a queue of
    the template that has no ``RedrivePolicy``.

    Interpretations: stream mappings are reported at the mapping's
    ``Properties/DestinationConfig``, whatever else they set (``MaximumRetryAttempts`` only
    shortens the wait before a record is dropped). SQS mappings are reported at the queue's
    ``Properties/RedrivePolicy`` (SQS mappings cannot have a destination: the queue's redrive
    policy is their dead-letter queue); a queue outside the template (imported, a parameter)
    cannot be decided and is not reported, nor is a ``RedrivePolicy`` that is a token. Other
    sources (Kafka, MQ, DocumentDB) and mappings whose source kind cannot be told are not in
    the catalog's scope. A stream outside the template is quoted only as an ARN.
    """
    for m in fn.event_source_mappings:
        if m.source_kind in _STREAM_KINDS:
            if m.on_failure_destination not in (None, ""):
                continue
            kind = _STREAM_KINDS[m.source_kind]
            source = m.source or safe_arn(m.event_source_arn)
            what = f"{kind} {source}" if source else f"a {kind} whose ARN is not shown"
            yield Violation(
                m.site.at("DestinationConfig"),
                f"Event source mapping {m.site.logical_id} feeds function {fn.logical_id} from "
                f"{what} without an on-failure destination "
                "(DestinationConfig.OnFailure): records that keep failing block the shard "
                "until they expire, then are lost.",
            )
        elif m.source_kind == "sqs" and m.source_site is not None:
            if m.source_redrive_policy is not None:
                continue
            yield Violation(
                m.source_site.at("RedrivePolicy"),
                f"SQS queue {m.source} feeds function {fn.logical_id} (event source mapping "
                f"{m.site.logical_id}) but has no RedrivePolicy: messages that keep failing "
                "are retried until the queue's retention period ends, then deleted.",
            )


#: the metrics Lambda publishes in ``AWS/Lambda`` (the closed vocabulary GR-OBS-08 quotes)
LAMBDA_METRICS = frozenset(
    {
        "Invocations", "Errors", "DeadLetterErrors", "DestinationDeliveryFailures", "Throttles",
        "OversizedRecordCount", "ProvisionedConcurrencyInvocations",
        "ProvisionedConcurrencySpilloverInvocations", "RecursiveInvocationsDropped",
        "SignatureValidationErrors", "Duration", "PostRuntimeExtensionsDuration", "IteratorAge",
        "OffsetLag", "ConcurrentExecutions", "ProvisionedConcurrentExecutions",
        "ProvisionedConcurrencyUtilization", "UnreservedConcurrentExecutions",
        "ClaimedAccountConcurrency", "AsyncEventsReceived", "AsyncEventAge",
        "AsyncEventsDropped", "PolledEventCount", "InvokedEventCount", "FilteredOutEventCount",
        "FailedInvokeEventCount", "DeletedEventCount", "DroppedEventCount",
        "OnFailureDestinationDeliveredEventCount",
    }
)  # fmt: skip


def _lambda_metric(name: object) -> bool:
    return isinstance(name, str) and name in LAMBDA_METRICS


@rule(
    "GR-OBS-08",
    title="No alarm on the function's errors",
    severity="low",
    rationale=(
        "Without an alarm on the Errors metric, a function that starts failing (a bad deploy, "
        "an expired credential, a dependency outage, an attack) is noticed by its users first."
    ),
    fix=(
        "Create an alarm on the function's errors and route it to whoever is on call: "
        "`fn.metric_errors().create_alarm(self, 'HandlerErrors', threshold=1, "
        "evaluation_periods=1)` plus an alarm action."
    ),
    example="""
        alarm = fn.metric_errors(period=Duration.minutes(5)).create_alarm(
            self, "HandlerErrors", threshold=1, evaluation_periods=1
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(on_call_topic))
    """,
)
def no_error_alarm(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """No ``AWS::CloudWatch::Alarm`` in the function's template watches the ``Errors`` metric
    (namespace ``AWS/Lambda``) with a ``FunctionName`` (or ``Resource``) dimension naming the
    function, its alias or version, directly or inside metric math (what
    ``fn.metric_errors().create_alarm(...)`` and a ``MathExpression`` over it emit).

    Interpretations: an alarm whose metric name or namespace is a token may watch the errors and
    silences the rule. An alarm on the account-wide ``Errors`` metric (no dimension) is not the
    function's alarm. Whether the alarm has an action is not checked. Limitation: alarms are
    linked within one template, so an alarm in another stack (a monitoring stack that imports
    the function name with ``Fn::ImportValue``) is not seen, and the function is reported; the
    location is the function's ``Properties``. The message names the metrics the function's
    alarms watch only when they are metrics of ``AWS/Lambda`` (``LAMBDA_METRICS``); any other
    metric name is described ("a metric other than Errors"), never quoted.
    """
    for alarm in fn.alarms:
        name, namespace = alarm.metric_name, alarm.namespace
        if not is_literal(name) or not is_literal(namespace):
            return  # cannot tell which metric it watches
        if name == "Errors" and namespace == "AWS/Lambda":
            return
    names = [a.metric_name for a in fn.alarms if a.metric_name]
    others = sorted({n for n in names if isinstance(n, str) and n in LAMBDA_METRICS})
    if not all(_lambda_metric(n) for n in names):
        others.append("a metric other than Errors")
    seen = f" (its alarms watch {', '.join(others)} only)" if others else ""
    yield Violation(
        fn.site,
        f"Function {fn.logical_id} has no CloudWatch alarm on its Errors metric (AWS/Lambda) "
        f"in the stack{seen}: failures go unnoticed.",
    )
