"""The plugin hands CDK one violation per rule and severity, as cdk-nag does: one resource per
construct the rule flags, each naming the function and saying what is wrong there; few structs
cross to CDK, and acknowledging a rule on one construct still takes only that construct out."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_lambda as lambda_

import guardrails
from guardrails.cdk.plugin import _violations
from guardrails.rules import get as get_rule
from tests.cdk.test_plugin import public_fn, report_json, violations
from tests.conftest import ENV, function
from tests.rules.test_secrets import AWS_KEY_ID, DB_PASSWORD

NAMES = ("Api", "Billing", "Orders", "Reports", "Worker")


def locations(construct: dict) -> list[str]:
    """A resource's locations, one per finding (CDK's JSON report: ``propertyPaths``)."""
    return construct["cloudFormationResource"]["propertyPaths"]


def unwrapped(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def app_report(module_tmp: Path) -> tuple[Any, list[dict]]:
    """Five functions of one stack, the first with two plaintext credentials (GR-SEC-01 twice on
    one function), synthesized in audit mode: the engine's report and CDK's violations."""
    app = cdk.App(outdir=str(module_tmp))
    stack = cdk.Stack(app, "Shop", env=ENV)
    for name in NAMES:
        env = {"DB_PASSWORD": DB_PASSWORD, "DEPLOY_ACCESS_KEY_ID": AWS_KEY_ID}
        function(stack, name, **({"environment": env} if name == "Api" else {}))
    plugin = guardrails.protect(app, mode="audit")
    app.synth()
    return plugin.last_report, violations(report_json(module_tmp))


def shown(report: Any) -> list[Any]:
    """The findings CDK's report shows by default: open or acknowledged, not at info."""
    return [
        f for f in report.findings if f.status in ("open", "acknowledged") and f.severity != "info"
    ]


def test_several_functions_flagged_by_one_rule_are_one_violation(app_report):
    report, found = app_report
    [tracing] = [v for v in found if v["ruleName"] == "GR-OBS-01"]
    constructs = tracing["violatingConstructs"]
    assert [c["constructPath"] for c in constructs] == [f"Shop/{n}/Resource" for n in NAMES]
    messages = {f.construct_path: f.message for f in report.open if f.rule_id == "GR-OBS-01"}
    for name, construct in zip(NAMES, constructs, strict=True):
        # each resource names its function, and says what is wrong there
        [location] = locations(construct)
        assert location.startswith(f"Shop/{name}: ")
        assert location.endswith(messages[construct["constructPath"]])
    # the messages differ (each names its function): the description says why, for them all
    assert len(set(messages.values())) == len(NAMES)
    rationale = unwrapped(get_rule("GR-OBS-01").rationale)
    assert unwrapped(tracing["description"]) == (
        f"[MEDIUM] {get_rule('GR-OBS-01').title}: {rationale}"
    )
    assert tracing["ruleMetadata"] | {"owner": "user"} == {
        "severity": "medium",
        "owner": "user",
        "findings": "5",
        "resources": "5",
        "functions": "5",
        "docs": "guardrails explain GR-OBS-01",
    }


def test_two_rules_are_two_violations(app_report):
    report, found = app_report
    rules = [v["ruleName"] for v in found]
    assert "GR-OBS-01" in rules and "GR-SEC-01" in rules
    # one violation per rule (their findings share a severity here)
    assert sorted(rules) == sorted({f.rule_id for f in shown(report)})


def test_as_many_structs_as_rules_and_severities_and_flagged_constructs(app_report):
    report, found = app_report
    findings = shown(report)
    assert len(found) == len({(f.rule_id, f.severity) for f in findings}) < len(findings)
    constructs = [c for v in found for c in v["violatingConstructs"]]
    assert len(constructs) == len({(f.rule_id, f.stack, f.logical_id) for f in findings})
    # every finding is one location of its resource, its message in it
    everywhere = [location for c in constructs for location in locations(c)]
    assert len(everywhere) == len(findings)
    for f in findings:
        assert sum(location.endswith(f.message) for location in everywhere) >= 1


def test_a_rules_findings_on_one_construct_are_one_resource_with_a_location_each(app_report):
    _, found = app_report
    [secrets] = [v for v in found if v["ruleName"] == "GR-SEC-01"]
    [construct] = secrets["violatingConstructs"]  # both credentials are on Shop/Api
    assert construct["constructPath"] == "Shop/Api/Resource"
    sites = sorted(location.split(": ")[1] for location in locations(construct))
    assert sites == [
        "Properties/Environment/Variables/DB_PASSWORD",
        "Properties/Environment/Variables/DEPLOY_ACCESS_KEY_ID",
    ]
    assert all(location.startswith("Shop/Api: ") for location in locations(construct))
    assert secrets["ruleMetadata"]["findings"] == "2"
    assert secrets["ruleMetadata"]["resources"] == "1"
    text = json.dumps(found)
    assert DB_PASSWORD not in text and AWS_KEY_ID not in text  # never quoted


def test_the_violations_are_the_structs_jsii_expects(app_report):
    """Built as dicts in jsii's field names (cheap: no typeguard check per resource in Python):
    the same values make the typed structs, so jsii's Python types accept them too."""
    report, _ = app_report
    built = _violations(report, report.policy, show_info=True)
    assert built
    violation_names = {v: k for k, v in cdk.PolicyViolation.__jsii_name_mapping__.items()}
    resource_names = {v: k for k, v in cdk.PolicyViolatingResource.__jsii_name_mapping__.items()}
    for violation in built:
        assert isinstance(violation, dict)
        assert set(violation) <= set(violation_names)
        resources = [
            cdk.PolicyViolatingResource(**{resource_names[k]: v for k, v in r.items()})
            for r in violation["violatingResources"]
        ]
        fields = {violation_names[k]: v for k, v in violation.items()}
        typed = cdk.PolicyViolation(**(fields | {"violating_resources": resources}))
        assert typed.rule_name == violation["ruleName"]
        assert all(r.locations and r.resource_logical_id for r in resources)


def two_public_functions(tmp_path: Path) -> tuple[cdk.App, dict[str, lambda_.Function]]:
    app = cdk.App(outdir=str(tmp_path), context={"lambda-guardrails:fail_on": "high"})
    stack = cdk.Stack(app, "Top", env=ENV)
    return app, {name: public_fn(stack, name) for name in ("Hook", "Public")}


def test_acknowledging_one_construct_leaves_the_others_in_the_violation(tmp_path):
    app, fns = two_public_functions(tmp_path)
    Validations.of(fns["Hook"]).acknowledge(
        Acknowledgment(id="lambda-guardrails::GR-INP-04", reason="signed webhook")
    )
    plugin = guardrails.protect(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()  # the other URL is still open, at high
    doc = report_json(tmp_path)
    [url] = [v for v in violations(doc) if v["ruleName"] == "GR-INP-04"]
    assert url["severity"] == "error"
    assert [c["constructPath"] for c in url["violatingConstructs"]] == [
        "Top/Public/FunctionUrl/Resource"
    ]
    [suppressed] = [
        v for v in violations(doc, "suppressedViolations") if v["ruleName"] == "GR-INP-04"
    ]
    assert suppressed["reason"] == "signed webhook"
    assert [c["constructPath"] for c in suppressed["violatingConstructs"]] == [
        "Top/Hook/FunctionUrl/Resource"
    ]
    statuses = Counter(f.status for f in plugin.last_report.findings if f.rule_id == "GR-INP-04")
    assert statuses == {"open": 1, "acknowledged": 1}


def test_acknowledging_every_construct_takes_the_violation_out(tmp_path):
    app, fns = two_public_functions(tmp_path)
    Validations.of(cdk.Stack.of(fns["Hook"])).acknowledge(
        Acknowledgment(id="lambda-guardrails::GR-INP-04", reason="internal test stack")
    )
    guardrails.protect(app)
    app.synth()  # does not raise: both high findings are acknowledged
    doc = report_json(tmp_path)
    assert not [v for v in violations(doc) if v["ruleName"] == "GR-INP-04"]
    [suppressed] = [
        v for v in violations(doc, "suppressedViolations") if v["ruleName"] == "GR-INP-04"
    ]
    assert sorted(c["constructPath"] for c in suppressed["violatingConstructs"]) == [
        "Top/Hook/FunctionUrl/Resource",
        "Top/Public/FunctionUrl/Resource",
    ]
