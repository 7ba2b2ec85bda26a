"""Least privilege from the code: what the function's code calls, against what its role grants
(the calls come from ``model.code_analysis``, the derived policy from ``model.derived_policy``).

GR-IAM-15 reports what the role grants and the code never calls, when the picture is complete
(every file of the code read, no dynamic client) and the role is this function's alone.
GR-IAM-16 reports a call that no statement of the role can allow: it deploys, and fails with
``AccessDenied`` when it runs. The verdict is kept for what is certain: a call is reported only
when every grant of the role is readable (its inline policies and the customer managed policies
of the assembly; of AWS managed policies, those whose content is known here) and none can
allow the call's action on the call's resource, or a ``Deny`` on every resource refuses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from guardrails.model import actions
from guardrails.model.code_analysis import analyze_function
from guardrails.model.derived_policy import DerivedPolicy, call_target, derive
from guardrails.model.facts import LOG_ACTIONS, VPC_ENI_ACTIONS, XRAY_ACTIONS
from guardrails.model.function import ExecutionRole, LambdaFunction, Site, Statement
from guardrails.model.sdk_calls import CodeAnalysis, SdkCall
from guardrails.model.values import Text, Token, refers_to
from guardrails.rules.base import RuleContext, Violation, rule
from guardrails.rules.quoting import quote_action

#: AWS managed policies whose content is known here (what they allow, on every resource);
#: any other AWS managed policy may allow anything: the rule then says nothing
KNOWN_AWS_POLICIES: dict[str, tuple[str, ...]] = {
    "AdministratorAccess": ("*",),
    "service-role/AWSLambdaBasicExecutionRole": LOG_ACTIONS,
    "service-role/AWSLambdaVPCAccessExecutionRole": (*LOG_ACTIONS, *VPC_ENI_ACTIONS),
    "AWSXRayDaemonWriteAccess": (
        *XRAY_ACTIONS,
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ),
}


#: at most this many services, and names per service, in a GR-IAM-15 message
MAX_SERVICES, MAX_NAMES = 6, 6
_READ_ONLY = frozenset({"Read", "List"})


@dataclass(frozen=True)
class UnusedGrant:
    """An ``Action`` entry of the role (as written: ``s3:*``, ``dynamodb:GetItem``) that grants
    actions the code never calls: those actions (catalog names), and how many it grants."""

    site: Site
    pattern: str
    unused: tuple[str, ...]
    granted: int
    #: for a wildcard across services (not expanded): how many used actions it covers
    covered: int = 0

    @property
    def service(self) -> str:
        """The service it grants in (``any service`` for ``*``, ``*:Get*``...)."""
        return _service_of(self.pattern)

    def label(self) -> str:
        """``PutItem``, or ``* (180 actions)`` / ``Get* (40 of 42 actions unused)`` for a
        wildcard (``*`` for one that spans services)."""
        return _label(self.pattern, len(self.unused), self.granted, self.covered)


@lru_cache(maxsize=4096)
def _service_of(pattern: str) -> str:
    parts = actions.split(pattern)
    if parts is None or actions.is_wildcard(parts[0]):
        return "any service"
    return parts[0].lower()


@lru_cache(maxsize=4096)
def _label(pattern: str, unused: int, granted: int, covered: int) -> str:
    name = pattern.split(":", 1)[-1]
    if _service_of(pattern) == "any service":
        return f"{quote_action(pattern)} (every action; the function uses {covered})"
    if not actions.is_wildcard(pattern):
        return name
    if unused == granted:
        return f"{name} ({granted} actions)"
    return f"{name} ({unused} of {granted} actions unused)"


def unused_grants(fn: LambdaFunction, policy: DerivedPolicy) -> tuple[UnusedGrant, ...]:
    """What ``fn``'s role grants that neither its code (``policy``) nor Lambda on its behalf
    uses: every ``Allow`` statement's actions (wildcards expanded with the IAM action catalog),
    and those of the AWS managed policies known here. Whatever the statement's resources."""
    role = fn.role
    if role is None:
        return ()
    used = tuple(dict.fromkeys((*policy.actions(), *(u.action for u in policy.service_use))))
    out: list[UnusedGrant] = []
    for st in role.statements:
        if st.effect != "Allow" or st.not_actions:
            continue
        out.extend(_unused(st.site, value, used) for value in st.actions)
    for managed in role.managed_policies:
        for pattern in KNOWN_AWS_POLICIES.get(managed.aws_name or "", ()):
            out.append(_unused(managed.site, pattern, used))
    return tuple(u for u in out if u.unused)


def _unused(site: Site, pattern: object, used: tuple[str, ...]) -> UnusedGrant:
    if not isinstance(pattern, str):
        return UnusedGrant(site, "", (), 0)  # known at deploy time only: nothing to say
    return UnusedGrant(site, pattern, *_unused_of(pattern, used))


@lru_cache(maxsize=4096)  # roles repeat their grants, functions their calls
def _unused_of(pattern: str, used: tuple[str, ...]) -> tuple[tuple[str, ...], int, int]:
    """What ``pattern`` grants that ``used`` does not cover: (the unused actions, how many it
    grants, how many used actions it covers when it spans services)."""
    parts = actions.split(pattern)
    if parts is None and not actions.is_full_wildcard(pattern):
        return (), 0, 0  # not an action: it grants nothing (GR-IAM-05 says so)
    if parts is None or actions.is_wildcard(parts[0]):
        # every action, or any service's: listed as written (when it has an action's shape),
        # not expanded (it would read the whole catalog), however many used actions it covers
        return (pattern,), 0, sum(1 for u in set(used) if actions.matches(pattern, u))
    exact = {u.lower() for u in used if not actions.is_wildcard(u)}
    patterns = [u for u in used if actions.is_wildcard(u)]
    granted = actions.expand(pattern)
    unused = sorted(
        a
        for a in granted
        if a.lower() not in exact and not any(actions.matches(u, a) for u in patterns)
    )
    return tuple(unused), len(granted), 0


@rule(
    "GR-IAM-15",
    title="The role grants actions the code never calls",
    severity="medium",
    rationale=(
        "Permissions the code never uses are what an attacker who runs code in the function "
        "(an injection, a poisoned dependency) gets for free: s3:* where the code reads one "
        "object, a read-write grant where it only reads. Wildcard rules miss them when each "
        "action is named; only the code says which ones it needs."
    ),
    fix=(
        "Grant only what the code calls: `guardrails least-privilege cdk.out --function "
        "<stack>/<function> --format cdk` prints the derived policy as CDK code "
        '(`table.grant(fn, "dynamodb:PutItem")`, `fn.add_to_role_policy(iam.PolicyStatement('
        "actions=[...], resources=[...]))`) to replace broader grants such as "
        "`grant_read_write_data`."
    ),
    example="""
        table.grant(fn, "dynamodb:GetItem")  # the code calls get_item, and only that
    """,
)
def grants_unused(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The actions the role grants that the function's code never calls, at the role, once:
    when the analysis of its code is complete (``model.code_analysis``: no dynamic client, no
    layer, every file read), the role runs this function only, and the function is not one the
    CDK framework creates. Low when every unused action is read-only (the catalog's Read and
    List access levels).

    Used: the actions the code's calls need (``model.derived_policy``), what Lambda does with
    the role on the function's behalf (``model.service_use``: logs, X-Ray when tracing is
    active, network interfaces in a VPC, the event sources' reads, the environment's key, the
    dead-letter queue and destinations) and, when the code calls a service that encrypts with
    a customer managed key, that key's actions. Granted: every ``Allow`` statement of the role
    (its resources aside), wildcards expanded with the IAM action catalog, and the AWS managed
    policies whose content is known here; a ``NotAction`` statement and an AWS managed policy
    not known here are not listed. The message lists the unused actions by service (a
    wildcard as how many of the actions it grants are unused), the statements that grant
    them, and what the code needs, also as CDK code (the variables named after the
    constructs' ids).
    """
    role = fn.role
    if role is None or fn.owner == "framework" or len(role.functions) != 1 or fn.code is None:
        return
    policy = derive(fn)
    if not policy.complete:
        return
    unused = unused_grants(fn, policy)
    if not unused:
        return
    names = {a for u in unused for a in u.unused}
    read_only = all((actions.access_level(a) or "") in _READ_ONLY for a in names)
    needs = (
        f"{policy.summary()}; as CDK code: {'; '.join(policy.cdk())}"
        if policy.statements
        else "no AWS call (only what Lambda itself uses)"
    )
    count = (
        "any action"
        if any(u.service == "any service" for u in unused)
        else f"{len(names)} action(s)"
    )
    yield Violation(
        role.site,
        f"The execution role {_role_name(role)} grants {count} the code never calls: "
        f"{_by_service(unused)} (in {_places(unused)}). The code needs: {needs}",
        severity="low" if read_only else None,
    )


def _by_service(unused: tuple[UnusedGrant, ...]) -> str:
    """``dynamodb: BatchGetItem, Query (+3 more); s3: * (178 of 180 actions)``, capped."""
    groups: dict[str, list[str]] = {}
    for u in unused:
        labels = groups.setdefault(u.service, [])
        label = u.label()
        if label not in labels:
            labels.append(label)
    parts = []
    for service, labels in sorted(groups.items())[:MAX_SERVICES]:
        shown = ", ".join(labels[:MAX_NAMES])
        more = f" (+{len(labels) - MAX_NAMES} more)" if len(labels) > MAX_NAMES else ""
        parts.append(f"{service}: {shown}{more}")
    if len(groups) > MAX_SERVICES:
        parts.append(f"and {len(groups) - MAX_SERVICES} more service(s)")
    return "; ".join(parts)


def _places(unused: tuple[UnusedGrant, ...]) -> str:
    """The statements granting them: ``RoleDefaultPolicy Statement/6, Statement/7``."""
    by_resource: dict[str, list[str]] = {}
    for u in unused:
        where = u.site.location.removeprefix("Properties/")
        places = by_resource.setdefault(u.site.logical_id, [])
        if where not in places:
            places.append(where)
    return "; ".join(f"{logical_id} {', '.join(p)}" for logical_id, p in by_resource.items())


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
    if role is None or fn.code is None:
        return
    for missing in missing_grants(fn, analyze_function(fn)):
        on = f" on {missing.resource}" if missing.resource else ""
        yield Violation(
            fn.code.site,
            f"The code calls {missing.action}{on} ({_where(missing.call)}), but no statement "
            f"of the execution role {_role_name(role)} allows it: the call fails with "
            "AccessDenied when it runs",
            key=missing.action,
        )


@dataclass(frozen=True)
class MissingGrant:
    """An action a call needs that the role cannot allow (on ``resource``, a logical id, when
    the call's environment variable names one)."""

    action: str
    resource: str | None
    call: SdkCall


def missing_grants(fn: LambdaFunction, analysis: CodeAnalysis) -> tuple[MissingGrant, ...]:
    """Each action ``analysis``'s calls need that ``fn``'s role cannot allow, once per action
    (the first call met); none when a grant of the role is not readable (see GR-IAM-16)."""
    role = fn.role
    if role is None or not _readable(role):
        return ()
    out: dict[str, MissingGrant] = {}
    for call in analysis.calls:
        target = call_target(fn, call)
        resource = target.logical_id if target else None
        for action in call.actions:
            if action not in out and _verdict(role, action, resource) is False:
                out[action] = MissingGrant(action, resource, call)
    return tuple(out.values())


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


def _where(call: SdkCall) -> str:
    return f"{call.file}:{call.line}"


def _role_name(role: ExecutionRole) -> str:
    return role.site.logical_id
