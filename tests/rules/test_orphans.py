"""GR-INP-04, GR-INP-05, GR-IAM-11, GR-IAM-12 and GR-IAM-13 on permissions and function URLs
whose function is not in the scanned templates (``Orphans``): reported on the resource, once,
naming the function as quoting.py allows, with no function listed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from guardrails import engine
from guardrails.model import load
from guardrails.policy import Policy
from guardrails.rules.base import registry
from tests.conftest import ENV, TODAY, findings, function, logical_id, synth

LEGACY_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:legacy-orders"
CREDENTIAL_LIKE = "AKIAQ3EGRRF6ZXKPT7LM"
TRUSTED = "111111111111"
OUTSIDE = "(not in the scanned templates)"


def fn_resource(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": "arn:aws:iam::123456789012:role/orders",
            "Code": {"S3Bucket": "acme-artifacts", "S3Key": f"{name}.zip"},
        },
    }


def permission(function_name: Any, principal: Any = "*", **props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_name,
            "Principal": principal,
            **props,
        },
    }


def url(target: Any, auth_type: str = "NONE", **props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Url",
        "Properties": {"TargetFunctionArn": target, "AuthType": auth_type, **props},
    }


def scan(tmp_path: Path, resources: dict[str, Any], policy: Policy | None = None) -> list[Any]:
    path = tmp_path / "Orders.json"
    doc = {"Parameters": {"TargetFunction": {"Type": "String"}}, "Resources": resources}
    path.write_text(json.dumps(doc))
    report = engine.scan(load(path), policy, today=TODAY)
    assert not report.errors, report.errors
    return list(report.findings)


def of(found: list[Any], rule_id: str) -> list[Any]:
    return [f for f in found if f.rule_id == rule_id]


# -- plain templates -------------------------------------------------------------------------
@pytest.fixture
def mixed(tmp_path: Path) -> list[Any]:
    """Three functions of the template, and front doors of functions outside it."""
    resources: dict[str, Any] = {f"Fn{i}": fn_resource(f"orders-{i}") for i in range(3)}
    resources.update(
        {
            "LegacyUrl": url(LEGACY_ARN, Cors={"AllowOrigins": ["*"]}),
            "AnyoneByName": permission("legacy-orders"),
            "AnyoneByParameter": permission({"Ref": "TargetFunction"}),
            "AnyoneCredentialName": permission(CREDENTIAL_LIKE),
            "S3Imported": permission(
                {"Fn::ImportValue": "legacy-function-arn"}, principal="s3.amazonaws.com"
            ),
            "OwnAnyone": permission({"Ref": "Fn0"}),
        }
    )
    return scan(tmp_path, resources)


def test_an_orphan_url_without_auth_is_one_finding_on_the_url(mixed):
    (f,) = of(mixed, "GR-INP-04")
    assert (f.logical_id, f.location) == ("LegacyUrl", "Properties/AuthType")
    assert f.functions == ()
    assert f.owner == "user" and f.severity == "high" and f.status == "open"
    assert f"invoke the function {LEGACY_ARN} {OUTSIDE} without authentication" in f.message


def test_an_orphan_url_with_cors_any_origin(mixed):
    (f,) = of(mixed, "GR-INP-05")
    assert (f.logical_id, f.location) == ("LegacyUrl", "Properties/Cors/AllowOrigins")
    assert f.functions == ()
    assert f"of the function {LEGACY_ARN} {OUTSIDE}" in f.message


def test_orphan_permissions_for_anyone_name_their_function(mixed):
    got = {f.logical_id: f for f in of(mixed, "GR-IAM-11")}
    assert set(got) == {"AnyoneByName", "AnyoneByParameter", "AnyoneCredentialName", "OwnAnyone"}
    assert got["OwnAnyone"].functions == ("Fn0",)  # attached: on the function, as before
    assert "on the function, with no" in got["OwnAnyone"].message
    for orphan in ("AnyoneByName", "AnyoneByParameter", "AnyoneCredentialName"):
        assert got[orphan].functions == ()
        assert got[orphan].location == "Properties/Principal"
    assert f"on the function legacy-orders {OUTSIDE}," in got["AnyoneByName"].message
    assert f"on the function ${{TargetFunction}} {OUTSIDE}," in got["AnyoneByParameter"].message
    # a name that looks like a credential is described, never quoted
    shown = got["AnyoneCredentialName"].message
    assert CREDENTIAL_LIKE not in shown
    assert "a function that is not in the scanned templates (name not shown)" in shown


def test_an_orphan_service_permission_without_source(mixed):
    (f,) = of(mixed, "GR-IAM-12")
    assert (f.logical_id, f.functions) == ("S3Imported", ())
    assert f"on the function ${{ImportValue:legacy-function-arn}} {OUTSIDE} for any" in f.message


def test_compliant_orphans_are_silent(tmp_path: Path):
    found = scan(
        tmp_path,
        {
            "IamUrl": url(LEGACY_ARN, auth_type="AWS_IAM", Cors={"AllowOrigins": ["https://a.b"]}),
            "Org": permission("legacy-orders", PrincipalOrgID="o-a1b2c3d4e5"),
            "S3": permission(
                LEGACY_ARN, principal="s3.amazonaws.com", SourceAccount="123456789012"
            ),
        },
    )
    rules = ("GR-INP-04", "GR-INP-05", "GR-IAM-11", "GR-IAM-12", "GR-IAM-13")
    assert [f for f in found if f.rule_id in rules] == []


# -- GR-IAM-13: the account is judged against the orphan's own stack -------------------------
def test_iam13_orphan_in_an_env_agnostic_template(tmp_path: Path):
    resources = {
        "Partner": permission(LEGACY_ARN, principal="999999999999"),
        "Trusted": permission(LEGACY_ARN, principal=f"arn:aws:iam::{TRUSTED}:root"),
    }
    assert of(scan(tmp_path, resources), "GR-IAM-13") == []  # the own account is unknown
    strict = Policy.from_mapping({"trusted_accounts": [TRUSTED]})
    (f,) = of(scan(tmp_path, resources, strict), "GR-IAM-13")
    assert (f.logical_id, f.location, f.functions) == ("Partner", "Properties/Principal", ())
    assert f"(Principal 999999999999) invoke the function {LEGACY_ARN} {OUTSIDE}:" in f.message
    assert "environment-agnostic" in f.message


# -- a CDK app: an imported function, and a function of another stack ------------------------
def build(app: cdk.App, ids: dict[str, str]) -> None:
    service = cdk.Stack(app, "Service", env=ENV)
    fn = function(service, "Handler")
    ids["Handler"] = logical_id(fn)
    callers = cdk.Stack(app, "Callers", env=ENV)
    p = lambda_.CfnPermission(
        callers,
        "Anyone",
        action="lambda:InvokeFunction",
        function_name=fn.function_arn,
        principal="*",
    )
    ids["Anyone"] = logical_id(p)
    legacy = lambda_.Function.from_function_arn(callers, "Legacy", LEGACY_ARN)
    ids["LegacyUrl"] = logical_id(
        legacy.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    )
    legacy.add_permission("Partner", principal=iam.AccountPrincipal("999999999999"))
    ids["Partner"] = logical_id(legacy.node.find_child("Partner"))


@pytest.fixture(scope="module")
def app(module_tmp: Path):
    ids: dict[str, str] = {}
    return synth(lambda a: build(a, ids), module_tmp / "cdk.out"), ids


def test_a_permission_in_another_stack_lists_the_function(app):
    assembly, ids = app
    (f,) = findings(assembly, "GR-IAM-11")
    assert (f.stack, f.logical_id, f.functions) == ("Callers", ids["Anyone"], (ids["Handler"],))


def test_an_imported_function_url_is_reported_once_on_the_url(app):
    assembly, ids = app
    (f,) = findings(assembly, "GR-INP-04")
    assert (f.stack, f.logical_id, f.functions) == ("Callers", ids["LegacyUrl"], ())
    assert LEGACY_ARN in f.message
    # the two Principal "*" permissions CDK adds for the URL are left to GR-INP-04
    assert [x.logical_id for x in findings(assembly, "GR-IAM-11")] == [ids["Anyone"]]


def test_iam13_orphan_in_a_stack_with_a_known_account(app):
    assembly, ids = app
    (f,) = findings(assembly, "GR-IAM-13")
    assert (f.logical_id, f.functions) == (ids["Partner"], ())
    assert "not the stack's account (123456789012)" in f.message


def test_an_orphan_finding_can_be_exempted_by_its_logical_id(app):
    assembly, ids = app
    policy = Policy.from_mapping(
        {"exemptions": [{"rule": "GR-INP-04", "resource": ids["LegacyUrl"], "reason": "legacy"}]}
    )
    (f,) = findings(assembly, "GR-INP-04", policy=policy)
    assert f.status == "exempted"


def test_a_failing_orphan_check_is_an_error_and_the_others_still_run(app, monkeypatch):
    assembly, _ = app

    def broken(orphans: Any, ctx: Any) -> Any:
        raise KeyError("boom")

    rule = registry()["GR-INP-04"]
    monkeypatch.setitem(registry(), "GR-INP-04", replace(rule, orphan_check=broken))
    report = engine.scan(assembly, today=TODAY)
    (error,) = [e for e in report.errors if "GR-INP-04" in e]
    assert error.startswith("rule GR-INP-04 failed on the permissions and function URLs of Callers")
    assert "boom" not in error
    assert [f.rule_id for f in report.findings if f.rule_id == "GR-IAM-13"] == ["GR-IAM-13"]
