"""AWS SAM templates: serverless resources expanded into what the SAM transform generates, with
SAM's logical ids, then scanned like any template."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from guardrails import engine
from guardrails.errors import InputError
from guardrails.model import functions, load, sam
from guardrails.model.template import _CfnYamlLoader, load_template
from guardrails.policy import Policy
from tests.conftest import TODAY

TEMPLATES = Path(__file__).parent.parent / "templates"

APP = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Tracing: Active
    Layers: [arn:aws:lambda:eu-west-1:123456789012:layer:shared:3]
    Environment:
      Variables:
        STAGE: prod
        LOG_LEVEL: info
Resources:
  Orders:
    Type: AWS::Serverless::SimpleTable
  Jobs:
    Type: AWS::SQS::Queue
  JobsDlq:
    Type: AWS::SQS::Queue
  Uploads:
    Type: AWS::S3::Bucket
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.handler
      CodeUri: s3://acme-artifacts/orders.zip
      Layers: [!Ref OrdersLayer]
      Environment:
        Variables:
          LOG_LEVEL: debug
          TABLE_NAME: !Ref Orders
      VpcConfig:
        SubnetIds: [subnet-0a1b2c3d4e5f60718]
        SecurityGroupIds: [sg-0123456789abcdef0]
      PermissionsBoundary: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: "*"
        - AmazonS3ReadOnlyAccess
        - arn:aws:iam::123456789012:policy/audit
        - NoSuchPolicyTemplate: {Whatever: x}
      FunctionUrlConfig:
        AuthType: NONE
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure: {Type: SQS, Destination: !GetAtt JobsDlq.Arn}
      Events:
        GetOrder:
          Type: Api
          Properties: {Path: "/orders/{id}", Method: get}
        ListOrders:
          Type: Api
          Properties:
            Path: /orders
            Method: get
            Auth: {Authorizer: AWS_IAM}
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
        Upload:
          Type: S3
          Properties: {Bucket: !Ref Uploads, Events: "s3:ObjectCreated:*"}
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
  OrdersLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: s3://acme-artifacts/layer.zip
      CompatibleRuntimes: [python3.12]
  AuditFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: audit.handler
      InlineCode: "def handler(event, context): return {}"
      Tracing: PassThrough
      Role: arn:aws:iam::123456789012:role/audit
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt JobsDlq.Arn}
      Events:
        Topic:
          Type: SNS
          Properties: {Topic: arn:aws:sns:eu-west-1:123456789012:audit}
"""


def _doc(text: str = APP) -> dict:
    return yaml.load(text, Loader=_CfnYamlLoader)


def _scan(tmp_path: Path, text: str = APP, name: str = "app.yaml") -> list[engine.Finding]:
    path = tmp_path / name
    path.write_text(text)
    report = engine.scan(load(path), Policy.from_mapping({}, source="test"), today=TODAY)
    assert not report.errors, report.errors
    return list(report.open)


def _ids(findings: list[engine.Finding], rule_id: str) -> set[tuple[str, str]]:
    return {(f.logical_id, f.location) for f in findings if f.rule_id == rule_id}


# -- detection and identity -------------------------------------------------------------------
def test_plain_cloudformation_is_returned_unchanged() -> None:
    plain = [
        p
        for kind in ("flagged", "compliant")
        for p in sorted((TEMPLATES / kind).iterdir())
        if p.suffix in (".yaml", ".json") and "-sam-" not in p.name
    ]
    assert plain
    for path in plain:
        text = path.read_text()
        raw = yaml.load(text, Loader=_CfnYamlLoader)  # JSON is YAML
        assert not sam.is_sam(raw), path.name
        assert sam.expand(raw) is raw
        assert load_template(path) == raw, path.name


def test_transform_as_list_or_serverless_resource_only() -> None:
    listed = {"Transform": ["AWS::LanguageExtensions", sam.TRANSFORM], "Resources": {}}
    assert sam.is_sam(listed)
    bare = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {}}}}
    assert sam.is_sam(bare)
    assert sam.expand(bare)["Resources"]["Fn"]["Type"] == "AWS::Lambda::Function"
    assert not sam.is_sam({"Transform": "AWS::LanguageExtensions", "Resources": {}})


def test_input_is_not_modified() -> None:
    doc = _doc()
    before = copy.deepcopy(doc)
    out = sam.expand(doc)
    assert doc == before
    assert "Globals" not in out and "Globals" in doc


# -- expansion --------------------------------------------------------------------------------
def test_logical_ids_are_the_ones_sam_generates() -> None:
    resources = sam.expand(_doc())["Resources"]
    types = {k: v["Type"] for k, v in resources.items()}
    assert types["OrdersFunction"] == "AWS::Lambda::Function"
    assert types["OrdersFunctionRole"] == "AWS::IAM::Role"
    assert types["OrdersFunctionUrl"] == "AWS::Lambda::Url"
    assert types["OrdersFunctionUrlPublicPermissions"] == "AWS::Lambda::Permission"
    assert types["OrdersFunctionEventInvokeConfig"] == "AWS::Lambda::EventInvokeConfig"
    assert types["OrdersFunctionWork"] == "AWS::Lambda::EventSourceMapping"
    assert types["OrdersFunctionUploadPermission"] == "AWS::Lambda::Permission"
    assert types["OrdersFunctionNightly"] == "AWS::Events::Rule"
    assert types["OrdersFunctionNightlyPermission"] == "AWS::Lambda::Permission"
    assert types["OrdersFunctionGetOrderPermissionProd"] == "AWS::Lambda::Permission"
    assert types["ServerlessRestApi"] == "AWS::ApiGateway::RestApi"
    assert types["ServerlessRestApiProdStage"] == "AWS::ApiGateway::Stage"
    assert types["OrdersLayer"] == "AWS::Lambda::LayerVersion"
    assert types["Orders"] == "AWS::DynamoDB::Table"
    assert types["AuditFunctionTopic"] == "AWS::SNS::Subscription"
    assert types["AuditFunctionTopicPermission"] == "AWS::Lambda::Permission"
    assert "AuditFunctionRole" not in types  # Role given: used as is
    assert not any(t.startswith("AWS::Serverless::") for t in types.values())
    # plain resources are kept as written
    assert resources["Jobs"] == {"Type": "AWS::SQS::Queue"}


def test_globals_are_merged_into_each_function() -> None:
    resources = sam.expand(_doc())["Resources"]
    orders = resources["OrdersFunction"]["Properties"]
    assert orders["Runtime"] == "python3.12"
    assert orders["TracingConfig"] == {"Mode": "Active"}
    # maps merged key by key, the function's value winning; lists concatenated, globals first
    assert orders["Environment"]["Variables"] == {
        "STAGE": "prod",
        "LOG_LEVEL": "debug",
        "TABLE_NAME": {"Ref": "Orders"},
    }
    assert orders["Layers"] == [
        "arn:aws:lambda:eu-west-1:123456789012:layer:shared:3",
        {"Ref": "OrdersLayer"},
    ]
    audit = resources["AuditFunction"]["Properties"]
    assert audit["TracingConfig"] == {"Mode": "PassThrough"}  # scalar overridden
    assert audit["Code"] == {"ZipFile": "def handler(event, context): return {}"}
    assert audit["Role"] == "arn:aws:iam::123456789012:role/audit"
    assert audit["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["JobsDlq", "Arn"]}}


def test_merge_globals_rules() -> None:
    assert sam.merge_globals({"a": 1, "m": {"x": 1}}, {"m": {"y": 2}}) == {
        "a": 1,
        "m": {"x": 1, "y": 2},
    }
    assert sam.merge_globals([1], [2]) == [1, 2]
    assert sam.merge_globals("Active", "PassThrough") == "PassThrough"
    # an intrinsic is a value: never merged with a map
    assert sam.merge_globals({"SubnetIds": ["a"]}, {"Ref": "Vpc"}) == {"Ref": "Vpc"}


def test_generated_role() -> None:
    role = sam.expand(_doc())["Resources"]["OrdersFunctionRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["lambda.amazonaws.com"]
    }
    arns = [a["Fn::Sub"] if isinstance(a, dict) else a for a in role["ManagedPolicyArns"]]
    prefix = "arn:${AWS::Partition}:iam::aws:policy/"
    assert arns == [
        prefix + "service-role/AWSLambdaBasicExecutionRole",
        prefix + "AWSXrayWriteOnlyAccess",
        prefix + "service-role/AWSLambdaVPCAccessExecutionRole",
        prefix + "service-role/AWSLambdaSQSQueueExecutionRole",
        prefix + "AmazonS3ReadOnlyAccess",
        "arn:aws:iam::123456789012:policy/audit",
    ]
    assert role["PermissionsBoundary"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary"
    }
    # inline documents and known templates, named as SAM names them; the unknown one ignored
    names = [p["PolicyName"] for p in role["Policies"]]
    assert names == ["OrdersFunctionRolePolicy0", "OrdersFunctionRolePolicy1"]
    crud = role["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert "dynamodb:ConditionCheckItem" in crud["Action"]
    assert crud["Resource"][1] == {
        "Fn::Sub": [
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"
            "/index/*",
            {"tableName": {"Ref": "Orders"}},
        ]
    }


def test_policy_templates_bind_their_parameters() -> None:
    doc = {
        "Transform": sam.TRANSFORM,
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Policies": [
                        {"SQSPollerPolicy": {"QueueName": {"Fn::GetAtt": ["Q", "QueueName"]}}},
                        {"KMSDecryptPolicy": {"KeyId": "1234abcd"}},
                        {"SecretsManagerGetSecretValuePolicy": {"SecretArn": "x"}},  # not SAM's
                    ]
                },
            }
        },
    }
    policies = sam.expand(doc)["Resources"]["FnRole"]["Properties"]["Policies"]
    assert [p["PolicyName"] for p in policies] == ["FnRolePolicy0", "FnRolePolicy1"]
    poller = policies[0]["PolicyDocument"]["Statement"][0]
    assert poller["Resource"]["Fn::Sub"][1] == {"queueName": {"Fn::GetAtt": ["Q", "QueueName"]}}
    kms = policies[1]["PolicyDocument"]["Statement"][0]
    assert kms["Action"] == "kms:Decrypt"
    assert kms["Resource"]["Fn::Sub"][1] == {"keyId": "1234abcd"}
    # the shared table is never modified by a binding
    assert sam.SAM_POLICY_TEMPLATES["KMSDecryptPolicy"][0]["Resource"]["Fn::Sub"][1] == {
        "keyId": {"Ref": "KeyId"}
    }


def test_local_code_uri_is_scanned_as_an_asset(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    path = tmp_path / "template.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Condition: Deploy\n"
        "    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}\n"
        "Conditions:\n"
        "  Deploy: !Equals [a, a]\n"
    )
    (fn,) = functions(load(path))
    assert fn.code is not None and fn.code.asset_path == (tmp_path / "src").resolve()
    assert fn.role is not None and fn.role.site.logical_id == "FnRole"
    assert load_template(path)["Resources"]["FnRole"]["Condition"] == "Deploy"


# -- scanned ----------------------------------------------------------------------------------
def test_findings_carry_sam_logical_ids(tmp_path: Path) -> None:
    found = _scan(tmp_path)
    assert _ids(found, "GR-INP-04") == {("OrdersFunctionUrl", "Properties/AuthType")}
    assert _ids(found, "GR-IAM-05") == {
        ("OrdersFunctionRole", "Properties/Policies/1/PolicyDocument/Statement/0/Resource")
    }
    # the S3 event invokes asynchronously and nothing catches failures; AuditFunction has a DLQ
    # (its SNS event is asynchronous too), OrdersFunction's event invoke config has none
    obs06 = {f.logical_id for f in found if f.rule_id == "GR-OBS-06"}
    assert "AuditFunction" not in obs06
    # the SQS event's queue has no redrive policy: reported on the queue
    assert ("Jobs", "Properties/RedrivePolicy") in _ids(found, "GR-OBS-07")
    # an Api event without Auth is an open method; the one with AWS_IAM is not
    inp01 = _ids(found, "GR-INP-01")
    assert inp01 == {("OrdersFunctionGetOrderMethod", "Properties/AuthorizationType")}
    assert _ids(found, "GR-OBS-01") == {("AuditFunction", "Properties/TracingConfig/Mode")}
    # the generated role has a boundary; the given role is not in the template
    assert not _ids(found, "GR-IAM-10")
    message = next(f.message for f in found if f.rule_id == "GR-INP-04")
    assert "OrdersFunction" in message


def test_event_invoke_config_destination_is_seen(tmp_path: Path) -> None:
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Thumbs:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: thumbs.handler
      CodeUri: s3://acme-artifacts/thumbs.zip
      Events:
        Upload:
          Type: S3
          Properties: {Bucket: !Ref Bucket, Events: "s3:ObjectCreated:*"}
  Bucket:
    Type: AWS::S3::Bucket
"""
    assert {f.logical_id for f in _scan(tmp_path, text) if f.rule_id == "GR-OBS-06"} == {"Thumbs"}
    safe = text.replace(
        "      Events:",
        "      EventInvokeConfig:\n"
        "        DestinationConfig:\n"
        "          OnFailure: {Type: SQS, Destination: !GetAtt Dlq.Arn}\n"
        "      Events:",
    )
    assert not [f for f in _scan(tmp_path, safe, "safe.yaml") if f.rule_id == "GR-OBS-06"]


def test_http_api_routes_and_authorizers(tmp_path: Path) -> None:
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        Authorizers:
          Jwt:
            JwtConfiguration: {issuer: "https://auth.example", audience: [app]}
            IdentitySource: $request.header.Authorization
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://acme-artifacts/app.zip
      Events:
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /health, Method: get}
        Closed:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /orders, Method: post, Auth: {Authorizer: Jwt}}
"""
    resources = sam.expand(_doc(text))["Resources"]
    assert resources["FnClosedRoute"]["Properties"]["AuthorizationType"] == "JWT"
    assert resources["FnOpenRoute"]["Properties"]["RouteKey"] == "GET /health"
    assert _ids(_scan(tmp_path, text), "GR-INP-03") == {
        ("FnOpenRoute", "Properties/AuthorizationType")
    }


# -- shapes SAM rejects: one line naming the file and the place, never the value -----------------
MARKER = "AKIAZZZZZZZZZZZZZZZZ"  # a fake credential: must never reach a message


def _fn(**props: object) -> dict:
    base: dict = {"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "s3://b/k.zip"}
    return {
        "Transform": sam.TRANSFORM,
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {**base, **props}}},
    }


def _with(doc: dict, **top: object) -> dict:
    return {**doc, **top}


P = "Resources/Fn/Properties"


@pytest.mark.parametrize(
    ("doc", "place", "expected"),
    [
        (_fn(Events=[MARKER]), f"{P}/Events", "expected a mapping of event names"),
        (_fn(Events={"Api": MARKER}), f"{P}/Events/Api", "expected a mapping with Type and"),
        (_fn(Events={"Api": {"Properties": {}}}), f"{P}/Events/Api", "expected a mapping with"),
        (_fn(Events={"Api": {"Type": [MARKER]}}), f"{P}/Events/Api", "expected a mapping with"),
        (
            _fn(Events={"Api": {"Type": "Api", "Properties": MARKER}}),
            f"{P}/Events/Api/Properties",
            "expected a mapping",
        ),
        (_fn(Policies=42), f"{P}/Policies", "expected a managed policy name or ARN"),
        (_fn(Policies=["AWSLambdaExecute", [MARKER]]), f"{P}/Policies/1", "expected a managed"),
        (
            _fn(Policies=[{"S3ReadPolicy": MARKER}]),
            f"{P}/Policies/0/S3ReadPolicy",
            "expected a mapping of the policy template's parameters",
        ),
        (_fn(FunctionUrlConfig=MARKER), f"{P}/FunctionUrlConfig", "expected a mapping with Auth"),
        (_fn(DeadLetterQueue=[MARKER]), f"{P}/DeadLetterQueue", "expected a mapping with Type"),
        (
            _fn(DeadLetterQueue={"Type": {MARKER: 1}, "TargetArn": "arn"}),
            f"{P}/DeadLetterQueue/Type",
            "expected SQS or SNS",
        ),
        (_fn(EventInvokeConfig=MARKER), f"{P}/EventInvokeConfig", "expected a mapping"),
        (
            _fn(EventInvokeConfig={"DestinationConfig": [MARKER]}),
            f"{P}/EventInvokeConfig/DestinationConfig",
            "expected a mapping with OnSuccess",
        ),
        (
            _fn(EventInvokeConfig={"DestinationConfig": {"OnFailure": MARKER}}),
            f"{P}/EventInvokeConfig/DestinationConfig/OnFailure",
            "expected a mapping with Type and Destination",
        ),
        (_fn(Tags=[{"Key": MARKER, "Value": 1}]), f"{P}/Tags", "expected a mapping of tag"),
        (_fn(CodeUri=[MARKER]), f"{P}/CodeUri", "expected a local path, an s3:// URI"),
        (_with(_fn(), Globals=[MARKER]), "Globals", "expected a mapping of sections"),
        (_with(_fn(), Globals={"Function": MARKER}), "Globals/Function", "expected a mapping"),
        (_with(_fn(), Globals={"Api": [MARKER]}), "Globals/Api", "expected a mapping"),
        (
            _with(_fn(), Globals={"Function": {"Events": {"E": MARKER}}}),
            "Globals/Function/Events/E",
            "expected a mapping with Type and Properties",
        ),
        (
            {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": [MARKER]}}},
            P,
            "expected a mapping",
        ),
        (
            {
                "Resources": {
                    "Layer": {
                        "Type": "AWS::Serverless::LayerVersion",
                        "Properties": {"ContentUri": [MARKER]},
                    }
                }
            },
            "Resources/Layer/Properties/ContentUri",
            "expected a local path",
        ),
        (_fn(Events={MARKER + "-x": 1}), f"{P}/Events/<invalid name>", "expected a mapping"),
    ],
)
def test_shapes_sam_rejects_are_input_errors(doc: dict, place: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        sam.expand(doc, source="stacks/app.yaml")
    message = str(info.value)
    assert message.startswith(f"stacks/app.yaml: {place}: {expected}"), message
    assert message.endswith("; fix the SAM template")
    assert MARKER not in message and "\n" not in message


def test_source_defaults_to_template() -> None:
    with pytest.raises(InputError, match=r"^template: Resources/Fn/Properties/Policies: "):
        sam.expand(_fn(Policies=1.5))


@pytest.mark.parametrize(
    "doc",
    [
        # references that are not plain Refs: the API is simply not one of the template's
        _fn(Events={"E": {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": [MARKER]}}}}),
        _fn(Events={"E": {"Type": "Api", "Properties": {"RestApiId": {"Ref": {}}}}}),
        # authorizers that are not a mapping: a named authorizer still authorizes
        _with(
            _fn(Events={"E": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}}),
            Globals={"Api": {"Auth": {"DefaultAuthorizer": "A", "Authorizers": [MARKER]}}},
        ),
        # a key type SAM would reject, about a table no rule reads
        {
            "Resources": {
                "T": {
                    "Type": "AWS::Serverless::SimpleTable",
                    "Properties": {"PrimaryKey": {"Name": "id", "Type": [MARKER]}},
                }
            }
        },
        # values SAM copies and the model reads as it reads any template: left to it
        _fn(Layers=MARKER, Environment=[MARKER], VpcConfig=5, Tracing=[MARKER], Role=[1]),
        _fn(Events={"E": {"Type": "Api", "Properties": {"Path": 5, "Method": [1], "Auth": "x"}}}),
        # an event type the expansion does not model, and a resource without Properties
        _fn(Events={"E": {"Type": "NotAnEventSamKnows"}}),
        {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": None}}},
    ],
)
def test_undecidable_values_are_tolerated(doc: dict) -> None:
    out = sam.expand(doc, source="app.yaml")
    assert not any(
        str(r.get("Type", "")).startswith("AWS::Serverless::") for r in out["Resources"].values()
    )


def test_a_named_authorizer_without_definitions_is_still_an_authorizer() -> None:
    doc = _with(
        _fn(Events={"E": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}}),
        Globals={"Api": {"Auth": {"DefaultAuthorizer": "A", "Authorizers": "not-a-mapping"}}},
    )
    method = sam.expand(doc)["Resources"]["FnEMethod"]["Properties"]
    assert method["AuthorizationType"] == "CUSTOM"


def test_a_template_nested_too_deep_to_copy_is_an_input_error() -> None:
    deep: object = {}
    for _ in range(5000):
        deep = {"a": deep}
    with pytest.raises(InputError, match=r"^deep\.yaml: nested too deep to expand"):
        sam.expand(_fn(Environment=deep), source="deep.yaml")
