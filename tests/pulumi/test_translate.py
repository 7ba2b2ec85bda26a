"""The translation of Pulumi resources into the model: links, places, secrets, unknown values,
``pulumi_aws_native``. Pure Python, on resources written as the analyzer hands them over."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from guardrails.pulumi import PulumiResource, scan_resources, translate
from guardrails.pulumi.resources import (
    ARCHIVE_SIGNATURE,
    ASSET_SIGNATURE,
    SECRET_SIGNATURE,
    SIGNATURE_KEY,
    UNKNOWN_VALUES,
)
from guardrails.pulumi.translator import SECRET_PARAMETER, UNKNOWN_PARAMETER

UNKNOWN = next(iter(sorted(UNKNOWN_VALUES)))
STRING_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PREFIX = "urn:pulumi:dev::orders::"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def resource(
    kind: str, rname: str, deps: dict[str, list[str]] | None = None, /, **props: object
) -> PulumiResource:
    """A resource as the analyzer hands it over; ``deps``: property -> ``type::name``s."""
    return PulumiResource(
        kind,
        rname,
        f"{PREFIX}{kind}::{rname}",
        props,
        property_dependencies={
            k: tuple(f"{PREFIX}{v}" for v in vs) for k, vs in (deps or {}).items()
        },
    )


ROLE = "aws:iam/role:Role"
#: a handler that calls no AWS API: what its role grants is for Lambda's own use or unused
HANDLER = "def handler(event, context):\n    return None\n"
FUNCTION = "aws:lambda/function:Function"


def rules(resources: list[PulumiResource]) -> set[str]:
    report = scan_resources(resources).report
    assert not report.errors, report.errors
    return {f.rule_id for f in report.findings}


def test_a_preview_links_unknown_values_through_their_property_dependencies() -> None:
    role = resource(
        ROLE,
        "role",
        assumeRolePolicy=TRUST,
        managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"],
    )
    fn = resource(
        FUNCTION,
        "fn",
        {"role": [f"{ROLE}::role"]},
        runtime="python3.12",
        handler="i.h",
        role=STRING_UNKNOWN,
    )
    template = translate([role, fn]).template
    assert template["Resources"]["Fn"]["Properties"]["Role"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert "GR-IAM-01" in rules([role, fn])
    # the same unknown value without a dependency is a deploy-time value: no role, no finding
    alone = resource(FUNCTION, "fn", runtime="python3.12", handler="i.h", role=STRING_UNKNOWN)
    assert translate([role, alone]).template["Resources"]["Fn"]["Properties"]["Role"] == {
        "Ref": UNKNOWN_PARAMETER
    }
    assert "GR-IAM-01" not in rules([role, alone])


def test_an_update_links_known_values_to_the_resource_that_has_them() -> None:
    arn = "arn:aws:iam::123456789012:role/role-0a1b2c3"
    role = resource(
        ROLE,
        "role",
        assumeRolePolicy=TRUST,
        arn=arn,
        managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"],
    )
    fn = resource(FUNCTION, "fn", runtime="python3.12", handler="i.h", role=arn)
    assert translate([role, fn]).template["Resources"]["Fn"]["Properties"]["Role"] == {
        "Fn::GetAtt": ["Role", "Arn"]
    }
    assert "GR-IAM-01" in rules([role, fn])


def test_a_finding_on_a_merged_resource_points_at_it() -> None:
    role = resource(ROLE, "role", assumeRolePolicy=TRUST)
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "admin",
        {"role": [f"{ROLE}::role"]},
        role=STRING_UNKNOWN,
        policyArn="arn:aws:iam::aws:policy/AdministratorAccess",
    )
    fn = resource(
        FUNCTION,
        "fn",
        {"role": [f"{ROLE}::role"]},
        runtime="python3.12",
        handler="i.h",
        role=STRING_UNKNOWN,
    )
    scan = scan_resources([role, attachment, fn])
    (admin,) = [f for f in scan.report.findings if f.rule_id == "GR-IAM-01"]
    assert scan.urn(admin) == attachment.urn
    assert admin.construct_path == role.urn  # the resource in the template: the role


def test_a_secret_in_the_environment_is_a_noecho_value_never_shown() -> None:
    secret = {SIGNATURE_KEY: SECRET_SIGNATURE, "value": "hunter2-Planted-Secret-9"}
    fn = resource(
        FUNCTION,
        "fn",
        runtime="python3.12",
        handler="i.h",
        environment={"variables": {"DB_PASSWORD": secret, "MODE": "prod"}},
    )
    translation = translate([fn])
    variables = translation.template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    assert variables == {"DB_PASSWORD": {"Ref": SECRET_PARAMETER}, "MODE": "prod"}
    assert translation.template["Parameters"][SECRET_PARAMETER]["NoEcho"] == "true"
    assert "hunter2-Planted-Secret-9" not in json.dumps(translation.template)
    found = rules([fn])
    assert "GR-SEC-02" in found and "GR-SEC-01" not in found


def test_a_secret_elsewhere_is_judged_but_never_shown() -> None:
    secret = {SIGNATURE_KEY: SECRET_SIGNATURE, "value": "AKIAIOSFODNN7EXAMPLE"}
    code = {
        "4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7",
        "assets": {
            "index.py": {
                "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17",
                "text": "KEY = 'AKIAIOSFODNN7EXAMPLE'\n",
            }
        },
    }
    fn = resource(
        FUNCTION, "fn", runtime="python3.12", handler="index.handler", code=code, description=secret
    )
    scan = scan_resources([fn])
    inline = [f for f in scan.report.findings if f.rule_id == "GR-SEC-03"]
    assert inline, "the inline code's key is found"
    for finding in scan.report.findings:
        assert "AKIAIOSFODNN7EXAMPLE" not in finding.message
        assert "AK****" not in finding.message


def test_a_function_log_group_named_from_the_function() -> None:
    fn = resource(
        FUNCTION, "fn", runtime="python3.12", handler="i.h", tracingConfig={"mode": "Active"}
    )
    group = resource(
        "aws:cloudwatch/logGroup:LogGroup",
        "logs",
        {"name": [f"{FUNCTION}::fn"]},
        name=STRING_UNKNOWN,
        retentionInDays=7,
    )
    name = translate([fn, group]).template["Resources"]["Logs"]["Properties"]["LogGroupName"]
    assert name == {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Fn"}]]}
    found = rules([fn, group])
    assert "GR-OBS-03" in found and "GR-OBS-02" not in found


def test_native_resources_are_cloudformation_camel_cased() -> None:
    role = resource(
        "aws-native:iam:Role",
        "role",
        assumeRolePolicyDocument=json.loads(TRUST),
        managedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"],
    )
    fn = resource(
        "aws-native:lambda:Function",
        "fn",
        {"role": ["aws-native:iam:Role::role"]},
        runtime="python3.8",
        handler="i.h",
        role=STRING_UNKNOWN,
        tracingConfig={"mode": "PassThrough"},
        environment={"variables": {"myVar": "x"}},
    )
    template = translate([role, fn]).template["Resources"]
    assert template["Role"]["Type"] == "AWS::IAM::Role"
    props = template["Fn"]["Properties"]
    assert template["Fn"]["Type"] == "AWS::Lambda::Function"
    assert props["TracingConfig"] == {"Mode": "PassThrough"}
    assert props["Environment"] == {"Variables": {"myVar": "x"}}  # the user's keys kept
    assert props["Role"] == {"Fn::GetAtt": ["Role", "Arn"]}
    assert {"GR-IAM-01", "GR-DEP-01", "GR-OBS-01"} <= rules([role, fn])


def test_types_no_rule_reads_are_left_out_and_said() -> None:
    bucket = resource("aws:s3/bucket:Bucket", "bucket")
    other = resource("random:index/randomId:RandomId", "id")
    translation = translate([bucket, other])
    assert translation.template["Resources"] == {}
    assert translation.skipped == ("aws:s3/bucket:Bucket",)


def test_the_cli_path_needs_no_pulumi_package() -> None:
    code = (
        "import sys, guardrails.pulumi, guardrails.pulumi.documents, guardrails.cli\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_policy')]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_fixes_are_written_for_pulumi() -> None:
    """Every rule's fix names Pulumi's resources, not CDK's constructs (the two about code
    assets' dependencies are the same for both tools)."""
    from guardrails.pulumi.fixes import PULUMI_FIXES, fix_of
    from guardrails.rules import all_rules

    for rule in all_rules():
        if rule.id in ("GR-DEP-04", "GR-DEP-05"):
            assert fix_of(rule.id) == rule.fix
            continue
        assert rule.id in PULUMI_FIXES, rule.id
        fix = fix_of(rule.id)
        for cdk_word in (
            "lambda_.Function(",
            "grant_read(fn)",
            "add_to_role_policy",
            "from_aws_managed_policy_name",
        ):
            assert cdk_word not in fix, (rule.id, cdk_word)
    fn = resource(FUNCTION, "fn", runtime="python3.12", handler="i.h")
    (tracing,) = [f for f in scan_resources([fn]).report.findings if f.rule_id == "GR-OBS-01"]
    assert 'tracing_config={"mode": "Active"}' in tracing.fix


def test_event_invoke_destinations_on_failure_and_on_success() -> None:
    """Both destinations reach the model: what the role grants to send to the on-success topic
    is Lambda's use, as in CDK (GR-IAM-15 does not call it unused)."""
    topic_arn = "arn:aws:sns:eu-west-1:123456789012:done-0a1b2c3"
    queue_arn = "arn:aws:sqs:eu-west-1:123456789012:failed-0a1b2c3"
    role_arn = "arn:aws:iam::123456789012:role/role-0a1b2c3"
    role = resource(ROLE, "role", assumeRolePolicy=TRUST, arn=role_arn, name="role-0a1b2c3")
    grants = resource(
        "aws:iam/rolePolicy:RolePolicy",
        "grants",
        role="role-0a1b2c3",
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
                ],
            }
        ),
    )
    fn = resource(
        FUNCTION,
        "fn",
        runtime="python3.12",
        handler="index.handler",
        role=role_arn,
        arn="arn:aws:lambda:eu-west-1:123456789012:function:fn-0a1b2c3",
        code={
            SIGNATURE_KEY: ARCHIVE_SIGNATURE,
            "assets": {"index.py": {SIGNATURE_KEY: ASSET_SIGNATURE, "text": HANDLER}},
        },
    )
    config = resource(
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "async",
        functionName="arn:aws:lambda:eu-west-1:123456789012:function:fn-0a1b2c3",
        destinationConfig={
            "onFailure": {"destination": queue_arn},
            "onSuccess": {"destination": topic_arn},
        },
    )
    topic = resource("aws:sns/topic:Topic", "done", arn=topic_arn)
    queue = resource("aws:sqs/queue:Queue", "failed", arn=queue_arn)
    everything = [role, grants, fn, config, topic, queue]
    properties = translate(everything).template["Resources"]["Async"]["Properties"]
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}},
        "OnSuccess": {"Destination": {"Fn::GetAtt": ["Done", "Arn"]}},
    }
    assert "GR-IAM-15" not in rules(everything)
