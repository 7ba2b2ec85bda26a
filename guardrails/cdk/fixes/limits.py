"""Fixes of the limits rules: the organisation's default reserved concurrency."""

from __future__ import annotations

from guardrails.cdk.fixes.context import FunctionFix
from guardrails.cdk.fixes.registry import fix


@fix("GR-CFG-01", kind="opt-in")
def reserved_concurrency(f: FunctionFix) -> None:
    """The policy's ``default_reserved_concurrency`` on a function without a reservation."""
    wanted = f.policy.default_reserved_concurrency
    if not wanted or f.prop("reservedConcurrentExecutions"):
        return
    f.cfn.reserved_concurrent_executions = wanted
    f.fn.props["reservedConcurrentExecutions"] = wanted
    f.record("GR-CFG-01", "ReservedConcurrentExecutions", "(not set)", str(wanted))
