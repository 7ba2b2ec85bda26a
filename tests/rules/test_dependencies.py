"""GR-DEP rules on one synthesized app (one stack per case), "today" = 2026-11-27 unless given."""

import datetime as dt

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_

from guardrails.policy import Policy
from tests.conftest import ENV, flagged, function, synth

RULE = "GR-DEP-01"


def _fn(stack, runtime, id="Fn"):
    return function(stack, id, runtime=runtime)


def build(app: cdk.App) -> None:
    _fn(cdk.Stack(app, "Blocked", env=ENV), lambda_.Runtime.PYTHON_3_7)
    _fn(cdk.Stack(app, "Py38", env=ENV), lambda_.Runtime.PYTHON_3_8)
    _fn(cdk.Stack(app, "Node18", env=ENV), lambda_.Runtime.NODEJS_18_X)
    _fn(cdk.Stack(app, "Py312", env=ENV), lambda_.Runtime.PYTHON_3_12)
    _fn(cdk.Stack(app, "Soon", env=ENV), lambda_.Runtime.NODEJS_22_X)
    _fn(
        cdk.Stack(app, "Newer", env=ENV),
        lambda_.Runtime("python3.99", lambda_.RuntimeFamily.PYTHON, supports_inline_code=True),
    )

    image = cdk.Stack(app, "Image", env=ENV)
    lambda_.DockerImageFunction(
        image,
        "Fn",
        code=lambda_.DockerImageCode.from_ecr(
            ecr.Repository.from_repository_name(image, "Repo", "app")
        ),
    )

    token = cdk.Stack(app, "Token", env=ENV)
    param = cdk.CfnParameter(token, "RuntimeId", default="python3.8")
    fn = _fn(token, lambda_.Runtime.PYTHON_3_12)
    fn.node.default_child.add_property_override("Runtime", param.value_as_string)


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def _one(assembly, stack, **kwargs):
    found = flagged(assembly, RULE, stack, **kwargs)
    assert len(found) == 1, found
    f = found[0]
    assert f.construct_path == f"{stack}/Fn/Resource"
    assert f.location == "Properties/Runtime"
    assert f.functions == (f.logical_id,)
    return f


def test_creation_blocked_is_critical(assembly):
    f = _one(assembly, "Blocked")
    assert f.severity == "critical"
    assert f.logical_id.startswith("Fn")
    assert "python3.7" in f.message
    assert "blocked creating functions with it since 2024-01-09" in f.message
    assert "updates have been blocked since 2025-11-01" in f.message
    assert "Move to python3.14" in f.message


@pytest.mark.parametrize(
    ("stack", "runtime", "deprecated"),
    [("Py38", "python3.8", "2024-10-14"), ("Node18", "nodejs18.x", "2025-09-01")],
)
def test_deprecated_but_creatable_is_high(assembly, stack, runtime, deprecated):
    # AWS moved the block dates of these runtimes to 2027-02-01 / 2027-03-03 in 2026
    f = _one(assembly, stack)
    assert f.severity == "high"
    assert f"Runtime {runtime} has been deprecated since {deprecated}" in f.message
    assert "blocks creating functions with it from 2027-02-01" in f.message
    assert "updates are blocked from 2027-03-03" in f.message


def test_deprecation_within_warning_days_is_medium(assembly):
    f = _one(assembly, "Soon")
    assert f.severity == "medium"
    assert "nodejs22.x is deprecated on 2027-04-30 (in 154 days)" in f.message
    assert "Move to nodejs24.x" in f.message


def test_supported_runtime_is_not_flagged(assembly):
    assert flagged(assembly, RULE, "Py312") == []


@pytest.mark.parametrize("stack", ["Image", "Token", "Newer"])
def test_image_token_and_unknown_runtimes_are_silent(assembly, stack):
    assert flagged(assembly, RULE, stack) == []


@pytest.mark.parametrize(
    ("today", "severity", "text"),
    [
        (dt.date(2024, 1, 1), None, None),  # 609 days before deprecation
        (dt.date(2025, 6, 1), "medium", "deprecated on 2025-09-01 (in 92 days)"),
        (dt.date(2025, 9, 1), "high", "deprecated since 2025-09-01"),  # the day itself counts
        (dt.date(2027, 1, 31), "high", "from 2027-02-01"),
        (dt.date(2027, 2, 1), "critical", "since 2027-02-01; updates are blocked from 2027-03-03"),
        (dt.date(2027, 3, 3), "critical", "updates have been blocked since 2027-03-03"),
    ],
)
def test_injected_today_moves_a_runtime_between_cases(assembly, today, severity, text):
    found = flagged(assembly, RULE, "Node18", today=today)
    if severity is None:
        assert found == []
        return
    assert [f.severity for f in found] == [severity]
    assert text in found[0].message


def test_runtime_warning_days_from_the_policy(assembly):
    assert flagged(assembly, RULE, "Soon", policy=Policy(runtime_warning_days=90)) == []
    assert flagged(assembly, RULE, "Soon", policy=Policy(runtime_warning_days=0)) == []
    longer = flagged(assembly, RULE, "Py312", policy=Policy(runtime_warning_days=730))
    assert [(f.severity, f.location) for f in longer] == [("medium", "Properties/Runtime")]
    assert "python3.12 is deprecated on 2028-10-31 (in 704 days)" in longer[0].message


def test_policy_severity_override_replaces_the_case_severity(assembly):
    policy = Policy.from_mapping({"rules": {RULE: {"severity": "low"}}})
    assert [f.severity for f in flagged(assembly, RULE, "Blocked", policy=policy)] == ["low"]
