"""The rules' own decision, for the fixes whose rule needs the graph around a function.

Whether a function is sensitive (GR-NET-01: its role can read secrets) or invoked
asynchronously (GR-OBS-06: a service permission, a schedule, an ``EventInvokeConfig``) depends
on other resources of the stack. Rather than decide that a second time, these fixes build the
model of the stack from its constructs, as the checks build it from the template, and ask the
rule itself. That reads every resource of the stack (four jsii calls each), so it is done once
per stack, and only for these opt-in fixes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from guardrails.cdk.fixes.state import StackState
from guardrails.model import graph
from guardrails.model.assembly import Assembly, stack_from_document
from guardrails.policy import Policy
from guardrails.rules import RuleContext, Violation
from guardrails.rules import get as get_rule


def flagged(state: StackState, rule_id: str, policy: Policy) -> set[str]:
    """The logical ids of the stack's functions that ``rule_id`` flags, as the checks would
    flag them in the synthesized template (the Aspect's own writes so far included)."""
    return set(violations(state, rule_id, policy))


def violations(state: StackState, rule_id: str, policy: Policy) -> dict[str, list[Violation]]:
    """Function logical id -> what ``rule_id`` reports on it (only the functions it flags)."""
    cache = state.flagged
    if rule_id not in cache:
        rule = get_rule(rule_id)
        if rule is None:
            raise ValueError(f"no rule {rule_id}")
        template = stack_from_document(
            {"Parameters": _parameters(state), "Resources": _resources(state)},
            state.path or "stack",
            state.literal_account,
        )
        context = RuleContext(policy=policy, today=dt.date.today())
        built = graph.build(Assembly(stacks=(template,)), [])
        found: dict[str, list[Violation]] = {}
        for fn in built.functions:
            reported = list(rule.check(fn, context))
            if reported:
                found[fn.logical_id] = reported
        cache[rule_id] = found
    return cache[rule_id]


def _parameters(state: StackState) -> dict[str, Any]:
    """The stack's parameters, with what the rules read of them (``NoEcho``)."""
    params = [c for c in state.constructs if isinstance(c, cdk.CfnParameter)]
    if not params:
        return {}
    resolved = state.stack.resolve([[p.logical_id, p.type, p.no_echo] for p in params])
    return {
        logical_id: {"Type": kind, **({"NoEcho": True} if no_echo else {})}
        for logical_id, kind, no_echo in resolved
    }


def _resources(state: StackState) -> dict[str, Any]:
    """The stack's resources as CloudFormation would get them: type, and properties rendered
    by each L1 (PascalCase) and resolved; one ``stack.resolve`` for all of them."""
    functions = {fn.logical_id: fn for fn in state.functions}
    raw = []
    for c in state.constructs:
        if isinstance(c, cdk.CfnResource) and not isinstance(c, lambda_.CfnFunction):
            try:
                rendered = c._render_properties(c._cfn_properties)
            except Exception:  # an L1 whose props do not survive the trip (CfnBucket...):
                rendered = {}  # its type is enough for the functions' graph
            raw.append([c.logical_id, c.cfn_resource_type, rendered])
    tags = {
        lid: cast(lambda_.CfnFunction, fn.construct).tags.render_tags()
        for lid, fn in functions.items()
    }
    resolved = state.stack.resolve({"resources": raw, "tags": tags})  # no tags: no entry
    out = {
        logical_id: {"Type": kind, "Properties": props if isinstance(props, dict) else {}}
        for logical_id, kind, props in resolved.get("resources", [])
    }
    resolved_tags = resolved.get("tags") or {}
    for lid, fn in functions.items():
        fn_tags = resolved_tags.get(lid)
        # the function's own values, as the fixes keep them up to date (rendering an L2
        # function's lazy environment again from Python loses it)
        props = _cloudformation(fn.props)
        if fn_tags:
            props["Tags"] = fn_tags
        out[fn.logical_id] = {"Type": "AWS::Lambda::Function", "Properties": props}
    return out


def _cloudformation(value: Any, free_form: bool = False) -> Any:
    """Resolved L1 properties (camelCase keys, as the L1 holds them) with CloudFormation's
    keys (PascalCase), except inside a map whose keys are data (environment variables)."""
    if isinstance(value, dict):
        return {
            (k if free_form or not k[:1].islower() else k[:1].upper() + k[1:]): _cloudformation(
                v, free_form=k == "variables"
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_cloudformation(v) for v in value]
    return value
