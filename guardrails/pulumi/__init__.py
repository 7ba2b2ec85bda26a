"""The Pulumi front end: the same rules on Pulumi stacks, as a CrossGuard policy pack
(``guardrails.pulumi.policy_pack``) and through ``guardrails scan`` on Pulumi's JSON documents.

The translation into the model (``translate``) and the scan (``scan_resources``) need no
``pulumi`` package; the pack (``policy_pack``, ``policies``) and ``programs`` (running a
program under Pulumi's mocks) do, and are imported when first used.
"""

from typing import Any

from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.scan import PulumiScan, scan_resources
from guardrails.pulumi.translate import Translation, translate

__all__ = [
    "PulumiResource",
    "PulumiScan",
    "Translation",
    "policies",
    "policy_pack",
    "scan_resources",
    "translate",
]


def __getattr__(name: str) -> Any:
    """``policy_pack`` and ``policies`` from ``guardrails.pulumi.pack``, which needs the
    ``pulumi-policy`` package (the ``pulumi`` extra)."""
    if name in ("policy_pack", "policies"):
        from guardrails.pulumi import pack

        return getattr(pack, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
