"""Secure constructs for platform teams: the secure path as the easy path.

- ``SecureFunction``: an ``aws_lambda.Function`` that passes every rule of the catalog by
  construction (a drop-in replacement that keeps the function's logical id);
- ``SecureRestApi``: an ``aws_apigateway.RestApi`` with IAM authorization by default and a WAF
  web ACL;
- ``FunctionOptions`` / ``RestApiOptions``: the CDK props they pass through, for typing the
  ``**kwargs`` of a subclass (``**kwargs: Unpack[FunctionOptions]``);
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
    FunctionOptions,
    SecureFunction,
)
from guardrails.constructs.secure_rest_api import RestApiOptions, SecureRestApi

__all__ = [
    "DEFAULT_RESERVED_CONCURRENCY",
    "FunctionOptions",
    "LambdaComplianceRules",
    "RestApiOptions",
    "SecureFunction",
    "SecureFunctionDefaults",
    "SecureRestApi",
]
