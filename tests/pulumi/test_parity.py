"""The same rules fire on each architecture of the parity table, written with the CDK and with
Pulumi (``tests/pulumi/parity.py``)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from guardrails import engine
from guardrails.model import Assembly
from guardrails.policy import Policy
from guardrails.pulumi import programs, scan_resources
from tests.conftest import ENV, TODAY, synth
from tests.pulumi.parity import TABLE, Architecture


def _stack(i: int) -> str:
    return f"Parity{i:02d}"


@pytest.fixture(scope="module")
def cdk_assembly(module_tmp: Path) -> Assembly:
    def build(app: cdk.App) -> None:
        for i, row in enumerate(TABLE):
            row.cdk(cdk.Stack(app, _stack(i), env=ENV))

    return synth(build, module_tmp / "cdk.out")


def _rules(findings: tuple[engine.Finding, ...] | list[engine.Finding]) -> list[str]:
    return sorted({f"{f.rule_id} {f.severity}" for f in findings if f.status == "open"})


@pytest.mark.parametrize("index", range(len(TABLE)), ids=[row.name for row in TABLE])
def test_same_rules_in_cdk_and_pulumi(cdk_assembly: Assembly, index: int) -> None:
    row: Architecture = TABLE[index]
    policy = Policy.from_mapping(row.policy)
    cdk_report = engine.scan(cdk_assembly, policy, today=TODAY)
    cdk_rules = _rules([f for f in cdk_report.findings if f.stack == _stack(index)])
    pulumi_report = scan_resources(programs.run(row.pulumi), policy, today=TODAY).report
    assert not pulumi_report.errors, pulumi_report.errors
    assert _rules(pulumi_report.findings) == cdk_rules
    if row.rule != "-":
        assert row.rule in {r.split()[0] for r in cdk_rules}
        base = _rules([f for f in cdk_report.findings if f.stack == _stack(0)])
        assert row.rule not in {r.split()[0] for r in base} or row.policy


def test_the_table_covers_every_concern() -> None:
    assert len([row for row in TABLE if row.rule != "-"]) >= 12
    concerns = {row.concern for row in TABLE}
    for concern in ("least privilege", "secrets", "front doors", "monitoring", "dependencies",
                    "network", "automated compliance"):  # fmt: skip
        assert concern in concerns


def test_docs_show_the_table() -> None:
    """docs/pulumi.md's parity table lists the rows of the table the tests run."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "pulumi.md").read_text()
    table = docs.split("<!-- parity-table -->")[1].split("<!-- /parity-table -->")[0]
    rows = [line.split("|")[1:4] for line in table.strip().splitlines()[2:]]
    shown = [tuple(cell.strip() for cell in row) for row in rows]
    assert shown == [(row.name, row.concern, row.rule) for row in TABLE if row.rule != "-"]
