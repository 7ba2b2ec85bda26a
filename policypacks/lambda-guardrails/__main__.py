"""The lambda-guardrails policy pack, run by `pulumi preview --policy-pack <this folder>`.

The organisation policy is ``policy.yaml`` beside this file (the same file the CDK plugin and
``guardrails scan`` read); without it, the catalog's defaults apply.
"""

from pathlib import Path

from guardrails.pulumi import policy_pack

POLICY = Path(__file__).with_name("policy.yaml")

policy_pack(POLICY if POLICY.exists() else None)
