"""``aws:iam/*``: roles, their inline and managed policies, and attachments."""

from __future__ import annotations

from typing import Any

from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.translator import Translator, document, handles, merges, tags
from guardrails.pulumi.types.names import MANAGED_POLICY, ROLE


@handles(ROLE)
def _role(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    inline = p.get("inlinePolicies")
    t.emit(
        r,
        "AWS::IAM::Role",
        {
            "RoleName": t.value(p.get("name")),
            "AssumeRolePolicyDocument": t.value(document(p.get("assumeRolePolicy"))),
            "ManagedPolicyArns": t.ref(
                r, "managedPolicyArns", p.get("managedPolicyArns"), (MANAGED_POLICY,)
            )
            or None,
            "Policies": [
                {
                    "PolicyName": t.value(i.get("name")),
                    "PolicyDocument": t.value(document(i.get("policy"))),
                }
                for i in inline
                if isinstance(i, dict) and i.get("policy")
            ]
            if isinstance(inline, list)
            else None,
            "PermissionsBoundary": t.ref(
                r, "permissionsBoundary", p.get("permissionsBoundary"), (MANAGED_POLICY,)
            )
            if p.get("permissionsBoundary")
            else None,
            "Tags": tags(p.get("tags")),
        },
    )


@handles("aws:iam/rolePolicy:RolePolicy")
def _role_policy(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::IAM::Policy",
        {
            "PolicyName": t.value(p.get("name")) or r.name,
            "PolicyDocument": t.value(document(p.get("policy"))),
            "Roles": [t.ref(r, "role", p.get("role"), (ROLE,))],
        },
    )


@handles(MANAGED_POLICY)
def _managed_policy(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    t.emit(
        r,
        "AWS::IAM::ManagedPolicy",
        {
            "ManagedPolicyName": t.value(p.get("name")),
            "PolicyDocument": t.value(document(p.get("policy"))),
        },
    )


@merges("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _role_policy_attachment(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    role = t.ref(r, "role", p.get("role"), (ROLE,))
    _attach(t, r, p, [role])


@merges("aws:iam/policyAttachment:PolicyAttachment")
def _policy_attachment(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    roles = t.ref(r, "roles", p.get("roles"), (ROLE,))
    _attach(t, r, p, roles if isinstance(roles, list) else [])


def _attach(t: Translator, r: PulumiResource, p: dict[str, Any], roles: list[Any]) -> None:
    """A managed policy attached to roles: on each role's ``ManagedPolicyArns``, where the
    rules read it; a finding there points at the attachment."""
    arn = t.ref(r, "policyArn", p.get("policyArn"), (MANAGED_POLICY,))
    for role in roles:
        target = t.out.get(role.get("Ref", "")) if isinstance(role, dict) else None
        if target is None or target["Type"] != "AWS::IAM::Role":
            continue
        arns = target["Properties"].setdefault("ManagedPolicyArns", [])
        t.origins[(role["Ref"], f"Properties/ManagedPolicyArns/{len(arns)}")] = r.urn
        arns.append(arn)
