"""The JSON report: exactly the output contract of the rule catalog (``Report.to_json``)."""

from __future__ import annotations

import json

from guardrails.engine import Report


def render(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"
