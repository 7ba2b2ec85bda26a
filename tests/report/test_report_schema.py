"""The JSON report's published contract, ``docs/report.schema.json`` (JSON Schema 2020-12).

Real reports validate against it: the scan of every template under ``tests/templates`` and a
synthesized app whose findings have every status (open, acknowledged, exempted, baseline,
remediated) and both owners. So does the catalog's own example (``output-contract.json``). The
schema is closed where the contract is, and its enums are the engine's.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from jsonschema import Draft202012Validator, FormatChecker

from guardrails import engine
from guardrails.cdk import LambdaHardening
from guardrails.model import Assembly, load
from guardrails.policy import SEVERITIES, Policy
from guardrails.report import json_report
from tests.conftest import ENV, TODAY, function
from tests.report.sample import report as sample_report

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "docs" / "report.schema.json"
CONTRACT = Path(__file__).resolve().with_name("output-contract.json")
TEMPLATES = REPO / "tests" / "templates"
#: every file a template test scans (the ``assets`` folders hold code, not templates)
TEMPLATE_FILES = sorted(
    p for kind in ("compliant", "flagged") for p in (TEMPLATES / kind).glob("*.*") if p.is_file()
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def problems(validator: Draft202012Validator, doc: object) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


def as_json(report: engine.Report) -> dict[str, Any]:
    """The report as a program reads it: the JSON writer's text, parsed back."""
    doc: dict[str, Any] = json.loads(json_report.render(report))
    return doc


# -- the schema itself -----------------------------------------------------------------------
def test_the_schema_is_draft_2020_12_and_closed(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    finding = schema["$defs"]["finding"]
    for closed in (schema, schema["properties"]["tool"], schema["properties"]["summary"], finding):
        assert closed["additionalProperties"] is False
        assert set(closed["required"]) == set(closed["properties"])


def test_the_schema_names_exactly_the_keys_and_values_the_engine_writes(schema):
    doc = as_json(sample_report())
    assert list(schema["properties"]) == list(doc)
    assert list(schema["properties"]["tool"]["properties"]) == list(doc["tool"])
    assert list(schema["properties"]["summary"]["properties"]) == list(doc["summary"])
    finding = schema["$defs"]["finding"]
    assert finding["required"] == list(finding["properties"]) == list(doc["findings"][0])
    assert schema["$defs"]["severity"]["enum"] == list(SEVERITIES)
    assert finding["properties"]["status"]["enum"] == list(engine.STATUSES)
    assert finding["properties"]["owner"]["enum"] == ["user", "framework"]


def test_the_catalog_example_validates(validator):
    assert problems(validator, json.loads(CONTRACT.read_text(encoding="utf-8"))) == []


def test_the_sample_reports_validate(validator):
    assert problems(validator, as_json(sample_report())) == []
    empty = engine.Report(findings=(), functions=0, policy=Policy())
    assert problems(validator, as_json(empty)) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(extra=1), "<root>"),
        (lambda d: d["tool"].update(url="https://example.com"), "tool"),
        (lambda d: d["summary"]["by_severity"].update(urgent=1), "summary/by_severity"),
        (lambda d: d["summary"].pop("open"), "summary"),
        (lambda d: d["findings"][0].update(template_path="/tmp/t.json"), "findings/0"),
        (lambda d: d["findings"][0].update(status="fixed"), "findings/0/status"),
        (lambda d: d["findings"][0].update(severity="urgent"), "findings/0/severity"),
        (lambda d: d["findings"][0].update(owner="aws"), "findings/0/owner"),
        (lambda d: d["findings"][0].update(construct_path=7), "findings/0/construct_path"),
        (lambda d: d["findings"][0].update(functions="OrdersFn"), "findings/0/functions"),
        (lambda d: d["findings"][0].pop("reason"), "findings/0"),
        (lambda d: d["errors"].append({"text": "x"}), "errors/1"),
    ],
)
def test_what_is_not_the_contract_is_rejected(validator, change, where):
    doc = as_json(sample_report())
    change(doc)
    found = problems(validator, doc)
    assert found and all(p.startswith(f"{where}:") for p in found), found


# -- real reports: template scans ------------------------------------------------------------
def test_there_are_templates_to_scan():
    assert len(TEMPLATE_FILES) > 50


def test_the_json_report_of_every_template_scan_validates(validator):
    null_paths = 0
    for path in TEMPLATE_FILES:
        doc = as_json(engine.scan(load(path), Policy(), today=TODAY))
        assert problems(validator, doc) == [], path.name
        null_paths += sum(f["construct_path"] is None for f in doc["findings"])
    assert null_paths, "no finding without a construct path: the null case is not exercised"


# -- real reports: a synthesized app with every status ---------------------------------------
#: the policy of the final scan: an override, an exemption (the baseline is added per test)
OVERRIDE = {"GR-OBS-01": {"severity": "high"}}
EXEMPTION = {"rule": "GR-OBS-01", "resource": "Orders/Legacy", "reason": "retired in Q3"}


def build(app: cdk.App) -> None:
    """``Orders``: plain functions, one acknowledging GR-OBS-01, one exempted by the policy,
    one with a log retention (a framework function). ``Hardened``: a function and an
    ``AwsCustomResource`` (whose provider is a framework function) under the hardening Aspect,
    framework functions included, so that its fixes are reported as remediated."""
    orders = cdk.Stack(app, "Orders", env=ENV)
    function(orders, "Api")
    acked = function(orders, "Acked", log_retention=logs.RetentionDays.ONE_WEEK)
    cdk.Validations.of(acked).acknowledge(
        cdk.Acknowledgment(id="lambda-guardrails::GR-OBS-01", reason="traced by the vendor agent")
    )
    function(orders, "Legacy")
    hardened = cdk.Stack(app, "Hardened", env=ENV)
    function(hardened, "Fn")
    cr.AwsCustomResource(
        hardened,
        "Lookup",
        on_create=cr.AwsSdkCall(
            service="SSM",
            action="getParameter",
            parameters={"Name": "/app/version"},
            physical_resource_id=cr.PhysicalResourceId.of("app-version"),
        ),
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
            resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
        ),
    )
    cdk.Aspects.of(hardened).add(
        LambdaHardening(Policy.coerce({"framework": {"remediate": True}})),
        priority=cdk.AspectPriority.MUTATING,
    )


@pytest.fixture(scope="module")
def app_assembly(module_tmp: Path) -> Assembly:
    app = cdk.App(outdir=str(module_tmp / "cdk.out"))
    build(app)
    app.synth()
    return load(module_tmp / "cdk.out")


@pytest.fixture(scope="module")
def every_status(app_assembly: Assembly, module_tmp: Path) -> engine.Report:
    """The app scanned with a baseline that holds one open finding of a first scan."""
    first = engine.scan(app_assembly, Policy.from_mapping({"rules": OVERRIDE}), today=TODAY)
    known = next(
        f
        for f in first.findings
        if f.status == "open" and f.stack == "Orders" and f.rule_id == "GR-IAM-14"
    )
    baseline = module_tmp / "baseline.json"
    doc = as_json(dataclasses.replace(first, findings=(known,)))
    baseline.write_text(json.dumps(doc), encoding="utf-8")
    policy = Policy.from_mapping(
        {"rules": OVERRIDE, "exemptions": [EXEMPTION], "baseline": str(baseline)}
    )
    return engine.scan(app_assembly, policy, today=TODAY)


def test_the_app_report_has_every_status_and_owner(every_status):
    assert {f.status for f in every_status.findings} == set(engine.STATUSES)
    assert {f.owner for f in every_status.findings} == {"user", "framework"}
    assert not every_status.errors, every_status.errors


def test_the_app_report_validates(validator, every_status):
    doc = as_json(every_status)
    assert problems(validator, doc) == []
    statuses = {f["status"]: f for f in doc["findings"]}
    assert statuses["acknowledged"]["reason"] == "traced by the vendor agent"
    assert statuses["exempted"]["reason"] == "retired in Q3"
    assert statuses["baseline"]["reason"] == "in the baseline"
    assert statuses["open"]["reason"] is None or "expired" in statuses["open"]["reason"]


def test_a_remediated_finding_takes_the_policy_severity_override(every_status):
    """Item: ``rules: {GR-OBS-01: {severity: high}}`` applies to what the Aspect fixed too,
    and framework-owned functions are lowered as for open findings."""
    tracing = {
        f.owner: f
        for f in every_status.findings
        if f.rule_id == "GR-OBS-01" and f.status == "remediated"
    }
    assert tracing["user"].severity == "high"  # the rule's own is medium
    assert tracing["framework"].severity == "info"  # framework.severity wins, as when open
    open_tracing = [
        f for f in every_status.findings if f.rule_id == "GR-OBS-01" and f.status == "open"
    ]
    assert {f.severity for f in open_tracing if f.owner == "user"} == {"high"}


def test_without_an_override_a_remediated_finding_has_the_rule_severity(app_assembly):
    report = engine.scan(app_assembly, Policy(), today=TODAY)
    remediated = [
        f
        for f in report.findings
        if f.rule_id == "GR-OBS-01" and f.status == "remediated" and f.owner == "user"
    ]
    assert remediated and {f.severity for f in remediated} == {"medium"}


def test_a_change_log_entry_gets_the_override_without_a_synth():
    """The engine alone: a change log entry for a function the assembly does not hold."""
    change = {
        "rule": "GR-OBS-01",
        "construct_path": "S/Fn/Resource",
        "property": "TracingConfig.Mode",
        "before": "PassThrough",
        "after": "Active",
        "stack": "S",
    }
    assembly = Assembly(stacks=(), remediations=(change,))
    policy = Policy.from_mapping({"rules": {"GR-OBS-01": {"severity": "low"}}})
    (finding,) = engine.scan(assembly, policy, today=TODAY).findings
    assert (finding.status, finding.severity) == ("remediated", "low")
    (default,) = engine.scan(assembly, Policy(), today=TODAY).findings
    assert default.severity == "medium"
