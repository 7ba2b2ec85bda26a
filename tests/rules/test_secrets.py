"""GR-SEC-01, GR-SEC-02 and GR-SEC-05 on real synthesized CDK stacks.

One app for the module, one stack per case; a ``NoEcho: "true"`` string (which CDK never writes)
is a plain template. Credentials are made up at run time from a seeded generator: none is a
real key, and none sits in the source for a secret scanner to trip on.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm

from guardrails import engine, rules
from guardrails.model import load
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id, synth

_RNG = random.Random(20261127)
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


def fake(alphabet: str, n: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


AWS_KEY_ID = "AKIA" + fake(UPPER_DIGITS, 16)
GITHUB_TOKEN = "ghp_" + fake(ALNUM, 36)
JWT = ".".join(
    (
        b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
        b64url(json.dumps({"sub": "orders-service", "iat": 1700000000}).encode()),
        b64url(bytes(_RNG.getrandbits(8) for _ in range(32))),
    )
)
DB_PASSWORD = fake(ALNUM, 40)
JOIN_PASSWORD = "S3cr3tP4ss"
SUB_PASSWORD = "hunter2hunter2"
SECRETS = (AWS_KEY_ID, GITHUB_TOKEN, JWT, DB_PASSWORD, JOIN_PASSWORD, SUB_PASSWORD)

COMMIT_SHA = fake("0123456789abcdef", 40)
REQUEST_ID = "6f1c2a4e-8b3d-4f5a-9c7e-1d2b3a4c5e6f"


def build(app: cdk.App, ids: dict[str, str]) -> None:
    def case(name: str) -> cdk.Stack:
        return cdk.Stack(app, name, env=ENV)

    # GR-SEC-01: one variable per kind of credential
    s = case("Plaintext")
    db = rds.CfnDBInstance(
        s, "Db", engine="postgres", db_instance_class="db.t3.micro", allocated_storage="20"
    )
    ids["Plaintext"] = logical_id(
        function(
            s,
            environment={
                "DEPLOY_ACCESS_KEY_ID": AWS_KEY_ID,
                "GITHUB_PAT": GITHUB_TOKEN,
                "UPSTREAM_SESSION": JWT,
                "DB_PASSWORD": DB_PASSWORD,
                "DATABASE_URL": cdk.Fn.join(
                    "", [f"postgres://admin:{JOIN_PASSWORD}@", db.attr_endpoint_address, "/app"]
                ),
                "HOOK_URL": cdk.Fn.sub(
                    "https://deploy:${Pw}@${Host}/hook",
                    {"Pw": SUB_PASSWORD, "Host": db.attr_endpoint_address},
                ),
            },
        )
    )

    # GR-SEC-01: the values real apps hold that are not credentials
    s = case("Traps")
    table = dynamodb.Table(
        s, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    queue = sqs.Queue(s, "Queue")
    bucket = s3.Bucket(s, "Bucket")
    secret = secretsmanager.Secret(s, "Secret")
    db = rds.CfnDBInstance(
        s, "Db", engine="postgres", db_instance_class="db.t3.micro", allocated_storage="20"
    )
    ids["Traps"] = logical_id(
        function(
            s,
            environment={
                "TABLE_NAME": table.table_name,
                "QUEUE_URL": queue.queue_url,
                "BUCKET_ARN": bucket.bucket_arn,
                "ARCHIVE_BUCKET_ARN": "arn:aws:s3:::orders-archive-bucket-eu-west-1",
                "COMMIT_SHA": COMMIT_SHA,
                "GIT_SHA": COMMIT_SHA,
                "BUILD_HASH": COMMIT_SHA,
                "LOG_LEVEL": "DEBUG",
                "REQUEST_ID": REQUEST_ID,
                "SECRET_ARN": secret.secret_arn,
                "SECRET_NAME": "prod/db",
                "DB_SECRET_NAME": "orders/prod/database-credentials",
                "API_BASE_URL": "https://api.example.com/v1",
                "GIT_REMOTE": "https://deploy@git.example.com/orders.git",
                "DB_PASSWORD": "changeme",
                "API_TOKEN": "REPLACE_ME",
                "TOKEN_TTL": "3600",
                "AUTH_MODE": "cognito",
                "AUTHOR": "Jane Doe",
                "PASSWORD_MIN_LENGTH": "12",
                "DB_PASSWORD_PARAM": "/orders/prod/db-password",
                "FEATURE_ENABLED": "true",
                "DB_ENDPOINT": cdk.Fn.join("", ["https://", db.attr_endpoint_address, "/v1"]),
                "DB_SECRET": cdk.Fn.join(
                    "",
                    [
                        "arn:aws:secretsmanager:eu-west-1:",
                        cdk.CfnParameter(s, "SharedAccount").value_as_string,
                        ":secret:prod/Db-AbCdEf12",
                    ],
                ),
            },
        )
    )

    # GR-SEC-01 cannot decide: values known only at deploy time
    s = case("Tokens")
    ids["Tokens"] = logical_id(
        function(
            s,
            environment={
                "API_KEY": cdk.CfnParameter(s, "ApiKey").value_as_string,
                "DB_PASSWORD": cdk.Fn.import_value("SharedDbPassword"),
            },
        )
    )

    # GR-SEC-02: secrets resolved at deploy time
    s = case("Resolved")
    secret = secretsmanager.Secret(s, "Secret")
    admin = cdk.CfnParameter(s, "AdminPassword", no_echo=True)
    ids["Resolved"] = logical_id(
        function(
            s,
            environment={
                "DB_PASSWORD": secret.secret_value_from_json("password").unsafe_unwrap(),
                "API_KEY": cdk.SecretValue.ssm_secure("/orders/api-key").unsafe_unwrap(),
                "LEGACY_DB": cdk.SecretValue.secrets_manager(
                    "prod/db", json_field="password"
                ).unsafe_unwrap(),
                "ADMIN_PASSWORD": admin.value_as_string,
                "ADMIN_DSN": cdk.Fn.join("", ["admin:", admin.value_as_string, "@db"]),
                # not secrets: a plain SSM parameter, a plain template parameter
                "ENDPOINT": ssm.StringParameter.value_for_string_parameter(s, "/orders/endpoint"),
                "STAGE": cdk.CfnParameter(s, "Stage").value_as_string,
            },
        )
    )

    # GR-SEC-05
    s = case("NoKey")
    ids["NoKey"] = logical_id(function(s, environment={"TABLE_NAME": "orders", "STAGE": "prod"}))
    s = case("WithKey")
    ids["WithKey"] = logical_id(
        function(
            s,
            environment={"TABLE_NAME": "orders"},
            environment_encryption=kms.Key(s, "Key", enable_key_rotation=True),
        )
    )
    s = case("NoEnv")
    ids["NoEnv"] = logical_id(function(s))
    s = case("KeyFromParameter")
    key_arn = cdk.CfnParameter(s, "EnvKeyArn").value_as_string
    ids["KeyFromParameter"] = logical_id(
        function(
            s,
            environment={"TABLE_NAME": "orders"},
            environment_encryption=kms.Key.from_key_arn(s, "Key", key_arn),
        )
    )


@pytest.fixture(scope="module")
def built(module_tmp: Path):
    ids: dict[str, str] = {}
    return synth(lambda a: build(a, ids), module_tmp / "cdk.out"), ids


@pytest.fixture(scope="module")
def report(built) -> engine.Report:
    result = engine.scan(built[0], Policy(), today=TODAY)
    assert not result.errors, result.errors
    return result


def found(report: engine.Report, rule_id: str, stack: str) -> dict[str, engine.Finding]:
    """The rule's findings in one stack, by the last segment of their location."""
    out = {}
    for f in report.findings:
        if f.rule_id == rule_id and f.stack == stack:
            out[f.location.rsplit("/", 1)[-1]] = f
    return out


# -- GR-SEC-01 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind", "shown"),
    [
        ("DEPLOY_ACCESS_KEY_ID", "AWS access key", "AK****(20 chars)"),
        ("GITHUB_PAT", "GitHub token", "gh****(40 chars)"),
        ("UPSTREAM_SESSION", "JWT", f"ey****({len(JWT)} chars)"),
        (
            "DB_PASSWORD",
            "high-entropy string under a secret-like name",
            f"{DB_PASSWORD[:2]}****(40 chars)",
        ),
        ("DATABASE_URL", "password in a URL", "po****(28 chars)"),
        ("HOOK_URL", "password in a URL", "ht****(30 chars)"),
    ],
)
def test_sec01_flags_each_credential_once(report, built, name, kind, shown):
    f = found(report, "GR-SEC-01", "Plaintext")[name]
    assert f.severity == "critical"
    assert f.logical_id == built[1]["Plaintext"]
    assert f.functions == (built[1]["Plaintext"],)
    assert f.location == f"Properties/Environment/Variables/{name}"
    assert f"Environment variable {name} holds a credential in plaintext: {kind}" in f.message
    assert f"({shown})" in f.message


def test_sec01_one_finding_per_variable(report):
    assert set(found(report, "GR-SEC-01", "Plaintext")) == {
        "DEPLOY_ACCESS_KEY_ID",
        "DATABASE_URL",
        "DB_PASSWORD",
        "GITHUB_PAT",
        "HOOK_URL",
        "UPSTREAM_SESSION",
    }


def test_sec01_says_when_the_secret_is_a_literal_part_of_a_join(report):
    findings = found(report, "GR-SEC-01", "Plaintext")
    assert (
        "password in a URL in a literal part of its Fn::Join / Fn::Sub (po****(28 chars))"
        in findings["DATABASE_URL"].message
    )
    assert "Fn::Join" not in findings["DB_PASSWORD"].message


def test_sec01_ignores_references_names_and_placeholders(report):
    assert found(report, "GR-SEC-01", "Traps") == {}


def test_sec01_is_silent_on_values_known_only_at_deploy_time(report):
    assert found(report, "GR-SEC-01", "Tokens") == {}
    assert found(report, "GR-SEC-02", "Tokens") == {}


def test_sec01_leaves_dynamic_references_to_sec02(report):
    assert found(report, "GR-SEC-01", "Resolved") == {}


def test_no_secret_appears_anywhere_in_the_report(report):
    text = json.dumps(report.to_json())
    assert found(report, "GR-SEC-01", "Plaintext")  # the report does hold the findings
    for secret in SECRETS:
        assert secret not in text
        assert secret[2:] not in text  # nor all but the two characters the mask shows


# -- GR-SEC-02 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "what", "instead"),
    [
        ("DB_PASSWORD", "resolves a Secrets Manager dynamic reference", "DB_PASSWORD_SECRET_ARN"),
        ("LEGACY_DB", "resolves a Secrets Manager dynamic reference", "LEGACY_DB_SECRET_ARN"),
        ("API_KEY", "resolves an SSM SecureString dynamic reference", "API_KEY_PARAMETER_NAME"),
        (
            "ADMIN_PASSWORD",
            "is set from the NoEcho parameter AdminPassword",
            "ADMIN_PASSWORD_SECRET_ARN",
        ),
        ("ADMIN_DSN", "is set from the NoEcho parameter AdminPassword", "ADMIN_DSN_SECRET_ARN"),
    ],
)
def test_sec02_flags_secrets_resolved_into_the_configuration(report, built, name, what, instead):
    f = found(report, "GR-SEC-02", "Resolved")[name]
    assert f.severity == "high"
    assert f.logical_id == built[1]["Resolved"]
    assert f.location == f"Properties/Environment/Variables/{name}"
    assert f"Environment variable {name} {what}" in f.message
    assert f"Pass {instead}" in f.message or f"pass {instead}" in f.message
    assert "lambda:GetFunctionConfiguration" in f.message
    assert "{{resolve" not in f.message  # the reference is named, never repeated
    assert f"read on that {'parameter' if name == 'API_KEY' else 'secret'} only" in f.message


def test_sec02_ignores_plain_parameters(report):
    assert set(found(report, "GR-SEC-02", "Resolved")) == {
        "DB_PASSWORD",
        "LEGACY_DB",
        "API_KEY",
        "ADMIN_PASSWORD",
        "ADMIN_DSN",
    }
    assert found(report, "GR-SEC-02", "Plaintext") == {}
    assert found(report, "GR-SEC-02", "Traps") == {}


def _template(tmp_path: Path, no_echo: object = False, **properties: object) -> Path:
    template = {
        "Parameters": {"Password": {"Type": "String", "NoEcho": no_echo}},
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": "arn:aws:iam::123456789012:role/fn",
                    "Code": {"ZipFile": "def handler(e, c): pass"},
                    "Environment": {"Variables": {"DB_PASSWORD": {"Ref": "Password"}}},
                    **properties,
                },
            }
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return path


@pytest.mark.parametrize(("no_echo", "flagged"), [("true", True), ("TRUE", True), ("false", False)])
def test_sec02_reads_noecho_written_as_a_string(tmp_path, no_echo, flagged):
    result = engine.scan(load(_template(tmp_path, no_echo)), today=TODAY)
    sec02 = [f for f in result.findings if f.rule_id == "GR-SEC-02"]
    assert [f.location for f in sec02] == (
        ["Properties/Environment/Variables/DB_PASSWORD"] if flagged else []
    )
    if flagged:
        assert "NoEcho parameter Password" in sec02[0].message


# -- GR-SEC-05 ----------------------------------------------------------------------------------
def test_sec05_flags_environment_without_customer_managed_key(report, built):
    [f] = found(report, "GR-SEC-05", "NoKey").values()
    assert f.severity == "medium"
    assert f.logical_id == built[1]["NoKey"]
    assert f.location == "Properties/Environment"
    assert "2 environment variable(s) (STAGE, TABLE_NAME)" in f.message
    assert "no customer-managed KMS key (KmsKeyArn)" in f.message


def test_sec05_lists_at_most_three_names(report):
    [f] = found(report, "GR-SEC-05", "Traps").values()
    assert "24 environment variable(s) (" in f.message
    assert "and 21 more)" in f.message


@pytest.mark.parametrize("stack", ["WithKey", "NoEnv", "KeyFromParameter"])
def test_sec05_is_silent_with_a_key_or_without_environment(report, stack):
    assert found(report, "GR-SEC-05", stack) == {}


@pytest.mark.parametrize(("kms_key_arn", "flagged"), [("", True), ({"Ref": "Password"}, False)])
def test_sec05_reads_an_empty_kms_key_arn_as_no_key(tmp_path, kms_key_arn, flagged):
    result = engine.scan(load(_template(tmp_path, KmsKeyArn=kms_key_arn)), today=TODAY)
    sec05 = [f.location for f in result.findings if f.rule_id == "GR-SEC-05"]
    assert sec05 == (["Properties/Environment"] if flagged else [])


# -- metadata -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule_id", "severity", "remediation"),
    [
        ("GR-SEC-01", "critical", "-"),
        ("GR-SEC-02", "high", "opt-in"),
        ("GR-SEC-05", "medium", "safe"),
    ],
)
def test_rule_metadata_follows_the_catalog(rule_id, severity, remediation):
    rule = rules.get(rule_id)
    assert rule is not None
    assert rule.severity == severity
    assert rule.remediation == remediation
    assert rule.rationale and rule.fix and rule.check.__doc__
