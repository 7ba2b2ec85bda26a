"""The hardening Aspect on real synthesized apps: what it rewrites, that the rules it fixes no
longer fire (and are reported ``remediated``), what it must leave alone, idempotency, opt-in
fixes, the change log, and that the rewritten templates still hold together.

Two apps, synthesized once per module:

- ``safe``: ``guardrails.protect(app, POLICY, remediate="safe")``, one stack per case, and a
  nested ``Stage``;
- ``variants``: the same builders with the Aspect added per stack (two instances for the
  idempotency cases, ``fixes="all"`` or a list of ids, ``log_group_name="new"``), and plain
  copies without any Aspect, the reference a rewrite is compared with.

The log fix names the group it creates ``/aws/lambda/<function name>`` by default, where Lambda
already writes (``LoggingConfig.LogGroup`` stays unset); ``log_group_name="new"`` keeps the
earlier behaviour, a generated name that ``LoggingConfig.LogGroup`` points at.

``Template.from_stack`` works with Aspects: after ``app.synth()`` it returns the stack of the
assembly already synthesized (the Aspects do not run again; before, it would synthesize the
app itself, Aspects included). The graph checks read the template files of the assembly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import custom_resources as cr
from aws_cdk.assertions import Annotations, Match, Template

import guardrails
from guardrails import engine
from guardrails.cdk import LambdaHardening
from guardrails.cdk.hardening import (
    LOG_GROUP_ELSEWHERE_ID,
    REPORT_FILE,
    STACK_RESOURCE_WARNING,
    STACK_RESOURCE_WARNING_ID,
)
from guardrails.model import load
from guardrails.model.assembly import REMEDIATION_METADATA
from guardrails.model.graph import functions as model_functions
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777"
BOUNDARY = "arn:aws:iam::123456789012:policy/org/DeveloperBoundary"
CSC = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0a1b2c3d4e5f67890"
SUBNETS = ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"]
SECURITY_GROUPS = ["sg-0123456789abcdef0"]
FAKE_PASSWORD = "Zq7mR2vX9pL4wK8sT1nB"  # looks real, is not: must never reach the change log
BASIC = "service-role/AWSLambdaBasicExecutionRole"

POLICY = Policy.coerce(
    {
        "kms_key_arn": KEY,
        "permissions_boundary": BOUNDARY,
        "code_signing_config_arn": CSC,
        # given, but only the opt-in fixes use them: "safe" must not
        "approved_vpc": {"subnet_ids": SUBNETS, "security_group_ids": SECURITY_GROUPS},
        "default_reserved_concurrency": 10,
    }
)
#: no KMS key named: "all" creates one per stack; framework functions are rewritten too
POLICY_ALL = Policy.coerce(
    {
        "permissions_boundary": BOUNDARY,
        "approved_vpc": {"subnet_ids": SUBNETS, "security_group_ids": SECURITY_GROUPS},
        "default_reserved_concurrency": 25,
        "vpc_required": "all",
        "framework": {"remediate": True},
    }
)
SAFE_RULES = ("GR-OBS-01", "GR-OBS-02", "GR-OBS-04", "GR-OBS-05", "GR-SEC-05", "GR-IAM-10",
              "GR-IAM-12", "GR-IAM-14", "GR-DEP-02")  # fmt: skip
FRAMEWORK_SEGMENT = re.compile(
    r"LogRetention[0-9a-f]{32}|BucketNotificationsHandler[0-9a-f]{32}|AWS679f53fac"
)


# -- the stacks --------------------------------------------------------------------------------
def defaults(stack: cdk.Stack) -> None:
    """An L2 function with CDK's defaults, environment variables and a permission for SNS
    without a source."""
    fn = function(stack, environment={"STAGE": "prod"})
    fn.add_permission("FromSns", principal=iam.ServicePrincipal("sns.amazonaws.com"))


def compliant(stack: cdk.Stack) -> None:
    """Everything the safe fixes would set is already there (the boundary by name, as
    ``from_managed_policy_name`` writes it: the same policy as the policy's ARN)."""
    key = cdk.aws_kms.Key.from_key_arn(stack, "OrgKey", KEY)
    group = logs.LogGroup(
        stack, "Logs", retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key
    )
    role = iam.Role(
        stack,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(
            stack, "Boundary", "org/DeveloperBoundary"
        ),
    )
    group.grant_write(role)
    function(
        stack,
        role=role,
        tracing=lambda_.Tracing.ACTIVE,
        log_group=group,
        logging_format=lambda_.LoggingFormat.JSON,
        environment={"STAGE": "prod"},
        environment_encryption=key,
        code_signing_config=lambda_.CodeSigningConfig.from_code_signing_config_arn(
            stack, "Signing", CSC
        ),
    )


def raw(stack: cdk.Stack) -> None:
    """Two raw ``CfnFunction``s sharing an ``iam.CfnRole`` with the managed basic policy, and a
    raw S3 permission without a source."""
    role = iam.CfnRole(
        stack,
        "RawRole",
        assume_role_policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        managed_policy_arns=[f"arn:aws:iam::aws:policy/{BASIC}"],
    )
    for name in ("RawFn", "RawFn2"):
        lambda_.CfnFunction(
            stack,
            name,
            role=role.attr_arn,
            runtime="python3.12",
            handler="index.handler",
            code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(e, c):\n    return 1\n"),
        )
    lambda_.CfnPermission(
        stack,
        "FromS3",
        action="lambda:InvokeFunction",
        function_name=cdk.Fn.get_att("RawFn", "Arn").to_string(),
        principal="s3.amazonaws.com",
    )


def named(stack: cdk.Stack) -> None:
    """The pre-``LoggingConfig`` pattern: a ``/aws/lambda/<function name>`` group in the stack,
    with a retention shorter than the policy's."""
    fn = function(stack)
    logs.LogGroup(
        stack,
        "FnLogs",
        log_group_name=f"/aws/lambda/{fn.function_name}",
        retention=logs.RetentionDays.ONE_WEEK,
    )


def shared_role(stack: cdk.Stack) -> None:
    """Two functions on one role with the managed basic policy; the second one's log group is
    ``/aws/lambda/<its Ref>``, which its role can name only in a policy the function does not
    depend on (else: function -> policy -> log group -> function)."""
    role = iam.Role(
        stack,
        "Shared",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(BASIC)],
    )
    function(stack, "Plain", role=role)
    named = function(stack, "Named", role=role)
    logs.LogGroup(
        stack,
        "NamedLogs",
        log_group_name=f"/aws/lambda/{named.function_name}",
        retention=logs.RetentionDays.THREE_MONTHS,
    )


def framework(stack: cdk.Stack) -> None:
    """Functions that bring framework-owned ones: ``log_retention=`` (the LogRetention
    singleton), an S3 notification (BucketNotificationsHandler), an AwsCustomResource."""
    function(stack, "Ret", log_retention=logs.RetentionDays.ONE_WEEK)
    function(stack, "RetLong", log_retention=logs.RetentionDays.ONE_YEAR)
    bucket = s3.Bucket(stack, "Uploads")
    bucket.add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(function(stack, "OnUpload"))
    )
    cr.AwsCustomResource(
        stack,
        "Lookup",
        on_create=cr.AwsSdkCall(
            service="SSM",
            action="getParameter",
            parameters={"Name": "/app/version"},
            physical_resource_id=cr.PhysicalResourceId.of("app-version"),
        ),
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
            resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
        ),
    )


def literal_name(stack: cdk.Stack) -> None:
    """A function with a literal ``FunctionName``: its group's name needs no reference to it."""
    function(stack, function_name="orders-handler")


def handler(stack: cdk.Stack) -> None:
    """A custom resource handler: CloudFormation invokes it while the stack deploys."""
    fn = function(stack, "Handler")
    cdk.CustomResource(stack, "Seed", service_token=fn.function_arn)


def group_elsewhere(stack: cdk.Stack) -> None:
    """The ``/aws/lambda/<name>`` group of the ``Billing`` stack's function, defined here."""
    logs.LogGroup(
        stack,
        "BillingLogs",
        log_group_name="/aws/lambda/billing-handler",
        retention=logs.RetentionDays.THREE_MONTHS,
    )


def billing(stack: cdk.Stack) -> None:
    """A function whose ``/aws/lambda/<name>`` group another stack of the app defines."""
    function(stack, function_name="billing-handler")


def opt_in(stack: cdk.Stack) -> None:
    """What the opt-in fixes are for: a resolved secret in the environment, asynchronous
    invocations (S3) without a dead-letter queue, no VPC, no reserved concurrency."""
    db = cdk.SecretValue.secrets_manager("prod/db", json_field="password").unsafe_unwrap()
    environment = {
        "DB": db,
        "DB_URL": f"postgres://app:{db}@db.internal:5432/app",  # a reference inside a value
        "API_PASSWORD": FAKE_PASSWORD,
    }
    fn = function(stack, "Worker", environment=environment)
    bucket = s3.Bucket(stack, "Inbox")
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(fn))


# -- the apps ----------------------------------------------------------------------------------
class Synthesized:
    def __init__(self, outdir: Path, app: cdk.App, stacks: dict[str, cdk.Stack], **extra: Any):
        self.outdir = outdir
        self.app = app
        self.stacks = stacks
        self.__dict__.update(extra)

    def template(self, name: str) -> Template:
        return Template.from_stack(self.stacks[name])

    def resources(self, name: str) -> dict[str, Any]:
        return self.template(name).to_json()["Resources"]


def _stacks(app: cdk.App, builders: dict[str, Callable[[cdk.Stack], None]]) -> dict:
    stacks = {}
    for name, build in builders.items():
        stacks[name] = cdk.Stack(app, name, env=ENV)
        build(stacks[name])
    return stacks


def _harden(stack: cdk.Stack, *aspects: LambdaHardening) -> None:
    for aspect in aspects:
        cdk.Aspects.of(stack).add(aspect, priority=cdk.AspectPriority.MUTATING)


@pytest.fixture(scope="module")
def safe(module_tmp: Path) -> Synthesized:
    outdir = module_tmp / "safe"
    app = cdk.App(outdir=str(outdir))
    stacks = _stacks(
        app,
        {
            "Defaults": defaults,
            "Compliant": compliant,
            "Raw": raw,
            "Named": named,
            "Shared": shared_role,
            "Fw": framework,
            "OptIn": opt_in,
            "Literal": literal_name,
            "Handler": handler,
            "Elsewhere": group_elsewhere,
            "Billing": billing,
        },
    )
    stage = cdk.Stage(app, "Prod", env=ENV)
    stacks["Prod/Inner"] = cdk.Stack(stage, "Inner")
    defaults(stacks["Prod/Inner"])
    plugin = guardrails.protect(app, POLICY, mode="audit", remediate="safe")
    app.synth()
    return Synthesized(outdir, app, stacks, plugin=plugin, hardening=plugin.hardening)


@pytest.fixture(scope="module")
def variants(module_tmp: Path) -> Synthesized:
    outdir = module_tmp / "variants"
    app = cdk.App(outdir=str(outdir))
    stacks = _stacks(
        app,
        {
            # references: no Aspect at all
            "Compliant": compliant,
            "Defaults": defaults,
            "Raw": raw,
            # the Aspect twice
            "DefaultsTwice": defaults,
            "RawTwice": raw,
            # opt-in
            "OptInAll": opt_in,
            "FwAll": framework,
            "OptInListed": opt_in,
            # log_group_name="new": the earlier behaviour
            "DefaultsNew": defaults,
            "RawNew": raw,
            "FwNew": framework,
        },
    )
    first, second = LambdaHardening(POLICY), LambdaHardening(POLICY)
    _harden(stacks["DefaultsTwice"], first, second)
    _harden(stacks["RawTwice"], first, second)
    everything, again = LambdaHardening(POLICY_ALL, "all"), LambdaHardening(POLICY_ALL, "all")
    _harden(stacks["OptInAll"], everything, again)
    _harden(stacks["FwAll"], everything, again)
    listed = LambdaHardening(POLICY, fixes=["GR-CFG-01", "gr-sec-02"])
    _harden(stacks["OptInListed"], listed)
    new = LambdaHardening(POLICY, log_group_name="new")
    for name in ("DefaultsNew", "RawNew", "FwNew"):
        _harden(stacks[name], new)
    app.synth()
    return Synthesized(
        outdir,
        app,
        stacks,
        first=first,
        second=second,
        everything=everything,
        again=again,
        listed=listed,
        new=new,
    )


@pytest.fixture(scope="module")
def reference_report(variants: Synthesized) -> engine.Report:
    """The findings of the ``variants`` app under ``POLICY``: the plain stacks show what the
    rules report without the Aspect."""
    return scan(variants, POLICY)


# -- helpers -----------------------------------------------------------------------------------
def open_findings(report: engine.Report, stack: str, rule_ids=SAFE_RULES) -> list[engine.Finding]:
    return [
        f
        for f in report.findings
        if f.stack == stack and f.rule_id in rule_ids and f.status == "open" and f.owner == "user"
    ]


def scan(synthesized: Synthesized, policy: Policy) -> engine.Report:
    report = engine.scan(load(synthesized.outdir), policy, today=TODAY)
    assert not report.errors, report.errors
    return report


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


def only(resources: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = of_type(resources, kind)
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def statements(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every ``AWS::IAM::Policy`` (and inline role policy) of a stack."""
    for lid, res in resources.items():
        props = res.get("Properties", {})
        docs = []
        if res["Type"] == "AWS::IAM::Policy":
            docs.append(props["PolicyDocument"])
        if res["Type"] == "AWS::IAM::Role":
            docs.extend(p["PolicyDocument"] for p in props.get("Policies", []))
        for doc in docs:
            for statement in doc["Statement"]:
                yield lid, statement


def actions_of(statement: dict[str, Any]) -> set[str]:
    action = statement.get("Action", [])
    return {action} if isinstance(action, str) else set(action)


def managed_names(role: dict[str, Any]) -> list[str]:
    names = []
    for arn in role["Properties"].get("ManagedPolicyArns", []):
        match = re.search(r":iam::aws:policy/([\w+=,.@/-]+)", json.dumps(arn))
        names.append(match.group(1) if match else json.dumps(arn))
    return names


def changes_at(changes, prefix: str) -> list[tuple[str, str, str]]:
    return [
        (c.rule, c.construct_path, c.property)
        for c in changes
        if c.construct_path == prefix or c.construct_path.startswith(prefix + "/")
    ]


def fn_id(synthesized: Synthesized, stack: str, path: str) -> str:
    return logical_id(synthesized.stacks[stack].node.find_child(path))


def by_function_name(fn: str) -> dict[str, Any]:
    """``/aws/lambda/<name of fn>`` as CDK (and the Aspect) write it."""
    return {"Fn::Join": ["", ["/aws/lambda/", {"Ref": fn}]]}


def log_group_of(resources: dict[str, Any], fn: str) -> str | None:
    """The logical id of the group of the stack the function logs to: the one
    ``LoggingConfig.LogGroup`` names, else its ``/aws/lambda/<name>`` group."""
    props = resources[fn]["Properties"]
    configured = props.get("LoggingConfig", {}).get("LogGroup")
    if configured is not None:
        return configured.get("Ref") if isinstance(configured, dict) else None
    wanted = [by_function_name(fn)]
    if "FunctionName" in props:
        wanted.append(f"/aws/lambda/{props['FunctionName']}")
    found = [
        lid
        for lid, res in of_type(resources, "AWS::Logs::LogGroup").items()
        if res["Properties"].get("LogGroupName") in wanted
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


def depends_on(resource: dict[str, Any]) -> set[str]:
    depends = resource.get("DependsOn", [])
    return {depends} if isinstance(depends, str) else set(depends)


def scoped_log_statements(resources: dict[str, Any], role: str) -> list[tuple[str, Any]]:
    """(policy logical id, resource) of each scoped log statement attached to the role."""
    return [
        (lid, s["Resource"])
        for lid, s in statements(resources)
        if actions_of(s) == {"logs:CreateLogStream", "logs:PutLogEvents"}
        and {"Ref": role} in resources[lid]["Properties"].get("Roles", [])
    ]


# -- L2 Function with CDK's defaults -----------------------------------------------------------
def test_l2_function_defaults_get_the_safe_fixes(safe):
    template = safe.template("Defaults")
    resources = template.to_json()["Resources"]
    fn = fn_id(safe, "Defaults", "Fn")
    group_id, group = only(resources, "AWS::Logs::LogGroup")
    # the group Lambda already writes to: the logs stay where they are
    assert group["Properties"] == {
        "LogGroupName": by_function_name(fn),
        "RetentionInDays": 90,
        "KmsKeyId": KEY,
    }
    assert group["DeletionPolicy"] == "Retain"
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {"LogFormat": "JSON"},  # exactly: no LogGroup
            "KmsKeyArn": KEY,
            "CodeSigningConfigArn": CSC,
            "Environment": {"Variables": {"STAGE": "prod"}},
        },
    )
    role_id, role = only(resources, "AWS::IAM::Role")
    assert role["Properties"]["PermissionsBoundary"] == BOUNDARY  # verbatim
    assert "ManagedPolicyArns" not in role["Properties"]
    granted = [s for _, s in statements(resources)]
    assert {
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [group_id, "Arn"]},
    } in granted
    # in a policy of its own, which the function does not wait for
    ((log_policy, _),) = scoped_log_statements(resources, role_id)
    assert log_policy not in depends_on(resources[fn])
    assert {
        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        "Effect": "Allow",
        "Resource": "*",
    } in granted
    assert not [s for s in granted if actions_of(s) & {"logs:CreateLogGroup", "logs:*"}]
    assert resources[fn]["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_l2_function_defaults_rules_no_longer_fire_and_are_reported_remediated(
    safe, reference_report
):
    before = open_findings(reference_report, "Defaults")
    assert {f.rule_id for f in before} == set(SAFE_RULES) - {"GR-OBS-04"}  # no group, no key
    after = safe.plugin.last_report
    assert open_findings(after, "Defaults") == []
    fn = fn_id(safe, "Defaults", "Fn")
    remediated = {
        f.rule_id: f
        for f in after.findings
        if f.stack == "Defaults" and f.status == "remediated" and fn in f.functions
    }
    assert set(SAFE_RULES) - {"GR-OBS-04"} <= set(remediated)
    tracing = remediated["GR-OBS-01"]
    assert tracing.logical_id == fn
    assert tracing.location == "Properties/TracingConfig/Mode"
    assert "now Active" in tracing.message
    boundary = remediated["GR-IAM-10"]
    assert boundary.logical_id == logical_id(safe.stacks["Defaults"].node.find_child("Fn").role)
    assert BOUNDARY in boundary.message


def test_service_permission_gets_source_account(safe):
    safe.template("Defaults").has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Principal": "sns.amazonaws.com",
            "SourceAccount": "123456789012",
            "SourceArn": Match.absent(),
        },
    )
    assert ("GR-IAM-12", "Defaults/Fn/FromSns", "SourceAccount") in changes_at(
        safe.hardening.changes, "Defaults"
    )


# -- a compliant function ----------------------------------------------------------------------
def test_compliant_function_is_untouched(safe, variants):
    assert changes_at(safe.hardening.changes, "Compliant") == []
    assert safe.resources("Compliant") == variants.resources("Compliant")
    assert open_findings(safe.plugin.last_report, "Compliant", (*SAFE_RULES, "GR-OBS-03")) == []
    metadata = (safe.outdir / "Compliant.metadata.json").read_text()
    assert REMEDIATION_METADATA not in metadata


# -- raw CfnFunction and CfnRole ---------------------------------------------------------------
def test_raw_cfn_functions_share_a_role(safe):
    resources = safe.resources("Raw")
    role = resources["RawRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role["PermissionsBoundary"] == BOUNDARY
    inline = of_type(resources, "AWS::IAM::Policy")
    # one inline policy per function and purpose, each with its own name on the shared role
    names = [p["Properties"]["PolicyName"] for p in inline.values()]
    assert len(names) == 4 and len(set(names)) == 4
    assert all(p["Properties"]["Roles"] == [{"Ref": "RawRole"}] for p in inline.values())
    for fn in ("RawFn", "RawFn2"):
        props = resources[fn]["Properties"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"] == {"LogFormat": "JSON"}
        group_id = log_group_of(resources, fn)
        assert group_id == f"{fn}GuardrailsLogGroup"
        assert resources[group_id]["Properties"] == {
            "LogGroupName": by_function_name(fn),
            "RetentionInDays": 90,
            "KmsKeyId": KEY,
        }
        assert "KmsKeyArn" not in props  # no environment variables: nothing to encrypt
        assert props["CodeSigningConfigArn"] == CSC
        scoped = dict(scoped_log_statements(resources, "RawRole"))
        assert scoped[f"{fn}GuardrailsLogPolicy"] == {"Fn::GetAtt": [group_id, "Arn"]}
        # Lambda checks the X-Ray permission when it creates the function: it waits for it;
        # not for the log policy, which names a group named after the function
        own = re.compile(rf"RawRoleGuardrailsTracing{fn}[0-9A-F]{{8}}")
        tracing = [lid for lid in inline if own.fullmatch(lid)]
        assert len(tracing) == 1
        assert depends_on(resources[fn]) == set(tracing)
    permission = resources["FromS3"]["Properties"]
    assert permission["SourceAccount"] == "123456789012"


def test_raw_rules_no_longer_fire(safe, reference_report):
    assert {f.rule_id for f in open_findings(reference_report, "Raw")} >= {
        "GR-OBS-01",
        "GR-OBS-02",
        "GR-OBS-05",
        "GR-IAM-10",
        "GR-IAM-12",
        "GR-IAM-14",
        "GR-DEP-02",
    }
    assert open_findings(safe.plugin.last_report, "Raw") == []
    changes = changes_at(safe.hardening.changes, "Raw")
    # the shared role is rewritten (and recorded) once, each function gets its own statement
    assert changes.count(("GR-IAM-14", "Raw/RawRole", "ManagedPolicyArns")) == 1
    assert changes.count(("GR-IAM-10", "Raw/RawRole", "PermissionsBoundary")) == 1


def test_boundary_named_without_an_arn_and_roles_with_another_boundary(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    plain = cdk.Stack(app, "Plain", env=ENV)
    function(plain)
    other = cdk.Stack(app, "Other", env=ENV)
    function(
        other,
        role=iam.Role(
            other,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            permissions_boundary=iam.ManagedPolicy.from_managed_policy_arn(
                other, "Old", "arn:aws:iam::123456789012:policy/LegacyBoundary"
            ),
        ),
    )
    param = cdk.Stack(app, "Param", env=ENV)
    function(
        param,
        role=iam.Role(
            param,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            permissions_boundary=iam.ManagedPolicy.from_managed_policy_arn(
                param, "Given", cdk.CfnParameter(param, "BoundaryArn").value_as_string
            ),
        ),
    )
    policy = Policy.coerce({"permissions_boundary": "org/DeveloperBoundary"})
    hardening = LambdaHardening(policy, fixes=["GR-IAM-10"])
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()
    arn = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::123456789012:policy/org/DeveloperBoundary"],
        ]
    }
    for stack in (plain, other):  # a name is not an ARN: CloudFormation needs the ARN
        Template.from_stack(stack).has_resource_properties(
            "AWS::IAM::Role", {"PermissionsBoundary": arn}
        )
    Template.from_stack(param).has_resource_properties(
        "AWS::IAM::Role", {"PermissionsBoundary": {"Ref": "BoundaryArn"}}
    )  # a parameter: not decided, left alone
    assert [(c.construct_path, c.before) for c in hardening.changes] == [
        ("Plain/Fn/ServiceRole/Resource", "(not set)"),
        ("Other/Role/Resource", "arn:aws:iam::123456789012:policy/LegacyBoundary"),
    ]
    report = engine.scan(load(tmp_path), policy, today=TODAY)
    assert [f for f in report.findings if f.rule_id == "GR-IAM-10" and f.status == "open"] == []


# -- a /aws/lambda/<name> group in the stack ---------------------------------------------------
def test_named_log_group_is_fixed_in_place(safe):
    resources = safe.resources("Named")
    fn = fn_id(safe, "Named", "Fn")
    _group_id, group = only(resources, "AWS::Logs::LogGroup")  # no second group
    assert group["Properties"]["RetentionInDays"] == 90
    assert group["Properties"]["KmsKeyId"] == KEY
    assert "LogGroup" not in resources[fn]["Properties"]["LoggingConfig"]
    changes = changes_at(safe.hardening.changes, "Named")
    assert ("GR-OBS-03", "Named/FnLogs/Resource", "RetentionInDays") in changes
    assert ("GR-OBS-04", "Named/FnLogs/Resource", "KmsKeyId") in changes
    # its name is built from the function's Ref: the role's default policy, which the function
    # depends on, cannot name it (function -> policy -> log group -> function); a policy of its
    # own, which the function does not wait for, can
    role_id, role = only(resources, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role["Properties"]
    ((policy, arn),) = scoped_log_statements(resources, role_id)
    assert arn == {"Fn::GetAtt": [_group_id, "Arn"]}
    assert policy not in depends_on(resources[fn])
    assert open_findings(safe.plugin.last_report, "Named") == []


def test_shared_role_gets_one_scoped_statement_per_function(safe):
    resources = safe.resources("Shared")
    role = logical_id(safe.stacks["Shared"].node.find_child("Shared"))
    assert managed_names(resources[role]) == []
    scoped = scoped_log_statements(resources, role)
    for path in ("Plain", "Named"):
        fn = fn_id(safe, "Shared", path)
        props = resources[fn]["Properties"]
        assert "LogGroup" not in props["LoggingConfig"]  # each logs to /aws/lambda/<its name>
        group = log_group_of(resources, fn)
        assert group is not None
        named = [lid for lid, arn in scoped if arn == {"Fn::GetAtt": [group, "Arn"]}]
        assert len(named) == 1 and named[0].startswith(f"{path}GuardrailsLogPolicy")
        assert not {lid for lid, _ in scoped} & depends_on(resources[fn])
    # the Plain function's group is the Aspect's (GR-OBS-02), the Named one's the user's
    assert log_group_of(resources, fn_id(safe, "Shared", "Plain")).startswith(
        "PlainGuardrailsLogGroup"
    )
    assert log_group_of(resources, fn_id(safe, "Shared", "Named")).startswith("NamedLogs")
    changes = [c for c in changes_at(safe.hardening.changes, "Shared") if c[0] == "GR-IAM-14"]
    assert changes == [("GR-IAM-14", "Shared/Shared/Resource", "ManagedPolicyArns")]
    assert open_findings(safe.plugin.last_report, "Shared") == []


# -- the log group's name: the logs stay where they are ----------------------------------------
def test_default_log_fix_keeps_the_logs_in_aws_lambda_function(safe):
    """The group is ``/aws/lambda/${Ref fn}``: it depends on the function, and nothing the
    function depends on refers to it (no cycle); the model links it to the function by name."""
    resources = safe.resources("Defaults")
    fn = fn_id(safe, "Defaults", "Fn")
    group_id = log_group_of(resources, fn)
    assert group_id is not None
    group = resources[group_id]
    assert set(_references(group["Properties"])) == {fn}  # through its name only
    assert "DependsOn" not in group
    assert group_id not in set(_references(resources[fn])) | depends_on(resources[fn])
    # nothing the function depends on names the group, directly or through another resource
    edges = _edges(Template.from_stack(safe.stacks["Defaults"]).to_json())
    seen, todo = set(), [fn]
    while todo:
        for target in edges[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    assert group_id not in seen
    # the model sees it as the function's /aws/lambda/<name> group, with retention and key
    (model_fn,) = [
        f
        for f in model_functions(load(safe.outdir))
        if f.stack == "Defaults" and f.logical_id == fn
    ]
    (linked,) = model_fn.log_groups
    assert (linked.site.logical_id, linked.linked_by) == (group_id, "by_name")
    assert (linked.retention_in_days, linked.kms_key_id) == (90, KEY)
    report = safe.plugin.last_report
    assert open_findings(report, "Defaults", ("GR-OBS-02", "GR-OBS-03", "GR-OBS-04")) == []
    # the record says loudly what a function that already exists needs
    (record,) = [
        c
        for c in safe.hardening.changes
        if c.rule == "GR-OBS-02" and c.construct_path == "Defaults/Fn/Resource"
    ]
    assert record.property == "LoggingConfig.LogGroup"
    assert record.after.startswith(
        "(still not set) /aws/lambda/<function>, created in the stack as "
        "Defaults/Fn/GuardrailsLogGroup (90 days, KMS): the logs stay where they are."
    )
    for needed in ("cdk import", "already exists", "log_group_name='new'"):
        assert needed in record.after
    (remediated,) = [
        f
        for f in report.findings
        if f.rule_id == "GR-OBS-02" and f.status == "remediated" and f.stack == "Defaults"
    ]
    assert remediated.location == "Properties/LoggingConfig/LogGroup"
    assert "cdk import" in remediated.message


def test_literal_function_name_gives_a_literal_group_name(safe):
    """No reference to the function at all: the role's default policy, which the function
    waits for, can name the group."""
    template = safe.template("Literal")
    resources = template.to_json()["Resources"]
    fn = fn_id(safe, "Literal", "Fn")
    group_id, group = only(resources, "AWS::Logs::LogGroup")
    assert group["Properties"]["LogGroupName"] == "/aws/lambda/orders-handler"
    assert not set(_references(group)) & {fn}
    assert resources[fn]["Properties"]["LoggingConfig"] == {"LogFormat": "JSON"}
    role_id, role = only(resources, "AWS::IAM::Role")
    assert "ManagedPolicyArns" not in role["Properties"]
    ((policy, arn),) = scoped_log_statements(resources, role_id)
    assert arn == {"Fn::GetAtt": [group_id, "Arn"]}
    assert policy in depends_on(resources[fn])  # the role's default policy
    assert open_findings(safe.plugin.last_report, "Literal") == []
    (record,) = [c for c in safe.hardening.changes if c.construct_path == "Literal/Fn/Resource"
                 and c.rule == "GR-OBS-02"]  # fmt: skip
    assert record.after.startswith("(still not set) /aws/lambda/orders-handler, created in")


def test_a_custom_resource_invoking_the_function_waits_for_its_group(safe):
    """Else the handler may run first and, with a role that may still create log groups, make
    Lambda create ``/aws/lambda/<name>`` before CloudFormation does."""
    resources = safe.resources("Handler")
    fn = fn_id(safe, "Handler", "Handler")
    group_id = log_group_of(resources, fn)
    assert group_id is not None and group_id.startswith("HandlerGuardrailsLogGroup")
    (seed,) = of_type(resources, "AWS::CloudFormation::CustomResource").values()
    assert seed["Properties"]["ServiceToken"] == {"Fn::GetAtt": [fn, "Arn"]}
    assert depends_on(seed) == {group_id}
    assert open_findings(safe.plugin.last_report, "Handler") == []


def test_group_defined_by_another_stack_is_not_created_twice(safe):
    resources = safe.resources("Billing")
    assert of_type(resources, "AWS::Logs::LogGroup") == {}
    fn = fn_id(safe, "Billing", "Fn")
    assert resources[fn]["Properties"]["LoggingConfig"] == {"LogFormat": "JSON"}
    warnings = Annotations.from_stack(safe.stacks["Billing"]).find_warning(
        "/Billing/Fn", Match.string_like_regexp("Elsewhere/BillingLogs/Resource defines")
    )
    assert len(warnings) == 1
    assert LOG_GROUP_ELSEWHERE_ID in warnings[0].entry.data
    # the role is scoped to the group by its name (no reference to the function)
    role_id, _ = only(resources, "AWS::IAM::Role")
    ((_, arn),) = scoped_log_statements(resources, role_id)
    assert "log-group:/aws/lambda/billing-handler:*" in json.dumps(arn)
    assert fn not in set(_references(arn))
    # the model does not link a group of another stack: GR-OBS-02 is left to acknowledge
    still_open = {f.rule_id for f in open_findings(safe.plugin.last_report, "Billing")}
    assert still_open == {"GR-OBS-02"}


def test_new_log_group_option_keeps_the_earlier_behaviour(variants):
    resources = variants.resources("DefaultsNew")
    fn = fn_id(variants, "DefaultsNew", "Fn")
    group_id, group = only(resources, "AWS::Logs::LogGroup")
    assert group["Properties"] == {"RetentionInDays": 90, "KmsKeyId": KEY}  # a generated name
    assert resources[fn]["Properties"]["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": {"Ref": group_id},
    }
    role_id, _ = only(resources, "AWS::IAM::Role")
    ((policy, arn),) = scoped_log_statements(resources, role_id)
    assert arn == {"Fn::GetAtt": [group_id, "Arn"]}
    assert policy in depends_on(resources[fn])  # the role's default policy: no cycle
    raw = variants.resources("RawNew")
    for name in ("RawFn", "RawFn2"):
        props = raw[name]["Properties"]
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": f"{name}GuardrailsLogGroup"}
        assert "LogGroupName" not in raw[f"{name}GuardrailsLogGroup"]["Properties"]
        own = re.compile(rf"RawRoleGuardrails(Tracing|Logs0){name}[0-9A-F]{{8}}")
        assert len([lid for lid in depends_on(raw[name]) if own.fullmatch(lid)]) == 2
    # log_retention= functions log to a new group of their own, with the longer retention
    fw = variants.resources("FwNew")
    for path, days in (("Ret", 90), ("RetLong", 365)):
        props = fw[fn_id(variants, "FwNew", path)]["Properties"]
        group = fw[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert group == {"RetentionInDays": days, "KmsKeyId": KEY}
    report = scan(variants, POLICY)
    for stack in ("DefaultsNew", "RawNew", "FwNew"):
        assert open_findings(report, stack, (*SAFE_RULES, "GR-OBS-03")) == [], stack
    records = [c.after for c in variants.new.changes if c.property == "LoggingConfig.LogGroup"]
    assert len(records) == 6
    assert all("the logs move away from /aws/lambda/<function>" in r for r in records)


def _big_stack(app: cdk.App, name: str, handles: int) -> cdk.Stack:
    stack = cdk.Stack(app, name, env=ENV)
    for i in range(handles):
        cdk.CfnWaitConditionHandle(stack, f"Handle{i}")
    function(stack)
    return stack


def test_a_stack_near_the_resource_limit_gets_a_warning(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    big = _big_stack(app, "Big", STACK_RESOURCE_WARNING - 2)  # + the role and the function
    under = _big_stack(app, "Under", STACK_RESOURCE_WARNING - 10)
    hardening = LambdaHardening(POLICY)
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()
    count = len(Template.from_stack(big).to_json()["Resources"])
    assert STACK_RESOURCE_WARNING < count <= STACK_RESOURCE_WARNING + 5
    warnings = Annotations.from_stack(big).find_warning(
        "/Big", Match.string_like_regexp("CloudFormation accepts at most 500 per stack")
    )
    assert len(warnings) == 1
    assert STACK_RESOURCE_WARNING_ID in warnings[0].entry.data
    assert Annotations.from_stack(under).find_warning("*", Match.any_value()) == []


# -- a function in a nested Stage --------------------------------------------------------------
def test_nested_stage_function_is_hardened_through_protect(safe):
    assert (safe.outdir / "assembly-Prod").is_dir()
    template = safe.template("Prod/Inner")
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"TracingConfig": {"Mode": "Active"}, "KmsKeyArn": KEY, "CodeSigningConfigArn": CSC},
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 90})
    assert ("GR-OBS-01", "Prod/Inner/Fn/Resource", "TracingConfig.Mode") in changes_at(
        safe.hardening.changes, "Prod"
    )
    report = safe.plugin.last_report
    assert open_findings(report, "Prod/Inner") == []
    assert any(f.stack == "Prod/Inner" and f.status == "remediated" for f in report.findings)


# -- framework-owned functions -----------------------------------------------------------------
def _framework_functions(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {
        lid: res
        for lid, res in of_type(resources, "AWS::Lambda::Function").items()
        if FRAMEWORK_SEGMENT.match(lid)
    }
    assert len(found) == 3, sorted(found)
    return found


def test_framework_functions_are_untouched_by_default(safe):
    resources = safe.resources("Fw")
    for lid, res in _framework_functions(resources).items():
        props = res["Properties"]
        assert "TracingConfig" not in props, lid
        assert "LoggingConfig" not in props, lid
        assert "CodeSigningConfigArn" not in props, lid
        role = resources[props["Role"]["Fn::GetAtt"][0]]
        assert managed_names(role) == [BASIC], lid
        assert "PermissionsBoundary" not in role["Properties"], lid
    paths = [c.construct_path for c in safe.hardening.changes if c.construct_path.startswith("Fw/")]
    assert paths and not [p for p in paths if FRAMEWORK_SEGMENT.search(p)]
    # the user's functions of that stack are rewritten
    fn = fn_id(safe, "Fw", "OnUpload")
    assert resources[fn]["Properties"]["TracingConfig"] == {"Mode": "Active"}


def test_log_retention_is_raised_and_never_shortened(safe):
    resources = safe.resources("Fw")
    retention = {
        r["Properties"]["LogGroupName"]["Fn::Join"][1][1]["Ref"]: r["Properties"]
        for r in of_type(resources, "Custom::LogRetention").values()
    }
    ret, ret_long = fn_id(safe, "Fw", "Ret"), fn_id(safe, "Fw", "RetLong")
    assert retention[ret]["RetentionInDays"] == 90  # ONE_WEEK raised to the policy's minimum
    assert retention[ret_long]["RetentionInDays"] == 365  # longer: left alone
    assert ("GR-OBS-03", "Fw/Ret/LogRetention/Resource", "RetentionInDays") in changes_at(
        safe.hardening.changes, "Fw"
    )
    # the group the role can be scoped to is the one log_retention= keeps (and creates, when
    # it runs after it): /aws/lambda/<function>, with the longer retention and the key
    for fn, days in ((ret, 90), (ret_long, 365)):
        assert "LogGroup" not in resources[fn]["Properties"]["LoggingConfig"]
        group_id = log_group_of(resources, fn)
        assert group_id is not None
        assert resources[group_id]["Properties"] == {
            "LogGroupName": by_function_name(fn),
            "RetentionInDays": days,
            "KmsKeyId": KEY,
        }
        (handler,) = [
            res
            for res in of_type(resources, "Custom::LogRetention").values()
            if res["Properties"]["LogGroupName"] == by_function_name(fn)
        ]
        assert group_id in depends_on(handler)
    assert open_findings(safe.plugin.last_report, "Fw", (*SAFE_RULES, "GR-OBS-03")) == []


def test_framework_functions_are_rewritten_when_the_policy_says_so(variants):
    resources = variants.resources("FwAll")
    functions = of_type(resources, "AWS::Lambda::Function")
    singleton = next(lid for lid in functions if lid.startswith("AWS679f53fac"))
    props = resources[singleton]["Properties"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["ReservedConcurrentExecutions"] == 25
    role = resources[props["Role"]["Fn::GetAtt"][0]]["Properties"]
    assert role["PermissionsBoundary"] == BOUNDARY
    assert "ManagedPolicyArns" not in role
    # Known limit: the LogRetention and BucketNotificationsHandler singletons are raw
    # ``CfnResource``s of type AWS::Lambda::Function, not ``CfnFunction``s: the Aspect does
    # not rewrite them even with framework.remediate.
    log_retention = next(lid for lid in functions if lid.startswith("LogRetention"))
    assert "TracingConfig" not in resources[log_retention]["Properties"]


# -- idempotency -------------------------------------------------------------------------------
def test_a_second_instance_changes_nothing_more(safe, variants):
    assert variants.first.changes
    assert variants.second.changes == []
    for name in ("Defaults", "Raw"):
        assert variants.resources(f"{name}Twice") == safe.resources(name), name
    # the same records as the single run, in the stacks' other names
    first = sorted(json.dumps(asdict(c)) for c in variants.first.changes)
    single = sorted(
        re.sub(r"\b(Defaults|Raw)/", r"\1Twice/", json.dumps(asdict(c)))
        for c in safe.hardening.changes
        if c.construct_path.split("/")[0] in ("Defaults", "Raw")
    )
    assert first == single


def test_all_fixes_applied_twice_create_one_key_per_stack(variants):
    assert variants.everything.changes
    assert variants.again.changes == []
    for name in ("OptInAll", "FwAll"):
        resources = variants.resources(name)
        key_id, key = only(resources, "AWS::KMS::Key")
        assert key["Properties"]["EnableKeyRotation"] is True
        arn = {"Fn::GetAtt": [key_id, "Arn"]}
        user = [
            (lid, res)
            for lid, res in of_type(resources, "AWS::Lambda::Function").items()
            if not FRAMEWORK_SEGMENT.match(lid)
        ]
        for lid, res in user:
            if "Environment" in res["Properties"]:
                assert res["Properties"]["KmsKeyArn"] == arn
            group = resources[log_group_of(resources, lid) or ""]
            assert group["Properties"]["KmsKeyId"] == arn


# -- opt-in fixes ------------------------------------------------------------------------------
def _worker(synthesized: Synthesized, stack: str) -> dict[str, Any]:
    return synthesized.resources(stack)[fn_id(synthesized, stack, "Worker")]["Properties"]


def test_opt_in_fixes_are_not_applied_with_safe(safe):
    props = _worker(safe, "OptIn")
    assert set(props["Environment"]["Variables"]) == {"DB", "DB_URL", "API_PASSWORD"}
    assert props["Environment"]["Variables"]["DB"].startswith("{{resolve:secretsmanager:prod/db")
    for absent in ("DeadLetterConfig", "VpcConfig", "ReservedConcurrentExecutions"):
        assert absent not in props
    rules = {c.rule for c in safe.hardening.changes}
    assert not rules & {"GR-SEC-02", "GR-OBS-06", "GR-NET-01", "GR-CFG-01"}
    still_open = {f.rule_id for f in open_findings(safe.plugin.last_report, "OptIn", ("GR-SEC-02",
                  "GR-OBS-06", "GR-CFG-01"))}  # fmt: skip
    assert still_open == {"GR-SEC-02", "GR-OBS-06", "GR-CFG-01"}


def test_opt_in_fixes_are_applied_with_all(variants):
    resources = variants.resources("OptInAll")
    props = _worker(variants, "OptInAll")
    variables = props["Environment"]["Variables"]
    assert variables["DB_SECRET_ARN"] == "prod/db"
    assert "DB" not in variables
    assert variables["API_PASSWORD"] == FAKE_PASSWORD  # not a reference: not GR-SEC-02's fix
    # the secret's name cannot stand for a connection string: left for the user to fix
    assert variables["DB_URL"].startswith("postgres://app:{{resolve:secretsmanager:prod/db:")
    assert "DB_URL_SECRET_ARN" not in variables
    secret_statements = [s for _, s in statements(resources) if any(
        a.startswith("secretsmanager:") for a in actions_of(s))]  # fmt: skip
    assert secret_statements == [
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":secretsmanager:eu-west-1:123456789012:secret:prod/db-??????",
                    ],
                ]
            },
        }
    ]
    queue_id, queue = only(resources, "AWS::SQS::Queue")
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert props["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert {
        "Action": "sqs:SendMessage",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
    } in [s for _, s in statements(resources)]
    assert props["VpcConfig"] == {"SubnetIds": SUBNETS, "SecurityGroupIds": SECURITY_GROUPS}
    assert props["ReservedConcurrentExecutions"] == 25
    report = scan(variants, POLICY_ALL)
    # every fix but code signing: POLICY_ALL names no code signing config
    fixed = ("GR-SEC-02", "GR-OBS-06", "GR-NET-01", "GR-CFG-01", *SAFE_RULES)
    fixed = tuple(r for r in fixed if r != "GR-DEP-02")
    left = open_findings(report, "OptInAll", fixed)
    assert [(f.rule_id, f.location) for f in left] == [
        ("GR-SEC-02", "Properties/Environment/Variables/DB_URL")
    ]
    remediated = [f for f in report.findings if f.stack == "OptInAll" and f.status == "remediated"]
    assert {"GR-SEC-02", "GR-OBS-06", "GR-NET-01", "GR-CFG-01"} <= {f.rule_id for f in remediated}
    (secret,) = [f for f in remediated if f.rule_id == "GR-SEC-02"]
    assert secret.location == "Properties/Environment/Variables/DB"


def test_opt_in_fixes_are_applied_when_listed(variants):
    props = _worker(variants, "OptInListed")
    assert props["ReservedConcurrentExecutions"] == 10
    assert set(props["Environment"]["Variables"]) == {"DB_SECRET_ARN", "DB_URL", "API_PASSWORD"}
    for absent in ("DeadLetterConfig", "VpcConfig", "TracingConfig", "LoggingConfig"):
        assert absent not in props  # neither the other opt-in fixes nor the safe ones
    assert {c.rule for c in variants.listed.changes} == {"GR-CFG-01", "GR-SEC-02"}


def test_fixes_argument_is_checked():
    with pytest.raises(ValueError, match="no automatic fix for GR-IAM-01"):
        LambdaHardening(POLICY, fixes=["GR-OBS-01", "GR-IAM-01"])
    with pytest.raises(ValueError, match="expected 'safe', 'all' or a list"):
        LambdaHardening(POLICY, fixes="everything")
    with pytest.raises(ValueError, match="log_group_name: expected 'function' or 'new'"):
        LambdaHardening(POLICY, log_group_name="generated")


# -- the change log ----------------------------------------------------------------------------
def _change_log(outdir: Path) -> list[dict[str, str]]:
    doc = json.loads((outdir / REPORT_FILE).read_text())
    assert doc["tool"] == "lambda-guardrails"
    return doc["remediations"]


def test_change_log_file_and_metadata_list_every_change(safe, variants):
    assert _change_log(safe.outdir) == [asdict(c) for c in safe.hardening.changes]
    recorded = sorted(
        ({k: v for k, v in r.items() if k != "stack"} for r in load(safe.outdir).remediations),
        key=json.dumps,
    )
    assert recorded == sorted((asdict(c) for c in safe.hardening.changes), key=json.dumps)
    # several instances in one app write one log together
    every = [
        asdict(c)
        for h in (variants.first, variants.everything, variants.listed, variants.new)
        for c in h.changes
    ]
    assert sorted(_change_log(variants.outdir), key=json.dumps) == sorted(every, key=json.dumps)


def test_no_secret_value_is_recorded(safe, variants):
    for outdir in (safe.outdir, variants.outdir):
        assert FAKE_PASSWORD not in (outdir / REPORT_FILE).read_text()
        for metadata in outdir.rglob("*.metadata.json"):
            assert FAKE_PASSWORD not in metadata.read_text(), metadata
    for h in (safe.hardening, variants.everything, variants.listed, variants.new):
        assert FAKE_PASSWORD not in json.dumps([asdict(c) for c in h.changes])
    assert any(c.rule == "GR-SEC-05" for c in safe.hardening.changes)  # the env was seen


def test_an_earlier_change_log_does_not_survive_a_synth(tmp_path):
    (tmp_path / REPORT_FILE).write_text('{"tool": "lambda-guardrails", "remediations": [1]}')
    app = cdk.App(outdir=str(tmp_path))
    compliant(cdk.Stack(app, "Compliant", env=ENV))
    hardening = LambdaHardening(POLICY)
    cdk.Aspects.of(app).add(hardening, priority=cdk.AspectPriority.MUTATING)
    app.synth()
    assert hardening.changes == []
    assert _change_log(tmp_path) == []


# -- the rewritten templates still hold together -----------------------------------------------
PSEUDO = re.compile(r"^AWS::")


def _templates(*synthesized: Synthesized) -> Iterator[tuple[Path, dict[str, Any]]]:
    for s in synthesized:
        for path in sorted(s.outdir.rglob("*.template.json")):
            yield path, json.loads(path.read_text())


def _references(value: Any) -> Iterator[str]:
    """Logical ids (or parameters) a value refers to with Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                yield arg
            elif key == "Fn::GetAtt":
                yield arg[0] if isinstance(arg, list) else arg.split(".")[0]
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                local = set(arg[1]) if isinstance(arg, list) else set()
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    if name.split(".")[0] not in local:
                        yield name.split(".")[0]
                if isinstance(arg, list):
                    yield from _references(arg[1])
            else:
                yield from _references(arg)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _edges(template: dict[str, Any]) -> dict[str, set[str]]:
    resources = template.get("Resources", {})
    edges: dict[str, set[str]] = {}
    for lid, res in resources.items():
        depends = res.get("DependsOn", [])
        targets = set([depends] if isinstance(depends, str) else depends)
        targets |= {r for r in _references(res) if r in resources}
        edges[lid] = targets
    return edges


def test_every_reference_has_a_target(safe, variants):
    for path, template in _templates(safe, variants):
        names = set(template.get("Resources", {})) | set(template.get("Parameters", {}))
        for lid, res in template["Resources"].items():
            depends = res.get("DependsOn", [])
            for target in [depends] if isinstance(depends, str) else depends:
                assert target in template["Resources"], (path.name, lid, target)
            for target in _references(res):
                assert target in names or PSEUDO.match(target), (path.name, lid, target)


def test_no_dependency_cycle(safe, variants):
    for path, template in _templates(safe, variants):
        edges = _edges(template)
        state: dict[str, int] = {}

        def visit(node: str, trail: tuple[str, ...], edges=edges, state=state, path=path):
            if state.get(node) == 2:
                return
            assert state.get(node) != 1, f"{path.name}: cycle {' -> '.join((*trail, node))}"
            state[node] = 1
            for target in sorted(edges[node]):
                visit(target, (*trail, node))
            state[node] = 2

        for node in sorted(edges):
            visit(node, ())


def test_functions_log_to_the_group_their_role_may_write(safe, variants):
    checked = {"function": 0, "new": 0}
    for path, template in _templates(safe, variants):
        resources = template["Resources"]
        for lid, res in of_type(resources, "AWS::Lambda::Function").items():
            group_id = log_group_of(resources, lid)
            if group_id is None or "GuardrailsLogGroup" not in group_id:
                continue
            assert resources[group_id]["Type"] == "AWS::Logs::LogGroup"
            role = res["Properties"]["Role"]["Fn::GetAtt"][0]
            if BASIC in managed_names(resources[role]):
                continue  # the managed policy was kept: it allows every log group
            scoped = [arn for _, arn in scoped_log_statements(resources, role)]
            assert {"Fn::GetAtt": [group_id, "Arn"]} in scoped, (path.name, lid)
            named = "LogGroupName" in resources[group_id]["Properties"]
            checked["function" if named else "new"] += 1
    assert checked["function"] >= 8 and checked["new"] >= 4, checked


def test_a_log_group_given_by_reference_is_kept_when_the_log_format_is_fixed(tmp_path):
    """``log_group=`` resolves to ``{"Ref": ...}``: the fix writes it back as a token (a dict
    there made jsii refuse the struct and failed the synth)."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Refs", env=ENV)
    group = logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.THREE_MONTHS)
    function(stack, "Fn", log_group=group)
    lambda_.CfnFunction(
        stack,
        "Raw",
        role="arn:aws:iam::123456789012:role/r",
        code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(e, c):\n    return 1\n"),
        runtime="python3.12",
        handler="index.handler",
        logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=group.log_group_name),
    )
    guardrails.protect(app, mode="audit", remediate="safe")
    app.synth()
    template = json.loads((tmp_path / "Refs.template.json").read_text())
    group_id = logical_id(group)
    configs = [
        r["Properties"]["LoggingConfig"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert configs == [{"LogFormat": "JSON", "LogGroup": {"Ref": group_id}}] * 2


def _logs_subscription_app(outdir: Path) -> cdk.App:
    """A function invoked by CloudWatch Logs through ``Fn::Sub logs.${AWS::Region}...``."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Subs", env=ENV)
    fn = function(stack, "Fn")
    lambda_.CfnPermission(
        stack,
        "FromLogs",
        action="lambda:InvokeFunction",
        function_name=fn.function_name,
        principal=cdk.Fn.sub("logs.${AWS::Region}.amazonaws.com"),
        source_account=stack.account,
    )
    return app


def test_the_dead_letter_fix_sees_the_asynchronous_principals_the_rule_sees(tmp_path):
    """GR-OBS-06 flags a permission for ``Fn::Sub logs.${AWS::Region}.amazonaws.com``; the
    opt-in fix decides with the same code, so it adds the dead-letter queue there too."""
    _logs_subscription_app(tmp_path / "plain").synth()
    before = engine.scan(load(tmp_path / "plain")).open
    assert len([f for f in before if f.rule_id == "GR-OBS-06"]) == 1
    app = _logs_subscription_app(tmp_path / "fixed")
    guardrails.protect(app, mode="audit", remediate=["GR-OBS-06"])
    app.synth()
    report = engine.scan(load(tmp_path / "fixed"))
    assert not [f for f in report.open if f.rule_id == "GR-OBS-06"]
    assert [f.rule_id for f in report.findings if f.status == "remediated"] == ["GR-OBS-06"]
