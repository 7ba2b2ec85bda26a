"""``SecureRestApi``: an ``aws_apigateway.RestApi`` that keeps the functions behind it
authenticated and behind an AWS WAF web ACL.

It is the ``RestApi`` itself, not a wrapper around one, so that it is an ``IRestApi`` wherever
the CDK expects one, and so that replacing ``apigw.RestApi(scope, "Api", ...)`` by
``SecureRestApi(scope, "Api", ...)`` keeps the API's logical id: CloudFormation updates the
API in place instead of replacing it (and its URL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from guardrails.constructs._options import check_options

if TYPE_CHECKING:
    from typing_extensions import Unpack


class RestApiOptions(TypedDict, total=False):
    """The ``aws_apigateway.RestApi`` props a ``SecureRestApi`` passes through unchanged (see
    the CDK's ``RestApiProps``); the others are set by the construct (``_CONTROLLED``)."""

    api_key_source_type: apigw.ApiKeySourceType
    binary_media_types: list[str]
    clone_from: apigw.IRestApi
    default_cors_preflight_options: apigw.CorsOptions
    default_integration: apigw.Integration
    deploy: bool
    disable_execute_api_endpoint: bool
    domain_name: apigw.DomainNameOptions
    endpoint_export_name: str
    fail_on_warnings: bool
    min_compression_size: cdk.Size
    parameters: dict[str, str]
    policy: iam.PolicyDocument
    retain_deployments: bool


#: props of ``aws_apigateway.RestApi`` the construct sets itself -> the option to use instead
_CONTROLLED: dict[str, str | None] = {
    "endpoint_types": None,  # REGIONAL: where the regional web ACL applies
    "endpoint_configuration": None,
    "cloud_watch_role": None,  # no account-wide role with an AWS managed policy (GR-IAM-14)
    "cloud_watch_role_removal_policy": None,
    "deploy_options": "stage_name (tracing is always on)",
    "default_method_options": "the authorization_type of each method (default: IAM, GR-INP-01)",
    "minimum_compression_size": "min_compression_size",
}
_EXPLICIT = ("rest_api_name", "description", "stage_name", "web_acl_arn", "rate_limit")


class SecureRestApi(apigw.RestApi):
    """A regional ``aws_apigateway.RestApi`` with the guardrails' front-door defaults:

    - methods require IAM authorization unless they say otherwise (GR-INP-01): the API's
      ``default_method_options``; route functions with ``SecureFunction.add_to_rest_api``,
      which also validates request bodies (GR-INP-02);
    - an AWS WAF web ACL on its stage (GR-INP-06): the AWS managed common and
      known-bad-inputs rule groups and a rate limit per IP address, or the web ACL
      ``web_acl_arn`` names;
    - X-Ray tracing on its stage, so that a request's trace starts at the API;
    - a ``REGIONAL`` endpoint (where a regional web ACL applies) and no account-wide CloudWatch
      role (``cloud_watch_role=False``: that role carries an AWS managed policy).

    The web ACL and its association are children of the API (``<id>/WebAcl``,
    ``<id>/WebAclAssociation``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rest_api_name: str | None = None,
        description: str | None = None,
        stage_name: str = "prod",
        web_acl_arn: str | None = None,
        rate_limit: int = 1000,
        **options: Unpack[RestApiOptions],
    ) -> None:
        """
        :param rest_api_name: :default: the construct's id
        :param description: :default: none
        :param stage_name: the stage the deployment creates (X-Ray tracing on).
            :default: ``prod``
        :param web_acl_arn: the ARN of an existing regional web ACL to associate.
            :default: a new web ACL (``AWSManagedRulesCommonRuleSet``,
            ``AWSManagedRulesKnownBadInputsRuleSet``, ``rate_limit`` per IP)
        :param rate_limit: requests per IP address in 5 minutes before the web ACL blocks.
            :default: 1000
        :param options: the other ``RestApi`` props (``RestApiOptions``); the props the
            construct sets (``endpoint_types``, ``deploy_options``,
            ``default_method_options``...) raise ``TypeError``, as does a misspelt name.
        """
        check_options(
            "SecureRestApi",
            options,
            accepted=RestApiOptions.__optional_keys__,
            controlled=_CONTROLLED,
            explicit=_EXPLICIT,
        )
        super().__init__(
            scope,
            id,
            rest_api_name=rest_api_name or id,
            description=description,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(stage_name=stage_name, tracing_enabled=True),
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
            **options,
        )
        if web_acl_arn is None:
            metric = cdk.Names.unique_resource_name(self, max_length=100, separator="-")
            #: the web ACL the construct created (``None`` with ``web_acl_arn``)
            self.web_acl: wafv2.CfnWebACL | None = wafv2.CfnWebACL(
                self,
                "WebAcl",
                scope="REGIONAL",
                default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
                visibility_config=_visibility(metric),
                rules=[
                    _managed_rule("AWSManagedRulesCommonRuleSet", 0),
                    _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 1),
                    wafv2.CfnWebACL.RuleProperty(
                        name="RateLimit",
                        priority=2,
                        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                        statement=wafv2.CfnWebACL.StatementProperty(
                            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                                limit=rate_limit, aggregate_key_type="IP"
                            )
                        ),
                        visibility_config=_visibility("RateLimit"),
                    ),
                ],
            )
            web_acl_arn = self.web_acl.attr_arn
        else:
            self.web_acl = None
        #: the ARN of the web ACL associated with the stage
        self.web_acl_arn: str = web_acl_arn
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.deployment_stage.stage_arn,
            web_acl_arn=web_acl_arn,
        )

    @property
    def api(self) -> apigw.RestApi:
        """The API itself: kept so that code written for the wrapper this class used to be
        (``secure_api.api.root``) keeps working."""
        return self


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed_rule(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name
            )
        ),
        visibility_config=_visibility(name),
    )
