"""Plain CloudFormation templates (JSON and YAML), scanned without CDK, as a team scanning any
template would. Each file under ``templates/flagged`` must raise at least one open finding of
the rule its name starts with (``GR-IAM-05-...yaml``); each under ``templates/compliant`` none.

A template may carry ``Metadata: {GuardrailsTest: {policy: {...}, today: YYYY-MM-DD,
expect: {location: ..., count: N}}}`` to set the policy and date, and pin the finding.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from guardrails import engine
from guardrails.model import load
from guardrails.model.template import load_template
from guardrails.policy import Policy
from guardrails.rules import all_rules
from tests.conftest import TODAY

HERE = Path(__file__).parent / "templates"
RULE_ID = re.compile(r"^(GR-[A-Z]{3}-\d{2})")


def cases(kind: str) -> list[Path]:
    return sorted(p for p in (HERE / kind).iterdir() if p.suffix in (".json", ".yaml", ".yml"))


def scan(path: Path) -> tuple[str, list[engine.Finding], dict]:
    rule_id = RULE_ID.match(path.name).group(1)
    settings = (load_template(path).get("Metadata") or {}).get("GuardrailsTest") or {}
    policy = Policy.from_mapping(settings.get("policy") or {}, source=str(path))
    today = dt.date.fromisoformat(str(settings["today"])) if "today" in settings else TODAY
    report = engine.scan(load(path), policy, today=today)
    assert not report.errors, report.errors
    return rule_id, [f for f in report.open if f.rule_id == rule_id], settings.get("expect") or {}


@pytest.mark.parametrize("path", cases("flagged"), ids=lambda p: p.name)
def test_flagged(path: Path) -> None:
    rule_id, found, expect = scan(path)
    assert found, f"{path.name}: expected an open {rule_id} finding"
    if "count" in expect:
        assert len(found) == expect["count"], [f.location for f in found]
    if "location" in expect:
        assert expect["location"] in {f.location for f in found}
    if "severity" in expect:
        assert {f.severity for f in found} == {expect["severity"]}


@pytest.mark.parametrize("path", cases("compliant"), ids=lambda p: p.name)
def test_compliant(path: Path) -> None:
    _, found, _ = scan(path)
    assert not found, [f"{f.rule_id} {f.logical_id} {f.location}: {f.message}" for f in found]


def test_every_rule_has_a_flagged_and_a_compliant_template() -> None:
    ids = {r.id for r in all_rules()}
    flagged = {RULE_ID.match(p.name).group(1) for p in cases("flagged")}
    compliant = {RULE_ID.match(p.name).group(1) for p in cases("compliant")}
    assert ids - flagged == set(), "rules without a flagged template"
    assert ids - compliant == set(), "rules without a compliant template"
