"""The cloud assembly and the graph around each function, on one real synthesized app."""

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_lambda_event_sources import SqsEventSource

from guardrails.model import functions
from guardrails.model.values import Token
from tests.conftest import ENV, synth

HANDLER = Path(__file__).parents[1] / "fixtures" / "handler"


def _fn(scope, id, **kwargs):
    kwargs.setdefault("code", lambda_.Code.from_inline("def handler(e, c): return 1"))
    return lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler", **kwargs
    )


def build(app: cdk.App) -> None:
    top = cdk.Stack(app, "Top", env=ENV)
    api_fn = _fn(
        top,
        "Api",
        code=lambda_.Code.from_asset(str(HANDLER)),
        log_retention=logs.RetentionDays.ONE_MONTH,
    )
    api_fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    api_fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
    api_fn.add_alias("live").add_permission(
        "FromEvents", principal=iam.ServicePrincipal("events.amazonaws.com")
    )
    Validations.of(api_fn).acknowledge(
        Acknowledgment(id="lambda-guardrails::GR-IAM-05", reason="audited")
    )
    shared = iam.Role(top, "Shared", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    a = _fn(
        top,
        "A",
        role=shared,
        log_group=logs.LogGroup(top, "ALogs", retention=logs.RetentionDays.ONE_YEAR),
    )
    _fn(top, "B", role=shared)
    a.add_event_source(SqsEventSource(sqs.Queue(top, "Q")))
    s3.Bucket(top, "Bucket", auto_delete_objects=True, removal_policy=cdk.RemovalPolicy.DESTROY)

    stage = cdk.Stage(app, "Prod", env=ENV)
    inner = cdk.Stack(stage, "Inner")
    nested = cdk.NestedStack(inner, "Nest")
    _fn(nested, "Deep")


@pytest.fixture(scope="module")
def assembly(module_tmp):
    return synth(build, module_tmp)


@pytest.fixture(scope="module")
def fns(assembly):
    return {
        (
            f.stack,
            f.site.construct_path.rsplit("/", 2)[-2] if f.site.construct_path else f.logical_id,
        ): f
        for f in functions(assembly)
    }


def test_stacks_of_nested_stages_and_nested_stacks(assembly):
    names = {s.name for s in assembly.stacks}
    assert {"Top", "Prod/Inner", "Prod/Inner/Nest"} <= names
    nested = next(s for s in assembly.stacks if s.name == "Prod/Inner/Nest")
    assert nested.template_path.endswith(".nested.template.json")
    assert nested.account == "123456789012"


def test_construct_paths_and_acknowledgements(assembly, fns):
    assert fns[("Top", "Api")].site.construct_path == "Top/Api/Resource"
    assert fns[("Prod/Inner/Nest", "Deep")].site.construct_path == "Prod/Inner/Nest/Deep/Resource"
    assert assembly.acknowledgements["Top/Api"] == {"lambda-guardrails::GR-IAM-05": "audited"}


def test_role_statements_managed_policies_and_partition(fns):
    fn = fns[("Top", "Api")]
    assert fn.role is not None
    assert [m.aws_name for m in fn.role.managed_policies] == [
        "service-role/AWSLambdaBasicExecutionRole"
    ]
    actions = [a for s in fn.role.statements for a in s.actions]
    assert "s3:GetObject" in actions
    st = next(s for s in fn.role.statements if "s3:GetObject" in s.actions)
    assert st.site.location == "Properties/PolicyDocument/Statement/0"
    assert st.site.construct_path == "Top/Api/ServiceRole/DefaultPolicy/Resource"
    assert fn.role.trust[0].principals == {"Service": "lambda.amazonaws.com"}


def test_shared_role_knows_its_functions(fns):
    a, b = fns[("Top", "A")], fns[("Top", "B")]
    assert a.role.functions == b.role.functions
    assert len(a.role.functions) == 2


def test_permissions_through_aliases_and_urls(fns):
    fn = fns[("Top", "Api")]
    principals = {p.principal for p in fn.permissions}
    assert "events.amazonaws.com" in principals
    assert [u.auth_type for u in fn.urls] == ["AWS_IAM"]


def test_log_groups_each_form(fns):
    api = fns[("Top", "Api")]
    assert [(lg.linked_by, lg.retention_in_days) for lg in api.log_groups] == [
        ("log_retention", 30)
    ]
    a = fns[("Top", "A")]
    assert [(lg.linked_by, lg.retention_in_days) for lg in a.log_groups] == [
        ("logging_config", 365)
    ]
    assert fns[("Top", "B")].log_groups == ()


def test_code_asset_is_mapped_into_the_assembly(fns):
    code = fns[("Top", "Api")].code
    assert code.asset_path is not None and (code.asset_path / "index.py").is_file()
    assert fns[("Top", "B")].code.inline.startswith("def handler")


def test_event_source_mapping(fns):
    (mapping,) = fns[("Top", "A")].event_source_mappings
    assert isinstance(mapping.event_source_arn, Token)


def test_framework_functions_are_marked(assembly):
    owners = {f.logical_id: f.owner for f in functions(assembly)}
    assert any(k.startswith("LogRetention") and v == "framework" for k, v in owners.items())
    assert any("AutoDeleteObjects" in k and v == "framework" for k, v in owners.items())
    assert {v for k, v in owners.items() if k.startswith(("Api", "A", "B", "Deep"))} == {"user"}
