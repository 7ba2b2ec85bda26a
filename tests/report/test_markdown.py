"""The Markdown report (pull-request comments, ``$GITHUB_STEP_SUMMARY``): the verdict, counts,
tables that stay tables, balanced ``<details>``, and input that cannot inject Markdown or HTML."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from guardrails import engine
from guardrails.engine import Report
from guardrails.model import load
from guardrails.policy import Policy
from guardrails.report import FORMATS, WRITERS, markdown, render
from tests.conftest import TODAY
from tests.report.sample import ACKNOWLEDGED, EXEMPTED, SHARED_ROLE, TRACING, finding, report

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FLAGGED = sorted(p for p in (TEMPLATES / "flagged").glob("*.*") if p.is_file())
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def cells(row: str) -> list[str]:
    """The cells of a GFM table row: split at every ``|`` that no backslash escapes."""
    out, cell, i = [], "", 0
    while i < len(row):
        char = row[i]
        if char == "\\" and i + 1 < len(row):
            cell += row[i : i + 2]
            i += 2
            continue
        if char == "|":
            out.append(cell)
            cell = ""
        else:
            cell += char
        i += 1
    out.append(cell)
    assert out[0].strip() == "" and out[-1].strip() == "", f"row not closed by pipes: {row!r}"
    return [c.strip() for c in out[1:-1]]


def tables(text: str) -> list[list[list[str]]]:
    """Every table: consecutive lines that start with ``|``, each a list of cells."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.split("\n"), ""]:
        if line.startswith("|"):
            current.append(cells(line))
        elif current:
            found.append(current)
            current = []
    return found


def check_structure(text: str) -> None:
    """Valid GFM for a reader: rows as wide as their header, a delimiter row under each header,
    balanced ``<details>``, no raw control characters, no HTML but the writer's own tags."""
    assert text.endswith("\n")
    assert not _CONTROL.search(text), _CONTROL.search(text)
    for table in tables(text):
        header, delimiter, *rows = table
        assert all(re.fullmatch(r"-{3,}:?", c) for c in delimiter), delimiter
        assert len(delimiter) == len(header)
        for row in rows:
            assert len(row) == len(header), row
    opened, closed = text.count("<details>"), text.count("</details>")
    assert opened == closed
    depth = 0
    for line in text.split("\n"):
        depth += line.count("<details>") - line.count("</details>")
        assert 0 <= depth <= 1
    tags = set(re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", text))
    assert tags <= {"details", "summary", "sub"}, tags


def findings_table(text: str) -> list[list[str]]:
    (table,) = [t for t in tables(text) if t[0][0] == "Rule"]
    return table


# -- structure ---------------------------------------------------------------------------------
def test_it_is_a_registered_format():
    assert "markdown" in FORMATS
    assert WRITERS["markdown"] is markdown.render
    assert render(report(), "markdown") == markdown.render(report())


def test_the_sample_report_is_well_formed():
    out = markdown.render(report())
    check_structure(out)
    assert out.count("<details>") == 2  # OrdersFn (shared role, tracing), LogRetention


def test_every_flagged_template_scan_renders_well_formed():
    assert len(FLAGGED) > 30
    rows = 0
    for path in FLAGGED:
        scanned = engine.scan(load(path), Policy(), today=TODAY)
        out = markdown.render(scanned)
        check_structure(out)
        assert out.startswith(f"## lambda-guardrails: {scanned.verdict}"), path.name
        if scanned.open:
            rows += len(findings_table(out)) - 2
            assert out.count("<details>") >= 1, path.name
    assert rows > 30


def test_an_empty_report_has_the_verdict_and_no_findings_table():
    out = markdown.render(Report(findings=(), functions=0, policy=Policy()))
    check_structure(out)
    assert out.splitlines()[0] == "## lambda-guardrails: PASSED"
    assert "Rule" not in out and "<details>" not in out


# -- the verdict ---------------------------------------------------------------------------------
def test_the_heading_says_failed_and_incomplete_when_errors_block():
    first = markdown.render(report()).splitlines()[0]
    assert first == "## lambda-guardrails: FAILED (INCOMPLETE: 1 error)"


def test_allowed_errors_still_say_incomplete():
    out = markdown.render(report(fail_on="critical", allow_incomplete=True))
    assert out.splitlines()[0] == "## lambda-guardrails: PASSED (INCOMPLETE: 1 error allowed)"


def test_a_complete_scan_says_passed_or_failed_alone():
    assert markdown.render(report(errors=())).splitlines()[0] == "## lambda-guardrails: FAILED"
    passed = markdown.render(report(fail_on="critical", errors=()))
    assert passed.splitlines()[0] == "## lambda-guardrails: PASSED"
    assert "0 at or above `fail_on` critical" in passed
    never = markdown.render(report(fail_on="none", errors=()))
    assert never.splitlines()[0] == "## lambda-guardrails: PASSED"
    assert "findings never fail the run" in never


# -- counts and tables ---------------------------------------------------------------------------
def test_open_findings_are_counted_by_severity():
    (table,) = [t for t in tables(markdown.render(report())) if t[0][0] == "Severity"]
    assert table[0] == ["Severity", "Open", "Fails the run"]
    assert table[2:] == [
        ["critical", "0", "yes"],
        ["high", "1", "yes"],
        ["medium", "1", "no"],
        ["low", "0", "no"],
        ["info", "1", "no"],
    ]


def test_the_findings_table_lists_open_findings_only():
    table = findings_table(markdown.render(report()))
    assert table[0] == ["Rule", "Severity", "Function(s)", "Resource", "Message"]
    rules = [row[0].replace("\\", "") for row in table[2:]]
    assert rules == ["GR-IAM-04", "GR-OBS-01", "GR-DEP-01"]
    shared = table[2]
    assert shared[2] == "OrdersFn5E2A1B2C, ReportsFn9F8E7D6C"
    assert shared[3] == "OrdersFnServiceRoleDefaultPolicy1A2B3C4D"
    assert shared[4].replace("\\", "") == "Allows s3:* on arn:aws:s3:::orders-bucket/*"


def test_the_table_is_capped_with_and_n_more():
    many = tuple(finding(logical_id=f"Fn{i:03d}", functions=(f"Fn{i:03d}",)) for i in range(57))
    out = markdown.render(report(findings=many, errors=()))
    check_structure(out)
    assert len(findings_table(out)) - 2 == markdown.MAX_ROWS
    assert "and 7 more open findings" in out
    assert out.count("<details>") == 57


def test_details_per_function_carry_message_location_and_fix():
    out = markdown.render(report())
    block = out.split("<details>")[2]  # OrdersStack / OrdersFn5E2A1B2C (LogRetention sorts first)
    summary = block.split("\n")[1]
    assert summary == (
        "<summary>OrdersStack / OrdersFn5E2A1B2C (OrdersStack/OrdersFn/Resource): "
        "2 open findings, worst high</summary>"
    )
    plain = block.replace("\\", "")
    assert "message: Function OrdersFn has TracingConfig.Mode PassThrough, not Active" in plain
    assert "at: OrdersFn5E2A1B2C Properties/TracingConfig" in plain
    assert "fix: Pass `tracing=lambda_.Tracing.ACTIVE`" in plain
    assert "also affects: ReportsFn9F8E7D6C" in plain
    framework = out.split("<details>")[1].split("\n")[1]
    assert "[created by the CDK framework]" in framework


def test_not_open_findings_errors_and_notices_are_listed():
    remediated = finding(rule_id="GR-OBS-03", status="remediated")
    baseline = finding(rule_id="GR-OBS-04", status="baseline")
    findings = (SHARED_ROLE, TRACING, ACKNOWLEDGED, EXEMPTED, remediated, baseline)
    out = markdown.render(report(findings=findings))
    section = out.split("### Not open")[1].split("###")[0]
    assert section.strip().splitlines() == [
        "- 1 remediated by the hardening Aspect",
        "- 1 acknowledged",
        "- 1 exempted",
        "- 1 baseline",
    ]
    errors = out.split("### Errors (not checked)")[1].split("###")[0].replace("\\", "")
    assert "rule GR-NET-02 failed on OrdersStack/OrdersFn5E2A1B2C: KeyError at graph.py:12" in (
        errors
    )
    notices = out.split("### Notices")[1].replace("\\", "")
    assert "exemption of GR-OBS-02 for 'Legacy/*' expired on 2026-01-31" in notices


# -- hostile input -------------------------------------------------------------------------------
HOSTILE = "a | b <script>alert(1)</script> **bold** `code` ```fence``` [x](https://e.test) & ~~s~~"


def test_a_hostile_message_does_not_break_the_table_or_inject_html():
    evil = finding(
        message=HOSTILE + "\nPASSED\r\x1b[2J\u202e",
        logical_id="Fn|<b>",
        functions=("Fn|<b>", "Other`Fn`"),
        fix="<img src=x onerror=alert(1)>",
        location="Properties/*Env*",
    )
    out = markdown.render(report(findings=(evil, TRACING)))
    check_structure(out)
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    table = findings_table(out)
    assert len(table) == 4
    row = table[2]
    assert row[3] == "Fn\\|&lt;b&gt;"
    assert "&lt;script&gt;" in row[4]
    assert "\\*\\*bold\\*\\*" in row[4] and "\\`code\\`" in row[4]
    assert "\\n" in row[4] and "\\x1b" in row[4] and "\\u202e" in row[4]
    # no line of the report starts with a forged verdict or heading from the input
    assert [line for line in out.split("\n") if line.startswith("#")] == [
        line for line in out.split("\n") if line.startswith(("## lambda-guardrails", "### "))
    ]


@pytest.mark.parametrize("char", list('\\`*_{}[]()#!|~<>&"$:@'))
def test_every_markdown_special_character_is_escaped(char):
    escaped = markdown.md(f"x{char}y")
    assert escaped != f"x{char}y"
    assert escaped in {f"x\\{char}y", "x&lt;y", "x&gt;y", "x&amp;y", "x&quot;y"}


@pytest.mark.parametrize("char", list("-+.=,;/'"))
def test_punctuation_that_only_matters_at_a_line_start_stays(char):
    assert markdown.md(f"x{char}y") == f"x{char}y"


def test_summaries_are_html_escaped_not_markdown_escaped():
    evil = finding(stack="S<tack>&", functions=("F*n",), logical_id="F*n")
    out = markdown.render(
        dataclasses.replace(report(findings=(evil,)), function_paths={("S<tack>&", "F*n"): "a<b"})
    )
    check_structure(out)
    assert (
        "<summary>S&lt;tack&gt;&amp; / F*n (a&lt;b): 1 open finding, worst medium</summary>" in out
    )
