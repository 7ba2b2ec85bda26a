"""The JSON report is exactly the catalog's output contract (key names and order)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.engine import Report
from guardrails.policy import Policy
from guardrails.report import json_report
from tests.report.sample import ACKNOWLEDGED, EXEMPTED, SHARED_ROLE, TRACING, report

#: the ```json block of the rule catalog's "Output contract" section (shared/rule-catalog.md),
#: copied verbatim: the tests never read outside the repository
CONTRACT = Path(__file__).resolve().with_name("output-contract.json")


@pytest.fixture(scope="module")
def contract() -> dict:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


def test_keys_and_their_order_match_the_contract(contract):
    out = json.loads(json_report.render(report()))
    assert list(out) == list(contract)
    assert list(out["tool"]) == list(contract["tool"])
    assert list(out["summary"]) == list(contract["summary"])
    for f in out["findings"]:
        assert list(f) == list(contract["findings"][0])


def test_values_come_from_the_findings_and_the_summary_counts_open_ones():
    out = json.loads(json_report.render(report()))
    assert out["tool"] == {"name": "lambda-guardrails", "version": "1.0.0"}
    shared = out["findings"][0]
    assert shared == {
        "rule_id": "GR-IAM-04",
        "severity": "high",
        "title": "Service-wide wildcard action",
        "message": SHARED_ROLE.message,
        "fix": SHARED_ROLE.fix,
        "stack": "OrdersStack",
        "logical_id": "OrdersFnServiceRoleDefaultPolicy1A2B3C4D",
        "construct_path": "OrdersStack/OrdersFn/ServiceRole/DefaultPolicy/Resource",
        "functions": ["OrdersFn5E2A1B2C", "ReportsFn9F8E7D6C"],
        "location": "Properties/PolicyDocument/Statement/0/Action",
        "owner": "user",
        "status": "open",
        "reason": None,
    }
    statuses = {f["rule_id"]: (f["status"], f["reason"]) for f in out["findings"]}
    assert statuses["GR-SEC-05"] == ("exempted", EXEMPTED.reason)
    assert statuses["GR-CFG-01"] == ("acknowledged", ACKNOWLEDGED.reason)
    assert out["summary"] == {
        "functions": 5,
        "open": 3,
        "by_severity": {"high": 1, "medium": 1, "info": 1},
    }
    assert list(out["summary"]["by_severity"]) == ["high", "medium", "info"]
    assert out["errors"] == list(report().errors)


def test_the_absolute_template_path_stays_out_of_the_json():
    out = json_report.render(report())
    assert TRACING.template_path not in out
    assert "template_path" not in out


def test_an_empty_report_is_valid_json_ending_with_a_newline():
    out = json_report.render(Report(findings=(), functions=0, policy=Policy()))
    assert out.endswith("}\n")
    assert json.loads(out) == {
        "tool": {"name": "lambda-guardrails", "version": "1.0.0"},
        "findings": [],
        "summary": {"functions": 0, "open": 0, "by_severity": {}},
        "errors": [],
    }
