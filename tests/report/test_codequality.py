"""GitLab's Code Quality report: valid against the documented subset of the CodeClimate format
(``codequality.schema.json``), open findings only, stable and unique fingerprints, severities,
paths relative to the run's directory and the line where the resource begins."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from guardrails import engine
from guardrails.engine import Report
from guardrails.model import load
from guardrails.policy import SEVERITIES, Policy
from guardrails.report import FORMATS, WRITERS, codequality, render
from guardrails.report.locations import relative_path
from tests.conftest import TODAY
from tests.report.sample import TEMPLATE, TRACING, finding, report

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "codequality.schema.json"
TEMPLATES = HERE.parent / "templates"
TEMPLATE_FILES = sorted(
    p for kind in ("compliant", "flagged") for p in (TEMPLATES / kind).glob("*.*") if p.is_file()
)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(validator: Draft202012Validator, doc: object) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


def issues(rep: Report, base_dir: str | Path | None = "/work/app") -> list[dict[str, Any]]:
    """The report as GitLab reads it: the writer's text, parsed back."""
    doc: list[dict[str, Any]] = json.loads(codequality.render(rep, base_dir=base_dir))
    return doc


def test_it_is_a_registered_format():
    assert "codequality" in FORMATS
    assert WRITERS["codequality"] is codequality.render
    assert json.loads(render(report(), "codequality")) == codequality.to_codequality(report())


def test_the_schema_rejects_what_gitlab_cannot_read(validator):
    good = issues(report())
    assert problems(validator, good) == []
    for path, value in (
        (("severity",), "high"),
        (("fingerprint",), ""),
        (("location", "lines", "begin"), 0),
        (("location", "path"), None),
    ):
        broken = json.loads(json.dumps(good))
        target = broken[0]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert problems(validator, broken), path
    missing = json.loads(json.dumps(good))
    del missing[0]["check_name"]
    assert problems(validator, missing)


def test_every_template_scan_validates_with_unique_fingerprints(validator):
    total = 0
    for path in TEMPLATE_FILES:
        scanned = engine.scan(load(path), Policy(), today=TODAY)
        doc = issues(scanned, base_dir=TEMPLATES)
        assert problems(validator, doc) == [], path.name
        assert len(doc) == len(scanned.open), path.name
        fingerprints = [issue["fingerprint"] for issue in doc]
        assert len(set(fingerprints)) == len(fingerprints), path.name
        for issue in doc:
            assert issue["location"]["path"] == f"{path.parent.name}/{path.name}"
        total += len(doc)
    assert total > 30


def test_fingerprints_are_stable_across_scans_and_machines(tmp_path):
    path = next(p for p in TEMPLATE_FILES if p.name == "GR-IAM-08-one-role-two-functions.yaml")
    first = issues(engine.scan(load(path), Policy(), today=TODAY))
    copy = tmp_path / "elsewhere" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    second = issues(engine.scan(load(copy), Policy(), today=TODAY))
    assert first and [i["fingerprint"] for i in first] == [i["fingerprint"] for i in second]
    # the message is not part of it: rewording a rule keeps the issue
    reworded = dataclasses.replace(TRACING, message="something else")
    assert codequality.fingerprint_of(reworded) == codequality.fingerprint_of(TRACING)
    # where it is, is
    moved = dataclasses.replace(TRACING, location="Properties/Other")
    assert codequality.fingerprint_of(moved) != codequality.fingerprint_of(TRACING)
    keyed = dataclasses.replace(TRACING, key="src/app.py:12")
    assert codequality.fingerprint_of(keyed) != codequality.fingerprint_of(TRACING)


def test_a_repeated_finding_still_gets_its_own_fingerprint(validator):
    doc = issues(report(findings=(TRACING, TRACING, TRACING)))
    assert problems(validator, doc) == []
    fingerprints = [i["fingerprint"] for i in doc]
    assert len(set(fingerprints)) == 3
    assert fingerprints[0] == codequality.fingerprint_of(TRACING)
    assert fingerprints == [i["fingerprint"] for i in issues(report(findings=(TRACING,) * 3))]


def test_only_open_findings_are_issues():
    doc = issues(report())
    assert [i["check_name"] for i in doc] == ["GR-IAM-04", "GR-OBS-01", "GR-DEP-01"]
    remediated = finding(status="remediated")
    baseline = finding(status="baseline")
    assert issues(report(findings=(remediated, baseline))) == []
    assert issues(Report(findings=(), functions=0, policy=Policy())) == []


def test_severities_map_to_codeclimate_ones():
    assert codequality.SEVERITIES == {
        "critical": "blocker",
        "high": "critical",
        "medium": "major",
        "low": "minor",
        "info": "info",
    }
    assert set(codequality.SEVERITIES) == set(SEVERITIES)
    for severity, expected in codequality.SEVERITIES.items():
        (issue,) = issues(report(findings=(finding(severity=severity),)))
        assert issue["severity"] == expected


def test_an_issue_carries_the_rule_the_text_and_the_place():
    (issue, *_) = issues(report())
    assert issue["type"] == "issue"
    assert issue["check_name"] == "GR-IAM-04"
    assert issue["description"] == (
        "GR-IAM-04 Service-wide wildcard action: Allows s3:* on arn:aws:s3:::orders-bucket/*"
    )
    assert issue["categories"] == ["Security"]
    # /work/app/cdk.out/OrdersStack.template.json does not exist: line 1
    assert issue["location"] == {"path": "cdk.out/OrdersStack.template.json", "lines": {"begin": 1}}


def test_a_template_outside_the_base_keeps_its_absolute_path():
    (issue, *_) = issues(report(), base_dir="/elsewhere")
    assert issue["location"]["path"] == TEMPLATE


def test_relative_paths():
    assert relative_path("/work/app/cdk.out/A.json", "/work/app") == "cdk.out/A.json"
    assert relative_path("/work/app/cdk.out/A.json", "/work/other") == "/work/app/cdk.out/A.json"
    assert relative_path("cdk.out/A.json", "/anywhere") == "cdk.out/A.json"
    assert relative_path(str(Path.cwd() / "x" / "A.json")) == "x/A.json"


def test_a_finding_without_its_file_is_named_by_its_stack(validator):
    doc = issues(report(findings=(finding(template_path=""),)))
    assert problems(validator, doc) == []
    assert doc[0]["location"] == {"path": "OrdersStack", "lines": {"begin": 1}}


def test_lines_point_at_the_resource_when_the_template_is_known(validator):
    path = next(p for p in TEMPLATE_FILES if p.name == "GR-IAM-08-one-role-two-functions.yaml")
    scanned = engine.scan(load(path), Policy(), today=TODAY)
    doc = issues(scanned)
    assert problems(validator, doc) == []
    text = path.read_text(encoding="utf-8").splitlines()
    for issue, found in zip(doc, scanned.open, strict=True):
        line = issue["location"]["lines"]["begin"]
        assert 1 <= line <= len(text)
        if line > 1:  # guardrails.model.lines knows it: the resource's key is on that line
            assert found.logical_id in text[line - 1]


def test_texts_from_the_input_are_cleaned(validator):
    evil = finding(
        rule_id="GR-OBS-01",
        message="PASSED\n\x1b[2J\u202e\udc80",
        stack="S\x07",
        template_path="",
    )
    out = codequality.render(report(findings=(evil,)))
    out.encode("utf-8")
    doc = json.loads(out)
    assert problems(validator, doc) == []
    assert doc[0]["description"].endswith("PASSED\\n\\x1b[2J\\u202e\\udc80")
    assert doc[0]["location"]["path"] == "S\\x07"
