"""GR-SEC-03 (credentials in inline code) and GR-SEC-04 (credentials in the code asset) on real
synthesized CDK stacks.

The clean code asset is a fixture (``tests/fixtures/code_assets/clean``); every asset that holds
a credential is written into a temporary directory at run time, with credentials built from
pieces and a seeded generator: the repository holds no file that looks like a real key to a
secret scanner.
"""

from __future__ import annotations

import json
import random
import shutil
import string
import zipfile
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from guardrails import engine, rules
from guardrails.policy import Policy
from guardrails.report import render
from guardrails.rules import secrets
from guardrails.rules.credentials import HIGH_ENTROPY, PASSWORD
from guardrails.rules.secrets import AssetLimits, scan_asset
from tests.conftest import ENV, TODAY, function, logical_id, synth

FIXTURES = Path(__file__).parent.parent / "fixtures" / "code_assets"
_RNG = random.Random(2026_11_27_04)
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


def fake(alphabet: str, n: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def aws_key_id() -> str:
    return "AK" + "IA" + fake(UPPER_DIGITS, 16)


PRIVATE_KEY_HEADER = "BEGIN RSA " + "PRIVATE KEY"
PEM = "\n".join(
    (
        f"-----{PRIVATE_KEY_HEADER}-----",
        *(fake(ALNUM + "+/", 64) for _ in range(4)),
        "-----END RSA " + "PRIVATE KEY-----",
        "",
    )
)
#: AWS's documentation example key id, reported like any key (as GR-SEC-01 does)
AWS_DOCS_EXAMPLE_KEY = "AK" + "IAIOSFODNN7" + "EXAMPLE"

CONFIG_KEY = aws_key_id()
DOTENV_PASSWORD = fake(ALNUM, 32)
GIT_TOKEN = "gh" + "p_" + fake(ALNUM, 36)
SLACK_TOKEN = "xo" + "xb-" + "123456789012-123456789012-" + fake(ALNUM.lower(), 24)
STRIPE_KEY = "sk" + "_live_" + fake(ALNUM, 24)
INLINE_KEY = aws_key_id()
INLINE_PASSWORD = fake(ALNUM, 10) + "#" + fake(ALNUM, 5)
NODE_TOKEN = "gh" + "p_" + fake(ALNUM, 36)
JOIN_KEY = aws_key_id()
#: credentials in places the rules must not read (binaries, dependencies, oversized files)
UNREAD = {
    "binary": aws_key_id(),
    "node_modules": "gh" + "p_" + fake(ALNUM, 36),
    "vendored": aws_key_id(),
    "git objects": aws_key_id(),
    "oversized": "gh" + "p_" + fake(ALNUM, 36),
    "zip node_modules": aws_key_id(),
}
SECRETS = (
    CONFIG_KEY,
    DOTENV_PASSWORD,
    GIT_TOKEN,
    SLACK_TOKEN,
    STRIPE_KEY,
    INLINE_KEY,
    INLINE_PASSWORD,
    NODE_TOKEN,
    JOIN_KEY,
    *UNREAD.values(),
    *PEM.splitlines()[1:5],
)
NODE_MODULES_FILES = 400


def write(root: Path, relative: str, content: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def leaky_asset(root: Path) -> Path:
    """The clean fixture plus every kind of file GR-SEC-04 reads or must skip."""
    shutil.copytree(FIXTURES / "clean", root)
    write(root, ".env", f"# local settings\nDB_HOST=db.internal\nDB_PASSWORD={DOTENV_PASSWORD}\n")
    write(
        root,
        "config.py",
        f'"""Settings."""\nREGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{CONFIG_KEY}"\n',
    )
    write(root, "keys/deploy.pem", PEM)
    write(root, "certs/client.p12", bytes([0x30, 0x82, 0x0A, 0x00]) + bytes(range(256)) * 8)
    write(
        root, "lib/native.so", b"\x7fELF\x02\x01\x01\x00" + UNREAD["binary"].encode() + b"\0" * 64
    )
    write(
        root,
        ".git/config",
        f'[remote "origin"]\n\turl = https://deploy:{GIT_TOKEN}@github.com/acme/orders.git\n',
    )
    write(root, ".git/objects/ab/cdef01", f'key = "{UNREAD["git objects"]}"\n')
    write(
        root,
        "docs/README.md",
        f"# Local setup\n\nRun `aws configure` with {AWS_DOCS_EXAMPLE_KEY}.\n",
    )
    # installed with `pip install -t`: the package is listed in its dist-info RECORD
    write(root, "requests/__init__.py", f'AWS_KEY = "{UNREAD["vendored"]}"\n')
    write(
        root,
        "requests-2.32.3.dist-info/RECORD",
        "requests/__init__.py,sha256=abc,40\nrequests-2.32.3.dist-info/RECORD,,\n",
    )
    for i in range(NODE_MODULES_FILES):
        write(root, f"node_modules/pkg{i}/index.js", f'const token = "{UNREAD["node_modules"]}";\n')
    # a text file over the 1 MiB limit: not read, and the report says so
    filler = "// generated\n" * (1024 * 1024 // 13 + 1)
    write(root, "dist/bundle.js", f'const token = "{UNREAD["oversized"]}";\n{filler}')
    return root


def zip_asset(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(FIXTURES / "clean" / "handler.py", "app/handler.py")
        archive.writestr("app/settings.yaml", f'service: orders\nslack_token: "{SLACK_TOKEN}"\n')
        archive.writestr(".env", f"STRIPE_KEY={STRIPE_KEY}\n")
        archive.writestr("node_modules/x/index.js", f'var key = "{UNREAD["zip node_modules"]}";\n')
    return path


PY_INLINE = "\n".join(
    (
        "import os",
        'API_HOST = "api.internal"',
        f'AWS_KEY = "{INLINE_KEY}"',
        "def handler(event, context):",
        f'    password = "{INLINE_PASSWORD}"',
        '    return os.environ["TABLE_NAME"]',
    )
)
NODE_INLINE = "\n".join(
    (
        "const https = require('https');",
        f'const token = "{NODE_TOKEN}";',
        "exports.handler = async () => ({ statusCode: 200 });",
    )
)
CLEAN_INLINE = "\n".join(
    (
        "import os, boto3",
        "# the password is read from Secrets Manager at runtime",
        "def handler(event, context):",
        '    token = event.get("token")',
        "    secret = boto3.client('secretsmanager').get_secret_value(",
        "        SecretId=os.environ['DB_SECRET_ARN'])",
        "    return bool(token and secret)",
    )
)


def build(app: cdk.App, tmp: Path, ids: dict[str, str]) -> None:
    def case(name: str) -> cdk.Stack:
        return cdk.Stack(app, name, env=ENV)

    leaky = str(leaky_asset(tmp / "leaky"))
    python = {"runtime": lambda_.Runtime.PYTHON_3_12, "handler": "handler.handler"}

    # GR-SEC-03
    s = case("Inline")
    ids["PyInline"] = logical_id(function(s, "PyInline", code=lambda_.Code.from_inline(PY_INLINE)))
    ids["NodeInline"] = logical_id(
        function(
            s,
            "NodeInline",
            runtime=lambda_.Runtime.NODEJS_22_X,
            code=lambda_.Code.from_inline(NODE_INLINE),
        )
    )
    ids["CleanInline"] = logical_id(
        function(s, "CleanInline", code=lambda_.Code.from_inline(CLEAN_INLINE))
    )
    ids["JoinLiteral"] = logical_id(
        function(
            s,
            "JoinLiteral",
            code=lambda_.Code.from_inline(
                cdk.Fn.join(
                    "",
                    [
                        "REGION = '",
                        cdk.Aws.REGION,
                        "'\n",
                        f"AWS_KEY = '{JOIN_KEY}'\n",
                        "def handler(event, context):\n    return REGION\n",
                    ],
                )
            ),
        )
    )
    s = case("InlineTokens")
    api_key = cdk.CfnParameter(s, "ApiKey", no_echo=True).value_as_string
    ids["JoinToken"] = logical_id(
        function(
            s,
            "JoinToken",
            code=lambda_.Code.from_inline(
                cdk.Fn.join(
                    "", ["api_key = '", api_key, "'\ndef handler(event, context):\n    pass\n"]
                )
            ),
        )
    )
    source = cdk.CfnParameter(s, "Source").value_as_string
    ids["WholeToken"] = logical_id(function(s, "WholeToken", code=lambda_.Code.from_inline(source)))

    # GR-SEC-04
    s = case("Leaky")
    ids["Leaky"] = logical_id(
        lambda_.Function(s, "Fn", code=lambda_.Code.from_asset(leaky), **python)
    )
    s = case("Shared")  # the same source directory: one staged asset, scanned once
    ids["SharedA"] = logical_id(
        lambda_.Function(s, "A", code=lambda_.Code.from_asset(leaky), **python)
    )
    ids["SharedB"] = logical_id(
        lambda_.Function(s, "B", code=lambda_.Code.from_asset(leaky), **python)
    )
    s = case("ZipAsset")
    archive = str(zip_asset(tmp / "orders.zip"))
    ids["ZipAsset"] = logical_id(
        lambda_.Function(s, "Fn", code=lambda_.Code.from_asset(archive), **python)
    )
    # traps: a clean asset, and CDK's own handlers (log retention, auto-delete objects)
    s = case("CleanAsset")
    ids["CleanAsset"] = logical_id(
        lambda_.Function(
            s,
            "Fn",
            code=lambda_.Code.from_asset(str(FIXTURES / "clean")),
            log_retention=logs.RetentionDays.ONE_MONTH,
            **python,
        )
    )
    s3.Bucket(s, "Uploads", auto_delete_objects=True, removal_policy=cdk.RemovalPolicy.DESTROY)
    # cannot decide: code in a bucket outside the assembly
    s = case("FromBucket")
    bucket = s3.Bucket.from_bucket_name(s, "Artifacts", "acme-artifacts")
    ids["FromBucket"] = logical_id(
        lambda_.Function(s, "Fn", code=lambda_.Code.from_bucket(bucket, "orders/v1.zip"), **python)
    )


@pytest.fixture(scope="module")
def built(module_tmp: Path):
    ids: dict[str, str] = {}
    assembly = synth(lambda a: build(a, module_tmp, ids), module_tmp / "cdk.out")
    return assembly, ids


#: the per-file limit of these tests: the fixture's bundle is over it, and is not read
SMALL_FILES = AssetLimits(max_file_bytes=1024 * 1024)


@pytest.fixture(scope="module")
def report(built) -> engine.Report:
    secrets._scan_asset.cache_clear()
    default, secrets.ASSET_LIMITS = secrets.ASSET_LIMITS, SMALL_FILES
    try:
        result = engine.scan(built[0], Policy(), today=TODAY)
    finally:
        secrets.ASSET_LIMITS = default
    # the one thing not checked: the Leaky asset's bundle over the limit
    assert len(result.errors) == 1 and "Leaky/" in result.errors[0], result.errors
    return result


def found(report: engine.Report, rule_id: str, stack: str) -> list[engine.Finding]:
    return [f for f in report.findings if f.rule_id == rule_id and f.stack == stack]


def messages(report: engine.Report, rule_id: str, stack: str) -> list[str]:
    return [f.message for f in found(report, rule_id, stack)]


# -- GR-SEC-03 ----------------------------------------------------------------------------------
def test_sec03_flags_each_line_of_inline_code_that_holds_a_credential(report, built):
    ids = built[1]
    py = [f for f in found(report, "GR-SEC-03", "Inline") if f.logical_id == ids["PyInline"]]
    assert [f.location for f in py] == ["Properties/Code/ZipFile"] * 2
    assert {f.severity for f in py} == {"critical"}
    assert {f.functions for f in py} == {(ids["PyInline"],)}
    assert "line 3: AWS access key (AK****(20 chars))" in py[0].message
    assert f"line 5: {PASSWORD} ({INLINE_PASSWORD[:2]}****(16 chars))" in py[1].message
    assert py[0].message.startswith("Inline code (Code.ZipFile) hard-codes a credential, line 3")


def test_sec03_scans_node_code_as_index_js(report, built):
    [f] = [
        f for f in found(report, "GR-SEC-03", "Inline") if f.logical_id == built[1]["NodeInline"]
    ]
    assert "line 2: GitHub token (gh****(40 chars))" in f.message


def test_sec03_judges_the_literal_text_of_a_join(report, built):
    [f] = [
        f for f in found(report, "GR-SEC-03", "Inline") if f.logical_id == built[1]["JoinLiteral"]
    ]
    assert "line 2: AWS access key (AK****(20 chars))" in f.message


def test_sec03_ignores_code_that_reads_its_secrets_at_runtime(report, built):
    flagged = {f.logical_id for f in found(report, "GR-SEC-03", "Inline")}
    assert built[1]["CleanInline"] not in flagged
    assert flagged == {built[1][k] for k in ("PyInline", "NodeInline", "JoinLiteral")}


def test_sec03_is_silent_on_values_known_only_at_deploy_time(report):
    assert found(report, "GR-SEC-03", "InlineTokens") == []


def test_sec03_never_judges_asset_code(report):
    for stack in ("Leaky", "ZipAsset", "CleanAsset"):
        assert found(report, "GR-SEC-03", stack) == []


# -- GR-SEC-04 ----------------------------------------------------------------------------------
LEAKY_FINDINGS = {
    ".env, line 3": f"{HIGH_ENTROPY} ({DOTENV_PASSWORD[:2]}****(32 chars))",
    ".git/config, line 2": (
        "GitHub token (gh****(40 chars)) and password in a URL (gh****(40 chars))"
    ),
    "config.py, line 3": "AWS access key (AK****(20 chars))",
    "certs/client.p12": "private key file (PKCS#12, 2,052 bytes)",
    "docs/README.md, line 3": "AWS access key (AK****(20 chars))",
    "keys/deploy.pem, line 1": f"private key ({PRIVATE_KEY_HEADER})",
}


def _where(message: str) -> str:
    return message.removeprefix("Code asset file ").split(": ", 1)[0]


def test_sec04_flags_each_file_and_line_with_a_credential(report, built):
    leaky = [f for f in found(report, "GR-SEC-04", "Leaky") if f.severity == "critical"]
    assert {_where(f.message): f.message.split(": ", 1)[1].split(";")[0] for f in leaky} == (
        LEAKY_FINDINGS
    )
    assert {f.location for f in leaky} == {"Properties/Code"}
    assert {f.logical_id for f in leaky} == {built[1]["Leaky"]}
    assert all("ships in the deployment package" in f.message for f in leaky)


def test_sec04_reports_the_files_it_did_not_read(report, built):
    """What was not read is an error of the report (the run fails), not a finding."""
    assert not [f for f in found(report, "GR-SEC-04", "Leaky") if f.severity == "info"]
    [error] = report.errors
    # one error for the asset, with the functions that share it (Leaky, SharedA, SharedB)
    assert error.startswith(
        f"GR-SEC-04 could not fully check Leaky/{built[1]['Leaky']} (and 2 more): "
    )
    assert "was scanned for credentials only in part" in error
    assert "1 text file(s) larger than 1 MiB were not read (dist/bundle.js)" in error
    assert "stopped" not in error  # node_modules never counts against the limits
    assert report.exit_code == 2 and report.verdict == "FAILED"


def test_sec04_reads_text_files_up_to_8_mib_by_default(built):
    secrets._scan_asset.cache_clear()
    result = engine.scan(built[0], Policy(), today=TODAY, rules=[rules.get("GR-SEC-04")])
    assert not result.errors
    bundle = [f for f in found(result, "GR-SEC-04", "Leaky") if "dist/bundle.js" in f.message]
    assert len(bundle) == 1 and bundle[0].severity == "critical"


def test_sec04_reads_a_zip_asset_in_memory(report, built):
    zipped = found(report, "GR-SEC-04", "ZipAsset")
    assert {_where(f.message) for f in zipped} == {".env, line 1", "app/settings.yaml, line 2"}
    by_file = {_where(f.message): f.message for f in zipped}
    assert "Stripe key (sk****(32 chars))" in by_file[".env, line 1"]
    assert "Slack token (xo****(" in by_file["app/settings.yaml, line 2"]
    assert {f.logical_id for f in zipped} == {built[1]["ZipAsset"]}


def test_sec04_scans_a_shared_asset_once_and_reports_it_on_every_function(report, built):
    ids = built[1]
    shared = found(report, "GR-SEC-04", "Shared")
    assert {f.logical_id for f in shared} == {ids["SharedA"], ids["SharedB"]}
    assert len(shared) == 2 * len(LEAKY_FINDINGS)  # what was not read is in report.errors
    assert all(len(f.functions) == 1 for f in shared)
    # Leaky, Shared (same staged asset), the zip, the clean asset and CDK's two handlers
    assert secrets._scan_asset.cache_info().misses == 5


def test_sec04_ignores_clean_code_and_cdk_handlers(report, built):
    assert found(report, "GR-SEC-04", "CleanAsset") == []
    assert any(f.owner == "framework" for f in report.findings if f.stack == "CleanAsset"), (
        "the framework functions are in the scan"
    )


def test_sec04_is_silent_without_an_asset_in_the_assembly(report):
    assert found(report, "GR-SEC-04", "FromBucket") == []
    assert found(report, "GR-SEC-04", "Inline") == []


def test_sec04_says_which_limit_stopped_the_scan(built, monkeypatch):
    monkeypatch.setattr(secrets, "ASSET_LIMITS", AssetLimits(max_files=5))
    result = engine.scan(built[0], Policy(), today=TODAY, rules=[rules.get("GR-SEC-04")])
    [error] = [e for e in result.errors if "Leaky/" in e]
    assert "the scan stopped at the limit of 5 files per asset after 5 files" in error
    criticals = [f for f in found(result, "GR-SEC-04", "Leaky") if f.severity == "critical"]
    # breadth first, in name order: .env, .env.example, .git/config, README.md, config.py
    assert {_where(f.message) for f in criticals} == {
        ".env, line 3",
        ".git/config, line 2",
        "config.py, line 3",
    }


# -- no secret in any output --------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "junit"])
def test_no_secret_appears_in_any_output(report, fmt):
    output = json.dumps(report.to_json()) if fmt == "json" else render(report, fmt)
    assert "GR-SEC-04" in output and "GR-SEC-03" in output
    for secret in SECRETS:
        assert secret not in output
        assert secret[2:] not in output


def test_sarif_tells_apart_findings_at_one_location(report):
    sarif = json.loads(render(report, "sarif"))
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] in ("GR-SEC-03", "GR-SEC-04")]
    fingerprints = [json.dumps(r.get("partialFingerprints"), sort_keys=True) for r in results]
    assert len(results) > 10
    assert len(set(fingerprints)) == len(fingerprints)


# -- the asset scanner --------------------------------------------------------------------------
def test_scan_asset_reads_nothing_twice(built):
    asset = next(built[0].directory.glob("asset.*.zip"))
    secrets._scan_asset.cache_clear()
    first = scan_asset(asset)
    assert scan_asset(asset) is first
    assert secrets._scan_asset.cache_info().misses == 1


def test_scan_asset_never_holds_a_secret_value(built):
    directory = next(p for p in built[0].directory.glob("asset.*") if (p / ".env").is_file())
    text = repr(scan_asset(directory))
    for secret in SECRETS:
        assert secret not in text


def test_a_file_in_a_corrupt_zip_is_reported_as_not_read(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not a zip")
    assert scan_asset(path).unreadable == ("broken.zip",)


def _small_module(i: int, rng: random.Random) -> str:
    table = f"orders-{i}-{''.join(rng.choice(string.ascii_lowercase) for _ in range(6))}"
    return "\n".join(
        (
            f'"""Module {i} of the orders service."""',
            "import json",
            "import logging",
            "import os",
            "",
            "logger = logging.getLogger(__name__)",
            f'TABLE = os.environ.get("TABLE_NAME", "{table}")',
            'SECRET_ARN = os.environ["DB_SECRET_ARN"]',
            "",
            "",
            f"def handle_{i}(event, context):",
            '    token = event.get("headers", {}).get("authorization")',
            "    if not token:",
            '        return {"statusCode": 401}',
            '    body = json.loads(event.get("body") or "{}")',
            '    key = body.get("key")',
            '    logger.info("order %s for key %s", body.get("id"), key)',
            '    return {"statusCode": 200, "body": json.dumps({"table": TABLE})}',
            "",
        )
    )


def test_two_thousand_small_files_are_all_read(tmp_path):
    """2,000 small source files (about 20 lines each, with the words ``token`` and ``key`` the
    screens must look at) are all read, and none is a credential. ``make bench`` times it."""
    rng = random.Random(7)
    for i in range(2000):
        write(tmp_path, f"src/pkg{i // 100}/module_{i}.py", _small_module(i, rng))
    scan = scan_asset(tmp_path)
    assert scan.files == 2000
    assert scan.credentials == () and scan.stopped is None


# -- metadata -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rule_id", ["GR-SEC-01", "GR-SEC-02", "GR-SEC-03", "GR-SEC-04", "GR-SEC-05"]
)
def test_every_secrets_rule_has_an_example(rule_id):
    rule = rules.get(rule_id)
    assert "lambda_.Function(" in rule.example


@pytest.mark.parametrize("rule_id", ["GR-SEC-03", "GR-SEC-04"])
def test_code_rules_follow_the_catalog(rule_id):
    rule = rules.get(rule_id)
    assert (rule.severity, rule.remediation) == ("critical", "-")
