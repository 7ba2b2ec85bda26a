"""Make any string safe to print in a report: every character that could forge or break the
output becomes a visible escape (``\\x1b``, ``\\n``, ``\\u2028``, ``\\udc80``).

Why: the strings in a report come from the scanned input. A construct path, a logical id, a stack
name or a value quoted in a message can come from a crafted template; printed as they are, they
could clear or retitle a terminal (``ESC [2J``, ``ESC ]0;...BEL``), start a new line that forges a
``PASSED`` verdict, reorder what a reader sees (bidi overrides, "Trojan Source"), or make the
JUnit XML not well-formed (XML 1.0 cannot carry most C0 controls, even as character references,
nor lone surrogates, which a template's JSON ``"\\udc80"`` escape decodes to). Escaping is lossless
enough to read and keeps every report one finding per line. A literal backslash stays as it is: a
reader can still tell ``\\n`` from a line break, because a real line break is never printed.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guardrails.engine import Finding

#: C0 controls (with TAB, LF, CR), DEL, C1 controls (with NEL), the line and paragraph
#: separators, the bidi embeddings/overrides and isolates, the BOM / zero-width no-break space,
#: lone surrogates, and the noncharacters U+FFFE/U+FFFF (not allowed in XML 1.0 either).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def clean(text: str) -> str:
    """``text`` with every unsafe character replaced by its visible escape (see the module).

    Most strings have nothing to replace, so one ``search`` decides; a non-``str`` value (from
    a caller that did not check) is ``str()``-ed rather than trusted.
    """
    if not isinstance(text, str):
        text = str(text)
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_finding(finding: Finding) -> Finding:
    """A copy of ``finding`` with every field a writer prints cleaned.

    ``template_path`` and ``key`` stay as they are: writers never print them as text (SARIF
    percent-encodes the path into a URI and hashes the key), and cleaning them would change the
    file a URI names and the fingerprint a dashboard tracks.
    """
    return dataclasses.replace(
        finding,
        rule_id=clean(finding.rule_id),
        severity=clean(finding.severity),
        title=clean(finding.title),
        message=clean(finding.message),
        fix=clean(finding.fix),
        stack=clean(finding.stack),
        logical_id=clean(finding.logical_id),
        construct_path=None if finding.construct_path is None else clean(finding.construct_path),
        functions=tuple(clean(f) for f in finding.functions),
        location=clean(finding.location),
        owner=clean(finding.owner),
        status=clean(finding.status),
        reason=None if finding.reason is None else clean(finding.reason),
    )


__all__ = ["clean", "clean_finding"]
