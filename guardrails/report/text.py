"""The text report: for a person reading a terminal or a CI log.

Findings are grouped by stack and by function: a header per function, then one block per
finding (severity, rule id and title; the message; where; its status when it is not open). A
finding that affects several functions (a shared role) is listed once, under the first of them,
with "also affects". Notices, errors and a summary with the verdict close the report.

Every string from the scanned input or the engine goes through ``escape.clean`` before it is
printed: a crafted name cannot move the cursor, start a line of its own or forge the verdict,
which is always the last line and the only one that starts with ``PASSED`` or ``FAILED``. A scan
with errors fails closed: what could not be checked is never reported as passed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import cast

from guardrails.engine import Finding, Report
from guardrails.policy import SEVERITIES
from guardrails.report.escape import clean, clean_finding
from guardrails.version import __version__

WIDTH = 100
_SEVERITY_WIDTH = max(len(s) for s in SEVERITIES)
#: where a finding's second and later lines start: under its rule id
_INDENT = " " * (2 + _SEVERITY_WIDTH + 2)
#: the words a CI log is searched for: only the verdict line may start with one of them
_VERDICTS = ("PASSED", "FAILED")


def render(report: Report) -> str:
    lines = [f"lambda-guardrails {__version__}: {_plural(report.functions, 'function')} scanned"]
    # which policy was applied (the CLI describes it in ``Policy.source``); a report built from
    # ``Policy()`` in code has no description to give
    if report.policy.source != "<defaults>":
        lines.append(f"policy: {clean(report.policy.source)}")
    for (stack, function), findings in _groups(report.findings):
        lines.append("")
        lines.append(_header(report, stack, function))
        for finding in findings:
            lines.extend(_finding(finding))
    if report.notices:
        lines.append("")
        lines.append("Notices:")
        lines.extend(_bullet(clean(notice)) for notice in report.notices)
    if report.errors:
        lines.append("")
        lines.append("Errors (not checked):")
        lines.extend(_bullet(clean(error)) for error in report.errors)
    lines.append("")
    lines.extend(_summary(report))
    return "\n".join(lines) + "\n"


def _groups(findings: Iterable[Finding]) -> list[tuple[tuple[str, str], list[Finding]]]:
    """Findings by (stack, first affected function), groups in name order, findings in report
    order (most severe first)."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        function = finding.functions[0] if finding.functions else ""
        groups.setdefault((finding.stack, function), []).append(finding)
    return sorted(groups.items(), key=lambda item: item[0])


def _header(report: Report, stack: str, function: str) -> str:
    """The line above a function's findings. The lookups use the names as the engine has them;
    only what is printed is cleaned."""
    if not function:
        header = f"{clean(stack)} (not tied to one function)"
    else:
        header = f"{clean(stack)} / {clean(function)}"
        path = report.function_paths.get((stack, function))
        if path:
            header += f" ({clean(path)})"
        if report.function_owners.get((stack, function)) == "framework":
            header += " [created by the CDK framework]"
    if header.upper().startswith(_VERDICTS):  # a stack named "PASSED..." must not pass for one
        header = "stack " + header
    return header


def _finding(finding: Finding) -> list[str]:
    finding = clean_finding(finding)
    first = f"  {finding.severity.upper():<{_SEVERITY_WIDTH}}  {finding.rule_id}  {finding.title}"
    lines = [first]
    lines.extend(_wrap(finding.message))
    lines.extend(_wrap(f"at {finding.logical_id} {finding.location}"))
    others = finding.functions[1:]
    if others:
        lines.extend(_wrap("also affects: " + ", ".join(others)))
    if finding.status == "remediated":
        lines.extend(_wrap("REMEDIATED by the hardening Aspect"))
    elif finding.status != "open":
        lines.extend(_wrap(f"{finding.status.upper()}: {finding.reason or 'no reason given'}"))
    elif finding.reason:  # an open finding can carry why it is open again (an expired exemption)
        lines.extend(_wrap(f"note: {finding.reason}"))
    return lines


def _summary(report: Report) -> list[str]:
    open_findings = report.open
    # Report.summary() builds "by_severity" as a dict[str, int] (its return type is looser)
    by_severity = cast(dict[str, int], report.summary()["by_severity"])
    counts = ", ".join(f"{n} {clean(severity)}" for severity, n in by_severity.items())
    parts = [
        _plural(report.functions, "function"),
        _plural(len(open_findings), "open finding") + (f" ({counts})" if counts else ""),
    ]
    for status in ("acknowledged", "exempted", "baseline", "remediated"):
        n = sum(1 for f in report.findings if f.status == status)
        if n:
            parts.append(f"{n} {status}")
    if report.errors:
        parts.append(_plural(len(report.errors), "error"))
    lines = _wrap(", ".join(parts), indent="")
    lines.append(_verdict(report))
    return lines


def _verdict(report: Report) -> str:
    """The last line. ``FAILED`` names every reason (failing findings, errors that block);
    ``PASSED`` with errors says they were allowed, so a bare ``PASSED`` always means a complete
    scan without failing findings."""
    fail_on = clean(report.policy.fail_on)
    failing = report.failing
    errors = _plural(len(report.errors), "error")
    reasons: list[str] = []
    if failing:
        reasons.append(f"{_plural(len(failing), 'open finding')} at or above {fail_on}")
    if report.blocked_by_errors:
        reasons.append(
            f"INCOMPLETE: {errors}: what could not be checked is never passed (see Errors above)"
        )
    elif report.incomplete:
        reasons.append(f"INCOMPLETE: {errors} allowed by --allow-incomplete")
    if report.verdict == "FAILED":
        return "FAILED: " + "; ".join(reasons)
    if reasons:  # errors allowed, nothing failing
        if fail_on == "none":
            reasons.append("fail_on is none: findings never fail the run")
        return f"PASSED ({'; '.join(reasons)})"
    if fail_on == "none":
        return "PASSED (fail_on is none: findings never fail the run)"
    return f"PASSED: no open finding at or above {fail_on}"


def _wrap(text: str, indent: str = _INDENT) -> list[str]:
    # ARNs and paths are never split: a long one overflows rather than breaks.
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  " if indent else "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _bullet(text: str) -> str:
    return "\n".join(
        textwrap.wrap(
            text,
            width=WIDTH,
            initial_indent="  - ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
