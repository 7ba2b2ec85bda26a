"""lambda-guardrails: policy-as-code for AWS Lambda in the AWS CDK.

One line in ``app.py``::

    import guardrails
    guardrails.protect(app)

The CDK integrations (``protect``, ``LambdaGuardrails``) are imported lazily, so the CLI and
the engine start without loading the CDK.
"""

from __future__ import annotations

from typing import Any

from guardrails.errors import GuardrailsError, InputError, PolicyError
from guardrails.policy import Exemption, Policy, RuleSettings
from guardrails.version import __version__

_CDK_EXPORTS = {"protect", "synth", "LambdaGuardrails", "LambdaHardening"}


def __getattr__(name: str) -> Any:
    if name in _CDK_EXPORTS:
        from guardrails import cdk as _cdk

        return getattr(_cdk, name)
    raise AttributeError(f"module 'guardrails' has no attribute {name!r}")


__all__ = [
    "Exemption",
    "GuardrailsError",
    "InputError",
    "LambdaGuardrails",
    "LambdaHardening",
    "Policy",
    "PolicyError",
    "RuleSettings",
    "__version__",
    "protect",
    "synth",
]
