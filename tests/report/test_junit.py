"""The JUnit report: one suite per stack, one testcase per finding and per clean function."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from guardrails.engine import Report
from guardrails.policy import Policy
from guardrails.report import junit
from tests.report.sample import finding, report


def parse(output: str) -> ET.Element:
    assert output.startswith("<?xml")
    return ET.fromstring(output)


def cases(root: ET.Element, suite: str) -> dict[str, ET.Element]:
    (element,) = [s for s in root.findall("testsuite") if s.get("name") == suite]
    return {f"{c.get('classname')} :: {c.get('name')}": c for c in element.findall("testcase")}


def counts(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(k)) for k in ("tests", "failures", "errors", "skipped"))


def test_one_suite_per_stack_and_one_for_the_tool():
    root = parse(junit.render(report()))
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "LegacyStack",
        "OrdersStack",
        "lambda-guardrails",
    ]


def test_open_findings_at_or_above_fail_on_fail_the_others_pass_or_skip():
    root = parse(junit.render(report()))
    orders = cases(root, "OrdersStack")
    assert sorted(orders) == [
        "OrdersStack.LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A :: GR-DEP-01 "
        "Deprecated runtime: LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A "
        "Properties/Runtime",
        "OrdersStack.OrdersFn5E2A1B2C :: GR-IAM-04 Service-wide wildcard action: "
        "OrdersFnServiceRoleDefaultPolicy1A2B3C4D Properties/PolicyDocument/Statement/0/Action",
        "OrdersStack.OrdersFn5E2A1B2C :: GR-OBS-01 X-Ray active tracing is off: "
        "OrdersFn5E2A1B2C Properties/TracingConfig",
        "OrdersStack.QuietFnB0B0B0B0 :: no findings",
        "OrdersStack.ReportsFn9F8E7D6C :: GR-CFG-01 No reserved concurrency limit: "
        "ReportsFn9F8E7D6C Properties",
    ]
    by_rule = {name.split(" :: ")[1].split()[0]: case for name, case in orders.items()}
    failure = by_rule["GR-IAM-04"].find("failure")
    assert failure is not None
    assert failure.get("type") == "GR-IAM-04"
    assert failure.get("message") == "high: Allows s3:* on arn:aws:s3:::orders-bucket/*"
    assert "functions: OrdersFn5E2A1B2C, ReportsFn9F8E7D6C" in failure.text
    assert by_rule["GR-OBS-01"].find("failure") is None  # medium, below fail_on high
    assert "below fail_on (high)" in by_rule["GR-OBS-01"].find("system-out").text
    skipped = by_rule["GR-CFG-01"].find("skipped")
    assert skipped.get("message") == "acknowledged: bursty by design, see ADR-12"
    assert len(by_rule["no"]) == 0  # the clean function: a passing testcase, no children
    assert counts(root.find("testsuite[@name='OrdersStack']")) == (5, 1, 0, 1)
    legacy = root.find("testsuite[@name='LegacyStack']")
    assert counts(legacy) == (1, 0, 0, 1)
    assert legacy.find("testcase/skipped").get("message") == "exempted: legacy, replaced in Q3"


def test_totals_add_up_and_follow_fail_on():
    root = parse(junit.render(report()))
    assert counts(root) == (7, 1, 1, 2)
    root = parse(junit.render(report("medium")))
    assert counts(root) == (7, 2, 1, 2)
    root = parse(junit.render(report("none")))
    assert counts(root) == (7, 0, 1, 2)


def test_rule_errors_and_notices_go_into_the_tool_suite():
    tool = parse(junit.render(report())).find("testsuite[@name='lambda-guardrails']")
    error = tool.find("testcase/error")
    assert error.get("message").startswith("rule GR-NET-02 failed on OrdersStack/")
    assert "exemption of GR-OBS-02" in tool.find("system-out").text


def test_what_could_not_be_checked_is_an_error_that_turns_the_run_red():
    # no finding fails at fail_on critical: the errors alone make the run red, as exit code 2
    errors = ("template A could not be read", "asset B is missing")
    blocked = report("critical", errors=errors)
    root = parse(junit.render(blocked))
    assert blocked.exit_code == 2
    assert counts(root) == (8, 0, 2, 2)
    tool = root.find("testsuite[@name='lambda-guardrails']")
    assert counts(tool) == (2, 0, 2, 0)
    testcases = tool.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in testcases] == [
        ("lambda-guardrails", "could not check")
    ] * 2
    assert [[(e.tag, e.get("type"), e.get("message"), e.text) for e in c] for c in testcases] == [
        [("error", "NotChecked", text, text)] for text in errors
    ]


def test_errors_allowed_by_allow_incomplete_are_skipped_not_errors():
    allowed = report("critical", allow_incomplete=True)
    root = parse(junit.render(allowed))
    assert allowed.exit_code == 0
    assert counts(root) == (7, 0, 0, 3)
    skipped = root.find("testsuite[@name='lambda-guardrails']/testcase/skipped")
    assert skipped.get("message") == (
        "allowed by --allow-incomplete: rule GR-NET-02 failed on OrdersStack/OrdersFn5E2A1B2C: "
        "KeyError at graph.py:12"
    )


def test_a_clean_assembly_lists_every_function_as_passing():
    clean = Report(
        findings=(),
        functions=2,
        policy=Policy(),
        function_owners={("A", "Fn1"): "user", ("B", "Fn2"): "user"},
    )
    root = parse(junit.render(clean))
    assert [s.get("name") for s in root.findall("testsuite")] == ["A", "B"]
    assert counts(root) == (2, 0, 0, 0)
    assert list(cases(root, "B")) == ["B.Fn2 :: no findings"]


def test_messages_with_markup_characters_stay_well_formed():
    tricky = finding(severity="high", message='Allows "s3:*" on <all> & more')
    root = parse(junit.render(report(findings=(tricky,), errors=(), notices=())))
    assert root.find(".//failure").get("message") == 'high: Allows "s3:*" on <all> & more'
