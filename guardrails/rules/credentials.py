"""Is this value a credential? Detection and masking, built on detect-secrets.

Used by the secrets rules: ``find_credential`` judges one environment variable,
``find_in_text`` (and its short form ``scan_text``) judges inline code and the text files of a
code asset, ``mask`` is the only form in which a detected value may leave this module (a
``CodeCredential`` carries the masked value, never the value).

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

A text (``find_in_text``) goes through the same pipeline line by line, but only the lines a
screen selects: lines where a provider regex matches get every plugin, lines with a secret-like
word only the keyword and entropy plugins (no provider can match there). ``_Screen`` finds those
lines without running 45 regexes on every line: a regex runs once over the whole text, or, when
every match of it must contain certain words (``_gate``, read from the parsed regex), only on
the lines that hold them; a test checks that it selects exactly the lines a search of every line
selects. Lines longer than ``LONG_LINE_WINDOW`` (minified bundles) are read in overlapping
windows. 2,000 small source files take 1 to 2 s on a 2-core machine (see the GR-SEC-04 tests).

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
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

try:  # the standard library's regex parser, to find the words a regex requires (``_gate``)
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as _sre

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


#: ``scheme://[user]:password@``. detect-secrets' BasicAuthDetector misses a password with an
#: RFC 3986 sub-delimiter (``!``, ``$``, ``&``...) and a URL without a user (``redis://:pw@``),
#: both common in connection strings.
_URL_CREDENTIALS = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^\s:/?#@'\"]*):(?P<password>[^\s/?#@'\"]+)@"
)
#: what stands for a password in examples and templates, not a password
_PASSWORD_PLACEHOLDER = re.compile(
    r"^(?:\$\{.*\}|\$\w+|\{\{.*\}\}|\{.*\}|<[^>]*>|%\(?\w*\)?s|[*x.]+|"
    r"pass(?:word)?|passwd|pwd|secret|changeme|example)$",
    re.IGNORECASE,
)
URL_PASSWORD = "password in a URL"


def url_credentials(text: str) -> str | None:
    """The ``scheme://user:password@`` part of the first URL in ``text`` that carries a real
    password (not a placeholder, a port or a template value), or None."""
    for match in _URL_CREDENTIALS.finditer(text):
        password = match.group("password")
        if (
            len(password) >= 4
            and not password.isdigit()  # ``host:8080@`` is a port, not a password
            and not _PASSWORD_PLACEHOLDER.match(password)
            and TOKEN_PLACEHOLDER not in password
        ):
            return match.group(0)
    return None


@lru_cache(maxsize=65536)
def find_credential(name: str, value: str) -> str | None:
    """The kind of credential the environment variable ``name=value`` holds, or None.

    ``value`` is one literal string: the whole value, or one literal part of an ``Fn::Join`` /
    ``Fn::Sub``. The kinds are words for a message ("AWS access key", "JWT", "password in a
    URL", "high-entropy string under a secret-like name", ...), never the value.
    """
    if _cannot_be_credential(value):
        return None
    if "://" in value and url_credentials(value):
        return URL_PASSWORD
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


@dataclass(frozen=True)
class CodeCredential:
    """A credential found in a text: its line, its kind, and the value only as ``mask`` shows it
    (for a private key: the header the detector matched, ``BEGIN RSA PRIVATE KEY``, which is
    not secret)."""

    line: int
    kind: str
    shown: str


#: Stands for a deploy-time value (a token of an ``Fn::Join`` / ``Fn::Sub``) in a text to scan:
#: a match that contains it is not a literal credential and is dropped.
TOKEN_PLACEHOLDER = "\0"


@lru_cache(maxsize=4096)  # detect-secrets' injection costs about 20 us a call, and the same
def skips_file(filename: str) -> bool:  # names (``index.py``, ``app.js``) come back each time
    """detect-secrets' file filters: lock files (``package-lock.json``, ``poetry.lock``...),
    swagger files and binary extensions (``.png``, ``.zip``, ``.jar``, ``.map``...)."""
    return _filtered(_pipeline().file_filters, filename=filename)


def _shown(kind: str, value: str) -> str:
    return value if kind == "private key" else mask(value)


def find_in_text(text: str, filename: str) -> list[CodeCredential]:
    """Credentials in a text (inline code, a file of a code asset), sorted by line; one per
    line, kind and value. ``filename`` picks detect-secrets' rules for the file type (``.py``,
    ``.js``, ``.yaml``, ``.env``...); files ``skips_file`` names are skipped.

    A provider format counts anywhere. A keyword or entropy match counts when the name it is
    assigned to is secret-like and the value looks like a credential, as for ``find_credential``.
    In a dotenv file (``.env``, ``prod.env``, ``.env.local``) every ``NAME=value`` line is
    judged by ``find_credential``: detect-secrets' keyword and entropy plugins need quotes
    there, and dotenv values are mostly unquoted. A line with detect-secrets' allowlist comment
    (``pragma: allowlist secret``) is skipped, as detect-secrets does. A match that contains
    ``TOKEN_PLACEHOLDER`` is dropped (it is not all literal).
    """
    pipeline = _pipeline()
    if skips_file(filename):
        return []
    lines = text.splitlines()
    found: set[CodeCredential] = set()

    def add(number: int, kind: str | None, value: str) -> None:
        if kind and TOKEN_PLACEHOLDER not in value:
            found.add(CodeCredential(number, kind, _shown(kind, value)))

    if _is_dotenv(filename):
        for number, line in enumerate(lines, start=1):
            assignment = _DOTENV_LINE.match(line)
            if not assignment:
                continue
            context = get_code_snippet(lines=lines, line_number=number)
            if not _filtered(pipeline.line_filters, filename=filename, line=line, context=context):
                name, value = assignment.group(1), _unquote(assignment.group(2).strip())
                add(number, find_credential(name, value), value)
    segments, origin = _segments(lines)
    screen = _Screen(segments)
    provider_lines = screen.lines_matching_any(pipeline.screens)
    name_lines = screen.lines_matching(_SECRET_NAME) - provider_lines
    # a line no provider regex matches can only hold a keyword or entropy match
    by_segment: dict[int, list[tuple[PotentialSecret, BasePlugin]]] = {}
    for numbers, plugins in (
        (provider_lines, pipeline.providers + pipeline.entropy + pipeline.keyword),
        (name_lines, pipeline.entropy + pipeline.keyword),
    ):
        if not numbers:  # the usual case: no line to scan (and no settings to look at)
            continue
        for number, secret, plugin in pipeline.scan(segments, filename, sorted(numbers), plugins):
            by_segment.setdefault(number, []).append((secret, plugin))
    for number, hits in by_segment.items():
        line = segments[number - 1]
        for secret, plugin in hits:
            value = secret.secret_value or ""
            if not isinstance(plugin, (HighEntropyStringsPlugin, KeywordDetector)):
                add(origin[number - 1], _kind(secret), _whole_match(plugin, line, value))
                continue
            if _cannot_be_credential(value):
                continue
            start = max(line.find(value), 0)
            match = _ASSIGNED_NAME.search(line[max(start - 200, 0) : start])
            kind = _judge(match.group(1), value, line, hits) if match else None
            add(origin[number - 1], kind, value)
    if not any(c.kind == URL_PASSWORD for c in found):
        for number, line in enumerate(lines, start=1):
            if "://" in line and "pragma: allowlist secret" not in line:
                url = url_credentials(line)
                if url:
                    add(number, URL_PASSWORD, url)
    return sorted(found, key=lambda c: (c.line, c.kind, c.shown))


def _whole_match(plugin: BasePlugin, line: str, value: str) -> str:
    """The credential a provider plugin found: its capture group when that is the credential
    (a password in a URL, an AWS secret key), the whole match when the group is only a prefix
    (``ghp`` of a GitHub token, ``glpat`` of a GitLab token)."""
    if len(value) >= 8 or not isinstance(plugin, RegexBasedDetector):
        return value
    for regex in plugin.denylist:
        for match in regex.finditer(line):
            if value in match.groups():
                return match.group(0)
    return value


#: Lines longer than this (minified bundles are one line of megabytes) are scanned in windows
#: of this many characters plus ``LONG_LINE_OVERLAP``: detect-secrets' keyword regexes take
#: seconds on a line of a megabyte. A credential and the name it is assigned to that fit in
#: the overlap are always inside one window.
LONG_LINE_WINDOW = 2000
LONG_LINE_OVERLAP = 256


def _segments(lines: Sequence[str]) -> tuple[list[str], list[int]]:
    """The lines to scan, long ones cut in overlapping windows, and each one's line number."""
    segments: list[str] = []
    origin: list[int] = []
    for number, line in enumerate(lines, start=1):
        if len(line) <= LONG_LINE_WINDOW + LONG_LINE_OVERLAP:
            segments.append(line)
            origin.append(number)
            continue
        for start in range(0, len(line), LONG_LINE_WINDOW):
            segments.append(line[start : start + LONG_LINE_WINDOW + LONG_LINE_OVERLAP])
            origin.append(number)
            if start + LONG_LINE_WINDOW + LONG_LINE_OVERLAP >= len(line):
                break
    return segments, origin


# -- screening a text ------------------------------------------------------------------------
def _required_words(items: Any) -> list[frozenset[str]]:
    """Sets of words (lower case) such that every match of the parsed regex ``items`` contains
    one word of each set: runs of literal characters, and alternations whose every branch has
    one. Look-arounds, classes and optional parts add nothing (what is left is still true)."""
    found: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is _sre.LITERAL:
            run += chr(av)
            continue
        if run:
            found.append(frozenset({run.lower()}))
            run = ""
        if op is _sre.SUBPATTERN:
            found.extend(_required_words(av[-1]))
        elif op is _sre.BRANCH:
            branches = [_required_words(branch) for branch in av[1]]
            if all(branches):
                best = [max(b, key=lambda words: min(map(len, words))) for b in branches]
                found.append(frozenset().union(*best))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            found.extend(_required_words(av[2]))
    if run:
        found.append(frozenset({run.lower()}))
    return found


@lru_cache(maxsize=256)
def _gate(regex: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """The word sets a line must hold for ``regex`` to match in it (sets with a word shorter
    than 2 characters select nothing and are left out); empty when the regex has none, or
    when this Python's regex parser is not the one we know."""
    try:
        items = _sre.parse(regex.pattern, regex.flags)
        words = _required_words(items)
    except Exception:  # a private module of the standard library: never let it break a scan
        return ()
    return tuple(w for w in words if min(map(len, w)) >= 2)


class _Screen:
    """Finds the lines of a text where a regex may match, fast: a regex with required words
    (``_gate``) runs only on the lines that hold them (``str.find`` over the lower-cased
    text), one without runs once over the whole text. Same lines as searching every line:
    Python's ``re`` spends most of a scan on case-insensitive patterns with look-behinds
    (detect-secrets' IBM, Cloudant and SoftLayer keyword formats, our secret-like names)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.joined = "\n".join(lines)
        self.starts = []
        offset = 0
        for line in lines:
            self.starts.append(offset)
            offset += len(line) + 1
        # gates compare lower-cased ASCII only: Unicode case folding in ``re`` goes further
        # (the long s matches ``s``), so a text that is not ASCII is searched whole
        self.lowered = self.joined.lower() if self.joined.isascii() else None
        self._with_word: dict[str, set[int]] = {}

    def _line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def lines_with(self, word: str) -> set[int]:
        if word not in self._with_word:
            found: set[int] = set()
            lowered = self.lowered
            position = lowered.find(word) if lowered is not None else -1
            while lowered is not None and position >= 0:
                number = self._line_of(position)
                found.add(number)
                if number >= len(self.starts):
                    break
                position = lowered.find(word, self.starts[number])
            self._with_word[word] = found
        return self._with_word[word]

    def lines_matching_any(self, regexes: tuple[re.Pattern[str], ...]) -> set[int]:
        """The lines where one of ``regexes`` matches. Only the regexes with no gate, or with
        a word of their gate's first set in the text, are asked (``lines_matching`` checks
        the other sets): most texts (a handler of a few lines above all) hold none of most
        regexes' words, and cost one ``in`` per word."""
        found: set[int] = set()
        if self.lowered is None:
            candidates: Iterable[int] = range(len(regexes))
        else:
            by_word, ungated = _gates(regexes)
            lowered = self.lowered
            present = (ids for word, ids in by_word.items() if word in lowered)
            candidates = sorted(set(ungated).union(*present))
        for i in candidates:
            found |= self.lines_matching(regexes[i])
        return found

    def lines_matching(self, regex: re.Pattern[str]) -> set[int]:
        """The 1-based numbers of the lines where ``regex.search(line)`` matches."""
        if self.lowered is None:
            return self._search_whole_text(regex)
        twin = _lower_case_twin(regex)
        gate = _gate(regex)
        if not gate:
            return self._search_whole_text(regex, twin)
        lowered = self.lowered
        if any(all(w not in lowered for w in words) for words in gate):
            return set()  # a word set none of whose words the text holds: no line can match
        candidates = set.intersection(
            *(set().union(*(self.lines_with(w) for w in words)) for words in gate)
        )
        if twin is None:
            return {n for n in candidates if regex.search(self.lines[n - 1])}
        starts, lines = self.starts, self.lines
        return {
            n
            for n in candidates
            if twin.search(self.lowered, starts[n - 1], starts[n - 1] + len(lines[n - 1]))
        }

    def _search_whole_text(
        self, regex: re.Pattern[str], twin: re.Pattern[str] | None = None
    ) -> set[int]:
        """One search per matching line instead of one per line (most files have none). The
        pattern is compiled again with ``re.MULTILINE`` so that ``^`` / ``$`` mean a line's
        ends; after a match the search resumes at the next line, so a match that runs on
        across a line end hides no match of the following line."""
        if self.lowered is None:
            twin = None
        whole = _multiline(twin or regex)
        text = self.joined if twin is None or self.lowered is None else self.lowered
        found: set[int] = set()
        position = 0
        while True:
            match = whole.search(text, position)
            if match is None:
                return found
            number = self._line_of(match.start())
            if regex.search(self.lines[number - 1]):
                found.add(number)
            if number >= len(self.starts):
                return found
            position = self.starts[number]


@lru_cache(maxsize=8)
def _gates(
    regexes: tuple[re.Pattern[str], ...],
) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """Each word of a gate's first set -> the regexes (by index) whose first set holds it;
    the regexes without a gate."""
    by_word: dict[str, list[int]] = {}
    ungated: list[int] = []
    for i, regex in enumerate(regexes):
        gate = _gate(regex)
        if not gate:
            ungated.append(i)
        for word in gate[0] if gate else ():
            by_word.setdefault(word, []).append(i)
    return {w: tuple(ids) for w, ids in by_word.items()}, tuple(ungated)


@lru_cache(maxsize=256)
def _lower_case_twin(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a case-insensitive regex written in lower case only (no ``\\W``, no ``[A-Z]``): the
    same regex, case-sensitive, which matches lower-cased ASCII text where the original matches
    the text, 4 to 5 times faster in Python's ``re``. None for any other regex."""
    if not regex.flags & re.IGNORECASE or any(c.isupper() for c in regex.pattern):
        return None
    return re.compile(regex.pattern, regex.flags & ~re.IGNORECASE)


@lru_cache(maxsize=256)
def _multiline(regex: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(regex.pattern, regex.flags | re.MULTILINE)


def scan_text(text: str, filename: str) -> list[tuple[int, str]]:
    """``(line number, kind)`` pairs of ``find_in_text``, sorted, one per kind and line."""
    return sorted({(c.line, c.kind) for c in find_in_text(text, filename)})


#: where a free text is cut into the words ``mask_credentials`` judges one by one
_WORD_BREAK = re.compile(r"[\s,;()\[\]{}<>]+")


def mask_credentials(text: str) -> str:
    """``text`` (a person's words: an exemption's or an acknowledgement's reason, a value of the
    hardening Aspect's change log) with every word that could be a credential masked.

    Each word is judged as an environment value would be: under the name it is assigned to
    (``password=...``, ``token: ...``), else under a secret-like name, so that provider formats,
    high-entropy and random-looking strings are masked. Free text has no name to go by, so a
    word of 12 characters or more that mixes lower case, upper case and digits or symbols (what
    a human-made password looks like, ``hunter2-Planted-Secret-9``) is masked too: a key pasted
    into the wrong field never reaches a report, at the price of masking a rare long identifier.
    """
    parts = _WORD_BREAK.split(text)
    breaks = _WORD_BREAK.findall(text)
    out = []
    name = "SECRET"
    for i, word in enumerate(parts):
        if "=" in word[1:]:
            assigned, value = word.split("=", 1)
        else:
            assigned, value = name, word
        if value and _masked_word(assigned or "SECRET", value):
            word = word[: len(word) - len(value)] + mask(value)
        out.append(word)
        # ``password: hunter2...``: the next word is judged under this name
        name = word[:-1] if word.endswith(":") and len(word) > 1 else "SECRET"
        if i < len(breaks):
            out.append(breaks[i])
    return "".join(out)


def _masked_word(name: str, value: str) -> bool:
    if _cannot_be_credential(value):
        return False
    if (
        len(value) >= 12
        and _character_classes(value) >= 3
        and "${" not in value  # a placeholder for a reference (``${Logs.Arn}``)
        and not _is_reference_or_placeholder(value)  # a URL, a path, an e-mail address
    ):
        return True
    return find_credential(name, value) is not None


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
    "TOKEN_PLACEHOLDER",
    "CodeCredential",
    "env_line",
    "find_credential",
    "find_in_text",
    "is_secret_like_name",
    "mask",
    "mask_credentials",
    "scan_text",
    "skips_file",
]
