"""GR-INP rules on one synthesized app (one stack per case)."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from tests.conftest import ENV, findings, flagged, function, synth


def build(app: cdk.App) -> None:
    function(cdk.Stack(app, "Public", env=ENV)).add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.NONE
    )
    function(cdk.Stack(app, "Iam", env=ENV)).add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.AWS_IAM
    )
    function(cdk.Stack(app, "NoUrl", env=ENV))
    alias = function(cdk.Stack(app, "OnAlias", env=ENV)).add_alias("live")
    alias.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)

    token = cdk.Stack(app, "Token", env=ENV)
    auth = cdk.CfnParameter(
        token, "UrlAuthType", default="NONE", allowed_values=["NONE", "AWS_IAM"]
    )
    lambda_.CfnUrl(
        token,
        "Url",
        auth_type=auth.value_as_string,
        target_function_arn=function(token).function_arn,
    )


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


@pytest.mark.parametrize(
    ("stack", "url_path"), [("Public", "Fn/FunctionUrl"), ("OnAlias", "Fn/Aliaslive/FunctionUrl")]
)
def test_url_without_auth_is_flagged_on_the_url(assembly, stack, url_path):
    found = flagged(assembly, "GR-INP-04", stack)
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location, f.construct_path) == (
        "high",
        "Properties/AuthType",
        f"{stack}/{url_path}/Resource",
    )
    assert len(f.functions) == 1 and f.functions[0].startswith("Fn")
    assert f.message == (
        f"Function URL {f.logical_id} lets anyone on the internet invoke {f.functions[0]} "
        "without authentication (AuthType NONE)."
    )


@pytest.mark.parametrize("stack", ["Iam", "NoUrl"])
def test_iam_auth_or_no_url_is_not_flagged(assembly, stack):
    assert flagged(assembly, "GR-INP-04", stack) == []


def test_auth_type_from_a_parameter_is_silent(assembly):
    assert flagged(assembly, "GR-INP-04", "Token") == []


def test_url_permissions_are_reported_once_under_this_rule(assembly):
    # CDK adds two Principal "*" permissions for a NONE URL; the catalog reports them here only
    public = [f for f in findings(assembly) if f.stack == "Public" and f.owner == "user"]
    assert [f.rule_id for f in public if f.rule_id in ("GR-INP-04", "GR-IAM-11")] == ["GR-INP-04"]
