"""The SARIF 2.1.0 report, for code scanning dashboards (GitHub, Azure DevOps, IDE viewers).

One run. ``tool.driver.rules`` describes the rules that have results; each result points at
the template file (relative to the current directory when it is below it), at the line of the
finding's property in it (``region``; its resource's line when the property is not found, the
resource's lines up to it as ``contextRegion``) when the file's layout shows it
(``guardrails.model.lines``; a SAM-generated resource points at its source), and at logical
locations: the resource (construct path) and the property path. Lines are left out of the
fingerprints, so an alert stays the same alert when a template grows above it. Acknowledged
and exempted findings are results with a ``suppressions`` entry, so dashboards show them as
dismissed with the justification.

Every text from the scanned input (messages, logical locations, justifications, notifications,
property values) goes through ``escape.clean``: ``json.dumps`` keeps the file valid whatever it
holds, but viewers print these texts to terminals and web pages, where a control character or a
bidi override could forge or hide what the reader sees. Template paths are percent-encoded
instead, byte for byte, so a URI still names the file on disk.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

from guardrails import rules as catalog
from guardrails.engine import Finding, Report
from guardrails.model.lines import property_line, resource_line
from guardrails.report.escape import clean, clean_finding
from guardrails.report.rules_doc import REPOSITORY_URL, help_uri
from guardrails.rules.base import CONCERNS
from guardrails.version import __version__

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = REPOSITORY_URL

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
#: GitHub code scanning ranks security alerts by this CVSS-like score (critical > 9, high >= 7...)
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
#: how a finding that is not open is recorded: SARIF suppression kind
SUPPRESSION_KINDS = {"acknowledged": "inSource", "exempted": "external", "baseline": "external"}


def render(report: Report, *, base_dir: str | Path | None = None) -> str:
    return json.dumps(to_sarif(report, base_dir=base_dir), indent=2) + "\n"


def to_sarif(report: Report, *, base_dir: str | Path | None = None) -> dict[str, Any]:
    """The SARIF log as a dict. Template paths are made relative to ``base_dir`` (default: the
    current directory) when they lie below it."""
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    rule_ids = list(dict.fromkeys(f.rule_id for f in report.findings))
    descriptors = [_descriptor(rule_id, report.findings) for rule_id in rule_ids]
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = [_result(f, index[f.rule_id], base) for f in report.findings]
    notifications = [_notification(text, "error") for text in report.errors] + [
        _notification(text, "note") for text in report.notices
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lambda-guardrails",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "invocations": [invocation],
                "results": results,
                "properties": {
                    "functions": report.functions,
                    "fail_on": clean(report.policy.fail_on),
                    "policy": clean(report.policy.source),
                    "verdict": report.verdict,
                },
            }
        ],
    }


def _descriptor(rule_id: str, findings: tuple[Finding, ...]) -> dict[str, Any]:
    """The rule's metadata from the catalog; from its first finding for a rule not in it."""
    rule = catalog.get(rule_id)
    sample = next(f for f in findings if f.rule_id == rule_id)
    title = rule.title if rule else sample.title
    severity = rule.severity if rule else sample.severity
    descriptor: dict[str, Any] = {
        "id": clean(rule_id),
        "shortDescription": {"text": clean(title)},
        "fullDescription": {"text": clean((rule.rationale if rule else "") or title)},
        "help": {"text": clean((rule.fix if rule else sample.fix) or title)},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "severity": severity,
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": ["security", _concern(rule_id)],
        },
    }
    uri = help_uri(rule) if rule else None
    if uri:  # absolute: the rule's section of docs/rules.md in the repository
        descriptor["helpUri"] = uri
    return descriptor


def _concern(rule_id: str) -> str:
    parts = rule_id.split("-")
    return clean(CONCERNS.get(parts[1], parts[1].lower())) if len(parts) == 3 else "other"


def _result(raw: Finding, rule_index: int, base: Path) -> dict[str, Any]:
    """One result: texts from the cleaned finding; the URI and the fingerprint from the finding
    as the engine made it (faithful to the file, stable for the dashboard)."""
    finding = clean_finding(raw)
    resource = finding.construct_path or f"{finding.stack}/{finding.logical_id}"
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": finding.logical_id, "fullyQualifiedName": resource, "kind": "resource"},
            {
                "name": finding.location,
                "fullyQualifiedName": f"{resource}:{finding.location}",
                "kind": "property",
            },
        ]
    }
    if raw.template_path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(raw.template_path, base)}}
        # lines are not in the fingerprint: they shift whenever the template grows
        start = resource_line(raw.template_path, raw.logical_id)
        line = property_line(raw.template_path, raw.logical_id, raw.location)
        if line is not None:
            physical["region"] = {"startLine": line}
            if start is not None and start < line:  # the resource around the property
                physical["contextRegion"] = {"startLine": start, "endLine": line}
        location["physicalLocation"] = physical
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"guardrailsFinding/v1": _fingerprint(raw)},
        "properties": {
            "severity": finding.severity,
            "stack": finding.stack,
            "logical_id": finding.logical_id,
            "construct_path": finding.construct_path,
            "location": finding.location,
            "functions": list(finding.functions),
            "owner": finding.owner,
            "status": finding.status,
        },
    }
    kind = SUPPRESSION_KINDS.get(finding.status)
    if kind:
        result["suppressions"] = [
            {
                "kind": kind,
                "status": "accepted",
                "justification": finding.reason or f"{finding.status} without a reason",
            }
        ]
    if finding.status == "baseline":
        result["baselineState"] = "unchanged"
    if finding.status == "remediated":  # fixed at synth by the hardening Aspect: not an alert
        result["kind"] = "pass"
        result["level"] = "none"
    return result


def _uri(template_path: str, base: Path) -> str:
    """A relative URI when the template is below ``base`` (what code scanning expects), else an
    absolute ``file:`` URI."""
    path = Path(template_path)
    if not path.is_absolute():
        return _quote(path.as_posix())
    try:
        relative = path.relative_to(base.resolve())
    except ValueError:
        try:
            relative = path.relative_to(base.absolute())
        except ValueError:
            try:
                return path.as_uri()  # knows drive letters
            except UnicodeEncodeError:  # a lone surrogate that no file system name decodes to
                return "file://" + _quote(path.as_posix())
    return _quote(relative.as_posix())


def _quote(path: str) -> str:
    """``path`` percent-encoded from its bytes on disk. A file name that is not UTF-8 reaches
    Python as lone surrogates (``surrogateescape``): they become the original bytes (``%80``),
    where ``quote`` would raise; any other lone surrogate keeps its code units
    (``surrogatepass``). Control characters, spaces and ``%`` are encoded like any byte
    that is not unreserved, so the URI stays valid."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = path.encode("utf-8", "surrogatepass")
    return quote_from_bytes(data, safe="/")


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and machines: the rule and where, not the message or the file path."""
    key = "|".join((finding.rule_id, finding.stack, finding.logical_id, finding.location))
    if finding.key:  # several findings at one location (files and lines of a code asset)
        key = f"{key}|{finding.key}"
    # surrogatepass: a lone surrogate from a template must not crash the report; the same
    # strings still hash as before, distinct ones stay distinct
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _notification(text: str, level: str) -> dict[str, Any]:
    return {"level": level, "message": {"text": clean(text)}}


__all__ = ["render", "to_sarif"]
