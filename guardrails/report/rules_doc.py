"""``docs/rules.md``: the rule documentation, generated from the rules' own metadata.

The same metadata feeds ``guardrails explain``; a test keeps the committed file in sync
(regenerate with ``make docs``).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from guardrails.rules import Rule
from guardrails.rules.base import CONCERNS

_REMEDIATION = {
    "-": "none (fix it in the code)",
    "safe": "safe (applied by the hardening Aspect in remediate mode)",
    "opt-in": "opt-in (applied by the hardening Aspect when the policy asks for it)",
}


def render(rules: Iterable[Rule]) -> str:
    rules = list(rules)
    lines = [
        "# lambda-guardrails rules",
        "",
        "Generated from the rules' metadata by `guardrails rules --format markdown` "
        "(`make docs`); do not edit by hand. `guardrails explain <ID>` prints the same text.",
        "",
        "Messages name resources by logical id and construct path, and quote a value from the "
        "template only when it has the shape its property allows (an enum, an IAM action, an "
        "ARN, an account or Availability Zone id...; see `guardrails/rules/quoting.py`); "
        "anything else is described, not quoted, since a credential can be pasted into any "
        "field. Credentials found are masked. What a rule could not check (an unreadable or "
        "partly read code asset) is an error of the report, which fails the scan.",
        "",
        "| ID | Severity | Fix | Title |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.remediation} | {_cell(r.title)} |"
        for r in rules
    ]
    concern = None
    for r in rules:
        if r.concern != concern:
            concern = r.concern
            code = r.id.split("-")[1]
            lines += ["", f"## GR-{code}: {CONCERNS[code]}"]
        lines += _rule(r)
    return "\n".join(lines).rstrip() + "\n"


def _rule(r: Rule) -> list[str]:
    lines = [
        "",
        f"### {r.id}",
        "",
        f"**{r.title}** - severity `{r.severity}`; automatic fix: "
        f"{_REMEDIATION.get(r.remediation, r.remediation)}.",
        "",
        f"*Why it matters.* {' '.join(r.rationale.split())}",
        "",
        "*What it flags.*",
        "",
        *(inspect.getdoc(r.check) or "").splitlines(),
        "",
        f"*How to fix.* {' '.join(r.fix.split())}",
    ]
    if r.example:
        lines += ["", "```python", *r.example.splitlines(), "```"]
    if r.references:
        refs = "; ".join(f"{name}: `{ref}`" for name, ref in r.references.items())
        lines += ["", f"*Equivalent controls.* {refs}"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
