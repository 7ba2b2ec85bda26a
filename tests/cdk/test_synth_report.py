"""What `cdk synth` prints for the guardrails, on real synthesized apps: one summary line with
the verdict, findings at info only when asked for, one violation per rule and severity with one
resource per construct (its locations name the functions a finding affects), each rule's fix
once, the most severe rules first and each rule's resources by function."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n

import guardrails
from guardrails.cdk.plugin import CONTEXT_SHOW_INFO
from guardrails.cli import main as cli
from guardrails.policy import SEVERITY_RANK
from guardrails.rules import get as get_rule
from tests.cdk.test_plugin import report_json, violations
from tests.conftest import ENV, function

SUMMARY = re.compile(
    r"^lambda-guardrails: \d+ functions?, \d+ open( \([^)]*\))?(, [^:]+)?: "
    r"(PASSED|FAILED|INCOMPLETE|FAILED/INCOMPLETE) at fail_on \w+ \((enforce|audit)[^)]*\); "
    r"run `guardrails scan [^`]+` for the full report$"
)


def orders(app: cdk.App) -> dict[str, lambda_.Function]:
    """Two functions on one role (GR-IAM-08 on the role), each with a public URL (GR-INP-04,
    high, twice), and a permission for S3 on the worker (GR-IAM-12 on the permission)."""
    stack = cdk.Stack(app, "Orders", env=ENV)
    role = iam.Role(stack, "SharedRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    fns = {name: function(stack, name, role=role) for name in ("Worker", "Api")}
    for fn in fns.values():
        fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    lambda_.CfnPermission(
        stack,
        "InvokeFromS3",
        function_name=fns["Worker"].function_name,
        principal="s3.amazonaws.com",
        action="lambda:InvokeFunction",
    )
    return fns


def uploads(app: cdk.App) -> None:
    """An S3 notification: CDK adds its own BucketNotificationsHandler function, whose
    findings the policy reports at info (``framework.severity``)."""
    stack = cdk.Stack(app, "Uploads", env=ENV)
    bucket = s3.Bucket(stack, "Bucket")
    bucket.add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(function(stack, "OnUpload"))
    )


def summary_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("lambda-guardrails: ")][-1:]


def ours(tmp_path) -> list[dict]:
    return violations(report_json(tmp_path))


def expected_counts(report) -> str:
    by_severity: dict[str, int] = {}
    for f in report.open:
        by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
    ordered = sorted(by_severity.items(), key=lambda kv: -SEVERITY_RANK[kv[0]])
    return ", ".join(f"{n} {severity}" for severity, n in ordered)


# -- the summary line --------------------------------------------------------------------------
def test_one_summary_line_with_counts_statuses_and_verdict(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    fns = orders(app)
    Validations.of(fns["Api"]).acknowledge(
        Acknowledgment(id="lambda-guardrails::GR-OBS-08", reason="alarms live in the NOC stack")
    )
    policy = {
        "exemptions": [{"rule": "GR-CFG-01", "resource": "Orders/Worker/*", "reason": "batch"}]
    }
    plugin = guardrails.protect(app, policy, remediate="safe")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    err = capsys.readouterr().err
    report = plugin.last_report
    statuses = {s: sum(f.status == s for f in report.findings) for s in ("remediated",)}
    assert statuses["remediated"] > 0
    [line] = [line for line in err.splitlines() if SUMMARY.match(line)]  # one line, one run
    assert line == (
        f"lambda-guardrails: 2 functions, {len(report.open)} open ({expected_counts(report)}), "
        f"{statuses['remediated']} remediated, 1 acknowledged, 1 exempted: "
        "FAILED at fail_on high (enforce); run `guardrails scan cdk.out` for the full report"
    )
    assert "2 high" in line  # the two public function URLs
    # it is the plugin's last line (CDK's report follows it)
    assert summary_lines(err) == [line]


def test_summary_passes_below_fail_on_and_says_audit_does_not_enforce(tmp_path, capsys):
    app = cdk.App(outdir=str(tmp_path / "pass"))
    function(cdk.Stack(app, "Quiet", env=ENV), "Fn")  # medium and low findings only
    guardrails.protect(app)
    app.synth()  # enforce, nothing at or above high
    [line] = summary_lines(capsys.readouterr().err)
    assert SUMMARY.match(line)
    assert ": PASSED at fail_on high (enforce); run `guardrails scan " in line
    assert f"`guardrails scan {tmp_path / 'pass'}`" in line  # not below the cwd: absolute

    app = cdk.App(outdir=str(tmp_path / "audit"))
    orders(app)
    guardrails.protect(app, mode="audit")
    app.synth()  # audit never fails the synth ...
    [line] = summary_lines(capsys.readouterr().err)
    assert SUMMARY.match(line)
    # ... but the summary says what the gate would do
    assert ": FAILED at fail_on high (audit: reported, not enforced); " in line


@pytest.mark.parametrize(
    ("fail_on", "verdict"), [("none", "INCOMPLETE"), ("high", "FAILED/INCOMPLETE")]
)
def test_summary_of_an_incomplete_check(tmp_path, broken_rule, capsys, fail_on, verdict):
    app = cdk.App(outdir=str(tmp_path), context={"lambda-guardrails:fail_on": fail_on})
    orders(app)
    guardrails.protect(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    err = capsys.readouterr().err
    # the INCOMPLETE line stays, the summary follows it
    assert "lambda-guardrails: INCOMPLETE: 2 errors: what could not be checked fails" in err
    [line] = summary_lines(err)
    assert SUMMARY.match(line)
    assert f": {verdict} at fail_on {fail_on} (enforce); " in line


# -- findings at info --------------------------------------------------------------------------
def info_app(tmp_path, context=None, **protect):
    app = cdk.App(outdir=str(tmp_path), context=context or {})
    uploads(app)
    plugin = guardrails.protect(app, **({"mode": "audit"} | protect))
    app.synth()
    return plugin.last_report


def test_info_findings_are_left_out_of_cdks_report_by_default(tmp_path, capsys):
    report = info_app(tmp_path)
    info = [f for f in report.open if f.severity == "info"]
    assert info and all(f.owner == "framework" for f in info)  # CDK's own handler
    shown = ours(tmp_path)
    assert shown  # the user's function still has its findings
    assert not [v for v in shown if v["ruleMetadata"]["severity"] == "info"]
    [line] = summary_lines(capsys.readouterr().err)
    assert f", {len(info)} info hidden)" in line
    # the CLI's JSON report still has them
    assert cli(["scan", str(tmp_path), "--format", "json", "--fail-on", "none"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert len([f for f in findings if f["severity"] == "info"]) == len(info)


@pytest.mark.parametrize("value", [True, "true", "TRUE"])
def test_the_context_key_shows_info_findings(tmp_path, capsys, value):
    report = info_app(tmp_path, {CONTEXT_SHOW_INFO: value})
    info = [v for v in ours(tmp_path) if v["ruleMetadata"]["severity"] == "info"]
    assert len(info) == len([f for f in report.open if f.severity == "info"])
    assert {v["severity"] for v in info} == {"info"}
    assert " info hidden" not in summary_lines(capsys.readouterr().err)[0]


def test_a_policy_that_fails_on_info_shows_them(tmp_path):
    info_app(tmp_path, {"lambda-guardrails:fail_on": "info"})
    assert [v for v in ours(tmp_path) if v["ruleMetadata"]["severity"] == "info"]


@pytest.mark.parametrize("value", [False, "false", "yes-please"])
def test_other_values_of_the_context_key_hide_them(tmp_path, capsys, value):
    info_app(tmp_path, {CONTEXT_SHOW_INFO: value})
    assert not [v for v in ours(tmp_path) if v["ruleMetadata"]["severity"] == "info"]
    err = capsys.readouterr().err
    said = f"context {CONTEXT_SHOW_INFO} is not true or false" in err
    assert said == (value == "yes-please")
    assert "yes-please" not in err  # a context value is not repeated


# -- the functions a finding affects -----------------------------------------------------------
def by_rule(found: list[dict], rule_id: str) -> list[dict]:
    return [v for v in found if v["ruleName"] == rule_id]


def locations(construct: dict) -> list[str]:
    """A resource's locations, one per finding: CDK writes them as its ``propertyPaths``."""
    return construct["cloudFormationResource"]["propertyPaths"]


def test_findings_on_a_shared_role_or_a_permission_name_the_functions(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    orders(app)
    guardrails.protect(app, mode="audit")
    app.synth()
    found = ours(tmp_path)
    [shared] = by_rule(found, "GR-IAM-08")
    [role] = shared["violatingConstructs"]
    assert role["constructPath"] == "Orders/SharedRole/Resource"
    [location] = locations(role)
    assert location.startswith("Orders/Api, Orders/Worker: ")
    [permission] = by_rule(found, "GR-IAM-12")
    [invoke] = permission["violatingConstructs"]
    assert invoke["constructPath"] == "Orders/InvokeFromS3"
    assert [loc.split(": ")[0] for loc in locations(invoke)] == ["Orders/Worker"]
    # one violation for both URLs, each resource naming its function
    [urls] = by_rule(found, "GR-INP-04")
    assert {
        c["constructPath"]: locations(c)[0].split(": ")[0] for c in urls["violatingConstructs"]
    } == {
        "Orders/Api/FunctionUrl/Resource": "Orders/Api",
        "Orders/Worker/FunctionUrl/Resource": "Orders/Worker",
    }
    # a finding on the function itself names it too
    [on_function] = by_rule(found, "GR-OBS-01")
    assert [
        (c["constructPath"], locations(c)[0].split(": ")[0])
        for c in on_function["violatingConstructs"]
    ] == [("Orders/Api/Resource", "Orders/Api"), ("Orders/Worker/Resource", "Orders/Worker")]


def test_at_most_three_functions_then_how_many_more_and_other_stacks(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    shared = cdk.Stack(app, "Shared", env=ENV)
    role = iam.Role(shared, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    function(shared, "Local", role=role)
    other = cdk.Stack(app, "Orders", env=ENV)
    for name in ("A", "B", "C", "D"):
        function(other, name, role=role)  # a role of another stack (exported, imported)
    guardrails.protect(app, mode="audit")
    app.synth()
    [shared_role] = by_rule(ours(tmp_path), "GR-IAM-08")
    [location] = locations(shared_role["violatingConstructs"][0])
    assert location.startswith("Orders/A, Orders/B, Orders/C and 2 more: ")


def test_a_function_of_another_stack_is_named_by_its_own_stack(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    shared = cdk.Stack(app, "Shared", env=ENV)
    role = iam.Role(shared, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    function(shared, "Local", role=role)
    function(cdk.Stack(app, "Orders", env=ENV), "Api", role=role)
    guardrails.protect(app, mode="audit")
    app.synth()
    [shared_role] = by_rule(ours(tmp_path), "GR-IAM-08")
    [location] = locations(shared_role["violatingConstructs"][0])
    assert location.startswith("Orders/Api, Shared/Local: ")


# -- each rule's fix once ----------------------------------------------------------------------
def test_each_rules_fix_is_given_once_then_pointed_to(tmp_path):
    # CDK's own handler has findings at info (framework.severity), the user's function the same
    # rules' at their own severity: two violations of each such rule, a warning and an info
    app = cdk.App(outdir=str(tmp_path), context={CONTEXT_SHOW_INFO: True})
    uploads(app)
    guardrails.protect(app, mode="audit")
    app.synth()
    found = ours(tmp_path)
    pointed = 0
    for rule_id in dict.fromkeys(v["ruleName"] for v in found):
        first, *others = by_rule(found, rule_id)
        assert " ".join(first["suggestedFix"].split()) == " ".join(get_rule(rule_id).fix.split())
        assert [v["suggestedFix"] for v in others] == [f"see {rule_id} above"] * len(others)
        assert [v["severity"] for v in others] == ["info"] * len(others)
        pointed += len(others)
    assert pointed >= 2


def test_the_printed_report_shows_one_block_per_resource_of_a_violation(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    orders(app)
    guardrails.protect(app)  # enforce: both public URLs are errors
    with pytest.raises(RuntimeError, match="ValidationFailed") as info:
        app.synth()
    [urls] = by_rule(ours(tmp_path), "GR-INP-04")
    assert urls["severity"] == "error" and len(urls["violatingConstructs"]) == 2
    printed = " ".join(str(info.value).split())  # CDK's report, as it prints it, unwrapped
    description = " ".join(urls["description"].split())
    assert description.startswith("[HIGH] Function URL without authentication: ")
    # CDK prints the violation once per resource: the rule's description and fix, the construct
    blocks = printed.split(f"ERROR {description} (lambda-guardrails) ")[1:]
    assert [block.split(" ")[0] for block in blocks] == [
        "Orders/Api/FunctionUrl/Resource",
        "Orders/Worker/FunctionUrl/Resource",
    ]
    fix = " ".join(get_rule("GR-INP-04").fix.split())
    assert all(
        f"Suggested fix: {fix} Acknowledge with 'lambda-guardrails::GR-INP-04'" in b for b in blocks
    )


# -- order -------------------------------------------------------------------------------------
def function_of(construct: dict) -> str:
    """The first function a resource's finding affects, as its location names it."""
    return locations(construct)[0].split(": ")[0].split(",")[0].split(" and ")[0]


def test_the_most_severe_rules_first_each_ones_resources_by_function(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    orders(app)
    guardrails.protect(app, mode="audit")  # every violation is a CDK warning: one group
    app.synth()
    found = ours(tmp_path)
    keys = [(-SEVERITY_RANK[v["ruleMetadata"]["severity"]], v["ruleName"]) for v in found]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for v in found:
        functions = [function_of(c) for c in v["violatingConstructs"]]
        assert functions == sorted(functions)


def test_in_enforce_mode_the_failing_ones_come_first(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    orders(app)
    guardrails.protect(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    found = ours(tmp_path)
    cdk_rank = {"error": 0, "warning": 1, "info": 2}
    keys = [
        (cdk_rank[v["severity"]], -SEVERITY_RANK[v["ruleMetadata"]["severity"]], v["ruleName"])
        for v in found
    ]
    assert keys == sorted(keys)  # CDK prints errors first: the order passed is the order shown
    assert [k[0] for k in keys].count(0) >= 1


def test_descriptions_and_fixes_are_wrapped_to_short_lines(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    orders(app)
    guardrails.protect(app)
    with pytest.raises(RuntimeError, match="ValidationFailed") as info:
        app.synth()
    ours_lines = [
        line
        for v in ours(tmp_path)
        for text in (v["description"], v.get("suggestedFix") or "")
        for line in text.splitlines()
    ]
    # an ARN or a path is never split, so a line can overflow only by one such word
    assert all(len(line) <= 100 or " " not in line.strip() for line in ours_lines)
    assert max(len(line) for line in str(info.value).splitlines()) < 200
