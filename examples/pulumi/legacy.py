"""A legacy service with the missteps the guardrails exist for, written with Pulumi: the twin
of the CDK demo's ``LegacyReports`` (``stacks/legacy_stack.py``). Every one is deliberate: an
administrator role, a credential in the environment (a made-up value), no log group, a
deprecated runtime, a public function URL and an open REST API."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

# A made-up credential for the demo; the guardrails report shows it masked, never in full.
FAKE_DB_PASSWORD = "qT7vX2mK9pL4nR8sW3yZ6bC1dF5gH0jA"
HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'report'}\n"


def build() -> None:
    role = aws.iam.Role(
        "reports-role",
        assume_role_policy=json.dumps(
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
        ),
        managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"],
    )
    aws.iam.RolePolicy(
        "reports-role-s3",
        role=role.id,
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    fn = aws.lambda_.Function(
        "reports-fn",
        role=role.arn,
        runtime="python3.8",
        handler="index.handler",
        code=pulumi.AssetArchive({"index.py": pulumi.StringAsset(HANDLER)}),
        environment={
            "variables": {"REPORT_BUCKET": "legacy-reports", "DB_PASSWORD": FAKE_DB_PASSWORD}
        },
    )
    aws.lambda_.FunctionUrl("reports-url", function_name=fn.name, authorization_type="NONE")
    aws.lambda_.Permission(
        "reports-url-public",
        action="lambda:InvokeFunctionUrl",
        function=fn.name,
        principal="*",
        function_url_auth_type="NONE",
    )
    api = aws.apigateway.RestApi("reports-api")
    proxy = aws.apigateway.Resource(
        "reports-proxy", rest_api=api.id, parent_id=api.root_resource_id, path_part="{proxy+}"
    )
    for name, resource_id in (("root", api.root_resource_id), ("proxy", proxy.id)):
        method = aws.apigateway.Method(
            f"reports-{name}-any",
            rest_api=api.id,
            resource_id=resource_id,
            http_method="ANY",
            authorization="NONE",
        )
        aws.apigateway.Integration(
            f"reports-{name}-integration",
            rest_api=api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            integration_http_method="POST",
            type="AWS_PROXY",
            uri=fn.invoke_arn,
        )
    deployment = aws.apigateway.Deployment("reports-deployment", rest_api=api.id)
    aws.apigateway.Stage(
        "reports-prod", rest_api=api.id, deployment=deployment.id, stage_name="prod"
    )
    aws.lambda_.Permission(
        "reports-api-invoke",
        action="lambda:InvokeFunction",
        function=fn.name,
        principal="apigateway.amazonaws.com",
        source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/*"),
    )
