"""No rule message echoes a value pasted into a template field: a message quotes a template value
only in the shape its property allows (``guardrails.rules.quoting``), and describes anything
else. Each case plants a password-like value and an AWS-key-shaped fake into one field of a plain
CloudFormation template, and checks that the rule still fires where it fired with a normal value,
that neither planted value is in any finding's message, and that the normal value is quoted."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guardrails import engine
from guardrails.model import load
from guardrails.model.values import Text, Token
from guardrails.policy import Policy
from guardrails.rules import quoting
from guardrails.rules.quoting import (
    FUNCTION_NAME,
    LOG_GROUP_NAME,
    quote_account,
    quote_action,
    quote_arn,
    quote_az_id,
    quote_az_name,
    quote_cidr,
    quote_enum,
    quote_name,
    quote_port,
    quote_principal,
    quote_resource_id,
    quote_runtime,
    quote_service_principal,
    quote_token,
    safe_name,
)
from tests.conftest import TODAY

PLANTED = "hunter2-Planted-Secret-9"
#: an AWS access key id shape (``AKIA`` + 16 upper-case letters and digits), built from pieces
#: so that no file of the repository looks like a key
FAKE_KEY = "AKIA" + "".join(["Q7ZX", "M9K3", "W4P2", "R6L8"])
SECRETS = (PLANTED, FAKE_KEY)
HEX64 = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"


def test_the_fake_key_has_the_shape_of_an_access_key_id():
    assert len(FAKE_KEY) == 20 and FAKE_KEY.isalnum() and FAKE_KEY.isupper()
    assert quoting.passes_credential_screen(FAKE_KEY) is False
    assert quoting.passes_credential_screen(PLANTED) is False


# -- a plain template, scanned -----------------------------------------------------------------
def function(**properties: Any) -> dict[str, Any]:
    props = {
        "Runtime": "python3.13",
        "Handler": "index.handler",
        "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
        "Role": "arn:aws:iam::123456789012:role/imported",
    }
    props.update(properties)
    return {"Type": "AWS::Lambda::Function", "Properties": props}


def role_function(role: dict[str, Any], **properties: Any) -> dict[str, Any]:
    """A function with the execution role ``role`` of the template."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    props = {"AssumeRolePolicyDocument": {"Statement": [statement]}, **role}
    return {
        "Fn": function(Role={"Fn::GetAtt": ["Role", "Arn"]}, **properties),
        "Role": {"Type": "AWS::IAM::Role", "Properties": props},
    }


def inline_policy(**statement: Any) -> dict[str, Any]:
    entry = {"Effect": "Allow", **statement}
    return {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [entry]}}]}


def scan(tmp_path: Path, doc: dict[str, Any], policy: Policy | None = None) -> engine.Report:
    path = tmp_path / f"template{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = engine.scan(load(path), policy, today=TODAY)
    assert not report.errors, report.errors
    return report


@dataclasses.dataclass(frozen=True)
class Case:
    rule: str
    #: the template's resources with ``value`` in the field under test
    resources: Callable[[str], dict[str, Any]]
    #: a value of the shape the field allows, and what the message says with it
    normal: str
    quoted: str
    transform: bool = False
    policy: Policy | None = None


def _subnet(**properties: Any) -> dict[str, Any]:
    return {
        "Fn": function(VpcConfig={"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": []}),
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"CidrBlock": "10.0.0.0/24", **properties},
        },
    }


def _log_group(**properties: Any) -> dict[str, Any]:
    return {
        "Fn": function(LoggingConfig={"LogGroup": {"Ref": "Logs"}}),
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": properties},
    }


def _alarm(metric: str) -> dict[str, Any]:
    dimension = {"Name": "FunctionName", "Value": {"Ref": "Fn"}}
    props = {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": [dimension]}
    return {"Fn": function(), "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": props}}


def _trust(principal: dict[str, Any]) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return {
        "Fn": function(Role={"Fn::GetAtt": ["Role", "Arn"]}),
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Statement": [statement]}},
        },
    }


def _permission(principal: str, action: str = "lambda:InvokeFunction") -> dict[str, Any]:
    props = {"FunctionName": {"Ref": "Fn"}, "Principal": principal, "Action": action}
    return {"Fn": function(), "Perm": {"Type": "AWS::Lambda::Permission", "Properties": props}}


_INVOKE = {
    "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}"
    "/invocations"
}


def _rest_api(path_part: str = "orders", method: str = "GET", stage: str = "prod") -> dict:
    return {
        "Fn": function(),
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "Orders": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": path_part,
            },
        },
        "Method": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Ref": "Orders"},
                "HttpMethod": method,
                "AuthorizationType": "NONE",
                "Integration": {"Type": "AWS_PROXY", "Uri": _INVOKE},
            },
        },
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": stage},
        },
    }


def _http_route(route_key: str) -> dict[str, Any]:
    return {
        "Fn": function(),
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Integration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]},
            },
        },
        "Route": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": route_key,
                "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]},
            },
        },
    }


def _security_group(description: str) -> dict[str, Any]:
    egress = {"CidrIp": "0.0.0.0/0", "IpProtocol": "-1", "Description": description}
    return {
        "Fn": function(VpcConfig={"SubnetIds": [], "SecurityGroupIds": [{"Ref": "Sg"}]}),
        "Sg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "fn", "SecurityGroupEgress": [egress]},
        },
    }


def _sam_function(tracing: str) -> dict[str, Any]:
    props = {
        "Runtime": "python3.13",
        "Handler": "index.handler",
        "InlineCode": "def handler(event, context):\n    return None\n",
        "Tracing": tracing,
    }
    return {"Fn": {"Type": "AWS::Serverless::Function", "Properties": props}}


def _image(tag: str) -> dict[str, Any]:
    uri = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:{tag}"
    return {"Fn": function(PackageType="Image", Code={"ImageUri": uri})}


_BOUNDARY = Policy(permissions_boundary="arn:aws:iam::123456789012:policy/Boundary")
_TAG = "guardrails:sensitive"

CASES: dict[str, Case] = {
    # -- GR-NET --
    "NET-02 AvailabilityZoneId": Case(
        "GR-NET-02", lambda v: _subnet(AvailabilityZoneId=v), "use1-az1", "in zone id use1-az1"
    ),
    "NET-02 AvailabilityZone": Case(
        "GR-NET-02", lambda v: _subnet(AvailabilityZone=v), "eu-west-1a", "is in eu-west-1a,"
    ),
    "NET-01 sensitive tag value": Case(
        "GR-NET-01",
        lambda v: {"Fn": function(Tags=[{"Key": _TAG, "Value": v}])},
        "true",
        f"tagged {_TAG}=true",
    ),
    "NET-04 egress Description": Case(
        "GR-NET-04",
        _security_group,
        "Allow all outbound traffic by default",
        "allowing all protocols and ports (IpProtocol -1) to 0.0.0.0/0",
    ),
    # -- GR-OBS --
    "OBS-01 TracingConfig.Mode": Case(
        "GR-OBS-01",
        lambda v: {"Fn": function(TracingConfig={"Mode": v})},
        "PassThrough",
        "(TracingConfig.Mode is PassThrough)",
    ),
    "OBS-01 SAM Tracing": Case(
        "GR-OBS-01",
        _sam_function,
        "PassThrough",
        "(TracingConfig.Mode is PassThrough)",
        transform=True,
    ),
    "OBS-02 FunctionName": Case(
        "GR-OBS-02",
        lambda v: {"Fn": function(FunctionName=v)},
        "orders",
        "Lambda creates /aws/lambda/orders on first invocation",
    ),
    "OBS-02 LogGroupName": Case(
        "GR-OBS-02",
        lambda v: _log_group(LogGroupName=v),
        "orders-logs",
        "log group orders-logs, which has no RetentionInDays",
    ),
    "OBS-03 LogGroupName": Case(
        "GR-OBS-03",
        lambda v: _log_group(LogGroupName=v, RetentionInDays=3),
        "/aws/lambda/orders",
        "keeps its logs in log group /aws/lambda/orders for 3 days",
    ),
    "OBS-03 log group of the function name": Case(
        "GR-OBS-03",
        lambda v: {
            "Fn": function(FunctionName=v),
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": f"/aws/lambda/{v}", "RetentionInDays": 3},
            },
        },
        "orders",
        "keeps its logs in log group /aws/lambda/orders for 3 days",
    ),
    "OBS-04 log retention of the function name": Case(
        "GR-OBS-04",
        lambda v: {
            "Fn": function(FunctionName=v),
            "LogRetention": {
                "Type": "Custom::LogRetention",
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:retention",
                    "LogGroupName": f"/aws/lambda/{v}",
                    "RetentionInDays": 90,
                },
            },
        },
        "orders",
        "writes its logs to /aws/lambda/orders, a log group that Lambda creates",
    ),
    "OBS-04 LogGroupName": Case(
        "GR-OBS-04",
        lambda v: _log_group(LogGroupName=v, RetentionInDays=365),
        "orders-logs",
        "log group orders-logs, which is not encrypted",
    ),
    "OBS-05 LoggingConfig.LogFormat": Case(
        "GR-OBS-05",
        lambda v: {"Fn": function(LoggingConfig={"LogFormat": v})},
        "Text",
        "(LogFormat is Text)",
    ),
    "OBS-06 service principal": Case(
        "GR-OBS-06",
        lambda v: _permission(f"logs.{v}.amazonaws.com"),
        "eu-west-1",
        "(logs.eu-west-1.amazonaws.com through permission Perm)",
    ),
    "OBS-08 MetricName": Case(
        "GR-OBS-08", _alarm, "Throttles", "(its alarms watch Throttles only)"
    ),
    # -- GR-DEP --
    "DEP-06 ImageUri tag": Case("GR-DEP-06", _image, "v1", "by its tag v1:"),
    # -- GR-IAM --
    "IAM-09 Principal.Service": Case(
        "GR-IAM-09",
        lambda v: _trust({"Service": ["lambda.amazonaws.com", v]}),
        "events.amazonaws.com",
        "lets service events.amazonaws.com assume it",
    ),
    "IAM-09 Principal.AWS": Case(
        "GR-IAM-09",
        lambda v: _trust({"AWS": v}),
        "arn:aws:iam::123456789012:root",
        "lets AWS arn:aws:iam::123456789012:root assume it",
    ),
    "IAM-09 Principal.Federated": Case(
        "GR-IAM-09",
        lambda v: _trust({"Federated": v}),
        "accounts.google.com",
        "lets Federated accounts.google.com assume it",
    ),
    "IAM-09 Principal kind": Case(
        "GR-IAM-09",
        lambda v: _trust({v: HEX64}),
        "CanonicalUser",
        f"lets CanonicalUser {HEX64} assume it",
    ),
    "IAM-09 Principal.CanonicalUser": Case(
        "GR-IAM-09",
        lambda v: _trust({"CanonicalUser": v}),
        HEX64,
        f"lets CanonicalUser {HEX64} assume it",
    ),
    "IAM-03 NotAction": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(NotAction=[v], Resource="*")),
        "s3:GetObject",
        "Allows every action except s3:GetObject (NotAction with Allow)",
    ),
    "IAM-03 Resource": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(Action="*", Resource=[v])),
        "arn:aws:s3:::orders-bucket",
        'Allows every action (Action "*") on arn:aws:s3:::orders-bucket.',
    ),
    "IAM-03 NotResource": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(Action="*", NotResource=[v])),
        "arn:aws:s3:::orders-bucket",
        "on every resource except arn:aws:s3:::orders-bucket",
    ),
    "IAM-03 Sid": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(Sid=v, Action="*", Resource="*")),
        "AllowAll",
        "(statement 'AllowAll')",
    ),
    "IAM-03 Resource ImportValue": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(Action="*", Resource=[{"Fn::ImportValue": v}])),
        "SharedBucketArn",
        "on ${ImportValue:SharedBucketArn}",
    ),
    "IAM-03 Resource GetAtt": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(Action="*", Resource=[{"Fn::GetAtt": [v, "Arn"]}])),
        "Bucket",
        "on ${Bucket.Arn}",
    ),
    "IAM-03 Resource pseudo parameter": Case(
        "GR-IAM-03",
        lambda v: role_function(inline_policy(Action="*", Resource=[{"Ref": f"AWS::{v}"}])),
        "StackId",
        "on ${AWS::StackId}",
    ),
    "IAM-05 action not in the catalog": Case(
        "GR-IAM-05",
        lambda v: role_function(inline_policy(Action=[v], Resource="*")),
        "s3:GetObjetc",
        "s3:GetObjetc is not in the IAM action catalog",
    ),
    "IAM-10 PermissionsBoundary": Case(
        "GR-IAM-10",
        lambda v: role_function({"PermissionsBoundary": v}),
        "arn:aws:iam::123456789012:policy/Other",
        "has the permissions boundary arn:aws:iam::123456789012:policy/Other, not",
        policy=_BOUNDARY,
    ),
    "IAM-11 permission Action": Case(
        "GR-IAM-11",
        lambda v: _permission("*", v),
        "lambda:InvokeFunction",
        "lets any principal (*) call lambda:InvokeFunction on",
    ),
    "IAM-12 permission Principal": Case(
        "GR-IAM-12",
        lambda v: _permission(f"{v}.amazonaws.com"),
        "s3",
        "lets s3.amazonaws.com call lambda:InvokeFunction",
    ),
    "IAM-12 permission Action": Case(
        "GR-IAM-12",
        lambda v: _permission("s3.amazonaws.com", v),
        "lambda:InvokeFunction",
        "lets s3.amazonaws.com call lambda:InvokeFunction",
    ),
    # -- GR-INP --
    "INP-01 PathPart": Case(
        "GR-INP-01", lambda v: _rest_api(path_part=v), "orders", "Method GET /orders of REST API"
    ),
    "INP-01 HttpMethod": Case(
        "GR-INP-01", lambda v: _rest_api(method=v), "GET", "Method GET /orders of REST API"
    ),
    "INP-02 PathPart": Case(
        "GR-INP-02",
        lambda v: _rest_api(path_part=v, method="POST"),
        "orders",
        "Method POST /orders of REST API",
    ),
    "INP-03 RouteKey": Case(
        "GR-INP-03", lambda v: _http_route(f"GET /{v}"), "orders", "Route 'GET /orders' of HTTP"
    ),
    "INP-03 RouteKey alone": Case(
        "GR-INP-03", _http_route, "$default", "Route '$default' of HTTP API Api"
    ),
    "INP-03 quick create RouteKey": Case(
        "GR-INP-03",
        lambda v: {
            "Fn": function(),
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {
                    "ProtocolType": "HTTP",
                    "Target": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "RouteKey": v,
                },
            },
        },
        "ANY /orders",
        "its route 'ANY /orders' invokes Fn",
    ),
    "INP-06 StageName": Case(
        "GR-INP-06", lambda v: _rest_api(stage=v), "prod", "Stage prod of REST API Api"
    ),
}


def _findings(tmp_path: Path, case: Case, value: str) -> engine.Report:
    doc: dict[str, Any] = {"Resources": case.resources(value)}
    if case.transform:
        doc["Transform"] = "AWS::Serverless-2016-10-31"
    return scan(tmp_path, doc, case.policy)


def _fired(report: engine.Report, rule: str) -> set[tuple[str, str]]:
    return {(f.logical_id, f.location) for f in report.findings if f.rule_id == rule}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_planted_value_is_never_quoted(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    normal = _findings(tmp_path, case, case.normal)
    where = _fired(normal, case.rule)
    assert where, f"{case.rule} does not fire on the normal template"
    [message] = {f.message for f in normal.findings if f.rule_id == case.rule}
    assert case.quoted in message
    for planted in SECRETS:
        report = _findings(tmp_path, case, planted)
        assert _fired(report, case.rule) == where
        for finding in report.findings:
            for secret in SECRETS:  # in any case: a rule may upper-case what it quotes
                assert secret.lower() not in finding.message.lower(), (finding.rule_id, secret)


def test_a_described_value_says_what_it_is_not(tmp_path: Path) -> None:
    """The wording of the messages that describe a value instead of quoting it."""
    expected = {
        "NET-02 AvailabilityZoneId": "whose id is not an Availability Zone id",
        "NET-02 AvailabilityZone": "whose name is not an Availability Zone name",
        "NET-01 sensitive tag value": "(with a value other than false, no or none)",
        "OBS-01 TracingConfig.Mode": "(TracingConfig.Mode is a value that is not a tracing mode)",
        "OBS-01 SAM Tracing": "(TracingConfig.Mode is a value that is not a tracing mode)",
        "OBS-02 FunctionName": "/aws/lambda/<function name> (name not shown)",
        "OBS-02 LogGroupName": "log group Logs (name not shown)",
        "OBS-03 LogGroupName": "log group Logs (name not shown) for 3 days",
        "OBS-04 LogGroupName": "log group Logs (name not shown), which is not encrypted",
        "OBS-05 LoggingConfig.LogFormat": "(LogFormat is a value that is not a log format)",
        "OBS-06 service principal": "(a logs service principal through permission Perm)",
        "OBS-08 MetricName": "(its alarms watch a metric other than Errors only)",
        "DEP-06 ImageUri tag": "by a tag instead of a digest (tag not shown)",
        "IAM-09 Principal.Service": "lets a Service principal that is not an AWS service",
        "IAM-09 Principal.AWS": "lets an AWS principal that is not an account id or ARN",
        "IAM-09 Principal.Federated": "a Federated principal that is not an identity provider",
        "IAM-09 Principal kind": "lets a principal of a kind IAM does not define assume it",
        "IAM-03 NotAction": "except a value that is not an IAM action (NotAction with Allow)",
        "IAM-03 Resource": 'Allows every action (Action "*") on a resource that is not an ARN',
        "IAM-03 Sid": "(statement Sid not shown)",
        "IAM-03 Resource ImportValue": "on ${ImportValue}",
        "IAM-03 Resource GetAtt": "on ${?}",
        "IAM-03 Resource pseudo parameter": "on ${?}",
        "IAM-05 action not in the catalog": "a value that is not an IAM action is not in",
        "IAM-10 PermissionsBoundary": "the permissions boundary a value that is not a policy ARN",
        "IAM-11 permission Action": "call an action that is not an IAM action on the function",
        "IAM-12 permission Principal": "lets a service principal (name not shown) call",
        "INP-01 PathPart": "Method GET (path not shown) of REST API Api",
        "INP-01 HttpMethod": "Method (HTTP method not shown) /orders of REST API Api",
        "INP-03 quick create RouteKey": "its route (route key not shown) invokes Fn",
        "OBS-03 log group of the function name": "log group Logs (name not shown) for 3 days",
        "OBS-04 log retention of the function name": (
            "writes its logs to LogRetention (name not shown), a log group that Lambda"
        ),
        "INP-03 RouteKey": "Route Route (route key not shown) of HTTP API Api",
        "INP-06 StageName": "Stage Stage (name not shown) of REST API Api",
    }
    for name, wording in expected.items():
        case = CASES[name]
        report = _findings(tmp_path, case, PLANTED)
        messages = [f.message for f in report.findings if f.rule_id == case.rule]
        assert any(wording in m for m in messages), (name, messages)


def test_a_service_principal_of_another_case_is_described(tmp_path: Path) -> None:
    """``S3.amazonaws.com`` is read as S3 (IAM ignores the case), but only the lower-case
    spelling is a service principal's shape, so a planted upper-case key is never quoted."""
    report = scan(tmp_path, {"Resources": _permission("S3.amazonaws.com")})
    [f] = [f for f in report.findings if f.rule_id == "GR-IAM-12"]
    assert "lets a service principal (name not shown) call" in f.message


# -- the helpers -------------------------------------------------------------------------------
def test_quote_enum():
    assert quote_enum("PassThrough", ("Active", "PassThrough"), "x") == "PassThrough"
    assert quote_enum("passthrough", ("Active", "PassThrough"), "x") == "passthrough"
    assert quote_enum("Active ", ("Active", "PassThrough"), "x") == "x"
    assert quote_enum(PLANTED, ("Active", "PassThrough"), "not a mode") == "not a mode"
    assert quote_enum(True, ("true",), "x") == "x"
    assert quote_enum(Token("param", "Mode"), ("Active",), "x") == "${Mode}"


@pytest.mark.parametrize(
    "action", ["s3:GetObject", "s3:Get*", "S3:*", "s*:*", "*", "lambda:InvokeFunction"]
)
def test_quote_action_quotes_actions(action):
    assert quote_action(action) == action


@pytest.mark.parametrize(
    "value", [PLANTED, FAKE_KEY, f"s3:{FAKE_KEY}", "s3 GetObject", "s3:Get Object", "", 12]
)
def test_quote_action_describes_the_rest(value):
    assert quote_action(value) == "a value that is not an IAM action"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:s3:::orders-bucket/*",
        "arn:aws-cn:iam::123456789012:role/service-role/x",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:ssm:*:*:parameter/*",
        "arn:aws:lambda:eu-west-1:123456789012:layer:shared:3",
        # a well-formed ARN is quoted whole, whatever its resource part holds
        f"arn:aws:iam::123456789012:role/{PLANTED}",
    ],
)
def test_quote_arn_quotes_well_formed_arns(arn):
    assert quote_arn(arn) == arn


@pytest.mark.parametrize(
    "value",
    [
        PLANTED,
        FAKE_KEY,
        "arn:aws:s3",
        "arn:Aws:s3:::bucket",
        "arn:aws:s3:::bucket name",
        "arn:aws:s3:::bucket\nnext",
        "arn:aws:s3:::" + "b" * 2048,
        "arn:aws:s3:::\x01",
    ],
)
def test_quote_arn_describes_the_rest(value):
    assert quote_arn(value) == "a value that is not an ARN"


def test_quote_arn_of_deploy_time_values():
    partition = Token("pseudo", "AWS::Partition")
    bucket = Token("getatt", "Bucket", "Arn")
    assert quote_arn(bucket) == "${Bucket.Arn}"
    assert quote_arn(Text((bucket, "/*"))) == "${Bucket.Arn}/*"
    assert quote_arn(Text(("arn:", partition, ":s3:::b/*"))) == "arn:${AWS::Partition}:s3:::b/*"
    assert quote_arn(Text((Token("param", "Prefix"), PLANTED))) == "a value that is not an ARN"
    assert quote_arn(Text(("x", bucket))) == "a value that is not an ARN"
    assert quote_arn(Token("import", PLANTED)) == "${ImportValue}"
    assert quote_arn(Token("import", "SharedArn")) == "${ImportValue:SharedArn}"


def test_quote_token():
    assert quote_token(Token("ref", "Bucket")) == "${Bucket}"
    assert quote_token(Token("param", "Env")) == "${Env}"
    assert quote_token(Token("pseudo", "AWS::Region")) == "${AWS::Region}"
    assert quote_token(Token("pseudo", f"AWS::{PLANTED}")) == "${?}"
    assert quote_token(Token("getatt", "Bucket", "Arn")) == "${Bucket.Arn}"
    assert quote_token(Token("getatt", PLANTED, "Arn")) == "${?}"
    assert quote_token(Token("getatt", FAKE_KEY, "Arn")) == "${?}"
    assert quote_token(Token("getatt", "Bucket", FAKE_KEY)) == "${?}"
    assert quote_token(Token("import", FAKE_KEY)) == "${ImportValue}"
    assert quote_token(Token("unknown", PLANTED)) == "${?}"


def test_quote_account_zone_and_ids():
    assert quote_account("123456789012") == "123456789012"
    assert quote_account(123456789012) == "123456789012"
    assert quote_account("12345678901") == "a value that is not an account id"
    assert quote_account(PLANTED) == "a value that is not an account id"
    for name in ("eu-west-1a", "us-gov-west-1b", "us-west-2-lax-1a", "us-east-1-wl1-bos-wlz-1"):
        assert quote_az_name(name) == name
    for zone_id in ("use1-az1", "apne1-az4", "usw2-lax1-az1", "use1-wl1-bos-wlz1"):
        assert quote_az_id(zone_id) == zone_id
    for value in (PLANTED, FAKE_KEY, "eu-west-1", "EU-WEST-1A", "eu-planted-1a"):
        assert quote_az_name(value, "x") == "x"
        assert quote_az_id(value, "x") == "x"
    assert quote_resource_id("subnet-0123456789abcdef0") == "subnet-0123456789abcdef0"
    assert quote_resource_id("sg-12345678") == "sg-12345678"
    assert quote_resource_id(f"sg-{PLANTED}") == "a value that is not a resource id"
    assert quote_cidr("0.0.0.0/0") == "0.0.0.0/0"
    assert quote_cidr("::/0") == "::/0"
    assert quote_cidr("10.0.0.0/33") == "a value that is not a CIDR block"
    assert quote_cidr(PLANTED) == "a value that is not a CIDR block"
    assert quote_port(443) == "443"
    assert quote_port("-1") == "-1"
    assert quote_port("65536") == "a value that is not a port number"
    assert quote_port(PLANTED) == "a value that is not a port number"
    assert quote_runtime("python3.13") == "python3.13"
    assert quote_runtime(PLANTED) == "a value that is not a Lambda runtime"


def test_quote_principals():
    assert quote_service_principal("events.amazonaws.com") == "events.amazonaws.com"
    assert quote_service_principal("logs.eu-west-1.amazonaws.com.cn").endswith(".cn")
    urlsuffix = Text(("s3.", Token("pseudo", "AWS::URLSuffix")))
    assert quote_service_principal(urlsuffix) == "s3.${AWS::URLSuffix}"
    assert quote_service_principal(Text((PLANTED, ".", Token("pseudo", "AWS::URLSuffix")))) == (
        "a value that is not an AWS service principal"
    )
    assert quote_service_principal(f"{PLANTED}.amazonaws.com") == (
        "a value that is not an AWS service principal"
    )
    assert quote_principal("*", "*") == "everyone (*)"
    assert quote_principal("AWS", "*") == "AWS *"
    assert quote_principal("AWS", "123456789012") == "AWS 123456789012"
    assert quote_principal("AWS", Token("param", "Partner")) == "AWS ${Partner}"
    assert quote_principal("Federated", "www.amazon.com") == "Federated www.amazon.com"
    assert quote_principal(PLANTED, "x") == "a principal of a kind IAM does not define"
    assert PLANTED not in quote_principal("CanonicalUser", PLANTED)


def test_quote_name():
    assert safe_name("orders", FUNCTION_NAME) == "orders"
    assert safe_name("/aws/lambda/orders", LOG_GROUP_NAME) == "/aws/lambda/orders"
    lambda_group = Text(("/aws/lambda/", Token("ref", "Fn")))
    assert safe_name(lambda_group, LOG_GROUP_NAME) == "/aws/lambda/${Fn}"
    for value in (
        PLANTED,
        FAKE_KEY,
        f"/aws/lambda/{PLANTED}",
        f"/aws/lambda/{FAKE_KEY}",
        Text(("/aws/lambda/", Token("ref", "Fn"), f"/{PLANTED}")),
        "orders with spaces",
        "",
    ):
        assert safe_name(value, LOG_GROUP_NAME) is None, value
        assert quote_name(value, LOG_GROUP_NAME, "log group Logs") == (
            "log group Logs (name not shown)"
        )
