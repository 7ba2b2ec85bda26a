"""``SecureFunction`` on real synthesized apps: in every configuration (plain, VPC, secrets, URL,
API, asynchronous sources, container image) the engine reports nothing at all under the
strictest policy; the options that would weaken a default raise a ``ValueError`` naming the
rule; secrets are bound by reference only; and the hardening Aspect finds nothing to fix.

One app per module: ``guardrails.protect(app, STRICT, mode="audit", remediate="safe")`` on it, so
the same synth shows that the Aspect records no remediation. Configurations without a VPC are
scanned under ``RELAXED`` (the strictest policy with ``vpc_required`` back to its default,
``sensitive``): under ``vpc_required: all`` GR-NET-01 flags any function outside a VPC, and
that is the point of the policy. Every other configuration has a VPC and is scanned under
``STRICT``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

import guardrails
from guardrails import engine
from guardrails.constructs import DEFAULT_RESERVED_CONCURRENCY, SecureFunction, SecureRestApi
from guardrails.model import Assembly, load
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY

CSC = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0"
STRICT_MAPPING: dict[str, Any] = {
    "vpc_required": "all",
    "require_code_signing": True,
    "code_signing_config_arn": CSC,
    "fail_on": "low",
}
STRICT = Policy.from_mapping(STRICT_MAPPING)
RELAXED = Policy.from_mapping({**STRICT_MAPPING, "vpc_required": "sensitive"})
BOUNDARY = "arn:aws:iam::123456789012:policy/org/DeveloperBoundary"
DIGEST = "sha256:" + "0f" * 32
INLINE = "def handler(event, context):\n    return None\n"
#: a handler that reads the secrets ``secrets={"DB_PASSWORD": ..., "API_TOKEN": ...}`` binds:
#: what its grants allow, and no more (GR-IAM-15, GR-IAM-16)
READS_SECRETS = """
import os
import boto3

secrets = boto3.client("secretsmanager")
ssm = boto3.client("ssm")


def handler(event, context):
    secrets.get_secret_value(SecretId=os.environ["DB_PASSWORD_SECRET_ARN"])
    ssm.get_parameter(Name=os.environ["{parameter}_PARAMETER_NAME"], WithDecryption=True)
"""

#: stacks scanned under STRICT / RELAXED
STRICT_STACKS = (
    "Vpc", "Secrets", "Url", "Api", "AsyncSns", "AsyncS3", "Image", "Shared", "Boundary",
)  # fmt: skip
RELAXED_STACKS = ("Plain", "PlainApi")


def secure(scope: cdk.Stack, id: str = "Fn", **kwargs: Any) -> SecureFunction:
    props: dict[str, Any] = {
        "runtime": lambda_.Runtime.PYTHON_3_12,
        "handler": "index.handler",
        "code": lambda_.Code.from_inline(INLINE),
        "policy": STRICT,
    }
    props.update(kwargs)
    return SecureFunction(scope, id, **props)


def private_vpc(scope: cdk.Stack, id: str = "Vpc") -> ec2.Vpc:
    return ec2.Vpc(
        scope,
        id,
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )


ORDER = apigw.JsonSchema(
    type=apigw.JsonSchemaType.OBJECT,
    required=["id"],
    properties={"id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
)


def build(app: cdk.App) -> dict[str, SecureFunction]:
    made: dict[str, SecureFunction] = {}

    stack = cdk.Stack(app, "Plain", env=ENV)
    made["Plain"] = secure(stack, policy=RELAXED, environment={"STAGE": "prod"})

    stack = cdk.Stack(app, "Vpc", env=ENV)
    # a VPC with public subnets and NAT: the default selection is its private subnets
    made["Vpc"] = secure(stack, vpc=ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1))

    stack = cdk.Stack(app, "Secrets", env=ENV)
    key = kms.Key(stack, "AppKey", enable_key_rotation=True)
    db = secretsmanager.Secret(stack, "Db", encryption_key=key)
    token = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "Token", parameter_name="/orders/api-token", encryption_key=key
    )
    made["Secrets"] = secure(
        stack,
        vpc=private_vpc(stack),
        secrets={"DB_PASSWORD": db, "API_TOKEN": token},
        environment={"STAGE": "prod"},
        code=lambda_.Code.from_inline(READS_SECRETS.replace("{parameter}", "API_TOKEN")),
    )

    stack = cdk.Stack(app, "Url", env=ENV)
    made["Url"] = fn = secure(stack, vpc=private_vpc(stack))
    fn.add_function_url(
        cors=lambda_.FunctionUrlCorsOptions(allowed_origins=["https://app.example.com"])
    )
    fn.grant_invoke(iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal()))

    stack = cdk.Stack(app, "Api", env=ENV)
    made["Api"] = fn = secure(stack, vpc=private_vpc(stack))
    api = SecureRestApi(stack, "OrdersApi")
    orders = api.root.add_resource("orders")
    fn.add_to_rest_api(orders, "POST", request_schema=ORDER)
    fn.add_to_rest_api(orders, "GET")

    stack = cdk.Stack(app, "PlainApi", env=ENV)
    made["PlainApi"] = fn = secure(stack, policy=RELAXED)
    api = SecureRestApi(stack, "Api")
    fn.add_to_rest_api(api.root, "PUT", request_schema=ORDER)

    stack = cdk.Stack(app, "AsyncSns", env=ENV)
    made["AsyncSns"] = fn = secure(stack, vpc=private_vpc(stack))
    fn.add_event_source(event_sources.SnsEventSource(sns.Topic(stack, "Topic")))
    fn.add_permission(
        "Events", principal=iam.ServicePrincipal("events.amazonaws.com")
    )  # SourceAccount by default

    stack = cdk.Stack(app, "AsyncS3", env=ENV)
    made["AsyncS3"] = fn = secure(stack, vpc=private_vpc(stack))
    bucket = s3.Bucket(stack, "Uploads", enforce_ssl=True)
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn))

    stack = cdk.Stack(app, "Image", env=ENV)
    repo = ecr.Repository.from_repository_name(stack, "Repo", "orders")
    made["Image"] = SecureFunction(
        stack,
        "Fn",
        code=lambda_.Code.from_ecr_image(repo, tag_or_digest=DIGEST),
        vpc=private_vpc(stack),
        policy=STRICT,
    )

    # two functions in one VPC that already has a Secrets Manager endpoint of its own
    stack = cdk.Stack(app, "Shared", env=ENV)
    vpc = private_vpc(stack)
    vpc.add_interface_endpoint(
        "SecretsManager", service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER
    )
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "Imported", "orders/db")
    parameter = ssm.StringParameter.from_string_parameter_name(stack, "Plain", "/orders/config")
    for name in ("One", "Two"):
        made[f"Shared{name}"] = secure(
            stack,
            name,
            vpc=vpc,
            secrets={"DB_PASSWORD": secret, "CONFIG": parameter},
            code=lambda_.Code.from_inline(READS_SECRETS.replace("{parameter}", "CONFIG")),
        )

    stack = cdk.Stack(app, "Boundary", env=ENV)
    made["Boundary"] = secure(
        stack,
        vpc=private_vpc(stack),
        policy=STRICT.merged({"permissions_boundary": BOUNDARY}, "test"),
        dead_letter_queue=False,  # no asynchronous invoker: nothing to flag
    )
    return made


@pytest.fixture(scope="module")
def app_run(module_tmp: Path) -> tuple[Assembly, dict[str, SecureFunction], Any]:
    app = cdk.App(outdir=str(module_tmp))
    made = build(app)
    plugin = guardrails.protect(app, STRICT, mode="audit", remediate="safe")
    app.synth()
    return load(module_tmp), made, plugin


@pytest.fixture(scope="module")
def assembly(app_run: tuple[Assembly, dict[str, SecureFunction], Any]) -> Assembly:
    return app_run[0]


def template(assembly: Assembly, stack: str) -> dict[str, Any]:
    assert assembly.directory is not None
    return json.loads((assembly.directory / f"{stack}.template.json").read_text())


def resources(assembly: Assembly, stack: str, kind: str) -> dict[str, Any]:
    return {k: r for k, r in template(assembly, stack)["Resources"].items() if r["Type"] == kind}


def functions(assembly: Assembly, stack: str) -> dict[str, Any]:
    return resources(assembly, stack, "AWS::Lambda::Function")


# -- zero findings ------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", STRICT_STACKS)
def test_no_finding_under_the_strictest_policy(assembly: Assembly, stack: str) -> None:
    report = engine.scan(assembly, STRICT, today=TODAY)
    assert not report.errors
    found = [f for f in report.findings if f.stack == stack]
    if stack == "AsyncS3":
        # CDK's S3 notifications handler is a framework function (reported at info, never
        # failing): the SecureFunction itself has nothing
        found = [f for f in found if f.owner != "framework"]
    assert found == [], [(f.rule_id, f.logical_id, f.status, f.message) for f in found]


@pytest.mark.parametrize("stack", RELAXED_STACKS)
def test_no_finding_without_a_vpc_when_only_vpc_required_is_relaxed(
    assembly: Assembly, stack: str
) -> None:
    report = engine.scan(assembly, RELAXED, today=TODAY)
    found = [f for f in report.findings if f.stack == stack]
    assert found == [], [(f.rule_id, f.logical_id, f.message) for f in found]


def test_without_a_vpc_the_strictest_policy_flags_only_gr_net_01(assembly: Assembly) -> None:
    report = engine.scan(assembly, STRICT, today=TODAY)
    found = [f for f in report.findings if f.stack == "Plain"]
    assert [f.rule_id for f in found] == ["GR-NET-01"]


def test_every_configuration_was_scanned(assembly: Assembly) -> None:
    report = engine.scan(assembly, STRICT, today=TODAY)
    assert report.summary()["functions"] >= len(STRICT_STACKS) + len(RELAXED_STACKS) + 1


def test_the_hardening_aspect_records_no_remediation(
    app_run: tuple[Assembly, dict[str, SecureFunction], Any],
) -> None:
    assembly, _, plugin = app_run
    assert plugin.hardening is not None
    assert plugin.hardening.changes == []
    assert assembly.remediations == ()
    assert not [f for f in plugin.last_report.findings if f.status == "remediated"]


# -- what the construct emits -------------------------------------------------------------------
def test_defaults_on_the_function(assembly: Assembly) -> None:
    (props,) = [r["Properties"] for r in functions(assembly, "Plain").values()]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["ReservedConcurrentExecutions"] == DEFAULT_RESERVED_CONCURRENCY
    assert props["CodeSigningConfigArn"] == CSC
    assert "TargetArn" in props["DeadLetterConfig"]
    ((key_id, key),) = resources(assembly, "Plain", "AWS::KMS::Key").items()
    assert props["KmsKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    ((group_id, group),) = resources(assembly, "Plain", "AWS::Logs::LogGroup").items()
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": group_id}
    assert group["Properties"]["RetentionInDays"] == 90
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert group["DeletionPolicy"] == "Retain"
    # the key lets CloudWatch Logs use it for this log group only
    logs_statement = next(
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if "Service" in s["Principal"]
    )
    assert logs_statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    arn = logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert json.dumps(arn).endswith(f':log-group:{group["Properties"]["LogGroupName"]}"]]}}')
    queue = next(iter(resources(assembly, "Plain", "AWS::SQS::Queue").values()))
    assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_role_has_no_managed_policy_and_logs_only_to_its_group(assembly: Assembly) -> None:
    (role,) = resources(assembly, "Vpc", "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"]
    (policy,) = resources(assembly, "Vpc", "AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (group_id,) = resources(assembly, "Vpc", "AWS::Logs::LogGroup")
    logs_statement = next(s for s in statements if "logs:PutLogEvents" in s["Action"])
    assert logs_statement["Resource"] == {"Fn::GetAtt": [group_id, "Arn"]}
    assert any("ec2:CreateNetworkInterface" in s["Action"] for s in statements)


def test_vpc_function_security_group_allows_https_inside_the_vpc_only(assembly: Assembly) -> None:
    groups = resources(assembly, "Vpc", "AWS::EC2::SecurityGroup")
    (group,) = [g for k, g in groups.items() if k.startswith("FnSecureSecurityGroup")]
    (egress,) = group["Properties"]["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 443, 443)
    assert egress["CidrIp"] == {"Fn::GetAtt": ["Vpc8378EB38", "CidrBlock"]}
    (props,) = [r["Properties"] for r in functions(assembly, "Vpc").values()]
    subnets = props["VpcConfig"]["SubnetIds"]
    assert len(subnets) == 2 and all("Private" in s["Ref"] for s in subnets)


def test_permissions_boundary_from_the_policy(assembly: Assembly) -> None:
    (role,) = resources(assembly, "Boundary", "AWS::IAM::Role").values()
    assert role["Properties"]["PermissionsBoundary"] == BOUNDARY
    (props,) = [r["Properties"] for r in functions(assembly, "Boundary").values()]
    assert "DeadLetterConfig" not in props


def test_container_image_function(assembly: Assembly) -> None:
    (props,) = [r["Properties"] for r in functions(assembly, "Image").values()]
    assert props["PackageType"] == "Image"
    assert json.dumps(props["Code"]["ImageUri"]).endswith(f'/orders@{DIGEST}"]]}}')
    assert "CodeSigningConfigArn" not in props  # Lambda cannot sign-check images


def test_api_methods_are_authorized_validated_and_behind_a_web_acl(assembly: Assembly) -> None:
    methods = resources(assembly, "Api", "AWS::ApiGateway::Method")
    by_verb = {m["Properties"]["HttpMethod"]: m["Properties"] for m in methods.values()}
    assert by_verb["POST"]["AuthorizationType"] == "AWS_IAM"
    assert by_verb["GET"]["AuthorizationType"] == "AWS_IAM"
    assert "RequestValidatorId" in by_verb["POST"]
    assert "application/json" in by_verb["POST"]["RequestModels"]
    (validator,) = resources(assembly, "Api", "AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert resources(assembly, "Api", "AWS::WAFv2::WebACLAssociation")


def test_function_url_uses_iam_auth(assembly: Assembly) -> None:
    (url,) = resources(assembly, "Url", "AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "AWS_IAM"
    assert url["Properties"]["Cors"]["AllowOrigins"] == ["https://app.example.com"]


def test_service_permissions_name_the_source_account(assembly: Assembly) -> None:
    permissions = resources(assembly, "AsyncSns", "AWS::Lambda::Permission").values()
    events = [p for p in permissions if p["Properties"]["Principal"] == "events.amazonaws.com"]
    assert [p["Properties"]["SourceAccount"] for p in events] == ["123456789012"]


# -- secrets ------------------------------------------------------------------------------------
def test_secrets_are_bound_by_reference(assembly: Assembly) -> None:
    (props,) = [r["Properties"] for r in functions(assembly, "Secrets").values()]
    variables = props["Environment"]["Variables"]
    (secret_id,) = resources(assembly, "Secrets", "AWS::SecretsManager::Secret")
    assert variables == {
        "STAGE": "prod",
        "DB_PASSWORD_SECRET_ARN": {"Ref": secret_id},
        "API_TOKEN_PARAMETER_NAME": "/orders/api-token",
    }
    text = json.dumps(template(assembly, "Secrets"))
    assert "{{resolve:" not in text
    (policy,) = resources(assembly, "Secrets", "AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert [s["Resource"] for s in reads] == [{"Ref": secret_id}]
    parameter_reads = [s for s in statements if "ssm:GetParameter" in s["Action"]]
    assert [json.dumps(s["Resource"]) for s in parameter_reads] == [
        json.dumps(
            {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":ssm:eu-west-1:123456789012:parameter/orders/api-token",
                    ],
                ]
            }
        )
    ]
    (key_id,) = [k for k in resources(assembly, "Secrets", "AWS::KMS::Key") if "AppKey" in k]
    decrypt = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert [s["Resource"] for s in decrypt] == [{"Fn::GetAtt": [key_id, "Arn"]}]


def test_endpoints_for_the_services_the_secrets_need(assembly: Assembly) -> None:
    endpoints = resources(assembly, "Secrets", "AWS::EC2::VPCEndpoint").values()
    services = sorted(e["Properties"]["ServiceName"].rsplit(".", 1)[-1] for e in endpoints)
    # kms: the SSM parameter's key is granted directly (kms:Decrypt without kms:ViaService)
    assert services == ["kms", "secretsmanager", "ssm"]


def test_endpoints_are_reused_once_per_vpc(assembly: Assembly) -> None:
    endpoints = resources(assembly, "Shared", "AWS::EC2::VPCEndpoint")
    services = sorted(e["Properties"]["ServiceName"].rsplit(".", 1)[-1] for e in endpoints.values())
    assert services == ["secretsmanager", "ssm"]  # the user's Secrets Manager endpoint reused
    assert any(k.startswith("VpcSecretsManager") for k in endpoints)


def test_without_endpoints_gr_net_05_fires(module_tmp: Path) -> None:
    def build_one(app: cdk.App) -> None:
        stack = cdk.Stack(app, "NoEndpoints", env=ENV)
        secret = secretsmanager.Secret.from_secret_name_v2(stack, "Imported", "orders/db")
        secure(
            stack,
            vpc=private_vpc(stack),
            secrets={"DB_PASSWORD": secret},
            vpc_endpoints=False,
            code=lambda_.Code.from_inline(READS_SECRETS.split("    ssm.get_parameter")[0]),
        )

    app = cdk.App(outdir=str(module_tmp / "no-endpoints"))
    build_one(app)
    app.synth()
    report = engine.scan(load(module_tmp / "no-endpoints"), STRICT, today=TODAY)
    assert [f.rule_id for f in report.findings] == ["GR-NET-05"]
    assert "Secrets Manager" in report.findings[0].message


# -- options that would weaken a default ----------------------------------------------------------
@pytest.fixture
def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Scratch", env=ENV)


def test_public_subnets_raise(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    with pytest.raises(ValueError, match="GR-NET-03"):
        secure(stack, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC))


def test_single_az_raises(stack: cdk.Stack) -> None:
    vpc = private_vpc(stack)
    one = ec2.SubnetSelection(availability_zones=[vpc.availability_zones[0]])
    with pytest.raises(ValueError, match="GR-NET-02"):
        secure(stack, vpc=vpc, vpc_subnets=one)


def test_a_vpc_with_only_public_subnets_raises(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="pub", subnet_type=ec2.SubnetType.PUBLIC)
        ],
    )
    with pytest.raises(ValueError, match="GR-NET-03"):
        secure(stack, vpc=vpc)


def test_short_retention_raises(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match="GR-OBS-03"):
        secure(stack, log_retention=logs.RetentionDays.ONE_MONTH)
    secure(stack, "Longer", log_retention=logs.RetentionDays.ONE_YEAR)  # longer is fine


def test_no_concurrency_limit_raises(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match="GR-CFG-01"):
        secure(stack, reserved_concurrent_executions=0)


def test_wildcard_cors_raises(stack: cdk.Stack) -> None:
    fn = secure(stack)
    with pytest.raises(ValueError, match="GR-INP-05"):
        fn.add_function_url(cors=lambda_.FunctionUrlCorsOptions(allowed_origins=["*"]))


def test_public_permission_raises(stack: cdk.Stack) -> None:
    fn = secure(stack)
    with pytest.raises(ValueError, match="GR-IAM-11"):
        fn.add_permission("Anyone", principal=iam.AnyPrincipal())


def test_body_method_without_a_schema_raises(stack: cdk.Stack) -> None:
    fn = secure(stack)
    api = SecureRestApi(stack, "Api")
    with pytest.raises(ValueError, match="GR-INP-02"):
        fn.add_to_rest_api(api.root, "POST")


def test_controlled_props_are_refused(stack: cdk.Stack) -> None:
    with pytest.raises(TypeError, match="tracing"):
        secure(stack, tracing=lambda_.Tracing.DISABLED)
    with pytest.raises(TypeError, match="role"):
        secure(stack, "Two", role=iam.Role(stack, "R", assumed_by=iam.AnyPrincipal()))


def test_runtime_and_handler_match_the_kind_of_code(stack: cdk.Stack) -> None:
    repo = ecr.Repository.from_repository_name(stack, "Repo", "orders")
    image = lambda_.Code.from_ecr_image(repo, tag_or_digest=DIGEST)
    with pytest.raises(ValueError, match="image"):
        secure(stack, code=image)  # a zip runtime and handler with image code
    with pytest.raises(ValueError, match="required"):
        SecureFunction(stack, "Zip", code=lambda_.Code.from_inline(INLINE))
    # FROM_IMAGE given explicitly is what the construct would set
    SecureFunction(
        stack,
        "Image",
        code=image,
        runtime=lambda_.Runtime.FROM_IMAGE,
        handler=lambda_.Handler.FROM_IMAGE,
    )


def test_docker_image_code_names_its_lambda_code_equivalent(stack: cdk.Stack) -> None:
    repo = ecr.Repository.from_repository_name(stack, "Repo", "orders")
    code = lambda_.DockerImageCode.from_ecr(repo)
    with pytest.raises(TypeError, match=r"Code\.from_ecr_image"):
        SecureFunction(stack, "Image", code=code)  # type: ignore[arg-type]
    assert stack.node.try_find_child("ImageSecure") is None  # refused before creating anything


def test_public_url_is_possible_when_asked_and_is_reported(module_tmp: Path) -> None:
    app = cdk.App(outdir=str(module_tmp / "public-url"))
    stack = cdk.Stack(app, "PublicUrl", env=ENV)
    secure(stack, policy=RELAXED).add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    app.synth()
    report = engine.scan(load(module_tmp / "public-url"), RELAXED, today=TODAY)
    assert [f.rule_id for f in report.findings] == ["GR-INP-04"]
