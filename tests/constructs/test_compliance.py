"""LambdaComplianceRules on one synthesized app (one stack per configuration)."""

from __future__ import annotations

import datetime as dt

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from guardrails import engine
from guardrails.constructs.compliance import (
    RULES,
    LambdaComplianceRules,
    supported_runtimes,
)
from guardrails.model import runtimes
from tests.conftest import ENV, TODAY, function, logical_id, synth

APPROVED_VPC = {
    "subnet_ids": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "security_group_ids": ["sg-0a1b2c3d4e5f60003"],
}
IDENTIFIERS = {
    "lambda-function-public-access-prohibited": "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
    "lambda-inside-vpc": "LAMBDA_INSIDE_VPC",
    "lambda-function-settings-check": "LAMBDA_FUNCTION_SETTINGS_CHECK",
    "lambda-concurrency-check": "LAMBDA_CONCURRENCY_CHECK",
    "lambda-dlq-check": "LAMBDA_DLQ_CHECK",
    "lambda-vpc-multi-az-check": "LAMBDA_VPC_MULTI_AZ_CHECK",
    "lambda-function-xray-enabled": "LAMBDA_FUNCTION_XRAY_ENABLED",
}
FUNCTIONS_SCOPE = {"ComplianceResourceTypes": ["AWS::Lambda::Function"]}
XRAY_RUNBOOK = "AWSConfigRemediation-ConfigureLambdaFunctionXRayTracing"
VPC_RUNBOOK = "AWSConfigRemediation-MoveLambdaToVPC"

CONSTRUCTS: dict[str, LambdaComplianceRules] = {}
FUNCTIONS: dict[str, cdk.aws_lambda.Function] = {}


def build(app: cdk.App) -> None:
    def stack(name: str) -> cdk.Stack:
        return cdk.Stack(app, name, env=ENV)

    CONSTRUCTS["Defaults"] = LambdaComplianceRules(stack("Defaults"), "Compliance", today=TODAY)
    CONSTRUCTS["Strict"] = LambdaComplianceRules(
        stack("Strict"),
        "Compliance",
        policy={"vpc_required": "all", "approved_vpc": APPROVED_VPC},
        remediation=True,
        automatic=False,
        maximum_automatic_attempts=3,
        retry_attempt_seconds=600,
        concurrency_limit_low=1,
        concurrency_limit_high=100,
        dead_letter_queue_arns=[
            "arn:aws:sqs:eu-west-1:123456789012:dlq-a",
            "arn:aws:sns:eu-west-1:123456789012:dlq-b",
        ],
        availability_zones=3,
        today=TODAY,
    )
    CONSTRUCTS["XrayOnly"] = LambdaComplianceRules(
        stack("XrayOnly"), "Compliance", remediation=["lambda-function-xray-enabled"], today=TODAY
    )
    # remediation=True without an approved VPC: only the X-Ray runbook can run
    CONSTRUCTS["RemediateAll"] = LambdaComplianceRules(
        stack("RemediateAll"), "Compliance", remediation=True, today=TODAY
    )
    CONSTRUCTS["Relaxed"] = LambdaComplianceRules(
        stack("Relaxed"),
        "Compliance",
        policy={"vpc_required": "none", "rules": {"GR-OBS-06": {"enabled": False}}},
        today=TODAY,
    )
    CONSTRUCTS["TagValue"] = LambdaComplianceRules(
        stack("TagValue"),
        "Compliance",
        policy={"sensitive_tag": "data-class=confidential"},
        rules=["lambda-inside-vpc"],
        today=TODAY,
    )
    # the construct beside an ordinary function: the scan sees only the function
    beside = stack("BesideFunction")
    FUNCTIONS["BesideFunction"] = function(beside, tracing=cdk.aws_lambda.Tracing.ACTIVE)
    CONSTRUCTS["BesideFunction"] = LambdaComplianceRules(
        beside, "Compliance", remediation=True, today=TODAY
    )


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


@pytest.fixture(scope="module")
def templates(assembly):
    return {name: Template.from_stack(cdk.Stack.of(c)) for name, c in CONSTRUCTS.items()}


def _rule(template: Template, identifier: str) -> dict:
    found = template.find_resources(
        "AWS::Config::ConfigRule", {"Properties": {"Source": {"SourceIdentifier": identifier}}}
    )
    assert len(found) == 1, (identifier, found)
    props = next(iter(found.values()))["Properties"]
    assert props["Source"]["Owner"] == "AWS"
    return props


# -- rules -------------------------------------------------------------------------------------
def test_every_rule_is_deployed_with_its_identifier_and_function_scope(templates):
    t = templates["Strict"]
    t.resource_count_is("AWS::Config::ConfigRule", 7)
    for key, identifier in IDENTIFIERS.items():
        assert RULES[key].identifier == identifier
        assert _rule(t, identifier)["Scope"] == FUNCTIONS_SCOPE
    assert sorted(CONSTRUCTS["Strict"].rules) == sorted(IDENTIFIERS)


def test_settings_check_lists_the_runtimes_not_deprecated_today(templates):
    props = _rule(templates["Defaults"], "LAMBDA_FUNCTION_SETTINGS_CHECK")
    listed = props["InputParameters"]["runtime"].split(",")
    assert "python3.13" in listed and "nodejs22.x" in listed
    assert "python3.8" not in listed and "nodejs20.x" not in listed and "dotnet8" not in listed
    assert " " not in props["InputParameters"]["runtime"]
    for runtime_id in listed:
        life = runtimes.lifecycle(runtime_id)
        assert life is not None and (life.deprecation is None or life.deprecation > TODAY)
    assert listed == supported_runtimes(TODAY)


def test_runtime_list_follows_the_day():
    before = supported_runtimes(dt.date(2026, 4, 1))
    assert "nodejs20.x" in before  # deprecated 2026-04-30
    assert "nodejs20.x" not in supported_runtimes(TODAY)
    assert "python3.12" not in supported_runtimes(dt.date(2030, 1, 1))


def test_parameters_come_from_the_policy_and_options(templates):
    t = templates["Strict"]
    assert _rule(t, "LAMBDA_INSIDE_VPC")["InputParameters"] == {
        "subnetIds": "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002"
    }
    assert _rule(t, "LAMBDA_CONCURRENCY_CHECK")["InputParameters"] == {
        "ConcurrencyLimitLow": "1",
        "ConcurrencyLimitHigh": "100",
    }
    assert _rule(t, "LAMBDA_DLQ_CHECK")["InputParameters"] == {
        "dlqArns": "arn:aws:sqs:eu-west-1:123456789012:dlq-a,"
        "arn:aws:sns:eu-west-1:123456789012:dlq-b"
    }
    assert _rule(t, "LAMBDA_VPC_MULTI_AZ_CHECK")["InputParameters"] == {"availabilityZones": "3"}
    for identifier in ("LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", "LAMBDA_FUNCTION_XRAY_ENABLED"):
        assert "InputParameters" not in _rule(t, identifier)


def test_defaults_without_optional_parameters(templates):
    t = templates["Defaults"]
    t.resource_count_is("AWS::Config::ConfigRule", 7)
    for identifier in ("LAMBDA_CONCURRENCY_CHECK", "LAMBDA_DLQ_CHECK", "LAMBDA_INSIDE_VPC"):
        assert "InputParameters" not in _rule(t, identifier)
    assert _rule(t, "LAMBDA_VPC_MULTI_AZ_CHECK")["InputParameters"] == {"availabilityZones": "2"}


def test_inside_vpc_follows_vpc_required(templates):
    # default policy: vpc_required "sensitive" -> the functions carrying the sensitive tag
    assert _rule(templates["Defaults"], "LAMBDA_INSIDE_VPC")["Scope"] == {
        "TagKey": "guardrails:sensitive"
    }
    assert _rule(templates["TagValue"], "LAMBDA_INSIDE_VPC")["Scope"] == {
        "TagKey": "data-class",
        "TagValue": "confidential",
    }
    assert _rule(templates["Strict"], "LAMBDA_INSIDE_VPC")["Scope"] == FUNCTIONS_SCOPE


def test_rules_the_policy_turns_off_are_not_deployed(templates):
    t = templates["Relaxed"]
    t.resource_count_is("AWS::Config::ConfigRule", 5)
    for identifier in ("LAMBDA_INSIDE_VPC", "LAMBDA_DLQ_CHECK"):
        assert not t.find_resources(
            "AWS::Config::ConfigRule",
            {"Properties": {"Source": {"SourceIdentifier": identifier}}},
        )
    assert "lambda-dlq-check" not in CONSTRUCTS["Relaxed"].rules
    templates["TagValue"].resource_count_is("AWS::Config::ConfigRule", 1)


# -- remediation -------------------------------------------------------------------------------
def test_no_remediation_unless_asked(templates):
    for name in ("Defaults", "Relaxed", "TagValue"):
        templates[name].resource_count_is("AWS::Config::RemediationConfiguration", 0)
        templates[name].resource_count_is("AWS::IAM::Role", 0)


def test_remediation_only_for_rules_with_a_runbook(templates):
    t = templates["Strict"]
    remediations = t.find_resources("AWS::Config::RemediationConfiguration")
    assert sorted(r["Properties"]["TargetId"] for r in remediations.values()) == [
        XRAY_RUNBOOK,
        VPC_RUNBOOK,
    ]
    assert sorted(CONSTRUCTS["Strict"].remediations) == [
        "lambda-function-xray-enabled",
        "lambda-inside-vpc",
    ]
    # without an approved VPC, remediation=True leaves MoveLambdaToVPC out
    only = templates["RemediateAll"].find_resources("AWS::Config::RemediationConfiguration")
    assert [r["Properties"]["TargetId"] for r in only.values()] == [XRAY_RUNBOOK]


def test_remediation_configuration(templates):
    t = templates["Strict"]
    c = CONSTRUCTS["Strict"]
    stack = cdk.Stack.of(c)
    role_id = stack.resolve(
        stack.get_logical_id(c.remediation_roles["lambda-inside-vpc"].node.default_child)
    )
    rule_id = stack.resolve(stack.get_logical_id(c.rules["lambda-inside-vpc"].node.default_child))
    t.has_resource_properties(
        "AWS::Config::RemediationConfiguration",
        {
            "ConfigRuleName": {"Ref": rule_id},
            "TargetType": "SSM_DOCUMENT",
            "TargetId": VPC_RUNBOOK,
            "ResourceType": "AWS::Lambda::Function",
            "Automatic": False,
            "MaximumAutomaticAttempts": 3,
            "RetryAttemptSeconds": 600,
            "Parameters": {
                "AutomationAssumeRole": {
                    "StaticValue": {"Values": [{"Fn::GetAtt": [role_id, "Arn"]}]}
                },
                "FunctionName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                "SubnetIds": {"StaticValue": {"Values": APPROVED_VPC["subnet_ids"]}},
                "SecurityGroupIds": {"StaticValue": {"Values": APPROVED_VPC["security_group_ids"]}},
            },
        },
    )
    templates["XrayOnly"].has_resource_properties(
        "AWS::Config::RemediationConfiguration",
        {
            "TargetId": XRAY_RUNBOOK,
            "Automatic": True,
            "MaximumAutomaticAttempts": 5,
            "RetryAttemptSeconds": 60,
            "Parameters": {
                "AutomationAssumeRole": Match.any_value(),
                "FunctionName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
            },
        },
    )


def _function_arns() -> dict:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":lambda:eu-west-1:123456789012:function:*"],
        ]
    }


def _ssm_arn(resource: str) -> dict:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, f":ssm:eu-west-1:123456789012:{resource}"],
        ]
    }


def test_assume_role_is_scoped_to_its_runbook(templates):
    roles = templates["XrayOnly"].find_resources("AWS::IAM::Role")
    assert len(roles) == 1
    role = next(iter(roles.values()))["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ssm.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]
    assert "ManagedPolicyArns" not in role
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "UpdateFunctions",
            "Effect": "Allow",
            "Action": ["lambda:UpdateFunctionConfiguration", "lambda:GetFunctionConfiguration"],
            "Resource": _function_arns(),
        },
        {
            "Sid": "RunThisRunbook",
            "Effect": "Allow",
            "Action": "ssm:StartAutomationExecution",
            "Resource": _ssm_arn(f"automation-definition/{XRAY_RUNBOOK}:*"),
        },
        {
            "Sid": "ReadExecutions",
            "Effect": "Allow",
            "Action": "ssm:GetAutomationExecution",
            "Resource": _ssm_arn("automation-execution/*"),
        },
    ]


def test_move_to_vpc_role_can_validate_the_network(templates):
    c = CONSTRUCTS["Strict"]
    stack = cdk.Stack.of(c)
    role_id = stack.resolve(
        stack.get_logical_id(c.remediation_roles["lambda-inside-vpc"].node.default_child)
    )
    role = templates["Strict"].find_resources("AWS::IAM::Role")[role_id]["Properties"]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["UpdateFunctions"]["Action"] == [
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionConfiguration",
    ]
    assert statements["UpdateFunctions"]["Resource"] == _function_arns()
    assert statements["ValidateNetwork"] == {
        "Sid": "ValidateNetwork",
        "Effect": "Allow",
        "Action": ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"],
        "Resource": "*",
    }
    assert not any("iam:PassRole" in str(s["Action"]) for s in statements.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"remediation": ["lambda-dlq-check"]}, "no runbook for 'lambda-dlq-check'"),
        ({"remediation": ["lambda-inside-vpc"]}, "set approved_vpc"),
        ({"rules": ["lambda-xray"]}, "unknown ['lambda-xray']"),
        (
            {"rules": ["lambda-dlq-check"], "remediation": ["lambda-function-xray-enabled"]},
            "not among the deployed rules",
        ),
    ],
)
def test_impossible_requests_are_refused(kwargs, message):
    stack = cdk.Stack(cdk.App(), "Refused", env=ENV)
    with pytest.raises(ValueError, match=r"^(remediation|rules): ") as exc:
        LambdaComplianceRules(stack, "Compliance", today=TODAY, **kwargs)
    assert message in str(exc.value)


# -- the engine --------------------------------------------------------------------------------
def test_scanning_the_assembly_reports_no_error(assembly):
    report = engine.scan(assembly, today=TODAY)
    assert not report.errors
    # Config rules, remediation configurations and their roles are no Lambda function: every
    # finding is about the one ordinary function, none about the construct's resources
    fn = logical_id(FUNCTIONS["BesideFunction"])
    assert report.findings
    assert {(f.stack, f.functions) for f in report.findings} == {("BesideFunction", (fn,))}
    construct_ids = {
        cdk.Stack.of(c).resolve(cdk.Stack.of(c).get_logical_id(child))
        for c in CONSTRUCTS.values()
        for child in c.node.find_all()
        if isinstance(child, cdk.CfnElement)
    }
    assert not {f.logical_id for f in report.findings} & construct_ids
