"""``SecureFunctionDefaults`` on real synthesized apps: the same plain ``aws_lambda.Function`` in a
stack without the injector (before) and in stacks with it (after, registered per stack and per
app), the rules it fixes, what the code sets winning over the injector, framework functions left
alone, and the hardening Aspect finding nothing more to do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import custom_resources as cr

from guardrails import engine
from guardrails.cdk import LambdaHardening
from guardrails.constructs import SecureFunction, SecureFunctionDefaults
from guardrails.model import Assembly, load
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id

CSC = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0"
BOUNDARY = "arn:aws:iam::123456789012:policy/org/DeveloperBoundary"
POLICY = Policy.from_mapping(
    {
        "code_signing_config_arn": CSC,
        "require_code_signing": True,
        "default_reserved_concurrency": 5,
        "permissions_boundary": BOUNDARY,
        "fail_on": "low",
    }
)
#: what the injector fixes on a plain function with environment variables (GR-OBS-03/04 fire
#: only once a log group exists: the injected one has the retention and the key, see below)
FIXED = (
    "GR-OBS-01", "GR-OBS-02", "GR-OBS-05", "GR-SEC-05", "GR-IAM-14", "GR-IAM-10",
    "GR-DEP-02", "GR-CFG-01",
)  # fmt: skip
DIGEST = "sha256:" + "0f" * 32


def plain(stack: cdk.Stack) -> dict[str, Any]:
    """The same code in every stack: a plain function with an environment, one in a VPC."""
    made: dict[str, Any] = {"Fn": function(stack, environment={"TABLE": "orders"})}
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    group = ec2.SecurityGroup(stack, "Sg", vpc=vpc, allow_all_outbound=False)
    made["InVpc"] = function(stack, "InVpc", vpc=vpc, security_groups=[group])
    return made


@pytest.fixture(scope="module")
def built(module_tmp: Path) -> tuple[Assembly, dict[str, Any]]:
    app = cdk.App(outdir=str(module_tmp / "stacks"))
    made: dict[str, Any] = {}
    made["Before"] = plain(cdk.Stack(app, "Before", env=ENV))
    after = cdk.Stack(app, "After", env=ENV, property_injectors=[SecureFunctionDefaults(POLICY)])
    made["After"] = plain(after)

    stack = cdk.Stack(app, "Explicit", env=ENV, property_injectors=[SecureFunctionDefaults(POLICY)])
    role = iam.Role(stack, "OwnRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    made["Explicit"] = function(
        stack, tracing=lambda_.Tracing.PASS_THROUGH, role=role, reserved_concurrent_executions=50
    )
    repo = ecr.Repository.from_repository_name(stack, "Repo", "orders")
    made["Image"] = lambda_.DockerImageFunction(
        stack, "Image", code=lambda_.DockerImageCode.from_ecr(repo, tag_or_digest=DIGEST)
    )
    # a framework singleton (AwsCustomResource) is left alone
    cr.AwsCustomResource(
        stack,
        "Lookup",
        on_create=cr.AwsSdkCall(
            service="SSM",
            action="getParameter",
            parameters={"Name": "/orders/config"},
            physical_resource_id=cr.PhysicalResourceId.of("lookup"),
        ),
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
            resources=["arn:aws:ssm:eu-west-1:123456789012:parameter/orders/config"]
        ),
    )
    # a SecureFunction already has everything: the injector adds nothing to it
    stack = cdk.Stack(app, "Secure", env=ENV, property_injectors=[SecureFunctionDefaults(POLICY)])
    made["Secure"] = SecureFunction(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        policy=POLICY,
    )
    app.synth()
    return load(module_tmp / "stacks"), made


@pytest.fixture(scope="module")
def assembly(built: tuple[Assembly, dict[str, Any]]) -> Assembly:
    return built[0]


def rules_of(assembly: Assembly, stack: str, fn: Any) -> set[str]:
    report = engine.scan(assembly, POLICY, today=TODAY)
    lid = logical_id(fn)
    return {f.rule_id for f in report.findings if f.stack == stack and lid in f.functions}


def template(assembly: Assembly, stack: str) -> dict[str, Any]:
    assert assembly.directory is not None
    return json.loads((assembly.directory / f"{stack}.template.json").read_text())


def test_injection_id_is_the_function_class() -> None:
    assert SecureFunctionDefaults().construct_unique_id == lambda_.Function.PROPERTY_INJECTION_ID


@pytest.mark.parametrize("name", ["Fn", "InVpc"])
def test_before_and_after(built: tuple[Assembly, dict[str, Any]], name: str) -> None:
    assembly, made = built
    before = rules_of(assembly, "Before", made["Before"][name])
    after = rules_of(assembly, "After", made["After"][name])
    fixed = set(FIXED) - ({"GR-SEC-05"} if name == "InVpc" else set())  # no environment there
    assert fixed <= before, sorted(before)
    # what a property injector cannot do stays: the Errors alarm (the function does not exist
    # yet when the injector runs)
    assert after == {"GR-OBS-08"}, sorted(after)


def test_injected_resources(assembly: Assembly, built: tuple[Assembly, dict[str, Any]]) -> None:
    resources = template(assembly, "After")["Resources"]
    fn = resources[logical_id(built[1]["After"]["Fn"])]["Properties"]
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    assert fn["CodeSigningConfigArn"] == CSC
    assert fn["ReservedConcurrentExecutions"] == 5
    group = resources[fn["LoggingConfig"]["LogGroup"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == 90
    key_id = fn["KmsKeyArn"]["Fn::GetAtt"][0]
    assert key_id.startswith("SecureFunctionDefaultsKey")
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    keys = [k for k, r in resources.items() if r["Type"] == "AWS::KMS::Key"]
    assert keys == [key_id]  # one key per stack
    role = resources[fn["Role"]["Fn::GetAtt"][0]]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert role["Properties"]["PermissionsBoundary"] == BOUNDARY


def test_what_the_code_sets_wins(
    assembly: Assembly, built: tuple[Assembly, dict[str, Any]]
) -> None:
    made = built[1]
    resources = template(assembly, "Explicit")["Resources"]
    fn = resources[logical_id(made["Explicit"])]["Properties"]
    assert fn["TracingConfig"] == {"Mode": "PassThrough"}
    assert fn["ReservedConcurrentExecutions"] == 50
    assert fn["Role"]["Fn::GetAtt"][0].startswith("OwnRole")
    image = resources[logical_id(made["Image"])]["Properties"]
    assert "CodeSigningConfigArn" not in image  # Lambda cannot sign-check images
    assert image["TracingConfig"] == {"Mode": "Active"}


def test_framework_functions_are_left_alone(assembly: Assembly) -> None:
    resources = template(assembly, "Explicit")["Resources"]
    (framework,) = [
        r["Properties"]
        for k, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function"
        and k.startswith("AWS679f53fac002430cb0da5b7982bd2287")
    ]
    assert "TracingConfig" not in framework
    assert "LoggingConfig" not in framework


def test_a_secure_function_gets_nothing_more(assembly: Assembly) -> None:
    resources = template(assembly, "Secure")["Resources"]
    assert not [k for k in resources if "Guardrails" in k or "SecureFunctionDefaults" in k]


def test_app_level_registration_and_the_hardening_aspect(module_tmp: Path) -> None:
    outdir = module_tmp / "app-level"
    injector = SecureFunctionDefaults(POLICY, dead_letter_queues=True)
    app = cdk.App(outdir=str(outdir), property_injectors=[injector])
    stack = cdk.Stack(app, "Orders", env=ENV)
    fn = function(stack, environment={"TABLE": "orders"})
    bucket = s3.Bucket(stack, "Uploads")
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn))
    hardening = LambdaHardening(POLICY, fixes="safe")
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()
    assert hardening.changes == []  # the injector left nothing for the safe fixes
    report = engine.scan(load(outdir), POLICY, today=TODAY)
    # asynchronously invoked (S3), with the injected encrypted dead-letter queue: no GR-OBS-06
    assert {f.rule_id for f in report.findings if logical_id(fn) in f.functions} == {"GR-OBS-08"}
    props = json.loads((outdir / "Orders.template.json").read_text())["Resources"]
    queue = props[logical_id(fn)]["Properties"]["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0]
    assert props[queue]["Properties"]["SqsManagedSseEnabled"] is True
