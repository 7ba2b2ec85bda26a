"""Is this value a credential? Detection and masking, built on detect-secrets.

Used by the secrets rules: ``find_credential`` judges one environment variable, ``scan_text``
judges inline code and the text files of a code asset, ``mask`` is the only form in which a
detected value may leave this module.

How detect-secrets is used
--------------------------
Every value is scanned as the line ``NAME="value"`` of a ``.env`` file, through the same steps
as detect-secrets' line-based file scanning (``core.scan._process_line_based_plugins``, the
loop under ``scan_file`` and ``scan_diff``): its line filters, every plugin's ``analyze_line``
(so the entropy plugins see a quoted string and apply their limits: Base64 > 4.5, hex > 3.0),
then its secret filters (templated, ``$``-prefixed, sequential, not alphanumeric, ``*_id``...)
and context filters. The plugins and filters are configured once with ``default_settings()``
(every built-in plugin, default filters) and captured, so the process-wide settings of
detect-secrets are restored as they were and never changed again. We do not call:

* ``scan_line``: it turns on eager search, which for the entropy plugins drops the quotes
  *and* the entropy limit (any base64-charset word is reported), and it changes the global
  filter settings on every call;
* ``_process_line_based_plugins`` itself: it reads the global settings, so every call would
  need its own ``transient_settings`` block (about 2.5 ms each, measured), and its filter step
  logs every skipped secret value at INFO level.

Two screens keep it fast (1,000 functions x 10 distinct variables: about 0.25 s on a 2-core
machine, see the test): values that cannot be credentials (shorter than 8 characters, numbers,
booleans, ARNs) stop before any regex, and a variable whose name is not secret-like goes through
the pipeline only when one of the provider plugins' own regexes matches its line (for such names
only a provider format can flag the value, so the screen changes no result). Results are cached
by ``(name, value)``.

What "looks like a credential" means
------------------------------------
* A provider format, whatever the variable's name: AWS access key id (``AKIA``...) or secret
  access key (40 characters under an ``aws..key`` name), private key, JWT, GitHub, GitLab,
  Slack, Stripe, Twilio, SendGrid, npm, OpenAI, PyPI, Square, Discord, Telegram, Mailchimp,
  Azure storage, IBM, Cloudant, SoftLayer, and a URL with a password (``scheme://user:pw@``).
  Two plugins are left out: ``IPPublicDetector`` (an IP address is not a credential) and
  ``ArtifactoryDetector`` (its ``AP[0-9A-F]`` + 8 alphanumerics pattern matches ordinary
  CamelCase identifiers such as ``APDomainName1``). detect-secrets' UUID filter is off: a UUID
  under a secret-like name is a key (many APIs issue UUID keys); under any other name the
  name-based checks below never run, so a ``REQUEST_ID`` UUID stays silent.
* Under a secret-like name (``is_secret_like_name``, case-insensitive, ``camelCase`` and
  ``kebab-case`` too: ``*PASSWORD*``, ``*PASSWD*``, ``*PASSPHRASE*``, ``*PWD*``, ``*_PASS``,
  ``*SECRET*``, ``*TOKEN*``, ``*API_KEY*``/``*APIKEY*``, ``*PRIVATE_KEY*``, ``*CREDENTIAL*``,
  ``*AUTH*`` (``AUTHORIZATION`` too, not ``AUTHOR`` nor ``AUTHORITY``), signing / encryption /
  HMAC / master keys, and detect-secrets' keyword list: ``*CLIENT_KEY*``, ``*DB_PASS*``...),
  unless its last word says it holds a reference or a setting (``SECRET_ARN``, ``SECRET_NAME``,
  ``SECRET_ID``, ``TOKEN_TTL``, ``PASSWORD_MIN_LENGTH``, ``AUTH_MODE``, ``*_URL``...):

  - "high-entropy string under a secret-like name": the entropy plugins report it, or a UUID;
  - "plaintext password": under a password name (``*PASSWORD*``, ``*PASSWD*``,
    ``*PASSPHRASE*``, ``*PWD*``, ``*_PASS``), letters mixed with digits or symbols
    (``Passw0rd``, ``hunter22``);
  - "random-looking string under a secret-like name": under the other names (tokens, keys,
    secrets), three of lower case, upper case, digits and symbols, and not shaped like an
    identifier (``OrdersDbSecret``, ``orders-Prod-1`` are identifiers).

  ``Bearer <token>`` / ``Basic <token>`` values are judged by their token. Never a credential
  under these names: URLs (a password in a URL is a provider format above), paths, e-mail
  addresses, text with spaces, and what detect-secrets' filters drop (``${X}``, ``{X}``,
  ``<X>``, ``$X``, sequences such as ``abcdefgh``). A literal placeholder such as ``changeme``,
  ``CHANGE_ME`` or ``ChangeMe`` is not reported (letters only: nothing that looks like a
  credential), ``ChangeMe123`` is (it would work as one): the rule is the value's shape, not a
  list of known placeholders.
* Never a credential, whatever the name: values shorter than 8 characters, numbers, booleans,
  ARNs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.keyword import DENYLIST as KEYWORD_DENYLIST
from detect_secrets.plugins.keyword import KeywordDetector
from detect_secrets.settings import (
    default_settings,
    get_filters,
    get_plugins,
    get_settings,
    transient_settings,
)
from detect_secrets.util.code_snippet import get_code_snippet
from detect_secrets.util.inject import call_function_with_arguments

HIGH_ENTROPY = "high-entropy string under a secret-like name"
PASSWORD = "plaintext password"
RANDOM = "random-looking string under a secret-like name"

#: Plugins of ``default_settings()`` we leave out, and why.
EXCLUDED_PLUGINS = {
    "IPPublicDetector": "an IP address is not a credential",
    "ArtifactoryDetector": "matches CamelCase identifiers such as APDomainName1",
}
#: Filters of ``default_settings()`` we turn off, and why.
DISABLED_FILTERS = {
    "detect_secrets.filters.heuristic.is_potential_uuid": "a UUID under a secret name is a key",
    "detect_secrets.filters.common.is_invalid_file": "we scan text we hold, not files on disk",
}
_VERIFICATION_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"

#: detect-secrets' secret types, in the words of our messages.
KINDS = {
    "AWS Access Key": "AWS access key",
    "Azure Storage Account access key": "Azure storage account key",
    "Basic Auth Credentials": "password in a URL",
    "Cloudant Credentials": "Cloudant credentials",
    "Discord Bot Token": "Discord bot token",
    "GitHub Token": "GitHub token",
    "GitLab Token": "GitLab token",
    "IBM Cloud IAM Key": "IBM Cloud IAM key",
    "IBM COS HMAC Credentials": "IBM COS HMAC credentials",
    "JSON Web Token": "JWT",
    "Mailchimp Access Key": "Mailchimp key",
    "NPM tokens": "npm token",
    "OpenAI Token": "OpenAI key",
    "Private Key": "private key",
    "PyPI Token": "PyPI token",
    "SendGrid API Key": "SendGrid API key",
    "Slack Token": "Slack token",
    "SoftLayer Credentials": "SoftLayer credentials",
    "Square OAuth Secret": "Square OAuth secret",
    "Stripe Access Key": "Stripe key",
    "Telegram Bot Token": "Telegram bot token",
    "Twilio API Key": "Twilio key",
}
_AWS_KEY_ID = re.compile(r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}")

# -- names -----------------------------------------------------------------------------------
#: What a secret-like name contains, besides detect-secrets' keyword list (``KEYWORD_DENYLIST``).
_SECRET_WORDS = (
    "token",
    "credential",
    "passphrase",
    "(?:^|_)pass(?:_|$)",  # SMTP_PASS
    "auth(?!or(?!iz))",  # OAUTH, AUTH_TOKEN, AUTHORIZATION; not AUTHOR, AUTHORITY
    "(?:signing|encryption|hmac|master|secret)_?key",
)
_SECRET_NAME = re.compile("|".join((*KEYWORD_DENYLIST, *_SECRET_WORDS)), re.IGNORECASE)
_PASSWORD_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|(?:^|_)(?:PWD|PASS)(?:_|$)|CONTRASE(?:Ñ|N)A", re.IGNORECASE
)
#: Last word of a name that holds a reference to a secret or a setting about it, not a secret.
_REFERENCE_WORDS = frozenset(
    {
        "ARN", "ARNS", "NAME", "NAMES", "ID", "IDS", "PATH", "PARAM", "PARAMETER", "REF", "URL",
        "URI", "ENDPOINT", "HOST", "PORT", "REGION", "VERSION", "TTL", "LENGTH", "FILE",
        "ENABLED", "DISABLED", "TYPE", "MODE", "TABLE", "BUCKET", "QUEUE", "TOPIC",
    }
)  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"\W+")


@lru_cache(maxsize=4096)
def _snake(name: str) -> str:
    """``dbPassword`` / ``db-password`` / ``db.password`` -> ``DB_PASSWORD``."""
    return _NOT_WORD.sub("_", _CAMEL.sub("_", name)).upper()


@lru_cache(maxsize=4096)
def is_secret_like_name(name: str) -> bool:
    """A name that says its value is a secret (and not a reference to one, see the module)."""
    snake = _snake(name)
    if not _SECRET_NAME.search(snake):
        return False
    return snake.rsplit("_", 1)[-1] not in _REFERENCE_WORDS


def _is_password_name(name: str) -> bool:
    return bool(_PASSWORD_NAME.search(_snake(name)))


# -- values ----------------------------------------------------------------------------------
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null"})
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_AUTH_SCHEME = re.compile(r"(?:Bearer|Basic|Token|Digest)\s+(\S+)", re.IGNORECASE)
#: identifiers: words (any case) with a trailing number, joined by separators; or CamelCase words
_IDENTIFIER = re.compile(
    r"[A-Za-z]+\d*(?:[-_./:](?:[A-Za-z]+\d*|\d+))+|(?:[A-Z][a-z]+)+\d*|[a-z]+(?:[A-Z][a-z]+)+\d*"
)
_SEPARATORS = frozenset("-_./:")


def _cannot_be_credential(value: str) -> bool:
    """Values that are never reported, whatever the name (cheap: no regex for most values)."""
    if len(value) < 8:
        return True
    if value.lower() in _BOOLEANS or _NUMBER.fullmatch(value):
        return True
    return value.startswith("arn:")


def _character_classes(value: str) -> int:
    lower = upper = digit = symbol = False
    for c in value:
        if c.islower():
            lower = True
        elif c.isupper():
            upper = True
        elif c.isdigit():
            digit = True
        elif c not in _SEPARATORS:
            symbol = True
    return lower + upper + digit + symbol


def _is_reference_or_placeholder(value: str) -> bool:
    """A URL, a path, an e-mail address or text with spaces: not a secret under any name
    (templates such as ``${X}`` are detect-secrets' filters' concern)."""
    return bool(
        _URL.match(value)
        or value.startswith(("/", "./", "../", "~/"))
        or _EMAIL.fullmatch(value)
        or any(c.isspace() for c in value)
    )


def _password_shaped(value: str) -> bool:
    """Letters mixed with digits or symbols: what a human-made password looks like."""
    has_letter = any(c.isalpha() for c in value)
    has_other = any(c.isdigit() or (not c.isalnum() and c not in _SEPARATORS) for c in value)
    return has_letter and has_other


def _random_shaped(value: str) -> bool:
    """Three character classes and not an identifier: what a machine-made key looks like."""
    return _character_classes(value) >= 3 and not _IDENTIFIER.fullmatch(value)


# -- the detect-secrets pipeline -------------------------------------------------------------
@dataclass(frozen=True)
class _Pipeline:
    """detect-secrets' plugins and filters, configured once (see the module docstring)."""

    providers: tuple[BasePlugin, ...]
    entropy: tuple[BasePlugin, ...]
    keyword: tuple[BasePlugin, ...]
    line_filters: tuple[Callable[..., Any], ...]
    secret_filters: tuple[Callable[..., Any], ...]
    context_filters: tuple[Callable[..., Any], ...]
    file_filters: tuple[Callable[..., Any], ...]
    #: every provider plugin's regexes: none matches a line, no provider finds anything in it
    screens: tuple[re.Pattern[str], ...]

    def may_hold_provider_format(self, line: str) -> bool:
        # one search per regex: 2-3 times faster than one search of their union
        return any(regex.search(line) for regex in self.screens)

    def scan(
        self,
        lines: Sequence[str],
        filename: str,
        numbers: Iterable[int],
        plugins: Sequence[BasePlugin],
    ) -> Iterator[tuple[int, PotentialSecret, BasePlugin]]:
        """``_process_line_based_plugins`` over the given 1-based line numbers, with our
        captured plugins and filters, and without logging secret values."""
        lines = list(lines)
        with _offline():
            for number in numbers:
                line = lines[number - 1].rstrip()
                context = get_code_snippet(lines=lines, line_number=number)
                if _filtered(self.line_filters, filename=filename, line=line, context=context):
                    continue
                for plugin in plugins:
                    found = plugin.analyze_line(
                        filename=filename, line=line, line_number=number, context=context
                    )
                    for secret in found or ():
                        value = secret.secret_value
                        kwargs = {"filename": filename, "secret": value, "plugin": plugin}
                        if _filtered(self.secret_filters, line=line, **kwargs):
                            continue
                        if _filtered(self.context_filters, line=line, context=context, **kwargs):
                            continue
                        yield number, secret, plugin


def _filtered(filters: Iterable[Callable[..., Any]], **kwargs: Any) -> bool:
    return any(call_function_with_arguments(f, **kwargs) for f in filters)


@contextmanager
def _offline() -> Iterator[None]:
    """Plugins verify a match over the network when the process-wide settings of detect-secrets
    enable verification; mask that setting for the scan (we make no network calls)."""
    if _VERIFICATION_FILTER in get_settings().filters:
        with transient_settings({}):
            yield
    else:
        yield


def _stage(
    filters: Iterable[Any], required: str, available: set[str]
) -> tuple[Callable[..., Any], ...]:
    """The filters detect-secrets applies at one step: they need ``required`` and nothing
    that is not ``available`` at that step (see ``_is_filtered_out``)."""
    return tuple(
        f
        for f in filters
        if required in f.injectable_variables and f.injectable_variables <= available
    )


@lru_cache(maxsize=1)
def _pipeline() -> _Pipeline:
    with default_settings() as settings:
        settings.disable_plugins(*EXCLUDED_PLUGINS)
        settings.disable_filters(*DISABLED_FILTERS)
        plugins = tuple(get_plugins())
        filters = tuple(get_filters())
    entropy = tuple(p for p in plugins if isinstance(p, HighEntropyStringsPlugin))
    keyword = tuple(p for p in plugins if isinstance(p, KeywordDetector))
    providers = tuple(
        p for p in plugins if not isinstance(p, (HighEntropyStringsPlugin, KeywordDetector))
    )
    patterns = []
    for plugin in providers:
        if not isinstance(plugin, RegexBasedDetector):  # no regex to screen with: always scan
            patterns = [re.compile("")]
            break
        patterns.extend(plugin.denylist)
    return _Pipeline(
        providers=providers,
        entropy=entropy,
        keyword=keyword,
        line_filters=_stage(filters, "line", {"filename", "line", "context"}),
        secret_filters=_stage(filters, "secret", {"filename", "secret", "plugin", "line"}),
        context_filters=_stage(
            filters, "context", {"filename", "secret", "plugin", "line", "context"}
        ),
        file_filters=tuple(f for f in filters if f.injectable_variables == {"filename"}),
        screens=tuple(patterns),
    )


def _kind(secret: PotentialSecret) -> str:
    if secret.type == "AWS Access Key" and not _AWS_KEY_ID.fullmatch(secret.secret_value or ""):
        return "AWS secret access key"
    return KINDS.get(secret.type, secret.type)


def _within(secret: PotentialSecret, value: str) -> bool:
    """The match is in the value, not in the name (a greedy regex may take the closing quote)."""
    match = (secret.secret_value or "").strip("\"'")
    return bool(match) and match in value


def _judge(
    name: str, value: str, line: str, hits: Iterable[tuple[PotentialSecret, BasePlugin]]
) -> str | None:
    """The kind of credential ``value`` (assigned to ``name``) is, from the pipeline's hits."""
    entropy_hit = False
    for secret, plugin in hits:
        if isinstance(plugin, HighEntropyStringsPlugin):
            entropy_hit = entropy_hit or secret.secret_value == value
        elif not isinstance(plugin, KeywordDetector) and _within(secret, value):
            return _kind(secret)
    if not is_secret_like_name(name):
        return None
    scheme = _AUTH_SCHEME.fullmatch(value)
    if scheme:  # "Bearer <token>": judge the token
        value = scheme.group(1)
        if _cannot_be_credential(value):
            return None
    if _is_reference_or_placeholder(value) or _filtered_by_detect_secrets(value, line):
        return None
    if entropy_hit or _UUID.fullmatch(value):
        return HIGH_ENTROPY
    if _is_password_name(name):
        return PASSWORD if _password_shaped(value) else None
    return RANDOM if _random_shaped(value) else None


def _filtered_by_detect_secrets(value: str, line: str) -> bool:
    """detect-secrets' secret filters (templates, ``$X``, sequences, ``*_id``...) on a value no
    entropy plugin reported."""
    filters = _pipeline().secret_filters
    return _filtered(filters, filename=".env", secret=value, plugin=None, line=line)


# -- public API ------------------------------------------------------------------------------
def env_line(name: str, value: str) -> str:
    """The ``.env`` line a variable is scanned as: ``NAME="value"`` (newlines escaped)."""
    value = value.replace("\r", "\\r").replace("\n", "\\n")
    quote = "'" if '"' in value and "'" not in value else '"'
    return f"{name}={quote}{value}{quote}"


@lru_cache(maxsize=65536)
def find_credential(name: str, value: str) -> str | None:
    """The kind of credential the environment variable ``name=value`` holds, or None.

    ``value`` is one literal string: the whole value, or one literal part of an ``Fn::Join`` /
    ``Fn::Sub``. The kinds are words for a message ("AWS access key", "JWT", "password in a
    URL", "high-entropy string under a secret-like name", ...), never the value.
    """
    if _cannot_be_credential(value):
        return None
    pipeline = _pipeline()
    line = env_line(name, value)
    if is_secret_like_name(name):
        plugins: tuple[BasePlugin, ...] = pipeline.providers + pipeline.entropy
    elif pipeline.may_hold_provider_format(line):
        plugins = pipeline.providers
    else:
        return None
    hits = [(s, p) for _, s, p in pipeline.scan([line], ".env", (1,), plugins)]
    return _judge(name, value, line, hits)


#: the assignment before a value in code or configuration: ``name = "``, ``"name": "``...
_ASSIGNED_NAME = re.compile(
    r"""([A-Za-z_$][\w$.-]*)["'`\]]*\s*(?:=|:|:=|=>|==|!=|\(|,)\s*[@(]?\s*["'`]?$"""
)


_DOTENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*=(.*)")


def _is_dotenv(filename: str) -> bool:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.startswith(".env") or base.endswith(".env")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value.split(" #", 1)[0].rstrip()  # an unquoted value ends at a comment


def scan_text(text: str, filename: str) -> list[tuple[int, str]]:
    """Credentials in a text (inline code, a file of a code asset): ``(line number, kind)``
    pairs, sorted, one per kind and line. ``filename`` picks detect-secrets' rules for the file
    type (``.py``, ``.js``, ``.yaml``, ``.env``...); lock files, swagger files and binary
    extensions are skipped as detect-secrets does.

    A provider format counts anywhere. A keyword or entropy match counts when the name it is
    assigned to is secret-like and the value looks like a credential, as for ``find_credential``.
    In a dotenv file (``.env``, ``prod.env``, ``.env.local``) every ``NAME=value`` line is
    judged by ``find_credential``: detect-secrets' keyword and entropy plugins need quotes
    there, and dotenv values are mostly unquoted.
    """
    pipeline = _pipeline()
    if _filtered(pipeline.file_filters, filename=filename):
        return []
    lines = text.splitlines()
    found: set[tuple[int, str]] = set()
    if _is_dotenv(filename):
        for number, line in enumerate(lines, start=1):
            assignment = _DOTENV_LINE.match(line)
            if assignment:
                name, value = assignment.group(1), _unquote(assignment.group(2).strip())
                kind = find_credential(name, value)
                if kind:
                    found.add((number, kind))
    numbers = [
        i
        for i, line in enumerate(lines, start=1)
        if pipeline.may_hold_provider_format(line) or _SECRET_NAME.search(line)
    ]
    plugins = pipeline.providers + pipeline.entropy + pipeline.keyword
    by_line: dict[int, list[tuple[PotentialSecret, BasePlugin]]] = {}
    for number, secret, plugin in pipeline.scan(lines, filename, numbers, plugins):
        by_line.setdefault(number, []).append((secret, plugin))
    for number, hits in by_line.items():
        line = lines[number - 1]
        for secret, plugin in hits:
            value = secret.secret_value or ""
            if not isinstance(plugin, (HighEntropyStringsPlugin, KeywordDetector)):
                found.add((number, _kind(secret)))
                continue
            if _cannot_be_credential(value):
                continue
            start = max(line.find(value), 0)
            match = _ASSIGNED_NAME.search(line[max(start - 200, 0) : start])
            kind = _judge(match.group(1), value, line, hits) if match else None
            if kind:
                found.add((number, kind))
    return sorted(found)


def mask(value: str) -> str:
    """A value as it may appear in a message: its first 2 characters (none when it is shorter
    than 8), then ``****`` and its length: ``AK****(20 chars)``. At most 2 characters of the
    original, never enough to use; with the variable's name, enough for its owner to find it."""
    shown = value[:2] if len(value) >= 8 else ""
    return f"{shown}****({len(value)} chars)"


__all__ = [
    "HIGH_ENTROPY",
    "PASSWORD",
    "RANDOM",
    "env_line",
    "find_credential",
    "is_secret_like_name",
    "mask",
    "scan_text",
]
