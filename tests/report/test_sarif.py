"""The SARIF report: valid SARIF 2.1.0, levels, locations, suppressions, rule descriptors."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from guardrails.engine import Report
from guardrails.policy import Policy
from guardrails.report import sarif
from guardrails.rules import all_rules
from guardrails.rules.base import Rule, registry
from tests.report.sample import TRACING, finding, report, validate_sarif


def results_by_rule(doc: dict) -> dict[str, dict]:
    return {r["ruleId"]: r for r in doc["runs"][0]["results"]}


def test_the_report_validates_against_the_sarif_2_1_0_schema():
    out = sarif.render(report(), base_dir="/work/app")
    doc = json.loads(out)
    validate_sarif(doc)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].startswith("https://")
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lambda-guardrails"
    assert driver["version"] == "1.0.0"
    assert driver["informationUri"].startswith("https://")


def test_an_empty_report_is_valid_too():
    doc = sarif.to_sarif(Report(findings=(), functions=0, policy=Policy()))
    validate_sarif(doc)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_validator_catches_a_broken_log():
    doc = sarif.to_sarif(report(), base_dir="/work/app")
    doc["runs"][0]["results"][0]["level"] = "critical"
    with pytest.raises(AssertionError, match="level"):
        validate_sarif(doc)


def test_levels_follow_severity():
    results = results_by_rule(sarif.to_sarif(report()))
    assert {rule: r["level"] for rule, r in results.items()} == {
        "GR-IAM-04": "error",  # high
        "GR-OBS-01": "warning",  # medium
        "GR-SEC-05": "warning",  # medium
        "GR-CFG-01": "note",  # low
        "GR-DEP-01": "note",  # info
    }
    critical = finding(severity="critical")
    only = sarif.to_sarif(report(findings=(critical,)))["runs"][0]["results"][0]
    assert only["level"] == "error"


def test_acknowledged_and_exempted_findings_carry_suppressions():
    results = results_by_rule(sarif.to_sarif(report()))
    assert results["GR-CFG-01"]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "bursty by design, see ADR-12"}
    ]
    assert results["GR-SEC-05"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "legacy, replaced in Q3"}
    ]
    assert "suppressions" not in results["GR-IAM-04"]
    assert "suppressions" not in results["GR-OBS-01"]


def test_locations_name_the_template_relative_to_the_base_dir_and_the_logical_place():
    result = results_by_rule(sarif.to_sarif(report(), base_dir="/work/app"))["GR-IAM-04"]
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "cdk.out/OrdersStack.template.json"}
    }
    assert location["logicalLocations"] == [
        {
            "name": "OrdersFnServiceRoleDefaultPolicy1A2B3C4D",
            "fullyQualifiedName": "OrdersStack/OrdersFn/ServiceRole/DefaultPolicy/Resource",
            "kind": "resource",
        },
        {
            "name": "Properties/PolicyDocument/Statement/0/Action",
            "fullyQualifiedName": "OrdersStack/OrdersFn/ServiceRole/DefaultPolicy/Resource:"
            "Properties/PolicyDocument/Statement/0/Action",
            "kind": "property",
        },
    ]
    assert result["message"] == {"text": "Allows s3:* on arn:aws:s3:::orders-bucket/*"}
    assert result["properties"]["functions"] == ["OrdersFn5E2A1B2C", "ReportsFn9F8E7D6C"]


def test_a_template_outside_the_base_dir_gets_an_absolute_file_uri(tmp_path):
    result = results_by_rule(sarif.to_sarif(report(), base_dir=tmp_path))["GR-OBS-01"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "file:///work/app/cdk.out/OrdersStack.template.json"


def test_uris_are_escaped(tmp_path):
    spaced = finding(template_path=str(tmp_path / "my app" / "cdk.out" / "S.template.json"))
    doc = sarif.to_sarif(report(findings=(spaced,)), base_dir=tmp_path)
    validate_sarif(doc)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "my%20app/cdk.out/S.template.json"}


def test_a_finding_without_template_path_has_logical_locations_only():
    bare = finding(template_path="", construct_path=None)
    doc = sarif.to_sarif(report(findings=(bare,)))
    validate_sarif(doc)
    (location,) = doc["runs"][0]["results"][0]["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "OrdersStack/OrdersFn5E2A1B2C"


def test_rules_describe_each_rule_with_results_once_and_results_point_at_them():
    doc = sarif.to_sarif(report(findings=(TRACING, dataclasses.replace(TRACING, stack="Other"))))
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["GR-OBS-01"]
    assert [r["ruleIndex"] for r in run["results"]] == [0, 0]
    fingerprints = [r["partialFingerprints"]["guardrailsFinding/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == 2


def test_a_catalog_rule_lends_its_rationale_fix_and_severity(monkeypatch):
    monkeypatch.setitem(
        registry(),
        "GR-OBS-01",
        Rule(
            id="GR-OBS-01",
            title="X-Ray active tracing is off",
            severity="medium",
            rationale="Without traces, a slow dependency is invisible.",
            fix="Pass `tracing=lambda_.Tracing.ACTIVE`.",
            check=lambda fn, ctx: iter(()),
            remediation="safe",
            source_url="https://github.com/lambda-guardrails/lambda-guardrails/blob/main/docs/rules.md#gr-obs-01",
        ),
    )
    doc = sarif.to_sarif(report(findings=(TRACING,)))
    validate_sarif(doc)
    (descriptor,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["shortDescription"] == {"text": "X-Ray active tracing is off"}
    assert descriptor["fullDescription"] == {
        "text": "Without traces, a slow dependency is invisible."
    }
    assert descriptor["help"] == {"text": "Pass `tracing=lambda_.Tracing.ACTIVE`."}
    assert descriptor["helpUri"].endswith("#gr-obs-01")
    assert descriptor["defaultConfiguration"] == {"level": "warning"}
    assert descriptor["properties"]["severity"] == "medium"
    assert "logging and monitoring" in descriptor["properties"]["tags"]


def test_a_rule_missing_from_the_catalog_is_described_from_its_finding():
    odd = finding(rule_id="GR-XYZ-77", title="Made-up rule", fix="Do the thing")
    doc = sarif.to_sarif(report(findings=(odd,)))
    validate_sarif(doc)
    (descriptor,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["shortDescription"] == {"text": "Made-up rule"}
    assert descriptor["help"] == {"text": "Do the thing"}


def test_errors_and_notices_become_tool_notifications():
    (invocation,) = sarif.to_sarif(report())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [
        (n["level"], n["message"]["text"][:24]) for n in invocation["toolExecutionNotifications"]
    ] == [
        ("error", "rule GR-NET-02 failed on"),
        ("note", "policy.yml: exemption of"),
    ]


def test_a_baselined_finding_is_suppressed_and_unchanged():
    known = finding(status="baseline", reason="in the baseline of 2026-10-01")
    doc = sarif.to_sarif(report(findings=(known,)))
    validate_sarif(doc)
    (result,) = doc["runs"][0]["results"]
    assert result["baselineState"] == "unchanged"
    assert result["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "in the baseline of 2026-10-01"}
    ]


def test_the_run_records_the_verdict_and_an_incomplete_scan_never_succeeds():
    blocked = sarif.to_sarif(report("critical"))["runs"][0]
    assert blocked["properties"]["verdict"] == "FAILED"
    allowed = sarif.to_sarif(report("critical", allow_incomplete=True))["runs"][0]
    assert allowed["properties"]["verdict"] == "PASSED"
    assert allowed["invocations"][0]["executionSuccessful"] is False  # still not all checked
    clean = sarif.to_sarif(report("critical", errors=()))["runs"][0]
    assert clean["invocations"][0]["executionSuccessful"] is True
    assert clean["properties"]["verdict"] == "PASSED"
    validate_sarif(sarif.to_sarif(report("critical", allow_incomplete=True)))


DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a markdown file: lower case, punctuation other
    than ``-`` and ``_`` dropped, spaces as ``-``."""
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE)
    }


def test_every_help_uri_is_absolute_https_and_its_anchor_is_in_docs_rules_md():
    rules = all_rules()
    doc = sarif.to_sarif(report(findings=tuple(finding(rule_id=r.id) for r in rules)))
    validate_sarif(doc)
    descriptors = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors] == [r.id for r in rules]
    anchors = github_anchors(DOCS.read_text(encoding="utf-8"))
    for descriptor in descriptors:
        uri = descriptor["helpUri"]
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc) == ("https", "github.com"), uri
        assert uri == f"{sarif.INFORMATION_URI}/blob/main/docs/rules.md#{descriptor['id'].lower()}"
        assert parts.fragment in anchors, f"{uri}: no such heading in docs/rules.md"


def test_a_rule_without_documentation_has_no_help_uri(monkeypatch):
    monkeypatch.setitem(
        registry(),
        "GR-OBS-01",
        Rule(
            id="GR-OBS-01",
            title="X-Ray active tracing is off",
            severity="medium",
            rationale="r",
            fix="f",
            check=lambda fn, ctx: iter(()),
        ),
    )
    (descriptor,) = sarif.to_sarif(report(findings=(TRACING,)))["runs"][0]["tool"]["driver"][
        "rules"
    ]
    assert "helpUri" not in descriptor
