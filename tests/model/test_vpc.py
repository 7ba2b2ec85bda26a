"""The network model of VPC functions (``model.vpc``) on one hand-written template.

Real CDK output is covered by ``tests/rules/test_network_placement.py``; this template holds the
forms CDK does not emit (literal gateway ids, parameters, zone ids, missing associations).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.model import load
from guardrails.model.graph import StackGraph
from guardrails.model.values import Text, Token
from guardrails.model.vpc import _index, service_of, zone_label

TEMPLATE = """
Parameters:
  Gateway: {Type: String}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
  Service: {Type: String}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Igw:
    Type: AWS::EC2::InternetGateway
  # zone by index (string index, Ref AWS::Region), public by MapPublicIpOnLaunch only
  A:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.0.0/24
      AvailabilityZone: !Select ["1", !GetAZs {Ref: "AWS::Region"}]
      MapPublicIpOnLaunch: true
  # zone id, route table with a default route to a literal igw- id
  B:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
      AvailabilityZoneId: euw1-az2
  BTable: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  BAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref B, RouteTableId: !Ref BTable}
  BDefault:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref BTable, DestinationCidrBlock: 0.0.0.0/0, GatewayId: igw-0abc}
  # default route to a gateway from a parameter: undecided
  C:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24, AvailabilityZone: eu-west-1a}
  CTable: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  CAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref C, RouteTableId: !Ref CTable}
  CDefault:
    Type: AWS::EC2::Route
    Properties:
      {RouteTableId: !Ref CTable, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Gateway}
  # a narrow route to the internet gateway and a NAT default route: private
  D:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.3.0/24, AvailabilityZone: eu-west-1b}
  DTable: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  DAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref D, RouteTableId: !Ref DTable}
  DNarrow:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref DTable, DestinationCidrBlock: 1.2.3.0/24, GatewayId: !Ref Igw}
  DNat:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref DTable, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: nat-1}
  # IPv6 default route to the template's internet gateway
  E:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.4.0/24, AvailabilityZone: eu-west-1b}
  ETable: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  EAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref E, RouteTableId: !Ref ETable}
  EDefault6:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref ETable, DestinationIpv6CidrBlock: "::/0", GatewayId: !Ref Igw}
  # no egress declared: EC2's default rule, then a standalone rule
  Open:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: open, VpcId: !Ref Vpc}
  OpenExtra:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: !GetAtt Open.GroupId, IpProtocol: tcp, FromPort: 443, ToPort: 443,
                 CidrIp: 10.0.0.0/16}
  Narrow:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: narrow
      VpcId: !Ref Vpc
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/16}
        - !If [Never, {IpProtocol: "-1", CidrIp: 0.0.0.0/0}, !Ref "AWS::NoValue"]
  SecretsEndpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !Sub com.amazonaws.${AWS::Region}.secretsmanager-fips
      VpcEndpointType: Interface
  Key: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {}}}
  AppKey: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {}}}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {KmsMasterKeyId: !GetAtt Key.Arn}
  KeyName:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: !GetAtt AppKey.Arn}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: []}
  One:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): pass"}
      Environment: {Variables: {KEY: !Ref AppKey}}
      VpcConfig:
        SubnetIds: [!Ref A, !Ref B, !Ref C, !Ref D, !Ref E, subnet-0abc, !ImportValue net-c]
        SecurityGroupIds:
          [!GetAtt Open.GroupId, !Ref Narrow, sg-0abc, !GetAtt Vpc.DefaultSecurityGroup]
  Two:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): pass"}
      VpcConfig: {SubnetIds: [!Ref A], SecurityGroupIds: [!Ref Open]}
  Params:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): pass"}
      VpcConfig: {SubnetIds: !Ref Subnets, SecurityGroupIds: [sg-0abc]}
  Outside:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): pass"}
Conditions:
  Never: !Equals [a, b]
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    path: Path = tmp_path_factory.mktemp("vpc") / "Net.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    graph = StackGraph(load(path).stacks[0])
    return graph, {fn.logical_id: fn for fn in graph.functions()}


def subnets(fn):
    return {s.logical_id: s for s in fn.network.subnets}


def test_subnets_resolved_and_unresolved(stack):
    _, fns = stack
    net = fns["One"].network
    assert list(subnets(fns["One"])) == ["A", "B", "C", "D", "E"]
    assert net.unresolved_subnets == 2  # the literal id and the import
    assert net.vpc == "Vpc"
    params = fns["Params"].network
    assert params.subnets == () and params.unresolved_subnets == 1
    assert params.vpc is None and params.endpoints is None
    assert fns["Outside"].network is None


def test_zones(stack):
    by_id = subnets(stack[1]["One"])
    assert by_id["A"].zone == ("index", "1")
    assert by_id["B"].zone == ("id", "euw1-az2")
    assert by_id["C"].zone == ("name", "eu-west-1a")
    assert zone_label(("index", "1")).startswith("zone #1 of the region")


def test_public_subnets(stack):
    by_id = subnets(stack[1]["One"])
    assert by_id["A"].map_public_ip_on_launch is True
    assert by_id["A"].routes_to_internet_gateway is None  # main route table
    assert by_id["B"].routes_to_internet_gateway is True
    assert [r.logical_id for r in by_id["B"].internet_routes] == ["BDefault"]
    assert by_id["C"].routes_to_internet_gateway is None  # gateway from a parameter
    assert by_id["D"].routes_to_internet_gateway is False
    assert by_id["E"].routes_to_internet_gateway is True


def test_security_groups_and_egress(stack):
    net = stack[1]["One"].network
    groups = {g.logical_id: g for g in net.security_groups}
    assert list(groups) == ["Open", "Narrow"]
    assert net.unresolved_security_groups == 2  # literal id, the VPC's default group
    default, extra = groups["Open"].egress
    assert default.default and default.cidr_ip == "0.0.0.0/0" and default.ip_protocol == "-1"
    assert default.site.location == "Properties/SecurityGroupEgress"
    assert (extra.site.logical_id, extra.site.location) == ("OpenExtra", "Properties")
    [narrow] = groups["Narrow"].egress  # the Fn::If entry is never deployed
    assert narrow.site.location == "Properties/SecurityGroupEgress/0"
    assert not narrow.default


def test_endpoints_and_service_keys(stack):
    net = stack[1]["One"].network
    [endpoint] = net.endpoints
    assert endpoint.service == "secretsmanager"
    assert endpoint.site.logical_id == "SecretsEndpoint"
    # the queue's key; not the key whose ARN a parameter and an environment variable carry
    assert net.service_keys == frozenset({"Key"})


def test_index_is_built_once_per_template(stack):
    graph, fns = stack
    assert _index(graph) is _index(graph)
    one, two = fns["One"].network, fns["Two"].network
    assert two.subnets[0] is subnets(fns["One"])["A"]
    assert two.security_groups[0] is one.security_groups[0]


@pytest.mark.parametrize(
    ("name", "service"),
    [
        ("com.amazonaws.eu-west-1.kms", "kms"),
        ("com.amazonaws.eu-west-1.ssm-fips", "ssm"),
        (
            Text(("com.amazonaws.", Token("pseudo", "AWS::Region"), ".secretsmanager")),
            "secretsmanager",
        ),
        (Text(("com.amazonaws.eu-west-1.", Token("param", "Svc"))), None),
        (Token("param", "Service"), None),
        ("secretsmanager", None),
    ],
)
def test_service_of(name, service):
    assert service_of(name) == service
