"""The function's front doors behind API Gateway: REST API methods and HTTP API routes.

A REST method invokes the function when its ``Integration.Uri`` contains the function's ARN
(CDK emits it as an ``Fn::Join`` of ``arn:<partition>:apigateway:<region>:lambda:path/...``
around ``Fn::GetAtt <fn>.Arn``); an HTTP API route does when its ``Target``
(``integrations/<id>``) names an integration whose ``IntegrationUri`` is the function (or an
alias of it). Function URLs and ``AWS::Lambda::Permission`` are in ``function``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guardrails.model.site import Site
from guardrails.model.values import Value

if TYPE_CHECKING:
    from guardrails.model.assembly import Resource
    from guardrails.model.graph import StackGraph


@dataclass(frozen=True)
class RestStage:
    """A deployed stage of the REST API that fronts the function."""

    site: Site
    name: Value = None
    #: an ``AWS::WAFv2::WebACLAssociation`` (or WAF Regional) of the template targets it
    web_acl_associated: bool = False


@dataclass(frozen=True)
class RestMethod:
    """An ``AWS::ApiGateway::Method`` whose integration invokes the function."""

    site: Site
    http_method: Value = None
    authorization_type: Value = None
    api_key_required: Value = None
    #: the evaluated properties of its ``AWS::ApiGateway::RequestValidator``; None when the
    #: method names none; ``{}`` is never used for "unknown" (see ``request_validator_id``)
    request_validator: dict[str, Any] | None = None
    #: ``RequestValidatorId`` as given (a token to a validator outside the template is
    #: undecidable, a missing one is "no validator")
    request_validator_id: Value = None
    #: logical id of the ``AWS::ApiGateway::RestApi`` when it is in the template
    rest_api: str | None = None
    stages: tuple[RestStage, ...] = ()


@dataclass(frozen=True)
class HttpRoute:
    """An ``AWS::ApiGatewayV2::Route`` of an HTTP API whose integration is the function."""

    site: Site
    route_key: Value = None
    authorization_type: Value = None
    authorizer_id: Value = None
    #: logical id of the ``AWS::ApiGatewayV2::Api`` when it is in the template
    api: str | None = None


def rest_methods(graph: StackGraph, fn: Resource) -> tuple[RestMethod, ...]:
    """The REST API methods of the template that invoke ``fn``."""
    return ()


def http_routes(graph: StackGraph, fn: Resource) -> tuple[HttpRoute, ...]:
    """The HTTP API routes of the template whose integration is ``fn``."""
    return ()
