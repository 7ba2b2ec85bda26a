"""Rules: input validation and exposure of the function's front doors (GR-INP).

The front doors are linked to the function by the model: REST API methods and HTTP API routes
whose integration invokes it (or one of its aliases), with their stages and WAF associations
(``model.front_doors``), and its function URLs (``LambdaFunction.urls``). The function URLs of a
template that name no function of the scan (``Orphans``) are checked on their own by the URL
rules (GR-INP-04, GR-INP-05: registered with ``@orphan_check``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from guardrails.model.front_doors import HttpRoute, RestMethod
from guardrails.model.function import FunctionUrl, LambdaFunction, Orphans
from guardrails.model.values import Token, literal_str
from guardrails.rules.base import RuleContext, Violation, orphan_check, rule
from guardrails.rules.least_privilege import outside_function
from guardrails.rules.quoting import (
    HTTP_METHODS,
    PATH_PART,
    STAGE_NAME,
    quote_token,
    safe_name,
)

#: methods whose requests carry a body; ``ANY`` accepts all of them
_BODY_METHODS = ("POST", "PUT", "PATCH", "ANY")
_HTTP_ROUTE_KEY = re.compile(r"^(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /")


def _flag(value: Any) -> bool | None:
    """A CloudFormation boolean: True / False, None when it is a token (or not a boolean)."""
    if isinstance(value, bool):
        return value
    text = literal_str(value)
    if text is not None and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return None


def _no_auth(authorization_type: Any) -> str | None:
    """How the method or route states that it has no authorization (for the message), or None
    when it has some or cannot be told (a token)."""
    if authorization_type is None:
        return "AuthorizationType is not set, which means NONE"
    text = literal_str(authorization_type)
    if text is not None and text.upper() == "NONE":
        return "AuthorizationType NONE"
    return None


def _method(m: RestMethod) -> str | None:
    """The literal HTTP method, upper case; None when it is a token."""
    text = literal_str(m.http_method)
    return text.upper() if text else None


def _http_method(value: Any) -> str:
    """An HTTP method for a message: quoted (upper case) only when it is one."""
    if isinstance(value, Token):
        return quote_token(value)
    text = literal_str(value)
    if text is not None and text.strip().upper() in HTTP_METHODS:
        return text.strip().upper()
    return "(HTTP method not shown)"


def _safe_path(path: str) -> str | None:
    """A resource path (``/orders/{id}``) when every part is a path part that may be quoted
    (``quoting.safe_name``), else None."""
    parts = [p for p in path.split("/") if p]
    return path if all(safe_name(p, PATH_PART) for p in parts) else None


def _label(m: RestMethod) -> str:
    """``ANY /{proxy+}`` for a message; a path that may not be quoted is not shown."""
    method = _http_method(m.http_method)
    if not m.path:
        return method
    return f"{method} {_safe_path(m.path) or '(path not shown)'}"


def _route_key(value: Any) -> str | None:
    """A route key that may be quoted: ``$default``, ``$connect``, ``$disconnect``, or
    ``METHOD /path`` with every part of the path quotable; a token's placeholder; else None."""
    if isinstance(value, Token):
        return quote_token(value)
    text = literal_str(value)
    if text is None:
        return None
    if text in ("$default", "$connect", "$disconnect"):
        return text
    method, _, path = text.partition(" ")
    if method.upper() in HTTP_METHODS and path.startswith("/") and _safe_path(path):
        return text
    return None


def _api(m: RestMethod | HttpRoute, kind: str) -> str:
    api = m.rest_api if isinstance(m, RestMethod) else m.api
    return f" of {kind} {api}" if api else ""


@rule(
    "GR-INP-01",
    title="REST API method without authorization",
    severity="high",
    rationale=(
        "A method with AuthorizationType NONE and no API key lets anyone who can reach the API "
        "invoke the function: there is no caller identity to authorize, throttle per client or "
        "audit, and every request costs an invocation."
    ),
    fix=(
        "Give the method an authorizer: `authorization_type=apigw.AuthorizationType.IAM`, a "
        "`apigw.CognitoUserPoolsAuthorizer` or a `apigw.TokenAuthorizer` (per method or with "
        "`default_method_options` on the `RestApi`), or at least `api_key_required=True` with a "
        "usage plan."
    ),
    references={"checkov": "CKV_AWS_59", "cdk-nag": "AwsSolutions-APIG4"},
    example="""
        api = apigw.RestApi(
            self,
            "OrdersApi",
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
        )
        api.root.add_resource("orders").add_method("GET", apigw.LambdaIntegration(fn))
    """,
)
def rest_method_without_auth(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::ApiGateway::Method`` of the template whose integration invokes the function
    (``Integration.Uri`` refers to it or to one of its aliases) has ``AuthorizationType: NONE``
    and ``ApiKeyRequired`` not true.

    Interpretations: an absent ``AuthorizationType`` is ``NONE`` (CloudFormation's default), an
    absent ``ApiKeyRequired`` is false; both comparisons ignore case. ``OPTIONS`` methods are
    not reported (CORS preflights, which browsers send without credentials). A method whose
    ``HttpMethod``, ``AuthorizationType`` or ``ApiKeyRequired`` is a token cannot be decided and
    is not reported. A private API (``EndpointConfiguration: PRIVATE``) or a resource policy is
    not an authorization: such methods are reported too. One violation per method, at its
    ``Properties/AuthorizationType``. The message names the method by its HTTP method and
    resource path; a path with a part that does not match API Gateway's path part pattern, or
    that looks like a credential, is not shown ("(path not shown)").
    """
    for m in fn.rest_methods:
        method = _method(m)
        if method is None or method == "OPTIONS":
            continue
        why = _no_auth(m.authorization_type)
        if why is None:
            continue
        if m.api_key_required is not None and _flag(m.api_key_required) is not False:
            continue  # required, or a token
        yield Violation(
            m.site.at("AuthorizationType"),
            f"Method {_label(m)}{_api(m, 'REST API')} invokes {fn.logical_id} without "
            f"authorization ({why}) and without an API key: anyone who can reach the API can "
            "call the function.",
        )


@rule(
    "GR-INP-02",
    title="REST API method with a body and no request validation",
    severity="medium",
    rationale=(
        "Without a request validator API Gateway passes any payload to the function: malformed, "
        "oversized or unexpected JSON reaches the code, which then carries the whole burden of "
        "input validation, and every rejected request still costs an invocation."
    ),
    fix=(
        "Pass `request_validator_options=apigw.RequestValidatorOptions(validate_request_body="
        'True)` and a `request_models={"application/json": model}` with a JSON schema to '
        "`add_method(...)`, or share one `api.add_request_validator(...)`."
    ),
    references={"cdk-nag": "AwsSolutions-APIG2"},
    example="""
        order = api.add_model(
            "Order",
            schema=apigw.JsonSchema(
                type=apigw.JsonSchemaType.OBJECT,
                required=["id"],
                properties={"id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
            ),
        )
        orders.add_method(
            "POST",
            apigw.LambdaIntegration(fn),
            request_validator_options=apigw.RequestValidatorOptions(validate_request_body=True),
            request_models={"application/json": order},
        )
    """,
)
def rest_method_without_body_validation(
    fn: LambdaFunction, ctx: RuleContext
) -> Iterator[Violation]:
    """An ``AWS::ApiGateway::Method`` with a body (``POST``, ``PUT``, ``PATCH``) whose
    integration invokes the function has no request validator that validates the body.

    Interpretations: ``ANY`` is reported too, since it accepts ``POST``, ``PUT`` and ``PATCH``
    (CDK's ``LambdaRestApi`` proxy methods are ``ANY``). "No validator that validates the body":
    no ``RequestValidatorId``, or one naming an ``AWS::ApiGateway::RequestValidator`` of the
    template whose ``ValidateRequestBody`` is false or absent. A ``RequestValidatorId`` that
    names a validator outside the template (a literal id, a parameter, an import), a
    ``ValidateRequestBody`` or an ``HttpMethod`` that is a token cannot be decided and is not
    reported. Whether the method also has a request model is not checked (the catalog asks for
    the validator only). One violation per method, at its ``Properties/RequestValidatorId``. The
    method is named as in GR-INP-01.
    """
    for m in fn.rest_methods:
        method = _method(m)
        if method not in _BODY_METHODS:
            continue
        if m.request_validator_id is None:
            why = "it has no request validator (RequestValidatorId is not set)"
        elif m.request_validator is None:
            continue  # a validator outside the template
        else:
            body = m.request_validator.get("ValidateRequestBody")
            if body is not None and _flag(body) is not False:
                continue  # validated, or a token
            state = "false" if body is not None else "not set"
            why = (
                f"its request validator {m.request_validator_logical_id} does not validate the "
                f"body (ValidateRequestBody {state})"
            )
        yield Violation(
            m.site.at("RequestValidatorId"),
            f"Method {_label(m)}{_api(m, 'REST API')} passes request bodies to {fn.logical_id} "
            f"unchecked: {why}.",
        )


def _is_http_api_route(route: HttpRoute) -> bool:
    """Whether the route belongs to an HTTP API (not a WebSocket API, whose routes other than
    ``$connect`` cannot have an authorizer). Without the API in the template, the route key
    tells: ``GET /path`` is an HTTP route, ``$default`` could be either and is not decided."""
    protocol = literal_str(route.protocol_type)
    if protocol is not None:
        return protocol.upper() == "HTTP"
    if route.api is not None or route.protocol_type is not None:
        return False  # a token
    key = literal_str(route.route_key)
    return key is not None and bool(_HTTP_ROUTE_KEY.match(key.upper()))


@rule(
    "GR-INP-03",
    title="HTTP API route without an authorizer",
    severity="high",
    rationale=(
        "An HTTP API route with no authorizer is a public endpoint: anyone who knows the API's "
        "URL can invoke the function, with no caller identity to authorize or audit."
    ),
    fix=(
        "Add an authorizer to the route (`authorizer=` on `add_routes(...)`) or to the whole API "
        "(`default_authorizer=` on `apigwv2.HttpApi`): `HttpIamAuthorizer`, `HttpJwtAuthorizer` "
        "or `HttpLambdaAuthorizer` from `aws_cdk.aws_apigatewayv2_authorizers`."
    ),
    references={
        "Security Hub": "APIGateway.8",
        "AWS Config": "api-gwv2-authorization-type-configured",
        "checkov": "CKV_AWS_309",
        "cdk-nag": "AwsSolutions-APIG4",
    },
    example="""
        api = apigwv2.HttpApi(
            self,
            "OrdersApi",
            default_authorizer=authorizers.HttpJwtAuthorizer(
                "Jwt",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example",
                jwt_audience=["orders-client"],
            ),
        )
        api.add_routes(
            path="/orders",
            methods=[apigwv2.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration("Orders", fn),
        )
    """,
)
def http_route_without_authorizer(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::ApiGatewayV2::Route`` of an HTTP API whose ``Target`` names an integration of
    the template that invokes the function has ``AuthorizationType`` ``NONE`` or no
    ``AuthorizationType``.

    Interpretations: the ``$default`` route counts like any other. An API created by quick
    create (``Target`` on the ``AWS::ApiGatewayV2::Api``) has an implicit ``$default`` route
    with no authorizer unless an ``ApiGatewayManagedOverrides`` gives it one: it is reported at
    the API's ``Properties/Target``. Routes of WebSocket APIs are not reported (only their
    ``$connect`` route can have an authorizer); when the API is not in the template, only a
    route key of the form ``METHOD /path`` is known to be an HTTP route. ``OPTIONS`` routes are
    not reported (CORS preflights, as in GR-INP-01). An ``AuthorizationType`` that is a token
    cannot be decided and is not reported. One violation per route, at its
    ``Properties/AuthorizationType``. The route key is quoted only when it is ``$default``,
    ``$connect``, ``$disconnect`` or ``METHOD /path`` with a path GR-INP-01 may show; otherwise
    the route is named by its logical id ("route key not shown").
    """
    for route in fn.http_routes:
        if not _is_http_api_route(route):
            continue
        key = literal_str(route.route_key)
        if key is not None and key.upper().startswith("OPTIONS "):
            continue
        why = _no_auth(route.authorization_type)
        if why is None:
            continue
        api = f" of HTTP API {route.api}" if route.api else ""
        shown = _route_key(route.route_key)
        if route.quick_create:
            quoted = f"'{shown}'" if shown else "(route key not shown)"
            yield Violation(
                route.site,
                f"HTTP API {route.api} is created by quick create (Target): its route "
                f"{quoted} invokes {fn.logical_id} with no authorizer; anyone "
                "who can reach the API can call the function.",
            )
            continue
        label = f"'{shown}'" if shown else f"{route.site.logical_id} (route key not shown)"
        yield Violation(
            route.site.at("AuthorizationType"),
            f"Route {label}{api} invokes {fn.logical_id} with no authorizer "
            f"({why}): anyone who can reach the API can call the function.",
        )


@rule(
    "GR-INP-04",
    title="Function URL without authentication",
    severity="high",
    rationale=(
        "A function URL with AuthType NONE is a public HTTPS endpoint: anyone on the internet "
        "can invoke the function, run up its cost and probe its input handling, with no "
        "authentication, throttling or WAF in front of it."
    ),
    fix=(
        "Pass `auth_type=lambda_.FunctionUrlAuthType.AWS_IAM` to `fn.add_function_url(...)` and "
        "sign requests (for a browser, put CloudFront with origin access control in front), or "
        "expose the function through API Gateway with an authorizer."
    ),
    references={"checkov": "CKV_AWS_258"},
    example="""
        url = fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        cloudfront.Distribution(
            self,
            "Cdn",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.FunctionUrlOrigin.with_origin_access_control(url)
            ),
        )
    """,
)
def public_function_url(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Url`` targeting the function (or one of its aliases) has
    ``AuthType: NONE``.

    Interpretations: the comparison ignores case. An ``AuthType`` that is a token cannot be
    decided and is not reported. The two ``Principal: "*"`` permissions CDK adds for such a URL
    are not reported again (GR-IAM-11 leaves them to this rule). One violation per URL, at the
    URL's ``Properties/AuthType``.

    A URL whose ``TargetFunctionArn`` names no function of the scanned templates (the ARN or
    name of another function, a parameter, an import from outside the assembly: ``Orphans``)
    is checked the same way, once, and its finding lists no function. The message then names
    the function by its ARN, or by its name when it matches Lambda's function name pattern and
    passes the credential screen (a template value as its placeholder), else describes it
    ("name not shown"). The same holds for GR-INP-05.
    """
    for url in fn.urls:
        yield from _public_url(url, fn.logical_id)


def _public_url(url: FunctionUrl, target: str) -> Iterator[Violation]:
    """GR-INP-04 on one URL of ``target`` (the function, as the message names it)."""
    if isinstance(url.auth_type, str) and url.auth_type.upper() == "NONE":
        yield Violation(
            url.site.at("AuthType"),
            f"Function URL {url.site.logical_id} lets anyone on the internet invoke "
            f"{target} without authentication (AuthType NONE).",
        )


@rule(
    "GR-INP-05",
    title="Function URL CORS allows any origin",
    severity="medium",
    rationale=(
        "With `*` in the allowed origins any web page can make its visitors' browsers call the "
        "function URL and read the responses, which turns every visitor of a hostile site into a "
        "client of the function."
    ),
    fix=(
        "List the exact origins of your front ends in "
        '`cors=lambda_.FunctionUrlCorsOptions(allowed_origins=["https://app.example.com"])`.'
    ),
    example="""
        fn.add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.AWS_IAM,
            cors=lambda_.FunctionUrlCorsOptions(
                allowed_origins=["https://app.example.com"],
                allowed_methods=[lambda_.HttpMethod.GET],
            ),
        )
    """,
)
def function_url_cors_any_origin(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """An ``AWS::Lambda::Url`` targeting the function (or one of its aliases) has ``*`` in
    ``Cors.AllowOrigins``.

    Interpretations: only the wildcard entry ``*`` means "any origin" (Lambda accepts no
    partial wildcards); a URL without ``Cors`` or without ``AllowOrigins`` allows no cross-origin
    call and is not reported. The URL's ``AuthType`` does not matter (the catalog flags the CORS
    setting alone; GR-INP-04 reports a missing authentication). An ``AllowOrigins`` (or
    ``Cors``) that is a token cannot be decided; a token entry in a list with no literal ``*``
    is not reported. One violation per URL, at its ``Properties/Cors/AllowOrigins``. A URL of a
    function outside the scanned templates is checked as in GR-INP-04.
    """
    for url in fn.urls:
        yield from _cors_any_origin(url, fn.logical_id)


def _cors_any_origin(url: FunctionUrl, target: str) -> Iterator[Violation]:
    """GR-INP-05 on one URL of ``target``."""
    cors = url.cors
    origins = cors.get("AllowOrigins") if isinstance(cors, dict) else None
    if not isinstance(origins, list):
        return
    if any(isinstance(o, str) and o.strip() == "*" for o in origins):
        yield Violation(
            url.site.at("Cors", "AllowOrigins"),
            f"Function URL {url.site.logical_id} of {target} accepts cross-origin "
            'requests from any web origin (Cors.AllowOrigins contains "*").',
        )


def _stage_name(name: Any, logical_id: str) -> str:
    """A stage's name when a message may quote it (``quoting.safe_name``), else the logical id
    of the resource that creates it."""
    if name is None or name == "":
        return logical_id
    return safe_name(name, STAGE_NAME) or f"{logical_id} (name not shown)"


@rule(
    "GR-INP-06",
    title="REST API stage without a WAF web ACL",
    severity="low",
    rationale=(
        "Without a web ACL every request reaches the function: no rate-based rule against "
        "floods, no managed rules against common exploits, no IP or geographic filtering, and "
        "each blocked-worthy request still costs an invocation."
    ),
    fix=(
        "Create a regional `wafv2.CfnWebACL` (with the AWS managed rule groups and a rate-based "
        "rule) and associate it with the stage: `wafv2.CfnWebACLAssociation(self, ..., "
        "resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn)`."
    ),
    references={
        "Security Hub": "APIGateway.4",
        "AWS Config": "api-gw-associated-with-waf",
        "cdk-nag": "AwsSolutions-APIG3",
    },
    example="""
        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        common_rules = wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
            vendor_name="AWS", name="AWSManagedRulesCommonRuleSet"
        )
        acl = wafv2.CfnWebACL(
            self,
            "ApiAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("api-acl"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="common",
                    priority=0,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=common_rules
                    ),
                    visibility_config=visibility("common"),
                )
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "ApiAclAssociation",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )
    """,
)
def rest_stage_without_waf(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """A stage of a REST API one of whose methods invokes the function has no WAF web ACL
    association.

    Interpretations: the stages are the ``AWS::ApiGateway::Stage`` resources of the method's
    API and the stage a ``AWS::ApiGateway::Deployment`` creates through ``StageName``; every
    stage fronts every method of its API. An ``AWS::WAFv2::WebACLAssociation`` or
    ``AWS::WAFRegional::WebACLAssociation`` counts when its ``ResourceArn`` refers to the API
    and names the stage after ``/stages/`` (a ``Ref`` to the stage or its literal name, as
    ``api.deployment_stage.stage_arn`` does). An association whose ``ResourceArn`` cannot be
    resolved (a parameter, an import) might target the stage: the rule then says nothing.
    Associations are searched in the function's template only: a web ACL associated from
    another stack of the assembly is not seen (acknowledge the finding there). An API that is
    not in the template has no known stage and is not reported. One violation per stage, at
    the stage (``Properties``; ``Properties/StageName`` of a deployment), the same for every
    function behind it so the engine lists them all in one finding. The stage is named by its
    name when it matches the stage name pattern and does not look like a credential, else by the
    logical id of the resource that creates it ("(name not shown)").
    """
    seen: set[tuple[str, str]] = set()
    for m in fn.rest_methods:
        for stage in m.stages:
            key = (stage.site.logical_id, stage.site.location)
            if stage.web_acl_associated is not False or key in seen:
                continue
            seen.add(key)
            yield Violation(
                stage.site,
                f"Stage {_stage_name(stage.name, stage.site.logical_id)} of REST API {m.rest_api} "
                "has no AWS WAF web ACL associated with it in its stack: requests reach the "
                "API's functions with no rate-based or managed rules in front of them.",
            )


# -- URLs of functions outside the scan -----------------------------------------------------------
@orphan_check("GR-INP-04")
def _orphan_public_urls(orphans: Orphans, ctx: RuleContext) -> Iterator[Violation]:
    for url in orphans.urls:
        yield from _public_url(url, outside_function(url.function))


@orphan_check("GR-INP-05")
def _orphan_cors_any_origin(orphans: Orphans, ctx: RuleContext) -> Iterator[Violation]:
    for url in orphans.urls:
        yield from _cors_any_origin(url, outside_function(url.function))
