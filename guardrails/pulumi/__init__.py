"""The Pulumi front end: the same rules on Pulumi stacks, as a CrossGuard policy pack
(``guardrails.pulumi.pack``) and through ``guardrails scan`` on Pulumi's JSON documents.

The translation into the model (``translate``) and the scan (``scan_resources``) need no
``pulumi`` package; the pack and ``programs`` (running a program under Pulumi's mocks) do.
"""

from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.scan import PulumiScan, scan_resources
from guardrails.pulumi.translate import Translation, translate

__all__ = ["PulumiResource", "PulumiScan", "Translation", "scan_resources", "translate"]
