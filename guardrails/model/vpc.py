"""Where a VPC function sits in the network: subnets, security groups and VPC endpoints.

Only what the assembly holds can be decided: a subnet or security group passed as an imported
id (a literal ``subnet-...``, an ``Fn::ImportValue``, a parameter) is unknown, and rules say
nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from guardrails.model.site import Site
from guardrails.model.values import Value

if TYPE_CHECKING:
    from guardrails.model.assembly import Resource
    from guardrails.model.graph import StackGraph


@dataclass(frozen=True)
class Subnet:
    """An ``AWS::EC2::Subnet`` of the template the function is placed in."""

    site: Site
    availability_zone: Value = None
    map_public_ip_on_launch: Value = None
    #: True: its route table has ``0.0.0.0/0`` (or ``::/0``) to an internet gateway; False: it
    #: has a route table in the template and no such route; None: cannot be decided
    routes_to_internet_gateway: bool | None = None
    #: logical id of its ``AWS::EC2::VPC`` when in the template
    vpc: str | None = None


@dataclass(frozen=True)
class EgressRule:
    site: Site
    cidr_ip: Value = None
    cidr_ipv6: Value = None
    ip_protocol: Value = None
    from_port: Value = None
    to_port: Value = None


@dataclass(frozen=True)
class SecurityGroup:
    """An ``AWS::EC2::SecurityGroup`` of the template attached to the function."""

    site: Site
    #: its ``SecurityGroupEgress`` entries and the ``AWS::EC2::SecurityGroupEgress`` resources
    #: that target it
    egress: tuple[EgressRule, ...] = ()


@dataclass(frozen=True)
class NetworkPlacement:
    """The resolved network around a VPC function (``LambdaFunction.network``)."""

    #: subnets found in the template, and how many subnet ids could not be resolved
    subnets: tuple[Subnet, ...] = ()
    unresolved_subnets: int = 0
    security_groups: tuple[SecurityGroup, ...] = ()
    unresolved_security_groups: int = 0
    #: logical id of the VPC of the subnets, when in the template
    vpc: str | None = None
    #: service names of the interface / gateway endpoints of that VPC in the template
    #: (``com.amazonaws.<region>.secretsmanager``, rendered); None when the VPC is not there
    endpoints: tuple[str, ...] | None = None


def placement(graph: StackGraph, fn: Resource) -> NetworkPlacement | None:
    """The network of a VPC function; None when the function is not in a VPC."""
    return None
