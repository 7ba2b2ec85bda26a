"""The safe fixes that one resource's inputs can hold, as CrossGuard remediations.

Pulumi remediates one resource at a time, before it checks the stack: a fix that needs
another resource (a log group to create, a role that only some functions share) cannot be one.
These can, each the CDK Aspect's fix of the same rule (``guardrails.cdk.fixes``), decided from
the same policy values:

- GR-OBS-01: ``tracingConfig.mode: Active`` on a function, and X-Ray's two actions (which take
  only ``*``) in an inline policy ``lambda-guardrails`` of every role Lambda may assume: Lambda
  refuses a traced function whose role cannot send traces;
- GR-OBS-05: ``loggingConfig.logFormat: JSON`` (the rest of ``loggingConfig`` kept);
- GR-SEC-05: the policy's ``kms_key_arn`` on a function with an environment and no key;
- GR-DEP-02: the policy's ``code_signing_config_arn`` on a zip function without one;
- GR-OBS-03: the policy's minimum retention on a ``/aws/lambda/...`` log group that keeps its
  logs less long (never shortens), and on one without retention (GR-OBS-02's half that is one
  resource);
- GR-OBS-04: the policy's ``kms_key_arn`` on a ``/aws/lambda/...`` log group without a key.

Each returns the resource's new properties, or None (nothing to change, or a value it cannot
decide: unknown during a preview). Like the Aspect's, they are opt-in: ``policies(policy,
remediate="safe")`` (or a list of rule ids) gives their policies the ``remediate`` level.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from guardrails.model.facts import LAMBDA_LOG_PREFIX, XRAY_ACTIONS, retention_at_least
from guardrails.policy import Policy
from guardrails.pulumi.resources import is_unknown
from guardrails.pulumi.types.names import FUNCTION, LOG_GROUP, ROLE

#: the name of the inline policy the tracing fix gives a role (the CDK Aspect's, too)
ROLE_POLICY_NAME = "lambda-guardrails"

Remediate = Callable[[str, Mapping[str, Any], Policy], dict[str, Any] | None]


@dataclass(frozen=True)
class Remediation:
    """A rule's fix on the Pulumi types it rewrites."""

    rule: str
    types: tuple[str, ...]
    remediate: Remediate


def _tracing(kind: str, props: Mapping[str, Any], policy: Policy) -> dict[str, Any] | None:
    if kind == ROLE:
        return _with_xray(props)
    config = props.get("tracingConfig")
    if isinstance(config, Mapping) and config.get("mode") == "Active":
        return None
    return {**props, "tracingConfig": {**(config or {}), "mode": "Active"}}


def _with_xray(role: Mapping[str, Any]) -> dict[str, Any] | None:
    """X-Ray's actions in the role's inline policy ``lambda-guardrails``, for a role Lambda may
    assume (its trust policy names ``lambda.amazonaws.com``)."""
    trust = role.get("assumeRolePolicy")
    if not isinstance(trust, str) or is_unknown(trust) or "lambda.amazonaws.com" not in trust:
        return None
    inline = role.get("inlinePolicies")
    if inline is not None and not isinstance(inline, list):
        return None
    policies = [dict(p) for p in inline or [] if isinstance(p, Mapping)]
    if any(p.get("name") == ROLE_POLICY_NAME for p in policies):
        return None
    statement = {"Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    policies.append({"name": ROLE_POLICY_NAME, "policy": json.dumps(document)})
    return {**role, "inlinePolicies": policies}


def _json_logs(kind: str, props: Mapping[str, Any], policy: Policy) -> dict[str, Any] | None:
    config = props.get("loggingConfig")
    if isinstance(config, Mapping) and config.get("logFormat") == "JSON":
        return None
    if config is not None and not isinstance(config, Mapping):
        return None
    return {**props, "loggingConfig": {**(config or {}), "logFormat": "JSON"}}


def _environment_key(kind: str, props: Mapping[str, Any], policy: Policy) -> dict[str, Any] | None:
    if not policy.kms_key_arn or props.get("kmsKeyArn") or not props.get("environment"):
        return None
    return {**props, "kmsKeyArn": policy.kms_key_arn}


def _code_signing(kind: str, props: Mapping[str, Any], policy: Policy) -> dict[str, Any] | None:
    arn = policy.code_signing_config_arn
    if not arn or props.get("codeSigningConfigArn") or props.get("packageType") == "Image":
        return None
    return {**props, "codeSigningConfigArn": arn}


def _function_group(props: Mapping[str, Any]) -> bool:
    name = props.get("name")
    return isinstance(name, str) and not is_unknown(name) and name.startswith(LAMBDA_LOG_PREFIX)


def _retention(kind: str, props: Mapping[str, Any], policy: Policy) -> dict[str, Any] | None:
    if not _function_group(props):
        return None
    days = retention_at_least(policy.min_log_retention_days)
    current = props.get("retentionInDays")
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        if current == 0 or current >= days:  # 0: never expire, longer than any minimum
            return None
    elif current is not None:
        return None  # unknown, or not a number: not ours to decide
    return {**props, "retentionInDays": days}


def _log_key(kind: str, props: Mapping[str, Any], policy: Policy) -> dict[str, Any] | None:
    if not policy.kms_key_arn or props.get("kmsKeyId") or not _function_group(props):
        return None
    return {**props, "kmsKeyId": policy.kms_key_arn}


REMEDIATIONS = (
    Remediation("GR-OBS-01", (FUNCTION, ROLE), _tracing),
    Remediation("GR-OBS-05", (FUNCTION,), _json_logs),
    Remediation("GR-SEC-05", (FUNCTION,), _environment_key),
    Remediation("GR-DEP-02", (FUNCTION,), _code_signing),
    Remediation("GR-OBS-03", (LOG_GROUP,), _retention),
    Remediation("GR-OBS-04", (LOG_GROUP,), _log_key),
)
