"""A legacy stack with the missteps the guardrails exist for. Every one is deliberate:
an administrator role, a credential in the environment (a made-up value), no log retention,
a deprecated runtime, unpinned dependencies, a public function URL and an open REST API."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

HANDLERS = Path(__file__).parent / "handlers"

# A made-up credential for the demo; the guardrails report shows it masked, never in full.
FAKE_DB_PASSWORD = "qT7vX2mK9pL4nR8sW3yZ6bC1dF5gH0jA"


class LegacyReportsStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)

        role = iam.Role(
            self,
            "ReportsRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess"),
            ],
        )
        role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
        fn = lambda_.Function(
            self,
            "ReportsFn",
            runtime=lambda_.Runtime.PYTHON_3_8,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(HANDLERS / "legacy")),
            role=role,
            environment={
                "REPORT_BUCKET": "legacy-reports",
                "DB_PASSWORD": FAKE_DB_PASSWORD,
            },
        )
        fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
        apigw.LambdaRestApi(self, "ReportsApi", handler=fn)
        cdk.CfnOutput(self, "ReportsUrl", value=fn.function_name)
