"""Rules: logging, monitoring and failure handling (GR-OBS).

Log groups are linked to functions by the model (``LambdaFunction.log_groups``): the group
``LoggingConfig.LogGroup`` points at, the ``/aws/lambda/<function name>`` group, or CDK's
log-retention custom resource for that group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from guardrails.model.function import LambdaFunction, LogGroup
from guardrails.model.values import dig, is_literal, literal_str, render
from guardrails.rules.base import RuleContext, Violation, rule


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
)
def tracing_off(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """``TracingConfig.Mode`` is not ``Active``: absent (Lambda's default is ``PassThrough``),
    ``PassThrough``, or any other literal.

    Interpretations: the comparison ignores case (CloudFormation only accepts ``Active`` and
    ``PassThrough``, so this only avoids a false positive on a template it would reject anyway).
    A mode or a ``TracingConfig`` that is a token cannot be decided and is not reported. The
    location is ``Properties/TracingConfig/Mode``, the property a fix sets, also when it is
    absent.
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
        why = f"TracingConfig.Mode is {mode}"
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
                f"Function {fn.logical_id} writes its logs to log group "
                f"{render(group.name) or group.site.logical_id}, which has no RetentionInDays: "
                "its logs never expire.",
            )
        return
    if configured is not None:
        return  # a group outside the template: its retention is unknown here
    name = literal_str(fn.properties.get("FunctionName"))
    where = f"/aws/lambda/{name}" if name else "/aws/lambda/<function name>"
    yield Violation(
        fn.site.at("LoggingConfig", "LogGroup"),
        f"Function {fn.logical_id} has no log group in the stack: Lambda creates {where} on "
        "first invocation with no retention, so its logs never expire.",
    )
