"""Fixes of the network rules: the organisation's approved VPC."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

from guardrails.cdk.building_blocks import network_interface_statement
from guardrails.cdk.fixes.context import FunctionFix
from guardrails.cdk.fixes.model import flagged
from guardrails.cdk.fixes.registry import fix


@fix("GR-NET-01", kind="opt-in")
def approved_vpc(f: FunctionFix) -> None:
    """The policy's ``approved_vpc`` subnets and security groups on a function outside any
    VPC, and the network-interface statement Lambda needs to attach it."""
    approved = f.policy.approved_vpc
    if approved is None or f.logical_id not in flagged(f.state, "GR-NET-01", f.policy):
        return  # the rule decides: a sensitive function, or every one (``vpc_required``)
    f.can_grant()
    f.cfn.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
        subnet_ids=list(approved.subnet_ids),
        security_group_ids=list(approved.security_group_ids),
    )
    f.fn.props["vpcConfig"] = {
        "subnetIds": list(approved.subnet_ids),
        "securityGroupIds": list(approved.security_group_ids),
    }
    f.add_statement(network_interface_statement(), "Vpc")
    f.record(
        "GR-NET-01",
        "VpcConfig",
        "(not set)",
        f"subnets {', '.join(approved.subnet_ids)}; "
        f"security groups {', '.join(approved.security_group_ids)}",
    )
