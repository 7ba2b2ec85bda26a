"""References between stacks of one assembly (CDK's exports and Fn::ImportValue): a function in
an app stack, its VPC in a network stack, its alarm in a monitoring stack."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2

from guardrails.model import functions
from tests.conftest import ENV, findings, function, synth


class Network(cdk.Stack):
    def __init__(self, scope, id, *, max_azs, **kwargs):
        super().__init__(scope, id, env=ENV, **kwargs)
        self.vpc = ec2.Vpc(self, "Vpc", max_azs=max_azs, nat_gateways=1)


def build(app: cdk.App) -> None:
    two = Network(app, "Net", max_azs=2)
    one = Network(app, "NetOneAz", max_azs=1)
    service = cdk.Stack(app, "Service", env=ENV)
    fn = function(service, "InVpc", vpc=two.vpc)
    function(
        service,
        "Public",
        vpc=two.vpc,
        allow_public_subnet=True,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
    )
    function(service, "OneAz", vpc=one.vpc)
    monitoring = cdk.Stack(app, "Monitoring", env=ENV)
    cloudwatch.Alarm(
        monitoring,
        "InVpcErrors",
        metric=fn.metric_errors(),
        threshold=1,
        evaluation_periods=1,
    )


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def by_name(assembly):
    return {
        f.site.construct_path.split("/")[1]: f for f in functions(assembly) if f.stack == "Service"
    }


def test_subnets_of_another_stack_are_resolved(assembly):
    fn = by_name(assembly)["InVpc"]
    assert fn.network is not None
    assert len(fn.network.subnets) == 2 and fn.network.unresolved_subnets == 0
    assert {s.site.stack for s in fn.network.subnets} == {"Net"}
    assert fn.network.endpoints == ()  # the network stack's VPC has none


def test_network_rules_see_through_exports(assembly):
    def rule_ids(name):
        fn_id = by_name(assembly)[name].logical_id
        return {f.rule_id for f in findings(assembly) if fn_id in f.functions}

    assert "GR-NET-03" in rule_ids("Public")
    assert "GR-NET-02" in rule_ids("OneAz")
    assert not {"GR-NET-02", "GR-NET-03"} & rule_ids("InVpc")


def test_an_alarm_in_another_stack_counts(assembly):
    fns = by_name(assembly)
    assert [a.metric_name for a in fns["InVpc"].alarms] == ["Errors"]
    assert fns["OneAz"].alarms == ()
    flagged = {fid for f in findings(assembly, "GR-OBS-08") for fid in f.functions}
    assert fns["InVpc"].logical_id not in flagged
    assert fns["OneAz"].logical_id in flagged


def build_waf(app: cdk.App) -> None:
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_wafv2 as wafv2

    api_stack = cdk.Stack(app, "Api", env=ENV)
    protected = apigw.LambdaRestApi(api_stack, "Protected", handler=function(api_stack, "A"))
    apigw.LambdaRestApi(api_stack, "Unprotected", handler=function(api_stack, "B"))
    waf = cdk.Stack(app, "Waf", env=ENV)
    acl = wafv2.CfnWebACL(
        waf,
        "Acl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=False, metric_name="acl", sampled_requests_enabled=False
        ),
    )
    wafv2.CfnWebACLAssociation(
        waf, "Assoc", resource_arn=protected.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
    )


def test_a_web_acl_in_another_stack_protects_the_stage(tmp_path):
    assembly = synth(build_waf, tmp_path)
    stages = {f.logical_id.split("Deployment")[0] for f in findings(assembly, "GR-INP-06")}
    assert stages == {"Unprotected"}


def build_api_elsewhere(app: cdk.App) -> None:
    from aws_cdk import aws_apigateway as apigw

    service = cdk.Stack(app, "Service", env=ENV)
    fn = function(service, "Handler")
    api_stack = cdk.Stack(app, "Api", env=ENV)
    api = apigw.RestApi(api_stack, "Api")
    api.root.add_method("GET", apigw.LambdaIntegration(fn))  # no authorization: GR-INP-01


def test_a_rest_api_in_another_stack_is_a_front_door_of_the_function(tmp_path):
    assembly = synth(build_api_elsewhere, tmp_path)
    (handler,) = [f for f in functions(assembly) if f.stack == "Service"]
    assert [m.label for m in handler.rest_methods] == ["GET /"]
    (finding,) = findings(assembly, "GR-INP-01")
    assert finding.stack == "Api" and finding.location == "Properties/AuthorizationType"


def build_http_api_elsewhere(app: cdk.App) -> None:
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration

    service = cdk.Stack(app, "Service", env=ENV)
    fn = function(service, "Handler")
    api_stack = cdk.Stack(app, "HttpApi", env=ENV)
    api = apigwv2.HttpApi(api_stack, "Api")
    api.add_routes(
        path="/orders",
        methods=[apigwv2.HttpMethod.GET],
        integration=HttpLambdaIntegration("Orders", fn),
    )


def test_an_http_api_in_another_stack_is_a_front_door_of_the_function(tmp_path):
    assembly = synth(build_http_api_elsewhere, tmp_path)
    (handler,) = [f for f in functions(assembly) if f.stack == "Service"]
    assert [r.route_key for r in handler.http_routes] == ["GET /orders"]
    (finding,) = findings(assembly, "GR-INP-03")
    assert finding.stack == "HttpApi"
