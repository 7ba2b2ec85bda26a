"""CDK integrations: the validation plugin and the one-line ``protect``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

from guardrails.cdk.hardening import LambdaHardening, Remediation
from guardrails.cdk.plugin import INCOMPLETE_RULE, PLUGIN_NAME, LambdaGuardrails
from guardrails.policy import Policy


def protect(
    scope: IConstruct,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    mode: str | None = None,
    remediate: str | Iterable[str] | None = None,
) -> LambdaGuardrails:
    """Check every Lambda function below ``scope`` (an ``App`` or a ``Stage``) at synth time,
    and with ``remediate`` (``"safe"``, ``"all"`` or a list of rule ids) rewrite them first.

    One plugin registered on the app sees the stacks of nested ``Stage``s too (their own cloud
    assemblies), so each finding is reported exactly once. Aspects do not cross stage
    boundaries, so the hardening Aspect is added to the scope and to every ``Stage`` below it:
    call ``protect`` after the stages are created. Returns the plugin, whose ``last_report``
    holds the engine's report after synthesis (and ``hardening`` the Aspect, if any).
    """
    resolved = Policy.coerce(policy)
    plugin = LambdaGuardrails(policy=resolved, mode=mode)
    cdk.Validations.of(scope).add_plugins(plugin)
    if remediate:
        hardening = LambdaHardening(resolved, fixes=remediate)
        stages = [scope] + [c for c in scope.node.find_all() if isinstance(c, cdk.Stage)]
        for stage in dict.fromkeys(stages):
            cdk.Aspects.of(stage).add(hardening, priority=cdk.AspectPriority.MUTATING)
        plugin.hardening = hardening
    return plugin


def synth(app: cdk.App) -> None:
    """``app.synth()``, but a failed guardrails validation exits with status 1 and CDK's message
    (which points at ``cdk.out/validation-report.json``) instead of a jsii traceback."""
    try:
        app.synth()
    except RuntimeError as exc:
        if "ValidationFailed" not in str(exc):
            raise
        raise SystemExit(f"cdk synth failed: {str(exc).strip()}") from None


__all__ = [
    "INCOMPLETE_RULE",
    "PLUGIN_NAME",
    "LambdaGuardrails",
    "LambdaHardening",
    "Remediation",
    "protect",
    "synth",
]
