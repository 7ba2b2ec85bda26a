"""Shared test fixtures: synthesize real CDK apps into a temporary cloud assembly and scan them.

Rule tests build one app per module (module-scoped fixtures) and read every case from it, so the
suite stays fast while every case is a real synthesized template.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path

# jsii starts the first `node` on PATH: make it the venv's Node.js 24, and skip CDK's own
# CloudFormation validation plugin (4-8 s per synth) in tests.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("CDK_VALIDATION", "false")

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails import engine
from guardrails.model import Assembly, load
from guardrails.policy import Policy

TODAY = dt.date(2026, 11, 27)
ENV = cdk.Environment(account="123456789012", region="eu-west-1")


def function(scope: cdk.Stack, id: str = "Fn", **kwargs: object) -> lambda_.Function:
    """A small inline Python function; keyword arguments override or add to its props."""
    props: dict[str, object] = {
        "runtime": lambda_.Runtime.PYTHON_3_12,
        "handler": "index.handler",
        "code": lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    }
    props.update(kwargs)
    return lambda_.Function(scope, id, **props)


def logical_id(construct: object) -> str:
    """The logical id CDK gives a construct (or its default child) in its stack's template."""
    cfn = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    stack = cdk.Stack.of(cfn)
    return stack.resolve(stack.get_logical_id(cfn))


def synth(build: Callable[[cdk.App], None], outdir: Path, **app_kwargs: object) -> Assembly:
    """Build an app with ``build(app)``, synthesize it into ``outdir`` and load the assembly."""
    app = cdk.App(outdir=str(outdir), **app_kwargs)
    build(app)
    app.synth()
    return load(outdir)


def findings(
    assembly: Assembly,
    rule_id: str | None = None,
    policy: Policy | None = None,
    today: dt.date = TODAY,
) -> list[engine.Finding]:
    """Findings of one rule (or all) for the assembly, under ``policy`` (defaults)."""
    report = engine.scan(assembly, policy, today=today)
    assert not report.errors, report.errors
    return [f for f in report.findings if rule_id is None or f.rule_id == rule_id]


def flagged(assembly: Assembly, rule_id: str, stack: str, **kwargs: object) -> list[engine.Finding]:
    """Findings of ``rule_id`` in one stack of the assembly."""
    return [f for f in findings(assembly, rule_id, **kwargs) if f.stack == stack]


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
