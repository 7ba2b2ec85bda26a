"""Secure constructs for platform teams: the secure path as the easy path.

- ``SecureFunction``: a Lambda function that passes every rule of the catalog by construction;
- ``SecureRestApi``: a REST API with IAM authorization by default and a WAF web ACL;
- ``SecureFunctionDefaults``: a property injector that gives every ``aws_lambda.Function`` of
  an app or stack the same defaults;
- ``LambdaComplianceRules``: the AWS Config managed rules for Lambda, for what happens after
  deployment, with optional automatic remediation.
"""

from __future__ import annotations

from guardrails.constructs.compliance import LambdaComplianceRules
from guardrails.constructs.defaults import SecureFunctionDefaults
from guardrails.constructs.secure_function import (
    DEFAULT_RESERVED_CONCURRENCY,
    SecureFunction,
    SecureRestApi,
)

__all__ = [
    "DEFAULT_RESERVED_CONCURRENCY",
    "LambdaComplianceRules",
    "SecureFunction",
    "SecureFunctionDefaults",
    "SecureRestApi",
]
