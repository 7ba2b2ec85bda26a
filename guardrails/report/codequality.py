"""GitLab's Code Quality report: a JSON array of CodeClimate issues, for the merge request widget
and the pipeline's Code Quality tab (``artifacts: reports: codequality: gl-code-quality.json``).

Only the fields GitLab documents are written, plus CodeClimate's ``type`` and ``categories``:

* ``description``: rule id, title and message; ``check_name``: the rule id;
* ``fingerprint``: SHA-256 of the rule, stack, logical id, property path and the finding's key
  (the recipe of the SARIF ``partialFingerprints``): stable across synths, so GitLab can tell
  new issues from fixed ones between the base and the head of a merge request; unique per issue
  (a repeated recipe, which the engine does not produce, gets a counter);
* ``severity``: mapped from the guardrails severity, see ``SEVERITIES``;
* ``location.path``: the template file, relative to the current directory when it lies below it;
  ``location.lines.begin``: the line where the resource begins in the template file when it is
  known (``guardrails.model.lines.resource_lines``), else 1.

Open findings only: acknowledged, exempted, baseline and remediated findings are not issues, and
GitLab has no way to show a dismissed one. Every text from the input goes through
``escape.clean``, so GitLab's pages show control characters and bidi overrides as visible escapes.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from guardrails.engine import Finding, Report
from guardrails.report.escape import clean
from guardrails.report.locations import relative_path

#: guardrails severity -> CodeClimate severity (GitLab: info, minor, major, critical, blocker).
#: A critical finding blocks, like GitLab's "blocker"; the rest move down one step.
SEVERITIES = {
    "critical": "blocker",
    "high": "critical",
    "medium": "major",
    "low": "minor",
    "info": "info",
}


def render(report: Report, *, base_dir: str | Path | None = None) -> str:
    return json.dumps(to_codequality(report, base_dir=base_dir), indent=2) + "\n"


def to_codequality(report: Report, *, base_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """The issues, one per open finding in report order. Template paths are made relative to
    ``base_dir`` (default: the current directory) when they lie below it."""
    lines = _LineIndex()
    seen: set[str] = set()
    issues = []
    for finding in report.open:
        fingerprint = _unique(fingerprint_of(finding), seen)
        issues.append(_issue(finding, fingerprint, base_dir, lines))
    return issues


def _issue(
    finding: Finding, fingerprint: str, base_dir: str | Path | None, lines: _LineIndex
) -> dict[str, Any]:
    if finding.template_path:
        path = clean(relative_path(finding.template_path, base_dir))
    else:  # a finding built without its file: the stack is the best name there is
        path = clean(finding.stack) or "template"
    description = f"{finding.rule_id} {finding.title}: {finding.message}"
    return {
        "type": "issue",
        "check_name": clean(finding.rule_id),
        "description": clean(description),
        "categories": ["Security"],
        "severity": SEVERITIES.get(finding.severity, "info"),
        "fingerprint": fingerprint,
        "location": {
            "path": path,
            "lines": {"begin": lines.line(finding.template_path, finding.logical_id)},
        },
    }


def fingerprint_of(finding: Finding) -> str:
    """Stable across runs and machines: the rule and where, not the message or the file path."""
    key = "|".join((finding.rule_id, finding.stack, finding.logical_id, finding.location))
    if finding.key:  # several findings at one location (files and lines of a code asset)
        key = f"{key}|{finding.key}"
    return _sha256(key)


def _unique(fingerprint: str, seen: set[str]) -> str:
    """``fingerprint``, or a derived one when an earlier issue has it (deterministic: by order)."""
    candidate, n = fingerprint, 1
    while candidate in seen:
        n += 1
        candidate = _sha256(f"{fingerprint}#{n}")
    seen.add(candidate)
    return candidate


def _sha256(text: str) -> str:
    # surrogatepass: a lone surrogate from a template must not crash the report
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _line_finder() -> Callable[[str], Mapping[str, int]] | None:
    """``guardrails.model.lines.resource_lines`` (template path -> logical id -> 1-based line),
    or None where it is not there: then every issue points at line 1. Imported by name, so the
    writer and its type check work with or without it."""
    try:
        module = importlib.import_module("guardrails.model.lines")
    except ImportError:
        return None
    finder = getattr(module, "resource_lines", None)
    return finder if callable(finder) else None


class _LineIndex:
    """Where each resource begins, read once per template file."""

    def __init__(self) -> None:
        self._find = _line_finder()
        self._files: dict[str, Mapping[str, int]] = {}

    def line(self, template_path: str, logical_id: str) -> int:
        if not template_path or self._find is None:
            return 1
        if template_path not in self._files:
            try:
                self._files[template_path] = self._find(template_path)
            except Exception:  # an unreadable file costs the line number, never the report
                self._files[template_path] = {}
        line = self._files[template_path].get(logical_id)
        return line if isinstance(line, int) and not isinstance(line, bool) and line >= 1 else 1


__all__ = ["SEVERITIES", "fingerprint_of", "render", "to_codequality"]
