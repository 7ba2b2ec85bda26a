"""Fixes of the secrets rules: a customer-managed key on the environment, dynamic references
replaced by the secret's name read at run time."""

from __future__ import annotations

import re

import aws_cdk as cdk

from guardrails.cdk.building_blocks import statement
from guardrails.cdk.fixes.context import FunctionFix, show
from guardrails.cdk.fixes.model import violations
from guardrails.cdk.fixes.registry import fix

_SECRET_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):([^}]*)\}\}")


@fix("GR-SEC-02", kind="opt-in")
def secret_references(f: FunctionFix) -> None:
    """Each variable GR-SEC-02 reports (the rule decides) that is a Secrets Manager / SSM
    SecureString dynamic reference and nothing else becomes the secret's name, read at run
    time, with the read granted on that secret only. Any other reported variable (a
    reference inside a longer value, a NoEcho parameter) is recorded as not applied: the
    secret's name cannot replace it."""
    env = (f.prop("environment") or {}).get("variables") or {}
    reported = violations(f.state, "GR-SEC-02", f.policy).get(f.logical_id, [])
    for name in sorted({v.site.location.rpartition("/")[2] for v in reported}):
        prop = f"Environment.Variables.{name}"
        if f.h.recorded(f.fn, "GR-SEC-02", prop):
            continue  # overrides are not visible in the L1: the record says it is done
        value = env.get(name)
        match = _SECRET_REFERENCE.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            why = (
                "a dynamic reference inside a longer value"
                if isinstance(value, str)
                else ("a NoEcho parameter")
            )
            f.h.not_applied(
                f.fn, "GR-SEC-02", f"{prop} holds {why}, which the secret's name cannot replace"
            )
            continue
        kind, reference = match.groups()
        if kind == "secretsmanager":
            secret_id = reference.split(":SecretString:")[0]
            new_name, arn = f"{name}_SECRET_ARN", _secret_arn(f.stack, secret_id)
            actions = ["secretsmanager:GetSecretValue"]
        else:
            secret_id = reference.split(":")[0]
            new_name, arn = f"{name}_PARAMETER_NAME", _parameter_arn(f.stack, secret_id)
            actions = ["ssm:GetParameter"]
        f.cfn.add_property_deletion_override(prop)
        f.cfn.add_property_override(f"Environment.Variables.{new_name}", secret_id)
        f.add_statement(statement(actions, arn), f"Read{name}")
        what = "a Secrets Manager" if kind == "secretsmanager" else "an SSM SecureString"
        f.record(
            "GR-SEC-02",
            prop,
            f"{what} dynamic reference (the value resolved into the configuration)",
            f"Environment.Variables.{new_name} = {secret_id} (read at run time)",
        )


def _secret_arn(stack: cdk.Stack, secret_id: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id
    return stack.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{secret_id}-??????",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


def _parameter_arn(stack: cdk.Stack, name: str) -> str:
    return stack.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"))


@fix("GR-SEC-05", kind="safe")
def environment_key(f: FunctionFix) -> None:
    """The policy's key (or, asked for, the stack's own) on a function with an environment."""
    env = (f.prop("environment") or {}).get("variables") or {}
    if not env or f.prop("kmsKeyArn"):
        return
    if f.policy.kms_key_arn:
        key = f.policy.kms_key_arn
    elif f.h.fixes_requested_explicitly("GR-SEC-05"):
        key = f.h.stack_key(f.state).key_arn
    else:
        return
    f.cfn.kms_key_arn = key
    f.fn.props["kmsKeyArn"] = key
    f.record("GR-SEC-05", "KmsKeyArn", "(not set: aws/lambda)", show(f.stack.resolve(key)))
