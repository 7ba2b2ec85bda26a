"""What the hardening Aspect refuses to do, and how it says so: no stack past CloudFormation's
500 resources, no failed synth for a construct it cannot write, and one visit per stage."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template
from constructs import IConstruct

import guardrails
from guardrails import engine
from guardrails.cdk.fixes import check_against_rules, ids, registered, selected
from guardrails.cdk.hardening import (
    NOT_APPLIED_ID,
    REPORT_FILE,
    STACK_RESOURCE_LIMIT,
    LambdaHardening,
)
from guardrails.model import load
from guardrails.rules import all_rules
from tests.cdk.test_hardening import POLICY
from tests.conftest import ENV, TODAY, function


def _stack_with(app: cdk.App, name: str, handles: int, functions: int = 1) -> cdk.Stack:
    stack = cdk.Stack(app, name, env=ENV)
    for i in range(handles):
        cdk.CfnWaitConditionHandle(stack, f"Handle{i}")
    for i in range(functions):
        function(stack, f"Fn{i}")
    return stack


def test_no_stack_is_taken_past_500_resources(tmp_path: Path) -> None:
    """A stack with room for only some of the log groups (and their policies) gets those, the
    others are listed as not applied with a warning, and their findings stay open."""
    app = cdk.App(outdir=str(tmp_path))
    # 3 functions: 6 resources; the log fixes add 2 each (group, scoped policy)
    stack = _stack_with(app, "Full", STACK_RESOURCE_LIMIT - 6 - 3, functions=3)
    hardening = LambdaHardening(POLICY)
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()  # never a failed synth
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert len(resources) <= STACK_RESOURCE_LIMIT
    assert hardening.unapplied, "some fix must have been refused"
    for change in hardening.unapplied:
        assert not change.applied
        assert "more than the 500 CloudFormation accepts; split the stack" in change.after
    log = json.loads((tmp_path / REPORT_FILE).read_text())
    assert log["not_applied"] == [
        {**c.__dict__} for c in hardening.unapplied
    ]  # the change log lists them apart from the rewrites
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("fix was not applied: it adds")
    )
    assert warnings and all(NOT_APPLIED_ID in w.entry.data for w in warnings)
    report = engine.scan(load(tmp_path), POLICY, today=TODAY)
    refused = {c.construct_path for c in hardening.unapplied}
    still_open = {
        f.construct_path for f in report.findings if f.status == "open" and f.rule_id == "GR-OBS-02"
    }
    assert refused & still_open  # the rule still reports what the fix could not do


def test_a_construct_the_fix_cannot_write_is_skipped_not_a_failed_synth(tmp_path: Path) -> None:
    """An L2 function whose role's inline policies are a template condition (not a list the
    Aspect can add to): the tracing fix, which needs the X-Ray statement there, is refused
    before it changes the function (Lambda would reject Active tracing without it), a warning
    says why, the other fixes apply and the synth goes on."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Odd", env=ENV)
    cdk.CfnCondition(stack, "Prod", expression=cdk.Fn.condition_equals("a", "a"))
    fn = function(stack)
    role = fn.role
    assert isinstance(role, iam.Role)
    cfn_role = role.node.default_child
    assert isinstance(cfn_role, iam.CfnRole)
    cfn_role.policies = cdk.Fn.condition_if("Prod", [], cdk.Aws.NO_VALUE)
    hardening = LambdaHardening(POLICY)
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()
    (refused,) = hardening.unapplied
    assert (refused.rule, refused.construct_path) == ("GR-OBS-01", "Odd/Fn/Resource")
    assert "a template value, not a list" in refused.after
    props = Template.from_stack(stack).to_json()["Resources"]
    function_id = next(k for k, v in props.items() if v["Type"] == "AWS::Lambda::Function")
    assert "TracingConfig" not in props[function_id]["Properties"]
    assert props[function_id]["Properties"]["LoggingConfig"] == {"LogFormat": "JSON"}


def test_protect_costs_one_visit_per_stage(tmp_path: Path) -> None:
    """``protect`` attaches the Aspect to a construct of its own: CDK calls ``visit`` once
    (every call is a round trip through jsii), and the whole stage is still hardened."""
    visits: list[str] = []

    @jsii.implements(cdk.IAspect)
    class Counting(LambdaHardening):
        def visit(self, node: IConstruct) -> None:
            visits.append(type(node).__name__)
            super().visit(node)

    app = cdk.App(outdir=str(tmp_path))
    _stack_with(app, "One", 0, functions=3)
    _stack_with(app, "Two", 0, functions=2)
    plugin = guardrails.protect(app, POLICY, mode="audit")
    hardening = Counting(POLICY)
    guardrails.cdk._harden_stages(app, hardening, set())
    app.synth()
    assert visits == ["HardeningScope"]
    tracing = [c for c in hardening.changes if c.rule == "GR-OBS-01"]
    assert len(tracing) == 5
    assert plugin.last_report is not None


def test_the_fix_sets_come_from_the_registry() -> None:
    """``fixes="safe"`` is every fix whose rule says ``safe``, ``"all"`` adds the opt-in ones;
    a rule without a fix is refused by name."""
    remediation = {r.id: r.remediation for r in all_rules()}
    assert check_against_rules(remediation) == []
    assert selected("safe") == {r for r, kind in remediation.items() if kind == "safe"}
    assert selected("all") == {r for r, kind in remediation.items() if kind in ("safe", "opt-in")}
    assert set(ids()) == {f.rule for f in registered()}
    try:
        selected(["GR-IAM-01"])
    except ValueError as exc:
        assert "no automatic fix for GR-IAM-01" in str(exc)
    else:
        raise AssertionError("a rule without a fix must be refused")


def test_fixes_run_after_the_fixes_they_need() -> None:
    """The log group is in place before the fixes that key it, raise its retention or scope
    the role to it, whatever order the modules are imported in."""
    order = [f.rule for f in registered()]
    for f in registered():
        for before in f.after:
            assert order.index(before) < order.index(f.rule), (before, f.rule)


def test_a_vpc_the_role_cannot_be_granted_for_is_not_attached(tmp_path: Path) -> None:
    """The same role, and the opt-in VPC fix: the function is not attached to the approved
    VPC when its role cannot get the network-interface statement Lambda checks."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Odd", env=ENV)
    cdk.CfnCondition(stack, "Prod", expression=cdk.Fn.condition_equals("a", "a"))
    fn = function(stack)
    cfn_role = fn.role.node.default_child if isinstance(fn.role, iam.Role) else None
    assert isinstance(cfn_role, iam.CfnRole)
    cfn_role.policies = cdk.Fn.condition_if("Prod", [], cdk.Aws.NO_VALUE)
    policy = POLICY.merged({"vpc_required": "all"}, "test")
    hardening = LambdaHardening(policy, fixes=["GR-NET-01"])
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()
    (refused,) = hardening.unapplied
    assert (refused.rule, refused.construct_path) == ("GR-NET-01", "Odd/Fn/Resource")
    props = Template.from_stack(stack).to_json()["Resources"]
    function_id = next(k for k, v in props.items() if v["Type"] == "AWS::Lambda::Function")
    assert "VpcConfig" not in props[function_id]["Properties"]
