"""``aws:apigateway/*``, ``aws:apigatewayv2/*`` and WAF associations: the front doors."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource, is_unknown
from guardrails.pulumi.translator import Translator, handles, merges
from guardrails.pulumi.types.names import FUNCTIONS, HTTP_API, REST_API, REST_METHOD, REST_RESOURCE


@handles(REST_API)
def _rest_api(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::ApiGateway::RestApi", {"Name": t.value(p.get("name"))})


@handles(REST_RESOURCE)
def _rest_resource(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::Resource",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "ParentId": t.ref(r, "parentId", p.get("parentId"), (REST_RESOURCE,)),
            "PathPart": t.value(p.get("pathPart")),
        },
    )


@handles(REST_METHOD)
def _rest_method(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::Method",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "ResourceId": t.ref(r, "resourceId", p.get("resourceId"), (REST_RESOURCE,)),
            "HttpMethod": t.value(p.get("httpMethod")),
            "AuthorizationType": t.value(p.get("authorization")),
            "AuthorizerId": t.ref(r, "authorizerId", p.get("authorizerId")),
            "ApiKeyRequired": t.value(p.get("apiKeyRequired")),
            "RequestValidatorId": t.ref(r, "requestValidatorId", p.get("requestValidatorId")),
            "RequestModels": t.value(p.get("requestModels")),
        },
    )


@merges("aws:apigateway/integration:Integration")
def _rest_integration(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    """An integration is part of its method in a template (``Integration``)."""
    method = next(
        (
            m
            for m in t.resources
            if m.type == REST_METHOD
            and t.props[m.urn].get("restApi") == p.get("restApi")
            and t.props[m.urn].get("resourceId") == p.get("resourceId")
            and t.props[m.urn].get("httpMethod") == p.get("httpMethod")
        ),
        None,
    )
    target = t.resource_of(method.urn) if method else None
    if method is None or target is None:
        return
    target["Properties"]["Integration"] = {
        "Type": t.value(p.get("type")),
        "IntegrationHttpMethod": t.value(p.get("integrationHttpMethod")),
        "Uri": _integration_uri(t, r, p.get("uri")),
    }
    t.origins[(t.ids[method.urn], "Properties/Integration")] = r.urn


def _integration_uri(t: Translator, r: PulumiResource, uri: Any) -> Any:
    """An integration URI: known, with the function's ARN inside; unknown, built from the one
    function it depends on (``fn.invoke_arn``)."""
    if is_unknown(uri):
        functions = t.dependencies(r, "uri", FUNCTIONS)
        if len(functions) == 1:
            return {
                "Fn::Join": [
                    "",
                    [
                        "arn:aws:apigateway:",
                        {"Ref": "AWS::Region"},
                        ":lambda:path/2015-03-31/functions/",
                        {"Fn::GetAtt": [functions[0], "Arn"]},
                        "/invocations",
                    ],
                ]
            }
    return t.ref(r, "uri", uri, FUNCTIONS, "Arn")


@handles("aws:apigateway/stage:Stage")
def _rest_stage(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::Stage",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "StageName": t.value(p.get("stageName")),
            "TracingEnabled": t.value(p.get("xrayTracingEnabled")),
        },
    )


@handles("aws:apigateway/requestValidator:RequestValidator")
def _request_validator(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGateway::RequestValidator",
        {
            "RestApiId": t.ref(r, "restApi", p.get("restApi"), (REST_API,)),
            "ValidateRequestBody": t.value(p.get("validateRequestBody")),
            "ValidateRequestParameters": t.value(p.get("validateRequestParameters")),
        },
    )


@handles("aws:wafv2/webAclAssociation:WebAclAssociation")
def _waf_association(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::WAFv2::WebACLAssociation",
        {
            "ResourceArn": t.ref(r, "resourceArn", p.get("resourceArn"), (), "Arn"),
            "WebACLArn": t.ref(r, "webAclArn", p.get("webAclArn"), (), "Arn"),
        },
    )


@handles(HTTP_API)
def _http_api(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Api",
        {
            "Name": t.value(p.get("name")),
            "ProtocolType": t.value(p.get("protocolType")),
            "Target": t.ref(r, "target", p.get("target"), FUNCTIONS, "Arn"),
        },
    )


@handles("aws:apigatewayv2/route:Route")
def _http_route(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Route",
        {
            "ApiId": t.ref(r, "apiId", p.get("apiId"), (HTTP_API,)),
            "RouteKey": t.value(p.get("routeKey")),
            "AuthorizationType": t.value(p.get("authorizationType")),
            "AuthorizerId": t.ref(r, "authorizerId", p.get("authorizerId")),
            "Target": _route_target(t, r, p.get("target")),
        },
    )


def _route_target(t: Translator, r: PulumiResource, target: Any) -> Any:
    """``integrations/<id>``: a reference to the integration, as a template writes it."""
    deps = t.dependencies(r, "target", ("aws:apigatewayv2/integration:Integration",))
    if len(deps) == 1 and (is_unknown(target) or isinstance(target, str)):
        return {"Fn::Join": ["", ["integrations/", {"Ref": deps[0]}]]}
    return t.ref(r, "target", target)


@handles("aws:apigatewayv2/integration:Integration")
def _http_integration(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Integration",
        {
            "ApiId": t.ref(r, "apiId", p.get("apiId"), (HTTP_API,)),
            "IntegrationType": t.value(p.get("integrationType")),
            "IntegrationUri": t.ref(r, "integrationUri", p.get("integrationUri"), FUNCTIONS, "Arn"),
        },
    )


@handles("aws:apigatewayv2/authorizer:Authorizer")
def _http_authorizer(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::ApiGatewayV2::Authorizer",
        {
            "ApiId": t.ref(r, "apiId", p.get("apiId"), (HTTP_API,)),
            "AuthorizerType": t.value(p.get("authorizerType")),
        },
    )
