"""``guardrails least-privilege``: per function, what its code calls (file and line), the policy
that derives from it (``model.derived_policy``), the difference with what its role grants
(GR-IAM-15's unused grants, GR-IAM-16's missing ones) and whether the analysis is complete;
as text, JSON, or CDK Python code to paste into the app.

Nothing here decides anything: the rules do (``rules.code_permissions``); this shows their
inputs. No secret can appear: the analysis holds file names, lines, SDK names and environment
variable names, never a value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guardrails.model.code_analysis import analyze_function
from guardrails.model.derived_policy import (
    DerivedPolicy,
    call_target,
    derive,
)
from guardrails.model.function import LambdaFunction
from guardrails.report.escape import clean
from guardrails.rules.code_permissions import (
    MissingGrant,
    UnusedGrant,
    missing_grants,
    unused_grants,
)
from guardrails.rules.quoting import quote_action

#: the JSON document's version: a field is only ever added
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class FunctionPrivilege:
    """One function's least-privilege picture."""

    function: LambdaFunction
    policy: DerivedPolicy
    unused: tuple[UnusedGrant, ...]
    missing: tuple[MissingGrant, ...]

    @property
    def name(self) -> str:
        return f"{self.function.stack}/{self.function.logical_id}"

    @property
    def shared_role(self) -> bool:
        role = self.function.role
        return role is not None and len(role.functions) > 1


def of(fn: LambdaFunction) -> FunctionPrivilege:
    """The picture of ``fn`` (its code analysed once: the analysis is cached)."""
    analysis = analyze_function(fn)
    policy = derive(fn, analysis)
    alone = fn.role is not None and len(fn.role.functions) == 1
    # what a role shared with other functions grants may be theirs: not compared (GR-IAM-15)
    unused = unused_grants(fn, policy) if policy.complete and alone else ()
    return FunctionPrivilege(fn, policy, unused, missing_grants(fn, analysis))


def select(functions: Sequence[LambdaFunction], wanted: str | None) -> list[LambdaFunction]:
    """The functions ``--function`` names: ``<stack>/<logical id>``, a logical id, or a
    construct path (or its start: ``OrdersService/OrdersFn``). Without it, the functions the
    app defines (not those the CDK framework creates)."""
    if wanted is None:
        return [fn for fn in functions if fn.owner != "framework"]
    out = []
    for fn in functions:
        path = fn.site.construct_path or ""
        if wanted in (f"{fn.stack}/{fn.logical_id}", fn.logical_id, path) or path.startswith(
            f"{wanted}/"
        ):
            out.append(fn)
    return out


# -- JSON ------------------------------------------------------------------------------------
def to_json(pictures: Sequence[FunctionPrivilege]) -> str:
    return json.dumps(
        {"version": SCHEMA_VERSION, "functions": [_function_json(p) for p in pictures]},
        indent=2,
    )


def _function_json(p: FunctionPrivilege) -> dict[str, Any]:
    fn, policy = p.function, p.policy
    role = fn.role
    return {
        "function": p.name,
        "construct_path": fn.site.construct_path,
        "complete": policy.complete,
        "partial": list(policy.analysis.partial),
        "calls": [
            {
                "file": call.file,
                "line": call.line,
                "service": call.service,
                "operation": call.operation,
                "actions": list(call.actions),
                "env": call.env,
                "resource": target.logical_id if (target := call_target(fn, call)) else None,
            }
            for call in policy.analysis.calls
        ],
        "actions": list(policy.actions()),
        "policy": policy.document(),
        "service_use": [{"action": u.action, "reason": u.reason} for u in policy.service_use],
        "role": None
        if role is None
        else {
            "logical_id": role.site.logical_id,
            "functions": list(role.functions),
        },
        "unused": [
            {
                "granted": quote_action(u.pattern),
                "actions": [quote_action(a) for a in u.unused],
                "at": f"{u.site.logical_id} {u.site.location}",
            }
            for u in p.unused
        ],
        "missing": [
            {
                "action": m.action,
                "resource": m.resource,
                "file": m.call.file,
                "line": m.call.line,
            }
            for m in p.missing
        ],
    }


# -- text ------------------------------------------------------------------------------------
def to_text(pictures: Sequence[FunctionPrivilege]) -> str:
    blocks = [_function_text(p) for p in pictures]
    return "\n".join(blocks) if blocks else "No Lambda function to analyse.\n"


def _function_text(p: FunctionPrivilege) -> str:
    fn, policy = p.function, p.policy
    path = f" ({fn.site.construct_path})" if fn.site.construct_path else ""
    lines = [f"{p.name}{path}"]
    if policy.complete:
        lines.append("  analysis: complete")
    else:
        lines.append("  analysis: PARTIAL (the derived policy may miss actions):")
        lines += [f"    - {reason}" for reason in policy.analysis.partial]
    lines.append("  calls:" if policy.analysis.calls else "  calls: none found")
    for call in policy.analysis.calls:
        target = call_target(fn, call)
        needs = ", ".join(call.actions) or "(no IAM action known)"
        on = f" on {target.logical_id} (${call.env})" if target else ""
        lines.append(f"    {call.file}:{call.line}  {call.service}.{call.operation} -> {needs}{on}")
    lines.append("  derived policy:" if policy.statements else "  derived policy: nothing")
    for st in policy.statements:
        labels = ", ".join(r.label() for r in st.resources)
        lines.append(f"    {', '.join(st.actions)} on {labels}")
    if policy.service_use:
        used = ", ".join(dict.fromkeys(u.action for u in policy.service_use))
        lines.append(f"  used by Lambda on the function's behalf: {used}")
    role = fn.role
    if role is None:
        lines.append("  role: not in the assembly (its grants are not compared)")
    else:
        shared = f", shared by {len(role.functions)} functions" if p.shared_role else ""
        lines.append(f"  role: {role.site.logical_id}{shared}")
        if p.unused:
            lines.append("  granted, never used:")
            lines += [
                f"    {_unused_text(u)} ({u.site.logical_id} {u.site.location})" for u in p.unused
            ]
        elif p.shared_role:
            lines.append("  granted, never used: not compared (other functions use the role)")
        elif policy.complete:
            lines.append("  granted, never used: nothing")
        if p.missing:
            lines.append("  called, not granted (AccessDenied at run time):")
            lines += [
                f"    {m.action}{' on ' + m.resource if m.resource else ''} "
                f"({m.call.file}:{m.call.line})"
                for m in p.missing
            ]
    return "\n".join(clean(line) for line in lines) + "\n"


def _unused_text(unused: UnusedGrant) -> str:
    """``dynamodb:PutItem``, or ``s3:*: s3:AbortMultipartUpload, ... (+171 more)``."""
    if unused.unused == (unused.pattern,):
        return quote_action(unused.pattern)
    return f"{quote_action(unused.pattern)}: {_listing(unused.unused)}"


def _listing(names: Sequence[str], cap: int = 8) -> str:
    more = f" (+{len(names) - cap} more)" if len(names) > cap else ""
    return ", ".join(names[:cap]) + more


# -- CDK Python ------------------------------------------------------------------------------
def to_cdk(pictures: Sequence[FunctionPrivilege]) -> str:
    """The derived policies as CDK Python: each function's statements as ``grant`` calls where
    the construct has one, else ``fn.add_to_role_policy(iam.PolicyStatement(...))``. The
    variables are named after the constructs' ids (``Orders`` -> ``orders``): rename them to
    the app's."""
    out = ["from aws_cdk import aws_iam as iam", ""]
    for p in pictures:
        out += _function_cdk(p)
    return "\n".join(clean(line) for line in out) + "\n"


def _function_cdk(p: FunctionPrivilege) -> list[str]:
    fn, policy = p.function, p.policy
    path = fn.site.construct_path or p.name
    verdict = "complete" if policy.complete else "PARTIAL: it may miss actions"
    lines = [f"# {path}: the code's calls ({verdict})"]
    lines += [f"#   partial: {reason}" for reason in policy.analysis.partial]
    variable = "fn"
    if not policy.statements:
        lines.append("# no AWS call found: the role needs no statement beyond Lambda's own")
    lines += policy.cdk(variable)
    if policy.service_use:
        used = ", ".join(dict.fromkeys(u.action for u in policy.service_use))
        lines.append(f"# Lambda's own use (the CDK grants it when it wires it): {used}")
    lines.append("")
    return lines
