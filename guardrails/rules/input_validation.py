"""Rules: input validation and exposure of the function's front doors (GR-INP)."""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.model.function import LambdaFunction
from guardrails.rules.base import RuleContext, Violation, rule


@rule(
    "GR-INP-04",
    title="Function URL without authentication",
    severity="high",
    rationale=(
        "A function URL with AuthType NONE is a public HTTPS endpoint: anyone on the internet "
        "can invoke the function, run up its cost and probe its input handling, with no "
        "authentication, throttling or WAF in front of it."
    ),
    fix=(
        "Pass `auth_type=lambda_.FunctionUrlAuthType.AWS_IAM` to `fn.add_function_url(...)` and "
        "sign requests (for a browser, put CloudFront with origin access control in front), or "
        "expose the function through API Gateway with an authorizer."
    ),
    references={"checkov": "CKV_AWS_258"},
)
def public_function_url(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Url`` targeting the function (or one of its aliases) has
    ``AuthType: NONE``.

    Interpretations: the comparison ignores case. An ``AuthType`` that is a token cannot be
    decided and is not reported. The two ``Principal: "*"`` permissions CDK adds for such a URL
    are not reported again (GR-IAM-11 leaves them to this rule). One violation per URL, at the
    URL's ``Properties/AuthType``.
    """
    for url in fn.urls:
        if isinstance(url.auth_type, str) and url.auth_type.upper() == "NONE":
            yield Violation(
                url.site.at("AuthType"),
                f"Function URL {url.site.logical_id} lets anyone on the internet invoke "
                f"{fn.logical_id} without authentication (AuthType NONE).",
            )
