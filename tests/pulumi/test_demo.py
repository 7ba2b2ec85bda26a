"""The Pulumi demo (``examples/pulumi``): the compliant service has no finding, the legacy one
the CDK demo's legacy findings; through the engine and through the policy pack."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from pulumi.runtime.proto import analyzer_pb2

from guardrails.pulumi import programs, scan_resources
from tests.pulumi.conftest import Pack

DEMO = Path(__file__).resolve().parents[2] / "examples" / "pulumi"
LEGACY_RULES = {
    "GR-CFG-01",
    "GR-DEP-01",
    "GR-DEP-02",
    "GR-IAM-01",
    "GR-IAM-04",
    "GR-IAM-05",
    "GR-IAM-15",
    "GR-INP-01",
    "GR-INP-02",
    "GR-INP-04",
    "GR-INP-06",
    "GR-NET-01",
    "GR-OBS-01",
    "GR-OBS-02",
    "GR-OBS-05",
    "GR-OBS-08",
    "GR-SEC-01",
    "GR-SEC-05",
}


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[ModuleType, ModuleType]]:
    sys.path.insert(0, str(DEMO))
    try:
        yield importlib.import_module("orders"), importlib.import_module("legacy")
    finally:
        sys.path.remove(str(DEMO))


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_the_orders_service_passes_and_the_legacy_one_does_not(
    demo: tuple[ModuleType, ModuleType], preview: bool
) -> None:
    orders, legacy = demo
    compliant = scan_resources(programs.run(orders.build, preview=preview)).report
    assert (compliant.findings, compliant.errors) == ((), ())
    report = scan_resources(programs.run(legacy.build, preview=preview)).report
    assert {f.rule_id for f in report.findings} == LEGACY_RULES
    assert all(legacy.FAKE_DB_PASSWORD not in f.message for f in report.findings)


def test_the_legacy_service_cdk_twin_has_the_same_findings(tmp_path: Path) -> None:
    """The CDK demo's legacy stack, synthesized without the hardening: the same rules, and
    GR-DEP-04 (its code asset's unpinned dependencies, which only the CDK side reads)."""
    import aws_cdk as cdk

    from guardrails import engine
    from guardrails.model import load
    from stacks.legacy_stack import LegacyReportsStack
    from tests.conftest import ENV, TODAY

    outdir = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(outdir))
    LegacyReportsStack(app, "LegacyReports", env=ENV)
    app.synth()
    cdk_rules = {f.rule_id for f in engine.scan(load(outdir), today=TODAY).findings}
    assert cdk_rules == LEGACY_RULES | {"GR-DEP-04"}


def test_the_pack_blocks_the_legacy_service_only(
    demo: tuple[ModuleType, ModuleType], pack: Pack
) -> None:
    orders, legacy = demo
    assert list(pack.analyze_stack(programs.run(orders.build)).diagnostics) == []
    diagnostics = pack.analyze_stack(programs.run(legacy.build)).diagnostics
    mandatory = {d.policyName for d in diagnostics if d.enforcementLevel == analyzer_pb2.MANDATORY}
    assert mandatory == {
        "GR-IAM-01",
        "GR-IAM-04",
        "GR-SEC-01",
        "GR-INP-01",
        "GR-INP-04",
        "GR-DEP-01",
    }
