"""GR-OBS rules on one synthesized app (one stack per case), plus plain templates for the cases
CDK does not write."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from guardrails.model import load
from tests.conftest import ENV, findings, flagged, function, synth


def _stack(app, name):
    return cdk.Stack(app, name, env=ENV)


def build(app: cdk.App) -> None:
    # GR-OBS-01
    function(_stack(app, "Active"), tracing=lambda_.Tracing.ACTIVE)
    function(_stack(app, "Default"))
    function(_stack(app, "PassThrough"), tracing=lambda_.Tracing.PASS_THROUGH)
    s = _stack(app, "TracingToken")
    mode = cdk.CfnParameter(s, "TracingMode", default="PassThrough")
    function(s).node.default_child.add_property_override("TracingConfig.Mode", mode.value_as_string)

    # GR-OBS-02: every CDK form of a log group with retention...
    function(_stack(app, "LogRetentionProp"), log_retention=logs.RetentionDays.ONE_WEEK)
    s = _stack(app, "LogGroupProp")
    function(s, log_group=logs.LogGroup(s, "Logs", retention=logs.RetentionDays.ONE_MONTH))
    s = _stack(app, "ByFixedName")
    function(s, function_name="orders-handler")
    logs.LogGroup(
        s,
        "Logs",
        log_group_name="/aws/lambda/orders-handler",
        retention=logs.RetentionDays.ONE_MONTH,
    )
    s = _stack(app, "ByJoinedName")
    fn = function(s)
    logs.LogGroup(
        s,
        "Logs",
        log_group_name=cdk.Fn.join("", ["/aws/lambda/", fn.function_name]),
        retention=logs.RetentionDays.ONE_MONTH,
    )
    s = _stack(app, "ByConcatenatedName")
    fn = function(s)
    logs.LogGroup(
        s, "Logs", log_group_name="/aws/lambda/" + fn.function_name
    )  # CDK default: 2 years

    # ... and the ones without
    function(_stack(app, "NoLogGroup"))
    s = _stack(app, "OtherName")  # a trap: a log group for another function's name
    function(s, function_name="orders-handler")
    logs.LogGroup(
        s,
        "Logs",
        log_group_name="/aws/lambda/orders-handler-v2",
        retention=logs.RetentionDays.ONE_DAY,
    )
    s = _stack(app, "NeverExpires")
    function(s, log_group=logs.LogGroup(s, "Logs", retention=logs.RetentionDays.INFINITE))
    function(_stack(app, "LogRetentionInfinite"), log_retention=logs.RetentionDays.INFINITE)

    # undecidable
    s = _stack(app, "ImportedLogGroup")
    function(s, log_group=logs.LogGroup.from_log_group_name(s, "Shared", "shared-lambda-logs"))
    s = _stack(app, "RetentionToken")
    days = cdk.CfnParameter(s, "RetentionDays", type="Number", default=30)
    group = logs.LogGroup(s, "Logs")
    group.node.default_child.add_property_override("RetentionInDays", days.value_as_number)
    function(s, log_group=group)


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


def _user(found):
    """Findings on the user's functions (log retention also adds a framework function)."""
    return [f for f in found if f.owner == "user"]


# -- GR-OBS-01 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stack", "why"),
    [
        ("Default", "TracingConfig is not set, so PassThrough"),
        ("PassThrough", "TracingConfig.Mode is PassThrough"),
    ],
)
def test_tracing_off_is_flagged(assembly, stack, why):
    found = flagged(assembly, "GR-OBS-01", stack)
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location, f.construct_path) == (
        "medium",
        "Properties/TracingConfig/Mode",
        f"{stack}/Fn/Resource",
    )
    assert f.logical_id.startswith("Fn")
    assert f.message == f"Function {f.logical_id} does not trace requests with X-Ray ({why})."


def test_active_tracing_is_not_flagged(assembly):
    assert flagged(assembly, "GR-OBS-01", "Active") == []


def test_tracing_mode_from_a_parameter_is_silent(assembly):
    assert flagged(assembly, "GR-OBS-01", "TracingToken") == []


def test_framework_function_without_tracing_is_reported_at_info(assembly):
    found = flagged(assembly, "GR-OBS-01", "LogRetentionProp")
    assert {(f.owner, f.severity) for f in found} == {("user", "medium"), ("framework", "info")}


# -- GR-OBS-02 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "stack",
    ["LogRetentionProp", "LogGroupProp", "ByFixedName", "ByJoinedName", "ByConcatenatedName"],
)
def test_log_group_with_retention_in_any_cdk_form_complies(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-02", stack)) == []


@pytest.mark.parametrize("stack", ["NoLogGroup", "OtherName"])
def test_no_log_group_is_flagged_on_the_function(assembly, stack):
    found = _user(flagged(assembly, "GR-OBS-02", stack))
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location, f.construct_path) == (
        "medium",
        "Properties/LoggingConfig/LogGroup",
        f"{stack}/Fn/Resource",
    )
    assert f.functions == (f.logical_id,)
    assert "has no log group in the stack" in f.message
    assert "never expire" in f.message
    if stack == "OtherName":
        assert "/aws/lambda/orders-handler " in f.message


@pytest.mark.parametrize(
    ("stack", "resource", "name"),
    [
        ("NeverExpires", "NeverExpires/Logs/Resource", "Logs"),  # unnamed: its logical id
        (
            "LogRetentionInfinite",
            "LogRetentionInfinite/Fn/LogRetention/Resource",
            "/aws/lambda/${Fn",
        ),
    ],
)
def test_log_group_without_retention_is_flagged_on_the_group(assembly, stack, resource, name):
    found = _user(flagged(assembly, "GR-OBS-02", stack))
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location, f.construct_path) == (
        "medium",
        "Properties/RetentionInDays",
        resource,
    )
    assert len(f.functions) == 1 and f.functions[0].startswith("Fn")
    assert f"Function {f.functions[0]} writes its logs to log group {name}" in f.message
    assert "has no RetentionInDays: its logs never expire" in f.message


@pytest.mark.parametrize("stack", ["ImportedLogGroup", "RetentionToken"])
def test_undecidable_log_groups_are_silent(assembly, stack):
    assert _user(flagged(assembly, "GR-OBS-02", stack)) == []


def _template(tmp_path, resources, parameters=None):
    path = tmp_path / "template.json"
    path.write_text(json.dumps({"Parameters": parameters or {}, "Resources": resources}))
    return load(path)


def _function(**props):
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": "arn:aws:iam::123456789012:role/fn",
            "Code": {"ZipFile": "def handler(e, c): return 1"},
            **props,
        },
    }


def test_log_retention_on_a_group_the_function_does_not_write_to_does_not_count(tmp_path):
    assembly = _template(
        tmp_path,
        {
            "Fn": _function(LoggingConfig={"LogGroup": {"Ref": "Logs"}}),
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "Retention": {
                "Type": "Custom::LogRetention",
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:lr",
                    "LogGroupName": {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Fn"}]]},
                    "RetentionInDays": 7,
                },
            },
        },
    )
    found = findings(assembly, "GR-OBS-02")
    assert [(f.logical_id, f.location, f.functions) for f in found] == [
        ("Logs", "Properties/RetentionInDays", ("Fn",))
    ]


def test_logging_config_from_a_parameter_is_silent(tmp_path):
    assembly = _template(
        tmp_path,
        {"Fn": _function(LoggingConfig={"LogGroup": {"Ref": "LogGroupName"}})},
        {"LogGroupName": {"Type": "String"}},
    )
    assert findings(assembly, "GR-OBS-02") == []
    # the same function without LoggingConfig is flagged: the silence above is the parameter's
    assembly = _template(tmp_path, {"Fn": _function()})
    assert [f.location for f in findings(assembly, "GR-OBS-02")] == [
        "Properties/LoggingConfig/LogGroup"
    ]
