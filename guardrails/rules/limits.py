"""Rules: abuse and cost limits (GR-CFG)."""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.model.function import LambdaFunction
from guardrails.model.values import literal_str
from guardrails.rules.base import RuleContext, Violation, rule


@rule(
    "GR-CFG-01",
    title="No reserved concurrency limit",
    severity="low",
    rationale=(
        "Without a limit, a flood of requests or a retry loop scales the function up to the "
        "account's whole unreserved concurrency: the bill grows with the attack, and every other "
        "function of the account in the region is throttled with it (denial of wallet, noisy "
        "neighbour)."
    ),
    fix=(
        "Pass `reserved_concurrent_executions=<n>` sized to the function's expected peak. The "
        "hardening Aspect sets the policy's `default_reserved_concurrency` when asked (opt-in: "
        "a limit throttles requests above it)."
    ),
    remediation="opt-in",
    references={
        "AWS Config": "lambda-concurrency-check",
        "cdk-nag": "NIST.800.53.R5-LambdaConcurrency",
        "checkov": "CKV_AWS_115",
    },
    example="""
        lambda_.Function(self, "Handler", ..., reserved_concurrent_executions=10)
    """,
)
def no_reserved_concurrency(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """``ReservedConcurrentExecutions`` is absent, or 0.

    Interpretations: the catalog counts 0 as absent, and so does this rule, although Lambda
    treats 0 as "throttle every invocation" (the function cannot run at all): either way no
    usable limit is set, and the message says which case it is. A value that is a token (a
    parameter, ``Fn::If``) cannot be decided and is not reported. The location is
    ``Properties/ReservedConcurrentExecutions``, also when it is absent.
    """
    value = fn.properties.get("ReservedConcurrentExecutions")
    where = fn.site.at("ReservedConcurrentExecutions")
    if value is None:
        yield Violation(
            where,
            f"Function {fn.logical_id} has no reserved concurrency limit "
            "(ReservedConcurrentExecutions is not set): it can take the account's whole "
            "unreserved concurrency.",
        )
        return
    text = literal_str(value)
    if text is None or isinstance(value, bool):
        return  # a token
    try:
        limit = float(text)
    except ValueError:
        return  # not a number: CloudFormation rejects the template anyway
    if limit == 0:
        yield Violation(
            where,
            f"Function {fn.logical_id} has ReservedConcurrentExecutions 0, which counts as no "
            "limit: Lambda throttles every invocation of it (it cannot run at all); set a "
            "positive limit sized to its peak.",
        )
