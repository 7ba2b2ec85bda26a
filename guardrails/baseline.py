"""A baseline: the findings a team has accepted as they stand, so that a pipeline fails only on
new ones. It is a JSON report of an earlier scan (``guardrails scan --format json --output
baseline.json``); a finding whose rule, stack, resource and property path are in it gets status
``baseline``. Messages are not compared (they may name counts or dates that move).
"""

from __future__ import annotations

import json
from pathlib import Path

from guardrails.errors import PolicyError

Key = tuple[str, str, str, str]


def key(rule_id: str, stack: str, logical_id: str, location: str) -> Key:
    return (rule_id, stack, logical_id, location)


def load_baseline(path: str | Path) -> frozenset[Key]:
    """The finding keys of a JSON report; a missing or malformed file is a policy error."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(
            f"{p}: baseline file not found; create it with "
            f"`guardrails scan --format json --output {p}`"
        ) from None
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{p}:{exc.lineno}:{exc.colno}: malformed baseline ({exc.msg})") from None
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        raise PolicyError(f"{p}: not a guardrails JSON report (no 'findings' list)")
    keys = set()
    for i, f in enumerate(findings):
        try:
            keys.add(key(f["rule_id"], f["stack"], f["logical_id"], f["location"]))
        except (KeyError, TypeError):
            raise PolicyError(
                f"{p}: findings[{i}] lacks rule_id, stack, logical_id or location"
            ) from None
    return frozenset(keys)
