"""The contract between each rule and its fix, checked on every CDK test app and template.

For each fixable rule: the fix applies to a function exactly when the rule flags it (with the
policy values the fix needs), or it is recorded as not applied; after the fix the rule no
longer flags it; and the fix introduces no finding, of any rule, at or above the severity of
the one it fixed.

- The CDK test apps (the hardening tests' stacks and the demo app) are hardened one rule at a
  time, each in a stack of its own beside an untouched copy.
- The template fixtures (``tests/templates``) are imported with ``CfnInclude`` (as L1
  constructs, the way the Aspect sees a raw template) and hardened with every fix at once:
  each rule's part of the contract is then read from the change records and the findings
  (one app per fixture instead of fifteen). SAM templates are left out: their functions are
  ``AWS::Serverless::Function`` resources that CloudFormation expands at deploy time, so there
  is no ``AWS::Lambda::Function`` for the Aspect to rewrite at synth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import cloudformation_include as cfn_inc

from guardrails import engine
from guardrails.cdk.fixes import check_against_rules, registered
from guardrails.cdk.hardening import LambdaHardening, Remediation
from guardrails.model import load
from guardrails.model.template import load_template
from guardrails.policy import SEVERITY_RANK, Policy
from guardrails.rules import all_rules
from guardrails.rules import get as get_rule
from stacks.legacy_stack import LegacyReportsStack
from stacks.service_stack import OrdersServiceStack
from tests.cdk import test_hardening as apps
from tests.conftest import ENV, TODAY, function

TEMPLATES = Path(__file__).parent.parent / "templates"
FIXES = [f.rule for f in registered()]
#: every value a fix needs, so that each fix can apply wherever its rule flags
POLICY = {
    "kms_key_arn": apps.KEY,
    "permissions_boundary": apps.BOUNDARY,
    "code_signing_config_arn": apps.CSC,
    "approved_vpc": {"subnet_ids": apps.SUBNETS, "security_group_ids": apps.SECURITY_GROUPS},
    "default_reserved_concurrency": 10,
}


def test_the_registry_matches_the_catalog():
    """Each fix's kind is its rule's ``remediation``, and every rule the catalog says is
    fixable has a fix: the safe/opt-in sets cannot drift from the rules' metadata."""
    assert check_against_rules({r.id: r.remediation for r in all_rules()}) == []


@dataclass
class Outcome:
    """One hardened copy beside its untouched base, as the engine reports them."""

    rules: tuple[str, ...]
    base: list[engine.Finding]
    fixed: list[engine.Finding]
    unapplied: list[Remediation]
    paths: dict[str, str]  # construct path -> logical id, in the hardened copy


def _open(findings: list[engine.Finding], rule: str | None = None) -> set[tuple[str, str]]:
    """(rule, function) of the open findings (a finding on no function: its resource)."""
    out = set()
    for f in findings:
        if f.status == "open" and (rule is None or f.rule_id == rule):
            for fn in f.functions or (f.logical_id,):
                out.add((f.rule_id, fn))
    return out


def _severities(findings: list[engine.Finding]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for f in findings:
        if f.status == "open":
            for fn in f.functions or (f.logical_id,):
                key = (f.rule_id, fn)
                out[key] = max(out.get(key, 0), SEVERITY_RANK[f.severity])
    return out


def _remediated(outcome: Outcome, rule: str) -> set[str]:
    return {
        fn
        for f in outcome.fixed
        if f.status == "remediated" and f.rule_id == rule
        for fn in f.functions or (f.logical_id,)
    }


def _not_applied(outcome: Outcome, rule: str) -> set[str]:
    """The functions a fix of ``rule`` was refused for (recorded on the function or its role,
    whose functions all count)."""
    out = set()
    for c in outcome.unapplied:
        if c.rule == rule and c.construct_path in outcome.paths:
            out.add(outcome.paths[c.construct_path])
    return out


def check(outcome: Outcome, rule: str, *, severity_too: bool = True) -> None:
    """The three parts of the contract for ``rule`` on one hardened copy (the third, about
    severities, only when the copy was hardened with this rule's fix alone). Framework-owned
    functions are left alone by design (``framework.remediate`` is off here): not counted."""
    flagged = {fn for _, fn in _open([f for f in outcome.base if f.owner == "user"], rule)}
    remediated = _remediated(outcome, rule)
    where = f"{rule}: "
    assert remediated <= flagged, (
        where + f"fixed where the rule did not flag: {remediated - flagged}"
    )
    missed = flagged - remediated - _not_applied(outcome, rule)
    assert not missed, where + f"flagged, neither fixed nor recorded as not applied: {missed}"
    still = {fn for _, fn in _open(outcome.fixed, rule)} & remediated
    still -= _not_applied(outcome, rule)  # fixed in part, the rest recorded as not applied
    assert not still, where + f"still flagged after the fix: {still}"
    if severity_too:
        new = _new_findings(outcome, remediated, SEVERITY_RANK[get_rule(rule).severity])
        assert not new, where + f"the fix introduced findings at or above its severity: {new}"


def _new_findings(outcome: Outcome, functions: set[str], severity: int) -> dict[Any, int]:
    """Open findings on ``functions`` after, at ``severity`` or above, not there before."""
    before, after = _severities(outcome.base), _severities(outcome.fixed)
    return {
        key: level
        for key, level in after.items()
        if key[1] in functions and level > before.get(key, 0) and level >= severity
    }


def _scan(outdir: Path, policy: Policy) -> engine.Report:
    report = engine.scan(load(outdir), policy, today=TODAY)
    assert not report.errors, report.errors
    return report


def _paths(outdir: Path, stacks: list[str]) -> dict[str, str]:
    """Construct path -> logical id of the resources of some synthesized stacks."""
    return {
        r.construct_path: r.logical_id
        for stack in load(outdir).stacks
        if stack.name in stacks
        for r in stack.resources.values()
        if r.construct_path
    }


Builder = Callable[[cdk.App, str], list[str]]


def _in_stack(build: Callable[[cdk.Stack], None]) -> Builder:
    """A builder of the hardening tests (one stack's content) as an app builder."""

    def builder(app: cdk.App, name: str) -> list[str]:
        build(cdk.Stack(app, name, env=ENV))
        return [name]

    return builder


def _demo(app: cdk.App, name: str) -> list[str]:
    OrdersServiceStack(app, f"{name}Service", env=ENV)
    LegacyReportsStack(app, f"{name}Legacy", env=ENV)
    return [f"{name}Service", f"{name}Legacy"]


def _harden_each(build: Builder, outdir: Path, policy: Policy) -> dict[str, Outcome]:
    """One app: what ``build`` makes, plain, and once more per fixable rule, hardened with that
    rule's fix alone. Stacks are compared by their part of the name after the copy's prefix."""
    app = cdk.App(outdir=str(outdir))
    base_stacks = build(app, "Base")
    hardenings = {}
    for rule in FIXES:
        name = "Fix" + rule.replace("-", "")
        stacks = build(app, name)
        hardening = LambdaHardening(policy, fixes=[rule])
        for stack_name in stacks:
            stack = app.node.find_child(stack_name)
            cdk.Aspects.of(stack).add(hardening, priority=cdk.AspectPriority.MUTATING)
        hardenings[rule] = (name, stacks, hardening)
    app.synth()
    report = _scan(outdir, policy)

    def of(prefix: str, stacks: list[str]) -> list[engine.Finding]:
        return [f for f in report.findings if f.stack in stacks]

    base = of("Base", base_stacks)
    return {
        rule: Outcome(
            (rule,),
            base,
            of(name, stacks),
            h.unapplied,
            _paths(outdir, stacks),
        )
        for rule, (name, stacks, h) in hardenings.items()
    }


def _vpc_function(stack: cdk.Stack) -> None:
    """A function in a VPC: CDK gives its role ``AWSLambdaVPCAccessExecutionRole``, whose
    network-interface actions the GR-IAM-14 fix must grant in a form GR-IAM-05 accepts."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    function(
        stack,
        "InVpc",
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )


CDK_APPS: dict[str, Builder] = {
    "defaults": _in_stack(apps.defaults),
    "compliant": _in_stack(apps.compliant),
    "raw": _in_stack(apps.raw),
    "named": _in_stack(apps.named),
    "shared_role": _in_stack(apps.shared_role),
    "literal_name": _in_stack(apps.literal_name),
    "handler": _in_stack(apps.handler),
    "billing": _in_stack(apps.billing),
    "opt_in": _in_stack(apps.opt_in),
    "framework": _in_stack(apps.framework),
    "vpc": _in_stack(_vpc_function),
    "demo": _demo,
}


@pytest.mark.parametrize("name", sorted(CDK_APPS))
def test_each_fix_keeps_the_contract_on_the_cdk_test_apps(name, tmp_path):
    outcomes = _harden_each(CDK_APPS[name], tmp_path, Policy.coerce(POLICY))
    for rule, outcome in outcomes.items():
        check(outcome, rule)
    assert any(_remediated(o, r) for r, o in outcomes.items()) or name == "compliant"


def _sam(path: Path) -> bool:
    transform = load_template(path).get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)


TEMPLATE_FIXTURES = sorted(
    p
    for kind in ("flagged", "compliant")
    for p in (TEMPLATES / kind).iterdir()
    if p.suffix in (".json", ".yaml", ".yml") and not _sam(p)
)


@pytest.mark.parametrize("path", TEMPLATE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fix_keeps_the_contract_on_the_template_fixtures(path, tmp_path):
    """Each fixture, included as L1 constructs, plain and hardened with every fix at once."""
    settings = (load_template(path).get("Metadata") or {}).get("GuardrailsTest") or {}
    policy = Policy.from_mapping({**POLICY, **(settings.get("policy") or {})}, source=str(path))
    app = cdk.App(outdir=str(tmp_path))
    for name in ("Base", "Fixed"):
        cfn_inc.CfnInclude(cdk.Stack(app, name, env=ENV), "Template", template_file=str(path))
    hardening = LambdaHardening(policy, fixes="all")
    cdk.Aspects.of(app.node.find_child("Fixed")).add(
        hardening, priority=cdk.AspectPriority.MUTATING
    )
    app.synth()
    report = _scan(tmp_path, policy)
    outcome = Outcome(
        tuple(FIXES),
        [f for f in report.findings if f.stack == "Base"],
        [f for f in report.findings if f.stack == "Fixed"],
        hardening.unapplied,
        _paths(tmp_path, ["Fixed"]),
    )
    for rule in FIXES:
        check(outcome, rule, severity_too=False)
    fixed = {fn for rule in FIXES for fn in _remediated(outcome, rule)}
    if _new_findings(outcome, fixed, 0):
        # something new after every fix at once: which fix brought it, and at what severity,
        # is told by hardening the fixture once per fix
        def build(app: cdk.App, name: str) -> list[str]:
            stack = cdk.Stack(app, name, env=ENV)
            cfn_inc.CfnInclude(stack, "Template", template_file=str(path))
            return [name]

        for rule, alone in _harden_each(build, tmp_path / "each", policy).items():
            check(alone, rule)
