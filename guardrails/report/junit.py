"""The JUnit XML report, for CI systems that show test results (GitLab, Jenkins, Azure...).

One ``testsuite`` per stack; in it one ``testcase`` per finding (``classname`` = stack and first
affected function): a ``failure`` for an open finding at or above ``fail_on``, ``skipped`` for
an acknowledged, exempted or baselined one, a pass for an open finding below ``fail_on``; and
one passing testcase per function without findings, so a pipeline shows what was checked.
Errors (what could not be checked) and notices go into a last suite named ``lambda-guardrails``:
an error is a testcase with an ``error`` element, so the ``errors`` counts make CI show the run
red, as the exit code does; only when ``--allow-incomplete`` accepts them are they ``skipped``.

Every attribute value and text from the scanned input goes through ``escape.clean``: XML 1.0
cannot carry most C0 controls or lone surrogates at all (not even as character references), so
one crafted name would otherwise make the whole file unreadable to CI.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from guardrails.engine import Finding, Report
from guardrails.report.escape import clean, clean_finding

TOOL = "lambda-guardrails"


def render(report: Report) -> str:
    root = ET.Element("testsuites", name=TOOL)
    stacks = sorted({f.stack for f in report.findings} | {s for s, _ in report.function_owners})
    for stack in stacks:
        suite = ET.SubElement(root, "testsuite", name=clean(stack))
        findings = [f for f in report.findings if f.stack == stack]
        for finding in findings:
            _finding_case(suite, report, finding)
        flagged = {fn for f in findings for fn in f.functions}
        for s, function in sorted(report.function_owners):
            if s == stack and function not in flagged:
                ET.SubElement(
                    suite, "testcase", classname=clean(f"{stack}.{function}"), name="no findings"
                )
        _count(suite)
    if report.errors or report.notices:
        suite = ET.SubElement(root, "testsuite", name=TOOL)
        for error in report.errors:
            _error_case(suite, report, clean(error))
        if report.notices:
            ET.SubElement(suite, "system-out").text = "\n".join(map(clean, report.notices))
        _count(suite)
    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _error_case(suite: ET.Element, report: Report, error: str) -> None:
    """One error (already cleaned): an ``error`` unless ``--allow-incomplete`` accepted it."""
    case = ET.SubElement(suite, "testcase", classname=TOOL, name="could not check")
    if report.allow_incomplete:
        ET.SubElement(case, "skipped", message=f"allowed by --allow-incomplete: {error}")
    else:
        ET.SubElement(case, "error", message=error, type="NotChecked").text = error


def _finding_case(suite: ET.Element, report: Report, raw: Finding) -> None:
    """The testcase of one finding: decided on the finding as the engine made it, written from
    its cleaned copy."""
    fails = raw.status == "open" and report.policy.fails(raw.severity)
    finding = clean_finding(raw)
    function = finding.functions[0] if finding.functions else finding.logical_id
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"{finding.stack}.{function}",
        name=f"{finding.rule_id} {finding.title}: {finding.logical_id} {finding.location}",
    )
    details = "\n".join(
        line
        for line in (
            f"{finding.severity.upper()} {finding.rule_id} {finding.title}",
            finding.message,
            f"at {finding.stack}/{finding.logical_id} {finding.location}",
            f"construct path: {finding.construct_path}" if finding.construct_path else "",
            f"functions: {', '.join(finding.functions)}" if finding.functions else "",
            f"fix: {finding.fix}" if finding.fix else "",
        )
        if line
    )
    if finding.status != "open":
        reason = finding.reason or "no reason given"
        ET.SubElement(case, "skipped", message=f"{finding.status}: {reason}")
    elif fails:
        failure = ET.SubElement(
            case, "failure", message=f"{finding.severity}: {finding.message}", type=finding.rule_id
        )
        failure.text = details
    else:
        ET.SubElement(
            case, "system-out"
        ).text = f"open finding below fail_on ({clean(report.policy.fail_on)}):\n{details}"


def _count(element: ET.Element) -> None:
    """Set tests/failures/errors/skipped on a testsuite (from its testcases) or on testsuites."""
    cases = element.iter("testcase")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in cases:
        totals["tests"] += 1
        totals["failures"] += case.find("failure") is not None
        totals["errors"] += case.find("error") is not None
        totals["skipped"] += case.find("skipped") is not None
    for key, value in totals.items():
        element.set(key, str(value))


__all__ = ["render"]
