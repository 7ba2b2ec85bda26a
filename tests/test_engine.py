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
