"""What a rule's message may quote from a template, and how it describes everything else.

A credential can be pasted into any field of a template, and the product never echoes a secret
it reads. So a message follows one principle:

* It identifies resources by their **logical id / construct path** (and the stack, template
  parameter and environment variable names: the identifiers the tool prints by design, in
  every finding's location too).
* It **quotes a value from the template only when the value has the shape the property
  allows**, from a closed vocabulary or an AWS-defined format: an enum (``Active`` /
  ``PassThrough``, ``JSON`` / ``Text``, ``NONE`` / ``AWS_IAM``, HTTP methods, the runtimes of
  ``guardrails/data/runtimes.json``, the metrics of ``AWS/Lambda``), an IAM action
  (``service:Action``, wildcards allowed), a 12-digit account id, an Availability Zone name or
  id (``eu-west-1a``, ``use1-az1``), an AWS service principal (``events.amazonaws.com``), an
  ARN (``arn:`` + partition + service + region + account + resource; nothing inside a
  well-formed ARN is masked, but an ARN longer than 2048 characters is not quoted), a resource
  id (``subnet-``, ``sg-``, ``vpc-`` + hex), a CIDR, a port number.
* Anything else is **described, not quoted**: "a value that is not a tracing mode", "the
  function's name", "a metric other than Errors", "a tag instead of a digest".
* A free-form name that helps the reader (a function name in ``/aws/lambda/<name>``, a log
  group, stage or image tag name, a statement's ``Sid``, an API path) is better described by
  the resource's logical id; when a message quotes one, it does so only when the name matches
  its AWS name pattern AND the credential screen of GR-SEC-01 finds nothing in it, read as the
  value of a ``SECRET`` and of a ``PASSWORD`` variable (whole, and each ``/``-separated part);
  otherwise the message says "(name not shown)".

A template value known only at deploy time is shown as its placeholder (``${Bucket.Arn}``,
``${Param}``, ``${AWS::Region}``), which names a logical id or a parameter, never a literal:
the target of an ``Fn::GetAtt`` and an export name of ``Fn::ImportValue`` pass the same checks
as names, and an unknown pseudo parameter is shown as ``${?}``.

Each ``quote_*`` helper returns the text to put in the message: the value as written when it
has the shape, else the description (``what``). ``safe_*`` helpers return the value or None,
for messages that word the two cases differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from guardrails.model.runtimes import lifecycle
from guardrails.model.values import Text, Token
from guardrails.rules.credentials import find_credential

# -- the shapes ------------------------------------------------------------------------------------
#: stands for a deploy-time value inside a literal shape (never in a template's text)
_TOKEN = "\x01"
#: an ARN as IAM and CloudFormation write it (wildcards allowed in every field, ``\x01`` where
#: a template value goes); the resource part is printable ASCII without spaces
ARN = re.compile(
    r"arn:(?:aws(?:-[a-z]+)*|[*?\x01]+):[a-z0-9*?\x01-]+:[a-z0-9*?\x01-]*:"
    r"(?:aws|[0-9*?\x01]*):[\x21-\x7e\x01]+"
)
MAX_ARN = 2048
#: ``service:Action`` with IAM's wildcards (``s3:Get*``, ``s*:*``), or ``*``
ACTION = re.compile(r"[a-zA-Z0-9*?-]+:[a-zA-Z0-9*?]+|\*")
ACCOUNT = re.compile(r"\d{12}")
_DIRECTION = "(?:north|south|east|west|central|northeast|northwest|southeast|southwest)"
REGION = re.compile(rf"[a-z]{{2,4}}(?:-[a-z]{{2,4}})?-{_DIRECTION}-\d{{1,2}}")
#: ``eu-west-1a``; Local Zones ``us-west-2-lax-1a``; Wavelength ``us-east-1-wl1-bos-wlz-1``
AZ_NAME = re.compile(rf"{REGION.pattern}(?:[a-z]|-[a-z]{{3}}-\d[a-z]|-wl\d-[a-z]{{3}}-wlz-\d)")
#: ``use1-az1``; Local Zones ``usw2-lax1-az1``; Wavelength ``use1-wl1-bos-wlz1``
AZ_ID = re.compile(r"[a-z]{3,5}\d{1,2}-(?:az\d{1,2}|[a-z]{3}\d-az\d{1,2}|wl\d-[a-z]{3}-wlz\d)")
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")
#: the web identity providers a ``Federated`` principal names without an ARN
WEB_IDENTITY_PROVIDERS = (
    "cognito-identity.amazonaws.com",
    "www.amazon.com",
    "graph.facebook.com",
    "accounts.google.com",
)
CANONICAL_USER = re.compile(r"[0-9a-f]{64}")
#: ``subnet-0abc...``, ``sg-...``, ``vpc-...`` and the other EC2 ids: 8 or 17 hex digits
RESOURCE_ID = re.compile(
    r"(?:subnet|sg|vpc|igw|eigw|nat|rtb|vpce|acl|eni|pl|tgw)-(?:[0-9a-f]{8}|[0-9a-f]{17})"
)
CIDR = re.compile(
    r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)/(?:3[0-2]|[12]?\d)"
    r"|[0-9a-fA-F:]*:[0-9a-fA-F:]*/(?:12[0-8]|1[01]\d|[1-9]?\d)"
)
HTTP_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: the pseudo parameters CloudFormation defines
PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
        "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    }
)  # fmt: skip

# -- name patterns (AWS's), for ``quote_name`` -----------------------------------------------------
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
LOG_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
#: an API Gateway ``PathPart``: a literal segment or a path parameter (``{id}``, ``{proxy+}``)
PATH_PART = re.compile(r"[A-Za-z0-9._:-]+|\{[A-Za-z0-9._:-]+\+?\}")
SID = re.compile(r"[A-Za-z0-9]{1,128}")
EXPORT_NAME = re.compile(r"[A-Za-z0-9:-]{1,255}")
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")
_ATTRIBUTE = re.compile(r"[A-Za-z0-9.]{1,255}")
_PARTS = re.compile(r"[/\s]+")


def passes_credential_screen(text: str) -> bool:
    """Nothing in ``text`` (whole, or any ``/``-separated part: the screen takes a value that
    starts with ``/`` for a path) looks like a credential under a ``SECRET`` or a ``PASSWORD``
    name."""
    for piece in (text, *_PARTS.split(text)):
        if piece and (
            find_credential("SECRET", piece) is not None
            or find_credential("PASSWORD", piece) is not None
        ):
            return False
    return True


def _no_provider_format(text: str) -> bool:
    """No provider-format credential (an AWS key...) in an identifier the tool prints by
    design: the screen of a name that is not secret-like (entropy alone does not count)."""
    return find_credential("LOGICAL_ID", text) is None


# -- deploy-time values ----------------------------------------------------------------------------
def quote_token(token: Token) -> str:
    """A deploy-time value as its placeholder: ``${Logical.Attr}``, ``${Param}``,
    ``${AWS::Region}``, ``${ImportValue:Export}``, ``${Stack:Logical}``; a part that is not an
    identifier is left out (``${?}``, ``${ImportValue}``)."""
    if token.kind == "import":
        name = safe_name(token.target, EXPORT_NAME)
        return f"${{ImportValue:{name}}}" if name else "${ImportValue}"
    if token.kind == "pseudo":
        return str(token) if token.target in PSEUDO_PARAMETERS else "${?}"
    if token.kind == "getatt":
        shown = (
            LOGICAL_ID.fullmatch(token.target)
            and _ATTRIBUTE.fullmatch(token.attribute or "")
            and _no_provider_format(token.target)
            and _no_provider_format(token.attribute or "")
        )
        return str(token) if shown else "${?}"
    if token.kind in ("ref", "param"):  # a logical id or a parameter of the template
        return str(token)
    return "${?}"


def _shape(value: Text) -> str:
    """A ``Text`` with each deploy-time part replaced by ``_TOKEN``, to match a shape."""
    # a literal that holds the placeholder character itself matches no shape
    return "".join(p.replace(_TOKEN, "\0") if isinstance(p, str) else _TOKEN for p in value.parts)


def _shown(value: Text) -> str:
    return "".join(p if isinstance(p, str) else quote_token(p) for p in value.parts)


def _literal(value: Any) -> str | None:
    """A literal string or number as text (not a boolean); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return None


# -- closed vocabularies ---------------------------------------------------------------------------
def quote_enum(value: Any, allowed: Iterable[str], what: str) -> str:
    """The value when it is one of ``allowed`` (ignoring case, as written), else ``what``; a
    deploy-time value as its placeholder."""
    if isinstance(value, Token):
        return quote_token(value)
    text = _literal(value)
    if text is not None and text.casefold() in {a.casefold() for a in allowed}:
        return text
    return what


def quote_runtime(value: Any, what: str = "a value that is not a Lambda runtime") -> str:
    """A runtime id listed in ``guardrails/data/runtimes.json``."""
    if isinstance(value, Token):
        return quote_token(value)
    return value if isinstance(value, str) and lifecycle(value) is not None else what


# -- AWS-defined formats ---------------------------------------------------------------------------
def _fits(value: Any, shape: re.Pattern[str]) -> str | None:
    """The value as shown when it (a literal, or a ``Text`` with its tokens as wildcards) has
    the shape; the placeholder of a whole token; else None."""
    if isinstance(value, Token):
        return quote_token(value)
    if isinstance(value, Text):
        return _shown(value) if shape.fullmatch(_shape(value)) else None
    text = _literal(value)
    if text is None:
        return None
    text = text.strip()
    return text if _TOKEN not in text and shape.fullmatch(text) else None


def quote_action(value: Any, what: str = "a value that is not an IAM action") -> str:
    """An IAM action (``s3:GetObject``, ``s3:Get*``) or ``*``; one that holds a
    provider-format credential (an AWS key id...) is no action and is described too."""
    shown = _fits(value, ACTION)
    return shown if shown is not None and _no_provider_format(shown) else what


def safe_arn(value: Any) -> str | None:
    """A well-formed ARN of at most 2048 characters as shown (nothing inside it is masked),
    the placeholder of a whole token, or a token followed by the rest of an ARN
    (``${Bucket.Arn}/*``, ``${Fn.Arn}:live``); else None."""
    if isinstance(value, Text) and value.parts and isinstance(value.parts[0], Token):
        rest = _shape(Text(value.parts[1:]))
        shown = _shown(value)
        if rest[:1] in ("/", ":") and re.fullmatch(r"[\x21-\x7e\x01]+", rest):
            return shown if len(shown) <= MAX_ARN else None
        return None
    shown_or_none = _fits(value, ARN)
    if shown_or_none is None or len(shown_or_none) > MAX_ARN:
        return None
    return shown_or_none


def quote_arn(value: Any, what: str = "a value that is not an ARN") -> str:
    return safe_arn(value) or what


def quote_account(value: Any, what: str = "a value that is not an account id") -> str:
    """A 12-digit AWS account id."""
    return _fits(value, ACCOUNT) or what


def quote_az_name(value: Any, what: str = "a value that is not an Availability Zone") -> str:
    return _fits(value, AZ_NAME) or what


def quote_az_id(value: Any, what: str = "a value that is not an Availability Zone id") -> str:
    return _fits(value, AZ_ID) or what


def safe_service_principal(value: Any) -> str | None:
    """``events.amazonaws.com``, ``logs.eu-west-1.amazonaws.com``, ``s3.${AWS::URLSuffix}``."""
    if isinstance(value, Text):
        suffix_or_region = all(
            isinstance(p, str) or (p.kind == "pseudo" and p.target in _PRINCIPAL_PSEUDO)
            for p in value.parts
        )
        if not suffix_or_region:
            return None
        filled = "".join(
            p if isinstance(p, str) else _PRINCIPAL_PSEUDO[p.target] for p in value.parts
        )
        return _shown(value) if SERVICE_PRINCIPAL.fullmatch(filled) else None
    if isinstance(value, Token):
        return None
    return _fits(value, SERVICE_PRINCIPAL)


#: what the pseudo parameters of a service principal stand for, to check its shape
_PRINCIPAL_PSEUDO = {"AWS::URLSuffix": "amazonaws.com", "AWS::Region": "eu-west-1"}


def quote_service_principal(
    value: Any, what: str = "a value that is not an AWS service principal"
) -> str:
    return safe_service_principal(value) or what


def quote_principal(kind: str, value: Any) -> str:
    """One entry of a policy ``Principal``, with its kind: ``service events.amazonaws.com``,
    ``AWS arn:aws:iam::111122223333:root``, ``Federated accounts.google.com``,
    ``everyone (*)``; a value without the kind's shape, or a kind IAM does not define, is
    described."""
    if kind == "*":
        return "everyone (*)"
    if kind == "Service":
        shown = safe_service_principal(value)
        return f"service {shown}" if shown else "a Service principal that is not an AWS service"
    if kind == "AWS":
        shown = _fits(value, ACCOUNT) or safe_arn(value) or _fits(value, re.compile(r"\*"))
        return f"AWS {shown}" if shown else "an AWS principal that is not an account id or ARN"
    if kind == "Federated":
        shown = safe_arn(value) or (
            value.strip()
            if isinstance(value, str) and value.strip() in WEB_IDENTITY_PROVIDERS
            else None
        )
        return (
            f"Federated {shown}"
            if shown
            else "a Federated principal that is not an identity provider ARN or name"
        )
    if kind == "CanonicalUser":
        shown = _fits(value, CANONICAL_USER)
        return f"CanonicalUser {shown}" if shown else "a CanonicalUser principal of another shape"
    return "a principal of a kind IAM does not define"


def quote_resource_id(value: Any, what: str = "a value that is not a resource id") -> str:
    """An EC2 id: ``subnet-``, ``sg-``, ``vpc-``... + 8 or 17 hex digits."""
    return _fits(value, RESOURCE_ID) or what


def quote_cidr(value: Any, what: str = "a value that is not a CIDR block") -> str:
    return _fits(value, CIDR) or what


def quote_port(value: Any, what: str = "a value that is not a port number") -> str:
    """A port (or ICMP type/code) number, -1 to 65535."""
    if isinstance(value, Token):
        return quote_token(value)
    text = _literal(value)
    if text is not None and re.fullmatch(r"-?\d{1,5}", text.strip()):
        number = int(text)
        if -1 <= number <= 65535:
            return str(number)
    return what


# -- free-form names -------------------------------------------------------------------------------
def safe_name(value: Any, pattern: re.Pattern[str]) -> str | None:
    """A name as shown when it matches ``pattern`` and passes the credential screen
    (``passes_credential_screen``); a ``Text`` is judged on its literal parts, its deploy-time
    values shown as placeholders (``/aws/lambda/${Fn}``); None otherwise."""
    if isinstance(value, Token):
        return quote_token(value)
    if isinstance(value, Text):
        if not pattern.fullmatch(_shape(value).replace(_TOKEN, "x")):
            return None
        if not all(passes_credential_screen(p) for p in value.literals):
            return None
        return _shown(value)
    text = _literal(value)
    if text is None or not pattern.fullmatch(text) or not passes_credential_screen(text):
        return None
    return text


def quote_name(value: Any, pattern: re.Pattern[str], what: str) -> str:
    """The name (see ``safe_name``), else ``what`` followed by "(name not shown)"."""
    return safe_name(value, pattern) or f"{what} (name not shown)"


__all__ = [
    "ACCOUNT",
    "ACTION",
    "ARN",
    "AZ_ID",
    "AZ_NAME",
    "EXPORT_NAME",
    "FUNCTION_NAME",
    "HTTP_METHODS",
    "IMAGE_TAG",
    "LOGICAL_ID",
    "LOG_GROUP_NAME",
    "PATH_PART",
    "SID",
    "STAGE_NAME",
    "passes_credential_screen",
    "quote_account",
    "quote_action",
    "quote_arn",
    "quote_az_id",
    "quote_az_name",
    "quote_cidr",
    "quote_enum",
    "quote_name",
    "quote_port",
    "quote_principal",
    "quote_resource_id",
    "quote_runtime",
    "quote_service_principal",
    "quote_token",
    "safe_arn",
    "safe_name",
    "safe_service_principal",
]
