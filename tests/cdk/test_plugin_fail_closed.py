"""The validation plugin fails closed: it reads the assembly CDK wrote (never a folder found by
walking up), and what it could not check fails an enforced synth."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest

import guardrails
from guardrails.cdk import INCOMPLETE_RULE
from tests.cdk.test_plugin import public_fn, report_json, violations
from tests.conftest import ENV


def app_in(outdir, **protect):
    app = cdk.App(outdir=str(outdir))
    public_fn(cdk.Stack(app, "Top", env=ENV))  # GR-INP-04, high: fails an enforced synth
    prod = cdk.Stage(app, "Prod", env=ENV)
    public_fn(cdk.Stack(prod, "Inner"))
    plugin = guardrails.protect(app, **protect)
    return app, plugin


def test_a_manifest_json_beside_the_output_folder_changes_nothing(tmp_path):
    """A web app's PWA manifest next to cdk.out is no cloud assembly."""
    (tmp_path / "manifest.json").write_text(json.dumps({"name": "My PWA", "icons": []}))
    app, plugin = app_in(tmp_path / "cdk.out")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert plugin.last_report is not None and not plugin.last_report.errors
    # both the top-level stack and the nested stage's stack were read
    assert {f.stack for f in plugin.last_report.open if f.rule_id == "GR-INP-04"} == {
        "Top",
        "Prod/Inner",
    }


def test_what_could_not_be_checked_fails_an_enforced_synth(tmp_path, broken_rule, capsys):
    app = cdk.App(outdir=str(tmp_path), context={"lambda-guardrails:fail_on": "none"})
    public_fn(cdk.Stack(app, "Top", env=ENV))
    guardrails.protect(app)
    with pytest.raises(RuntimeError, match="ValidationFailed") as info:
        app.synth()
    assert INCOMPLETE_RULE in str(info.value) and "never shown" not in str(info.value)
    [incomplete] = [v for v in violations(report_json(tmp_path)) if v["ruleName"] == "INCOMPLETE"]
    assert incomplete["severity"] == "error"
    assert "GR-OBS-01" in incomplete["description"]
    assert "INCOMPLETE: 1 error: what could not be checked fails the synth" in (
        capsys.readouterr().err
    )


def test_audit_mode_says_incomplete_and_does_not_fail(tmp_path, broken_rule, capsys):
    app = cdk.App(outdir=str(tmp_path))
    public_fn(cdk.Stack(app, "Top", env=ENV))
    plugin = guardrails.protect(app, mode="audit")
    app.synth()
    [incomplete] = [v for v in violations(report_json(tmp_path)) if v["ruleName"] == "INCOMPLETE"]
    assert incomplete["severity"] == "warning"
    assert plugin.last_report.incomplete
    assert "INCOMPLETE" in capsys.readouterr().err


def test_an_unknown_rule_id_in_the_policy_fails_at_protect(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    with pytest.raises(guardrails.PolicyError, match=r"rules\.GR-OBS-19.*did you mean GR-OBS-"):
        guardrails.protect(app, {"rules": {"GR-OBS-19": {"enabled": False}}})


def test_acknowledging_incomplete_on_the_app_accepts_a_partial_scan(tmp_path, broken_rule):
    app = cdk.App(outdir=str(tmp_path), context={"lambda-guardrails:fail_on": "none"})
    public_fn(cdk.Stack(app, "Top", env=ENV))
    cdk.Validations.of(app).acknowledge(
        cdk.Acknowledgment(id="lambda-guardrails::INCOMPLETE", reason="known gap, JIRA-9")
    )
    guardrails.protect(app)
    app.synth()  # does not raise
    suppressed = violations(report_json(tmp_path), "suppressedViolations")
    assert [v["ruleName"] for v in suppressed] == ["INCOMPLETE"]
