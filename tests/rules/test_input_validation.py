"""GR-INP rules on one synthesized app (one stack per case)."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2

from tests.conftest import ENV, findings, flagged, function, logical_id, synth

#: logical ids of the constructs the tests point at, filled by ``build``
IDS: dict[str, str] = {}


def web_acl_on(stack: cdk.Stack, stage_arn: str) -> None:
    acl = wafv2.CfnWebACL(
        stack,
        "Acl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="acl", sampled_requests_enabled=True
        ),
    )
    wafv2.CfnWebACLAssociation(
        stack, "AclAssociation", resource_arn=stage_arn, web_acl_arn=acl.attr_arn
    )


def build_function_urls(app: cdk.App) -> None:
    function(cdk.Stack(app, "Public", env=ENV)).add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.NONE
    )
    function(cdk.Stack(app, "Iam", env=ENV)).add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.AWS_IAM
    )
    function(cdk.Stack(app, "NoUrl", env=ENV))
    alias = function(cdk.Stack(app, "OnAlias", env=ENV)).add_alias("live")
    alias.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)

    token = cdk.Stack(app, "Token", env=ENV)
    auth = cdk.CfnParameter(
        token, "UrlAuthType", default="NONE", allowed_values=["NONE", "AWS_IAM"]
    )
    lambda_.CfnUrl(
        token,
        "Url",
        auth_type=auth.value_as_string,
        target_function_arn=function(token).function_arn,
    )

    cors = cdk.Stack(app, "CorsAny", env=ENV)
    url = function(cors).add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.AWS_IAM,
        cors=lambda_.FunctionUrlCorsOptions(allowed_origins=["https://app.example.com", "*"]),
    )
    IDS["CorsAny.url"] = logical_id(url)
    function(cdk.Stack(app, "CorsExact", env=ENV)).add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.NONE,
        cors=lambda_.FunctionUrlCorsOptions(
            allowed_origins=["https://app.example.com"], allowed_methods=[lambda_.HttpMethod.GET]
        ),
    )
    # CDK's default CORS (no origins: no cross-origin call allowed)
    function(cdk.Stack(app, "CorsDefault", env=ENV)).add_function_url(
        cors=lambda_.FunctionUrlCorsOptions()
    )
    token = cdk.Stack(app, "CorsToken", env=ENV)
    origins = cdk.CfnParameter(token, "Origins", type="CommaDelimitedList", default="*")
    function(token).add_function_url(
        cors=lambda_.FunctionUrlCorsOptions(allowed_origins=origins.value_as_list)
    )


def build_rest_apis(app: cdk.App) -> None:
    proxy = cdk.Stack(app, "Proxy", env=ENV)
    api = apigw.LambdaRestApi(
        proxy,
        "Api",
        handler=function(proxy),
        default_cors_preflight_options=apigw.CorsOptions(allow_origins=apigw.Cors.ALL_ORIGINS),
    )
    IDS["Proxy.root"] = logical_id(api.root.node.find_child("ANY"))
    IDS["Proxy.proxy"] = logical_id(api.root.node.find_child("{proxy+}").node.find_child("ANY"))
    IDS["Proxy.stage"] = logical_id(api.deployment_stage)

    secured = cdk.Stack(app, "Secured", env=ENV)
    fn = function(secured)
    api = apigw.RestApi(
        secured,
        "Api",
        default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
        default_cors_preflight_options=apigw.CorsOptions(allow_origins=["https://example.com"]),
    )
    orders = api.root.add_resource("orders")
    orders.add_method(
        "POST",
        apigw.LambdaIntegration(fn),
        request_validator_options=apigw.RequestValidatorOptions(validate_request_body=True),
        request_models={"application/json": apigw.Model.EMPTY_MODEL},
    )
    orders.add_method(
        "GET",
        apigw.LambdaIntegration(fn),
        authorizer=apigw.CognitoUserPoolsAuthorizer(
            secured, "Users", cognito_user_pools=[cognito.UserPool(secured, "Pool")]
        ),
        authorization_type=apigw.AuthorizationType.COGNITO,
    )
    web_acl_on(secured, api.deployment_stage.stage_arn)

    keys = cdk.Stack(app, "ApiKey", env=ENV)
    api = apigw.RestApi(keys, "Api")
    fn = function(keys)
    method = api.root.add_method("PUT", apigw.LambdaIntegration(fn), api_key_required=True)
    # a preflight answered by the function itself: OPTIONS is never reported
    api.root.add_method(
        "OPTIONS", apigw.LambdaIntegration(fn), authorization_type=apigw.AuthorizationType.NONE
    )
    IDS["ApiKey.put"] = logical_id(method)

    params = cdk.Stack(app, "ParamsOnly", env=ENV)
    fn = function(params)
    api = apigw.RestApi(params, "Api")
    post = api.root.add_method(
        "POST",
        apigw.LambdaIntegration(fn),
        request_validator_options=apigw.RequestValidatorOptions(validate_request_parameters=True),
    )
    get = api.root.add_method("GET", apigw.LambdaIntegration(fn))
    IDS["ParamsOnly.post"], IDS["ParamsOnly.get"] = logical_id(post), logical_id(get)

    shared = cdk.Stack(app, "Shared", env=ENV)
    api = apigw.RestApi(shared, "Api")
    for name in ("A", "B"):
        api.root.add_resource(name.lower()).add_method(
            "GET",
            apigw.LambdaIntegration(function(shared, name)),
            authorization_type=apigw.AuthorizationType.IAM,
        )
    IDS["Shared.stage"] = logical_id(api.deployment_stage)

    token = cdk.Stack(app, "RestToken", env=ENV)
    auth = cdk.CfnParameter(token, "AuthType", default="NONE")
    api = apigw.RestApi(token, "Api")
    method = api.root.add_method("POST", apigw.LambdaIntegration(function(token)))
    cfn = method.node.default_child
    cfn.add_property_override("AuthorizationType", auth.value_as_string)
    cfn.add_property_override("RequestValidatorId", cdk.Fn.import_value("SharedValidatorId"))
    stage_arn = cdk.CfnParameter(token, "ProtectedStageArn")
    web_acl_on(token, stage_arn.value_as_string)

    imported = cdk.Stack(app, "ImportedApi", env=ENV)
    api = apigw.RestApi.from_rest_api_attributes(
        imported, "Api", rest_api_id="a1b2c3d4e5", root_resource_id="r00t1d"
    )
    method = api.root.add_resource("hooks").add_method(
        "POST", apigw.LambdaIntegration(function(imported))
    )
    IDS["ImportedApi.post"] = logical_id(method)


def build_http_apis(app: cdk.App) -> None:
    stack = cdk.Stack(app, "HttpOpen", env=ENV)
    api = apigwv2.HttpApi(
        stack,
        "Api",
        default_integration=integrations.HttpLambdaIntegration("Root", function(stack)),
    )
    IDS["HttpOpen.default"] = logical_id(api.node.find_child("DefaultRoute"))

    stack = cdk.Stack(app, "HttpAuth", env=ENV)
    fn = function(stack)
    api = apigwv2.HttpApi(
        stack,
        "Api",
        default_authorizer=authorizers.HttpIamAuthorizer(),
        default_integration=integrations.HttpLambdaIntegration("Root", fn),
    )
    api.add_routes(
        path="/orders",
        methods=[apigwv2.HttpMethod.POST],
        integration=integrations.HttpLambdaIntegration("Orders", fn),
        authorizer=authorizers.HttpJwtAuthorizer(
            "Jwt", "https://issuer.example.com", jwt_audience=["orders"]
        ),
    )

    stack = cdk.Stack(app, "HttpMixed", env=ENV)
    fn = function(stack)
    api = apigwv2.HttpApi(stack, "Api", default_authorizer=authorizers.HttpIamAuthorizer())
    api.add_routes(
        path="/orders",
        methods=[apigwv2.HttpMethod.GET],
        integration=integrations.HttpLambdaIntegration("Orders", fn),
    )
    (route,) = api.add_routes(
        path="/health",
        methods=[apigwv2.HttpMethod.GET],
        integration=integrations.HttpLambdaIntegration("Health", fn.add_alias("live")),
        authorizer=apigwv2.HttpNoneAuthorizer(),
    )
    IDS["HttpMixed.health"] = logical_id(route)

    stack = cdk.Stack(app, "HttpToken", env=ENV)
    auth = cdk.CfnParameter(stack, "RouteAuth", default="NONE")
    api = apigwv2.HttpApi(
        stack,
        "Api",
        default_integration=integrations.HttpLambdaIntegration("Root", function(stack)),
    )
    api.node.find_child("DefaultRoute").node.default_child.add_property_override(
        "AuthorizationType", auth.value_as_string
    )

    stack = cdk.Stack(app, "WebSocket", env=ENV)
    apigwv2.WebSocketApi(
        stack,
        "Api",
        connect_route_options=apigwv2.WebSocketRouteOptions(
            integration=integrations.WebSocketLambdaIntegration("Connect", function(stack))
        ),
    )


def build(app: cdk.App) -> None:
    build_function_urls(app)
    build_rest_apis(app)
    build_http_apis(app)


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def only(found):
    assert len(found) == 1, [(f.logical_id, f.location, f.message) for f in found]
    return found[0]


# -- GR-INP-04 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "url_path"), [("Public", "Fn/FunctionUrl"), ("OnAlias", "Fn/Aliaslive/FunctionUrl")]
)
def test_url_without_auth_is_flagged_on_the_url(assembly, stack, url_path):
    f = only(flagged(assembly, "GR-INP-04", stack))
    assert (f.severity, f.location, f.construct_path) == (
        "high",
        "Properties/AuthType",
        f"{stack}/{url_path}/Resource",
    )
    assert len(f.functions) == 1 and f.functions[0].startswith("Fn")
    assert f.message == (
        f"Function URL {f.logical_id} lets anyone on the internet invoke {f.functions[0]} "
        "without authentication (AuthType NONE)."
    )


@pytest.mark.parametrize("stack", ["Iam", "NoUrl"])
def test_iam_auth_or_no_url_is_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-INP-04", stack) == []


def test_auth_type_from_a_parameter_is_silent(assembly):
    assert flagged(assembly, "GR-INP-04", "Token") == []


def test_url_permissions_are_reported_once_under_this_rule(assembly):
    # CDK adds two Principal "*" permissions for a NONE URL; the catalog reports them here only
    public = [f for f in findings(assembly) if f.stack == "Public" and f.owner == "user"]
    assert [f.rule_id for f in public if f.rule_id in ("GR-INP-04", "GR-IAM-11")] == ["GR-INP-04"]


# -- GR-INP-01 ----------------------------------------------------------------------------------
def test_lambda_rest_api_proxy_methods_without_auth_are_flagged(assembly):
    found = {f.logical_id: f for f in flagged(assembly, "GR-INP-01", "Proxy")}
    assert set(found) == {IDS["Proxy.root"], IDS["Proxy.proxy"]}  # not the CORS OPTIONS
    root, proxy = found[IDS["Proxy.root"]], found[IDS["Proxy.proxy"]]
    assert (root.severity, root.location, root.construct_path) == (
        "high",
        "Properties/AuthorizationType",
        "Proxy/Api/Default/ANY/Resource",
    )
    fn = root.functions[0]
    assert root.functions == proxy.functions and fn.startswith("Fn")
    assert root.message.startswith("Method ANY / of REST API Api")
    assert proxy.message.startswith("Method ANY /{proxy+} of REST API Api")
    assert (
        f"invokes {fn} without authorization (AuthorizationType NONE) and without an API key"
        in proxy.message
    )


def test_get_and_post_without_auth_are_flagged(assembly):
    found = {f.logical_id: f for f in flagged(assembly, "GR-INP-01", "ParamsOnly")}
    assert set(found) == {IDS["ParamsOnly.get"], IDS["ParamsOnly.post"]}
    assert found[IDS["ParamsOnly.get"]].message.startswith("Method GET / of REST API Api")


def test_imported_api_method_is_flagged_without_a_path(assembly):
    f = only(flagged(assembly, "GR-INP-01", "ImportedApi"))
    assert f.logical_id == IDS["ImportedApi.post"]
    # the resource chain starts at a root resource id outside the template: no path
    assert f.message.startswith("Method POST invokes Fn")


@pytest.mark.parametrize("stack", ["Secured", "ApiKey", "Shared"])
def test_iam_cognito_api_key_and_options_methods_are_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-INP-01", stack) == []


def test_authorization_type_from_a_parameter_is_silent(assembly):
    assert flagged(assembly, "GR-INP-01", "RestToken") == []


# -- GR-INP-02 ----------------------------------------------------------------------------------
def test_proxy_any_methods_have_no_body_validation(assembly):
    found = {f.logical_id: f for f in flagged(assembly, "GR-INP-02", "Proxy")}
    assert set(found) == {IDS["Proxy.root"], IDS["Proxy.proxy"]}
    f = found[IDS["Proxy.proxy"]]
    assert (f.severity, f.location) == ("medium", "Properties/RequestValidatorId")
    assert f.message == (
        f"Method ANY /{{proxy+}} of REST API {f.message.split('REST API ')[1].split(' ')[0]} "
        f"passes request bodies to {f.functions[0]} unchecked: it has no request validator "
        "(RequestValidatorId is not set)."
    )


def test_put_with_an_api_key_but_no_validator_is_flagged(assembly):
    f = only(flagged(assembly, "GR-INP-02", "ApiKey"))
    assert f.logical_id == IDS["ApiKey.put"]
    assert "Method PUT / of REST API Api" in f.message


def test_validator_of_parameters_only_does_not_validate_the_body(assembly):
    f = only(flagged(assembly, "GR-INP-02", "ParamsOnly"))
    assert f.logical_id == IDS["ParamsOnly.post"]  # not the GET
    assert "its request validator Api" in f.message
    assert "does not validate the body (ValidateRequestBody" in f.message


def test_imported_api_post_without_validator_is_flagged(assembly):
    assert only(flagged(assembly, "GR-INP-02", "ImportedApi")).logical_id == IDS["ImportedApi.post"]


@pytest.mark.parametrize("stack", ["Secured", "Shared"])
def test_validated_body_and_methods_without_body_are_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-INP-02", stack) == []


def test_validator_outside_the_template_is_silent(assembly):
    assert flagged(assembly, "GR-INP-02", "RestToken") == []


# -- GR-INP-03 ----------------------------------------------------------------------------------
def test_default_route_without_authorizer_is_flagged(assembly):
    f = only(flagged(assembly, "GR-INP-03", "HttpOpen"))
    assert (f.severity, f.logical_id, f.location) == (
        "high",
        IDS["HttpOpen.default"],
        "Properties/AuthorizationType",
    )
    assert f.message.startswith("Route '$default' of HTTP API Api")
    assert f"invokes {f.functions[0]} with no authorizer (AuthorizationType NONE)" in f.message


def test_route_with_the_none_authorizer_on_an_alias_is_flagged(assembly):
    f = only(flagged(assembly, "GR-INP-03", "HttpMixed"))
    assert f.logical_id == IDS["HttpMixed.health"]
    assert f.message.startswith("Route 'GET /health'")


@pytest.mark.parametrize("stack", ["HttpAuth", "WebSocket", "Proxy"])
def test_iam_jwt_websocket_and_rest_are_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-INP-03", stack) == []


def test_route_authorization_from_a_parameter_is_silent(assembly):
    assert flagged(assembly, "GR-INP-03", "HttpToken") == []


# -- GR-INP-05 ----------------------------------------------------------------------------------
def test_cors_any_origin_is_flagged_on_allow_origins(assembly):
    f = only(flagged(assembly, "GR-INP-05", "CorsAny"))
    assert (f.severity, f.logical_id, f.location) == (
        "medium",
        IDS["CorsAny.url"],
        "Properties/Cors/AllowOrigins",
    )
    assert f.message == (
        f"Function URL {f.logical_id} of {f.functions[0]} accepts cross-origin requests from "
        'any web origin (Cors.AllowOrigins contains "*").'
    )


@pytest.mark.parametrize("stack", ["CorsExact", "CorsDefault", "Public"])
def test_exact_origins_or_no_cors_are_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-INP-05", stack) == []


def test_origins_from_a_parameter_are_silent(assembly):
    assert flagged(assembly, "GR-INP-05", "CorsToken") == []


# -- GR-INP-06 ----------------------------------------------------------------------------------
def test_stage_without_web_acl_is_flagged_once(assembly):
    f = only(flagged(assembly, "GR-INP-06", "Proxy"))
    assert (f.severity, f.logical_id, f.location, f.construct_path) == (
        "low",
        IDS["Proxy.stage"],
        "Properties",
        "Proxy/Api/DeploymentStage.prod/Resource",
    )
    assert f.message.startswith("Stage prod of REST API Api")
    assert "has no AWS WAF web ACL associated with it in its stack" in f.message


def test_one_finding_per_stage_lists_every_function_behind_it(assembly):
    f = only(flagged(assembly, "GR-INP-06", "Shared"))
    assert f.logical_id == IDS["Shared.stage"]
    assert len(f.functions) == 2 and {fn[0] for fn in f.functions} == {"A", "B"}


def test_stage_with_a_web_acl_association_is_not_flagged(assembly):
    assert flagged(assembly, "GR-INP-06", "Secured") == []


@pytest.mark.parametrize("stack", ["RestToken", "ImportedApi", "HttpOpen"])
def test_undecidable_association_imported_api_and_http_api_are_silent(assembly, stack):
    # RestToken: an association whose ARN is a parameter might target the stage
    assert flagged(assembly, "GR-INP-06", stack) == []
