"""Rules: network controls (GR-NET).

Which functions are "sensitive" is decided here once (``sensitivity``), from the policy's tag
and from what the execution role can read, so that the VPC rules agree with each other. The
placement rules (GR-NET-02 to 05) read ``LambdaFunction.network`` (``model.vpc``): subnets,
security groups and endpoints that are in the template; what is imported is not decided.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from guardrails.model import actions
from guardrails.model.function import LambdaFunction, Statement
from guardrails.model.site import Site
from guardrails.model.values import Text, Token, literal_str, memoized
from guardrails.model.vpc import EgressRule, SecurityGroup, Subnet, zone_label
from guardrails.rules.base import RuleContext, Violation, rule
from guardrails.rules.quoting import quote_az_id, quote_az_name, quote_cidr, quote_enum, quote_port

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
#: tag values a message quotes for a sensitive tag given without a value
_TRUE_TAG_VALUES = ("true", "yes", "y", "on", "1", "enabled")


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


def _statement_reads(stmt: Statement) -> tuple[tuple[str, str], ...]:
    """(kind, read action) for every sensitive read an Allow statement covers for sure."""
    # CDK's ``StringParameter(...).grant_read(fn)`` reads plain parameters of the template
    plain_only = bool(stmt.resources) and all(_created_parameter(r) for r in stmt.resources)
    return _reads(stmt.actions, stmt.not_actions, plain_only)


@memoized()  # the same grants recur across functions (CDK's grant methods)
def _reads(
    granted: tuple[object, ...], not_granted: tuple[object, ...], plain_only: bool
) -> tuple[tuple[str, str], ...]:
    """``_statement_reads`` of a statement's ``Action`` / ``NotAction`` entries."""
    found = []
    for kind, reads in SECRET_READS.items():
        if kind == _SSM and plain_only:
            continue
        for action in reads:
            if actions.statement_covers(action, actions=granted, not_actions=not_granted):
                found.append((kind, action))
                break
    return tuple(found)


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
    keys are case-sensitive, as in AWS). A tag value that is a token is not decided. The reason
    quotes the tag's value only when it is the policy's value or a word for "true"."""
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
    if not hit:
        return None
    # the tag's value is quoted only when it is the policy's own value or a word for "true"
    shown = quote_enum(value, (wanted,) if has_value else _TRUE_TAG_VALUES, "")
    if shown:
        return Reason("tag", f"it is tagged {key}={shown}")
    return Reason("tag", f"it is tagged {key} (with a value other than false, no or none)")


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
    example="""
        vpc = ec2.Vpc(self, "Vpc", max_azs=2)
        fn = lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_asset("src/orders"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )
        secret.grant_read(fn)
    """,
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
    the function). The message quotes the sensitive tag's value only when it is the policy's
    value or a word for true (``true``, ``yes``...).
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


# -- placement of VPC functions ---------------------------------------------------------------
def _subnet_ids(fn: LambdaFunction) -> Site:
    return fn.vpc.site.at("SubnetIds") if fn.vpc else fn.site.at("VpcConfig", "SubnetIds")


def _names(ids: list[str]) -> str:
    return ", ".join(ids)


@rule(
    "GR-NET-02",
    title="VPC function in fewer than 2 Availability Zones",
    severity="medium",
    rationale=(
        "A VPC function runs only in the Availability Zones of its subnets: with a single zone, "
        "an outage of that zone (or of its IP addresses) stops the function, although Lambda "
        "itself would keep running elsewhere."
    ),
    fix=(
        "Give the function subnets in at least two Availability Zones: `ec2.Vpc(max_azs=2)` (or "
        "more) and `vpc_subnets=ec2.SubnetSelection(subnet_type=...)`, without "
        "`availability_zones=` or `one_per_az` narrowing it to one zone."
    ),
    example="""
        vpc = ec2.Vpc(self, "Vpc", max_azs=2)  # one private subnet per zone
        lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_asset("src/orders"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )
    """,
    references={"Security Hub": "Lambda.5", "AWS Config": "lambda-vpc-multi-az-check"},
)
def multi_az(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A VPC function whose subnets (resolvable in the assembly) span fewer than 2 Availability
    Zones.

    Interpretations: decided only when every ``SubnetIds`` entry is a subnet of the template
    and every zone is known: a literal ``AvailabilityZone`` (or ``AvailabilityZoneId``), or
    ``Fn::Select [i, Fn::GetAZs ""]`` (CDK without an explicit environment), where equal
    indexes are the same zone and distinct indexes distinct zones. A literal subnet id, an
    import or a parameter among the subnets, a zone that is a token, or zones of different
    kinds (a name and an index, a name and a zone id) cannot prove a single zone: silent.
    Location: ``Properties/VpcConfig/SubnetIds`` of the function. The message quotes the zone
    only in an AWS format (``eu-west-1a``, ``use1-az1``); any other value is described.
    """
    net = fn.network
    if net is None or net.unresolved_subnets or not net.subnets:
        return
    zones = {s.zone for s in net.subnets}
    if len(zones) != 1:
        return
    (zone,) = zones
    if zone is None:
        return
    subnets = [s.logical_id for s in net.subnets]
    several = len(subnets) > 1
    yield Violation(
        _subnet_ids(fn),
        f"Function {fn.logical_id} runs in a single Availability Zone: its "
        f"subnet{'s' if several else ''} {_names(subnets)} {'are all' if several else 'is'} "
        f"in {_zone(zone)}, so an outage of that zone stops it.",
    )


def _zone(zone: tuple[str, str]) -> str:
    """The zone for a message: its index, or its name or id when it has the AWS format."""
    kind, value = zone
    if kind == "index":  # digits only
        return zone_label(zone)
    if kind == "id":
        shown = quote_az_id(value, "")
        return f"zone id {shown}" if shown else "one zone, whose id is not an Availability Zone id"
    shown = quote_az_name(value, "")
    return shown or "one zone, whose name is not an Availability Zone name"


def _public_reasons(subnet: Subnet) -> list[str]:
    reasons = []
    if (literal_str(subnet.map_public_ip_on_launch) or "").lower() == "true":
        reasons.append("MapPublicIpOnLaunch: true")
    if subnet.routes_to_internet_gateway:
        routes = ", ".join(r.logical_id for r in subnet.internet_routes)
        reasons.append(f"default route to an internet gateway in {routes}")
    return reasons


@rule(
    "GR-NET-03",
    title="VPC function placed in a public subnet",
    severity="high",
    rationale=(
        "A public subnet is one whose traffic goes straight to an internet gateway. A Lambda "
        "network interface never gets a public IP address there, so the function cannot reach "
        "the internet and its timeouts are mistaken for bugs, while the placement signals a "
        "network design where the function sits next to internet-facing resources."
    ),
    fix=(
        "Place the function in private subnets: `vpc_subnets=ec2.SubnetSelection(subnet_type="
        "ec2.SubnetType.PRIVATE_WITH_EGRESS)` (NAT) or `PRIVATE_ISOLATED` (with VPC endpoints), "
        "and drop `allow_public_subnet=True`."
    ),
    example="""
        lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_asset("src/orders"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )
    """,
    references={
        "Security Hub": "EC2.15",
        "AWS Config": "subnet-auto-assign-public-ip-disabled",
        "checkov": "CKV_AWS_130",
    },
)
def public_subnet(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A VPC function placed in a public subnet: ``MapPublicIpOnLaunch`` true, or a route
    ``0.0.0.0/0`` (or ``::/0``) to an internet gateway.

    Interpretations: one finding per function, listing every public subnet among its
    ``SubnetIds`` (the fix is one change of the function's subnet selection), at
    ``Properties/VpcConfig/SubnetIds``. A subnet's route table is found through its
    ``AWS::EC2::SubnetRouteTableAssociation``; the gateway is an ``AWS::EC2::InternetGateway`` of
    the template (by ``Ref``) or a literal ``igw-...`` id. Egress-only internet gateways, NAT
    gateways and narrower routes do not make a subnet public. Subnets that are not in the
    template, a subnet without an association in the template (the VPC's main route table),
    and ``MapPublicIpOnLaunch`` or a gateway given as a token are not decided; other subnets of
    the same function still are.
    """
    net = fn.network
    if net is None:
        return
    public = [(s, _public_reasons(s)) for s in net.subnets]
    public = [(s, why) for s, why in public if why]
    if not public:
        return
    listed = "; ".join(f"{s.logical_id} ({', '.join(why)})" for s, why in public)
    yield Violation(
        _subnet_ids(fn),
        f"Function {fn.logical_id} is placed in "
        f"{'public subnets' if len(public) > 1 else 'a public subnet'}: {listed}.",
    )


#: protocols whose whole port range counts as "all outbound" for a function
_PORT_PROTOCOLS = {"tcp": "TCP", "6": "TCP", "udp": "UDP", "17": "UDP"}
_ANYWHERE = (("cidr_ip", "0.0.0.0/0"), ("cidr_ipv6", "::/0"))


def _port(value: object) -> int | None:
    text = literal_str(value)
    if text is None or isinstance(value, bool):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _all_traffic(egress: EgressRule) -> str | None:
    """What makes the rule "all traffic", or None (not all, or not decidable)."""
    protocol = (literal_str(egress.ip_protocol) or "").strip().lower()
    if protocol == "-1":
        return "all protocols and ports (IpProtocol -1)"
    name = _PORT_PROTOCOLS.get(protocol)
    low, high = _port(egress.from_port), _port(egress.to_port)
    if name and low is not None and high is not None and low <= 0 and (high >= 65535 or high == -1):
        return f"every {name} port ({quote_port(low)}-{quote_port(high)})"
    return None


def _open_egress(group: SecurityGroup) -> Iterator[tuple[EgressRule, str, str]]:
    for egress in group.egress:
        traffic = _all_traffic(egress)
        if traffic is None:
            continue
        for attribute, anywhere in _ANYWHERE:
            if literal_str(getattr(egress, attribute)) == anywhere:
                yield egress, traffic, anywhere
                break


@rule(
    "GR-NET-04",
    title="Function security group allows all outbound traffic",
    severity="low",
    rationale=(
        "Egress open to the whole internet lets compromised or vulnerable code send data "
        "anywhere; a function usually talks to a few known services, which a narrow egress "
        "rule (or a VPC endpoint's security group) can name."
    ),
    fix=(
        "Create the security group with `allow_all_outbound=False` (and "
        "`allow_all_ipv6_outbound=False`) and add only the egress the function needs, e.g. "
        "`sg.add_egress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443))`; pass it "
        "with `security_groups=[sg]`."
    ),
    example="""
        sg = ec2.SecurityGroup(self, "OrdersSg", vpc=vpc, allow_all_outbound=False)
        sg.add_egress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "VPC endpoints")
        lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_asset("src/orders"),
            vpc=vpc,
            security_groups=[sg],
        )
    """,
    references={"checkov": "CKV_AWS_382"},
)
def open_egress(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A security group of the function allows all outbound traffic to ``0.0.0.0/0`` / ``::/0``.

    Interpretations: "all outbound" is an egress rule to ``0.0.0.0/0`` (``CidrIp``) or ``::/0``
    (``CidrIpv6``) with ``IpProtocol`` ``-1`` (every protocol and port), or with TCP or UDP
    (``tcp``/``6``, ``udp``/``17``) over the whole port range (``FromPort`` <= 0, ``ToPort``
    65535): what a function sends is TCP or UDP. Single ports (443), ICMP, other CIDRs,
    destination security groups and prefix lists are not "all". This includes CDK's default
    ``allow_all_outbound=True`` (the security group CDK creates for a VPC function emits
    ``0.0.0.0/0`` with ``IpProtocol: "-1"``); ``allow_all_outbound=False`` emits a disallow-all
    placeholder (``255.255.255.255/32``, icmp 252-86), which is not open. A security group with
    no ``SecurityGroupEgress`` gets EC2's default allow-all rule (the
    ``AWS::EC2::SecurityGroup`` documentation), even when ``AWS::EC2::SecurityGroupEgress``
    resources add rules later: located at ``Properties/SecurityGroupEgress`` of the group.
    Groups that are not in the template (literal ``sg-`` ids, imports) and values that are
    tokens are not decided. Location: the egress rule (``Properties/SecurityGroupEgress/<i>`` of
    the group, or the ``AWS::EC2::SecurityGroupEgress`` resource); one finding per rule, shared
    by every function using the group. The message does not quote the rule's ``Description``
    (free text): the location points at the rule.
    """
    net = fn.network
    if net is None:
        return
    for group in net.security_groups:
        for egress, traffic, anywhere in _open_egress(group):
            to = quote_cidr(anywhere)
            if egress.default:
                what = (
                    "declares no SecurityGroupEgress, so EC2 adds its default rule allowing "
                    f"all outbound traffic to {to} (and ::/0 in a VPC with IPv6)"
                )
            else:  # the rule's Description is free text: the location names the rule
                what = f"has an egress rule allowing {traffic} to {to}"
            yield Violation(egress.site, f"Security group {group.logical_id} {what}.")


#: services GR-NET-05 checks -> (kind of read in ``SECRET_READS``, service, what the role does)
ENDPOINT_SERVICES: dict[str, tuple[str, str, str]] = {
    "secretsmanager": (
        "read Secrets Manager secrets",
        "Secrets Manager",
        "read Secrets Manager secrets",
    ),
    "ssm": (_SSM, "SSM Parameter Store", "read SSM parameters"),
    "kms": ("decrypt with KMS", "KMS", "decrypt with KMS"),
}


def _enumerate(items: list[str], last: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]


@dataclass(frozen=True)
class ServiceRead:
    """A grant that lets the role call a service: the action and where it is granted."""

    service: str
    action: str
    site: Site


def _via_service(stmt: Statement) -> bool:
    """A ``kms:ViaService`` condition: KMS is called by another service on the role's behalf
    (Secrets Manager, SSM), never by the function itself."""
    conditions = stmt.conditions
    if not isinstance(conditions, dict):
        return False
    return any(
        isinstance(keys, dict) and any(str(k).lower() == "kms:viaservice" for k in keys)
        for keys in conditions.values()
    )


def _action_site(stmt: Statement, action: str) -> Site:
    """The ``Action`` / ``NotAction`` entry that grants ``action``."""
    if stmt.actions:
        if len(stmt.actions) == 1:
            return stmt.site.at("Action")
        for j, pattern in enumerate(stmt.actions):
            # an entry that is not a string (a token, a nested list) names no action
            if isinstance(pattern, str) and actions.matches(pattern, action):
                return stmt.site.at("Action", j)
        return stmt.site.at("Action")
    return stmt.site.at("NotAction")


def _service_keys_only(stmt: Statement, service_keys: frozenset[str]) -> bool:
    """Every ``Resource`` of the statement is a key that encrypts another resource of the
    template (CDK's ``queue.grant_consume_messages(fn)`` on an encrypted queue)."""
    return bool(stmt.resources) and all(
        isinstance(r, Token) and r.resource in service_keys for r in stmt.resources
    )


def service_reads(
    fn: LambdaFunction, service_keys: frozenset[str] = frozenset()
) -> dict[str, ServiceRead]:
    """For each service of ``ENDPOINT_SERVICES``, the first grant that lets the role read it.

    The read actions are those of ``SECRET_READS`` (as for GR-NET-01), with differences that
    follow from the question asked (does the function's code call the service's API?): reads
    of SSM parameters the template creates count (a plain parameter is an SSM call too); a
    ``kms:Decrypt`` does not when the statement is conditioned on ``kms:ViaService`` or when
    all its resources are ``service_keys`` (keys that encrypt a queue, bucket, secret... of the
    template: that service calls KMS on the role's behalf).
    """
    if fn.role is None:
        return {}
    found: dict[str, ServiceRead] = {}
    for stmt in fn.role.statements:
        if not stmt.allows:
            continue
        for service, (kind, _, _) in ENDPOINT_SERVICES.items():
            if service in found:
                continue
            if service == "kms" and (_via_service(stmt) or _service_keys_only(stmt, service_keys)):
                continue
            for action in SECRET_READS[kind]:
                covered = actions.statement_covers(
                    action, actions=stmt.actions, not_actions=stmt.not_actions
                )
                if covered:
                    found[service] = ServiceRead(service, action, _action_site(stmt, action))
                    break
    for policy in fn.role.managed_policies:
        name = policy.short_name
        if policy.aws_name != name:
            continue
        for kind in MANAGED_SECRET_READS.get(name or "", ()):
            for service, (service_kind, _, _) in ENDPOINT_SERVICES.items():
                if kind == service_kind and service not in found:
                    found[service] = ServiceRead(service, f"AWS managed policy {name}", policy.site)
    return found


@rule(
    "GR-NET-05",
    title="VPC function reads secrets without a VPC endpoint",
    severity="low",
    rationale=(
        "Without an interface endpoint, a VPC function's calls to Secrets Manager, SSM or KMS "
        "leave the VPC through a NAT gateway and cross the internet edge (or fail from isolated "
        "subnets); an endpoint keeps secret material on the AWS network and lets an endpoint "
        "policy restrict it."
    ),
    fix=(
        "Add an interface endpoint per service the function reads: "
        '`vpc.add_interface_endpoint("SecretsManager", service=ec2.'
        "InterfaceVpcEndpointAwsService.SECRETS_MANAGER)` (likewise `SSM`, `KMS`)."
    ),
    example="""
        vpc = ec2.Vpc(self, "Vpc", max_azs=2)
        vpc.add_interface_endpoint(
            "SecretsManager", service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER
        )
        vpc.add_interface_endpoint("Kms", service=ec2.InterfaceVpcEndpointAwsService.KMS)
        fn = lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_asset("src/orders"),
            vpc=vpc,
        )
        secret.grant_read(fn)
    """,
)
def secret_endpoints(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A VPC function whose role reads Secrets Manager / SSM / KMS while its VPC has no
    interface endpoint for that service in the assembly.

    Interpretations: "reads" is ``service_reads``: the read actions of GR-NET-01
    (``secretsmanager:GetSecretValue`` / ``BatchGetSecretValue``, ``ssm:GetParameter(s)`` /
    ``GetParametersByPath`` / ``GetParameterHistory``, ``kms:Decrypt``), parameters created by
    the template included. A ``kms:Decrypt`` that another service uses on the role's behalf
    does not count: a statement conditioned on ``kms:ViaService``, or one whose resources are
    all keys that encrypt another resource of the template (an encrypted queue, bucket,
    secret, table, a function's ``KmsKeyArn``: CDK's grants on them add ``kms:Decrypt``);
    ``kms:Decrypt`` on ``*``, on an imported key or on a key the template uses for nothing
    else counts. The VPC is that of the function's subnets (or security groups); when it is
    not in the template (imported, literal ids) nothing is decided, nor when one of its
    endpoints has a service name that is a token. An endpoint
    counts whatever its ``PrivateDnsEnabled`` and subnets (``com.amazonaws.<region>.<service>``
    and the ``-fips`` variant). One violation per missing service, located at the grant that
    makes the function read it (the ``Action`` entry, ``NotAction``, or the
    ``ManagedPolicyArns`` entry), so that acknowledging it on the function works; two services
    granted by the same entry (``"*"``) share one violation that names both.
    """
    net = fn.network
    if net is None or net.vpc is None or net.endpoints is None:
        return
    if any(e.service is None for e in net.endpoints):
        return
    present = {e.service for e in net.endpoints}
    missing: dict[Site, list[ServiceRead]] = {}
    for service, read in service_reads(fn, net.service_keys).items():
        if service not in present:
            missing.setdefault(read.site, []).append(read)
    for site, reads in missing.items():
        names = _enumerate([ENDPOINT_SERVICES[r.service][1] for r in reads], "or")
        endpoints = ", ".join(f"com.amazonaws.<region>.{r.service}" for r in reads)
        grants = _enumerate(
            [f"{ENDPOINT_SERVICES[r.service][2]} ({r.action})" for r in reads], "and"
        )
        yield Violation(
            site,
            f"VPC {net.vpc} of function {fn.logical_id} has no interface endpoint for {names} "
            f"({endpoints}), but the function's role can {grants}: those calls leave the VPC "
            "through a NAT gateway, or fail from isolated subnets.",
        )
