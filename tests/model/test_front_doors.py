"""Front doors behind API Gateway: REST methods, HTTP API routes, REST stages and their WAF
associations, linked to the function they invoke. A real synthesized app for CDK's forms, and
hand-written templates for the forms teams write by hand (``Fn::Sub``, literal ARNs)."""

import json
import textwrap

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_wafv2 as wafv2

from guardrails.model import front_doors, functions, load
from guardrails.model.values import Token
from tests.conftest import ENV, function, synth


def web_acl(scope: cdk.Stack) -> wafv2.CfnWebACL:
    return wafv2.CfnWebACL(
        scope,
        "Acl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="acl", sampled_requests_enabled=True
        ),
    )


def build(app: cdk.App) -> None:
    proxy = cdk.Stack(app, "Proxy", env=ENV)
    apigw.LambdaRestApi(
        proxy,
        "Api",
        handler=function(proxy),
        default_cors_preflight_options=apigw.CorsOptions(allow_origins=apigw.Cors.ALL_ORIGINS),
    )

    rest = cdk.Stack(app, "Rest", env=ENV)
    fn, other = function(rest), function(rest, "Other")
    api = apigw.RestApi(rest, "Api")
    orders = api.root.add_resource("orders")
    orders.add_resource("{id}").add_method(
        "PUT",
        apigw.LambdaIntegration(fn.add_alias("live")),
        authorization_type=apigw.AuthorizationType.IAM,
        request_validator_options=apigw.RequestValidatorOptions(validate_request_body=True),
    )
    orders.add_method("GET", apigw.LambdaIntegration(other), api_key_required=True)
    wafv2.CfnWebACLAssociation(
        rest,
        "Association",
        resource_arn=api.deployment_stage.stage_arn,
        web_acl_arn=web_acl(rest).attr_arn,
    )

    http = cdk.Stack(app, "Http", env=ENV)
    fn = function(http)
    api = apigwv2.HttpApi(
        http, "Api", default_integration=integrations.HttpLambdaIntegration("Root", fn)
    )
    api.add_routes(
        path="/orders",
        methods=[apigwv2.HttpMethod.POST],
        integration=integrations.HttpLambdaIntegration("Orders", fn.add_alias("live")),
        authorizer=authorizers.HttpIamAuthorizer(),
    )
    # a WebSocket API's routes are ApiGatewayV2 routes too: the model keeps the protocol
    apigwv2.WebSocketApi(
        http,
        "Ws",
        connect_route_options=apigwv2.WebSocketRouteOptions(
            integration=integrations.WebSocketLambdaIntegration("Connect", fn)
        ),
    )


@pytest.fixture(scope="module")
def fns(module_tmp):
    assembly = synth(build, module_tmp)
    return {(f.stack, f.logical_id): f for f in functions(assembly)}


def by_path(fns, stack, construct_path):
    (found,) = [
        f for (s, _), f in fns.items() if s == stack and f.site.construct_path == construct_path
    ]
    return found


def test_lambda_rest_api_proxy_methods_are_linked_with_paths_and_stage(fns):
    fn = by_path(fns, "Proxy", "Proxy/Fn/Resource")
    methods = sorted(fn.rest_methods, key=lambda m: m.path)
    assert [(m.http_method, m.path, m.authorization_type) for m in methods] == [
        ("ANY", "/", "NONE"),
        ("ANY", "/{proxy+}", "NONE"),
    ]
    # the CORS preflight OPTIONS methods are MOCK integrations: not the function's
    assert all(m.site.construct_path.endswith("/ANY/Resource") for m in methods)
    assert {m.label for m in methods} == {"ANY /", "ANY /{proxy+}"}
    assert all(m.rest_api and m.rest_api.startswith("Api") for m in methods)
    assert all(m.request_validator_id is None and m.request_validator is None for m in methods)
    (stage,) = methods[0].stages
    assert (stage.name, stage.declared_by, stage.web_acl_associated) == ("prod", "stage", False)
    assert stage.site.construct_path == "Proxy/Api/DeploymentStage.prod/Resource"
    assert stage.site.location == "Properties"


def test_methods_through_an_alias_validators_and_a_waf_association(fns):
    fn = by_path(fns, "Rest", "Rest/Fn/Resource")
    (put,) = fn.rest_methods
    assert (put.http_method, put.path, put.authorization_type) == ("PUT", "/orders/{id}", "AWS_IAM")
    assert put.request_validator == {
        "RestApiId": Token("ref", put.rest_api),
        "ValidateRequestBody": True,
    }
    assert put.request_validator_logical_id.startswith("Api")
    assert isinstance(put.request_validator_id, Token)
    (stage,) = put.stages
    assert stage.web_acl_associated is True
    other = by_path(fns, "Rest", "Rest/Other/Resource")
    (get,) = other.rest_methods
    assert (get.http_method, get.path, get.api_key_required) == ("GET", "/orders", True)
    assert get.stages == put.stages


def test_http_routes_default_route_alias_route_and_websocket(fns):
    fn = by_path(fns, "Http", "Http/Fn/Resource")
    routes = {r.route_key: r for r in fn.http_routes}
    assert set(routes) == {"$default", "POST /orders", "$connect"}
    default = routes["$default"]
    assert (default.authorization_type, default.protocol_type, default.quick_create) == (
        "NONE",
        "HTTP",
        False,
    )
    assert default.site.construct_path == "Http/Api/DefaultRoute/Resource"
    assert routes["POST /orders"].authorization_type == "AWS_IAM"
    assert routes["$connect"].protocol_type == "WEBSOCKET"


def test_functions_without_front_doors_have_none(fns):
    assert all(not f.http_routes for f in fns.values() if f.stack != "Http")
    assert all(not f.rest_methods for f in fns.values() if f.stack == "Http")


def template(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return {f.logical_id: f for f in functions(load(path))}


HAND_WRITTEN = """
    Parameters:
      StageArn: {Type: String}
    Resources:
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          FunctionName: orders-handler
          Runtime: python3.12
          Handler: index.handler
          Role: arn:aws:iam::123456789012:role/orders
          Code: {ZipFile: "def handler(e, c): pass"}
      Other:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: index.handler
          Role: arn:aws:iam::123456789012:role/orders
          Code: {ZipFile: "def handler(e, c): pass"}
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties: {Name: orders}
      Orders:
        Type: AWS::ApiGateway::Resource
        Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
      ById:
        Type: AWS::ApiGateway::Resource
        Properties: {RestApiId: !Ref Api, ParentId: !Ref Orders, PathPart: "{id}"}
      SubMethod:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !Ref ById
          HttpMethod: patch
          Integration:
            Type: AWS_PROXY
            IntegrationHttpMethod: POST
            Uri: !Sub "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/\
              functions/${Fn.Arn}/invocations"
      LiteralMethod:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !Ref Orders
          HttpMethod: POST
          RequestValidatorId: abc123
          Integration:
            Type: AWS_PROXY
            IntegrationHttpMethod: POST
            Uri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/\
              arn:aws:lambda:eu-west-1:123456789012:function:orders-handler:live/invocations"
      MockMethod:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !Ref Orders
          HttpMethod: OPTIONS
          Integration: {Type: MOCK}
      Deployment:
        Type: AWS::ApiGateway::Deployment
        DependsOn: [SubMethod, LiteralMethod]
        Properties: {RestApiId: !Ref Api, StageName: live}
      Staging:
        Type: AWS::ApiGateway::Stage
        Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: staging}
      LiveAcl:
        Type: AWS::WAFRegional::WebACLAssociation
        Properties:
          ResourceArn: !Sub "arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/live"
          WebACLId: 1234abcd-12ab-34cd-56ef-1234567890ab
      OtherAcl:
        Type: AWS::WAFv2::WebACLAssociation
        Properties:
          ResourceArn: !Ref StageArn
          WebACLArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1
      HttpApi:
        Type: AWS::ApiGatewayV2::Api
        Properties: {Name: quick, ProtocolType: HTTP, Target: !GetAtt Other.Arn}
      Overrides:
        Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides
        Properties: {ApiId: !Ref HttpApi, Route: {AuthorizationType: AWS_IAM}}
      SubIntegration:
        Type: AWS::ApiGatewayV2::Integration
        Properties:
          ApiId: !Ref HttpApi
          IntegrationType: AWS_PROXY
          PayloadFormatVersion: "2.0"
          IntegrationUri: !Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"
      Route:
        Type: AWS::ApiGatewayV2::Route
        Properties:
          ApiId: !Ref HttpApi
          RouteKey: GET /orders
          Target: !Sub "integrations/${SubIntegration}"
"""


def test_hand_written_forms(tmp_path):
    fns = template(tmp_path, "hand.yaml", HAND_WRITTEN)
    methods = {m.site.logical_id: m for m in fns["Fn"].rest_methods}
    assert set(methods) == {"SubMethod", "LiteralMethod"}  # by GetAtt in Sub, by literal ARN
    assert methods["SubMethod"].label == "PATCH /orders/{id}"
    assert methods["LiteralMethod"].request_validator_id == "abc123"
    assert methods["LiteralMethod"].request_validator is None
    stages = {s.name: s for s in methods["SubMethod"].stages}
    assert stages["live"].declared_by == "deployment"
    assert stages["live"].site.location == "Properties/StageName"
    assert stages["live"].web_acl_associated is True  # literal stage name after /stages/
    # the association whose ARN is a parameter might target it: undecidable
    assert stages["staging"].web_acl_associated is None
    assert fns["Other"].rest_methods == ()

    (route,) = fns["Fn"].http_routes
    assert (route.route_key, route.authorization_type, route.api) == (
        "GET /orders",
        None,
        "HttpApi",
    )
    (quick,) = fns["Other"].http_routes
    assert quick.quick_create and quick.route_key == "$default"
    assert quick.authorization_type == "AWS_IAM"  # from the managed overrides
    assert quick.site.location == "Properties/Target"


def test_association_with_another_stage_or_service_does_not_count(tmp_path):
    fns = template(
        tmp_path,
        "waf.json",
        """
        {"Resources": {
          "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler",
            "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": "x"}}},
          "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a"}},
          "Method": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
            "HttpMethod": "GET", "AuthorizationType": "NONE",
            "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
              "Uri": {"Fn::Join": ["", ["arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/",
                "functions/", {"Fn::GetAtt": ["Fn", "Arn"]}, "/invocations"]]}}}},
          "Deployment": {"Type": "AWS::ApiGateway::Deployment",
            "DependsOn": "Method", "Properties": {"RestApiId": {"Ref": "Api"}}},
          "Prod": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"},
            "StageName": "prod"}},
          "Dev": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Deployment"},
            "StageName": "dev"}},
          "DevAcl": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
            "WebACLArn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1",
            "ResourceArn": {"Fn::Join": ["", ["arn:aws:apigateway:eu-west-1::/restapis/",
              {"Ref": "Api"}, "/stages/", {"Ref": "Dev"}]]}}},
          "LiteralAcl": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
            "WebACLArn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1",
            "ResourceArn": "arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/prod"}},
          "AlbAcl": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
            "WebACLArn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1",
            "ResourceArn": {"Fn::Join": ["", ["arn:aws:elasticloadbalancing:eu-west-1:",
              "123456789012:loadbalancer/app/", {"Ref": "AlbName"}, "/1"]]}}}
        },
        "Parameters": {"AlbName": {"Type": "String"}}}
        """,
    )
    stages = {s.name: s.web_acl_associated for s in fns["Fn"].rest_methods[0].stages}
    assert stages == {"prod": False, "dev": True}


def test_a_thousand_functions_are_linked_in_one_pass(tmp_path, monkeypatch):
    """Every method and route is read once per template, not once per function."""
    calls = []
    original = front_doors.invoked_functions

    def counting(graph, value):
        calls.append(1)
        return original(graph, value)

    monkeypatch.setattr(front_doors, "invoked_functions", counting)
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a"}},
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Stage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"},
        },
    }
    for i in range(1000):
        resources[f"Fn{i}"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Runtime": "python3.12", "Handler": "i.h", "Role": "arn:r"},
        }
        arn = {"Fn::GetAtt": [f"Fn{i}", "Arn"]}
        resources[f"M{i}"] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "HttpMethod": "GET",
                "Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::Join": ["", ["f/", arn]]}},
            },
        }
        resources[f"I{i}"] = {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {"ApiId": {"Ref": "Http"}, "IntegrationUri": arn},
        }
        resources[f"R{i}"] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Http"},
                "RouteKey": f"GET /{i}",
                "Target": {"Fn::Join": ["", ["integrations/", {"Ref": f"I{i}"}]]},
            },
        }
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Resources": resources}))
    fns = functions(load(path))
    assert all(len(f.rest_methods) == 1 and len(f.http_routes) == 1 for f in fns)
    assert fns[7].rest_methods[0].site.logical_id == "M7"
    assert fns[7].http_routes[0].route_key == "GET /7"
    assert len(calls) == 2000  # each method and each integration, once
