"""A small, realistic service that passes every guardrail: API Gateway -> function -> DynamoDB,
with the database secret passed by reference (its ARN) and read at run time.

It is built from the platform team's secure constructs (``guardrails.constructs``): the
defaults that make it pass are declared there, once, for every team.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_signer as signer
from constructs import Construct

from guardrails.constructs import SecureFunction, SecureRestApi

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
        # private, isolated subnets in two AZs: AWS APIs through VPC endpoints
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
        vpc.add_gateway_endpoint(
            "DynamoDbEndpoint", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
        )
        signing = lambda_.CodeSigningConfig(
            self,
            "OrdersSigning",
            signing_profiles=[
                signer.SigningProfile(
                    self, "OrdersSigningProfile", platform=signer.Platform.AWS_LAMBDA_SHA384_ECDSA
                )
            ],
        )

        orders = SecureFunction(
            self,
            "OrdersFn",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="app.handler",
            code=lambda_.Code.from_asset(str(HANDLERS / "orders")),
            environment={"TABLE_NAME": table.table_name},
            secrets={"DB": db_secret},  # the function gets DB_SECRET_ARN, never the value
            vpc=vpc,
            encryption_key=key,
            code_signing_config=signing,
            reserved_concurrent_executions=20,
        )
        # exactly what the handler calls (GR-IAM-15): put_item, on a table encrypted with the
        # key (DynamoDB uses the key with the caller's permissions)
        table.grant(orders, "dynamodb:PutItem")
        key.grant_encrypt_decrypt(orders)

        api = SecureRestApi(self, "OrdersApi")
        orders.add_to_rest_api(
            api.root.add_resource("orders"),
            "POST",
            request_schema=apigw.JsonSchema(
                type=apigw.JsonSchemaType.OBJECT,
                required=["id"],
                properties={"id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
            ),
        )
