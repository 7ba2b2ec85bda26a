"""The JSON report: exactly the output contract of the rule catalog (``Report.to_json``),
published as a JSON Schema (draft 2020-12) in ``docs/report.schema.json``; the tests validate
real reports against it.

Unlike the other writers it does not ``escape.clean`` the values: a program reads them, so they
stay faithful to the input. ``json.dumps`` (``ensure_ascii``) already writes control characters,
line separators and lone surrogates as ``\\uXXXX`` escapes, so the output is plain ASCII JSON
that no terminal interprets and any parser reads back.
"""

from __future__ import annotations

import json

from guardrails.engine import Report


def render(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"
