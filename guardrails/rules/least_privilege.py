"""Rules: least privilege of the execution role and of the function's resource policy (GR-IAM).

Statements are read from ``ExecutionRole.statements`` (inline policies, ``AWS::IAM::Policy`` and
customer managed policies of the template attached to the role); action patterns are compared
with ``guardrails.model.actions``, which knows IAM's wildcard and case rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from guardrails.model import actions
from guardrails.model.function import LambdaFunction, Permission, Statement
from guardrails.model.values import Text, Token, render
from guardrails.rules.base import RuleContext, Violation, rule

#: AWS managed policies that hand the function the keys of the account (GR-IAM-01), with what
#: each one grants, for the message.
ADMIN_POLICIES = {
    "AdministratorAccess": "every action on every resource",
    "PowerUserAccess": "every action outside IAM, Organizations and Account management",
    "IAMFullAccess": "full control of IAM, enough to grant itself any permission",
}


def _literal_patterns(values: tuple[Any, ...]) -> list[str]:
    """The ``Action`` entries that are literal strings; tokens cannot be decided."""
    return [v for v in values if isinstance(v, str)]


def _resources(stmt: Statement) -> str:
    """Where a statement applies, for a message (tokens appear as ``${...}``)."""
    if stmt.not_resources:
        return "every resource except " + ", ".join(render(r) for r in stmt.not_resources[:3])
    if any(r == "*" for r in stmt.resources):
        return 'every resource ("*")'
    shown = [render(r) for r in stmt.resources[:3]]
    more = len(stmt.resources) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "no resource"


def _sid(stmt: Statement) -> str:
    return f" (statement {stmt.sid!r})" if stmt.sid else ""


def grants_every_action(stmt: Statement) -> bool:
    """An Allow whose ``Action`` holds ``"*"`` / ``"*:*"``."""
    return stmt.allows and any(actions.is_full_wildcard(a) for a in _literal_patterns(stmt.actions))


@rule(
    "GR-IAM-01",
    title="Administrator-level AWS managed policy on the execution role",
    severity="critical",
    rationale=(
        "AdministratorAccess, PowerUserAccess and IAMFullAccess let anyone who controls the "
        "function's code (a vulnerable dependency, an injected payload) take over the account."
    ),
    fix=(
        "Remove the `iam.ManagedPolicy.from_aws_managed_policy_name(...)` from the role and grant "
        "only what the function calls: `table.grant_read_write_data(fn)`, "
        "`bucket.grant_read(fn)` or `fn.add_to_role_policy(iam.PolicyStatement(actions=[...], "
        "resources=[...]))`."
    ),
    references={"checkov": "CKV_AWS_274"},
)
def admin_managed_policy(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The execution role has the AWS managed ``AdministratorAccess``, ``PowerUserAccess`` or
    ``IAMFullAccess`` policy, in any partition.

    Interpretations: the policy is recognised from its AWS managed ARN
    (``arn:<partition>:iam::aws:policy/<name>``, also CDK's ``Fn::Join`` with
    ``AWS::Partition``) by its exact name; policies under another path or with a suffix
    (``AdministratorAccess-Amplify``) are other policies (GR-IAM-02 looks at ``*FullAccess``).
    A policy ARN that is a token (a parameter, an import) cannot be named and is not reported.
    One violation per attachment, at ``ManagedPolicyArns/<i>`` of the role.
    """
    if fn.role is None:
        return
    for policy in fn.role.managed_policies:
        name = policy.short_name
        if policy.aws_name == name and name in ADMIN_POLICIES:
            yield Violation(
                policy.site,
                f"Execution role {fn.role.site.logical_id} has the AWS managed policy {name}: "
                f"{ADMIN_POLICIES[name]}.",
            )


@rule(
    "GR-IAM-03",
    title='Allow of every action ("*") or NotAction with Allow',
    severity="critical",
    rationale=(
        'An Allow of Action "*" grants every present and future AWS action; NotAction with '
        "Allow grants everything except a short list, including actions added to AWS later."
    ),
    fix=(
        "List the actions the function calls: `fn.add_to_role_policy(iam.PolicyStatement("
        'actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")]))` or a `grant_*` '
        'method, instead of `actions=["*"]` or `not_actions=[...]`.'
    ),
    references={"checkov": "CKV_AWS_63"},
)
def every_action(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role grants ``Action: "*"``, or uses ``NotAction``
    with Allow.

    Interpretations: ``"*:*"`` (and ``"**"``) count as ``"*"``; a token in ``Action`` is not
    decided but does not hide a literal ``"*"`` beside it. ``NotAction`` with Allow is reported
    whatever it lists (even a token: the statement still allows everything else). Resources and
    conditions do not matter: ``"*"`` on one bucket still grants every action on it. One
    violation per statement, at its ``Action`` / ``NotAction``.
    """
    if fn.role is None:
        return
    for stmt in fn.role.statements:
        if not stmt.allows:
            continue
        if grants_every_action(stmt):
            yield Violation(
                stmt.site.at("Action"),
                f'Allows every action (Action "*") on {_resources(stmt)}{_sid(stmt)}.',
            )
        elif stmt.not_actions and not stmt.actions:
            excluded = ", ".join(render(a) for a in stmt.not_actions)
            yield Violation(
                stmt.site.at("NotAction"),
                f"Allows every action except {excluded} (NotAction with Allow) on "
                f"{_resources(stmt)}{_sid(stmt)}.",
            )


@rule(
    "GR-IAM-04",
    title="Service-wide wildcard action",
    severity="high",
    rationale=(
        "`s3:*` or `dynamodb:*` grants every action of the service, including deletes, policy "
        "changes and actions AWS adds later, where the function needs a few."
    ),
    fix=(
        'Grant only the actions the function calls (`actions=["dynamodb:GetItem", '
        '"dynamodb:PutItem"]`), or a narrow `grant_*` method such as '
        "`table.grant_read_write_data(fn)` instead of `table.grant_full_access(fn)`."
    ),
    references={
        "Security Hub": "IAM.21",
        "AWS Config": "iam-policy-no-statements-with-full-access",
    },
)
def service_wide_action(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role has a service-wide wildcard action (``s3:*``).

    Interpretations: the service prefix is case-insensitive (``S3:*``); an action part made
    only of wildcards (``s3:*``, ``s3:?*``) is service-wide, a prefix (``s3:Get*``) is not.
    ``"*"`` is GR-IAM-03's: a statement that grants ``"*"`` is not reported here again, nor is
    ``NotAction``. Tokens in ``Action`` are not decided. One violation per statement, at its
    ``Action``, listing every service-wide entry as written.
    """
    if fn.role is None:
        return
    for stmt in fn.role.statements:
        if not stmt.allows or grants_every_action(stmt):
            continue
        wide = [a for a in _literal_patterns(stmt.actions) if actions.is_service_wide(a)]
        if wide:
            scope = "the service" if len(wide) == 1 else "each service"
            yield Violation(
                stmt.site.at("Action"),
                f"Allows {', '.join(wide)} (every action of {scope}) on "
                f"{_resources(stmt)}{_sid(stmt)}.",
            )


def _anyone(principal: Any) -> bool | None:
    """Whether a permission's principal is everyone; None when it is a token."""
    if isinstance(principal, (Token, Text)):
        return None
    if isinstance(principal, str):
        return principal.strip() == "*"
    if isinstance(principal, dict) and set(principal) == {"AWS"}:
        values = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
        if any(isinstance(v, str) and v.strip() == "*" for v in values):
            return True
        return None if any(isinstance(v, (Token, Text)) for v in values) else False
    return False


def _is_function_url_permission(p: Permission) -> bool | None:
    """CDK's ``add_function_url`` permissions: ``FunctionUrlAuthType`` set, or
    ``InvokedViaFunctionUrl`` true (CloudFormation also accepts the string ``"true"``)."""
    if p.is_function_url:
        return True
    flag = p.invoked_via_function_url
    if isinstance(flag, (Token, Text)):
        return None
    return isinstance(flag, str) and flag.strip().lower() == "true"


@rule(
    "GR-IAM-11",
    title="Function invocable by anyone",
    severity="critical",
    rationale=(
        "A permission for Principal `*` without SourceAccount, SourceArn or PrincipalOrgID lets "
        "any AWS account in the world invoke the function."
    ),
    fix=(
        "Grant a specific principal (`iam.ServicePrincipal(...)`, `iam.AccountPrincipal(...)`) "
        "instead of `iam.AnyPrincipal()`, and pass `source_arn=`, `source_account=` or "
        "`organization_id=` to `fn.add_permission(...)`."
    ),
    references={
        "Security Hub": "Lambda.1",
        "AWS Config": "lambda-function-public-access-prohibited",
        "checkov": "CKV_AWS_301",
        "cdk-nag": "HIPAA.Security-LambdaFunctionPublicAccessProhibited",
    },
)
def public_permission(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Permission`` with Principal ``*`` and none of ``SourceAccount``,
    ``SourceArn``, ``PrincipalOrgID``.

    Interpretations: ``{"AWS": "*"}`` counts as ``*``. Function-URL permissions (with
    ``FunctionUrlAuthType``, or ``InvokedViaFunctionUrl`` true: CDK's ``add_function_url``
    creates both) are left to GR-INP-04, which reports the URL once. Any condition property
    that is present counts, even a token; a principal or ``InvokedViaFunctionUrl`` that is a
    token is not decided. The action does not matter. Location: the permission's
    ``Principal``.
    """
    for p in fn.permissions:
        if _anyone(p.principal) is not True or _is_function_url_permission(p) is not False:
            continue
        if any(v is not None for v in (p.source_account, p.source_arn, p.principal_org_id)):
            continue
        action = render(p.action) or "lambda:InvokeFunction"
        yield Violation(
            p.site.at("Principal"),
            f"Permission {p.site.logical_id} lets any principal (*) call {action} on the "
            "function, with no SourceAccount, SourceArn or PrincipalOrgID condition.",
        )
