"""A baseline: the findings a team has accepted as they stand, so that a pipeline fails only on
new ones. It is a JSON report of an earlier scan (``guardrails scan --format json --output
baseline.json``); a finding whose rule, stack, resource and property path are in it gets status
``baseline``. Messages are not compared (they may name counts or dates that move).

The file is read like the policy file: a regular file only (never a FIFO or a device), at most
``MAX_BASELINE_BYTES``, and every problem is one ``PolicyError`` line naming the file and the
place (``findings[3].rule_id``), never the value found there: a report is data from a scan,
and a hand-edited one may hold anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from guardrails.errors import PolicyError
from guardrails.inputs import MIB, parse_json
from guardrails.policy import read_bounded_text

Key = tuple[str, str, str, str]

#: a JSON report of a large app is a few MiB; the cap keeps a wrong file from filling memory
MAX_BASELINE_BYTES = 64 * MIB
_FIELDS = ("rule_id", "stack", "logical_id", "location")


def key(rule_id: str, stack: str, logical_id: str, location: str) -> Key:
    return (rule_id, stack, logical_id, location)


def load_baseline(path: str | Path) -> frozenset[Key]:
    """The finding keys of a JSON report; a missing, unreadable or malformed file is a policy
    error (a gate that silently ignored its baseline would fail on every accepted finding, and
    one that ignored a broken baseline entry could not say which)."""
    p = Path(path)
    if not os.path.lexists(p):  # never raises: a long or odd name is simply not there
        raise PolicyError(
            f"{p}: baseline file not found; create it with "
            f"`guardrails scan --format json --output {p}`"
        )
    text = read_bounded_text(p, "baseline file", MAX_BASELINE_BYTES)
    doc = _parse(text, p)
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        raise PolicyError(f"{p}: not a guardrails JSON report (no 'findings' list)")
    keys = set()
    for i, finding in enumerate(findings):
        if not isinstance(finding, dict):
            raise PolicyError(
                f"{p}: findings[{i}]: expected an object with rule_id, stack, logical_id and "
                "location; write the baseline with `guardrails scan --format json`"
            )
        values = []
        for name in _FIELDS:
            if name not in finding:
                raise PolicyError(
                    f"{p}: findings[{i}] lacks rule_id, stack, logical_id or location "
                    f"({name} is missing)"
                )
            value = finding[name]
            if not isinstance(value, str):
                raise PolicyError(
                    f"{p}: findings[{i}].{name}: expected a string, as guardrails writes it"
                )
            values.append(value)
        keys.add(key(*values))
    return frozenset(keys)


def _parse(text: str, p: Path) -> Any:
    return parse_json(text, p, "baseline", PolicyError, "not a guardrails JSON report")
