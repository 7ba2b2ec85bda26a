"""GR-IAM-02, 05-10, 12-14 on real synthesized CDK stacks.

One app for the module, one stack per case. The app is scanned once with the default policy and
once with a policy that names a permissions boundary and trusted accounts (GR-IAM-10/13).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_ssm as ssm

from guardrails import engine, rules
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id, synth

RULES = (
    "GR-IAM-02", "GR-IAM-04", "GR-IAM-05", "GR-IAM-06", "GR-IAM-07", "GR-IAM-08", "GR-IAM-09",
    "GR-IAM-10", "GR-IAM-12", "GR-IAM-13", "GR-IAM-14",
)  # fmt: skip
BOUNDARY = "arn:aws:iam::123456789012:policy/OrgBoundary"
TRUSTED = "111111111111"
STRICT = Policy.from_mapping({"permissions_boundary": BOUNDARY, "trusted_accounts": [TRUSTED]})


def default_policy(fn: lambda_.Function) -> str:
    return logical_id(fn.role.node.find_child("DefaultPolicy"))


def table(scope: cdk.Stack) -> dynamodb.Table:
    return dynamodb.Table(
        scope,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    )


def build(app: cdk.App, ids: dict[str, str]) -> None:
    def stack(name: str, **kwargs: object) -> cdk.Stack:
        return cdk.Stack(app, name, env=kwargs.pop("env", ENV), **kwargs)

    def allow(name: str, actions: list[str], resources: list[str], **fn_props: object) -> None:
        """A stack whose function gets one statement; ids[name] = its DefaultPolicy."""
        s = stack(name)
        fn = function(s, **fn_props)
        fn.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))
        ids[name] = default_policy(fn)

    # -- GR-IAM-02 --------------------------------------------------------------------------
    for name, policy in {
        "S3Full": "AmazonS3FullAccess",
        "LambdaFull": "AWSLambda_FullAccess",
        "CloudWatchFullV2": "CloudWatchFullAccessV2",
        "IamFull": "IAMFullAccess",
        "ReadOnly": "AmazonS3ReadOnlyAccess",
    }.items():
        s = stack(name)
        fn = function(s)
        fn.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(policy))
        ids[name] = logical_id(fn.role)

    s = stack("PolicyArnParam")
    arn = cdk.CfnParameter(s, "PolicyArn")
    fn = function(s)
    fn.role.add_managed_policy(
        iam.ManagedPolicy.from_managed_policy_arn(s, "FromParam", arn.value_as_string)
    )

    # -- GR-IAM-05 --------------------------------------------------------------------------
    allow("StarResource", ["s3:GetObject", "dynamodb:Query"], ["*"])
    allow(
        "ServiceWideArns",
        ["s3:GetObject", "dynamodb:GetItem"],
        ["arn:aws:s3:::*", "arn:aws:dynamodb:*:*:table/*"],
    )
    allow("GetStar", ["s3:Get*"], ["*"])
    allow("ServiceWildcardOnStar", ["s3:*"], ["*"])
    allow("StarOnlyActions", ["xray:PutTraceSegments", "ec2:DescribeNetworkInterfaces"], ["*"])
    allow("Typo", ["s3:GetObjetc", "sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:q"])
    allow("StarAction", ["*"], ["*"])
    allow(
        "PrefixScoped",
        ["ssm:GetParameter", "s3:GetObject"],
        ["arn:aws:ssm:eu-west-1:123456789012:parameter/app/*", "arn:aws:s3:::reports/*"],
    )
    eni = [
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "ec2:DescribeNetworkInterfaces",
    ]
    allow("EniOutsideVpc", eni, ["*"])

    s = stack("EniInVpc")
    vpc = ec2.Vpc(s, "Vpc", max_azs=2, nat_gateways=0)
    fn = function(s, vpc=vpc)
    fn.add_to_role_policy(iam.PolicyStatement(actions=eni, resources=["*"]))
    ids["EniInVpc"] = logical_id(fn.role)
    ids["EniInVpc.fn"] = logical_id(fn)

    s = stack("NotResource")
    fn = function(s)
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], not_resources=["arn:aws:s3:::secret/*"])
    )
    ids["NotResource"] = default_policy(fn)

    s = stack("ResourceParam")
    resource = cdk.CfnParameter(s, "Resource")
    fn = function(s)
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject", "iam:PassRole", "kms:Decrypt"],
            resources=[resource.value_as_string],
        )
    )
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[f"arn:aws:s3:::{resource.value_as_string}/*"],
        )
    )

    # CDK's own statements and grants: scoped, or "*" only where the action accepts nothing else
    s = stack("CdkGrants")
    fn = function(s, tracing=lambda_.Tracing.ACTIVE)
    table(s).grant_read_write_data(fn)
    s3.Bucket(s, "Bucket").grant_read_write(fn)
    secretsmanager.Secret(s, "Secret").grant_read(fn)
    ssm.StringParameter(s, "Param", string_value="v").grant_read(fn)
    kms.Key(s, "Key").grant_decrypt(fn)
    other = iam.Role(s, "JobRole", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"))
    other.grant_pass_role(fn)
    function(s, "Other").grant_invoke(fn)
    cloudwatch.Metric.grant_put_metric_data(fn)  # "*": classic metrics have no ARN

    # -- GR-IAM-06 --------------------------------------------------------------------------
    allow("PassRoleStar", ["iam:PassRole"], ["*"])
    allow("IamPutStar", ["iam:Put*", "s3:GetObject"], ["*"])
    allow("PassRoleAllRoles", ["iam:PassRole"], ["arn:aws:iam::123456789012:role/*"])
    allow("AssumeAnyRole", ["sts:AssumeRole"], ["arn:aws:iam::*:role/*"])
    allow("IamStar", ["iam:*"], ["*"])
    allow("PassRolePrefix", ["iam:PassRole"], ["arn:aws:iam::123456789012:role/jobs-*"])
    allow(
        "UpdateCodeOne",
        ["lambda:UpdateFunctionCode"],
        ["arn:aws:lambda:eu-west-1:123456789012:function:worker"],
    )

    # -- GR-IAM-07 --------------------------------------------------------------------------
    allow("SecretStar", ["secretsmanager:GetSecretValue"], ["*"])
    allow("ParamsAll", ["ssm:GetParameter*"], ["arn:aws:ssm:*:*:parameter/*"])
    allow("DecryptStar", ["kms:Decrypt", "kms:Encrypt"], ["*"])

    # -- GR-IAM-08 --------------------------------------------------------------------------
    s = stack("SharedRole")
    role = iam.Role(s, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    a, b = function(s, "A", role=role), function(s, "B", role=role)
    ids["SharedRole"] = logical_id(role)
    ids["SharedRole.functions"] = ",".join(sorted([logical_id(a), logical_id(b)]))

    s = stack("ImportedRole")
    role = iam.Role.from_role_arn(s, "Role", "arn:aws:iam::123456789012:role/shared")
    function(s, "A", role=role)
    function(s, "B", role=role)

    s = stack("OwnRoles")
    function(s, "A")
    function(s, "B")

    # -- GR-IAM-09 / GR-IAM-13 (trust) ------------------------------------------------------
    s = stack("ExtraTrust")
    fn = function(s)
    fn.role.assume_role_policy.add_statements(
        iam.PolicyStatement(
            actions=["sts:AssumeRole"],
            principals=[
                iam.AccountPrincipal("999999999999"),
                iam.ServicePrincipal("ec2.amazonaws.com"),
            ],
        )
    )
    ids["ExtraTrust"] = logical_id(fn.role)

    s = stack("OwnAccountTrust")
    fn = function(s)
    fn.role.assume_role_policy.add_statements(
        iam.PolicyStatement(actions=["sts:AssumeRole"], principals=[iam.AccountRootPrincipal()])
    )
    ids["OwnAccountTrust"] = logical_id(fn.role)

    s = stack("TrustedAccountTrust")
    fn = function(s)
    fn.role.assume_role_policy.add_statements(
        iam.PolicyStatement(actions=["sts:AssumeRole"], principals=[iam.AccountPrincipal(TRUSTED)])
    )

    s = stack("EdgeTrust")
    role = iam.Role(
        s,
        "Role",
        assumed_by=iam.CompositePrincipal(
            iam.ServicePrincipal("lambda.amazonaws.com"),
            iam.ServicePrincipal("edgelambda.amazonaws.com"),
        ),
    )
    function(s, role=role)

    s = stack("TrustParam")
    service = cdk.CfnParameter(s, "Service")
    role = iam.Role(s, "Role", assumed_by=iam.ServicePrincipal(service.value_as_string))
    function(s, role=role)

    # -- GR-IAM-10 --------------------------------------------------------------------------
    s = stack("WithBoundary")
    function(s)
    iam.PermissionsBoundary.of(s).apply(
        iam.ManagedPolicy.from_managed_policy_name(s, "Boundary", "OrgBoundary")
    )

    s = stack("WithBoundaryAgnostic", env=None)
    function(s)
    iam.PermissionsBoundary.of(s).apply(
        iam.ManagedPolicy.from_managed_policy_name(s, "Boundary", "OrgBoundary")
    )

    s = stack("OtherBoundary")
    fn = function(s)
    iam.PermissionsBoundary.of(s).apply(
        iam.ManagedPolicy.from_managed_policy_name(s, "Boundary", "DevBoundary")
    )
    ids["OtherBoundary"] = logical_id(fn.role)

    s = stack("BoundaryParam")
    arn = cdk.CfnParameter(s, "BoundaryArn")
    function(s)
    iam.PermissionsBoundary.of(s).apply(
        iam.ManagedPolicy.from_managed_policy_arn(s, "Boundary", arn.value_as_string)
    )

    # -- GR-IAM-12 / GR-IAM-13 (permissions) ------------------------------------------------
    s = stack("ServicePermission")
    fn = function(s)
    fn.add_permission("S3", principal=iam.ServicePrincipal("s3.amazonaws.com"))
    ids["ServicePermission"] = logical_id(fn.node.find_child("S3"))

    s = stack("CdkIntegrations")
    fn = function(s)
    bucket = s3.Bucket(s, "Bucket")
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn))
    sns.Topic(s, "Topic").add_subscription(subs.LambdaSubscription(fn))
    rule = events.Rule(s, "Rule", schedule=events.Schedule.rate(cdk.Duration.minutes(5)))
    rule.add_target(targets.LambdaFunction(fn))
    api = apigw.RestApi(s, "Api")
    api.root.add_method("GET", apigw.LambdaIntegration(fn))
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
    fn.add_permission(
        "WithAccount",
        principal=iam.ServicePrincipal("events.amazonaws.com"),
        source_account="123456789012",
    )

    s = stack("ServicePrincipalParam")
    principal = cdk.CfnParameter(s, "Principal")
    fn = function(s)
    fn.add_permission("FromParam", principal=iam.ServicePrincipal(principal.value_as_string))

    s = stack("AccountPermissions")
    fn = function(s)
    fn.add_permission("Foreign", principal=iam.AccountPrincipal("999999999999"))
    fn.add_permission(
        "ForeignRole", principal=iam.ArnPrincipal("arn:aws:iam::888888888888:role/caller")
    )
    fn.add_permission("Trusted", principal=iam.AccountPrincipal(TRUSTED))
    fn.add_permission("Own", principal=iam.AccountRootPrincipal())
    fn.add_permission(
        "ForeignSource",
        principal=iam.ServicePrincipal("sns.amazonaws.com"),
        source_arn="arn:aws:sns:eu-west-1:777777777777:partner-topic",
    )
    for name in ("Foreign", "ForeignRole", "Trusted", "Own", "ForeignSource"):
        ids[f"AccountPermissions.{name}"] = logical_id(fn.node.find_child(name))

    s = stack("AgnosticAccounts", env=None)
    fn = function(s)
    fn.add_permission("Own", principal=iam.AccountRootPrincipal())
    fn.add_permission("Literal", principal=iam.AccountPrincipal("999999999999"))
    fn.add_permission("Trusted", principal=iam.AccountPrincipal(TRUSTED))
    fn.role.assume_role_policy.add_statements(
        iam.PolicyStatement(actions=["sts:AssumeRole"], principals=[iam.AccountRootPrincipal()]),
        iam.PolicyStatement(
            actions=["sts:AssumeRole"],
            principals=[iam.AccountPrincipal("999999999999"), iam.AccountPrincipal(TRUSTED)],
        ),
    )
    ids["AgnosticAccounts.Literal"] = logical_id(fn.node.find_child("Literal"))
    ids["AgnosticAccounts.Role"] = logical_id(fn.role)

    # -- GR-IAM-14 --------------------------------------------------------------------------
    s = stack("ScopedLogs")
    role = iam.Role(s, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group = logs.LogGroup(s, "Logs", retention=logs.RetentionDays.THREE_MONTHS)
    function(s, role=role, log_group=log_group)
    log_group.grant_write(role)


@pytest.fixture(scope="module")
def app(module_tmp: Path):
    ids: dict[str, str] = {}
    assembly = synth(lambda a: build(a, ids), module_tmp / "cdk.out")
    selected = [rules.get(r) for r in RULES]
    default = engine.scan(assembly, today=TODAY, rules=selected)
    strict = engine.scan(assembly, STRICT, today=TODAY, rules=selected)
    assert not default.errors, default.errors
    assert not strict.errors, strict.errors
    return {"default": default.findings, "strict": strict.findings, "ids": ids}


def found(app, rule_id: str, stack: str, policy: str = "default") -> list[engine.Finding]:
    return [f for f in app[policy] if f.rule_id == rule_id and f.stack == stack]


def one(app, rule_id: str, stack: str, policy: str = "default") -> engine.Finding:
    got = found(app, rule_id, stack, policy)
    assert len(got) == 1, [(f.logical_id, f.location, f.message) for f in got]
    return got[0]


# -- GR-IAM-02 ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "name"),
    [
        ("S3Full", "AmazonS3FullAccess"),
        ("LambdaFull", "AWSLambda_FullAccess"),
        ("CloudWatchFullV2", "CloudWatchFullAccessV2"),
    ],
)
def test_iam02_flags_full_access_managed_policies(app, stack, name):
    f = one(app, "GR-IAM-02", stack)
    assert f.severity == "high"
    assert f.logical_id == app["ids"][stack]
    assert f.location == "Properties/ManagedPolicyArns/1"  # 0 is AWSLambdaBasicExecutionRole
    assert name in f.message
    assert "AWSLambdaBasicExecutionRole" not in f.message


@pytest.mark.parametrize("stack", ["IamFull", "ReadOnly", "CdkGrants", "PolicyArnParam"])
def test_iam02_silent_cases(app, stack):
    # IAMFullAccess is GR-IAM-01's; read-only; CDK's default role; a token ARN
    assert found(app, "GR-IAM-02", stack) == []


# -- GR-IAM-05 ------------------------------------------------------------------------------
def test_iam05_flags_scopable_actions_on_star(app):
    f = one(app, "GR-IAM-05", "StarResource")
    assert f.severity == "medium"
    assert f.logical_id == app["ids"]["StarResource"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Resource"
    assert "s3:GetObject" in f.message and "dynamodb:Query" in f.message
    assert 'every resource ("*")' in f.message


def test_iam05_flags_arns_that_match_every_resource_of_the_service(app):
    f = one(app, "GR-IAM-05", "ServiceWideArns")
    assert f.location == "Properties/PolicyDocument/Statement/0/Resource"
    assert "s3:GetObject" in f.message and "dynamodb:GetItem" in f.message
    assert "arn:aws:s3:::*" in f.message and "arn:aws:dynamodb:*:*:table/*" in f.message


def test_iam05_expands_wildcard_actions_and_caps_the_list(app):
    f = one(app, "GR-IAM-05", "GetStar")
    assert "(via s3:Get*)" in f.message
    assert " more" in f.message
    assert "s3:GetAccessGrant" in f.message  # sorted: the first few are named


def test_iam05_reports_the_wildcard_resource_of_a_service_wide_action_too(app):
    # GR-IAM-04 reports the action, GR-IAM-05 the resource: two fixes, two locations
    f05 = one(app, "GR-IAM-05", "ServiceWildcardOnStar")
    f04 = one(app, "GR-IAM-04", "ServiceWildcardOnStar")
    assert f05.location.endswith("/Resource") and f04.location.endswith("/Action")
    assert "(via s3:*)" in f05.message


def test_iam05_flags_not_resource(app):
    f = one(app, "GR-IAM-05", "NotResource")
    assert f.location == "Properties/PolicyDocument/Statement/0/NotResource"
    assert "every resource except arn:aws:s3:::secret/*" in f.message


def test_iam05_reports_unknown_actions_at_info(app):
    f = one(app, "GR-IAM-05", "Typo")
    assert f.severity == "info"
    assert f.location == "Properties/PolicyDocument/Statement/0/Action"
    assert "s3:GetObjetc is not in the IAM action catalog" in f.message
    assert "check the spelling" in f.message
    assert "sqs:SendMessage" not in f.message


def test_iam05_vpc_function_may_manage_network_interfaces_on_star(app):
    assert found(app, "GR-IAM-05", "EniInVpc") == []
    f = one(app, "GR-IAM-05", "EniOutsideVpc")
    assert "ec2:CreateNetworkInterface" in f.message
    assert "ec2:DescribeNetworkInterfaces" not in f.message  # accepts only "*"


@pytest.mark.parametrize(
    "stack",
    [
        "StarOnlyActions",  # xray:PutTraceSegments, ec2:DescribeNetworkInterfaces
        "StarAction",  # GR-IAM-03's
        "PrefixScoped",  # parameter/app/*, reports/*
        "CdkGrants",  # grants, tracing, grant_pass_role, grant_invoke
        "ResourceParam",  # a template parameter as (part of) the resource
        "PassRoleStar",  # GR-IAM-06's
        "SecretStar",  # GR-IAM-07's
        "ScopedLogs",
    ],
)
def test_iam05_silent_cases(app, stack):
    assert found(app, "GR-IAM-05", stack) == []


def test_iam05_reports_what_iam06_and_iam07_leave(app):
    f = one(app, "GR-IAM-05", "IamPutStar")
    assert "s3:GetObject" in f.message
    assert "iam:PutRolePolicy" not in f.message  # GR-IAM-06's
    f = one(app, "GR-IAM-05", "DecryptStar")
    assert "kms:Encrypt" in f.message and "kms:Decrypt" not in f.message


# -- GR-IAM-06 ------------------------------------------------------------------------------
def test_iam06_flags_pass_role_on_star(app):
    f = one(app, "GR-IAM-06", "PassRoleStar")
    assert f.severity == "critical"
    assert f.logical_id == app["ids"]["PassRoleStar"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Resource"
    assert f.message.startswith('Allows iam:PassRole on every resource ("*"): it passes any role')


def test_iam06_expands_wildcard_actions(app):
    f = one(app, "GR-IAM-06", "IamPutStar")
    assert "iam:PutUserPolicy, iam:PutGroupPolicy, iam:PutRolePolicy (via iam:Put*)" in f.message
    assert "s3:GetObject" not in f.message


@pytest.mark.parametrize(
    ("stack", "resource"),
    [
        ("PassRoleAllRoles", "arn:aws:iam::123456789012:role/*"),
        ("AssumeAnyRole", "arn:aws:iam::*:role/*"),
    ],
)
def test_iam06_flags_arns_that_match_every_role(app, stack, resource):
    f = one(app, "GR-IAM-06", stack)
    assert resource in f.message


def test_iam06_service_wide_iam_is_reported_with_iam04(app):
    f = one(app, "GR-IAM-06", "IamStar")
    assert "iam:PassRole" in f.message and "(via iam:*)" in f.message
    assert one(app, "GR-IAM-04", "IamStar").location.endswith("/Action")


@pytest.mark.parametrize(
    "stack", ["PassRolePrefix", "UpdateCodeOne", "CdkGrants", "StarAction", "ResourceParam"]
)
def test_iam06_silent_cases(app, stack):
    # a name prefix, one function, CDK's grant_pass_role, "*" (GR-IAM-03's), a token
    assert found(app, "GR-IAM-06", stack) == []


# -- GR-IAM-07 ------------------------------------------------------------------------------
def test_iam07_flags_secret_reads_on_star(app):
    f = one(app, "GR-IAM-07", "SecretStar")
    assert f.severity == "high"
    assert f.location == "Properties/PolicyDocument/Statement/0/Resource"
    assert "secretsmanager:GetSecretValue" in f.message


def test_iam07_flags_every_parameter(app):
    f = one(app, "GR-IAM-07", "ParamsAll")
    assert "ssm:GetParameter, ssm:GetParameters, ssm:GetParametersByPath" in f.message
    assert "(via ssm:GetParameter*)" in f.message
    assert "arn:aws:ssm:*:*:parameter/*" in f.message


def test_iam07_flags_decrypt_only(app):
    f = one(app, "GR-IAM-07", "DecryptStar")
    assert "kms:Decrypt" in f.message and "kms:Encrypt" not in f.message


@pytest.mark.parametrize("stack", ["CdkGrants", "PrefixScoped", "ResourceParam", "StarAction"])
def test_iam07_silent_cases(app, stack):
    assert found(app, "GR-IAM-07", stack) == []


# -- GR-IAM-08 ------------------------------------------------------------------------------
def test_iam08_one_finding_on_the_shared_role(app):
    f = one(app, "GR-IAM-08", "SharedRole")
    assert f.severity == "medium"
    assert f.logical_id == app["ids"]["SharedRole"]
    assert f.location == "Properties"
    assert ",".join(f.functions) == app["ids"]["SharedRole.functions"]
    for fn_id in f.functions:
        assert fn_id in f.message


@pytest.mark.parametrize("stack", ["OwnRoles", "ImportedRole", "CdkIntegrations"])
def test_iam08_silent_cases(app, stack):
    assert found(app, "GR-IAM-08", stack) == []


# -- GR-IAM-09 ------------------------------------------------------------------------------
def test_iam09_flags_other_principals_in_the_trust_policy(app):
    f = one(app, "GR-IAM-09", "ExtraTrust")
    assert f.severity == "medium"
    assert f.logical_id == app["ids"]["ExtraTrust"]
    assert f.location == "Properties/AssumeRolePolicyDocument/Statement/1/Principal"
    assert "AWS arn:aws:iam::999999999999:root" in f.message
    assert "service ec2.amazonaws.com" in f.message
    assert "lambda.amazonaws.com" not in f.message


def test_iam09_flags_the_own_account_too(app):
    f = one(app, "GR-IAM-09", "OwnAccountTrust")
    assert "arn:aws:iam::123456789012:root" in f.message


@pytest.mark.parametrize("stack", ["EdgeTrust", "TrustParam", "CdkGrants", "SharedRole"])
def test_iam09_silent_cases(app, stack):
    assert found(app, "GR-IAM-09", stack) == []


# -- GR-IAM-10 ------------------------------------------------------------------------------
def test_iam10_is_off_without_a_boundary_in_the_policy(app):
    assert [f for f in app["default"] if f.rule_id == "GR-IAM-10"] == []


def test_iam10_flags_roles_without_the_boundary(app):
    f = one(app, "GR-IAM-10", "StarResource", "strict")
    assert f.severity == "high"
    assert f.location == "Properties/PermissionsBoundary"
    assert "has no permissions boundary" in f.message and BOUNDARY in f.message


def test_iam10_flags_another_boundary(app):
    f = one(app, "GR-IAM-10", "OtherBoundary", "strict")
    assert f.logical_id == app["ids"]["OtherBoundary"]
    assert "arn:aws:iam::123456789012:policy/DevBoundary" in f.message


@pytest.mark.parametrize("stack", ["WithBoundary", "WithBoundaryAgnostic", "BoundaryParam"])
def test_iam10_silent_cases(app, stack):
    # the same name through CDK's Fn::Join (known and unknown account); a parameter
    assert found(app, "GR-IAM-10", stack, "strict") == []


def test_iam10_shared_role_is_one_finding(app):
    f = one(app, "GR-IAM-10", "SharedRole", "strict")
    assert ",".join(f.functions) == app["ids"]["SharedRole.functions"]


# -- GR-IAM-12 ------------------------------------------------------------------------------
def test_iam12_flags_service_permission_without_source(app):
    f = one(app, "GR-IAM-12", "ServicePermission")
    assert f.severity == "medium"
    assert f.logical_id == app["ids"]["ServicePermission"]
    assert f.location == "Properties/Principal"
    assert "s3.amazonaws.com" in f.message and "SourceAccount" in f.message


@pytest.mark.parametrize(
    "stack", ["CdkIntegrations", "ServicePrincipalParam", "AccountPermissions", "StarResource"]
)
def test_iam12_silent_cases(app, stack):
    # S3 notifications (CDK adds SourceAccount), SNS, EventBridge, API Gateway, function URL,
    # explicit source_account; a token principal; account principals; no permission at all
    assert found(app, "GR-IAM-12", stack) == []


# -- GR-IAM-13 ------------------------------------------------------------------------------
def test_iam13_flags_foreign_accounts_in_permissions(app):
    got = {f.logical_id: f for f in found(app, "GR-IAM-13", "AccountPermissions", "strict")}
    ids = app["ids"]
    assert set(got) == {
        ids["AccountPermissions.Foreign"],
        ids["AccountPermissions.ForeignRole"],
        ids["AccountPermissions.ForeignSource"],
    }
    foreign = got[ids["AccountPermissions.Foreign"]]
    assert foreign.severity == "high"
    assert foreign.location == "Properties/Principal"
    assert "account 999999999999" in foreign.message
    assert "123456789012" in foreign.message  # the stack's account, named
    assert "888888888888" in got[ids["AccountPermissions.ForeignRole"]].message
    source = got[ids["AccountPermissions.ForeignSource"]]
    assert source.location == "Properties/SourceArn"
    assert "777777777777" in source.message


def test_iam13_flags_foreign_accounts_in_the_trust_policy(app):
    f = one(app, "GR-IAM-13", "ExtraTrust", "strict")
    assert f.location == "Properties/AssumeRolePolicyDocument/Statement/1/Principal"
    assert "999999999999" in f.message


def test_iam13_literal_account_in_an_env_agnostic_stack_is_undecided(app):
    # the stack's own account is unknown: 999999999999 may be it, and no list says otherwise
    assert found(app, "GR-IAM-13", "AgnosticAccounts") == []


def test_iam13_env_agnostic_stack_with_trusted_accounts(app):
    # with trusted_accounts, an account outside them is foreign wherever the stack deploys
    got = {f.logical_id: f for f in found(app, "GR-IAM-13", "AgnosticAccounts", "strict")}
    ids = app["ids"]
    assert set(got) == {ids["AgnosticAccounts.Literal"], ids["AgnosticAccounts.Role"]}
    permission = got[ids["AgnosticAccounts.Literal"]]
    assert permission.location == "Properties/Principal"
    trust = got[ids["AgnosticAccounts.Role"]]
    assert trust.location == "Properties/AssumeRolePolicyDocument/Statement/2/Principal"
    for f in (permission, trust):
        assert "999999999999" in f.message and TRUSTED not in f.message
        assert "not in the policy's trusted_accounts" in f.message
        assert "environment-agnostic" in f.message
        assert "not the stack's account" not in f.message


@pytest.mark.parametrize(
    "stack", ["OwnAccountTrust", "TrustedAccountTrust", "CdkIntegrations", "ServicePrincipalParam"]
)
def test_iam13_silent_cases(app, stack):
    assert found(app, "GR-IAM-13", stack, "strict") == []


def test_iam13_trusted_accounts_come_from_the_policy(app):
    # without trusted_accounts in the policy, the trusted account is foreign too
    assert found(app, "GR-IAM-13", "TrustedAccountTrust") != []


# -- GR-IAM-14 ------------------------------------------------------------------------------
def test_iam14_flags_cdk_default_log_policy(app):
    f = one(app, "GR-IAM-14", "StarResource")
    assert f.severity == "low"
    assert f.location == "Properties/ManagedPolicyArns/0"
    assert "AWSLambdaBasicExecutionRole" in f.message
    assert "every log group of the account" in f.message


def test_iam14_flags_both_policies_of_a_vpc_function(app):
    got = found(app, "GR-IAM-14", "EniInVpc")
    assert {f.logical_id for f in got} == {app["ids"]["EniInVpc"]}
    assert sorted(f.location for f in got) == [
        "Properties/ManagedPolicyArns/0",
        "Properties/ManagedPolicyArns/1",
    ]
    assert any("AWSLambdaVPCAccessExecutionRole" in f.message for f in got)


def test_iam14_silent_with_a_scoped_log_statement(app):
    assert found(app, "GR-IAM-14", "ScopedLogs") == []


def test_iam14_framework_functions_are_reported_at_info(app):
    # the S3 notifications handler CDK adds to CdkIntegrations
    framework = [f for f in found(app, "GR-IAM-14", "CdkIntegrations") if f.owner == "framework"]
    assert framework and {f.severity for f in framework} == {"info"}
