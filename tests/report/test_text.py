"""The text report, on hand-built reports: grouping by function, statuses, summary, verdict.

The verdict is the last line and fails closed: a scan with errors is ``FAILED`` unless
``--allow-incomplete`` accepted them, and then its ``PASSED`` says so.
"""

from __future__ import annotations

import dataclasses

from guardrails.engine import Report
from guardrails.policy import Policy
from guardrails.report import text
from tests.report.sample import TRACING, finding, report


def blocks(output: str) -> dict[str, list[str]]:
    """The report cut at its blank lines, keyed by each block's first line."""
    return {b.splitlines()[0]: b.splitlines()[1:] for b in output.strip().split("\n\n")}


def test_findings_are_grouped_under_a_header_per_function_in_stack_then_function_order():
    out = text.render(report())
    headers = [line for line in out.splitlines() if " / " in line and not line.startswith(" ")]
    assert headers == [
        "LegacyStack / LegacyFnA1B2C3D4 (LegacyStack/LegacyFn/Resource)",
        "OrdersStack / LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A"
        " [created by the CDK framework]",
        "OrdersStack / OrdersFn5E2A1B2C (OrdersStack/OrdersFn/Resource)",
        "OrdersStack / ReportsFn9F8E7D6C (OrdersStack/ReportsFn/Resource)",
    ]
    orders = blocks(out)["OrdersStack / OrdersFn5E2A1B2C (OrdersStack/OrdersFn/Resource)"]
    assert orders[0] == "  HIGH      GR-IAM-04  Service-wide wildcard action"
    assert orders[1] == "            Allows s3:* on arn:aws:s3:::orders-bucket/*"
    assert orders[2] == (
        "            at OrdersFnServiceRoleDefaultPolicy1A2B3C4D "
        "Properties/PolicyDocument/Statement/0/Action"
    )
    assert orders[3] == "            also affects: ReportsFn9F8E7D6C"
    assert orders[4] == "  MEDIUM    GR-OBS-01  X-Ray active tracing is off"


def test_a_finding_shared_by_functions_is_listed_once():
    out = text.render(report())
    assert out.count("GR-IAM-04") == 1
    reports_fn = blocks(out)["OrdersStack / ReportsFn9F8E7D6C (OrdersStack/ReportsFn/Resource)"]
    assert not any("GR-IAM-04" in line for line in reports_fn)


def test_statuses_other_than_open_are_shown_with_their_reason():
    out = blocks(text.render(report()))
    legacy = out["LegacyStack / LegacyFnA1B2C3D4 (LegacyStack/LegacyFn/Resource)"]
    assert legacy[-1] == "            EXEMPTED: legacy, replaced in Q3"
    reports_fn = out["OrdersStack / ReportsFn9F8E7D6C (OrdersStack/ReportsFn/Resource)"]
    assert reports_fn[-1] == "            ACKNOWLEDGED: bursty by design, see ADR-12"
    orders = out["OrdersStack / OrdersFn5E2A1B2C (OrdersStack/OrdersFn/Resource)"]
    assert not any("ACKNOWLEDGED" in line or "EXEMPTED" in line for line in orders)


def test_an_open_finding_with_an_expired_exemption_says_so():
    expired = dataclasses.replace(TRACING, reason="exemption expired on 2026-01-31: legacy")
    out = text.render(report(findings=(expired,)))
    assert "            note: exemption expired on 2026-01-31: legacy" in out.splitlines()


def test_notices_errors_and_summary_close_the_report():
    out = blocks(text.render(report()))
    assert out["Notices:"] == [
        "  - policy.yml: exemption of GR-OBS-02 for 'Legacy/*' expired on 2026-01-31"
    ]
    assert out["Errors (not checked):"] == [
        "  - rule GR-NET-02 failed on OrdersStack/OrdersFn5E2A1B2C: KeyError at graph.py:12"
    ]
    summary = text.render(report()).strip().splitlines()[-2:]
    assert summary == [
        "5 functions, 3 open findings (1 high, 1 medium, 1 info), 1 acknowledged, 1 exempted, "
        "1 error",
        "FAILED: 1 open finding at or above high; INCOMPLETE: 1 error: what could not be checked "
        "is never passed (see Errors above)",
    ]


def test_verdict_follows_fail_on():
    assert text.render(report("medium", errors=())).splitlines()[-1] == (
        "FAILED: 2 open findings at or above medium"
    )
    assert text.render(report("critical", errors=())).splitlines()[-1] == (
        "PASSED: no open finding at or above critical"
    )
    assert text.render(report("none", errors=())).splitlines()[-1] == (
        "PASSED (fail_on is none: findings never fail the run)"
    )


def verdict_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("PASSED", "FAILED"))]


def test_errors_fail_the_run_even_without_a_failing_finding():
    for fail_on in ("critical", "none"):
        blocked = report(fail_on)
        out = text.render(blocked)
        assert verdict_lines(out) == [out.splitlines()[-1]]
        assert out.splitlines()[-1] == (
            "FAILED: INCOMPLETE: 1 error: what could not be checked is never passed "
            "(see Errors above)"
        )
        assert (blocked.verdict, blocked.exit_code) == ("FAILED", 2)


def test_errors_and_failing_findings_are_both_named_on_the_one_failed_line():
    two = report(errors=("template A could not be read", "template B could not be read"))
    out = text.render(two)
    assert verdict_lines(out) == [
        "FAILED: 1 open finding at or above high; INCOMPLETE: 2 errors: what could not be "
        "checked is never passed (see Errors above)"
    ]
    assert out.endswith(verdict_lines(out)[0] + "\n")
    assert (two.verdict, two.exit_code) == ("FAILED", 2)  # the errors decide the exit code


def test_allowed_errors_pass_but_the_verdict_says_incomplete():
    allowed = report("critical", allow_incomplete=True)
    out = text.render(allowed)
    assert out.splitlines()[-1] == "PASSED (INCOMPLETE: 1 error allowed by --allow-incomplete)"
    assert "PASSED" not in out.splitlines()[:-1]
    assert out.count("Errors (not checked):") == 1  # still listed
    assert (allowed.verdict, allowed.exit_code) == ("PASSED", 0)
    none = text.render(report("none", allow_incomplete=True)).splitlines()[-1]
    assert none == (
        "PASSED (INCOMPLETE: 1 error allowed by --allow-incomplete; fail_on is none: findings "
        "never fail the run)"
    )


def test_allowed_errors_do_not_hide_a_failing_finding():
    failing = report("high", allow_incomplete=True)
    assert text.render(failing).splitlines()[-1] == (
        "FAILED: 1 open finding at or above high; INCOMPLETE: 1 error allowed by --allow-incomplete"
    )
    assert (failing.verdict, failing.exit_code) == ("FAILED", 1)


def test_a_bare_passed_line_means_no_error():
    for fail_on in ("critical", "none"):
        for allow in (False, True):
            last = text.render(report(fail_on, allow_incomplete=allow)).splitlines()[-1]
            assert "INCOMPLETE" in last
            assert not last.startswith("PASSED:")


def test_exit_codes():
    assert report("critical", errors=()).exit_code == 0
    assert report("high", errors=()).exit_code == 1
    assert report("critical").exit_code == 2
    assert report("high").exit_code == 2
    assert report("critical", allow_incomplete=True).exit_code == 0
    assert report("high", allow_incomplete=True).exit_code == 1


def test_an_empty_report_passes():
    out = text.render(Report(findings=(), functions=2, policy=Policy()))
    assert out == (
        "lambda-guardrails 1.0.0: 2 functions scanned\n"
        "\n"
        "2 functions, 0 open findings\n"
        "PASSED: no open finding at or above high\n"
    )


def test_header_falls_back_to_the_logical_id_without_function_paths():
    out = text.render(report(function_paths={}, function_owners={}))
    assert "OrdersStack / OrdersFn5E2A1B2C" in out.splitlines()


def test_long_messages_wrap_at_100_columns_without_breaking_arns():
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-" + "x" * 60
    long = finding(message="Allows dynamodb:* on " + arn + " and " + " ".join(["word"] * 40))
    out = text.render(report(findings=(long,)))
    lines = out.splitlines()
    assert all(len(line) <= 100 or arn in line for line in lines)
    assert any(arn in line for line in lines)
    continued = [line for line in lines if line.startswith(" " * 14) and "word" in line]
    assert continued, "a long message continues on indented lines"


def test_text_is_plain_ascii_without_color_codes():
    out = text.render(report())
    assert "\x1b[" not in out
