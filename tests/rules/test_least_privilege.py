"""GR-IAM-01, GR-IAM-03, GR-IAM-04 and GR-IAM-11 on real synthesized CDK stacks.

One app for the module, one stack per case; cases CDK cannot express are plain templates.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from guardrails import engine, rules
from guardrails.model import load
from tests.conftest import ENV, TODAY, function, logical_id, synth

RULES = ("GR-IAM-01", "GR-IAM-03", "GR-IAM-04", "GR-IAM-11")


def default_policy(fn: lambda_.Function) -> str:
    return logical_id(fn.role.node.find_child("DefaultPolicy"))


def build(app: cdk.App, ids: dict[str, str]) -> None:
    def stack(name: str, **kwargs: object) -> cdk.Stack:
        return cdk.Stack(app, name, env=kwargs.pop("env", ENV), **kwargs)

    def managed(name: str, policy: str) -> None:
        s = stack(name)
        fn = function(s)
        fn.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(policy))
        ids[name] = logical_id(fn.role)

    # -- GR-IAM-01 --------------------------------------------------------------------------
    managed("Admin", "AdministratorAccess")
    managed("IamFull", "IAMFullAccess")
    managed("PowerUser", "PowerUserAccess")
    managed("ReadOnly", "ReadOnlyAccess")
    managed("AmplifyAdmin", "AdministratorAccess-Amplify")

    # env-agnostic: the ARN keeps CDK's Fn::Join with a Ref to AWS::Partition
    s = stack("AdminAgnostic", env=None)
    fn = function(s)
    fn.role.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")
    )
    ids["AdminAgnostic"] = logical_id(fn.role)

    # another partition, written as a plain ARN
    s = stack("AdminGovCloud")
    role = iam.Role(
        s,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[
            iam.ManagedPolicy.from_managed_policy_arn(
                s, "Admin", "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"
            )
        ],
    )
    function(s, role=role)
    ids["AdminGovCloud"] = logical_id(role)

    # the policy ARN is a template parameter: cannot be named
    s = stack("PolicyParam")
    arn = cdk.CfnParameter(s, "PolicyArn")
    fn = function(s)
    fn.role.add_managed_policy(
        iam.ManagedPolicy.from_managed_policy_arn(s, "FromParam", arn.value_as_string)
    )

    # -- GR-IAM-03 / GR-IAM-04 --------------------------------------------------------------
    s = stack("StarAction")
    fn = function(s)
    fn.add_to_role_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))
    ids["StarAction"] = default_policy(fn)

    s = stack("NotAction")
    fn = function(s)
    fn.add_to_role_policy(iam.PolicyStatement(not_actions=["iam:*"], resources=["*"]))
    ids["NotAction"] = default_policy(fn)

    s = stack("DenyStar")
    fn = function(s)
    fn.add_to_role_policy(
        iam.PolicyStatement(effect=iam.Effect.DENY, actions=["*", "s3:*"], resources=["*"])
    )

    s = stack("ServiceWide")
    fn = function(s)
    bucket = s3.Bucket(s, "Bucket")
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:*", "sqs:*", "s3:GetObject"],
            resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
        )
    )
    ids["ServiceWide"] = default_policy(fn)

    s = stack("UpperCaseService")
    fn = function(s)
    fn.add_to_role_policy(iam.PolicyStatement(actions=["S3:*"], resources=["*"]))
    ids["UpperCaseService"] = default_policy(fn)

    s = stack("DynamoFull")
    fn = function(s)
    table = dynamodb.Table(
        s, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_full_access(fn)  # CDK writes dynamodb:* on the table ARN
    ids["DynamoFull"] = default_policy(fn)

    # customer managed policy (AWS::IAM::ManagedPolicy) with "*": reachable by the role
    s = stack("CustomerManagedStar")
    fn = function(s)
    policy = iam.ManagedPolicy(
        s,
        "Broad",
        statements=[iam.PolicyStatement(actions=["*"], resources=["*"])],
    )
    fn.role.add_managed_policy(policy)
    ids["CustomerManagedStar"] = logical_id(policy)

    # CDK's own statements and grants: explicit actions, nothing to report
    s = stack("CdkGrants")
    fn = function(s, tracing=lambda_.Tracing.ACTIVE)
    table = dynamodb.Table(
        s, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_write_data(fn)
    s3.Bucket(s, "Bucket").grant_read(fn)
    secretsmanager.Secret(s, "Secret").grant_read(fn)

    # a customer managed role with only scoped actions
    s = stack("ScopedRole")
    role = iam.Role(
        s,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        inline_policies={
            "Scoped": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        actions=["s3:GetObject", "s3:Get*"],
                        resources=["arn:aws:s3:::orders-bucket/*"],
                    )
                ]
            )
        },
    )
    function(s, role=role)

    # the action is a template parameter: cannot be decided
    s = stack("ActionParam")
    action = cdk.CfnParameter(s, "Action")
    fn = function(s)
    fn.add_to_role_policy(iam.PolicyStatement(actions=[action.value_as_string], resources=["*"]))

    # -- GR-IAM-11 --------------------------------------------------------------------------
    s = stack("PublicPermission")
    fn = function(s)
    fn.add_permission("Public", principal=iam.AnyPrincipal())
    ids["PublicPermission"] = logical_id(fn.node.find_child("Public"))

    s = stack("PublicWithAccount")
    fn = function(s)
    fn.add_permission("Public", principal=iam.AnyPrincipal(), source_account="123456789012")

    s = stack("PublicWithOrg")
    fn = function(s)
    fn.add_permission("Public", principal=iam.AnyPrincipal(), organization_id="o-a1b2c3d4e5")

    s = stack("PublicUrl")
    fn = function(s)
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)

    s = stack("ServicePermission")
    fn = function(s)
    fn.add_permission("S3", principal=iam.ServicePrincipal("s3.amazonaws.com"))

    s = stack("PrincipalParam")
    principal = cdk.CfnParameter(s, "Principal")
    fn = function(s)
    fn.add_permission("FromParam", principal=iam.ArnPrincipal(principal.value_as_string))

    # -- one role shared by two functions: one finding naming both --------------------------
    s = stack("SharedAdmin")
    role = iam.Role(
        s,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
    )
    a = function(s, "A", role=role)
    b = function(s, "B", role=role)
    ids["SharedAdmin"] = logical_id(role)
    ids["SharedAdmin.functions"] = ",".join(sorted([logical_id(a), logical_id(b)]))


@pytest.fixture(scope="module")
def app(module_tmp: Path):
    ids: dict[str, str] = {}
    assembly = synth(lambda a: build(a, ids), module_tmp / "cdk.out")
    report = engine.scan(assembly, today=TODAY, rules=[rules.get(r) for r in RULES])
    assert not report.errors, report.errors
    return report.findings, ids


def found(app, rule_id: str, stack: str) -> list[engine.Finding]:
    return [f for f in app[0] if f.rule_id == rule_id and f.stack == stack]


# -- GR-IAM-01 ------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["Admin", "IamFull", "PowerUser", "AdminAgnostic"])
def test_iam01_flags_admin_level_managed_policies(app, stack):
    name = {"Admin": "AdministratorAccess", "IamFull": "IAMFullAccess"}.get(stack)
    name = name or ("PowerUserAccess" if stack == "PowerUser" else "AdministratorAccess")
    [f] = found(app, "GR-IAM-01", stack)
    assert f.severity == "critical"
    assert f.logical_id == app[1][stack]
    # index 0 is CDK's AWSLambdaBasicExecutionRole
    assert f.location == "Properties/ManagedPolicyArns/1"
    assert name in f.message
    assert f.construct_path == f"{stack}/Fn/ServiceRole/Resource"


def test_iam01_flags_any_partition(app):
    [f] = found(app, "GR-IAM-01", "AdminGovCloud")
    assert f.logical_id == app[1]["AdminGovCloud"]
    assert f.location == "Properties/ManagedPolicyArns/0"
    assert "AdministratorAccess" in f.message


@pytest.mark.parametrize("stack", ["ReadOnly", "AmplifyAdmin", "CdkGrants", "ScopedRole"])
def test_iam01_ignores_other_managed_policies(app, stack):
    # ReadOnlyAccess, AdministratorAccess-Amplify, AWSLambdaBasicExecutionRole
    assert found(app, "GR-IAM-01", stack) == []


def test_iam01_is_silent_on_a_policy_arn_from_a_parameter(app):
    assert found(app, "GR-IAM-01", "PolicyParam") == []


def test_iam01_shared_role_is_one_finding_for_both_functions(app):
    [f] = found(app, "GR-IAM-01", "SharedAdmin")
    assert f.logical_id == app[1]["SharedAdmin"]
    assert ",".join(f.functions) == app[1]["SharedAdmin.functions"]


# -- GR-IAM-03 ------------------------------------------------------------------------------
def test_iam03_flags_star_action(app):
    [f] = found(app, "GR-IAM-03", "StarAction")
    assert f.severity == "critical"
    assert f.logical_id == app[1]["StarAction"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Action"
    assert 'Action "*"' in f.message


def test_iam03_star_is_not_reported_again_by_iam04(app):
    assert found(app, "GR-IAM-04", "StarAction") == []


def test_iam03_flags_not_action_with_allow(app):
    [f] = found(app, "GR-IAM-03", "NotAction")
    assert f.logical_id == app[1]["NotAction"]
    assert f.location == "Properties/PolicyDocument/Statement/0/NotAction"
    assert "NotAction" in f.message and "iam:*" in f.message


def test_iam03_flags_customer_managed_policy_attached_to_the_role(app):
    [f] = found(app, "GR-IAM-03", "CustomerManagedStar")
    assert f.logical_id == app[1]["CustomerManagedStar"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Action"


@pytest.mark.parametrize(
    "stack", ["DenyStar", "ServiceWide", "CdkGrants", "ScopedRole", "ActionParam", "Admin"]
)
def test_iam03_silent_cases(app, stack):
    # Deny "*", service-wide only, CDK grants and tracing, scoped role, token action,
    # AWS managed policy (GR-IAM-01's)
    assert found(app, "GR-IAM-03", stack) == []


# -- GR-IAM-04 ------------------------------------------------------------------------------
def test_iam04_flags_service_wide_actions_once_per_statement(app):
    [f] = found(app, "GR-IAM-04", "ServiceWide")
    assert f.severity == "high"
    assert f.logical_id == app[1]["ServiceWide"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Action"
    assert "s3:*" in f.message and "sqs:*" in f.message
    assert "s3:GetObject" not in f.message


def test_iam04_service_prefix_is_case_insensitive(app):
    [f] = found(app, "GR-IAM-04", "UpperCaseService")
    assert f.logical_id == app[1]["UpperCaseService"]
    assert "S3:*" in f.message


def test_iam04_flags_cdk_grant_full_access(app):
    [f] = found(app, "GR-IAM-04", "DynamoFull")
    assert f.logical_id == app[1]["DynamoFull"]
    assert f.location.startswith("Properties/PolicyDocument/Statement/")
    assert f.location.endswith("/Action")
    assert "dynamodb:*" in f.message


@pytest.mark.parametrize("stack", ["CdkGrants", "ScopedRole", "ActionParam", "DenyStar"])
def test_iam04_silent_cases(app, stack):
    # s3:GetObject* / s3:List* / secretsmanager grants and xray, s3:Get*, a token, Deny
    assert found(app, "GR-IAM-04", stack) == []


# -- GR-IAM-11 ------------------------------------------------------------------------------
def test_iam11_flags_any_principal_without_conditions(app):
    [f] = found(app, "GR-IAM-11", "PublicPermission")
    assert f.severity == "critical"
    assert f.logical_id == app[1]["PublicPermission"]
    assert f.location == "Properties/Principal"
    assert "any principal (*)" in f.message
    assert "lambda:InvokeFunction" in f.message


@pytest.mark.parametrize("stack", ["PublicWithAccount", "PublicWithOrg", "ServicePermission"])
def test_iam11_silent_when_scoped(app, stack):
    assert found(app, "GR-IAM-11", stack) == []


def test_iam11_leaves_function_url_permissions_to_inp04(app):
    # add_function_url(auth_type=NONE) creates two Principal "*" permissions
    assert found(app, "GR-IAM-11", "PublicUrl") == []


def test_iam11_silent_on_a_principal_from_a_parameter(app):
    assert found(app, "GR-IAM-11", "PrincipalParam") == []


# -- plain templates: what CDK does not write ----------------------------------------------
TEMPLATE = {
    "Parameters": {"Flag": {"Type": "String"}},
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
                        "PolicyName": "Inline",
                        "PolicyDocument": {
                            # a single statement, not a list; Action a single string
                            "Statement": {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
                        },
                    },
                    {
                        # CDK refuses "*:*"; IAM reads it as "*"
                        "PolicyName": "StarColonStar",
                        "PolicyDocument": {
                            "Statement": [
                                {"Effect": "Allow", "Action": ["*:*", "s3:*"], "Resource": "*"}
                            ]
                        },
                    },
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
            },
        },
        "AwsStar": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Fn"},
                "Principal": {"AWS": "*"},
            },
        },
        "UrlAsString": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Fn"},
                "Principal": "*",
                "InvokedViaFunctionUrl": "true",
            },
        },
        "UrlFlagToken": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Fn"},
                "Principal": "*",
                "InvokedViaFunctionUrl": {"Ref": "Flag"},
            },
        },
        "WithSourceArnToken": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "Fn"},
                "Principal": "*",
                "SourceArn": {"Ref": "Flag"},
            },
        },
    },
}


@pytest.fixture(scope="module")
def template_findings(module_tmp: Path) -> list[engine.Finding]:
    path = module_tmp / "Plain.template.json"
    path.write_text(json.dumps(TEMPLATE), encoding="utf-8")
    report = engine.scan(load(path), today=TODAY, rules=[rules.get(r) for r in RULES])
    assert not report.errors, report.errors
    return list(report.findings)


def test_iam11_aws_star_principal_in_a_template(template_findings):
    got = [f for f in template_findings if f.rule_id == "GR-IAM-11"]
    # UrlAsString is a function-URL permission; UrlFlagToken cannot be decided;
    # a SourceArn that is a token is still a condition
    assert [(f.logical_id, f.location) for f in got] == [("AwsStar", "Properties/Principal")]


def test_iam03_star_colon_star_in_a_template(template_findings):
    got = [f for f in template_findings if f.rule_id == "GR-IAM-03"]
    assert [(f.logical_id, f.location) for f in got] == [
        ("Role", "Properties/Policies/1/PolicyDocument/Statement/0/Action")
    ]


def test_iam04_single_statement_object_in_an_inline_policy(template_findings):
    # the "*:*" statement's s3:* is not reported again: it is GR-IAM-03's
    [f] = [f for f in template_findings if f.rule_id == "GR-IAM-04"]
    assert f.logical_id == "Role"
    assert f.location == "Properties/Policies/0/PolicyDocument/Statement/Action"
    assert "ec2:*" in f.message
