"""The Markdown report: a summary for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

A heading with the verdict, the open findings counted by severity, a table of the open findings
(at most ``MAX_ROWS`` rows, then "and N more"), the open findings of each function in a
collapsible ``<details>`` block (message, location, fix), the findings that are not open
(remediated, acknowledged, exempted, baseline) counted, then the errors (what was not checked)
and the notices.

Every string from the input goes through ``escape.clean`` (control characters, line breaks and
bidi overrides become visible escapes, so a table row stays on one line), then ``md``: ``&``,
``<`` and ``>`` become character references (no raw HTML from a template reaches the page) and
every other Markdown punctuation gets a backslash (no emphasis, link, code span or table cell
separator from a template). In the ``<summary>`` line, which GitHub reads as HTML, only the
character references apply. Input never starts a line, so it cannot make a heading or a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from guardrails.engine import Finding, Report
from guardrails.policy import SEVERITIES
from guardrails.report.escape import clean
from guardrails.version import __version__

#: rows of the findings table; the rest are counted
MAX_ROWS = 50
#: findings shown in the per-function details, all functions together
MAX_DETAILS = 200
#: errors and notices listed each; the rest are counted
MAX_ITEMS = 50
#: a message in the table is cut after this many characters (the details have it whole)
MESSAGE_WIDTH = 200
#: functions named in one table cell
MAX_FUNCTIONS = 3

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
#: ASCII punctuation with a meaning inside a line of (GitHub-flavoured) Markdown: emphasis,
#: code, links and images, table cells, strikethrough, math, emoji, mentions. Those that only
#: mean something at the start of a line (``-``, ``+``, ``1.``, ``=``) stay: input never starts one.
_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#!|~:@$]")
_STATUSES = ("remediated", "acknowledged", "exempted", "baseline")


def html(text: object) -> str:
    """``text`` cleaned, with ``&``, ``<``, ``>`` and ``"`` as character references."""
    return re.sub(r'[&<>"]', lambda m: _HTML[m.group()], clean(str(text)))


def md(text: object) -> str:
    """``text`` cleaned and escaped for Markdown inline text (a table cell, a list item)."""
    cleaned = clean(str(text))
    escaped = _MARKDOWN.sub(lambda m: "\\" + m.group(), cleaned)
    return re.sub(r'[&<>"]', lambda m: _HTML[m.group()], escaped)


def render(report: Report) -> str:
    lines = [f"## lambda-guardrails: {_verdict(report)}", ""]
    lines.append(_intro(report))
    lines.append("")
    lines.extend(_severity_table(report))
    open_findings = report.open
    if open_findings:
        lines.extend(["", "### Open findings", ""])
        lines.extend(_findings_table(open_findings))
        lines.extend(["", "### By function", ""])
        lines.extend(_details(report, open_findings))
    closed = _closed_counts(report)
    if closed:
        lines.extend(["", "### Not open", ""])
        lines.extend(closed)
    if report.errors:
        lines.extend(["", "### Errors (not checked)", ""])
        lines.extend(_bullets(report.errors, "error"))
    if report.notices:
        lines.extend(["", "### Notices", ""])
        lines.extend(_bullets(report.notices, "notice"))
    lines.extend(["", f"<sub>lambda-guardrails {html(__version__)}</sub>"])
    return "\n".join(lines) + "\n"


def _verdict(report: Report) -> str:
    """``PASSED`` or ``FAILED``, with ``INCOMPLETE`` when something could not be checked."""
    verdict = report.verdict
    if report.blocked_by_errors:
        return f"{verdict} (INCOMPLETE: {_plural(len(report.errors), 'error')})"
    if report.incomplete:
        return f"{verdict} (INCOMPLETE: {_plural(len(report.errors), 'error')} allowed)"
    return verdict


def _intro(report: Report) -> str:
    fail_on = md(report.policy.fail_on)
    failing = len(report.failing)
    parts = [
        f"{_plural(report.functions, 'function')} scanned",
        f"{_plural(len(report.open), 'open finding')}",
    ]
    if fail_on == "none":
        parts.append("`fail_on` is none: findings never fail the run")
    else:
        parts.append(f"{failing} at or above `fail_on` {fail_on}")
    if report.blocked_by_errors:
        parts.append("what could not be checked is never passed")
    text = ", ".join(parts) + "."
    if report.policy.source != "<defaults>":
        text += f" Policy: {md(report.policy.source)}."
    return text


def _severity_table(report: Report) -> list[str]:
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in report.open:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    rows = ["| Severity | Open | Fails the run |", "| --- | ---: | --- |"]
    for severity, n in counts.items():
        fails = "yes" if report.policy.fails(severity) else "no"
        rows.append(f"| {md(severity)} | {n} | {fails} |")
    return rows


def _findings_table(findings: Sequence[Finding]) -> list[str]:
    rows = [
        "| Rule | Severity | Function(s) | Resource | Message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for finding in findings[:MAX_ROWS]:
        cells = (
            md(finding.rule_id),
            md(finding.severity),
            _functions(finding.functions),
            md(finding.logical_id),
            md(_cut(clean(finding.message), MESSAGE_WIDTH)),
        )
        rows.append("| " + " | ".join(cell or "-" for cell in cells) + " |")
    more = len(findings) - MAX_ROWS
    if more > 0:
        rows.extend(["", f"and {_plural(more, 'more open finding')} (see the full report)"])
    return rows


def _functions(functions: Sequence[str]) -> str:
    shown = ", ".join(md(f) for f in functions[:MAX_FUNCTIONS])
    rest = len(functions) - MAX_FUNCTIONS
    return f"{shown} and {rest} more" if rest > 0 else shown


def _details(report: Report, findings: Sequence[Finding]) -> list[str]:
    """One ``<details>`` block per (stack, first affected function), in name order; a finding on
    a shared resource is shown once, under the first function, with "also affects"."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings[:MAX_DETAILS]:
        function = finding.functions[0] if finding.functions else ""
        groups.setdefault((finding.stack, function), []).append(finding)
    lines: list[str] = []
    for (stack, function), group in sorted(groups.items(), key=lambda item: item[0]):
        lines.append("<details>")
        lines.append(f"<summary>{_summary(report, stack, function, group)}</summary>")
        lines.append("")  # the block's body is Markdown again after a blank line
        for finding in group:
            lines.extend(_finding(finding))
        lines.append("")
        lines.append("</details>")
    more = len(findings) - MAX_DETAILS
    if more > 0:
        lines.extend(["", f"and {_plural(more, 'more open finding')} (see the full report)"])
    return lines


def _summary(report: Report, stack: str, function: str, group: list[Finding]) -> str:
    """The ``<summary>`` text: HTML, not Markdown. Lookups use the names as the engine has them;
    only what is printed is cleaned and escaped."""
    name = f"{html(stack)} / {html(function)}" if function else f"{html(stack)} (no function)"
    path = report.function_paths.get((stack, function)) if function else None
    if path:
        name += f" ({html(path)})"
    if function and report.function_owners.get((stack, function)) == "framework":
        name += " [created by the CDK framework]"
    worst = next((s for s in SEVERITIES if any(f.severity == s for f in group)), "")
    count = _plural(len(group), "open finding")
    return f"{name}: {count}" + (f", worst {html(worst)}" if worst else "")


def _finding(finding: Finding) -> list[str]:
    lines = [
        f"- **{md(finding.severity)}** {md(finding.rule_id)} {md(finding.title)}",
        f"  - message: {md(finding.message)}",
        f"  - at: {md(finding.logical_id)} {md(finding.location)}"
        + (f" ({md(finding.construct_path)})" if finding.construct_path else ""),
    ]
    if finding.fix:
        lines.append(f"  - fix: {md(finding.fix)}")
    if len(finding.functions) > 1:
        lines.append(f"  - also affects: {', '.join(md(f) for f in finding.functions[1:])}")
    if finding.reason:  # an open finding can say why it is open again (an expired exemption)
        lines.append(f"  - note: {md(finding.reason)}")
    return lines


def _closed_counts(report: Report) -> list[str]:
    rows = []
    for status in _STATUSES:
        n = sum(1 for f in report.findings if f.status == status)
        if n:
            label = "remediated by the hardening Aspect" if status == "remediated" else status
            rows.append(f"- {n} {label}")
    return rows


def _bullets(items: Iterable[str], noun: str) -> list[str]:
    items = list(items)
    lines = [f"- {md(item)}" for item in items[:MAX_ITEMS]]
    more = len(items) - MAX_ITEMS
    if more > 0:
        lines.append(f"- and {_plural(more, 'more ' + noun)}")
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = ["MAX_ROWS", "html", "md", "render"]
