"""Rules: network controls (GR-NET).

Which functions are "sensitive" is decided here once (``sensitivity``), from the policy's tag
and from what the execution role can read, so that the VPC rules agree with each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from guardrails.model import actions
from guardrails.model.function import LambdaFunction, Statement
from guardrails.model.values import Text, Token, literal_str
from guardrails.rules.base import RuleContext, Violation, rule

_SSM = "read SSM SecureString parameters"

#: What makes a role's reach sensitive, by kind of secret, with the actions that read it. Each
#: action is in the IAM action catalog (the tests check it).
SECRET_READS: dict[str, tuple[str, ...]] = {
    "read Secrets Manager secrets": (
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
    ),
    # GetParameterHistory returns values too, decrypted with WithDecryption like GetParameter.
    _SSM: (
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
    ),
    # Actions that mint database credentials: IAM authentication to RDS / Aurora (rds-db),
    # Aurora DSQL, and Redshift's temporary credentials (same risk: a database login in the
    # function's hands). The RDS Data API is not listed: it needs GetSecretValue, listed above.
    "obtain database credentials": (
        "rds-db:connect",
        "dsql:DbConnect",
        "dsql:DbConnectAdmin",
        "redshift:GetClusterCredentials",
        "redshift:GetClusterCredentialsWithIAM",
        "redshift-serverless:GetCredentials",
    ),
    "decrypt with KMS": ("kms:Decrypt",),
}

#: AWS managed policies whose documents grant some of the reads above (their documents are not
#: in the template, so they are known by name; only policies whose content is certain).
MANAGED_SECRET_READS: dict[str, tuple[str, ...]] = {
    "AdministratorAccess": tuple(SECRET_READS),
    "PowerUserAccess": tuple(SECRET_READS),
    "SecretsManagerReadWrite": ("read Secrets Manager secrets",),
    "AmazonSSMFullAccess": (_SSM,),
    "AmazonSSMReadOnlyAccess": (_SSM,),
}

_FALSE_TAG_VALUES = {"", "false", "no", "none"}


@dataclass(frozen=True)
class Reason:
    """Why a function counts as sensitive, in words for a message."""

    kind: str  # "tag", a key of SECRET_READS
    detail: str
    #: what grants it ("AWS managed policy AdministratorAccess", "<policy> <statement path>")
    source: str = ""

    def __str__(self) -> str:
        return self.detail


def describe(reasons: list[Reason]) -> str:
    """Reasons in one sentence, each grant named once: "its role can read Secrets Manager
    secrets and decrypt with KMS (AWS managed policy AdministratorAccess)"."""
    by_source: dict[str, list[Reason]] = {}
    for reason in reasons:
        by_source.setdefault(reason.source or reason.detail, []).append(reason)
    parts = []
    for source, group in by_source.items():
        if not group[0].source:
            parts.append(group[0].detail)
            continue
        kinds = [r.kind for r in group]
        listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
        parts.append(f"its role can {listed} ({source})")
    return "; ".join(parts)


def _created_parameter(arn: object) -> bool:
    """An ARN ending in ``parameter/${Ref X}``: a parameter this template creates. CloudFormation
    creates only ``String`` / ``StringList`` parameters, never a SecureString."""
    if not isinstance(arn, Text) or len(arn.parts) < 2:
        return False
    before, last = arn.parts[-2], arn.parts[-1]
    return (
        isinstance(last, Token)
        and last.kind == "ref"
        and isinstance(before, str)
        and before.rstrip("/").endswith(":parameter")
    )


def _statement_reads(stmt: Statement) -> Iterator[tuple[str, str]]:
    """(kind, read action) for every sensitive read an Allow statement covers for sure."""
    # CDK's ``StringParameter(...).grant_read(fn)`` reads plain parameters of the template
    plain_only = bool(stmt.resources) and all(_created_parameter(r) for r in stmt.resources)
    for kind, reads in SECRET_READS.items():
        if kind == _SSM and plain_only:
            continue
        for action in reads:
            if actions.statement_covers(action, actions=stmt.actions, not_actions=stmt.not_actions):
                yield kind, action
                break


def secret_reads(fn: LambdaFunction) -> list[Reason]:
    """What the function's role can read or decrypt, one reason per kind (first source wins).

    Allow statements only: a Deny is not subtracted, and conditions and resources are ignored
    (a role that can read one secret holds a secret). Entries that are tokens are not decided.
    """
    if fn.role is None:
        return []
    found: dict[str, Reason] = {}
    for stmt in fn.role.statements:
        if not stmt.allows:
            continue
        for kind, action in _statement_reads(stmt):
            if kind not in found:
                source = f"{action}, {stmt.site.logical_id} {stmt.site.location}"
                found[kind] = Reason(kind, f"its role can {kind} ({source})", source)
    for policy in fn.role.managed_policies:
        name = policy.short_name
        if policy.aws_name != name:
            continue  # an AWS managed policy under a path (service-role/...) is none of these
        for kind in MANAGED_SECRET_READS.get(name or "", ()):
            source = f"AWS managed policy {name}"
            found.setdefault(kind, Reason(kind, f"its role can {kind} ({source})", source))
    return [found[k] for k in SECRET_READS if k in found]


def tag_reason(fn: LambdaFunction, sensitive_tag: str) -> Reason | None:
    """The function carries the policy's ``sensitive_tag``: ``Key`` (any value except
    false/no/none/empty, case-insensitive) or ``Key=Value`` (value compared case-insensitively;
    keys are case-sensitive, as in AWS). A tag value that is a token is not decided."""
    if not sensitive_tag:
        return None
    key, has_value, wanted = sensitive_tag.partition("=")
    key = key.strip()
    if key not in fn.tags:
        return None
    value = literal_str(fn.tags[key])
    if value is None:
        return None
    text = value.strip().lower()
    hit = text == wanted.strip().lower() if has_value else text not in _FALSE_TAG_VALUES
    return Reason("tag", f"it is tagged {key}={value}") if hit else None


def sensitivity(fn: LambdaFunction, sensitive_tag: str) -> list[Reason]:
    """Every reason the function is sensitive (empty: it is not, or it cannot be decided)."""
    tag = tag_reason(fn, sensitive_tag)
    return ([tag] if tag else []) + secret_reads(fn)


@rule(
    "GR-NET-01",
    title="Function not attached to a VPC although the policy requires it",
    severity="medium",
    rationale=(
        "A function outside a VPC reaches the internet directly: whatever it can read (secrets, "
        "keys, database credentials) can leave the account with no network control, flow log "
        "or egress filter on the way."
    ),
    fix=(
        "Pass `vpc=` and `vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType."
        "PRIVATE_WITH_EGRESS)` (or `PRIVATE_ISOLATED` with VPC endpoints) to `lambda_.Function`; "
        "if the function is not sensitive, drop the grant or the tag that makes it so."
    ),
    remediation="opt-in",
    references={
        "Security Hub": "Lambda.3",
        "AWS Config": "lambda-inside-vpc",
        "checkov": "CKV_AWS_117",
        "cdk-nag": "NIST.800.53.R5-LambdaInsideVPC",
    },
)
def vpc_required(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function is not attached to a VPC although the policy requires it: ``vpc_required``
    is ``all``, or ``sensitive`` (default) and the function is sensitive (tagged with
    ``sensitive_tag``, or its role can read Secrets Manager secrets, SSM SecureStrings, database
    credentials or decrypt with KMS). ``none`` never flags.

    Interpretations: "can read" means an Allow statement reachable by the role whose ``Action``
    patterns (wildcards expanded: ``secretsmanager:Get*``, ``*``) or ``NotAction`` cover
    ``secretsmanager:GetSecretValue`` / ``BatchGetSecretValue``, ``ssm:GetParameter(s)``,
    ``ssm:GetParametersByPath`` / ``GetParameterHistory``, ``kms:Decrypt``, or an action that
    mints database credentials (``rds-db:connect``, Aurora DSQL ``DbConnect`` /
    ``DbConnectAdmin``, Redshift ``GetClusterCredentials`` / ``GetClusterCredentialsWithIAM``,
    ``redshift-serverless:GetCredentials``), whatever its resources and conditions; or an AWS
    managed policy known to grant them (AdministratorAccess, PowerUserAccess,
    SecretsManagerReadWrite, AmazonSSMFullAccess, AmazonSSMReadOnlyAccess). SSM reads scoped
    only to parameters the template creates (``parameter/${Ref}``, CDK's
    ``StringParameter(...).grant_read(fn)``) do not count: CloudFormation cannot create a
    SecureString. Deny statements are not subtracted. An imported role cannot be read: only
    the tag counts then. A ``VpcConfig`` that is a token is not decided. Location:
    ``Properties``, or ``Properties/VpcConfig`` when it is present but empty (which detaches
    the function).
    """
    policy = ctx.policy
    if policy.vpc_required == "none" or fn.vpc is not None:
        return
    config = fn.properties.get("VpcConfig")
    if config is not None and not isinstance(config, dict):
        return  # a token: the function may well be attached
    if policy.vpc_required == "all":
        why = "the policy requires every function to be in a VPC (vpc_required: all)"
    else:
        reasons = sensitivity(fn, policy.sensitive_tag)
        if not reasons:
            return
        why = (
            "the policy requires sensitive functions to be in a VPC (vpc_required: sensitive) "
            "and this one is sensitive: " + describe(reasons)
        )
    where = fn.site.at("VpcConfig") if isinstance(config, dict) else fn.site
    yield Violation(where, f"Function {fn.logical_id} is not attached to a VPC, but {why}.")
