"""Fixes of the logging and monitoring rules: tracing, log format, a log group with retention
and a key, a dead-letter queue for asynchronous invocations."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

from guardrails.cdk.building_blocks import dead_letter_queue, statement, tracing_statement
from guardrails.cdk.fixes.context import FunctionFix, set_log_group, show
from guardrails.cdk.fixes.model import flagged
from guardrails.cdk.fixes.registry import fix


@fix("GR-OBS-01", kind="safe")
def tracing(f: FunctionFix) -> None:
    """``TracingConfig.Mode: Active``, and the X-Ray statement the role then needs."""
    before = (f.prop("tracingConfig") or {}).get("mode")
    if before == "Active":
        return
    f.add_statement(tracing_statement(), "Tracing")  # first: it may find no room for it
    f.cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
    f.fn.props["tracingConfig"] = {"mode": "Active"}
    f.record("GR-OBS-01", "TracingConfig.Mode", before or "(not set)", "Active")


@fix("GR-OBS-05", kind="safe")
def json_logs(f: FunctionFix) -> None:
    """``LoggingConfig.LogFormat: JSON`` (the rest of ``LoggingConfig`` kept)."""
    config = f.logging_config()
    if config.get("logFormat") == "JSON":
        return
    before = config.get("logFormat") or "(not set)"
    config["logFormat"] = "JSON"
    f.set_logging(config)
    f.record("GR-OBS-05", "LoggingConfig.LogFormat", before, "JSON")


@fix("GR-OBS-02", kind="safe", after=("GR-OBS-05",))
def log_group(f: FunctionFix) -> None:
    """A log group with the policy's retention for a function without one (see
    ``FunctionFix.create_log_group``), or the retention its group lacks. Left to GR-OBS-03
    when CDK's ``log_retention=`` sets the retention already."""
    target = f.log_group()
    if target is None:
        if not f.has_log_retention():
            f.create_log_group("GR-OBS-02")
        return
    if target.props.get("retentionInDays") is None:
        days = f.retention()
        set_log_group(target, "retentionInDays", days)
        f.h.record(target, "GR-OBS-02", "RetentionInDays", "(not set)", str(days))


@fix("GR-OBS-03", kind="safe", after=("GR-OBS-02",))
def log_retention(f: FunctionFix) -> None:
    """The policy's minimum retention on the function's log group, or on CDK's
    ``log_retention=`` custom resource (a property override: recorded once, also across
    instances). Never shortens it."""
    days = f.retention()
    target = f.log_group()
    if target is None:
        resource = f.log_retention_resource()
        if resource is None or f.h.recorded(resource, "GR-OBS-03", "RetentionInDays"):
            return
        current = resource.props.get("RetentionInDays")
        if not isinstance(current, int) or current >= days:
            return  # a token, or long enough (absent would mean "never expire")
        resource.construct.add_property_override("RetentionInDays", days)
        resource.props["RetentionInDays"] = days
        f.h.record(resource, "GR-OBS-03", "RetentionInDays", str(current), str(days))
        return
    current = target.props.get("retentionInDays")
    if isinstance(current, int) and current < days:
        set_log_group(target, "retentionInDays", days)
        f.h.record(target, "GR-OBS-03", "RetentionInDays", str(current), str(days))


@fix("GR-OBS-04", kind="safe", after=("GR-OBS-02",))
def log_key(f: FunctionFix) -> None:
    """The policy's key (or, asked for by id or with ``fixes="all"``, the stack's own key) on
    the function's log group."""
    target = f.log_group()
    if target is None:
        if f.log_retention_resource() is not None and (
            f.policy.kms_key_arn or f.h.fixes_requested_explicitly("GR-OBS-04")
        ):
            f.h.not_applied(
                f.fn,
                "GR-OBS-04",
                "CDK's log_retention= manages this function's log group, and it cannot set a "
                "key: give the function log_group=logs.LogGroup(..., encryption_key=...)",
            )
        return
    if target.props.get("kmsKeyId"):
        return
    key = f.log_key()  # only now: a per-stack key is created only when it is used
    if key is None:
        return
    set_log_group(target, "kmsKeyId", key)
    f.h.record(target, "GR-OBS-04", "KmsKeyId", "(not set)", show(f.stack.resolve(key)))


@fix("GR-OBS-06", kind="opt-in")
def dead_letter(f: FunctionFix) -> None:
    """An encrypted dead-letter queue for a function that a service invokes asynchronously,
    and the statement that lets the function's role send to it."""
    if f.logical_id not in flagged(f.state, "GR-OBS-06", f.policy):
        return  # the rule decides: invoked asynchronously, with no queue and no destination
    f.can_grant()
    f.h.room(f.state, 2)
    scope, prefix, scope_path = f.new_scope()
    construct_id = f"{prefix}GuardrailsDeadLetterQueue"
    queue = dead_letter_queue(scope, construct_id)
    f.h.added(f.state, 2)  # the queue and its policy
    f.cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
        target_arn=queue.queue_arn
    )
    f.fn.props["deadLetterConfig"] = {"targetArn": queue.queue_arn}
    f.add_statement(statement(["sqs:SendMessage"], queue.queue_arn), "Dlq")
    path = f"{scope_path}/{construct_id}" if scope_path else construct_id
    f.record("GR-OBS-06", "DeadLetterConfig.TargetArn", "(not set)", path)
