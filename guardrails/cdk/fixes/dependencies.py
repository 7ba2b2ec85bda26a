"""Fixes of the dependency rules: the organisation's code-signing configuration."""

from __future__ import annotations

from guardrails.cdk.fixes.context import FunctionFix
from guardrails.cdk.fixes.registry import fix


@fix("GR-DEP-02", kind="safe")
def code_signing(f: FunctionFix) -> None:
    """The policy's ``code_signing_config_arn`` on a zip function without one (an image
    function is signed in its registry, not by Lambda)."""
    arn = f.policy.code_signing_config_arn
    if not arn or f.prop("codeSigningConfigArn") or f.prop("packageType") == "Image":
        return
    f.cfn.code_signing_config_arn = arn
    f.fn.props["codeSigningConfigArn"] = arn
    f.record("GR-DEP-02", "CodeSigningConfigArn", "(not set)", arn)
