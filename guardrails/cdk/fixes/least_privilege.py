"""Fixes of the least-privilege rules: the permissions boundary, the account on service
permissions, and log permissions scoped to the function's own log group."""

from __future__ import annotations

from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from guardrails.cdk.building_blocks import (
    boundary_arn,
    log_write_statement,
    network_interface_statement,
)
from guardrails.cdk.fixes.context import FunctionFix, PermissionFix, aws_managed_name, show
from guardrails.cdk.fixes.registry import fix
from guardrails.cdk.fixes.state import L1
from guardrails.model.facts import same_boundary
from guardrails.model.intrinsics import Evaluator


@fix("GR-IAM-10", kind="safe")
def boundary(f: FunctionFix) -> None:
    """The policy's ``permissions_boundary`` on the function's role, unless the role has that
    boundary already, written another way (compared as GR-IAM-10 compares), or a boundary the
    template cannot decide (a parameter...): that one is left alone."""
    wanted = f.policy.permissions_boundary
    role = f.role()
    if not wanted or role is None:
        return
    current = role.props.get("permissionsBoundary")
    if current is not None:
        value = Evaluator(resources={}).evaluate(current)
        if same_boundary(value, wanted, f.state.literal_account) is not False:
            return  # the same policy, or a value that cannot be decided
    arn = boundary_arn(f.stack, wanted)
    cast(iam.CfnRole, role.construct).permissions_boundary = arn
    resolved = arn if isinstance(arn, str) and "${Token" not in arn else f.stack.resolve(arn)
    role.props["permissionsBoundary"] = resolved
    f.h.record(role, "GR-IAM-10", "PermissionsBoundary", show(current), show(resolved))


@fix("GR-IAM-12", kind="safe", target="permission")
def source_account(p: PermissionFix) -> None:
    """``SourceAccount`` (the stack's account) on a permission for a service principal that
    names neither a source account nor a source ARN: only that account's resources may then
    invoke the function through it."""
    principal = p.permission.props.get("principal")
    if not isinstance(principal, str) or not principal.endswith(".amazonaws.com"):
        return
    if p.permission.props.get("sourceAccount") or p.permission.props.get("sourceArn"):
        return
    cast(lambda_.CfnPermission, p.permission.construct).source_account = p.state.account
    p.permission.props["sourceAccount"] = p.state.account
    p.h.record(
        p.permission,
        "GR-IAM-12",
        "SourceAccount",
        "(not set)",
        show(p.state.resolved_account),
    )


@fix("GR-IAM-14", kind="safe", after=("GR-OBS-02", "GR-OBS-03", "GR-OBS-04"))
def scoped_log_permissions(f: FunctionFix) -> None:
    """Replace the AWS managed logging policies by statements on the function's own log
    group. A role shared by several functions loses the managed policies once and gets one
    statement per function (the first function's record names the rewrite; a later one,
    from this or another instance, only adds its own group). A group that can only be
    named through the function itself (``/aws/lambda/<Ref>``) is named in a policy of its
    own, which the function does not wait for (``_add_log_policy``): in the role's policy
    it would close a cycle, since the function depends on that policy. Left alone when
    the group is named through another token (a group outside the stack), for this
    function or for another one sharing the role."""
    role = f.role()
    if role is None:
        return
    earlier = f.h.recorded(role, "GR-IAM-14", "ManagedPolicyArns")
    basic = f.basic_execution_policies(role)
    if earlier is None and not basic:
        return
    if not _can_scope_logs(f) or (earlier is None and not _role_shared_safely(f, role)):
        return
    log_arn, through_function = _log_group_arn(f)
    removed = (
        str(earlier.get("before", ""))
        if earlier is not None
        else ", ".join(aws_managed_name(a) for a in basic)
    )
    if through_function:
        _add_log_policy(f, role, log_write_statement(log_arn))
    else:
        arn = log_arn if isinstance(log_arn, str) else cdk.Token.as_string(log_arn)
        f.add_statement(log_write_statement(arn), "Logs0", grant=True)
    vpc = "VPCAccessExecutionRole" in removed
    if vpc:  # Lambda checks these when it creates the function: the function waits for them
        f.add_statement(network_interface_statement(), "Logs1")
    if earlier is not None:
        return  # the role's managed policies are already gone (and recorded)
    arns = role.props.get("managedPolicyArns") or []
    remaining = [a for a in arns if a not in basic]
    if remaining:
        role.construct.add_property_override("ManagedPolicyArns", remaining)
    else:
        role.construct.add_property_deletion_override("ManagedPolicyArns")
    role.props["managedPolicyArns"] = remaining
    f.h.record(
        role,
        "GR-IAM-14",
        "ManagedPolicyArns",
        removed,
        "logs:CreateLogStream, logs:PutLogEvents on the function's own log group"
        + (" (+ the VPC network-interface actions)" if vpc else ""),
    )


def _can_scope_logs(f: FunctionFix) -> bool:
    """Whether the function's log group can be named in its role's policy: not through a
    token (a group outside the stack); a group of the stack can, even one named through the
    function itself (in a policy of its own); a function without a group gets one."""
    if f.log_group() is not None:
        return True
    name = f.logging_config().get("logGroup")
    return name is None or isinstance(name, str)


def _role_shared_safely(f: FunctionFix, role: L1) -> bool:
    """The managed policy goes only when every function of the stack using the role gets a
    scoped statement in its place (each does when the Aspect reaches it); a function that
    cannot be scoped, or is left alone (framework-owned), would lose its log permission."""
    for other in f.state.role_users(role.logical_id):
        if other is f.fn:
            continue
        if f.h.skipped(other) or not _can_scope_logs(FunctionFix(f.h, f.state, other)):
            return False
    return True


def _log_group_arn(f: FunctionFix) -> tuple[Any, bool]:
    """The ARN of the log group the function writes to (``_can_scope_logs``), creating the
    group when there is none, and whether naming it refers to the function itself (a name
    built from its ``Ref``). When another stack's group has the name, the ARN is built
    from the name."""
    config = f.logging_config()
    group = f.log_group()
    if group is None and config.get("logGroup") is None:
        group = f.create_log_group("GR-IAM-14")
    if group is not None:
        named = f.state.refers_to(group.props.get("logGroupName"), f.logical_id)
        return {"Fn::GetAtt": [group.logical_id, "Arn"]}, named
    name = config.get("logGroup") or f.default_log_group_name()
    arn = f.stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name=f"{name if isinstance(name, str) else cdk.Token.as_string(name)}:*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    return arn, f.state.refers_to(f.stack.resolve(arn), f.logical_id)


def _add_log_policy(f: FunctionFix, role: L1, statement: dict[str, Any]) -> None:
    """The scoped log statement on a group named through the function itself, in a policy
    of its own beside the function (one per function: policy names are unique per role).
    Nothing waits for it: in the role's default policy (which an L2 function depends on)
    or in a policy the function depends on, it would close a cycle (function -> policy ->
    log group -> function). Lambda does not check log permissions when it creates the
    function; the policy follows it in the same deployment."""
    scope, prefix, scope_path = f.new_scope()
    construct_id = f"{prefix}GuardrailsLogPolicy"
    if f.h.created(f"{scope_path}/{construct_id}"):
        return
    f.h.room(f.state, 1)
    cdk.CfnResource(  # raw: its role and group are written as intrinsics, no token to make
        scope,
        construct_id,
        type="AWS::IAM::Policy",
        properties={
            "PolicyName": f"lambda-guardrails-logs-{f.logical_id}"[:128],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            "Roles": [{"Ref": role.logical_id}],
        },
    )
    f.h.added(f.state)
