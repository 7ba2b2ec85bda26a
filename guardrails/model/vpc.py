"""Where a VPC function sits in the network: subnets, security groups and VPC endpoints.

Only what the template holds can be decided: a subnet or security group passed as an imported
id (a literal ``subnet-...``, an ``Fn::ImportValue``, a parameter) is unknown, and counted as
unresolved; rules say nothing about what they cannot see.

The template is indexed once (``_NetworkIndex``, cached per ``StackGraph``): route tables,
routes, internet gateways, standalone egress rules and endpoints by VPC. A benchmark stack with
a thousand functions in one VPC reads each subnet and security group once.

Availability Zones: a subnet's zone is a comparable key, ``("name", "eu-west-1a")`` for a
literal ``AvailabilityZone``, ``("id", "euw1-az1")`` for a literal ``AvailabilityZoneId``, and
``("index", "0")`` for ``Fn::Select [0, Fn::GetAZs ""]`` (what CDK emits for a stack without an
explicit environment): the zone's name is known only at deploy time, but distinct indexes of
the same region's list are distinct zones, and equal indexes the same zone. Keys of different
kinds cannot be compared (``index 0`` may or may not be ``eu-west-1a``).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guardrails.model.site import Site
from guardrails.model.values import Text, Token, Value, as_list, literal_str, render

if TYPE_CHECKING:
    from guardrails.model.assembly import Resource
    from guardrails.model.graph import StackGraph

#: destinations of a default route
DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
#: what EC2 adds to a security group created without egress rules
DEFAULT_EGRESS_CIDR = "0.0.0.0/0"


@dataclass(frozen=True, slots=True)
class Subnet:
    """An ``AWS::EC2::Subnet`` of the template the function is placed in."""

    site: Site
    availability_zone: Value = None
    #: comparable zone key (see the module docstring); None when it cannot be told
    zone: tuple[str, str] | None = None
    map_public_ip_on_launch: Value = None
    #: True: its route table has ``0.0.0.0/0`` (or ``::/0``) to an internet gateway; False: it
    #: has a route table in the template and no such route; None: cannot be decided (no
    #: association in the template means the VPC's main route table, which is not)
    routes_to_internet_gateway: bool | None = None
    #: the ``AWS::EC2::Route`` resources that make it so (default route to an internet gateway)
    internet_routes: tuple[Site, ...] = ()
    #: logical id of its ``AWS::EC2::VPC`` when in the template
    vpc: str | None = None

    @property
    def logical_id(self) -> str:
        return self.site.logical_id


@dataclass(frozen=True, slots=True)
class EgressRule:
    """One outbound rule of a security group: an entry of ``SecurityGroupEgress``, an
    ``AWS::EC2::SecurityGroupEgress`` resource, or EC2's default rule (``default``)."""

    site: Site
    cidr_ip: Value = None
    cidr_ipv6: Value = None
    ip_protocol: Value = None
    from_port: Value = None
    to_port: Value = None
    description: Value = None
    #: True for the allow-all rule EC2 adds to a group created without ``SecurityGroupEgress``
    default: bool = False


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    """An ``AWS::EC2::SecurityGroup`` of the template attached to the function."""

    site: Site
    #: its ``SecurityGroupEgress`` entries, EC2's default rule when it declares none, and the
    #: ``AWS::EC2::SecurityGroupEgress`` resources that target it; entries that are tokens
    #: (an ``Fn::If`` over a parameter) are left out
    egress: tuple[EgressRule, ...] = ()
    #: logical id of its ``AWS::EC2::VPC`` when in the template
    vpc: str | None = None

    @property
    def logical_id(self) -> str:
        return self.site.logical_id


@dataclass(frozen=True, slots=True)
class VpcEndpoint:
    """An ``AWS::EC2::VPCEndpoint`` of the template in the function's VPC."""

    site: Site
    service_name: Value = None
    #: the service part of the name (``secretsmanager`` for
    #: ``com.amazonaws.${AWS::Region}.secretsmanager``, ``-fips`` dropped); None when a token
    service: str | None = None
    endpoint_type: Value = None


@dataclass(frozen=True, slots=True)
class NetworkPlacement:
    """The resolved network around a VPC function (``LambdaFunction.network``)."""

    #: subnets found in the template, and how many subnet ids could not be resolved
    subnets: tuple[Subnet, ...] = ()
    unresolved_subnets: int = 0
    security_groups: tuple[SecurityGroup, ...] = ()
    unresolved_security_groups: int = 0
    #: logical id of the VPC of the subnets (or of the security groups), when in the template
    vpc: str | None = None
    #: the endpoints of that VPC in the template; None when the VPC is not in the template
    endpoints: tuple[VpcEndpoint, ...] | None = None
    #: logical ids of the template's ``AWS::KMS::Key`` resources that encrypt another resource
    #: of the template (a queue, bucket, secret, table, a function's environment...): a
    #: ``kms:Decrypt`` on them is what that service needs on the caller's behalf
    service_keys: frozenset[str] = frozenset()


def placement(graph: StackGraph, fn: Resource) -> NetworkPlacement | None:
    """The network of a VPC function; None when the function is not in a VPC."""
    config = fn.properties.get("VpcConfig")
    if not isinstance(config, dict):
        return None
    subnet_ids = as_list(config.get("SubnetIds"))
    group_ids = as_list(config.get("SecurityGroupIds"))
    if not subnet_ids and not group_ids:
        return None
    index = _index(graph)
    found_subnets = [_owner(graph, v, _NetworkIndex.subnet) for v in subnet_ids]
    found_groups = [_owner(graph, v, _NetworkIndex.security_group) for v in group_ids]
    subnets: list[Subnet] = []
    for subnet in found_subnets:
        if subnet is not None and subnet not in subnets:
            subnets.append(subnet)
    groups: list[SecurityGroup] = []
    for group in found_groups:
        if group is not None and group not in groups:
            groups.append(group)
    # the VPC, as (stack, logical id): a network stack's VPC reached through its exports
    vpc_key = next(((s.site.stack, s.vpc) for s in subnets if s.vpc), None) or next(
        ((g.site.stack, g.vpc) for g in groups if g.vpc), None
    )
    endpoints = None
    if vpc_key is not None:
        endpoints = tuple(
            e for peer in graph.peers.values() for e in _index(peer).endpoints_of(vpc_key)
        )
    return NetworkPlacement(
        subnets=tuple(subnets),
        unresolved_subnets=found_subnets.count(None),
        security_groups=tuple(groups),
        unresolved_security_groups=found_groups.count(None),
        vpc=vpc_key[1] if vpc_key else None,
        endpoints=endpoints,
        service_keys=index.service_keys(),
    )


def _owner(graph: StackGraph, value: Any, read: Any) -> Any:
    """``read(index, value)`` with the index of the stack the value designates: this template,
    or, for a reference another stack exports (``Fn::ImportValue``), that stack's."""
    if isinstance(value, Token) and value.foreign:
        stack, local = value.foreign
        peer = graph.peers.get(stack)
        return read(_index(peer), local) if peer is not None else None
    return read(_index(graph), value)


def zone_label(zone: tuple[str, str]) -> str:
    kind, value = zone
    if kind == "index":
        return f"zone #{value} of the region (Fn::Select {value} of Fn::GetAZs)"
    if kind == "id":
        return f"zone id {value}"
    return value


def service_of(name: Value) -> str | None:
    """``com.amazonaws.<region>.<service>`` -> ``<service>`` (``-fips`` dropped)."""
    if not isinstance(name, (str, Text)):
        return None
    if isinstance(name, Text) and isinstance(name.parts[-1], Token):
        return None
    text = render(name)
    last = text.rsplit(".", 1)[-1] if "." in text else ""
    if not last or "${" in last:
        return None
    return last.lower().removesuffix("-fips")


# -- index ------------------------------------------------------------------------------------
_INDEXES: weakref.WeakKeyDictionary[StackGraph, _NetworkIndex] = weakref.WeakKeyDictionary()


def _index(graph: StackGraph) -> _NetworkIndex:
    index = _INDEXES.get(graph)
    if index is None:
        index = _INDEXES[graph] = _NetworkIndex(graph)
    return index


class _NetworkIndex:
    """The network resources of one template, indexed by what links them."""

    def __init__(self, graph: StackGraph) -> None:
        # no reference to ``graph`` itself: it is the weak key of this index
        self.stack = graph.stack
        by_type = graph.by_type
        self.internet_gateways = {r.logical_id for r in by_type["AWS::EC2::InternetGateway"]}
        self.vpcs = {r.logical_id for r in by_type["AWS::EC2::VPC"]}
        # subnet -> route table ids (None: an association to a table outside the template)
        self.tables_of_subnet: dict[str, list[str | None]] = defaultdict(list)
        for a in by_type["AWS::EC2::SubnetRouteTableAssociation"]:
            subnet = self._ref(a.properties.get("SubnetId"))
            if subnet:
                table = self._ref(a.properties.get("RouteTableId"))
                self.tables_of_subnet[subnet].append(table)
        self.routes_of_table: dict[str, list[Resource]] = defaultdict(list)
        for r in by_type["AWS::EC2::Route"]:
            table = self._ref(r.properties.get("RouteTableId"))
            if table:
                self.routes_of_table[table].append(r)
        self.egress_of_group: dict[str, list[Resource]] = defaultdict(list)
        for r in by_type["AWS::EC2::SecurityGroupEgress"]:
            group = self._ref(r.properties.get("GroupId"))
            if group:
                self.egress_of_group[group].append(r)
        # (stack, VPC logical id) -> endpoints of this template in it (the VPC may be another
        # stack's, imported)
        self.endpoints_of_vpc: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for r in by_type["AWS::EC2::VPCEndpoint"]:
            value = r.properties.get("VpcId")
            if isinstance(value, Token) and value.foreign:
                self.endpoints_of_vpc[(value.foreign[0], value.target)].append(r)
            elif vpc_id := self._ref(value):
                self.endpoints_of_vpc[(self.stack.name, vpc_id)].append(r)
        self._subnets: dict[str, Subnet] = {}
        self._groups: dict[str, SecurityGroup] = {}
        self._endpoints: dict[tuple[str, str], tuple[VpcEndpoint, ...]] = {}
        self.keys = {r.logical_id for r in by_type["AWS::KMS::Key"]}
        self._service_keys: frozenset[str] | None = None

    def _ref(self, value: Any) -> str | None:
        """The logical id a value points at when it is a single Ref/GetAtt to a resource."""
        return self.stack.reference(value)

    def _resource(self, value: Any, resource_type: str) -> Resource | None:
        logical_id = self._ref(value)
        resource = self.stack.resources.get(logical_id) if logical_id else None
        return resource if resource is not None and resource.type == resource_type else None

    def _vpc(self, value: Any) -> str | None:
        logical_id = self._ref(value)
        return logical_id if logical_id in self.vpcs else None

    # -- subnets ------------------------------------------------------------------------------
    def subnet(self, value: Any) -> Subnet | None:
        """The subnet a ``SubnetIds`` entry designates (a ``Ref`` to a subnet of the template)."""
        r = self._resource(value, "AWS::EC2::Subnet")
        if r is None:
            return None
        if r.logical_id not in self._subnets:
            props = r.properties
            public, routes = self._internet_route(r.logical_id)
            self._subnets[r.logical_id] = Subnet(
                site=self._site(r),
                availability_zone=props.get("AvailabilityZone", props.get("AvailabilityZoneId")),
                zone=_zone(r),
                map_public_ip_on_launch=props.get("MapPublicIpOnLaunch"),
                routes_to_internet_gateway=public,
                internet_routes=routes,
                vpc=self._vpc(props.get("VpcId")),
            )
        return self._subnets[r.logical_id]

    def _internet_route(self, subnet_id: str) -> tuple[bool | None, tuple[Site, ...]]:
        tables = self.tables_of_subnet.get(subnet_id)
        if not tables:
            return None, ()  # the VPC's main route table: not in any template
        found: list[Site] = []
        undecided = False
        for table in tables:
            if table is None:
                undecided = True
                continue
            for route in self.routes_of_table.get(table, ()):
                verdict = self._default_route_to_igw(route)
                if verdict:
                    found.append(self._site(route))
                elif verdict is None:
                    undecided = True
        if found:
            return True, tuple(found)
        return (None if undecided else False), ()

    def _default_route_to_igw(self, route: Resource) -> bool | None:
        props = route.properties
        destinations = [
            props[k] for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock") if k in props
        ]
        if not destinations:
            return False  # a prefix-list route is never the default route
        literal = [literal_str(d) for d in destinations]
        default = any(d in DEFAULT_ROUTES for d in literal if d is not None)
        if not default and all(d is not None for d in literal):
            return False
        gateway = props.get("GatewayId")
        if gateway is None:
            to_igw: bool | None = False  # NAT gateway, instance, peering, transit gateway...
        elif isinstance(gateway, str):
            to_igw = gateway.startswith("igw-")
        elif self._ref(gateway):
            to_igw = self._ref(gateway) in self.internet_gateways
        else:
            to_igw = None  # a parameter or an import
        if to_igw is False:
            return False
        return True if default and to_igw else None

    # -- security groups ------------------------------------------------------------------------
    def security_group(self, value: Any) -> SecurityGroup | None:
        """The group a ``SecurityGroupIds`` entry designates (``Fn::GetAtt X.GroupId`` or
        ``Ref X`` to a security group of the template)."""
        if isinstance(value, Token) and value.kind == "getatt" and value.attribute != "GroupId":
            return None
        r = self._resource(value, "AWS::EC2::SecurityGroup")
        if r is None:
            return None
        if r.logical_id not in self._groups:
            self._groups[r.logical_id] = SecurityGroup(
                site=self._site(r),
                egress=tuple(self._egress(r)),
                vpc=self._vpc(r.properties.get("VpcId")),
            )
        return self._groups[r.logical_id]

    def _egress(self, group: Resource) -> Iterable[EgressRule]:
        site = self._site(group)
        inline = group.properties.get("SecurityGroupEgress")
        if inline is None or inline == []:
            # "if you do not add egress rules, we add egress rules that allow all outbound
            # traffic" (AWS::EC2::SecurityGroup); standalone egress resources come later
            yield EgressRule(
                site.at("SecurityGroupEgress"),
                cidr_ip=DEFAULT_EGRESS_CIDR,
                ip_protocol="-1",
                default=True,
            )
        elif isinstance(inline, list):
            for i, entry in enumerate(inline):
                if isinstance(entry, dict):
                    yield _egress_rule(site.at("SecurityGroupEgress", i), entry)
        for r in self.egress_of_group.get(group.logical_id, ()):
            yield _egress_rule(self._site(r), r.properties)

    # -- endpoints ------------------------------------------------------------------------------
    def endpoints_of(self, vpc: tuple[str, str]) -> tuple[VpcEndpoint, ...]:
        """This template's endpoints in the VPC ``(stack, logical id)``."""
        if vpc not in self._endpoints:
            self._endpoints[vpc] = tuple(
                VpcEndpoint(
                    site=self._site(r),
                    service_name=r.properties.get("ServiceName"),
                    service=service_of(r.properties.get("ServiceName")),
                    endpoint_type=r.properties.get("VpcEndpointType"),
                )
                for r in self.endpoints_of_vpc.get(vpc, ())
            )
        return self._endpoints[vpc]

    # -- KMS keys -------------------------------------------------------------------------------
    def service_keys(self) -> frozenset[str]:
        """Keys referenced by a resource other than IAM, KMS, SSM parameters and custom
        resources, and by a function's ``KmsKeyArn`` (read from the raw properties: most
        resources of a template are never evaluated otherwise)."""
        if self._service_keys is None:
            found: set[str] = set()
            if self.keys:
                for r in self.stack.resources.values():
                    if r.type.startswith(_NOT_ENCRYPTING) or r.type.startswith("Custom::"):
                        continue
                    # a function's environment may carry a key ARN that its code decrypts with
                    props = (
                        r.raw_properties.get("KmsKeyArn")
                        if r.type == "AWS::Lambda::Function"
                        else r.raw_properties
                    )
                    found |= _raw_references(props, self.keys)
            self._service_keys = frozenset(found)
        return self._service_keys

    def _site(self, r: Resource) -> Site:
        return self.stack.site(r)


#: resource types whose reference to a key is not encryption by a service (a parameter or a
#: custom resource that carries a key's ARN hands it to code that calls KMS itself)
_NOT_ENCRYPTING = ("AWS::IAM::", "AWS::KMS::", "AWS::CloudFormation::", "AWS::SSM::Parameter")


def _raw_references(node: Any, targets: set[str]) -> set[str]:
    """The ``targets`` a raw template value points at through ``Ref`` / ``Fn::GetAtt``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" and arg in targets:
                    found.add(arg)
                    continue
                if key == "Fn::GetAtt":
                    target = arg[0] if isinstance(arg, list) and arg else arg
                    target = target.split(".", 1)[0] if isinstance(target, str) else target
                    if target in targets:
                        found.add(target)
                        continue
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _egress_rule(site: Site, props: dict[str, Any]) -> EgressRule:
    return EgressRule(
        site,
        cidr_ip=props.get("CidrIp"),
        cidr_ipv6=props.get("CidrIpv6"),
        ip_protocol=props.get("IpProtocol"),
        from_port=props.get("FromPort"),
        to_port=props.get("ToPort"),
        description=props.get("Description"),
    )


def _zone(subnet: Resource) -> tuple[str, str] | None:
    """The comparable zone of a subnet, read from its raw ``AvailabilityZone`` for the
    ``Fn::Select [i, Fn::GetAZs ...]`` form, which evaluation turns into an opaque token."""
    props = subnet.properties
    name = literal_str(props.get("AvailabilityZone"))
    if name:
        return ("name", name)
    zone_id = literal_str(props.get("AvailabilityZoneId"))
    if zone_id:
        return ("id", zone_id)
    raw = subnet.raw_properties.get("AvailabilityZone")
    select = raw.get("Fn::Select") if isinstance(raw, dict) and len(raw) == 1 else None
    if not (isinstance(select, list) and len(select) == 2):
        return None
    source = select[1]
    if not (isinstance(source, dict) and list(source) == ["Fn::GetAZs"]):
        return None
    # a subnet can only be created in the stack's region: every GetAZs argument ("",
    # Ref AWS::Region, the region's name) designates the same list
    index = select[0]
    if subnet.evaluator is not None:
        index = subnet.evaluator.evaluate(index)
    position = literal_str(index)
    if position is None or isinstance(index, bool):
        return None
    try:
        return ("index", str(int(position)))
    except ValueError:
        return None
