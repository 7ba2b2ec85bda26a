"""The CDK validation plugin on real apps: audit and enforce, acknowledgements, nested stages,
context overrides, and the same findings as the CLI."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_lambda as lambda_

import guardrails
from guardrails import engine
from guardrails.cdk import LambdaGuardrails
from guardrails.cli import main as cli
from guardrails.model import load
from tests.conftest import ENV


def public_fn(scope, id="Public"):
    fn = lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): return 1"),
    )
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)  # GR-INP-04, high
    return fn


def make_app(tmp_path, *, ack=False, stage=False, context=None, **protect):
    app = cdk.App(outdir=str(tmp_path), context=context or {})
    fn = public_fn(cdk.Stack(app, "Top", env=ENV))
    if ack:
        Validations.of(fn).acknowledge(
            Acknowledgment(id="lambda-guardrails::GR-INP-04", reason="public webhook, audited")
        )
    if stage:
        prod = cdk.Stage(app, "Prod", env=ENV)
        public_fn(cdk.Stack(prod, "Inner"))
    plugin = guardrails.protect(app, **protect)
    return app, plugin


def report_json(tmp_path):
    return json.loads((tmp_path / "validation-report.json").read_text())


def violations(doc, key="violations"):
    return [
        v
        for r in doc["pluginReports"]
        if r["pluginName"] == "lambda-guardrails"
        for v in r.get(key, [])
    ]


def test_audit_mode_reports_and_does_not_fail(tmp_path):
    app, plugin = make_app(tmp_path, mode="audit")
    app.synth()
    found = violations(report_json(tmp_path))
    url = [v for v in found if v["ruleName"] == "GR-INP-04"]
    assert len(url) == 1
    assert url[0]["severity"] == "warning"
    assert url[0]["ruleMetadata"]["severity"] == "high"
    (construct,) = url[0]["violatingConstructs"]
    assert construct["constructPath"] == "Top/Public/FunctionUrl/Resource"
    # the finding's site and message, for the function it affects
    [finding] = [f for f in plugin.last_report.open if f.rule_id == "GR-INP-04"]
    assert construct["cloudFormationResource"]["propertyPaths"] == [
        f"Top/Public: Properties/AuthType: {finding.message}"
    ]


def test_enforce_mode_fails_the_synth(tmp_path):
    app, _ = make_app(tmp_path)
    with pytest.raises(RuntimeError, match="ValidationFailed") as info:
        app.synth()
    assert "GR-INP-04" in str(info.value)


def test_acknowledgement_silences_the_finding(tmp_path):
    app, plugin = make_app(tmp_path, ack=True, context={"lambda-guardrails:fail_on": "high"})
    app.synth()  # does not raise: the only high finding is acknowledged
    doc = report_json(tmp_path)
    assert not [v for v in violations(doc) if v["ruleName"] == "GR-INP-04"]
    suppressed = violations(doc, "suppressedViolations")
    assert [v["ruleName"] for v in suppressed if v["ruleName"].endswith("GR-INP-04")]
    finding = next(f for f in plugin.last_report.findings if f.rule_id == "GR-INP-04")
    assert (finding.status, finding.reason) == ("acknowledged", "public webhook, audited")


def test_nested_stage_reported_exactly_once(tmp_path):
    app, plugin = make_app(tmp_path, stage=True, mode="audit")
    app.synth()
    url = [v for v in violations(report_json(tmp_path)) if v["ruleName"] == "GR-INP-04"]
    paths = sorted(c["constructPath"] for v in url for c in v["violatingConstructs"])
    assert paths == ["Prod/Inner/Public/FunctionUrl/Resource", "Top/Public/FunctionUrl/Resource"]
    assert sorted(f.stack for f in plugin.last_report.findings if f.rule_id == "GR-INP-04") == [
        "Prod/Inner",
        "Top",
    ]


def test_context_mode_wins_over_the_argument(tmp_path):
    app, _ = make_app(tmp_path, mode="audit", context={"lambda-guardrails:mode": "enforce"})
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_bad_policy_in_context_fails_with_the_key(tmp_path):
    app, _ = make_app(tmp_path, context={"lambda-guardrails:policy": {"colour": "red"}})
    with pytest.raises(RuntimeError) as info:
        app.synth()
    # a key that is not near a known one could be anything pasted there: it is not repeated
    assert "lambda-guardrails:policy: the 1st key is not a policy key" in str(info.value)
    assert "colour" not in str(info.value)


def test_plugin_and_cli_report_the_same_findings(tmp_path, capsys):
    app, plugin = make_app(tmp_path, stage=True, mode="audit")
    app.synth()
    from_plugin = [f.to_json() for f in plugin.last_report.findings]
    assert from_plugin == [f.to_json() for f in engine.scan(load(tmp_path)).findings]
    assert cli(["scan", str(tmp_path), "--format", "json", "--fail-on", "none"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == from_plugin


def test_plugin_properties_are_visible_to_jsii():
    plugin = LambdaGuardrails()
    assert plugin.name == "lambda-guardrails"
    assert "GR-INP-04" in plugin.rule_ids
