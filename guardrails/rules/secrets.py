"""Rules: secrets and configuration (GR-SEC).

The detection of credentials lives in ``credentials``; these rules decide which values of a
function to show it and how to report what it finds: environment variables (GR-SEC-01, 02, 05),
inline code (GR-SEC-03) and the files of the code asset staged in the cloud assembly
(GR-SEC-04: listed and read by ``guardrails.model.asset_files``, scanned here by
``scan_asset``, bounded by ``ASSET_LIMITS``, cached per asset). No
message ever contains a secret value: only the variable's name or the file and line, the kind of
credential and ``credentials.mask(value)``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from guardrails.model.asset_files import READ_ERRORS, AssetFiles, fingerprint, open_asset
from guardrails.model.function import LambdaFunction
from guardrails.model.values import Text, Token, dig
from guardrails.rules.base import RuleContext, Violation, rule
from guardrails.rules.credentials import (
    CodeCredential,
    find_credential,
    find_in_text,
    mask,
    skips_file,
)

#: a CloudFormation dynamic reference; tokens inside it are rendered as ``_TOKEN``
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^{}]*\}\}")
_TOKEN = "\0"
#: dynamic references that resolve a secret (``{{resolve:ssm:`` is a plain parameter)
_SECRET_REFERENCES = {
    "{{resolve:secretsmanager:": ("a Secrets Manager dynamic reference", "_SECRET_ARN", "secret"),
    "{{resolve:ssm-secure:": (
        "an SSM SecureString dynamic reference",
        "_PARAMETER_NAME",
        "parameter",
    ),
}


def _with_placeholders(value: Any) -> str | None:
    """A literal string, or a ``Text`` with every token replaced by ``_TOKEN``; else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return "".join(p if isinstance(p, str) else _TOKEN for p in value.parts)
    return None


def literal_fragments(value: Any) -> list[str]:
    """The parts of an environment value written in the template: the whole literal string, or
    the literal text between the tokens of an ``Fn::Join`` / ``Fn::Sub``, without dynamic
    references (``{{resolve:...}}`` is a reference, GR-SEC-02's concern). Empty for a token."""
    text = _with_placeholders(value)
    if text is None:
        return []
    text = _DYNAMIC_REFERENCE.sub(_TOKEN, text)
    return [part for part in text.split(_TOKEN) if part]


def _is_arn(value: Any) -> bool:
    text = _with_placeholders(value)
    return text is not None and text.startswith("arn:")


@rule(
    "GR-SEC-01",
    title="Plaintext secret in an environment variable",
    severity="critical",
    rationale=(
        "Environment variables are written in plaintext into the template, the cloud assembly "
        "and the function configuration: anyone who can read the repository, the CDK output "
        "or call lambda:GetFunctionConfiguration gets the credential, and it cannot be rotated "
        "without a deployment."
    ),
    fix=(
        "Rotate the exposed credential, then keep it out of the configuration: store it in "
        "Secrets Manager (`secretsmanager.Secret`), pass its ARN "
        '(`environment={"DB_SECRET_ARN": secret.secret_arn}`), grant read on that secret only '
        "(`secret.grant_read(fn)`) and fetch the value at runtime (AWS SDK, or the AWS "
        "Parameters and Secrets Lambda extension)."
    ),
    references={"checkov": "CKV_AWS_45"},
    example="""
        db_secret = secretsmanager.Secret.from_secret_name_v2(self, "DbSecret", "prod/orders/db")
        fn = lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            code=lambda_.Code.from_asset("src/orders"),
            environment={"DB_SECRET_ARN": db_secret.secret_arn},  # the ARN, not the value
        )
        db_secret.grant_read(fn)  # the function reads the value at runtime
    """,
)
def plaintext_secret_in_environment(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A literal environment value, or a literal part of an ``Fn::Join`` / ``Fn::Sub``, looks
    like a credential (see ``credentials`` for what that means, placeholders such as
    ``changeme`` included). One violation per variable, at
    ``Properties/Environment/Variables/<NAME>``; the message names the variable and the kind of
    credential and shows only the masked literal.

    Interpretations: a value that is entirely a token (``Ref``, ``Fn::GetAtt``,
    ``Fn::ImportValue``, a parameter) is never judged; an ARN (a literal string or an
    ``Fn::Join`` that starts with ``arn:``) is a reference, never a secret; the text of a
    ``{{resolve:...}}`` dynamic reference is a reference too (GR-SEC-02 reports secret ones);
    numbers and booleans are not credentials.
    """
    for name, value in fn.environment.items():
        if _is_arn(value):
            continue
        for fragment in literal_fragments(value):
            kind = find_credential(name, fragment)
            if kind is None:
                continue
            where = (
                " in a literal part of its Fn::Join / Fn::Sub" if isinstance(value, Text) else ""
            )
            yield Violation(
                fn.site.at("Environment", "Variables", name),
                f"Environment variable {name} holds a credential in plaintext: {kind}{where} "
                f"({mask(fragment)}); anyone who reads the template or the function "
                "configuration can use it",
            )
            break


def _no_echo(fn: LambdaFunction, token: Token) -> bool:
    if token.kind != "param":
        return False
    declaration = fn.parameters.get(token.target)
    if not isinstance(declaration, dict):
        return False
    no_echo = declaration.get("NoEcho")
    return no_echo is True or (isinstance(no_echo, str) and no_echo.lower() == "true")


def _tokens(value: Any) -> tuple[Token, ...]:
    if isinstance(value, Token):
        return (value,)
    if isinstance(value, Text):
        return value.tokens
    return ()


@rule(
    "GR-SEC-02",
    title="Secret resolved into the function configuration",
    severity="high",
    rationale=(
        "A dynamic reference or a NoEcho parameter keeps the secret out of the template, but "
        "CloudFormation writes the resolved value into the function configuration, where "
        "anyone with lambda:GetFunctionConfiguration reads it in plaintext; a rotation does not "
        "reach the function until the next deployment."
    ),
    fix=(
        "Pass the secret's ARN instead of its value: "
        '`environment={"DB_PASSWORD_SECRET_ARN": secret.secret_arn}` instead of '
        "`secret.secret_value_from_json(...).unsafe_unwrap()`, grant read on that secret only "
        "(`secret.grant_read(fn)`) and fetch the value at runtime (AWS SDK, or the AWS Parameters "
        "and Secrets Lambda extension). For an SSM SecureString pass the parameter name and "
        "grant `parameter.grant_read(fn)`; for a NoEcho parameter, keep the value in Secrets "
        "Manager instead."
    ),
    remediation="opt-in",
    example="""
        api_key = ssm.StringParameter.from_secure_string_parameter_attributes(
            self, "ApiKey", parameter_name="/orders/api-key"
        )
        fn = lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            code=lambda_.Code.from_asset("src/orders"),
            # the name of the parameter, not SecretValue.ssm_secure(...).unsafe_unwrap()
            environment={"API_KEY_PARAMETER_NAME": api_key.parameter_name},
        )
        api_key.grant_read(fn)  # read and decrypt at runtime, this parameter only
    """,
)
def secret_resolved_into_configuration(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An environment value contains ``{{resolve:secretsmanager:`` or ``{{resolve:ssm-secure:``
    (a literal string, or a literal part of an ``Fn::Join`` / ``Fn::Sub``: CDK's
    ``SecretValue...unsafe_unwrap()`` emits either), or refers (alone, or inside an
    ``Fn::Join`` / ``Fn::Sub``) to a template parameter with ``NoEcho: true`` (the boolean or
    the string ``"true"``, any case). One violation per variable, at
    ``Properties/Environment/Variables/<NAME>``.

    Interpretations: the message says which kind of reference it is and never repeats it (the
    reference is not a secret, but it is long and names the secret); ``{{resolve:ssm:`` (a plain
    String parameter) is not a secret; the suggested variable is ``<NAME>_SECRET_ARN`` for
    Secrets Manager and NoEcho parameters, ``<NAME>_PARAMETER_NAME`` for SSM SecureStrings.
    """
    for name, value in fn.environment.items():
        text = _with_placeholders(value) or ""
        reference = next(
            (ref for prefix, ref in _SECRET_REFERENCES.items() if prefix in text), None
        )
        if reference is not None:
            what, suffix, holder = reference
            yield Violation(
                fn.site.at("Environment", "Variables", name),
                f"Environment variable {name} resolves {what}: the secret's value is stored in "
                f"the function configuration, readable with lambda:GetFunctionConfiguration. "
                f"Pass {name}{suffix} instead and grant the function read on that {holder} only",
            )
            continue
        parameter = next((t.target for t in _tokens(value) if _no_echo(fn, t)), None)
        if parameter is not None:
            yield Violation(
                fn.site.at("Environment", "Variables", name),
                f"Environment variable {name} is set from the NoEcho parameter {parameter}: the "
                f"value CloudFormation hides is stored in the function configuration, readable "
                f"with lambda:GetFunctionConfiguration. Keep it in Secrets Manager, pass "
                f"{name}_SECRET_ARN and grant the function read on that secret only",
            )


@rule(
    "GR-SEC-05",
    title="Environment variables without a customer-managed KMS key",
    severity="medium",
    rationale=(
        "Without a customer-managed key, Lambda encrypts environment variables with the AWS "
        "managed key aws/lambda, whose use cannot be restricted by a key policy or audited per "
        "function; a customer-managed key decides who can decrypt the configuration."
    ),
    fix=(
        'Pass `environment_encryption=kms.Key(self, "EnvKey", enable_key_rotation=True)` (or '
        "your organisation's key, `kms.Key.from_key_arn(...)`). In remediate mode the hardening "
        "Aspect sets `KmsKeyArn` to the policy's `kms_key_arn` when the policy names one (safe); "
        "without one, creating a key per stack with rotation on is opt-in."
    ),
    remediation="safe",
    references={"checkov": "CKV_AWS_173"},
    example="""
        env_key = kms.Key(self, "EnvKey", enable_key_rotation=True)
        lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            code=lambda_.Code.from_asset("src/orders"),
            environment={"TABLE_NAME": table.table_name},
            environment_encryption=env_key,
        )
    """,
)
def environment_without_customer_key(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The function has environment variables (a non-empty ``Environment.Variables``) and no
    ``KmsKeyArn``. A ``KmsKeyArn`` in any form (a literal ARN, a reference to a key, a
    parameter, an import) complies; an empty string is no key (Lambda then uses aws/lambda).

    Interpretations: the location is ``Properties/Environment`` (the property that carries the
    data to protect; the fix adds ``KmsKeyArn`` beside it); an ``Environment`` that is not a
    literal mapping (an unresolvable ``Fn::If``) is not judged; the catalog's remediation is
    "safe when the policy names a key, else opt-in": the rule says "safe" and the fix text
    explains the condition.
    """
    variables = fn.environment
    if not variables or fn.properties.get("KmsKeyArn") not in (None, ""):
        return
    names = sorted(variables)
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    yield Violation(
        fn.site.at("Environment"),
        f"Function has {len(names)} environment variable(s) ({listed}) encrypted only with the "
        "AWS managed key aws/lambda: no customer-managed KMS key (KmsKeyArn)",
    )


# -- credentials in code ---------------------------------------------------------------------
def _listed(found: list[CodeCredential]) -> str:
    """``AWS access key (AK****(20 chars))``, several joined with ``and``."""
    return " and ".join(f"{c.kind} ({c.shown})" for c in found)


def _by_line(found: list[CodeCredential]) -> dict[int, list[CodeCredential]]:
    lines: dict[int, list[CodeCredential]] = {}
    for credential in found:
        lines.setdefault(credential.line, []).append(credential)
    return lines


#: the file CloudFormation writes ``Code.ZipFile`` to, by runtime family
_INLINE_FILES = (("python", "index.py"), ("nodejs", "index.js"))


def _inline_filename(runtime: Any) -> str:
    if isinstance(runtime, str):
        for family, filename in _INLINE_FILES:
            if runtime.startswith(family):
                return filename
    return "index"  # a token runtime: scanned with the rules for any text file


@rule(
    "GR-SEC-03",
    title="Hard-coded credential in inline code",
    severity="critical",
    rationale=(
        "Inline code is part of the template: the credential is in the repository, the cloud "
        "assembly, every copy of the template CloudFormation keeps, and the function's code "
        "that anyone with lambda:GetFunction downloads. It cannot be rotated without a "
        "deployment."
    ),
    fix=(
        "Rotate the exposed credential, then remove it from the code: store it in Secrets "
        "Manager, pass its ARN in an environment variable "
        '(`environment={"API_SECRET_ARN": secret.secret_arn}`), grant read on that secret only '
        "(`secret.grant_read(fn)`) and fetch the value at runtime."
    ),
    example="""
        api_secret = secretsmanager.Secret.from_secret_name_v2(self, "ApiSecret", "prod/api")
        fn = lambda_.Function(
            self, "Hook",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(
                "import os, boto3\\n"
                "def handler(event, context):\\n"
                "    key = boto3.client('secretsmanager').get_secret_value(\\n"
                "        SecretId=os.environ['API_SECRET_ARN'])['SecretString']\\n"
            ),
            environment={"API_SECRET_ARN": api_secret.secret_arn},
        )
        api_secret.grant_read(fn)
    """,
)
def credential_in_inline_code(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """The inline code (``Code.ZipFile``) holds a credential: it is scanned as the source file
    CloudFormation writes it to (``index.py`` for Python runtimes, ``index.js`` for Node.js),
    with the detection of GR-SEC-01 (``credentials.find_in_text``): provider formats anywhere
    (AWS access keys, private keys, JWTs, GitHub/Slack/Stripe... tokens, passwords in URLs),
    and keyword or high-entropy values assigned to a secret-like name
    (``password = "..."``, ``{"clientSecret": "..."}``). One violation per line that holds a
    credential, at ``Properties/Code/ZipFile``; the message says ``line 3: AWS access key
    (AK****(20 chars))``: the line, the kind and the masked value, never the value.

    Interpretations: a ``ZipFile`` built with ``Fn::Join`` / ``Fn::Sub`` is scanned with each
    token replaced by a placeholder, so only its literal text is judged (a value that contains a
    token is never reported, line numbers stay those of the deployed file); a ``ZipFile`` that
    is one token is not decidable. Several credentials on one line make one violation that
    lists them. A line carrying detect-secrets' ``pragma: allowlist secret`` comment is skipped,
    as detect-secrets skips it. AWS's documentation example key (``AKIAIOSFODNN7EXAMPLE``) is
    reported like any key, as GR-SEC-01 does: the scanner does not keep a list of known
    examples. With a token runtime the code is scanned with the rules for any text file.
    """
    code = fn.code
    if code is None:
        return
    source = _with_placeholders(dig(fn.properties, "Code", "ZipFile"))
    if not source:
        return
    where = code.site.at("ZipFile")
    found = find_in_text(source, _inline_filename(fn.runtime))
    for number, on_line in _by_line(found).items():
        yield Violation(
            where,
            f"Inline code (Code.ZipFile) hard-codes a credential, line {number}: "
            f"{_listed(on_line)}; anyone who can read the template or download the function's "
            "code can use it",
            key=f"{number:06d}",
        )


# -- the files of a code asset ---------------------------------------------------------------
@dataclass(frozen=True)
class AssetLimits:
    """How much of one code asset GR-SEC-04 reads. A scan that reaches a limit stops there and
    says so (an error in the report, which fails the run); nothing silently goes unread."""

    #: a text file larger than this is not scanned (and is listed as such); bundles of bundled
    #: Node.js functions reach a few MiB, and the scanner reads about 5 MB/s of minified code
    max_file_bytes: int = 8 * 1024 * 1024
    #: files opened per asset (text or binary; skipped dependency trees do not count)
    max_files: int = 5000
    #: bytes read per asset
    max_bytes: int = 64 * 1024 * 1024
    #: wall-clock time per asset
    max_seconds: float = 60.0


ASSET_LIMITS = AssetLimits()

#: directories of installed dependencies, caches and version control: never the team's code,
#: and the size of a node_modules tree would eat the limits before the team's files are read
DEPENDENCY_DIRS = frozenset(
    {
        "node_modules", "bower_components", "jspm_packages", "site-packages", "dist-packages",
        ".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox",
        ".git", ".hg", ".svn",
    }
)  # fmt: skip
_METADATA_SUFFIXES = (".dist-info", ".egg-info")
#: the one file read inside ``.git``: a remote URL there may carry a token
_GIT_CONFIG = (".git", "config")
#: binary private key files, reported by name (a PEM key is found by its content)
PKCS12_SUFFIXES = (".p12", ".pfx")
#: bytes read to tell a binary file over the size limit from a text file
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class AssetCredential:
    """Credentials on one line of one file of an asset (``line`` 0: the whole file)."""

    path: str
    line: int
    what: str


@dataclass(frozen=True)
class AssetScan:
    """What a scan of one asset found, with values masked, and what it did not read."""

    credentials: tuple[AssetCredential, ...] = ()
    files: int = 0
    oversized: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()
    #: the limit that stopped the scan, in words; None when every file was read
    stopped: str | None = None


def _is_dependency_dir(name: str) -> bool:
    return name in DEPENDENCY_DIRS or name.endswith(_METADATA_SUFFIXES)


def _text(data: bytes) -> str | None:
    """The file as text, or None for a binary file (NUL bytes, or not UTF-8)."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n % (1024 * 1024) == 0 else f"{n:,} bytes"


def scan_asset(path: Path, limits: AssetLimits | None = None) -> AssetScan:
    """Credentials in the files of one staged code asset (a directory or a zip file), once per
    asset: functions that share an asset share the result (cached by path, modification time,
    size and limits; the cache holds masked values only)."""
    stamp = fingerprint(path)
    if stamp is None:  # named by the assembly but not in it: not checked, so not passed
        return AssetScan(unreadable=(path.name,))
    return _scan_asset(str(path), stamp, limits or ASSET_LIMITS)


@lru_cache(maxsize=128)
def _scan_asset(path: str, fingerprint: tuple[int, int], limits: AssetLimits) -> AssetScan:
    try:
        with open_asset(Path(path), _is_dependency_dir, keep=[_GIT_CONFIG], vendored=True) as asset:
            return _scan_files(asset, limits)
    except READ_ERRORS:
        return AssetScan(unreadable=(Path(path).name,))


def _scan_files(asset: AssetFiles, limits: AssetLimits) -> AssetScan:
    start = time.monotonic()
    found: list[AssetCredential] = []
    oversized: list[str] = []
    unreadable: list[str] = []
    files = read_bytes = 0
    stopped = None
    for file in asset:
        if file.link:
            continue  # symbolic links are not followed
        rel, size = file.path, file.size
        if rel.lower().endswith(PKCS12_SUFFIXES):
            if size:
                found.append(AssetCredential(rel, 0, f"private key file (PKCS#12, {size:,} bytes)"))
            continue
        if skips_file(rel):
            continue
        if files >= limits.max_files:
            stopped = f"the limit of {limits.max_files:,} files per asset"
        elif read_bytes + min(size, limits.max_file_bytes) > limits.max_bytes:
            stopped = f"the limit of {_size(limits.max_bytes)} read per asset"
        elif time.monotonic() - start > limits.max_seconds:
            stopped = f"the limit of {limits.max_seconds:g} s per asset"
        if stopped:
            break
        files += 1
        big = size > limits.max_file_bytes
        try:
            data = asset.read(file, _SNIFF_BYTES if big else limits.max_file_bytes + 1)
        except READ_ERRORS:
            unreadable.append(rel)
            continue
        read_bytes += len(data)
        text = _text(data)
        if text is None:
            continue  # binary
        if big or len(data) > limits.max_file_bytes:
            oversized.append(rel)
            continue
        for number, on_line in _by_line(find_in_text(text, rel)).items():
            found.append(AssetCredential(rel, number, _listed(on_line)))
    unreadable.extend(asset.unreadable)  # folders and special files the listing met
    return AssetScan(tuple(found), files, tuple(oversized), tuple(unreadable), stopped)


def _some(paths: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _partial(scan: AssetScan, limits: AssetLimits) -> list[str]:
    reasons = []
    if scan.stopped:
        reasons.append(f"the scan stopped at {scan.stopped} after {scan.files:,} files")
    if scan.oversized:
        reasons.append(
            f"{len(scan.oversized)} text file(s) larger than {_size(limits.max_file_bytes)} "
            f"were not read ({_some(scan.oversized)})"
        )
    if scan.unreadable:
        reasons.append(
            f"{len(scan.unreadable)} file(s) could not be read ({_some(scan.unreadable)})"
        )
    return reasons


@rule(
    "GR-SEC-04",
    title="Hard-coded credential in the code asset",
    severity="critical",
    rationale=(
        "Everything in the asset directory is zipped into the deployment package: a `.env` "
        "file, a private key or a key in a config file is in the cloud assembly, the CDK "
        "assets bucket and the function's code that anyone with lambda:GetFunction "
        "downloads, and it cannot be rotated without a deployment."
    ),
    fix=(
        "Rotate the exposed credential and remove the file or the value from the asset: keep "
        "secrets in Secrets Manager (pass the ARN, `secret.grant_read(fn)`, read it at "
        "runtime) and leave local files out of the package with "
        '`Code.from_asset("src", exclude=[".env*", "*.pem", "*.key", ".git"])`.'
    ),
    example="""
        db_secret = secretsmanager.Secret.from_secret_name_v2(self, "DbSecret", "prod/orders/db")
        fn = lambda_.Function(
            self, "Orders",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            # local files that hold credentials never enter the package
            code=lambda_.Code.from_asset(
                "src/orders", exclude=[".env*", "*.pem", "*.key", ".git"]
            ),
            environment={"DB_SECRET_ARN": db_secret.secret_arn},
        )
        db_secret.grant_read(fn)
    """,
)
def credential_in_code_asset(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A file of the function's code asset in the cloud assembly holds a credential: the
    directory CDK staged as ``cdk.out/asset.<hash>/``, or a zip file asset
    (``Code.from_asset("app.zip")``, read in memory, never extracted). Text files are scanned
    as GR-SEC-03 scans inline code (``credentials.find_in_text``, by file type: source, JSON,
    YAML, ini, Markdown; every ``NAME=value`` line of a dotenv file: ``.env``, ``.env.local``,
    ``prod.env``); a PEM / OpenSSH / PuTTY private key is found by its content, a PKCS#12 file
    (``*.p12``, ``*.pfx``) by its name. One violation per file and line, at
    ``Properties/Code`` (whose ``S3Key`` names the asset); the message gives the path relative
    to the asset root, the line, the kind and the masked value.

    Interpretations:

    * Text file: no NUL byte and valid UTF-8 (a BOM is allowed); anything else is binary and
      skipped, as are the extensions and lock files detect-secrets skips (``.png``, ``.jar``,
      ``.map``, ``package-lock.json``, ``poetry.lock``...). Minified lines are read in windows
      (``credentials.LONG_LINE_WINDOW``).
    * Third-party and tool trees are not the team's code and are skipped (dependencies are
      GR-DEP's concern; published packages carry test keys and documentation examples):
      ``node_modules``, ``site-packages``, virtualenvs, ``__pycache__`` and other caches,
      ``*.dist-info`` / ``*.egg-info``, the packages a ``*.dist-info/RECORD`` lists
      (``pip install -t``, as ``PythonFunction`` bundles), and ``.git`` except ``.git/config``
      (a remote URL there may carry a token). Symbolic links are not followed (CDK copies the
      files external links point to).
    * Bounded per asset (``ASSET_LIMITS``): 8 MiB per text file, 5,000 files opened, 64 MiB
      read, 60 s (a safety net: 2,000 small files take 1 to 2 s). Files are read breadth first
      in name order, so the top-level code comes first. When a limit cuts the scan short, or a
      file or folder cannot be read (or is a FIFO, a device or a socket), or the asset named by
      the assembly is missing, the rule says so once per function as an error of the report
      naming the limit and the files not read: a partial scan never looks like a clean one, and
      fails the run (``--allow-incomplete`` accepts it).
    * Each asset is scanned once, however many functions share it (cached per path).
    * As in GR-SEC-03, AWS's documentation example key is reported like any key, and lines
      with ``pragma: allowlist secret`` are skipped.
    * An asset that is not in the assembly (an image function, code in another bucket, a
      template scanned without its assembly) is not decidable. A template scanned alone finds
      its asset through the ``aws:asset:path`` metadata the CDK CLI writes.
    """
    code = fn.code
    if code is None or code.asset_path is None:
        return
    limits = ASSET_LIMITS
    scan = scan_asset(code.asset_path, limits)
    where = code.site
    for c in scan.credentials:
        at = f", line {c.line}" if c.line else ""
        yield Violation(
            where,
            f"Code asset file {c.path}{at}: {c.what}; the file ships in the deployment package, "
            "readable from the cloud assembly, the assets bucket and lambda:GetFunction",
            key=f"{c.path}:{c.line:06d}",
        )
    reasons = _partial(scan, limits)
    if reasons:
        yield Violation(
            where,
            f"code asset {code.asset_path.name} was scanned for credentials only in part: "
            f"{'; '.join(reasons)}; what was not read may hold a credential",
            key="partial scan",
            incomplete=True,
        )
