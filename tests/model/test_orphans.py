"""Permissions and function URLs the graph cannot attach to a function of the assembly: kept per
template as ``Orphans`` (``graph.build``), never attached to a function by a guess; those that
import a function (or an alias) of another stack of the assembly are attached to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from guardrails.model import load
from guardrails.model.graph import build
from guardrails.model.values import Text, Token
from tests.conftest import ENV, function, logical_id, synth

FUNCTION = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "FunctionName": "orders",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": "arn:aws:iam::123456789012:role/orders",
        "Code": {"S3Bucket": "acme-artifacts", "S3Key": "orders.zip"},
    },
}
LEGACY_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:legacy-orders"
ARN_PREFIX = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}"


def permission(function_name: Any, **props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_name,
            "Principal": "*",
            **props,
        },
    }


def url(target: Any, auth_type: str = "NONE") -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Url",
        "Properties": {"TargetFunctionArn": target, "AuthType": auth_type},
    }


def template(tmp_path: Path, resources: dict[str, Any], **sections: Any) -> Path:
    path = tmp_path / "Orders.json"
    path.write_text(json.dumps({"Resources": resources, **sections}))
    return path


@pytest.fixture
def graph(tmp_path: Path):
    resources = {
        "Orders": FUNCTION,
        "OrdersLive": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {"FunctionName": {"Ref": "Orders"}, "FunctionVersion": "$LATEST"},
        },
        "LegacyLive": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {"FunctionName": "legacy-orders", "FunctionVersion": "$LATEST"},
        },
        "Bucket": {"Type": "AWS::S3::Bucket"},
        # attached: a Ref, an alias, the literal name, an ARN built around the literal name
        "ByRef": permission({"Ref": "Orders"}),
        "ByAlias": permission({"Ref": "OrdersLive"}),
        "ByName": permission("orders"),
        "BySub": permission({"Fn::Sub": f"{ARN_PREFIX}:function:orders"}),
        "OwnUrl": url({"Fn::GetAtt": ["Orders", "Arn"]}),
        # orphans: another function's ARN and name, a parameter, an import from outside the
        # assembly, an alias of a function outside the template, a resource that is no function,
        # an ARN whose name is a template value
        "LegacyByArn": permission(LEGACY_ARN),
        "LegacyByName": permission("legacy-orders:live"),
        "FromParameter": permission({"Ref": "TargetFunction"}),
        "Imported": permission({"Fn::ImportValue": "legacy-function-arn"}),
        "LegacyAlias": permission({"Ref": "LegacyLive"}),
        "NotAFunction": permission({"Fn::GetAtt": ["Bucket", "Arn"]}),
        "NameIsAParameter": permission(
            {"Fn::Sub": "arn:aws:lambda:eu-west-1:123456789012:function:${TargetFunction}"}
        ),
        "LegacyUrl": url(LEGACY_ARN),
        "ParameterUrl": url({"Ref": "TargetFunction"}, auth_type="AWS_IAM"),
    }
    assembly = load(
        template(tmp_path, resources, Parameters={"TargetFunction": {"Type": "String"}})
    )
    return build(assembly)


def test_attached_permissions_and_urls_are_the_functions(graph):
    (fn,) = graph.functions
    assert sorted(p.site.logical_id for p in fn.permissions) == [
        "ByAlias",
        "ByName",
        "ByRef",
        "BySub",
    ]
    assert [u.site.logical_id for u in fn.urls] == ["OwnUrl"]
    by_id = {p.site.logical_id: p for p in fn.permissions}
    assert by_id["ByRef"].function == Token("ref", "Orders")
    assert by_id["ByName"].function == "orders"


def test_the_others_are_orphans_of_their_template(graph):
    (orphans,) = graph.orphans
    assert orphans.stack == "Orders"
    assert [p.site.logical_id for p in orphans.permissions] == [
        "LegacyByArn",
        "LegacyByName",
        "FromParameter",
        "Imported",
        "LegacyAlias",
        "NotAFunction",
        "NameIsAParameter",
    ]
    assert [u.site.logical_id for u in orphans.urls] == ["LegacyUrl", "ParameterUrl"]
    assert orphans.account is None  # a plain template: environment-agnostic


def test_orphans_keep_the_function_they_name(graph):
    (orphans,) = graph.orphans
    named = {p.site.logical_id: p.function for p in orphans.permissions}
    assert named["LegacyByArn"] == LEGACY_ARN
    assert named["LegacyByName"] == "legacy-orders:live"
    assert named["FromParameter"] == Token("param", "TargetFunction")
    assert named["Imported"] == Token("import", "legacy-function-arn")
    assert isinstance(named["NameIsAParameter"], Text)
    urls = {u.site.logical_id: u for u in orphans.urls}
    assert urls["LegacyUrl"].function == LEGACY_ARN
    assert urls["LegacyUrl"].auth_type == "NONE"
    assert urls["LegacyUrl"].site.location == "Properties"


def test_a_template_without_orphans_has_no_entry(tmp_path: Path):
    assembly = load(template(tmp_path, {"Orders": FUNCTION, "P": permission({"Ref": "Orders"})}))
    graph = build(assembly)
    assert graph.orphans == []
    assert [p.site.logical_id for p in graph.functions[0].permissions] == ["P"]


def test_a_template_without_functions_still_has_its_orphans(tmp_path: Path):
    assembly = load(template(tmp_path, {"U": url(LEGACY_ARN), "P": permission("legacy-orders")}))
    graph = build(assembly)
    assert graph.functions == []
    (orphans,) = graph.orphans
    assert (
        [p.site.logical_id for p in orphans.permissions],
        [u.site.logical_id for u in orphans.urls],
    ) == (
        ["P"],
        ["U"],
    )


# -- across the stacks of a CDK app -------------------------------------------------------------
def build_app(app: cdk.App, ids: dict[str, str]) -> None:
    service = cdk.Stack(app, "Service", env=ENV)
    fn = function(service, "Handler")
    alias = fn.add_alias("live")
    ids["Handler"] = logical_id(fn)
    callers = cdk.Stack(app, "Callers", env=ENV)
    for name, target in (("Anyone", fn.function_arn), ("AliasAnyone", alias.function_arn)):
        p = lambda_.CfnPermission(
            callers, name, action="lambda:InvokeFunction", function_name=target, principal="*"
        )
        ids[name] = logical_id(p)
    u = lambda_.FunctionUrl(callers, "Url", function=fn, auth_type=lambda_.FunctionUrlAuthType.NONE)
    ids["Url"] = logical_id(u)
    legacy = lambda_.Function.from_function_arn(callers, "Legacy", LEGACY_ARN)
    ids["LegacyUrl"] = logical_id(legacy.add_function_url())
    legacy.add_permission("FromS3", principal=iam.ServicePrincipal("s3.amazonaws.com"))
    ids["FromS3"] = logical_id(legacy.node.find_child("FromS3"))


@pytest.fixture(scope="module")
def app(module_tmp: Path):
    ids: dict[str, str] = {}
    assembly = synth(lambda a: build_app(a, ids), module_tmp / "cdk.out")
    return build(assembly), ids


def test_a_permission_or_url_importing_a_function_of_another_stack_is_attached(app):
    graph, ids = app
    (fn,) = [f for f in graph.functions if f.stack == "Service"]
    assert {(p.site.stack, p.site.logical_id) for p in fn.permissions} >= {
        ("Callers", ids["Anyone"]),
        ("Callers", ids["AliasAnyone"]),
    }
    assert [(u.site.stack, u.site.logical_id) for u in fn.urls] == [("Callers", ids["Url"])]


def test_an_imported_function_outside_the_app_leaves_orphans(app):
    graph, ids = app
    (orphans,) = graph.orphans
    assert orphans.stack == "Callers"
    assert orphans.account == "123456789012"
    assert [u.site.logical_id for u in orphans.urls] == [ids["LegacyUrl"]]
    assert [(p.site.logical_id, p.function) for p in orphans.permissions] == [
        (ids["FromS3"], LEGACY_ARN)
    ]
    attached = {(p.site.stack, p.site.logical_id) for f in graph.functions for p in f.permissions}
    assert not attached & {(p.site.stack, p.site.logical_id) for p in orphans.permissions}
