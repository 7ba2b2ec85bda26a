"""A small, realistic service that passes the guardrails: API Gateway -> function -> DynamoDB,
with the database secret passed by reference (its ARN) and read at run time."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

HANDLERS = Path(__file__).parent / "handlers"


class OrdersServiceStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)

        key = kms.Key(self, "OrdersKey", enable_key_rotation=True)
        table = dynamodb.TableV2(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            encryption=dynamodb.TableEncryptionV2.customer_managed_key(key),
        )
        db_secret = secretsmanager.Secret(self, "DbSecret", encryption_key=key)

        # Private, isolated subnets in two AZs; the function reaches AWS APIs via endpoints.
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
        )
        for name, service in {
            "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
        }.items():
            vpc.add_interface_endpoint(f"{name}Endpoint", service=service)
        vpc.add_gateway_endpoint(
            "DynamoDbEndpoint", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
        )
        security_group = ec2.SecurityGroup(
            self, "OrdersFnSg", vpc=vpc, allow_all_outbound=False, description="Orders function"
        )
        security_group.add_egress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443))

        log_group = logs.LogGroup(
            self,
            "OrdersFnLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            encryption_key=key,
        )
        fn = lambda_.Function(
            self,
            "OrdersFn",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            code=lambda_.Code.from_asset(str(HANDLERS / "orders")),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={"TABLE_NAME": table.table_name, "DB_SECRET_ARN": db_secret.secret_arn},
            environment_encryption=key,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[security_group],
            reserved_concurrent_executions=20,
        )
        table.grant_read_write_data(fn)
        db_secret.grant_read(fn)

        api = apigw.RestApi(
            self,
            "OrdersApi",
            deploy_options=apigw.StageOptions(tracing_enabled=True),
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
        )
        orders = api.root.add_resource("orders")
        orders.add_method(
            "POST",
            apigw.LambdaIntegration(fn),
            request_validator_options=apigw.RequestValidatorOptions(validate_request_body=True),
            request_models={
                "application/json": api.add_model(
                    "Order",
                    schema=apigw.JsonSchema(
                        type=apigw.JsonSchemaType.OBJECT,
                        required=["id"],
                        properties={"id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
                    ),
                )
            },
        )
