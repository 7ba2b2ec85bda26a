"""GR-NET-02 to GR-NET-05 (where a VPC function sits) on real synthesized CDK stacks.

One app for the module, one stack per case. Stacks with ``ENV`` get real Availability Zone names
from the context below; stacks without an environment get CDK's ``Fn::Select [i, Fn::GetAZs]``.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk.aws_lambda_event_sources import SqsEventSource

from guardrails import engine
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id, synth

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
CONTEXT = {f"availability-zones:account={ENV.account}:region={ENV.region}": ZONES}
PRIVATE = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


def isolated_vpc(scope: cdk.Stack, max_azs: int = 2) -> ec2.Vpc:
    return ec2.Vpc(
        scope,
        "Vpc",
        max_azs=max_azs,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )


def build(app: cdk.App, ids: dict[str, str]) -> None:
    def stack(name: str, env: cdk.Environment | None = ENV) -> cdk.Stack:
        return cdk.Stack(app, name, env=env)

    def remember(name: str, construct: object) -> None:
        ids[name] = logical_id(construct)

    # the CDK default: public + private subnets with NAT in 2 zones; an encrypted queue as
    # event source (its kms:Decrypt is SQS's, not the function's)
    s = stack("TwoAz")
    vpc = ec2.Vpc(s, "Vpc", max_azs=2)
    fn = function(s, vpc=vpc)
    secretsmanager.Secret(s, "Secret").grant_read(fn)
    queue = sqs.Queue(s, "Queue", encryption_master_key=kms.Key(s, "QueueKey"))
    fn.add_event_source(SqsEventSource(queue))
    remember("TwoAz", fn)
    remember("TwoAz/Sg", fn.connections.security_groups[0])
    remember("TwoAz/Policy", fn.role.node.find_child("DefaultPolicy"))

    s = stack("OneAz")
    fn = function(s, vpc=ec2.Vpc(s, "Vpc", max_azs=1))
    remember("OneAz", fn)

    s = stack("Public")
    vpc = ec2.Vpc(
        s,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="web", subnet_type=ec2.SubnetType.PUBLIC)
        ],
    )
    fn = function(
        s,
        vpc=vpc,
        allow_public_subnet=True,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
    )
    remember("Public", fn)
    for i, subnet in enumerate(vpc.public_subnets):
        remember(f"Public/Subnet{i}", subnet)

    # dual stack: MapPublicIpOnLaunch false, public only through its routes
    s = stack("DualStack")
    vpc = ec2.Vpc(
        s,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        ip_protocol=ec2.IpProtocol.DUAL_STACK,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="web", subnet_type=ec2.SubnetType.PUBLIC)
        ],
    )
    fn = function(
        s,
        vpc=vpc,
        allow_public_subnet=True,
        ipv6_allowed_for_dual_stack=True,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
    )
    remember("DualStack", fn)

    # no environment: zones are Fn::Select [i, Fn::GetAZs ""], endpoint names Fn::Join tokens
    s = stack("Isolated", env=None)
    vpc = isolated_vpc(s)
    closed = ec2.SecurityGroup(s, "Closed", vpc=vpc, allow_all_outbound=False)
    https = ec2.SecurityGroup(s, "Https", vpc=vpc, allow_all_outbound=False)
    https.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443))
    fn = function(s, vpc=vpc, vpc_subnets=PRIVATE, security_groups=[closed, https])
    secretsmanager.Secret(s, "Secret").grant_read(fn)
    kms.Key(s, "Key").grant_decrypt(fn)
    ssm.StringParameter(s, "Config", string_value="v").grant_read(fn)
    for name, service in (
        ("Secrets", ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
        ("Kms", ec2.InterfaceVpcEndpointAwsService.KMS),
        ("Ssm", ec2.InterfaceVpcEndpointAwsService.SSM),
    ):
        vpc.add_interface_endpoint(name, service=service)
    remember("Isolated", fn)

    s = stack("IsolatedOneAz", env=None)
    fn = function(s, vpc=isolated_vpc(s, max_azs=1), vpc_subnets=PRIVATE)
    remember("IsolatedOneAz", fn)

    # reads SSM and KMS directly; only a Secrets Manager endpoint
    s = stack("MissingEndpoints", env=None)
    vpc = isolated_vpc(s)
    fn = function(s, vpc=vpc, vpc_subnets=PRIVATE)
    ssm.StringParameter(s, "Config", string_value="v").grant_read(fn)
    kms.Key(s, "Key").grant_decrypt(fn)
    vpc.add_interface_endpoint(
        "Secrets", service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER
    )
    remember("MissingEndpoints", fn)
    remember("MissingEndpoints/Policy", fn.role.node.find_child("DefaultPolicy"))
    remember("MissingEndpoints/Vpc", vpc)

    # one statement that reads every service
    s = stack("Wildcard")
    fn = function(s, vpc=ec2.Vpc(s, "Vpc", max_azs=2))
    fn.add_to_role_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))
    remember("Wildcard/Policy", fn.role.node.find_child("DefaultPolicy"))

    # imported VPC: literal subnet ids in one zone, nothing about them can be decided
    s = stack("Imported")
    vpc = ec2.Vpc.from_vpc_attributes(
        s,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a"],
        private_subnet_ids=["subnet-0123456789abcdef0"],
    )
    fn = function(s, vpc=vpc)
    secretsmanager.Secret(s, "Secret").grant_read(fn)
    remember("Imported/Sg", fn.connections.security_groups[0])

    # tokens: a subnet from a parameter next to a one-zone VPC, egress to a CIDR parameter, an
    # imported security group, an endpoint whose service name is a parameter
    s = stack("Tokens")
    vpc = ec2.Vpc(s, "Vpc", max_azs=1)
    extra = ec2.Subnet.from_subnet_attributes(
        s,
        "Extra",
        subnet_id=cdk.CfnParameter(s, "SubnetId").value_as_string,
        availability_zone="eu-west-1b",
    )
    cidr = cdk.CfnParameter(s, "EgressCidr").value_as_string
    sg = ec2.SecurityGroup(s, "Sg", vpc=vpc, allow_all_outbound=False)
    sg.add_egress_rule(ec2.Peer.ipv4(cidr), ec2.Port.all_traffic())
    imported = ec2.SecurityGroup.from_security_group_id(s, "Imported", "sg-0123456789abcdef0")
    fn = function(
        s,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnets=[vpc.private_subnets[0], extra]),
        security_groups=[sg, imported],
    )
    secretsmanager.Secret(s, "Secret").grant_read(fn)
    ec2.CfnVPCEndpoint(
        s,
        "Endpoint",
        vpc_id=vpc.vpc_id,
        service_name=cdk.CfnParameter(s, "EndpointService").value_as_string,
    )

    # one security group (CDK defaults, plus IPv6) shared by two functions
    s = stack("SharedSg")
    vpc = ec2.Vpc(s, "Vpc", max_azs=2)
    sg = ec2.SecurityGroup(s, "Sg", vpc=vpc, allow_all_ipv6_outbound=True)
    a = function(s, "A", vpc=vpc, security_groups=[sg])
    b = function(s, "B", vpc=vpc, security_groups=[sg])
    remember("SharedSg/A", a)
    remember("SharedSg/B", b)
    remember("SharedSg/Sg", sg)

    # a standalone egress resource: every TCP port to ::/0
    s = stack("EgressResource")
    vpc = ec2.Vpc(s, "Vpc", max_azs=2)
    sg = ec2.SecurityGroup(s, "Sg", vpc=vpc, allow_all_outbound=False)
    egress = ec2.CfnSecurityGroupEgress(
        s,
        "AllTcp",
        group_id=sg.security_group_id,
        ip_protocol="tcp",
        from_port=0,
        to_port=65535,
        cidr_ipv6="::/0",
    )
    function(s, vpc=vpc, security_groups=[sg])
    remember("EgressResource/Egress", egress)


@pytest.fixture(scope="module")
def app(module_tmp: Path):
    ids: dict[str, str] = {}
    assembly = synth(lambda a: build(a, ids), module_tmp / "cdk.out", context=CONTEXT)
    report = engine.scan(assembly, Policy(), today=TODAY)
    assert not report.errors, report.errors
    return report, ids, module_tmp / "cdk.out"


def found(app, rule_id: str, stack: str) -> list[engine.Finding]:
    return [f for f in app[0].findings if f.rule_id == rule_id and f.stack == stack]


# -- GR-NET-02 --------------------------------------------------------------------------------
def test_net02_flags_a_one_zone_vpc(app):
    [f] = found(app, "GR-NET-02", "OneAz")
    assert f.severity == "medium"
    assert f.logical_id == app[1]["OneAz"]
    assert f.location == "Properties/VpcConfig/SubnetIds"
    assert "single Availability Zone" in f.message
    assert "is in eu-west-1a" in f.message
    assert "VpcPrivateSubnet1Subnet" in f.message


def test_net02_flags_one_fn_getazs_index(app):
    [f] = found(app, "GR-NET-02", "IsolatedOneAz")
    assert f.logical_id == app[1]["IsolatedOneAz"]
    assert "in zone #0 of the region (Fn::Select 0 of Fn::GetAZs)" in f.message


@pytest.mark.parametrize(
    "stack",
    [
        "TwoAz",  # eu-west-1a and eu-west-1b
        "Public",
        "Isolated",  # Fn::Select 0 and 1 of Fn::GetAZs: two zones
        "Imported",  # literal subnet ids: unresolved
        "Tokens",  # one resolved zone, one subnet from a parameter
    ],
)
def test_net02_silent(app, stack):
    assert found(app, "GR-NET-02", stack) == []


# -- GR-NET-03 --------------------------------------------------------------------------------
def test_net03_flags_public_subnets_once_per_function(app):
    [f] = found(app, "GR-NET-03", "Public")
    assert f.severity == "high"
    assert f.logical_id == app[1]["Public"]
    assert f.location == "Properties/VpcConfig/SubnetIds"
    for i in (0, 1):
        assert app[1][f"Public/Subnet{i}"] in f.message
    assert "MapPublicIpOnLaunch: true" in f.message
    assert "default route to an internet gateway in VpcwebSubnet1DefaultRoute" in f.message


def test_net03_flags_a_route_to_the_internet_gateway_alone(app):
    [f] = found(app, "GR-NET-03", "DualStack")
    assert f.logical_id == app[1]["DualStack"]
    assert "MapPublicIpOnLaunch" not in f.message
    # the IPv4 and the IPv6 default routes
    assert "DefaultRoute6" in f.message


@pytest.mark.parametrize("stack", ["TwoAz", "OneAz", "Isolated", "Imported", "Tokens"])
def test_net03_silent(app, stack):
    # private subnets route 0.0.0.0/0 to a NAT gateway, isolated ones nowhere
    assert found(app, "GR-NET-03", stack) == []


# -- GR-NET-04 --------------------------------------------------------------------------------
def test_net04_flags_cdk_default_allow_all_outbound(app):
    [f] = found(app, "GR-NET-04", "TwoAz")
    assert f.severity == "low"
    assert f.logical_id == app[1]["TwoAz/Sg"]
    assert f.location == "Properties/SecurityGroupEgress/0"
    assert f.functions == (app[1]["TwoAz"],)
    assert "all protocols and ports (IpProtocol -1) to 0.0.0.0/0" in f.message
    # the rule's Description is free text: the location names the rule, the message never
    # quotes it
    assert "Allow all outbound traffic by default" not in f.message


def test_net04_one_finding_per_rule_for_a_shared_group(app):
    result = found(app, "GR-NET-04", "SharedSg")
    assert [f.location for f in result] == [
        "Properties/SecurityGroupEgress/0",
        "Properties/SecurityGroupEgress/1",
    ]
    assert {f.logical_id for f in result} == {app[1]["SharedSg/Sg"]}
    for f in result:
        assert f.functions == tuple(sorted([app[1]["SharedSg/A"], app[1]["SharedSg/B"]]))
    assert "to 0.0.0.0/0" in result[0].message
    assert "to ::/0" in result[1].message


def test_net04_locates_a_standalone_egress_resource(app):
    [f] = found(app, "GR-NET-04", "EgressResource")
    assert f.logical_id == app[1]["EgressResource/Egress"]
    assert f.location == "Properties"
    assert "every TCP port (0-65535) to ::/0" in f.message


def test_net04_imported_vpc_still_has_the_cdk_security_group(app):
    [f] = found(app, "GR-NET-04", "Imported")
    assert f.logical_id == app[1]["Imported/Sg"]


@pytest.mark.parametrize(
    "stack",
    [
        "Isolated",  # allow_all_outbound=False placeholder, and a 443-only group
        "Tokens",  # all traffic to a CIDR parameter, and an imported group
    ],
)
def test_net04_silent(app, stack):
    assert found(app, "GR-NET-04", stack) == []


# -- GR-NET-05 --------------------------------------------------------------------------------
def test_net05_flags_a_secret_read_without_endpoint(app):
    [f] = found(app, "GR-NET-05", "TwoAz")
    assert f.severity == "low"
    assert f.logical_id == app[1]["TwoAz/Policy"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Action/0"
    assert f.functions == (app[1]["TwoAz"],)
    assert "no interface endpoint for Secrets Manager" in f.message
    assert "secretsmanager:GetSecretValue" in f.message
    # the queue's kms:Decrypt serves SQS (its key encrypts the queue): no KMS finding


def test_net05_one_violation_per_missing_service(app):
    result = found(app, "GR-NET-05", "MissingEndpoints")
    assert {f.logical_id for f in result} == {app[1]["MissingEndpoints/Policy"]}
    by_service = {("SSM" if "SSM Parameter Store" in f.message else "KMS"): f for f in result}
    assert set(by_service) == {"SSM", "KMS"}
    document = json.loads((app[2] / "MissingEndpoints.template.json").read_text(encoding="utf-8"))[
        "Resources"
    ][app[1]["MissingEndpoints/Policy"]]["Properties"]["PolicyDocument"]
    # the location points at the action entry that grants the read
    for service, action in (("SSM", "ssm:GetParameter"), ("KMS", "kms:Decrypt")):
        path = by_service[service].location.split("/")[2:]
        node = document
        for step in path:
            node = node[int(step)] if step.isdigit() else node[step]
        assert node == action, (service, path)
        assert action in by_service[service].message
        assert app[1]["MissingEndpoints/Vpc"] in by_service[service].message


def test_net05_one_entry_granting_every_service(app):
    [f] = found(app, "GR-NET-05", "Wildcard")
    assert f.logical_id == app[1]["Wildcard/Policy"]
    assert f.location == "Properties/PolicyDocument/Statement/0/Action"
    for name in ("Secrets Manager", "SSM Parameter Store", "KMS"):
        assert name in f.message


@pytest.mark.parametrize(
    "stack",
    [
        "Isolated",  # endpoints for all three (names are Fn::Join tokens of the region)
        "Imported",  # VPC not in the template
        "Tokens",  # an endpoint whose service name is a parameter
        "OneAz",  # reads nothing
    ],
)
def test_net05_silent(app, stack):
    assert found(app, "GR-NET-05", stack) == []


def test_vpc_functions_do_not_trip_net01(app):
    # secret readers in a VPC (the GR-NET-01 side of the same sensitivity)
    assert [f for f in app[0].findings if f.rule_id == "GR-NET-01"] == []
