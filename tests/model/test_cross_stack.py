"""References between stacks of one assembly (CDK's exports and Fn::ImportValue): a function in
an app stack, its VPC in a network stack, its alarm in a monitoring stack, its execution role in
a roles stack."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from guardrails import engine
from guardrails.model import functions, load
from guardrails.model.values import Token
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, findings, function, logical_id, synth


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


# -- an execution role of another stack --------------------------------------------------------
BOUNDARY = "arn:aws:iam::123456789012:policy/OrgBoundary"
STRICT = Policy.from_mapping({"permissions_boundary": BOUNDARY})
#: a construct id the framework detector takes for CDK's log-retention singleton
FRAMEWORK_ID = "LogRetention" + "0" * 32
LAMBDA = iam.ServicePrincipal("lambda.amazonaws.com")


def admin_role(scope: cdk.Stack, id: str) -> iam.Role:
    """A role that breaks most IAM rules: admin and basic-execution managed policies, ``s3:*``
    and ``NotAction`` on ``*``, a trust for another account, no boundary."""
    role = iam.Role(
        scope,
        id,
        assumed_by=iam.CompositePrincipal(LAMBDA, iam.AccountPrincipal("111122223333")),
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess"),
            iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AWSLambdaBasicExecutionRole"
            ),
        ],
    )
    role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    role.add_to_policy(iam.PolicyStatement(not_actions=["iam:*"], resources=["*"]))
    return role


def build_roles(app: cdk.App, ids: dict[str, str]) -> None:
    roles = cdk.Stack(app, "Roles", env=ENV)
    service = cdk.Stack(app, "Service", env=ENV)
    # the same role and function in one stack: the cross-stack case must read the same
    together = cdk.Stack(app, "Together", env=ENV)
    # (other construct ids: findings name functions by logical id alone)
    for name, role_scope, fn_scope in (("", roles, service), ("Together", together, together)):
        role = admin_role(role_scope, f"{name}AdminRole")
        ids[f"{name}AdminRole"] = logical_id(role)
        ids[f"{name}AdminPolicy"] = logical_id(role.node.find_child("DefaultPolicy"))
        ids[f"{name}Admin"] = logical_id(function(fn_scope, f"{name}Admin", role=role))

    shared = iam.Role(roles, "SharedRole", assumed_by=LAMBDA)
    ids["SharedRole"] = logical_id(shared)
    ids["Local"] = logical_id(function(roles, "Local", role=shared))
    ids["Remote"] = logical_id(function(service, "Remote", role=shared))

    # grants from the function's stack: fn.add_to_role_policy lands in the role's stack, a
    # Policy / ManagedPolicy of the function's stack names the role through Fn::ImportValue
    granted = iam.Role(roles, "GrantedRole", assumed_by=LAMBDA)
    # and a customer managed policy of a third stack, in the role's ManagedPolicyArns
    policies = cdk.Stack(app, "Policies", env=ENV)
    common = iam.ManagedPolicy(
        policies,
        "Common",
        statements=[iam.PolicyStatement(actions=["logs:*"], resources=["*"])],
    )
    granted.add_managed_policy(common)
    ids["Common"] = logical_id(common)
    fn = function(service, "Granted", role=granted)
    fn.add_to_role_policy(iam.PolicyStatement(actions=["sqs:*"], resources=["*"]))
    extra = iam.Policy(
        service,
        "GrantedExtra",
        roles=[granted],
        statements=[iam.PolicyStatement(actions=["dynamodb:*"], resources=["*"])],
    )
    managed = iam.ManagedPolicy(
        service,
        "GrantedManaged",
        roles=[granted],
        statements=[iam.PolicyStatement(actions=["sns:*"], resources=["*"])],
    )
    ids["Granted"] = logical_id(fn)
    ids["GrantedRole"] = logical_id(granted)
    ids["GrantedPolicy"] = logical_id(granted.node.find_child("DefaultPolicy"))
    ids["GrantedExtra"] = logical_id(extra)
    ids["GrantedManaged"] = logical_id(managed)

    clean = iam.Role(
        roles,
        "CleanRole",
        assumed_by=LAMBDA,
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_arn(roles, "Boundary", BOUNDARY),
    )
    clean.add_to_policy(
        iam.PolicyStatement(
            actions=["dynamodb:GetItem"],
            resources=["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"],
        )
    )
    # its code calls what its role grants, and nothing else (GR-IAM-15, GR-IAM-16)
    reads = (
        "import boto3\n\n\ndef handler(event, context):\n"
        '    return boto3.client("dynamodb").get_item(TableName="orders", Key={})\n'
    )
    ids["Clean"] = logical_id(
        function(service, "Clean", role=clean, code=lambda_.Code.from_inline(reads))
    )

    framework_role = iam.Role(
        roles,
        "FrameworkRole",
        assumed_by=LAMBDA,
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AWSLambdaBasicExecutionRole"
            )
        ],
    )
    ids["FrameworkRole"] = logical_id(framework_role)
    ids["Framework"] = logical_id(function(service, FRAMEWORK_ID, role=framework_role))


@pytest.fixture(scope="module")
def roles(tmp_path_factory):
    ids: dict[str, str] = {}
    assembly = synth(lambda app: build_roles(app, ids), tmp_path_factory.mktemp("roles"))
    return assembly, ids


def iam_findings(assembly, fn_id, stack, policy=None):
    """The GR-IAM findings that list the function ``fn_id`` of ``stack``."""
    report = engine.scan(assembly, policy, today=TODAY)
    assert not report.errors, report.errors
    fns = {(f.stack, f.logical_id) for f in functions(assembly)}
    assert (stack, fn_id) in fns
    return [f for f in report.findings if f.rule_id.startswith("GR-IAM") and fn_id in f.functions]


def test_the_role_of_another_stack_is_read_from_that_stack(roles):
    assembly, ids = roles
    fns = {(f.stack, f.logical_id): f for f in functions(assembly)}
    fn = fns[("Service", ids["Admin"])]
    assert fn.role is not None and fn.role_arn is None
    assert (fn.role.site.stack, fn.role.site.logical_id) == ("Roles", ids["AdminRole"])
    assert fn.role.site.template_path.endswith("Roles.template.json")
    assert [p.short_name for p in fn.role.managed_policies] == [
        "AdministratorAccess",
        "AWSLambdaBasicExecutionRole",
    ]
    assert {(s.site.stack, s.site.logical_id) for s in fn.role.statements} == {
        ("Roles", ids["AdminPolicy"])
    }
    assert len(fn.role.trust) == 2 and {s.site.stack for s in fn.role.trust} == {"Roles"}
    assert fn.role.functions == (f"Service/{ids['Admin']}",)

    granted = fns[("Service", ids["Granted"])].role
    assert granted is not None
    assert sorted((s.site.stack, s.site.logical_id) for s in granted.statements) == sorted(
        [
            ("Policies", ids["Common"]),
            ("Roles", ids["GrantedPolicy"]),
            ("Service", ids["GrantedExtra"]),
            ("Service", ids["GrantedManaged"]),
        ]
    )


def test_iam_rules_fire_on_the_role_of_another_stack(roles):
    assembly, ids = roles
    found = iam_findings(assembly, ids["Admin"], "Service", STRICT)
    where = {(f.rule_id, f.stack, f.logical_id, f.location) for f in found}
    role, policy = ids["AdminRole"], ids["AdminPolicy"]
    assert {
        ("GR-IAM-01", "Roles", role, "Properties/ManagedPolicyArns/0"),
        ("GR-IAM-14", "Roles", role, "Properties/ManagedPolicyArns/1"),
        ("GR-IAM-04", "Roles", policy, "Properties/PolicyDocument/Statement/0/Action"),
        ("GR-IAM-05", "Roles", policy, "Properties/PolicyDocument/Statement/0/Resource"),
        ("GR-IAM-03", "Roles", policy, "Properties/PolicyDocument/Statement/1/NotAction"),
        ("GR-IAM-09", "Roles", role, "Properties/AssumeRolePolicyDocument/Statement/1/Principal"),
        ("GR-IAM-10", "Roles", role, "Properties/PermissionsBoundary"),
    } <= where
    assert all(f.functions == (ids["Admin"],) and f.owner == "user" for f in found)
    assert "GR-IAM-08" not in {f.rule_id for f in found}


def test_a_role_of_another_stack_reads_as_one_of_the_same_stack(roles):
    assembly, ids = roles

    def seen(prefix, stack):
        role, policy = ids[f"{prefix}AdminRole"], ids[f"{prefix}AdminPolicy"]
        return sorted(
            (
                f.rule_id,
                f.severity,
                f.logical_id.replace(policy, "POLICY").replace(role, "ROLE"),
                f.location,
                f.message.replace(role, "ROLE").replace(policy, "POLICY"),
            )
            for f in iam_findings(assembly, ids[f"{prefix}Admin"], stack, STRICT)
        )

    assert len(seen("", "Service")) >= 7
    assert seen("", "Service") == seen("Together", "Together")


def test_policies_of_the_functions_stack_reach_the_role(roles):
    assembly, ids = roles
    found = [
        f for f in iam_findings(assembly, ids["Granted"], "Service") if f.rule_id == "GR-IAM-04"
    ]
    assert sorted((f.stack, f.logical_id) for f in found) == sorted(
        [
            ("Policies", ids["Common"]),
            ("Roles", ids["GrantedPolicy"]),
            ("Service", ids["GrantedExtra"]),
            ("Service", ids["GrantedManaged"]),
        ]
    )


def test_a_role_shared_across_stacks_is_reported_once(roles):
    assembly, ids = roles
    (finding,) = findings(assembly, "GR-IAM-08")
    assert (finding.stack, finding.logical_id) == ("Roles", ids["SharedRole"])
    assert finding.functions == tuple(sorted([ids["Local"], ids["Remote"]]))
    assert "shared by 2 functions" in finding.message
    assert f"Service/{ids['Remote']}" in finding.message


def test_a_compliant_role_of_another_stack_gives_no_iam_finding(roles):
    assembly, ids = roles
    clean = next(f for f in functions(assembly) if f.logical_id == ids["Clean"])
    assert clean.role is not None and clean.role.site.stack == "Roles"
    assert clean.role.permissions_boundary is not None and len(clean.role.statements) == 1
    assert iam_findings(assembly, ids["Clean"], "Service", STRICT) == []


def test_the_owner_is_the_functions_not_looked_up_in_the_roles_stack(roles):
    assembly, ids = roles
    (log_policy,) = [
        f for f in iam_findings(assembly, ids["Framework"], "Service") if f.rule_id == "GR-IAM-14"
    ]
    assert (log_policy.stack, log_policy.owner, log_policy.severity) == (
        "Roles",
        "framework",
        "info",
    )


def test_an_exemption_on_the_functions_construct_path_covers_its_foreign_role(roles):
    assembly, ids = roles
    exempt = Policy.from_mapping(
        {"exemptions": [{"rule": "GR-IAM-01", "resource": "Service/Admin", "reason": "legacy"}]}
    )
    (admin,) = [
        f
        for f in iam_findings(assembly, ids["Admin"], "Service", exempt)
        if f.rule_id == "GR-IAM-01"
    ]
    assert (admin.stack, admin.status, admin.reason) == ("Roles", "exempted", "legacy")


# -- the same with hand-written templates: Fn::ImportValue of a literal export name -----------
EXPORTER = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ]
                },
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            },
        },
        "Here": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            },
        },
    },
    "Outputs": {
        "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}, "Export": {"Name": "SharedRoleArn"}},
        "RoleName": {"Value": {"Ref": "Role"}, "Export": {"Name": "SharedRoleName"}},
    },
}
IMPORTER = {
    "Resources": {
        "There": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
                "Role": {"Fn::ImportValue": "SharedRoleArn"},
            },
        },
        "Grant": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "grant",
                "PolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
                },
                "Roles": [{"Fn::ImportValue": "SharedRoleName"}],
            },
        },
    },
}


@pytest.fixture
def templates(tmp_path):
    artifacts = {}
    for name, doc in (("Exporter", EXPORTER), ("Importer", IMPORTER)):
        (tmp_path / f"{name}.template.json").write_text(json.dumps(doc), encoding="utf-8")
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://123456789012/eu-west-1",
            "properties": {"templateFile": f"{name}.template.json"},
        }
    manifest = {"version": "36.0.0", "artifacts": artifacts}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def test_an_imported_export_name_leads_to_the_role(templates):
    assembly = load(templates)
    there = next(f for f in functions(assembly) if f.logical_id == "There")
    assert there.role is not None and there.role_arn is None
    assert (there.role.site.stack, there.role.site.logical_id) == ("Exporter", "Role")
    assert there.role.functions == ("Here", "Importer/There")
    where = {(f.rule_id, f.stack, f.logical_id, f.functions) for f in findings(assembly)}
    assert ("GR-IAM-01", "Exporter", "Role", ("Here", "There")) in where
    assert ("GR-IAM-04", "Importer", "Grant", ("Here", "There")) in where
    assert ("GR-IAM-08", "Exporter", "Role", ("Here", "There")) in where
    assert len(findings(assembly, "GR-IAM-08")) == 1


def test_the_importing_template_alone_does_not_guess_the_role(templates):
    assembly = load(templates / "Importer.template.json")
    (there,) = functions(assembly)
    assert there.role is None and isinstance(there.role_arn, Token)
    assert [f for f in findings(assembly) if f.rule_id.startswith("GR-IAM")] == []
