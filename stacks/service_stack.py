"""A small, realistic service that passes every guardrail: API Gateway -> function -> DynamoDB,
with the database secret passed by reference (its ARN) and read at run time.

What makes it pass, rule by rule, is commented where it is declared.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_signer as signer
from aws_cdk import aws_wafv2 as wafv2
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

        # GR-NET-02/03/05: private isolated subnets in two AZs; AWS APIs through endpoints.
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
        # GR-NET-04: HTTPS to the VPC (the endpoints) only.
        security_group = ec2.SecurityGroup(
            self, "OrdersFnSg", vpc=vpc, allow_all_outbound=False, description="Orders function"
        )
        security_group.add_egress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443))

        # GR-OBS-02/03/04: a log group with 90 days of retention, encrypted with the key.
        log_group = logs.LogGroup(
            self, "OrdersFnLogs", retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key
        )
        # GR-IAM-14: no AWS managed policies; logs only to its own group, ENIs for the VPC.
        role = iam.Role(
            self, "OrdersFnRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=["*"],
            )
        )
        # GR-DEP-02: only code signed by the team's profile can be deployed.
        signing = lambda_.CodeSigningConfig(
            self,
            "OrdersSigning",
            signing_profiles=[
                signer.SigningProfile(
                    self, "OrdersSigningProfile", platform=signer.Platform.AWS_LAMBDA_SHA384_ECDSA
                )
            ],
        )
        fn = lambda_.Function(
            self,
            "OrdersFn",
            runtime=lambda_.Runtime.PYTHON_3_13,  # GR-DEP-01
            handler="app.handler",
            code=lambda_.Code.from_asset(str(HANDLERS / "orders")),
            role=role,
            code_signing_config=signing,
            tracing=lambda_.Tracing.ACTIVE,  # GR-OBS-01
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,  # GR-OBS-05
            # GR-SEC-01/02: names and ARNs only; the handler reads the secret at run time.
            environment={"TABLE_NAME": table.table_name, "DB_SECRET_ARN": db_secret.secret_arn},
            environment_encryption=key,  # GR-SEC-05
            vpc=vpc,  # GR-NET-01
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[security_group],
            reserved_concurrent_executions=20,  # GR-CFG-01
        )
        table.grant_read_write_data(fn)
        db_secret.grant_read(fn)
        # GR-OBS-08: someone is told when the function fails.
        fn.metric_errors(period=cdk.Duration.minutes(5)).create_alarm(
            self,
            "OrdersFnErrors",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        )

        # GR-INP-01/02: IAM-authorized methods; the body is validated against a model.
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
        # GR-INP-06: a web ACL with AWS's common rule set in front of the stage.
        web_acl = wafv2.CfnWebACL(
            self,
            "OrdersWebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name="orders-web-acl",
                sampled_requests_enabled=True,
            ),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="common",
                    priority=0,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name="AWSManagedRulesCommonRuleSet"
                        )
                    ),
                    visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                        cloud_watch_metrics_enabled=True,
                        metric_name="common",
                        sampled_requests_enabled=True,
                    ),
                )
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "OrdersWebAclAssociation",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=web_acl.attr_arn,
        )
