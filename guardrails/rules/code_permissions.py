"""Least privilege from the code: what the function's code calls, against what its role grants
(the calls come from ``model.code_analysis``).

GR-IAM-16 reports a call that no statement of the role can allow: it deploys, and fails with
``AccessDenied`` when it runs. The verdict is kept for what is certain: a call is reported only
when every grant of the role is readable (its inline policies and the customer managed policies
of the assembly; of AWS managed policies, those whose content is known here) and none can
allow the call's action on the call's resource, or a ``Deny`` on every resource refuses it.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.model import actions
from guardrails.model.code_analysis import analyze_function
from guardrails.model.facts import VPC_ENI_ACTIONS, XRAY_ACTIONS
from guardrails.model.function import ExecutionRole, LambdaFunction, Statement
from guardrails.model.sdk_calls import SdkCall
from guardrails.model.values import Text, Token, refers_to
from guardrails.rules.base import RuleContext, Violation, rule

_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
#: AWS managed policies whose content is known here (what they allow, on every resource);
#: any other AWS managed policy may allow anything: the rule then says nothing
KNOWN_AWS_POLICIES: dict[str, tuple[str, ...]] = {
    "AdministratorAccess": ("*",),
    "service-role/AWSLambdaBasicExecutionRole": _LOGS,
    "service-role/AWSLambdaVPCAccessExecutionRole": (*_LOGS, *VPC_ENI_ACTIONS),
    "AWSXRayDaemonWriteAccess": (
        *XRAY_ACTIONS,
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ),
}


@rule(
    "GR-IAM-16",
    title="The code calls an action its role does not allow",
    severity="medium",
    rationale=(
        "A call that no statement of the execution role allows deploys without complaint and "
        "fails with AccessDenied when it runs: in production, on the path nobody tested. The "
        "usual causes are a grant on the wrong resource, a read grant for a write, and a call "
        "added to the code without its grant."
    ),
    fix=(
        "Grant what the code calls, on the resource it calls it on: `table.grant_read_write_data"
        "(fn)`, `bucket.grant_put(fn)`, `queue.grant_send_messages(fn)`, `secret.grant_read(fn)`"
        ", or `fn.add_to_role_policy(iam.PolicyStatement(actions=[...], resources=[...]))` for "
        "the action the finding names."
    ),
    example="""
        table = dynamodb.TableV2(self, "Orders", partition_key=...)
        fn = lambda_.Function(self, "Orders", ..., environment={"TABLE": table.table_name})
        table.grant_read_write_data(fn)  # the code calls put_item: a read grant would fail
    """,
)
def call_not_allowed(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """Each action a call of the function's code needs (Python, Node.js, TypeScript:
    ``model.code_analysis``) that the role cannot allow, once per action, at the function's
    ``Code``. Also on a partial analysis, for the calls it saw.

    Interpretations: a role outside the assembly, with a policy whose document the template
    only knows at deploy time, or with a managed policy whose content is not known here (a
    customer managed policy of another account or stack, an AWS managed policy other than
    ``KNOWN_AWS_POLICIES``) could allow anything: nothing is reported. A statement
    with a condition, a ``NotResource``, or an action or resource the template only knows at
    deploy time may allow the call. The call's resource is the one its environment variable
    names (``os.environ["TABLE"]`` with ``TABLE`` set to a resource of the template); a
    statement whose resources all name other resources of the template does not allow it. A
    permissions boundary that is a managed policy of the assembly must allow the call too; one
    whose content is not known here can only take permissions away, so it decides nothing.
    Resource-based policies (a bucket, queue, key or secret policy naming the role) are not
    read: CDK's grants to a role of the app go into the role's own policies; acknowledge the
    finding where such a policy grants the call. Tests shipped with the code (``tests/``,
    ``*.test.ts``...) are not the function's code.
    """
    role = fn.role
    if role is None or not _readable(role) or fn.code is None:
        return
    analysis = analyze_function(fn)
    seen: set[str] = set()
    for call in analysis.calls:
        resource = _resource(fn, call)
        for action in call.actions:
            if action in seen or _verdict(role, action, resource) is not False:
                continue
            seen.add(action)
            on = f" on {resource}" if resource else ""
            yield Violation(
                fn.code.site,
                f"The code calls {action}{on} ({_where(call)}), but no statement of the "
                f"execution role {_role_name(role)} allows it: the call fails with AccessDenied "
                "when it runs",
                key=action,
            )


def _readable(role: ExecutionRole) -> bool:
    """Every grant of the role is in the assembly, or known here."""
    if role.unreadable_policies:
        return False
    for policy in role.managed_policies:
        if policy.logical_id is not None:
            continue  # its statements are among the role's
        if policy.aws_name not in KNOWN_AWS_POLICIES:
            return False
    return True


def _verdict(role: ExecutionRole, action: str, resource: str | None) -> bool | None:
    """True: a grant may allow ``action`` on ``resource`` (a logical id, or None when the call's
    resource is not known); False: none can, a Deny on every resource refuses it, or the
    permissions boundary (a managed policy of the assembly) cannot allow it; None: a statement
    cannot be decided."""
    if role.boundary_statements is not None:
        bounded = _statements_verdict(role.boundary_statements, action, resource)
        if bounded is False:
            return False
    for policy in role.managed_policies:
        granted = KNOWN_AWS_POLICIES.get(policy.aws_name or "", ())
        if any(actions.matches(pattern, action) for pattern in granted):
            # allowed by an AWS managed policy: only a Deny on every resource refuses it
            return _statements_verdict(role.statements, action, resource, allowed=True)
    return _statements_verdict(role.statements, action, resource)


def _statements_verdict(
    statements: tuple[Statement, ...], action: str, resource: str | None, *, allowed: bool = False
) -> bool | None:
    """The verdict of a set of statements alone (see ``_verdict``); ``allowed``: a grant
    outside them already allows the action."""
    undecided = False
    for st in statements:
        covers = actions.statement_covers(action, actions=st.actions, not_actions=st.not_actions)
        if covers is False:
            continue
        if st.effect == "Deny":
            if covers and _every_resource(st) and not st.conditions:
                return False
            continue
        if st.effect != "Allow" or covers is None:
            undecided = True
            continue
        allowed = allowed or _may_name(st, resource)
    if allowed:
        return True
    return None if undecided else False


def _every_resource(st: Statement) -> bool:
    return "*" in st.resources and not st.not_resources


def _may_name(st: Statement, resource: str | None) -> bool:
    """Whether the statement's resources may include the call's resource."""
    if st.not_resources or st.conditions or resource is None:
        return True
    for value in st.resources:
        if isinstance(value, str):
            return True  # a pattern: it may name the resource (an ARN the template does not link)
        if not isinstance(value, (Token, Text)) or refers_to(value, resource):
            return True
        if isinstance(value, Token) and not value.resource:
            return True  # a parameter, an import: deploy-time
        if isinstance(value, Text) and not any(t.resource for t in value.tokens):
            return True
    return False


def _resource(fn: LambdaFunction, call: SdkCall) -> str | None:
    """The logical id of the template resource the call's environment variable names."""
    if call.env is None:
        return None
    value = fn.environment.get(call.env)
    if isinstance(value, Token):
        return value.resource
    if isinstance(value, Text):
        targets = {t.target for t in value.tokens if t.resource}
        return next(iter(targets)) if len(targets) == 1 else None
    return None


def _where(call: SdkCall) -> str:
    return f"{call.file}:{call.line}"


def _role_name(role: ExecutionRole) -> str:
    return role.site.logical_id
