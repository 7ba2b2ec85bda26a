"""CDK integrations: the validation plugin and the one-line ``protect``."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
from constructs import Construct, IConstruct

from guardrails.cdk.hardening import SCOPE_ID, HardeningScope, LambdaHardening, Remediation
from guardrails.cdk.plugin import INCOMPLETE_RULE, PLUGIN_NAME, LambdaGuardrails, record_policy
from guardrails.errors import GuardrailsError
from guardrails.policy import Policy


def protect(
    scope: IConstruct,
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    mode: str | None = None,
    remediate: str | Iterable[str] | None = None,
    log_group_name: str = "function",
) -> LambdaGuardrails:
    """Check every Lambda function below ``scope`` (an ``App`` or a ``Stage``) at synth time,
    and with ``remediate`` (``"safe"``, ``"all"`` or a list of rule ids) rewrite them first.
    ``log_group_name`` is the hardening Aspect's choice for the log group it creates:
    ``"function"`` keeps ``/aws/lambda/<function name>`` (an existing group must be imported),
    ``"new"`` creates a group of its own and points the function at it (see docs/adopting.md).

    One plugin registered on the app sees the stacks of nested ``Stage``s too (their own cloud
    assemblies), so each finding is reported exactly once. Aspects do not cross stage
    boundaries: the app's aspects visit neither a nested ``Stage`` nor anything in it, and a
    nested stage is synthesized, with its own aspects, before the app's aspects run. So the
    hardening Aspect is added to the scope and to every ``Stage`` below it, now and again when
    the app's ``synth()`` is called (``protect`` wraps the root's ``synth`` for that): a stage
    created after ``protect`` is hardened like one created before. Only a synthesis that does
    not go through the Python ``synth()`` of the root (``Template.from_stack`` before it) misses
    such a stage. The wrapper also records the policy in the assembly before CDK synthesizes
    (see ``record_policy``).

    Returns the plugin, whose ``last_report`` holds the engine's report after synthesis (and
    ``hardening`` the Aspect, if any).
    """
    resolved = Policy.coerce(policy)
    plugin = LambdaGuardrails(policy=resolved, mode=mode)
    cdk.Validations.of(scope).add_plugins(plugin)
    hardening: LambdaHardening | None = None
    hardened: set[str] = set()  # paths of the stages the Aspect was added to
    if remediate:
        hardening = LambdaHardening(resolved, fixes=remediate, log_group_name=log_group_name)
        _harden_stages(scope, hardening, hardened)
        plugin.hardening = hardening

    def before_synth() -> None:
        if hardening is not None:
            _harden_stages(scope, hardening, hardened)  # the stages created since
        root = scope.node.root
        # a malformed context policy is not recorded: the plugin reports it in CDK's report
        with contextlib.suppress(GuardrailsError):
            record_policy(root, plugin.policy_for(root), before_synth=True)

    _run_before_synth(scope, before_synth, plugin)
    return plugin


def _harden_stages(scope: IConstruct, hardening: LambdaHardening, hardened: set[str]) -> None:
    """Give ``scope`` and every ``Stage`` below it not yet given one a ``HardeningScope`` with
    the hardening Aspect: CDK visits the Aspect once per stage (on that construct alone), and
    the Aspect hardens the stage's stacks from there, in one pass."""
    stages = [scope] + [c for c in scope.node.find_all() if isinstance(c, cdk.Stage)]
    for stage in stages:
        if stage.node.path not in hardened:
            hardened.add(stage.node.path)
            construct_id, n = SCOPE_ID, 1
            while stage.node.try_find_child(construct_id) is not None:
                n += 1
                construct_id = f"{SCOPE_ID}{n}"
            marker = HardeningScope(cast(Construct, stage), construct_id)
            cdk.Aspects.of(marker).add(hardening, priority=cdk.AspectPriority.MUTATING)


def _run_before_synth(
    scope: IConstruct, hook: Callable[[], None], plugin: LambdaGuardrails
) -> None:
    """Make the ``synth()`` of ``scope``'s root (the ``App``) call ``hook`` first, and print the
    plugin's summary line last, after CDK's report (``validate`` runs before CDK prints it). CDK
    has no hook of its own that runs before nested stages are synthesized: aspects run after
    them, and never on a nested stage. The wrapper is an attribute of this one object: other
    apps, and CDK's own calls from JavaScript, are untouched. Wrappers of several ``protect``
    calls chain."""
    root = scope.node.root
    if not isinstance(root, cdk.Stage):
        return
    synth = root.synth

    @functools.wraps(synth)
    def synth_after_hook(*args: Any, **kwargs: Any) -> Any:
        hook()
        plugin.summary_after_synth, plugin.last_summary = True, None
        try:
            return synth(*args, **kwargs)
        finally:
            plugin.summary_after_synth = False
            if plugin.last_summary:
                print(plugin.last_summary, file=sys.stderr, flush=True)

    setattr(root, "synth", synth_after_hook)  # noqa: B010 (mypy refuses assigning a method)


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
