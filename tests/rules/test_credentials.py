"""Credential detection (``guardrails.rules.credentials``): what is and is not a credential.

Pure functions over strings: no CDK app needed here (the rules that use them are tested on
synthesized stacks in ``test_secrets``). Credentials are made up at run time from a seeded
generator, so the source holds none for a secret scanner to trip on.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest
from detect_secrets.settings import get_settings, transient_settings

from guardrails.rules import credentials
from guardrails.rules.credentials import (
    HIGH_ENTROPY,
    PASSWORD,
    RANDOM,
    TOKEN_PLACEHOLDER,
    find_credential,
    find_in_text,
    is_secret_like_name,
    mask,
    scan_text,
    skips_file,
)

_RNG = random.Random(1127)
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def fake(alphabet: str, n: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JWT = ".".join(
    (
        b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
        b64url(json.dumps({"sub": "orders"}).encode()),
        b64url(bytes(_RNG.getrandbits(8) for _ in range(32))),
    )
)
PEM = "\n".join(
    ("-----BEGIN RSA PRIVATE KEY-----", fake(ALNUM, 64), "-----END RSA PRIVATE KEY-----")
)
SHA = fake(HEX, 40)
UUID = "6f1c2a4e-8b3d-4f5a-9c7e-1d2b3a4c5e6f"

FLAGGED = [
    ("DEPLOY_KEY_ID", "AKIA" + fake(UPPER_DIGITS, 16), "AWS access key"),
    # AWS's documented example key: detect-secrets 1.5.0 does not allowlist it
    ("LEGACY_KEY", "AKIAIOSFODNN7EXAMPLE", "AWS access key"),
    ("AWS_SECRET_ACCESS_KEY", fake(ALNUM + "/+", 40), "AWS secret access key"),
    ("SIGNING_PEM", PEM, "private key"),
    ("UPSTREAM_SESSION", JWT, "JWT"),
    ("CI", "ghp_" + fake(ALNUM, 36), "GitHub token"),
    ("CI_GITLAB", "glpat-" + fake(ALNUM, 20), "GitLab token"),
    ("NOTIFY", "xoxb-123456789012-123456789012-" + fake(ALNUM.lower(), 24), "Slack token"),
    ("BILLING", "sk_live_" + fake(ALNUM, 24), "Stripe key"),
    ("SMS", "SK" + fake(HEX, 32), "Twilio key"),
    ("MAIL", "SG." + fake(ALNUM, 22) + "." + fake(ALNUM, 43), "SendGrid API key"),
    ("NPMRC", "//registry.npmjs.org/:_authToken=npm_" + fake(ALNUM, 36), "npm token"),
    ("DATABASE_URL", "postgres://admin:S3cr3tP4ss@db.internal:5432/app", "password in a URL"),
    ("DB_PASSWORD", fake(ALNUM, 40), HIGH_ENTROPY),
    ("DB_PASSWORD", fake(HEX, 40), HIGH_ENTROPY),
    ("API_KEY", UUID, HIGH_ENTROPY),
    ("DB_PASSWORD", "Passw0rd!", PASSWORD),
    ("dbPassword", "hunter22", PASSWORD),
    ("SMTP_PASS", "ChangeMe123", PASSWORD),
    ("API_TOKEN", "Xk9LpR4sWz8NcB3hJf6Y", RANDOM),
    ("AUTHORIZATION", "Bearer " + "Xk9LpR4sWz8NcB3hJf6Yq7Vt", RANDOM),
    ("CLIENT_SECRET", "aZ8-kP2_qW5.eR7~tY", RANDOM),
    ("oauthCredentials", "q7Vt2mXk9LpR4sWz", RANDOM),
]


@pytest.mark.parametrize(("name", "value", "kind"), FLAGGED)
def test_finds_credentials(name, value, kind):
    assert find_credential(name, value) == kind


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # names and references
        ("COMMIT_SHA", SHA),
        ("GIT_SHA", SHA),
        ("BUILD_HASH", SHA),
        ("REQUEST_ID", UUID),
        ("TABLE_NAME", "orders-table-prod"),
        ("BUCKET_ARN", "arn:aws:s3:::orders-archive"),
        ("DB_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"),
        ("SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"),
        ("SECRET_NAME", "prod/db"),
        ("DB_SECRET_NAME", "orders/prod/database-credentials"),
        ("SECRET_ID", "OrdersDbSecret-AbCdEf12"),
        ("DB_SECRET", "OrdersDbSecret"),
        ("DB_PASSWORD", "/orders/prod/db-password"),
        ("API_TOKEN", "my-token-name"),
        ("API_URL", "https://api.example.com/v1"),
        ("GIT_REMOTE", "https://deploy@git.example.com/orders.git"),
        ("AUTH_EMAIL", "ops-team@example.com"),
        # settings
        ("LOG_LEVEL", "DEBUG"),
        ("FEATURE_ENABLED", "true"),
        ("TIMEOUT_MS", "30000"),
        ("PASSWORD_MIN_LENGTH", "12"),
        ("TOKEN_TTL", "3600"),
        ("AUTH_MODE", "cognito"),
        ("SERVER_IP", "203.0.113.10"),
        ("AUTHOR", "Jane Doe"),
        ("AUTHOR_HANDLE", "JaneDoe1984x"),
        ("APP_NAME", "APDomainName1"),
        # placeholders
        ("DB_PASSWORD", "changeme"),
        ("DB_PASSWORD", "CHANGE_ME"),
        ("DB_PASSWORD", "ChangeMe"),
        ("DB_PASSWORD", "${DB_PASSWORD}"),
        ("DB_PASSWORD", "$DB_PASSWORD"),
        ("DB_PASSWORD", "<your-password>"),
        ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db:SecretString:password::}}"),
        ("DB_PASSWORD", "Ab1!xy"),  # shorter than 8
        ("DB_PASSWORD", ""),
    ],
)
def test_ignores_what_is_not_a_credential(name, value):
    assert find_credential(name, value) is None


@pytest.mark.parametrize(
    ("name", "secret_like"),
    [
        ("DB_PASSWORD", True),
        ("dbPassword", True),
        ("db-passwd", True),
        ("STRIPE_SECRET_KEY", True),
        ("GITHUB_TOKEN", True),
        ("APIKEY", True),
        ("PRIVATE_KEY", True),
        ("GOOGLE_CREDENTIALS", True),
        ("AUTH_HEADER", True),
        ("OAUTH_CLIENT", True),
        ("AUTHORIZATION", True),
        ("CLIENT_KEY", True),  # detect-secrets' keyword list
        ("AUTHOR", False),
        ("AUTHORITY_URL", False),
        ("SECRET_ARN", False),
        ("SecretName", False),
        ("TOKEN_TTL", False),
        ("TABLE_NAME", False),
        ("COMMIT_SHA", False),
    ],
)
def test_secret_like_names(name, secret_like):
    assert is_secret_like_name(name) is secret_like


@pytest.mark.parametrize(("name", "value", "kind"), FLAGGED)
def test_mask_shows_at_most_two_characters(name, value, kind):
    masked = mask(value)
    assert masked == f"{value[:2]}****({len(value)} chars)"
    assert value[:3] not in masked


def test_mask_shows_nothing_of_a_short_value():
    assert mask("Ab1!xy") == "****(6 chars)"


def test_scan_text_reports_line_and_kind_in_code():
    aws_key = "AKIA" + fake(UPPER_DIGITS, 16)
    code = "\n".join(
        (
            "import os",
            f'AWS_KEY = "{aws_key}"',
            'password = "Xy7#kP2!mQ9$wL4z"',
            f'commit = "{SHA}"',
            'db_password = os.environ["DB_PASSWORD"]',
            'token = "REPLACE_ME"',
            f'api_key = "{fake(ALNUM, 40)}"',
            f'config = {{"clientSecret": "{fake(ALNUM, 32)}"}}',
        )
    )
    assert scan_text(code, "index.py") == [
        (2, "AWS access key"),
        (3, PASSWORD),
        (7, HIGH_ENTROPY),
        (8, HIGH_ENTROPY),
    ]


def test_scan_text_finds_a_private_key_file():
    assert scan_text(PEM + "\n", "keys/deploy.pem") == [(1, "private key")]


def test_scan_text_reads_unquoted_dotenv_values():
    dotenv = "\n".join(
        (
            "# database",
            "DB_HOST=db.internal",
            f"DB_PASSWORD={fake(ALNUM, 32)}",
            "DB_USER=app",
            f"export GITHUB_TOKEN='ghp_{fake(ALNUM, 36)}'",
            "ADMIN_PASSWORD=changeme  # set in prod",
            f"COMMIT_SHA={SHA}",
        )
    )
    assert scan_text(dotenv, "app/.env") == [(3, HIGH_ENTROPY), (5, "GitHub token")]


def test_scan_text_skips_lock_files_as_detect_secrets_does():
    lock = json.dumps({"integrity": "sha512-" + fake(ALNUM, 86), "token": "ghp_" + fake(ALNUM, 36)})
    assert scan_text(lock, "package-lock.json") == []
    assert scan_text(lock, "data.json") != []


def test_detect_secrets_global_settings_are_left_as_they_were():
    before = get_settings().json()
    credentials._pipeline.cache_clear()
    credentials.find_credential.cache_clear()
    assert find_credential("DB_PASSWORD", fake(ALNUM, 40)) == HIGH_ENTROPY
    assert get_settings().json() == before


def test_scans_never_run_with_network_verification():
    verification = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
    with transient_settings({"filters_used": [{"path": verification, "min_level": 2}]}):
        assert verification in get_settings().filters
        with credentials._offline():
            assert verification not in get_settings().filters
        assert verification in get_settings().filters


def test_only_secret_like_names_and_provider_shapes_reach_the_full_pipeline(monkeypatch):
    """10,000 distinct values of 1,000 functions: the cheap screens keep all but the values
    under secret-like names (and provider-shaped ones) away from detect-secrets' plugins, which
    is what keeps the scan fast (timed in ``make bench``, not here)."""
    rng = random.Random(7)

    def r(n: int, alphabet: str = ALNUM) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    values = []
    for i in range(1000):
        values += [
            ("TABLE_NAME", f"orders-{i}-{r(6).lower()}"),
            ("QUEUE_URL", f"https://sqs.eu-west-1.amazonaws.com/123456789012/q-{i}-{r(8)}"),
            ("BUCKET_ARN", f"arn:aws:s3:::bucket-{i}-{r(6).lower()}"),
            ("LOG_LEVEL", rng.choice(["DEBUG", "INFO", "WARNING"])),
            ("COMMIT_SHA", r(40, HEX)),
            ("REQUEST_ID", f"{r(8, HEX)}-{r(4, HEX)}-4{r(3, HEX)}-a{r(3, HEX)}-{r(12, HEX)}"),
            ("POWERTOOLS_SERVICE_NAME", f"service-{i}-{r(5).lower()}"),
            ("TIMEOUT_MS", str(rng.randint(100, 100000))),
            ("API_BASE_URL", f"https://api-{i}.example.com/v1/{r(4).lower()}"),
            ("DB_PASSWORD", r(32)) if i % 2 else ("SECRET_NAME", f"prod/db-{i}"),
        ]
    credentials.find_credential.cache_clear()
    pipeline = credentials._pipeline()
    scanned = []
    original = type(pipeline).scan

    def counting(self, lines, *args, **kwargs):
        scanned.append(lines[0])
        return original(self, lines, *args, **kwargs)

    monkeypatch.setattr(type(pipeline), "scan", counting)
    flagged = sum(1 for name, value in values if find_credential(name, value))
    assert flagged == 500
    secret_like = sum(1 for name, _ in values if credentials.is_secret_like_name(name))
    assert secret_like == 500
    assert len(scanned) == secret_like, "values under ordinary names reached the full pipeline"


# -- find_in_text: what GR-SEC-03 and GR-SEC-04 read ------------------------------------------
def test_find_in_text_shows_the_whole_token_not_its_prefix():
    token = "ghp_" + fake(ALNUM, 36)
    [found] = find_in_text(f'const token = "{token}";\n', "index.js")
    assert (found.line, found.kind, found.shown) == (1, "GitHub token", "gh****(40 chars)")


def test_find_in_text_shows_the_header_of_a_private_key():
    [found] = find_in_text(PEM, "deploy.pem")
    assert found.shown == "BEGIN RSA PRIVATE KEY"
    assert all(line not in found.shown for line in PEM.splitlines()[1:2])


def test_find_in_text_drops_matches_that_hold_a_token():
    key = "AKIA" + fake(UPPER_DIGITS, 16)
    code = f'region = "{TOKEN_PLACEHOLDER}"\npassword = "{TOKEN_PLACEHOLDER}"\nkey = "{key}"\n'
    assert [(c.line, c.kind) for c in find_in_text(code, "index.py")] == [(3, "AWS access key")]
    split = f'AWS_KEY = "{key[:10]}{TOKEN_PLACEHOLDER}{key[10:]}"\n'
    assert find_in_text(split, "index.py") == []


def test_find_in_text_honours_detect_secrets_allowlist_comments():
    key = "AKIA" + fake(UPPER_DIGITS, 16)
    assert find_in_text(f'KEY = "{key}"  # pragma: allowlist secret\n', "index.py") == []
    assert (
        find_in_text(f"DB_PASSWORD={fake(ALNUM, 32)}  # pragma: allowlist secret\n", ".env") == []
    )


def test_find_in_text_reads_a_minified_line_in_windows():
    key = "AKIA" + fake(UPPER_DIGITS, 16)
    filler = ";".join(f"var a{i}=function(e){{return e.k{i}}}" for i in range(20000))
    line = f'{filler};var cfg={{accessKeyId:"{key}"}};{filler}'
    assert len(line) > 100 * credentials.LONG_LINE_WINDOW
    found = find_in_text(f"// bundle\n{line}\n", "index.js")
    assert [(c.line, c.kind, c.shown) for c in found] == [(2, "AWS access key", "AK****(20 chars)")]


def test_skips_what_detect_secrets_skips():
    assert skips_file("node/package-lock.json")
    assert skips_file("static/logo.png")
    assert not skips_file("app/settings.py")


def _screen_texts() -> list[str]:
    """Real source (detect-secrets' plugins hold every provider's format in their docs and
    tests), our own modules, and lines written to hit the screens' edges."""
    import detect_secrets.plugins as plugins

    import guardrails

    rng = random.Random(5)  # not the module's generator: collection must not shift its values

    def fake(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    sources = sorted(Path(plugins.__file__).parent.glob("*.py"))
    sources += sorted(Path(guardrails.__file__).parent.rglob("*.py"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    values = [value for _, value, _ in FLAGGED]
    texts.append(
        "\n".join(
            [f'{name} = "{value}"' for name, value, _ in FLAGGED]
            + [f"x{v}" for v in values]
            + [
                "PASSWORD=x",
                "Cloudant_Password = 'a'",
                "ibm_cloud_iam_key: b",
                "AccountKey=" + "a" * 88,
                "secret_key",
                "  clou-api-token  =  'q'",
                "contraseña = 'x'",
                # one line per provider format whose regex the screens gate or run whole
                f'cloudant_password = "{fake(HEX, 64)}"',
                f"CL_KEY: {fake(string.ascii_lowercase, 24)}",
                f'ibm_cloud_iam_key = "{fake(ALNUM, 44)}"',
                f"iam-token: {fake(ALNUM, 44)}",
                f"IBM_COS_HMAC_SECRET_ACCESS_KEY={fake(HEX, 48)}",
                f'softlayer_api_key = "{fake(HEX, 64)}"',
                f"  sl_token:: {fake(HEX, 64)}",
                f'Aws_Secret_Key = "{fake(ALNUM, 40)}"',
                f"url = https://acme:{fake(HEX, 64)}@acme.cloudant.com",
                f"https://hooks.slack.com/services/T{fake(ALNUM, 8)}/B{fake(ALNUM, 8)}/x",
                f"mc = {fake(HEX, 32)}-us12",
                f"bot = 123456789:{fake(ALNUM, 35)}",
                f"discord = M{fake(ALNUM, 23)}.{fake(ALNUM, 6)}.{fake(ALNUM, 27)}",
                "",
            ]
        )
    )
    texts.append("ünïcode password = 'Ab1!xyzQ'\nSK" + "a" * 32 + "\nPa\u017f\u017fword = 'x'\n")
    return texts


@pytest.mark.parametrize("text", _screen_texts(), ids=lambda t: t[:30])
def test_screens_find_the_same_lines_as_a_search_of_every_line(text):
    lines = text.splitlines()
    screen = credentials._Screen(lines)
    for regex in (*credentials._pipeline().screens, credentials._SECRET_NAME):
        expected = {i for i, line in enumerate(lines, start=1) if regex.search(line)}
        assert screen.lines_matching(regex) == expected, regex.pattern
    screens = credentials._pipeline().screens
    expected = {i for i, line in enumerate(lines, start=1) if any(r.search(line) for r in screens)}
    assert screen.lines_matching_any(screens) == expected


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        # detect-secrets' Basic Auth regex refuses these; connection strings have them
        (
            "DATABASE_URL",
            "postgres://admin:" + "Sup3rS3cret!@db.internal:5432/app",
            "password in a URL",
        ),
        ("REDIS_URL", "redis://:" + "p4ssw0rdXyz@cache.internal:6379", "password in a URL"),
        # not passwords: a port, a template value, a placeholder, no password at all
        ("PROXY_URL", "http://proxy.internal:8080@edge", None),
        ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db.internal/app", None),
        ("DATABASE_URL", "postgres://app:<password>@db.internal/app", None),
        ("API_URL", "https://user@api.example.com/v1", None),
    ],
)
def test_credentials_in_urls(name, value, kind):
    assert find_credential(name, value) == kind


def test_a_url_password_in_code_is_found_with_its_line():
    code = 'import os\nDSN = "mysql://root:' + 'S3cret!xyz@db:3306/app"\n'
    [found] = find_in_text(code, "settings.py")
    assert (found.line, found.kind) == (2, "password in a URL")
    assert "S3cret" not in found.shown
