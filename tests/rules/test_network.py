"""GR-NET-01 on real synthesized CDK stacks, under the three ``vpc_required`` settings.

One app for the module, one stack per case; cases CDK cannot express are plain templates.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm

from guardrails import engine, rules
from guardrails.model import load
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id, synth

RULE = "GR-NET-01"
TAG = "guardrails:sensitive"


def build(app: cdk.App, ids: dict[str, str]) -> None:
    def stack(name: str) -> cdk.Stack:
        return cdk.Stack(app, name, env=ENV)

    def case(name: str, **kwargs: object) -> tuple[cdk.Stack, lambda_.Function]:
        s = stack(name)
        fn = function(s, **kwargs)
        ids[name] = logical_id(fn)
        return s, fn

    s, fn = case("SecretRead")
    secretsmanager.Secret(s, "Secret").grant_read(fn)

    s = stack("SecretReadInVpc")
    vpc = ec2.Vpc(s, "Vpc", max_azs=2, nat_gateways=0)
    fn = function(
        s, vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    )
    secretsmanager.Secret(s, "Secret").grant_read(fn)

    s, fn = case("SecretWildcard")
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:Get*"],
            resources=["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-*"],
        )
    )

    s, fn = case("StarAction")
    fn.add_to_role_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))

    s, fn = case("NotAction")
    fn.add_to_role_policy(iam.PolicyStatement(not_actions=["iam:*"], resources=["*"]))

    s, fn = case("KmsDecrypt")
    kms.Key(s, "Key").grant_decrypt(fn)

    s, fn = case("SsmRead")
    ssm.StringParameter.from_secure_string_parameter_attributes(
        s, "Param", parameter_name="/orders/db-password"
    ).grant_read(fn)

    s, fn = case("RdsConnect")
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["rds-db:connect"],
            resources=["arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABC/app"],
        )
    )

    s, fn = case("AdminPolicy")
    fn.role.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")
    )

    s, fn = case("Tagged")
    cdk.Tags.of(fn).add(TAG, "true")

    s, fn = case("TaggedFalse")
    cdk.Tags.of(fn).add(TAG, "False")

    s, fn = case("TaggedRestricted")
    cdk.Tags.of(fn).add("data-class", "Restricted")

    s, fn = case("TaggedPublic")
    cdk.Tags.of(fn).add("data-class", "public")

    # CDK's own statements and scoped grants: not sensitive
    s, fn = case("Plain", tracing=lambda_.Tracing.ACTIVE)
    table = dynamodb.Table(
        s, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_write_data(fn)
    # a parameter the template creates is never a SecureString (CloudFormation cannot make one)
    ssm.StringParameter(s, "Config", string_value="v").grant_read(fn)
    ssm.StringParameter(s, "Named", string_value="v", parameter_name="/orders/cfg").grant_read(fn)

    # what cannot be decided
    s, fn = case("ActionParam")
    action = cdk.CfnParameter(s, "Action")
    fn.add_to_role_policy(iam.PolicyStatement(actions=[action.value_as_string], resources=["*"]))

    s, fn = case("TagParam")
    cdk.Tags.of(fn).add(TAG, cdk.CfnParameter(s, "Sensitive").value_as_string)

    # VpcConfig chosen at deploy time by a condition: cannot be decided, even under "all"
    s, fn = case("ConditionalVpc")
    secretsmanager.Secret(s, "Secret").grant_read(fn)
    attach = cdk.CfnCondition(
        s, "Attach", expression=cdk.Fn.condition_equals(cdk.CfnParameter(s, "Env"), "prod")
    )
    fn.node.default_child.add_property_override(
        "VpcConfig",
        cdk.Fn.condition_if(
            attach.logical_id,
            {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
            cdk.Aws.NO_VALUE,
        ),
    )


@pytest.fixture(scope="module")
def assembly(module_tmp: Path):
    ids: dict[str, str] = {}
    return synth(lambda a: build(a, ids), module_tmp / "cdk.out"), ids


def scan(assembly, **policy: object) -> list[engine.Finding]:
    report = engine.scan(
        assembly, Policy.from_mapping(policy), today=TODAY, rules=[rules.get(RULE)]
    )
    assert not report.errors, report.errors
    return list(report.findings)


@pytest.fixture(scope="module")
def default(assembly):
    return scan(assembly[0]), assembly[1]


def found(result, stack: str) -> list[engine.Finding]:
    return [f for f in result[0] if f.stack == stack]


@pytest.mark.parametrize(
    ("stack", "why"),
    [
        ("SecretRead", "read Secrets Manager secrets (secretsmanager:GetSecretValue"),
        ("SecretWildcard", "read Secrets Manager secrets (secretsmanager:GetSecretValue"),
        ("StarAction", "read Secrets Manager secrets"),
        ("NotAction", "decrypt with KMS (kms:Decrypt"),
        ("KmsDecrypt", "decrypt with KMS (kms:Decrypt"),
        ("SsmRead", "read SSM SecureString parameters (ssm:GetParameter"),
        ("RdsConnect", "obtain database credentials (rds-db:connect"),
        ("AdminPolicy", "AWS managed policy AdministratorAccess"),
        ("Tagged", f"tagged {TAG}=true"),
    ],
)
def test_flags_sensitive_function_outside_a_vpc(default, stack, why):
    [f] = found(default, stack)
    assert f.rule_id == RULE
    assert f.severity == "medium"
    assert f.logical_id == default[1][stack]
    assert f.location == "Properties"
    assert "not attached to a VPC" in f.message
    assert "vpc_required: sensitive" in f.message
    assert why in f.message


def test_message_names_the_statement_that_reads(default):
    [f] = found(default, "SecretRead")
    assert "ServiceRoleDefaultPolicy" in f.message
    assert "Properties/PolicyDocument/Statement/0" in f.message


@pytest.mark.parametrize(
    "stack",
    [
        "SecretReadInVpc",  # sensitive, but in a VPC
        "Plain",  # xray on "*", DynamoDB and String parameter grants, basic execution role
        "TaggedFalse",  # tag present with a false value
        "TaggedRestricted",  # another tag than the policy's
        "ActionParam",  # action from a parameter
        "TagParam",  # tag value from a parameter
        "ConditionalVpc",  # VpcConfig from Fn::If
    ],
)
def test_silent_cases_under_the_default_policy(default, stack):
    assert found(default, stack) == []


def test_key_value_sensitive_tag(assembly):
    result = scan(assembly[0], sensitive_tag="data-class=restricted"), assembly[1]
    [f] = found(result, "TaggedRestricted")
    assert f.logical_id == assembly[1]["TaggedRestricted"]
    assert "tagged data-class=Restricted" in f.message
    assert found(result, "TaggedPublic") == []
    # the default tag no longer counts, secret reads still do
    assert found(result, "Tagged") == []
    assert len(found(result, "SecretRead")) == 1


def test_vpc_required_all_flags_every_function_outside_a_vpc(assembly):
    result = scan(assembly[0], vpc_required="all"), assembly[1]
    [f] = found(result, "Plain")
    assert f.logical_id == assembly[1]["Plain"]
    assert f.location == "Properties"
    assert "vpc_required: all" in f.message
    assert found(result, "SecretReadInVpc") == []
    assert found(result, "ConditionalVpc") == []


def test_vpc_required_none_never_flags(assembly):
    assert scan(assembly[0], vpc_required="none") == []


# -- plain template: an empty VpcConfig detaches the function -------------------------------
TEMPLATE = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                },
                "Policies": [
                    {
                        "PolicyName": "Reads",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "SSM:GetParametersByPath",
                                    "Resource": "*",
                                }
                            ]
                        },
                    }
                ],
            },
        },
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(e, c): pass"},
                "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []},
            },
        },
        # imported role: nothing to read, so only the tag can make it sensitive
        "Imported": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Role": "arn:aws:iam::123456789012:role/legacy",
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(e, c): pass"},
            },
        },
    }
}


def test_empty_vpc_config_is_the_location(module_tmp: Path):
    path = module_tmp / "Plain.template.json"
    path.write_text(json.dumps(TEMPLATE), encoding="utf-8")
    [f] = scan(load(path))
    assert f.logical_id == "Fn"
    assert f.location == "Properties/VpcConfig"
    assert "ssm:GetParametersByPath" in f.message
