"""Hypothesis strategies and the output contract for the property tests (``test_properties``).

Why a module of its own: the strategies describe the input space of a security gate (every
shape a CloudFormation or SAM template can take, right or wrong, with intrinsics, odd
characters and planted secrets), and ``check_contract`` is the one statement of what the
command line may print for any of it. Both are long, and the tests read better without them.

Nothing here reads or writes outside the folders the tests hand it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

from guardrails import cli
from guardrails.policy import SEVERITY_RANK

#: planted in values (environment, parameter defaults, alias names, tag keys, reasons, asset
#: files): it may only ever be printed masked, like ``hu****(24 chars)``
SECRET = "hunter2-Planted-Secret-9"
#: the characters that could forge or break a report when printed as they are
ODD_CHARS = (
    "\x1b",
    "\x00",
    "\r",
    "\n",
    "\t",
    "\x07",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffe",
    "\udc80",
    "\ud800",
    "é",
    "中",
    "\U0001f600",
)
#: what a report may never hold raw: C0 but LF, DEL and C1, the line and paragraph
#: separators, lone surrogates (the contract), and the bidi embeddings, overrides and isolates
#: that ``guardrails.report.escape`` promises to escape too ("Trojan Source")
FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: stands for a deeply nested value, written into the document's text by hand afterwards
#: (``json.dumps`` and ``yaml.safe_dump`` recurse, so they cannot write it themselves)
DEEP = "DEEPHOLEMARKER"

#: the strategy factories below build each strategy once; ``_props`` clears them to build the
#: resource shapes twice, right and wild (``either``)
_CACHED: list[Any] = []
#: whether ``either`` lets a value of any shape in: set while building the wild shapes
_WILD = [True]


def _cached(factory: Callable[..., Any]) -> Any:
    cached = functools.cache(factory)
    _CACHED.append(cached)
    return cached


# -- logical ids, names, references ----------------------------------------------------------
#: the logical ids the generated resources use, so references between them link
POOL = (
    "Fn",
    "Fn2",
    "Role",
    "Policy",
    "Managed",
    "Perm",
    "Url",
    "Esm",
    "Eic",
    "Alias",
    "Version",
    "Layer",
    "Logs",
    "Alarm",
    "Subnet",
    "Sg",
    "Vpce",
    "Rt",
    "Route",
    "Assoc",
    "RestApi",
    "Method",
    "Stage",
    "HttpApi",
    "HttpRoute",
    "Integration",
    "Queue",
    "SamFn",
    "SamApi",
    "SamHttpApi",
    # what the SAM expansion generates: a template may already hold these ids
    "SamFnRole",
    "SamFnUrl",
    "SamFnGetPermission",
    "ServerlessRestApi",
    "ServerlessHttpApi",
)
PARAMS = ("Env", "Secret", "Runtime", "Stage")
CONDITIONS = ("IsProd", "IsDev", "Loop", "Missing")
MAPPINGS = ("Map", "Missing")
PSEUDO = (
    "AWS::Region",
    "AWS::AccountId",
    "AWS::Partition",
    "AWS::NoValue",
    "AWS::StackName",
    "AWS::URLSuffix",
    "AWS::NotificationARNs",
    "AWS::Nope",
)

LAMBDA_TYPES = (
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Url",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Version",
    "AWS::Lambda::LayerVersion",
)
OTHER_TYPES = (
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::SQS::Queue",
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::SimpleTable",
)
KNOWN_TYPES = LAMBDA_TYPES + OTHER_TYPES

WORDS = (
    "",
    "*",
    "x",
    "index.handler",
    "python3.8",
    "python3.13",
    "nodejs24.x",
    "nodejs14.x",
    "java21",
    "provided.al2023",
    "Active",
    "PassThrough",
    "JSON",
    "Text",
    "NONE",
    "AWS_IAM",
    "CUSTOM",
    "COGNITO_USER_POOLS",
    "JWT",
    "Allow",
    "Deny",
    "2012-10-17",
    "lambda:InvokeFunction",
    "lambda:*",
    "s3:GetObject",
    "s3:*",
    "iam:PassRole",
    "secretsmanager:GetSecretValue",
    "sts:AssumeRole",
    "lambda.amazonaws.com",
    "apigateway.amazonaws.com",
    "s3.amazonaws.com",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:sqs:eu-west-1:123456789012:q",
    "arn:aws:lambda:eu-west-1:123456789012:function:f",
    "arn:aws:s3:::bucket/*",
    "123456789012",
    "999999999999",
    "o-abc123",
    "0.0.0.0/0",
    "10.0.0.0/16",
    "::/0",
    "tcp",
    "-1",
    "/aws/lambda/f",
    "/aws/lambda/",
    "GET /",
    "$default",
    "ANY",
    "POST",
    "Prod",
    "REGIONAL",
    "PRIVATE",
    "EDGE",
    "Zip",
    "Image",
    "com.amazonaws.eu-west-1.secretsmanager",
    "Interface",
    "Gateway",
    "${AWS::Region}",
    "${Fn.Arn}",
    "${Missing}",
    "${",
    "${!Literal}",
    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}",
    "integrations/x",
    "AWS/Lambda",
    "Errors",
    "FunctionName",
    "eu-west-1a",
    "AKIAIOSFODNN7EXAMPLE",
    "../outside",
    "/etc/passwd",
    "./src",
    "DB_PASSWORD",
    "PASSWORD",
    "API_KEY",
)


@_cached
def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in ``n`` draws. Why not ``integers(0, n - 1) == 0``: Hypothesis draws
    the ends of a range far more often than the middle, which would make rare damage common
    and leave little input intact enough to reach the rules."""
    return st.integers(0, n - 1).map(lambda i: i == n // 2)


@_cached
def odd_text(*, surrogates: bool = True, max_size: int = 10) -> st.SearchStrategy[str]:
    """Short strings mixing letters with every character that could break a report."""
    chars = ODD_CHARS if surrogates else tuple(c for c in ODD_CHARS if not _surrogate(c))
    alphabet = st.one_of(
        st.sampled_from(chars),
        st.characters(codec="utf-8", max_codepoint=0x2FFF),
    )
    return st.text(alphabet, max_size=max_size)


def _surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


@_cached
def strings(*, secret: bool = False) -> st.SearchStrategy[str]:
    """A string value: a word the model knows, odd text, a long one (or the planted secret).

    The secret is planted on purpose, where the tests say (``plant_secret``, environment
    values, inline code), not in every value: a test that fails on an echoed secret should be
    the secret test, so the others keep checking the rest of the contract meanwhile."""
    options = [st.sampled_from(WORDS), st.sampled_from(WORDS), odd_text()]
    options.append(st.builds(lambda w, o: w + o, st.sampled_from(WORDS), odd_text(max_size=4)))
    options.append(st.just("x" * 300))
    if secret:
        options.append(st.just(SECRET))
    return st.one_of(options)


@_cached
def numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([0, 1, -1, 3, 7, 14, 30, 365, 3653, 900, 10_240, 2**31, 2**63]),
        st.integers(),
        st.just(10**200),
        st.just(-(10**300)),
        st.floats(allow_nan=True, allow_infinity=True),
    )


@_cached
def scalars(*, secret: bool = False) -> st.SearchStrategy[Any]:
    return st.one_of(
        strings(secret=secret), numbers(), st.booleans(), st.none(), st.sampled_from(["true"])
    )


@_cached
def ref_targets() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(POOL),
        st.sampled_from(PARAMS),
        st.sampled_from(PSEUDO),
        st.sampled_from(["Missing", "", "Fn.Arn"]),
        odd_text(max_size=4),
    )


def intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Every intrinsic the evaluator knows, with right and wrong arities and dangling names."""
    name = ref_targets()
    cond = st.one_of(st.sampled_from(CONDITIONS), children)
    attr = st.sampled_from(["Arn", "Name", "Outputs.X", "", "Arn.Extra"])
    items = st.lists(children, max_size=3)
    sub_string = st.one_of(st.sampled_from(WORDS), st.builds("${{{}}}".format, name))
    return st.one_of(
        st.builds(lambda v: {"Ref": v}, st.one_of(name, name, children)),
        st.builds(
            lambda v: {"Fn::GetAtt": v},
            st.one_of(
                st.tuples(name, attr).map(list),
                st.builds("{}.{}".format, name, attr),
                st.lists(st.one_of(name, children), max_size=4),
                children,
            ),
        ),
        st.builds(
            lambda v: {"Fn::Sub": v},
            st.one_of(
                sub_string,
                st.tuples(sub_string, st.dictionaries(st.sampled_from(PARAMS), children)).map(list),
                items,
                children,
            ),
        ),
        st.builds(
            lambda v: {"Fn::Join": v},
            st.one_of(st.tuples(st.sampled_from(["", ":", "/"]), items).map(list), items),
        ),
        st.builds(
            lambda v: {"Fn::If": v},
            st.one_of(st.tuples(cond, children, children).map(list), items),
        ),
        st.builds(
            lambda v: {"Fn::Select": v},
            st.one_of(
                st.tuples(st.one_of(st.integers(-2, 4), st.sampled_from(["0", "9"])), items).map(
                    list
                ),
                items,
                children,
            ),
        ),
        st.builds(lambda v: {"Fn::ImportValue": v}, st.one_of(st.sampled_from(WORDS), children)),
        st.builds(
            lambda v: {"Fn::FindInMap": v},
            st.one_of(
                st.tuples(st.sampled_from(MAPPINGS), st.sampled_from(["K", "L"]), children).map(
                    list
                ),
                items,
            ),
        ),
        st.builds(lambda v: {"Condition": v}, cond),
        st.builds(
            lambda k, v: {k: v},
            st.sampled_from(
                [
                    "Fn::Equals",
                    "Fn::Not",
                    "Fn::And",
                    "Fn::Or",
                    "Fn::Split",
                    "Fn::Base64",
                    "Fn::GetAZs",
                    "Fn::Cidr",
                    "Fn::Length",
                    "Fn::ToJsonString",
                    "Fn::Transform",
                    "Fn::Nope",
                ]
            ),
            st.one_of(items, children),
        ),
    )


@_cached
def keys() -> st.SearchStrategy[Any]:
    """Keys of an object: words, odd text, and (written as YAML) numbers, booleans and null,
    which YAML reads as keys of those types, not as strings."""
    return st.one_of(
        st.sampled_from(WORDS),
        odd_text(max_size=4),
        st.integers(-2, 2),
        st.booleans(),
        st.none(),
        st.just(1.5),
    )


@_cached
def values(*, secret: bool = False, leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value: scalars, lists, objects and intrinsics, nested a few levels."""
    return st.recursive(
        scalars(secret=secret),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys(), children, max_size=4),
            intrinsics(children),
        ),
        max_leaves=leaves,
    )


@_cached
def ref(target: str | Sequence[str]) -> st.SearchStrategy[Any]:
    """A reference to one of ``target``: ``Ref``, ``Fn::GetAtt`` Arn, or a ``Fn::Sub``."""
    names = st.sampled_from([target] if isinstance(target, str) else list(target))
    return st.one_of(
        names.map(lambda n: {"Ref": n}),
        names.map(lambda n: {"Fn::GetAtt": [n, "Arn"]}),
        names.map(lambda n: {"Fn::GetAtt": f"{n}.Arn"}),
        names.map(lambda n: {"Fn::Sub": f"${{{n}.Arn}}"}),
    )


def either(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The right shape most of the time, any value otherwise (right only, when building the
    right shapes: a template whose every value is checked is the one that reaches the rules)."""
    return st.one_of(right, right, right, values()) if _WILD[0] else right


def lists_of(item: st.SearchStrategy[Any], max_size: int = 3) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(item, max_size=max_size), item)


def shaped(props: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with any subset of ``props``, each of the right shape or not."""
    return st.fixed_dictionaries({}, optional={k: either(v) for k, v in props.items()})


# -- the resource shapes the model reads -----------------------------------------------------
@_cached
def statement() -> st.SearchStrategy[Any]:
    principal = st.one_of(
        st.just("*"),
        st.fixed_dictionaries(
            {},
            optional={
                "Service": lists_of(st.sampled_from(WORDS)),
                "AWS": lists_of(st.one_of(st.sampled_from(WORDS), ref("Role"))),
                "Federated": st.sampled_from(WORDS),
            },
        ),
    )
    action = lists_of(st.sampled_from(WORDS))
    resource = lists_of(st.one_of(st.sampled_from(WORDS), ref(POOL), values(leaves=3)))
    return shaped(
        {
            "Sid": strings(),
            "Effect": st.sampled_from(["Allow", "Deny", "allow", ""]),
            "Action": action,
            "NotAction": action,
            "Resource": resource,
            "NotResource": resource,
            "Principal": principal,
            "NotPrincipal": principal,
            "Condition": st.dictionaries(
                st.sampled_from(["StringEquals", "ArnLike", "Bool", "ForAnyValue:StringLike"]),
                st.dictionaries(
                    st.sampled_from(["aws:SourceArn", "aws:PrincipalOrgID", "aws:SourceAccount"]),
                    lists_of(st.sampled_from(WORDS)),
                    max_size=2,
                ),
                max_size=2,
            ),
        }
    )


@_cached
def policy_document() -> st.SearchStrategy[Any]:
    return shaped({"Version": st.just("2012-10-17"), "Statement": lists_of(statement())})


@_cached
def tags() -> st.SearchStrategy[Any]:
    tag = shaped({"Key": strings(), "Value": strings()})
    return st.lists(tag, max_size=3)


@_cached
def environment() -> st.SearchStrategy[Any]:
    names = st.one_of(
        st.sampled_from(["DB_PASSWORD", "API_KEY", "SECRET_ARN", "TABLE", "TOKEN", "LOG_LEVEL"]),
        odd_text(max_size=6),
        keys(),
    )
    secret_value = st.one_of(st.just(SECRET), strings(), values(leaves=3))
    return shaped({"Variables": st.dictionaries(names, secret_value, max_size=4)})


@_cached
def code() -> st.SearchStrategy[Any]:
    zip_file = st.one_of(
        st.just(f'PASSWORD = "{SECRET}"\ndef handler(e, c):\n    return 1\n'),
        strings(),
    )
    return st.one_of(
        shaped({"ZipFile": zip_file}),
        shaped({"S3Bucket": strings(), "S3Key": strings(), "S3ObjectVersion": strings()}),
        shaped({"ImageUri": strings()}),
    )


def _function_props() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "Runtime": st.sampled_from(WORDS[4:10]),
        "Handler": st.just("index.handler"),
        "Role": ref("Role"),
        "Code": code(),
        "Environment": environment(),
        "VpcConfig": shaped(
            {
                "SubnetIds": lists_of(ref("Subnet")),
                "SecurityGroupIds": lists_of(ref("Sg")),
                "Ipv6AllowedForDualStack": st.booleans(),
            }
        ),
        "TracingConfig": shaped({"Mode": st.sampled_from(["Active", "PassThrough", "x"])}),
        "LoggingConfig": shaped(
            {
                "LogGroup": ref("Logs"),
                "LogFormat": st.sampled_from(["JSON", "Text"]),
                "ApplicationLogLevel": st.sampled_from(["INFO", "DEBUG"]),
            }
        ),
        "DeadLetterConfig": shaped({"TargetArn": ref("Queue")}),
        "ReservedConcurrentExecutions": numbers(),
        "Layers": lists_of(st.one_of(ref("Layer"), st.sampled_from(WORDS))),
        "Tags": tags(),
        "FunctionName": strings(),
        "KmsKeyArn": strings(),
        "PackageType": st.sampled_from(["Zip", "Image"]),
        "Architectures": st.lists(st.sampled_from(["x86_64", "arm64"]), max_size=2),
        "MemorySize": numbers(),
        "Timeout": numbers(),
        "CodeSigningConfigArn": strings(),
        "Description": strings(),
        "ImageConfig": shaped({"Command": st.lists(strings())}),
        "SnapStart": shaped({"ApplyOn": strings()}),
        "RecursiveLoop": st.sampled_from(["Allow", "Terminate"]),
        "FileSystemConfigs": st.lists(shaped({"Arn": strings(), "LocalMountPath": strings()})),
    }


@_cached
def _sam_event() -> st.SearchStrategy[Any]:
    kinds = st.sampled_from(
        [
            "Api",
            "HttpApi",
            "SQS",
            "Kinesis",
            "DynamoDB",
            "Schedule",
            "ScheduleV2",
            "SNS",
            "S3",
            "EventBridgeRule",
            "CloudWatchEvent",
            "CloudWatchLogs",
            "IoTRule",
            "Nope",
        ]
    )
    props = shaped(
        {
            "Path": st.sampled_from(["/", "/a/{b}", "", "a"]),
            "Method": st.sampled_from(["get", "ANY", "post", ""]),
            "RestApiId": ref("SamApi"),
            "ApiId": ref("SamHttpApi"),
            "Auth": shaped(
                {
                    "Authorizer": st.sampled_from(["NONE", "AWS_IAM", "MyAuth", ""]),
                    "ApiKeyRequired": st.booleans(),
                }
            ),
            "Queue": ref("Queue"),
            "Stream": strings(),
            "StartingPosition": st.sampled_from(["LATEST", "TRIM_HORIZON"]),
            "BatchSize": numbers(),
            "Schedule": strings(),
            "ScheduleExpression": strings(),
            "Topic": strings(),
            "Bucket": strings(),
            "Pattern": values(leaves=4),
            "DeadLetterConfig": shaped({"Arn": strings(), "Type": strings()}),
            "LogGroupName": strings(),
            "FilterPattern": strings(),
            "Sql": strings(),
            "Enabled": st.booleans(),
        }
    )
    return shaped({"Type": kinds, "Properties": props})


@_cached
def _sam_policies() -> st.SearchStrategy[Any]:
    template = st.builds(
        lambda name, arg: {name: arg},
        st.sampled_from(
            [
                "SQSPollerPolicy",
                "DynamoDBCrudPolicy",
                "S3ReadPolicy",
                "LambdaInvokePolicy",
                "SSMParameterReadPolicy",
                "AWSSecretsManagerGetSecretValuePolicy",
                "KMSDecryptPolicy",
                "NopePolicy",
            ]
        ),
        st.one_of(
            st.dictionaries(
                st.sampled_from(
                    [
                        "QueueName",
                        "TableName",
                        "BucketName",
                        "FunctionName",
                        "ParameterName",
                        "SecretArn",
                        "KeyId",
                    ]
                ),
                st.one_of(strings(), ref(PARAMS)),
                max_size=2,
            ),
            values(leaves=3),
        ),
    )
    odd = st.dictionaries(keys(), values(leaves=2), min_size=1, max_size=1)
    entry = st.one_of(st.sampled_from(WORDS), template, policy_document(), odd)
    return st.one_of(entry, st.lists(entry, max_size=3))


def _sam_function_props() -> dict[str, st.SearchStrategy[Any]]:
    props = {k: v for k, v in _function_props().items() if k not in ("Code", "Tags")}
    props.update(
        {
            "CodeUri": st.one_of(
                st.sampled_from(["src", "../outside", "/etc", ".", "", "s3://b/k.zip"]),
                shaped({"Bucket": strings(), "Key": strings()}),
            ),
            "InlineCode": strings(),
            "ImageUri": strings(),
            "Events": st.dictionaries(
                st.one_of(st.sampled_from(["Get", "Poll", "Tick"]), odd_text(max_size=4)),
                _sam_event(),
                max_size=3,
            ),
            "Policies": _sam_policies(),
            "Tracing": st.sampled_from(["Active", "PassThrough"]),
            "FunctionUrlConfig": shaped(
                {
                    "AuthType": st.sampled_from(["NONE", "AWS_IAM"]),
                    "Cors": shaped({"AllowOrigins": lists_of(st.sampled_from(WORDS))}),
                }
            ),
            "EventInvokeConfig": shaped(
                {
                    "MaximumRetryAttempts": numbers(),
                    "DestinationConfig": shaped(
                        {"OnFailure": shaped({"Type": strings(), "Destination": ref("Queue")})}
                    ),
                }
            ),
            "DeadLetterQueue": shaped(
                {"Type": st.sampled_from(["SQS", "SNS", "x"]), "TargetArn": ref("Queue")}
            ),
            "PermissionsBoundary": strings(),
            "AutoPublishAlias": strings(),
            "AssumeRolePolicyDocument": policy_document(),
            "RolePath": strings(),
            "Tags": st.dictionaries(strings(), strings(), max_size=3),
        }
    )
    return props


def _api_props() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "StageName": strings(),
        "Auth": shaped(
            {
                "DefaultAuthorizer": st.sampled_from(["AWS_IAM", "MyAuth", "NONE"]),
                "ApiKeyRequired": st.booleans(),
                "Authorizers": st.dictionaries(
                    st.sampled_from(["MyAuth", "Jwt"]),
                    shaped({"FunctionArn": ref("Fn"), "UserPoolArn": strings()}),
                    max_size=2,
                ),
            }
        ),
        "TracingEnabled": st.booleans(),
        "EndpointConfiguration": st.one_of(
            st.sampled_from(["REGIONAL", "PRIVATE"]), shaped({"Type": st.sampled_from(WORDS)})
        ),
        "Cors": st.one_of(strings(), shaped({"AllowOrigin": strings()})),
        "CorsConfiguration": shaped({"AllowOrigins": lists_of(st.sampled_from(WORDS))}),
        "DefinitionBody": values(leaves=6),
        "MethodSettings": st.lists(values(leaves=4), max_size=2),
        "AccessLogSetting": shaped({"DestinationArn": ref("Logs"), "Format": strings()}),
    }


def resource_props() -> dict[str, dict[str, st.SearchStrategy[Any]]]:
    """Resource type -> the properties the model reads, with their right shapes."""
    fn_ref = st.one_of(ref(("Fn", "Fn2", "Alias", "Version", "SamFn")), st.sampled_from(WORDS))
    destination = shaped(
        {"OnFailure": shaped({"Destination": ref("Queue")}), "OnSuccess": shaped({})}
    )
    return {
        "AWS::Lambda::Function": _function_props(),
        "AWS::Lambda::Permission": {
            "FunctionName": fn_ref,
            "Action": st.sampled_from(
                ["lambda:InvokeFunction", "lambda:*", "lambda:InvokeFunctionUrl"]
            ),
            "Principal": st.sampled_from(WORDS),
            "SourceArn": st.one_of(strings(), ref(POOL)),
            "SourceAccount": strings(),
            "PrincipalOrgID": strings(),
            "FunctionUrlAuthType": st.sampled_from(["NONE", "AWS_IAM"]),
            "InvokedViaFunctionUrl": st.booleans(),
        },
        "AWS::Lambda::Url": {
            "TargetFunctionArn": fn_ref,
            "AuthType": st.sampled_from(["NONE", "AWS_IAM", ""]),
            "Cors": shaped({"AllowOrigins": lists_of(st.sampled_from(WORDS))}),
            "InvokeMode": st.sampled_from(["BUFFERED", "RESPONSE_STREAM"]),
            "Qualifier": strings(),
        },
        "AWS::Lambda::EventSourceMapping": {
            "FunctionName": fn_ref,
            "EventSourceArn": st.one_of(ref("Queue"), strings()),
            "BatchSize": numbers(),
            "Enabled": st.booleans(),
            "DestinationConfig": destination,
            "FilterCriteria": values(leaves=4),
            "FunctionResponseTypes": st.lists(strings()),
            "MaximumRetryAttempts": numbers(),
            "BisectBatchOnFunctionError": st.booleans(),
        },
        "AWS::Lambda::EventInvokeConfig": {
            "FunctionName": fn_ref,
            "Qualifier": st.sampled_from(["$LATEST", "live", ""]),
            "DestinationConfig": destination,
            "MaximumRetryAttempts": numbers(),
            "MaximumEventAgeInSeconds": numbers(),
        },
        "AWS::Lambda::Alias": {
            "FunctionName": fn_ref,
            "FunctionVersion": st.one_of(ref("Version"), strings()),
            "Name": strings(),
            "ProvisionedConcurrencyConfig": values(leaves=3),
        },
        "AWS::Lambda::Version": {"FunctionName": fn_ref, "Description": strings()},
        "AWS::Lambda::LayerVersion": {
            "Content": shaped({"S3Bucket": strings(), "S3Key": strings()}),
            "LayerName": strings(),
            "CompatibleRuntimes": st.lists(st.sampled_from(WORDS[4:10])),
        },
        "AWS::IAM::Role": {
            "AssumeRolePolicyDocument": policy_document(),
            "ManagedPolicyArns": lists_of(st.one_of(st.sampled_from(WORDS), ref("Managed"))),
            "Policies": st.lists(
                shaped({"PolicyName": strings(), "PolicyDocument": policy_document()}),
                max_size=2,
            ),
            "PermissionsBoundary": st.one_of(strings(), ref("Managed")),
            "RoleName": strings(),
            "Path": strings(),
        },
        "AWS::IAM::Policy": {
            "PolicyDocument": policy_document(),
            "PolicyName": strings(),
            "Roles": lists_of(ref("Role")),
        },
        "AWS::IAM::ManagedPolicy": {
            "PolicyDocument": policy_document(),
            "Roles": lists_of(ref("Role")),
            "ManagedPolicyName": strings(),
        },
        "AWS::Logs::LogGroup": {
            "LogGroupName": st.one_of(
                st.sampled_from(["/aws/lambda/f", "/aws/lambda/"]),
                st.builds(lambda r: {"Fn::Join": ["", ["/aws/lambda/", r]]}, ref(("Fn", "Fn2"))),
                # a new mapping each draw: the properties damage what they draw in place (a
                # shared one would carry one example's damage, a cycle even, into the next)
                st.builds(lambda: {"Fn::Sub": "/aws/lambda/${Fn}"}),
            ),
            "RetentionInDays": numbers(),
            "KmsKeyId": strings(),
            "DataProtectionPolicy": values(leaves=4),
        },
        "AWS::CloudWatch::Alarm": {
            "MetricName": st.sampled_from(["Errors", "Throttles", "Duration"]),
            "Namespace": st.sampled_from(["AWS/Lambda", "x"]),
            "Dimensions": st.lists(
                shaped({"Name": st.just("FunctionName"), "Value": ref(("Fn", "Fn2"))})
            ),
            "Metrics": st.lists(values(leaves=6), max_size=2),
            "AlarmActions": st.lists(strings()),
            "Threshold": numbers(),
            "ComparisonOperator": strings(),
        },
        "AWS::EC2::Subnet": {
            "VpcId": strings(),
            "MapPublicIpOnLaunch": st.booleans(),
            "AvailabilityZone": st.sampled_from(["eu-west-1a", "eu-west-1b", ""]),
            "AvailabilityZoneId": strings(),
            "CidrBlock": strings(),
        },
        "AWS::EC2::SecurityGroup": {
            "VpcId": strings(),
            "GroupDescription": strings(),
            "SecurityGroupEgress": st.lists(
                shaped(
                    {
                        "IpProtocol": st.sampled_from(["tcp", "-1", "udp", "6"]),
                        "CidrIp": st.sampled_from(["0.0.0.0/0", "10.0.0.0/16"]),
                        "CidrIpv6": st.just("::/0"),
                        "FromPort": numbers(),
                        "ToPort": numbers(),
                    }
                ),
                max_size=3,
            ),
        },
        "AWS::EC2::VPCEndpoint": {
            "ServiceName": strings(),
            "VpcEndpointType": st.sampled_from(["Interface", "Gateway"]),
            "VpcId": strings(),
            "SubnetIds": lists_of(ref("Subnet")),
            "PrivateDnsEnabled": st.booleans(),
        },
        "AWS::EC2::RouteTable": {"VpcId": strings()},
        "AWS::EC2::Route": {
            "RouteTableId": ref("Rt"),
            "DestinationCidrBlock": st.sampled_from(["0.0.0.0/0", "10.0.0.0/8"]),
            "GatewayId": strings(),
            "NatGatewayId": strings(),
        },
        "AWS::EC2::SubnetRouteTableAssociation": {
            "SubnetId": ref("Subnet"),
            "RouteTableId": ref("Rt"),
        },
        "AWS::ApiGateway::RestApi": {
            "Name": strings(),
            "EndpointConfiguration": shaped({"Types": st.lists(st.sampled_from(WORDS))}),
            "Policy": policy_document(),
            "DisableExecuteApiEndpoint": st.booleans(),
            "Body": values(leaves=6),
        },
        "AWS::ApiGateway::Method": {
            "RestApiId": ref("RestApi"),
            "ResourceId": strings(),
            "HttpMethod": st.sampled_from(["GET", "ANY", "POST", "OPTIONS"]),
            "AuthorizationType": st.sampled_from(
                ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]
            ),
            "ApiKeyRequired": st.booleans(),
            "AuthorizerId": strings(),
            "RequestValidatorId": strings(),
            "Integration": shaped(
                {
                    "Type": st.sampled_from(["AWS_PROXY", "MOCK"]),
                    "IntegrationHttpMethod": st.just("POST"),
                    "Uri": st.one_of(
                        st.just(
                            {
                                "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/"
                                "2015-03-31/functions/${Fn.Arn}/invocations"
                            }
                        ),
                        values(leaves=4),
                    ),
                }
            ),
        },
        "AWS::ApiGateway::Stage": {
            "RestApiId": ref("RestApi"),
            "StageName": strings(),
            "MethodSettings": st.lists(values(leaves=4), max_size=2),
            "AccessLogSetting": shaped({"DestinationArn": ref("Logs"), "Format": strings()}),
            "TracingEnabled": st.booleans(),
        },
        "AWS::ApiGatewayV2::Api": {
            "ProtocolType": st.sampled_from(["HTTP", "WEBSOCKET"]),
            "CorsConfiguration": shaped({"AllowOrigins": lists_of(st.sampled_from(WORDS))}),
            "Target": fn_ref,
        },
        "AWS::ApiGatewayV2::Route": {
            "ApiId": ref("HttpApi"),
            "RouteKey": st.sampled_from(["GET /", "$default", "$connect", "ANY /{proxy+}"]),
            "AuthorizationType": st.sampled_from(["NONE", "AWS_IAM", "JWT", "CUSTOM"]),
            "Target": st.one_of(
                st.builds(lambda r: {"Fn::Join": ["/", ["integrations", r]]}, ref("Integration")),
                strings(),
            ),
        },
        "AWS::ApiGatewayV2::Integration": {
            "ApiId": ref("HttpApi"),
            "IntegrationType": st.just("AWS_PROXY"),
            "IntegrationUri": fn_ref,
            "PayloadFormatVersion": st.just("2.0"),
        },
        "AWS::SQS::Queue": {
            "QueueName": strings(),
            "RedrivePolicy": shaped(
                {"deadLetterTargetArn": ref("Queue"), "maxReceiveCount": numbers()}
            ),
            "KmsMasterKeyId": strings(),
            "SqsManagedSseEnabled": st.booleans(),
        },
        "AWS::Serverless::Function": _sam_function_props(),
        "AWS::Serverless::Api": _api_props(),
        "AWS::Serverless::HttpApi": _api_props(),
        "AWS::Serverless::LayerVersion": {
            "ContentUri": strings(),
            "LayerName": strings(),
            "CompatibleRuntimes": st.lists(st.sampled_from(WORDS[4:10])),
        },
        "AWS::Serverless::SimpleTable": {"PrimaryKey": values(leaves=3), "TableName": strings()},
    }


def _props(wild: bool) -> dict[str, st.SearchStrategy[dict[str, Any]]]:
    """Resource type -> its properties, right (every value of its shape) or wild."""
    _WILD[0] = wild
    for factory in _CACHED:
        factory.cache_clear()
    return {kind: shaped(props) for kind, props in resource_props().items()}


RIGHT_PROPS = _props(False)
WILD_PROPS = _props(True)  # last: the other strategies are built wild from here on

#: the type each id of ``POOL`` has most of the time, so that references link
NATURAL = {
    "Fn": "AWS::Lambda::Function",
    "Fn2": "AWS::Lambda::Function",
    "Role": "AWS::IAM::Role",
    "Policy": "AWS::IAM::Policy",
    "Managed": "AWS::IAM::ManagedPolicy",
    "Perm": "AWS::Lambda::Permission",
    "Url": "AWS::Lambda::Url",
    "Esm": "AWS::Lambda::EventSourceMapping",
    "Eic": "AWS::Lambda::EventInvokeConfig",
    "Alias": "AWS::Lambda::Alias",
    "Version": "AWS::Lambda::Version",
    "Layer": "AWS::Lambda::LayerVersion",
    "Logs": "AWS::Logs::LogGroup",
    "Alarm": "AWS::CloudWatch::Alarm",
    "Subnet": "AWS::EC2::Subnet",
    "Sg": "AWS::EC2::SecurityGroup",
    "Vpce": "AWS::EC2::VPCEndpoint",
    "Rt": "AWS::EC2::RouteTable",
    "Route": "AWS::EC2::Route",
    "Assoc": "AWS::EC2::SubnetRouteTableAssociation",
    "RestApi": "AWS::ApiGateway::RestApi",
    "Method": "AWS::ApiGateway::Method",
    "Stage": "AWS::ApiGateway::Stage",
    "HttpApi": "AWS::ApiGatewayV2::Api",
    "HttpRoute": "AWS::ApiGatewayV2::Route",
    "Integration": "AWS::ApiGatewayV2::Integration",
    "Queue": "AWS::SQS::Queue",
    "SamFn": "AWS::Serverless::Function",
    "SamApi": "AWS::Serverless::Api",
    "SamHttpApi": "AWS::Serverless::HttpApi",
}


@st.composite
def resources(draw: st.DrawFn, logical_id: str | None = None) -> tuple[str, Any]:
    """A logical id and a resource: mostly the id's natural type with its properties (right
    or wild), sometimes another type, rarely a resource of the wrong shape."""
    if logical_id is None:
        logical_id = draw(odd_text())
    natural = NATURAL.get(logical_id)
    if natural is not None and not draw(one_in(10)):
        kind = natural
    else:
        kind = draw(
            st.one_of(
                st.sampled_from(KNOWN_TYPES),
                st.sampled_from(["AWS::SNS::Topic", "Custom::Thing", "AWS::Lambda::Nope", ""]),
                odd_text(),
            )
        )
    props: Any
    wild = draw(one_in(4))
    if kind in RIGHT_PROPS and not draw(one_in(20)):
        props = draw((WILD_PROPS if wild else RIGHT_PROPS)[kind])
        if wild and draw(st.booleans()):
            extra = st.dictionaries(keys(), values(leaves=3), max_size=2)
            props.update(draw(extra))
    else:
        props = draw(
            st.one_of(st.dictionaries(st.sampled_from(WORDS), values(), max_size=3), values())
        )
    resource: dict[str, Any] = {"Type": kind}
    if not draw(one_in(20)):
        resource["Properties"] = props
    extras = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "Condition": st.one_of(st.sampled_from(CONDITIONS), values(leaves=2)),
                "DependsOn": lists_of(st.sampled_from(POOL)),
                "Metadata": st.one_of(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "aws:cdk:path": strings(),
                            "aws:asset:path": st.sampled_from(
                                ["asset.x", "../outside", "/etc", ".", "outside/secret.py"]
                            ),
                            "aws:asset:property": st.just("Code"),
                        },
                    ),
                    values(leaves=3),
                ),
                "DeletionPolicy": strings(),
            },
        )
    )
    if wild or draw(one_in(4)):
        resource.update(extras)
    if wild and draw(one_in(20)):  # no Type, or not an object at all
        return logical_id, draw(st.one_of(values(leaves=3), st.just({"Properties": props})))
    return logical_id, resource


@_cached
def parameters() -> st.SearchStrategy[Any]:
    definition = shaped(
        {
            "Type": st.sampled_from(
                [
                    "String",
                    "Number",
                    "CommaDelimitedList",
                    "AWS::SSM::Parameter::Value<String>",
                    "x",
                ]
            ),
            "Default": st.one_of(strings(), numbers()),
            "NoEcho": st.sampled_from([True, "true", False]),
            "AllowedValues": st.lists(strings()),
            "Description": strings(),
        }
    )
    return st.dictionaries(
        st.one_of(st.sampled_from(PARAMS), odd_text(max_size=4)), definition, max_size=4
    )


@_cached
def conditions() -> st.SearchStrategy[Any]:
    """Conditions over literals, parameters and each other, ``Loop`` referring to itself."""
    ref_param = st.sampled_from(PARAMS).map(lambda p: {"Ref": p})
    equals = st.builds(
        lambda a, b: {"Fn::Equals": [a, b]},
        st.one_of(ref_param, strings(), values(leaves=2)),
        st.one_of(ref_param, strings()),
    )
    other = st.sampled_from(CONDITIONS).map(lambda c: {"Condition": c})
    body = st.one_of(
        equals,
        st.builds(lambda c: {"Fn::Not": [c]}, st.one_of(equals, other)),
        st.builds(lambda a, b: {"Fn::And": [a, b]}, st.one_of(equals, other), other),
        st.builds(lambda a: {"Fn::Or": a}, st.lists(st.one_of(equals, other), max_size=3)),
        values(leaves=4),
    )
    return st.dictionaries(
        st.one_of(st.sampled_from(CONDITIONS), odd_text(max_size=4)), body, max_size=4
    )


@_cached
def mappings() -> st.SearchStrategy[Any]:
    inner = st.dictionaries(
        st.sampled_from(["K", "L"]),
        st.dictionaries(st.sampled_from(["V", "W"]), values(leaves=4), max_size=2),
        max_size=2,
    )
    return st.dictionaries(
        st.sampled_from(MAPPINGS), st.one_of(inner, values(leaves=3)), max_size=2
    )


@_cached
def outputs() -> st.SearchStrategy[Any]:
    output = shaped({"Value": values(leaves=4), "Export": shaped({"Name": values(leaves=3)})})
    return st.dictionaries(
        st.one_of(st.sampled_from(["Out", "Arn"]), odd_text(max_size=4)),
        st.one_of(output, values(leaves=2)),
        max_size=3,
    )


@_cached
def globals_section() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {},
        optional={
            "Function": either(shaped(_sam_function_props())),
            "Api": either(shaped(_api_props())),
            "HttpApi": either(shaped(_api_props())),
            "SimpleTable": values(leaves=2),
        },
    )


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    """A CloudFormation or SAM template: sections of the right type most of the time."""
    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        doc["Transform"] = draw(
            st.one_of(
                st.just("AWS::Serverless-2016-10-31"),
                st.builds(lambda: ["AWS::Serverless-2016-10-31"]),
                values(leaves=2),
            )
        )
    if not draw(one_in(20)):
        ids = draw(st.lists(st.sampled_from(POOL), max_size=10, unique=True))
        if not draw(one_in(10)):  # most templates have a function to check
            ids.insert(0, draw(st.sampled_from(["Fn", "Fn", "SamFn"])))
        pairs = [draw(resources(logical_id)) for logical_id in dict.fromkeys(ids)]
        pairs += draw(st.lists(resources(), max_size=2))
        if draw(one_in(4)):  # a function whose logical id could forge output when printed
            odd_id = draw(odd_text(max_size=6) | keys())
            pairs.append(
                (
                    odd_id,
                    {
                        "Type": "AWS::Lambda::Function",
                        "Properties": draw(RIGHT_PROPS["AWS::Lambda::Function"]),
                    },
                )
            )
        doc["Resources"] = dict(pairs)
    else:
        doc["Resources"] = draw(values(leaves=4))
    sections: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
        "Parameters": parameters,
        "Conditions": conditions,
        "Mappings": mappings,
        "Outputs": outputs,
        "Globals": globals_section,
    }
    for name, strategy in sections.items():
        if draw(one_in(3)):
            wrong = draw(one_in(20))
            doc[name] = draw(values(leaves=3) if wrong else strategy())
    if draw(one_in(10)):
        doc["Metadata"] = draw(values(leaves=4))
    return doc


#: keys whose string value names something of the template (an id, a type), not a value
_NAMING = frozenset(
    {
        "Type",
        "Ref",
        "Condition",
        "DependsOn",
        "Fn::GetAtt",
        "Fn::ImportValue",
        "aws:cdk:path",
        "aws:asset:path",
    }
)


def value_leaves(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every string value of ``doc`` that is a value, each once: not a
    key, a resource type or a reference to a logical id."""
    out: list[tuple[Any, Any]] = []
    for node in containers(doc):
        if isinstance(node, dict):
            out.extend(
                (node, k) for k, v in node.items() if isinstance(v, str) and k not in _NAMING
            )
        else:
            out.extend((node, i) for i, v in enumerate(node) if isinstance(v, str))
    return out


def plant_secret(draw: Callable[..., Any], doc: Any) -> None:
    """Put the planted secret in place of a few string values of ``doc``: names, ARNs, zones,
    descriptions, defaults... wherever a rule might quote a value."""
    leaves = value_leaves(doc)
    for _ in range(draw(st.integers(min(1, len(leaves)), min(3, len(leaves))), label="plant")):
        node, key = leaves[draw(st.integers(0, len(leaves) - 1), label="secret at")]
        node[key] = draw(
            st.sampled_from([SECRET, f"{SECRET}/x", f"arn:aws:iam::123456789012:role/{SECRET}"]),
            label="secret",
        )


# -- writing a document ----------------------------------------------------------------------
def containers(doc: Any) -> list[Any]:
    """Every dict and list of ``doc``, each once (iteratively: a document may be deep, and a
    YAML one may contain itself)."""
    out, todo, seen = [], [doc], set()
    while todo:
        node = todo.pop()
        if isinstance(node, (dict, list)) and id(node) not in seen:
            seen.add(id(node))
            out.append(node)
            todo.extend(node.values() if isinstance(node, dict) else node)
    return out


def deep_json(depth: int, kind: str) -> str:
    """A value ``depth`` levels deep, as JSON text written by hand."""
    if kind == "list":
        return "[" * depth + '"x"' + "]" * depth
    if kind == "dict":
        return '{"a": ' * depth + '"x"' + "}" * depth
    if kind == "join":
        return '{"Fn::Join": ["", [' * depth + '"x"' + "]]}" * depth
    return '{"Fn::If": ["IsProd", ' * depth + '"x"' + ', "y"]}' * depth


def deep_yaml(depth: int, kind: str) -> str:
    """The same value as YAML flow text (a flow node is valid wherever a plain scalar is)."""
    if kind == "list":
        return "[" * depth + "x" + "]" * depth
    if kind == "dict":
        return "{a: " * depth + "x" + "}" * depth
    if kind == "join":
        return "{Fn::Join: ['', [" * depth + "x" + "]]}" * depth
    return "{Fn::If: [IsProd, " * depth + "x" + ", y]}" * depth


class Tagged:
    """An intrinsic to write in YAML short form (``!Ref x``, ``!GetAtt a.b``, ``!Sub ...``)."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


class _Dumper(yaml.SafeDumper):
    """``yaml.SafeDumper`` that writes ``Tagged`` values with their tag and keeps aliases."""


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, str):
        return dumper.represent_scalar(data.tag, data.value)
    return dumper.represent_scalar(data.tag, json.dumps(data.value))


_Dumper.add_representer(Tagged, _represent_tagged)

_SHORT = {"Ref": "!Ref", "Condition": "!Condition"}


def short_tags(node: Any) -> Any:
    """A copy of ``node`` with one-key intrinsic objects as ``Tagged`` values (shared parts of
    the document stay shared, so the dumper still writes them as anchors and aliases)."""
    memo: dict[int, Any] = {}

    def walk(value: Any) -> Any:
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                tag = _SHORT.get(key) if isinstance(key, str) else None
                if tag is None and isinstance(key, str) and key.startswith("Fn::"):
                    tag = "!" + key[4:]
                if tag and not isinstance(arg, dict):  # a tag on a tag: keep the long form
                    if (
                        tag == "!GetAtt"
                        and isinstance(arg, list)
                        and len(arg) == 2
                        and all(isinstance(a, str) for a in arg)
                    ):
                        arg = ".".join(arg)
                    out: Any = Tagged(tag, walk(arg))
                    memo[id(value)] = out
                    return out
            new: dict[Any, Any] = {}
            memo[id(value)] = new
            for k, v in value.items():
                new[k] = walk(v)
            return new
        if isinstance(value, list):
            new_list: list[Any] = []
            memo[id(value)] = new_list
            new_list.extend(walk(v) for v in value)
            return new_list
        return value

    return walk(node)


def strip_surrogates(node: Any) -> Any:
    """YAML cannot carry a lone surrogate as text: write it as U+FFFD instead."""
    memo: dict[int, Any] = {}

    def fix(text: Any) -> Any:
        if isinstance(text, str):
            return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return text

    def walk(value: Any) -> Any:
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, dict):
            new: dict[Any, Any] = {}
            memo[id(value)] = new
            for k, v in value.items():
                new[fix(k)] = walk(v)
            return new
        if isinstance(value, list):
            new_list: list[Any] = []
            memo[id(value)] = new_list
            new_list.extend(walk(v) for v in value)
            return new_list
        return fix(value)

    return walk(node)


def to_json(doc: Any, deep: str | None = None) -> str:
    text = json.dumps(doc)  # ensure_ascii: control characters and surrogates as \u escapes
    return text if deep is None else text.replace(json.dumps(DEEP), deep)


def to_yaml(doc: Any, *, tags: bool, deep: str | None = None) -> str:
    body = strip_surrogates(doc)
    if tags:
        body = short_tags(body)
    text = yaml.dump(body, Dumper=_Dumper, allow_unicode=False, sort_keys=False)
    return text if deep is None else text.replace(DEEP, deep)


#: hand-written YAML: anchors, aliases, merge keys and short tags around drawn values
YAML_SKELETONS = (
    """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Secret: {{Type: String, Default: {secret}}}
Globals:
  Function: &defaults
    Runtime: {runtime}
    Environment:
      Variables: &vars
        DB_PASSWORD: {value}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      <<: *defaults
      Handler: index.handler
      InlineCode: {value2}
      Events:
        Get: {{Type: Api, Properties: {{Path: {path}, Method: get}}}}
  Fn2:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Runtime: !Ref Secret
      Environment: {{Variables: *vars}}
      Code: {{ZipFile: !Sub "${{AWS::Region}} {value}"}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: &trust
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}},
                     Action: sts:AssumeRole}}]
      Policies:
        - PolicyName: {value3}
          PolicyDocument: {{Statement: [{{Effect: Allow, Action: {action}, Resource: {value}}}]}}
""",
    """\
Resources:
  Fn: &fn
    Type: AWS::Lambda::Function
    Properties: &props
      Runtime: {runtime}
      Role: !GetAtt [Role, Arn]
      Tags: [{{Key: {secret}, Value: {value}}}]
      Environment: {{Variables: {{DB_PASSWORD: {secret}}}}}
      FunctionName: !Join ["-", [!Ref "AWS::StackName", {value2}]]
  Fn2:
    <<: *fn
  Alias:
    Type: AWS::Lambda::Alias
    Properties: {{FunctionName: !Ref Fn, Name: {secret}, FunctionVersion: !Select [0, [{value3}]]}}
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !If [IsProd, !Ref Alias, !GetAtt Fn.Arn]
      Principal: {value}
      Action: {action}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Action: {action}, Principal: "*"}}]}}
      ManagedPolicyArns: [!ImportValue {value2}, !FindInMap [Map, K, {value3}]]
Conditions:
  IsProd: !Equals [!Ref Env, {value}]
Mappings:
  Map: {{K: {{V: {value}}}}}
""",
    """\
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${{Fn}}
      RetentionInDays: {number}
  Fn:
    Type: AWS::Lambda::Function
    Condition: {value}
    Properties:
      Runtime: {runtime}
      LoggingConfig: {{LogGroup: !Ref Logs}}
      VpcConfig:
        SubnetIds: [!Ref Subnet, !Ref {value2}]
        SecurityGroupIds: !Split [",", {value3}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {{MapPublicIpOnLaunch: {value}, AvailabilityZone: !Select [{number}, !GetAZs ""]}}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: Errors
      Dimensions: [{{Name: FunctionName, Value: !Ref Fn}}]
      Threshold: {number}
""",
)


def yaml_scalar(value: Any) -> str:
    """A drawn value as a YAML flow scalar: a JSON string is a valid YAML double-quoted one
    (its ``\\u`` escapes included, lone surrogates too)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value) if isinstance(value, float) and value == value else '".nan"'


# -- running the command line and checking the contract --------------------------------------
@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    fmt: str
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return (
            f"guardrails {' '.join(self.argv)}\nexit {self.code}\n--- stderr ---\n{self.err!r}\n"
            f"--- stdout (last 1500 chars) ---\n{self.out[-1500:]!r}"
        )


def run_cli(argv: Sequence[str], timeout: float = 30) -> Run:
    """``guardrails.cli.main(argv)`` in a daemon thread (a FIFO must never block it), its
    stdout and stderr captured; a run that does not end in ``timeout`` seconds fails."""
    out, err = io.StringIO(), io.StringIO()
    result: list[int] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(cli.main(list(argv)))
        except BaseException as exc:  # reported as a contract violation, never swallowed
            failure.append(exc)

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(timeout)
    assert not thread.is_alive(), f"guardrails {' '.join(argv)} did not finish in {timeout} s"
    assert not failure, f"guardrails {' '.join(argv)} raised {failure[0]!r}"
    fmt = argv[argv.index("--format") + 1] if "--format" in argv else "text"
    return Run(tuple(argv), fmt, result[0], out.getvalue(), err.getvalue())


def check_contract(
    run: Run, *, never: Sequence[str] = (SECRET,), allow_incomplete: bool = False
) -> None:
    """Assert the command line's output contract for ``guardrails scan`` on any input."""
    code, out, err = run.code, run.out, run.err
    both = out + err
    assert code in (0, 1, 2), f"exit code {code}\n{run}"
    assert "Traceback" not in both, f"a traceback\n{run}"
    assert "unexpected" not in err.lower(), f"'unexpected' in the error line\n{run}"
    assert "internal error" not in err, f"an internal error (a crash turned into exit 2)\n{run}"
    bad = FORBIDDEN.search(both)
    assert bad is None, f"raw control character {bad.group()!r} in the output\n{run}"
    for value in never:
        at = both.find(value)
        around = both[max(0, at - 200) : at + len(value) + 100]
        assert at < 0, f"{value!r} printed, in: {around!r}\n{run}"
    if code == 2 and not out:
        assert err.startswith("guardrails: error: "), f"exit 2 without the error line\n{run}"
        assert err.count("\n") == 1 and err.endswith("\n"), f"not one error line\n{run}"
        return
    assert out, f"exit {code} and nothing on stdout\n{run}"
    assert err == "", f"a report and something on stderr\n{run}"
    if run.fmt == "text":
        _check_text(run, allow_incomplete)
    elif run.fmt == "json":
        _check_json(run, allow_incomplete)
    elif run.fmt == "sarif":
        _check_sarif(run, allow_incomplete)
    else:
        _check_junit(run, allow_incomplete)


def _check_text(run: Run, allow_incomplete: bool) -> None:
    lines = run.out.rstrip("\n").split("\n")
    last = lines[-1]
    for line in lines[:-1]:
        assert not line.startswith(("PASSED", "FAILED")), f"a verdict-like line {line!r}\n{run}"
    has_errors = "\nErrors (not checked):\n" in run.out
    errors = run.out.split("\nErrors (not checked):\n", 1)[-1] if has_errors else ""
    assert "unexpected" not in errors.lower(), f"'unexpected' among the errors\n{run}"
    if run.code == 0:
        assert last.startswith("PASSED"), f"exit 0 without PASSED\n{run}"
        assert allow_incomplete or not has_errors, f"PASSED with errors listed\n{run}"
    elif run.code == 1:
        assert last.startswith("FAILED"), f"exit 1 without FAILED\n{run}"
        assert allow_incomplete or not has_errors, f"exit 1 with errors listed\n{run}"
    else:
        assert last.startswith("FAILED") and "INCOMPLETE" in last, f"exit 2 report\n{run}"
        assert has_errors, f"exit 2, no errors listed\n{run}"


def _check_json(run: Run, allow_incomplete: bool) -> None:
    try:
        doc = json.loads(run.out)
    except ValueError:
        raise AssertionError(f"--format json is not JSON\n{run}") from None
    assert isinstance(doc, dict) and list(doc) == ["tool", "findings", "summary", "errors"], (
        f"JSON keys {list(doc) if isinstance(doc, dict) else type(doc)}\n{run}"
    )
    errors = " ".join(map(str, doc["errors"])).lower()
    assert "unexpected" not in errors, f"'unexpected' among the errors\n{run}"
    if allow_incomplete:
        assert run.code in (0, 1), f"exit 2 with --allow-incomplete\n{run}"
    else:
        assert (run.code == 2) == bool(doc["errors"]), f"exit 2 iff errors\n{run}"
    if run.code != 2:  # the verdict rests on the findings: exit 1 iff one fails the run
        fail_on = run.argv[run.argv.index("--fail-on") + 1] if "--fail-on" in run.argv else "high"
        failing = [
            f
            for f in doc["findings"]
            if f["status"] == "open"
            and fail_on != "none"
            and SEVERITY_RANK[f["severity"]] >= SEVERITY_RANK[fail_on]
        ]
        assert (run.code == 1) == bool(failing), (
            f"exit {run.code} and {len(failing)} failing\n{run}"
        )


def _check_sarif(run: Run, allow_incomplete: bool) -> None:
    try:
        doc = json.loads(run.out)
    except ValueError:
        raise AssertionError(f"--format sarif is not JSON\n{run}") from None
    props = doc["runs"][0]["properties"]
    invocation = doc["runs"][0]["invocations"][0]
    successful = invocation["executionSuccessful"]
    notes = json.dumps(invocation.get("toolExecutionNotifications", [])).lower()
    assert "unexpected" not in notes, f"'unexpected' among the notifications\n{run}"
    if props.get("verdict") == "PASSED":
        assert allow_incomplete or successful, f"SARIF PASSED with errors\n{run}"
    assert allow_incomplete or (run.code == 2) == (not successful), f"exit 2 iff errors\n{run}"


def _check_junit(run: Run, allow_incomplete: bool) -> None:
    try:
        root = ET.fromstring(run.out)
    except ET.ParseError as exc:
        raise AssertionError(f"--format junit is not XML ({exc})\n{run}") from None
    errors = int(root.get("errors", "0"))
    messages = " ".join(e.get("message", "") for e in root.iter("error")).lower()
    assert "unexpected" not in messages, f"'unexpected' among the JUnit errors\n{run}"
    if not allow_incomplete:
        assert (run.code == 2) == (errors > 0), f"exit 2 iff JUnit errors\n{run}"
