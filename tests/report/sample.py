"""Hand-built findings and reports shared by the report writer tests.

Two stacks, five functions: a finding on a role shared by two functions, an open medium, an
acknowledged and an exempted finding, a framework-owned function, a function without findings,
one notice and one rule error.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker

from guardrails.engine import Finding, Report
from guardrails.policy import Policy

TEMPLATE = "/work/app/cdk.out/OrdersStack.template.json"


def finding(**changes: object) -> Finding:
    base = Finding(
        rule_id="GR-OBS-01",
        severity="medium",
        title="X-Ray active tracing is off",
        message="Function OrdersFn has TracingConfig.Mode PassThrough, not Active",
        fix="Pass `tracing=lambda_.Tracing.ACTIVE`",
        stack="OrdersStack",
        logical_id="OrdersFn5E2A1B2C",
        construct_path="OrdersStack/OrdersFn/Resource",
        functions=("OrdersFn5E2A1B2C",),
        location="Properties/TracingConfig",
        template_path=TEMPLATE,
    )
    return dataclasses.replace(base, **changes)


SHARED_ROLE = finding(
    rule_id="GR-IAM-04",
    severity="high",
    title="Service-wide wildcard action",
    message="Allows s3:* on arn:aws:s3:::orders-bucket/*",
    logical_id="OrdersFnServiceRoleDefaultPolicy1A2B3C4D",
    construct_path="OrdersStack/OrdersFn/ServiceRole/DefaultPolicy/Resource",
    functions=("OrdersFn5E2A1B2C", "ReportsFn9F8E7D6C"),
    location="Properties/PolicyDocument/Statement/0/Action",
)
TRACING = finding()
ACKNOWLEDGED = finding(
    rule_id="GR-CFG-01",
    severity="low",
    title="No reserved concurrency limit",
    message="Function ReportsFn has no ReservedConcurrentExecutions",
    logical_id="ReportsFn9F8E7D6C",
    construct_path="OrdersStack/ReportsFn/Resource",
    functions=("ReportsFn9F8E7D6C",),
    location="Properties",
    status="acknowledged",
    reason="bursty by design, see ADR-12",
)
EXEMPTED = finding(
    rule_id="GR-SEC-05",
    severity="medium",
    title="Environment variables without a customer-managed KMS key",
    message="Function LegacyFn has 3 environment variables and no KmsKeyArn",
    stack="LegacyStack",
    logical_id="LegacyFnA1B2C3D4",
    construct_path="LegacyStack/LegacyFn/Resource",
    functions=("LegacyFnA1B2C3D4",),
    location="Properties/Environment",
    status="exempted",
    reason="legacy, replaced in Q3",
)
FRAMEWORK = finding(
    rule_id="GR-DEP-01",
    severity="info",
    title="Deprecated runtime",
    message="Runtime nodejs18.x is deprecated since 2025-09-01",
    logical_id="LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A",
    construct_path="OrdersStack/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource",
    functions=("LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A",),
    location="Properties/Runtime",
    owner="framework",
)
OWNERS = {
    ("OrdersStack", "OrdersFn5E2A1B2C"): "user",
    ("OrdersStack", "ReportsFn9F8E7D6C"): "user",
    ("OrdersStack", "QuietFnB0B0B0B0"): "user",
    ("OrdersStack", "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A"): "framework",
    ("LegacyStack", "LegacyFnA1B2C3D4"): "user",
}
PATHS = {
    ("OrdersStack", "OrdersFn5E2A1B2C"): "OrdersStack/OrdersFn/Resource",
    ("OrdersStack", "ReportsFn9F8E7D6C"): "OrdersStack/ReportsFn/Resource",
    ("LegacyStack", "LegacyFnA1B2C3D4"): "LegacyStack/LegacyFn/Resource",
}


def report(fail_on: str = "high", **changes: object) -> Report:
    base = Report(
        findings=(SHARED_ROLE, TRACING, EXEMPTED, ACKNOWLEDGED, FRAMEWORK),
        functions=5,
        policy=Policy(fail_on=fail_on),
        notices=("policy.yml: exemption of GR-OBS-02 for 'Legacy/*' expired on 2026-01-31",),
        errors=("rule GR-NET-02 failed on OrdersStack/OrdersFn5E2A1B2C: KeyError at graph.py:12",),
        function_owners=OWNERS,
        function_paths=PATHS,
    )
    return dataclasses.replace(base, **changes)


#: the OASIS SARIF 2.1.0 (errata 01) schema, kept beside the tests so they never read outside
#: the repository; where it comes from and its terms: SARIF-SCHEMA-NOTICE.md
SARIF_SCHEMA = Path(__file__).resolve().with_name("sarif-schema-2.1.0.json")


def _is_uri(value: object) -> bool:
    return isinstance(value, str) and bool(urlsplit(value).scheme) and not _BAD_URI.search(value)


def _is_uri_reference(value: object) -> bool:
    return isinstance(value, str) and bool(value) and not _BAD_URI.search(value)


_BAD_URI = re.compile(r"[\s\\<>\"{}|^`]")


def validate_sarif(doc: dict) -> None:
    """Fail with every schema error of ``doc`` (SARIF 2.1.0, draft-04, uri formats checked)."""
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    checker = FormatChecker()
    checker.checks("uri")(_is_uri)
    checker.checks("uri-reference")(_is_uri_reference)
    validator = Draft4Validator(schema, format_checker=checker)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]
    assert not errors, "\n".join(errors)
