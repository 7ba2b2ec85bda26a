"""A small service that passes every guardrail, written with Pulumi: API Gateway -> function
-> DynamoDB, the database secret passed by reference (its ARN) and read at run time. The
Pulumi twin of the CDK demo's ``OrdersService`` (``stacks/service_stack.py``)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

HANDLER = """import json, os

import boto3

SECRETS = boto3.client("secretsmanager")
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    SECRETS.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])  # read at run time
    order = json.loads(event["body"])
    TABLE.put_item(Item={"pk": order["id"]})
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
"""
ZONES = ("eu-west-1a", "eu-west-1b")


def _policy(statements: list[dict[str, object]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def build() -> None:
    key = aws.kms.Key("orders-key", enable_key_rotation=True)
    table = aws.dynamodb.Table(
        "orders",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        billing_mode="PAY_PER_REQUEST",
        server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    )
    db_secret = aws.secretsmanager.Secret("db-secret", kms_key_id=key.arn)

    # private, isolated subnets in two AZs: AWS APIs through VPC endpoints
    vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
    subnets = [
        aws.ec2.Subnet(
            f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=zone
        )
        for i, zone in enumerate(ZONES)
    ]
    routes = aws.ec2.RouteTable("private-routes", vpc_id=vpc.id)
    for i, subnet in enumerate(subnets):
        aws.ec2.RouteTableAssociation(
            f"private-{i}-routes", route_table_id=routes.id, subnet_id=subnet.id
        )
    endpoint = aws.ec2.VpcEndpoint(
        "dynamodb-endpoint",
        vpc_id=vpc.id,
        service_name="com.amazonaws.eu-west-1.dynamodb",
        vpc_endpoint_type="Gateway",
        route_table_ids=[routes.id],
    )
    endpoints_sg = aws.ec2.SecurityGroup(
        "endpoints-sg",
        vpc_id=vpc.id,
        description="interface endpoints: HTTPS from the VPC",
        ingress=[
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}
        ],
    )
    for service in ("secretsmanager", "kms"):  # what the function reads: its secret, its key
        aws.ec2.VpcEndpoint(
            f"{service}-endpoint",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.eu-west-1.{service}",
            vpc_endpoint_type="Interface",
            subnet_ids=[s.id for s in subnets],
            security_group_ids=[endpoints_sg.id],
            private_dns_enabled=True,
        )
    group = aws.ec2.SecurityGroup(
        "orders-fn-sg",
        vpc_id=vpc.id,
        description="orders function: HTTPS to the endpoints only",
        egress=[
            {
                "protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "prefix_list_ids": [endpoint.prefix_list_id],
            },
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]},
        ],
    )

    profile = aws.signer.SigningProfile("orders-signing", platform_id="AWSLambda-SHA384-ECDSA")
    signing = aws.lambda_.CodeSigningConfig(
        "orders-signing-config",
        allowed_publishers={"signing_profile_version_arns": [profile.version_arn]},
        policies={"untrusted_artifact_on_deployment": "Enforce"},
    )

    role = aws.iam.Role(
        "orders-fn-role",
        assume_role_policy=_policy(
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        ),
    )
    logs = aws.cloudwatch.LogGroup("orders-fn-logs", retention_in_days=365, kms_key_id=key.arn)
    aws.iam.RolePolicy(
        "orders-fn-policy",
        role=role.id,
        policy=pulumi.Output.all(table.arn, logs.arn, db_secret.arn, key.arn).apply(
            lambda arns: _policy(
                [
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",  # what the code calls, no more
                        "Resource": arns[0],
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arns[1]}:*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": arns[2],
                    },
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": arns[3]},
                    {
                        "Effect": "Allow",
                        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ec2:CreateNetworkInterface",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DeleteNetworkInterface",
                            "ec2:AssignPrivateIpAddresses",
                            "ec2:UnassignPrivateIpAddresses",
                        ],
                        "Resource": "*",
                    },
                ]
            )
        ),
    )
    orders = aws.lambda_.Function(
        "orders-fn",
        role=role.arn,
        runtime="python3.13",
        handler="app.handler",
        code=pulumi.AssetArchive({"app.py": pulumi.StringAsset(HANDLER)}),
        environment={"variables": {"TABLE_NAME": table.name, "DB_SECRET_ARN": db_secret.arn}},
        kms_key_arn=key.arn,
        tracing_config={"mode": "Active"},
        logging_config={"log_format": "JSON", "log_group": logs.name},
        vpc_config={"subnet_ids": [s.id for s in subnets], "security_group_ids": [group.id]},
        code_signing_config_arn=signing.arn,
        reserved_concurrent_executions=20,
    )
    aws.cloudwatch.MetricAlarm(
        "orders-fn-errors",
        metric_name="Errors",
        namespace="AWS/Lambda",
        dimensions={"FunctionName": orders.name},
        comparison_operator="GreaterThanOrEqualToThreshold",
        evaluation_periods=1,
        period=300,
        statistic="Sum",
        threshold=1,
    )

    api = aws.apigateway.RestApi("orders-api")
    resource = aws.apigateway.Resource(
        "orders-resource", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders"
    )
    validator = aws.apigateway.RequestValidator(
        "orders-validator",
        rest_api=api.id,
        validate_request_body=True,
        validate_request_parameters=True,
    )
    method = aws.apigateway.Method(
        "orders-post",
        rest_api=api.id,
        resource_id=resource.id,
        http_method="POST",
        authorization="AWS_IAM",
        request_validator_id=validator.id,
    )
    integration = aws.apigateway.Integration(
        "orders-post-integration",
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        integration_http_method="POST",
        type="AWS_PROXY",
        uri=orders.invoke_arn,
    )
    deployment = aws.apigateway.Deployment(
        "orders-deployment", rest_api=api.id, opts=pulumi.ResourceOptions(depends_on=[integration])
    )
    stage = aws.apigateway.Stage(
        "orders-prod",
        rest_api=api.id,
        deployment=deployment.id,
        stage_name="prod",
        xray_tracing_enabled=True,
    )
    acl = aws.wafv2.WebAcl(
        "orders-acl",
        scope="REGIONAL",
        default_action={"allow": {}},
        visibility_config={
            "cloudwatch_metrics_enabled": True,
            "metric_name": "orders",
            "sampled_requests_enabled": True,
        },
    )
    aws.wafv2.WebAclAssociation("orders-acl-stage", resource_arn=stage.arn, web_acl_arn=acl.arn)
    aws.lambda_.Permission(
        "orders-api-invoke",
        action="lambda:InvokeFunction",
        function=orders.name,
        principal="apigateway.amazonaws.com",
        source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*/POST/orders"),
    )
