"""GR-CFG-01 on one synthesized app (one stack per case)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs

from tests.conftest import ENV, flagged, function, synth


def _stack(app: cdk.App, name: str) -> cdk.Stack:
    return cdk.Stack(app, name, env=ENV)


def build(app: cdk.App) -> None:
    function(_stack(app, "Reserved"), reserved_concurrent_executions=10)
    function(_stack(app, "Unreserved"))
    function(_stack(app, "ReservedZero"), reserved_concurrent_executions=0)
    s = _stack(app, "ReservedFromParameter")
    limit = cdk.CfnParameter(s, "Concurrency", type="Number", default=0)
    function(s, reserved_concurrent_executions=limit.value_as_number)
    # a framework function beside a compliant user function
    function(
        _stack(app, "WithLogRetention"),
        reserved_concurrent_executions=5,
        log_retention=logs.RetentionDays.THREE_MONTHS,
    )


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def test_function_without_reserved_concurrency_is_flagged(assembly):
    found = flagged(assembly, "GR-CFG-01", "Unreserved")
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location, f.construct_path, f.owner) == (
        "low",
        "Properties/ReservedConcurrentExecutions",
        "Unreserved/Fn/Resource",
        "user",
    )
    assert f.logical_id.startswith("Fn") and f.functions == (f.logical_id,)
    assert f.message == (
        f"Function {f.logical_id} has no reserved concurrency limit "
        "(ReservedConcurrentExecutions is not set): it can take the account's whole unreserved "
        "concurrency."
    )


def test_zero_counts_as_no_limit(assembly):
    found = flagged(assembly, "GR-CFG-01", "ReservedZero")
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location) == ("low", "Properties/ReservedConcurrentExecutions")
    assert f"Function {f.logical_id} has ReservedConcurrentExecutions 0" in f.message
    assert "throttles every invocation" in f.message


@pytest.mark.parametrize("stack", ["Reserved", "ReservedFromParameter"])
def test_a_limit_or_an_undecidable_value_is_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-CFG-01", stack) == []


def test_framework_function_is_reported_at_info(assembly):
    found = flagged(assembly, "GR-CFG-01", "WithLogRetention")
    assert [(f.owner, f.severity) for f in found] == [("framework", "info")]
    assert found[0].logical_id.startswith("LogRetention")
