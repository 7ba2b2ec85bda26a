"""CDK integrations: the validation plugin and the one-line ``protect``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

from guardrails.cdk.plugin import PLUGIN_NAME, LambdaGuardrails
from guardrails.policy import Policy


def protect(
    scope: IConstruct,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    mode: str | None = None,
) -> LambdaGuardrails:
    """Check every Lambda function below ``scope`` (an ``App`` or a ``Stage``) at synth time.

    One plugin registered on the app sees the stacks of nested ``Stage``s too (their own cloud
    assemblies), so each finding is reported exactly once. Returns the plugin, whose
    ``last_report`` holds the engine's report after synthesis.
    """
    plugin = LambdaGuardrails(policy=policy, mode=mode)
    cdk.Validations.of(scope).add_plugins(plugin)
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


__all__ = ["PLUGIN_NAME", "LambdaGuardrails", "protect", "synth"]
