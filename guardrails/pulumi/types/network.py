"""``aws:ec2/*`` and ``aws:vpc/*``: where functions run and what they may reach."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.translator import Translator, handles, merges
from guardrails.pulumi.types.names import SECURITY_GROUP, SUBNET, VPC


@handles(VPC)
def _vpc(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::EC2::VPC", {"CidrBlock": t.value(p.get("cidrBlock"))})


@handles(SUBNET)
def _subnet(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::Subnet",
        {
            "VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,)),
            "AvailabilityZone": t.value(p.get("availabilityZone")),
            "CidrBlock": t.value(p.get("cidrBlock")),
            "MapPublicIpOnLaunch": t.value(p.get("mapPublicIpOnLaunch")),
        },
    )


@handles("aws:ec2/routeTable:RouteTable")
def _route_table(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::EC2::RouteTable", {"VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,))})
    for i, route in enumerate(p.get("routes") or []):
        if isinstance(route, dict):
            t.out[f"{t.ids[r.urn]}Route{i}"] = {
                "Type": "AWS::EC2::Route",
                "Properties": {
                    "RouteTableId": {"Ref": t.ids[r.urn]},
                    "DestinationCidrBlock": t.value(route.get("cidrBlock")),
                    "GatewayId": t.ref(r, "routes", route.get("gatewayId")),
                    "NatGatewayId": t.ref(r, "routes", route.get("natGatewayId")),
                },
            }


@handles("aws:ec2/route:Route")
def _route(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::Route",
        {
            "RouteTableId": t.ref(
                r, "routeTableId", p.get("routeTableId"), ("aws:ec2/routeTable:RouteTable",)
            ),
            "DestinationCidrBlock": t.value(p.get("destinationCidrBlock")),
            "GatewayId": t.ref(r, "gatewayId", p.get("gatewayId")),
            "NatGatewayId": t.ref(r, "natGatewayId", p.get("natGatewayId")),
        },
    )


@handles("aws:ec2/routeTableAssociation:RouteTableAssociation")
def _route_table_association(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::SubnetRouteTableAssociation",
        {
            "RouteTableId": t.ref(
                r, "routeTableId", p.get("routeTableId"), ("aws:ec2/routeTable:RouteTable",)
            ),
            "SubnetId": t.ref(r, "subnetId", p.get("subnetId"), (SUBNET,)),
        },
    )


@handles("aws:ec2/internetGateway:InternetGateway")
def _internet_gateway(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(r, "AWS::EC2::InternetGateway", {})


@handles("aws:ec2/natGateway:NatGateway")
def _nat_gateway(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r, "AWS::EC2::NatGateway", {"SubnetId": t.ref(r, "subnetId", p.get("subnetId"), (SUBNET,))}
    )


@handles(SECURITY_GROUP)
def _security_group(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    egress = p.get("egress")
    t.emit(
        r,
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": t.value(p.get("description")) or r.name,
            "VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,)),
            "SecurityGroupEgress": [_rule(t, r, "egress", e) for e in egress if isinstance(e, dict)]
            if isinstance(egress, list)
            else None,
        },
    )


def _rule(t: Translator, r: PulumiResource, prop: str, rule: dict[str, Any]) -> dict[str, Any]:
    """A security group rule of Pulumi's (``protocol``, ``fromPort``, ``cidrBlocks``...) as a
    template writes it (``IpProtocol``, ``FromPort``, ``CidrIp``; one CIDR a rule)."""
    cidrs = rule.get("cidrBlocks") or []
    out = {
        "IpProtocol": "-1" if str(rule.get("protocol")) in ("-1", "all") else rule.get("protocol"),
        "FromPort": rule.get("fromPort"),
        "ToPort": rule.get("toPort"),
        "CidrIp": cidrs[0] if isinstance(cidrs, list) and cidrs else rule.get("cidrIpv4"),
        "CidrIpv6": (rule.get("ipv6CidrBlocks") or [None])[0] or rule.get("cidrIpv6"),
        "DestinationSecurityGroupId": t.ref(r, prop, (rule.get("securityGroups") or [None])[0])
        or t.ref(r, prop, rule.get("referencedSecurityGroupId")),
        "DestinationPrefixListId": (rule.get("prefixListIds") or [None])[0]
        or rule.get("prefixListId"),
    }
    return {k: t.value(v) for k, v in out.items() if v is not None}


@merges("aws:ec2/securityGroupRule:SecurityGroupRule")
def _security_group_rule(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    if p.get("type") == "egress":
        _egress_rule(t, r, p, "securityGroupId")


@merges("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
def _security_group_egress_rule(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    p = {**p, "protocol": p.get("ipProtocol")}
    _egress_rule(t, r, p, "securityGroupId")


def _egress_rule(t: Translator, r: PulumiResource, p: dict[str, Any], group_prop: str) -> None:
    """A rule of its own, on its group's ``SecurityGroupEgress`` (where a template that CDK
    writes has it too); a finding there points at the rule."""
    group = t.ref(r, group_prop, p.get(group_prop), (SECURITY_GROUP,))
    target = t.out.get(group.get("Ref", "")) if isinstance(group, dict) else None
    if target is None or target["Type"] != "AWS::EC2::SecurityGroup":
        return
    rules = target["Properties"].setdefault("SecurityGroupEgress", [])
    t.origins[(group["Ref"], f"Properties/SecurityGroupEgress/{len(rules)}")] = r.urn
    rules.append(_rule(t, r, group_prop, p))


@handles("aws:ec2/vpcEndpoint:VpcEndpoint")
def _vpc_endpoint(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::EC2::VPCEndpoint",
        {
            "VpcId": t.ref(r, "vpcId", p.get("vpcId"), (VPC,)),
            "ServiceName": t.value(p.get("serviceName")),
            "VpcEndpointType": t.value(p.get("vpcEndpointType")),
            "SubnetIds": t.ref(r, "subnetIds", p.get("subnetIds"), (SUBNET,)),
        },
    )
