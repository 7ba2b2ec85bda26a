"""The engine: merging, severity overrides, framework owners, exemptions, acknowledgements,
isolation of a failing rule, deterministic order. Rules here are test rules over a real app."""

import datetime as dt

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from guardrails import engine
from guardrails.policy import Policy
from guardrails.rules.base import Rule, Violation
from tests.conftest import ENV, TODAY, function, synth


def build(app):
    s = cdk.Stack(app, "S", env=ENV)
    role = iam.Role(s, "SharedRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    function(s, "One", role=role)
    function(s, "Two", role=role)
    acked = function(
        s, "Acked", log_retention=logs.RetentionDays.ONE_WEEK
    )  # + a framework function
    Validations.of(acked).acknowledge(
        Acknowledgment(id="lambda-guardrails::GR-TST-01", reason="known")
    )


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def per_function(fn, ctx):
    yield Violation(fn.site.at("Runtime"), f"runtime of {fn.logical_id}")


def per_role(fn, ctx):
    if fn.role:
        yield Violation(fn.role.site.at("AssumeRolePolicyDocument"), "role")


def explodes(fn, ctx):
    raise ValueError("s3cr3t-value-that-must-not-leak")


def rule(id, check, severity="high"):
    return Rule(id=id, title=id, severity=severity, rationale="r", fix="f", check=check)


def scan(assembly, *rules, policy=None, today=TODAY):
    return engine.scan(assembly, policy or Policy(), today=today, rules=list(rules))


def byfunction(report, rule_id):
    return {
        f.functions[0].rstrip("0123456789ABCDEF"): f
        for f in report.findings
        if f.rule_id == rule_id
    }


def test_one_finding_per_place_listing_every_function(assembly):
    report = scan(assembly, rule("GR-TST-02", per_role))
    shared = [f for f in report.findings if f.logical_id.startswith("SharedRole")]
    assert len(shared) == 1
    assert [f.rstrip("0123456789ABCDEF") for f in shared[0].functions] == ["One", "Two"]


def test_acknowledged_from_the_assembly(assembly):
    report = scan(assembly, rule("GR-TST-01", per_function))
    found = byfunction(report, "GR-TST-01")
    assert found["Acked"].status == "acknowledged" and found["Acked"].reason == "known"
    assert found["One"].status == "open"


def test_framework_function_downgraded_only_for_listed_rules(assembly):
    report = scan(assembly, rule("GR-DEP-01", per_function, "critical"))
    framework = [f for f in report.findings if f.owner == "framework"]
    assert framework and all(f.severity == "info" for f in framework)
    user = [f for f in report.findings if f.owner == "user"]
    assert user and all(f.severity == "critical" for f in user)
    # a rule not in framework.rules keeps its severity
    report = scan(assembly, rule("GR-SEC-01", per_function, "critical"))
    assert {f.severity for f in report.findings} == {"critical"}


def test_severity_override_and_disable(assembly):
    policy = Policy.from_mapping({"rules": {"GR-TST-01": {"severity": "low"}, "GR-TST-02": False}})
    report = scan(
        assembly, rule("GR-TST-01", per_function), rule("GR-TST-02", per_role), policy=policy
    )
    assert {f.rule_id for f in report.findings} == {"GR-TST-01"}
    assert {f.severity for f in report.findings} == {"low"}
    assert report.exit_code == 0


def test_exemptions_by_glob_and_logical_id_and_expiry(assembly):
    policy = Policy.from_mapping(
        {
            "exemptions": [
                {
                    "rule": "GR-TST-01",
                    "resource": "S/One",
                    "reason": "legacy",
                    "expires": "2027-01-01",
                },
                {
                    "rule": "GR-TST-01",
                    "resource": "S/Two*",
                    "reason": "old",
                    "expires": "2026-01-01",
                },
            ]
        }
    )
    report = scan(assembly, rule("GR-TST-01", per_function), policy=policy)
    found = byfunction(report, "GR-TST-01")
    assert (found["One"].status, found["One"].reason) == ("exempted", "legacy")
    assert found["Two"].status == "open"
    assert found["Two"].reason == "exemption expired on 2026-01-01: old"
    assert any("expired on 2026-01-01" in n for n in report.notices)
    # the same exemption before its expiry applies
    later = scan(
        assembly, rule("GR-TST-01", per_function), policy=policy, today=dt.date(2025, 12, 1)
    )
    assert byfunction(later, "GR-TST-01")["Two"].status == "exempted"


def test_a_failing_rule_is_isolated_and_does_not_leak(assembly):
    report = scan(assembly, rule("GR-TST-03", explodes), rule("GR-TST-01", per_function))
    assert {f.rule_id for f in report.findings} == {"GR-TST-01"}
    assert report.errors
    assert all("GR-TST-03" in e and "ValueError" in e for e in report.errors)
    assert "s3cr3t" not in " ".join(report.errors)


def test_order_is_deterministic_and_exit_code(assembly):
    report = scan(
        assembly, rule("GR-TST-01", per_function, "medium"), rule("GR-TST-02", per_role, "critical")
    )
    assert report.findings[0].severity == "critical"
    assert [f.to_json() for f in report.findings] == [
        f.to_json()
        for f in scan(
            assembly,
            rule("GR-TST-02", per_role, "critical"),
            rule("GR-TST-01", per_function, "medium"),
        ).findings
    ]
    assert report.exit_code == 1
    summary = report.summary()
    assert summary["open"] == len(report.open)
    assert list(summary["by_severity"]) == ["critical", "medium"] or list(
        summary["by_severity"]
    ) == ["critical", "medium", "info"]


def test_a_function_the_model_cannot_read_is_reported_and_the_others_still_checked(
    assembly, monkeypatch
):
    from guardrails.model import graph

    original = graph.StackGraph.function

    def broken(self, r):
        if r.logical_id.startswith("One"):
            raise KeyError("s3cr3t-value-that-must-not-leak")
        return original(self, r)

    monkeypatch.setattr(graph.StackGraph, "function", broken)
    report = scan(assembly, rule("GR-TST-01", per_function))
    assert [e for e in report.errors if "could not read this function" in e and "/One" in e]
    assert "s3cr3t" not in " ".join(report.errors)
    checked = {f.functions[0].rstrip("0123456789ABCDEF") for f in report.findings}
    assert {"Two", "Acked"} <= checked and "One" not in checked


def test_a_construct_path_that_is_not_a_string_is_ignored(tmp_path):
    from guardrails.model import load

    path = tmp_path / "t.json"
    path.write_text(
        '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", '
        '"Metadata": {"aws:cdk:path": {"odd": 1}}, "Properties": {"Runtime": "python3.12"}}}}'
    )
    report = engine.scan(load(path), Policy(), today=TODAY)
    assert not report.errors
    assert {f.construct_path for f in report.findings} == {None}


def test_errors_and_notices_come_rule_by_rule_in_the_order_of_the_rules(assembly):
    """The engine checks function by function; what it reports reads rule by rule all the
    same: each rule's errors over the functions in order, then what rules could not check."""

    def explodes_on_two(fn, ctx):
        if fn.logical_id.startswith("Two"):
            raise ValueError("no")
        yield Violation(fn.site, "seen")

    def cannot_check(fn, ctx):
        yield Violation(fn.site, f"unreadable {fn.logical_id[:3]}", incomplete=True)

    def notice(name):
        return lambda ctx: f"notice of {name}"

    first = Rule(
        id="GR-TST-01", title="t", severity="low", rationale="r", fix="f",
        check=cannot_check, notice=notice("first"),
    )  # fmt: skip
    second = Rule(
        id="GR-TST-02", title="t", severity="low", rationale="r", fix="f",
        check=explodes, notice=notice("second"),
    )  # fmt: skip
    report = scan(assembly, first, second, rule("GR-TST-03", explodes_on_two))
    failed = [e.split(" failed on ")[0] for e in report.errors if " failed on " in e]
    n = len(failed) - 1  # GR-TST-02 fails on every function, GR-TST-03 on one
    assert failed == ["rule GR-TST-02"] * n + ["rule GR-TST-03"]
    unchecked = [e for e in report.errors if "could not fully check" in e]
    assert unchecked and list(report.errors[-len(unchecked) :]) == unchecked
    in_order = [f"unreadable {logical_id[:3]}" for _, logical_id in report.function_paths]
    assert [e.split(": ")[-1] for e in unchecked] == list(dict.fromkeys(in_order))
    assert list(report.notices)[:2] == ["notice of first", "notice of second"]


def test_the_functions_a_remediation_concerns_are_those_of_the_plain_comparison(assembly):
    """``_Concerned`` finds through its indexes what comparing the change with every function
    finds: the functions of its stack related to the changed resource or holding it."""
    from guardrails.model import graph

    functions = graph.functions(assembly)
    stacks = {fn.stack for fn in functions} | {"Other"}
    ids = {i for fn in functions for i in engine._related_ids(fn)} | {"Nothing"}
    paths = {"", "/", "x"} | {
        p
        for fn in functions
        for base in [fn.site.construct_path or ""]
        for p in (base, base + "/Sub", base.rsplit("/", 1)[0] + "/Other/X", "/" + base)
    }
    concerned = engine._Concerned(functions)
    for stack in stacks:
        for logical_id in ids:
            for path in paths:
                expected = sorted(
                    fn.logical_id
                    for fn in functions
                    if fn.stack == stack
                    and (
                        logical_id in engine._related_ids(fn)
                        or path.startswith(engine._construct_of(fn) + "/")
                    )
                )
                assert concerned.by(stack, logical_id, path) == expected
