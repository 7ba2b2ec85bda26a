"""Stages created after ``protect()`` are hardened like the ones created before.

CDK does not carry an app's aspects into a nested ``Stage`` (first test: it visits neither the
stage nor anything in it, and synthesizes the stage before the app's aspects run), so
``protect`` adds the hardening Aspect to every stage it finds, at the call and again when the
app's ``synth()`` is called.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import jsii
import pytest
from constructs import IConstruct

import guardrails
from guardrails import engine
from guardrails.cdk import LambdaGuardrails
from guardrails.cdk.hardening import HardeningScope
from tests.conftest import ENV, function


def orders(stage: cdk.Stage) -> cdk.Stage:
    """A stack with a plain function: no tracing, no log retention... (safe fixes apply)."""
    function(cdk.Stack(stage, "Orders"), "ExportOrders")
    return stage


def by_stage(report: engine.Report, stage: str, status: str) -> list[tuple[str, ...]]:
    """The findings of one stage with that status, with the stage prefix cut off their stack
    and construct path, so that two stages' findings compare."""
    prefix = stage + "/"
    return sorted(
        (f.rule_id, f.stack[len(prefix) :], (f.construct_path or "")[len(prefix) :], f.location)
        for f in report.findings
        if f.status == status and f.stack.startswith(prefix) and "/" not in f.stack[len(prefix) :]
    )


@jsii.implements(cdk.IAspect)
class Recorder:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def visit(self, node: IConstruct) -> None:
        self.paths.append(node.node.path)


def test_cdk_does_not_carry_app_aspects_into_a_nested_stage(tmp_path):
    """What ``protect`` works around: an aspect added to the app never sees a ``Stage`` below
    it, nor any construct in it."""
    app = cdk.App(outdir=str(tmp_path))
    recorder = Recorder()
    cdk.Aspects.of(app).add(recorder)
    function(cdk.Stack(app, "Top"), "Fn")
    orders(cdk.Stage(app, "Prod"))
    app.synth()
    assert "Top/Fn" in recorder.paths
    assert [p for p in recorder.paths if p.startswith("Prod")] == []


def synthesized(
    tmp_path: Path, synth: Callable[[cdk.App], object]
) -> tuple[engine.Report, LambdaGuardrails]:
    app = cdk.App(outdir=str(tmp_path))
    orders(cdk.Stage(app, "Before", env=ENV))
    plugin = guardrails.protect(app, mode="audit", remediate="safe")
    later = orders(cdk.Stage(app, "After", env=ENV))
    orders(cdk.Stage(later, "Inner"))  # a stage in a stage, both created after protect()
    synth(app)
    assert plugin.last_report is not None
    return plugin.last_report, plugin


@pytest.mark.parametrize(
    "synth", [lambda app: app.synth(), guardrails.synth], ids=["app.synth", "guardrails.synth"]
)
def test_a_stage_created_after_protect_gets_the_same_remediations(tmp_path, synth):
    report, _ = synthesized(tmp_path, synth)
    assert not report.errors, report.errors
    before = by_stage(report, "Before", "remediated")
    assert {f[0] for f in before} >= {"GR-OBS-01", "GR-OBS-02"}, before
    assert by_stage(report, "After", "remediated") == before
    assert by_stage(report, "After/Inner", "remediated") == before
    # and what is left open is the same too
    assert by_stage(report, "After", "open") == by_stage(report, "Before", "open")
    assert by_stage(report, "After/Inner", "open") == by_stage(report, "Before", "open")


def test_synthesizing_twice_adds_the_aspect_once(tmp_path):
    """The wrapper runs on every ``synth()``: a stage it already covers is not given the Aspect
    a second time (CDK would run it once anyway; the change log must not double)."""
    app = cdk.App(outdir=str(tmp_path))
    guardrails.protect(app, mode="audit", remediate="safe")
    later = orders(cdk.Stage(app, "After", env=ENV))
    app.synth()
    app.synth()
    # on a construct of its own in the stage, which CDK visits once (not on every construct)
    (scope,) = [c for c in later.node.children if isinstance(c, HardeningScope)]
    assert len(cdk.Aspects.of(scope).all) == 1
    assert cdk.Aspects.of(later).all == []


def test_protect_without_remediate_adds_no_aspect(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    plugin = guardrails.protect(app, mode="audit")
    later = orders(cdk.Stage(app, "After", env=ENV))
    app.synth()
    assert cdk.Aspects.of(later).all == []
    assert plugin.last_report is not None
    assert not [f for f in plugin.last_report.findings if f.status == "remediated"]
