"""Report writers: each turns an ``engine.Report`` into the text of one output format.

Every writer is a pure function ``render(report) -> str`` (the text ends with a newline). They
print only what the findings carry: rules mask secret values in their messages, writers add none.
The text, JUnit and SARIF writers pass every string from the input through ``escape.clean``, so a
crafted template cannot put terminal escapes, extra lines or XML-breaking characters in a report;
each shows the fail-closed verdict (``Report.verdict``: errors fail the run unless allowed).
The Markdown writer (pull-request comments, ``$GITHUB_STEP_SUMMARY``) also escapes Markdown and
HTML; the GitLab Code Quality writer lists the open findings as CodeClimate issues.
"""

from __future__ import annotations

from collections.abc import Callable

from guardrails.engine import Report
from guardrails.report import codequality, json_report, junit, markdown, sarif, text

#: format name (the CLI's ``--format``) -> writer
WRITERS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "codequality": codequality.render,
}

FORMATS = tuple(WRITERS)


def render(report: Report, fmt: str = "text") -> str:
    """The report in ``fmt`` (one of ``FORMATS``)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return writer(report)


__all__ = ["FORMATS", "WRITERS", "render"]
