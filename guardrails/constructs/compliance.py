"""``LambdaComplianceRules``: the AWS Config managed rules for Lambda, set from the policy.

The guardrails check a template before it is deployed; AWS Config checks what is actually
running, including functions changed in the console or deployed by other tools. This construct
deploys the Config managed rules that watch the same things as the catalog, with their
parameters taken from the same ``Policy``, and optionally an automatic remediation where AWS
publishes an SSM Automation runbook for the rule.

Every rule is keyed by its AWS Config rule name (``lambda-inside-vpc``...); each maps to the
catalog rules it mirrors:

=========================================  ===========================  ====================
Config rule (identifier)                   catalog                      AWS runbook
=========================================  ===========================  ====================
lambda-function-public-access-prohibited   GR-IAM-11, GR-INP-04         none
lambda-inside-vpc                          GR-NET-01                    MoveLambdaToVPC
lambda-function-settings-check             GR-DEP-01                    none
lambda-concurrency-check                   GR-CFG-01                    none
lambda-dlq-check                           GR-OBS-06                    none
lambda-vpc-multi-az-check                  GR-NET-02                    none
lambda-function-xray-enabled               GR-OBS-01                    ConfigureLambdaFunct
                                                                        ionXRayTracing
=========================================  ===========================  ====================

Identifiers and parameters are those of the AWS Config developer guide, e.g.
https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-settings-check.html;
the runbooks are listed under "Lambda" in the Systems Manager Automation runbook reference,
https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-ref-lam.html.
AWS Config must be recording ``AWS::Lambda::Function`` in the account and Region (a
configuration recorder), which this construct does not create.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_config as config
from aws_cdk import aws_iam as iam
from constructs import Construct

from guardrails.model import runtimes
from guardrails.policy import Policy

__all__ = [
    "RULES",
    "RUNBOOKS",
    "ComplianceRule",
    "LambdaComplianceRules",
    "Runbook",
    "supported_runtimes",
]


@dataclass(frozen=True)
class ComplianceRule:
    """One AWS Config managed rule: its identifier, the catalog rules it mirrors, and why."""

    key: str  # the AWS Config rule name, also the key of ``LambdaComplianceRules.rules``
    identifier: str  # ``Source.SourceIdentifier``
    catalog: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Runbook:
    """An AWS-owned SSM Automation runbook that fixes what a Config rule reports."""

    document: str
    #: what the automation assume role needs, from the runbook's "Required IAM permissions"
    lambda_actions: tuple[str, ...]
    #: actions that accept only ``Resource: "*"`` (``ec2:Describe*``)
    describe_actions: tuple[str, ...] = ()


RULES: Mapping[str, ComplianceRule] = {
    r.key: r
    for r in (
        ComplianceRule(
            "lambda-function-public-access-prohibited",
            config.ManagedRuleIdentifiers.LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED,
            ("GR-IAM-11", "GR-INP-04"),
            "a resource policy with a wildcard principal lets anyone invoke the function",
        ),
        ComplianceRule(
            "lambda-inside-vpc",
            config.ManagedRuleIdentifiers.LAMBDA_INSIDE_VPC,
            ("GR-NET-01",),
            "a function that reads secrets or sensitive data should reach them over private "
            "networking, behind security groups and VPC endpoints",
        ),
        ComplianceRule(
            "lambda-function-settings-check",
            config.ManagedRuleIdentifiers.LAMBDA_FUNCTION_SETTINGS_CHECK,
            ("GR-DEP-01",),
            "a deprecated runtime no longer receives security patches",
        ),
        ComplianceRule(
            "lambda-concurrency-check",
            config.ManagedRuleIdentifiers.LAMBDA_CONCURRENCY_CHECK,
            ("GR-CFG-01",),
            "without a reserved concurrency limit one function can exhaust the account's "
            "concurrency (denial of wallet, throttling of every other function)",
        ),
        ComplianceRule(
            "lambda-dlq-check",
            config.ManagedRuleIdentifiers.LAMBDA_DLQ_CHECK,
            ("GR-OBS-06",),
            "asynchronous events that keep failing are dropped silently without a dead-letter "
            "queue",
        ),
        ComplianceRule(
            "lambda-vpc-multi-az-check",
            config.ManagedRuleIdentifiers.LAMBDA_VPC_MULTI_AZ_CHECK,
            ("GR-NET-02",),
            "a VPC function in a single Availability Zone stops when that zone does",
        ),
        ComplianceRule(
            # aws-cdk-lib 2.275.0 has no ManagedRuleIdentifiers constant for this one
            "lambda-function-xray-enabled",
            "LAMBDA_FUNCTION_XRAY_ENABLED",
            ("GR-OBS-01",),
            "without active tracing an incident cannot be followed across services",
        ),
    )
}

#: The AWS-owned runbooks that fit a rule. The other rules have none: AWS publishes no runbook
#: that reserves concurrency, adds a dead-letter queue, changes a runtime, removes a public
#: resource-policy statement or spreads subnets (``AWSConfigRemediation-DeleteLambdaFunction``
#: exists but deleting a function is no remediation).
RUNBOOKS: Mapping[str, Runbook] = {
    "lambda-function-xray-enabled": Runbook(
        "AWSConfigRemediation-ConfigureLambdaFunctionXRayTracing",
        # the runbook's documented permission, plus the read its verification step makes
        lambda_actions=("lambda:UpdateFunctionConfiguration", "lambda:GetFunctionConfiguration"),
    ),
    "lambda-inside-vpc": Runbook(
        "AWSConfigRemediation-MoveLambdaToVPC",
        lambda_actions=(
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:UpdateFunctionConfiguration",
        ),
        # Lambda validates the subnets and security groups with the caller's permissions
        describe_actions=("ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"),
    ),
}


def supported_runtimes(today: dt.date | None = None) -> list[str]:
    """Every runtime id of ``guardrails/data/runtimes.json`` not deprecated on ``today``
    (sorted): the ``runtime`` parameter of ``lambda-function-settings-check``."""
    day = today or dt.date.today()
    table = runtimes.table().runtimes
    return sorted(
        r for r, life in table.items() if life.deprecation is None or life.deprecation > day
    )


class LambdaComplianceRules(Construct):
    """The AWS Config managed rules for Lambda, with parameters from the guardrails policy.

    Example::

        LambdaComplianceRules(stack, "LambdaCompliance",
            policy=Policy.from_file("guardrails.yaml"),
            remediation=["lambda-function-xray-enabled"],
        )

    Parameters the policy sets:

    - ``lambda-function-settings-check``: ``runtime`` is every runtime the shipped lifecycle
      table does not list as deprecated on ``today`` (the same table as GR-DEP-01). Only
      ``runtime`` is passed: the rule's ``timeout`` / ``memorySize`` / ``role`` describe one
      function, not a fleet.
    - ``lambda-inside-vpc``: ``vpc_required: all`` scopes it to every function; ``sensitive``
      (the default) to the functions carrying the policy's ``sensitive_tag`` (Config cannot see
      the role-based half of GR-NET-01, and a ``Key`` tag matches any value, ``false``
      included); ``none`` does not deploy it. ``subnetIds`` is the policy's ``approved_vpc``
      subnets when it names them.
    - Rules whose catalog rules are all switched off in the policy (``rules: {GR-OBS-06:
      {enabled: false}}``) are not deployed.

    Interpretations: ``lambda-dlq-check`` checks every function, also the ones only invoked
    synchronously that GR-OBS-06 leaves alone, and does not count on-failure destinations;
    deploy it only where every function is invoked asynchronously, or leave it out with
    ``rules``. ``lambda-concurrency-check`` without limits mirrors GR-CFG-01 exactly (a
    function-level limit is set); the policy's ``default_reserved_concurrency`` is the value
    the hardening Aspect sets, not a bound, so it is not passed as one.

    :param scope: the construct's parent.
    :param id: the construct's id.
    :param policy: the guardrails policy (a ``Policy``, a mapping or a file path).
        :default: the catalog defaults
    :param rules: keys of ``RULES`` to deploy.
        :default: every rule whose catalog rules the policy enables (``lambda-inside-vpc``
            only as described above)
    :param remediation: ``True`` for every deployed rule that has an AWS runbook
        (``lambda-inside-vpc`` only when the policy names an ``approved_vpc``), or the keys of
        the rules to remediate. A key without a runbook raises ``ValueError``.
        :default: False, no remediation
    :param automatic: whether Config runs the remediation by itself when a function turns
        non-compliant; ``False`` leaves a "Remediate" button in the console.
        :default: True
    :param maximum_automatic_attempts: failed automatic attempts, within
        ``retry_attempt_seconds``, after which Config stops and records a remediation exception.
        :default: 5 (the AWS default)
    :param retry_attempt_seconds: the window for ``maximum_automatic_attempts``.
        :default: 60 (the AWS default)
    :param concurrency_limit_low: ``ConcurrencyLimitLow`` of ``lambda-concurrency-check``.
        :default: none, any function-level limit is compliant
    :param concurrency_limit_high: ``ConcurrencyLimitHigh`` of ``lambda-concurrency-check``.
        :default: none
    :param dead_letter_queue_arns: ``dlqArns`` of ``lambda-dlq-check``: the SQS queues / SNS
        topics a dead-letter queue must be one of.
        :default: none, any dead-letter queue is compliant
    :param availability_zones: ``availabilityZones`` of ``lambda-vpc-multi-az-check``.
        :default: 2, as GR-NET-02
    :param today: the day that decides which runtimes are deprecated.
        :default: the day of synthesis
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        policy: Policy | Mapping[str, object] | str | None = None,
        rules: Sequence[str] | None = None,
        remediation: bool | Sequence[str] = False,
        automatic: bool = True,
        maximum_automatic_attempts: int = 5,
        retry_attempt_seconds: int = 60,
        concurrency_limit_low: int | None = None,
        concurrency_limit_high: int | None = None,
        dead_letter_queue_arns: Sequence[str] | None = None,
        availability_zones: int = 2,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.policy = Policy.coerce(policy)
        keys = self._selected(rules)
        #: the deployed rules, by AWS Config rule name
        self.rules: dict[str, config.ManagedRule] = {}
        #: the remediation configurations, by AWS Config rule name
        self.remediations: dict[str, config.CfnRemediationConfiguration] = {}
        #: the automation assume roles, by AWS Config rule name
        self.remediation_roles: dict[str, iam.Role] = {}
        parameters = {
            "lambda-function-settings-check": {"runtime": ",".join(supported_runtimes(today))},
            "lambda-concurrency-check": _present(
                ConcurrencyLimitLow=concurrency_limit_low,
                ConcurrencyLimitHigh=concurrency_limit_high,
            ),
            "lambda-dlq-check": _present(
                dlqArns=",".join(dead_letter_queue_arns) if dead_letter_queue_arns else None
            ),
            "lambda-vpc-multi-az-check": {"availabilityZones": str(availability_zones)},
            "lambda-inside-vpc": _present(
                subnetIds=",".join(self.policy.approved_vpc.subnet_ids)
                if self.policy.approved_vpc
                else None
            ),
        }
        for key in keys:
            rule = RULES[key]
            self.rules[key] = config.ManagedRule(
                self,
                _construct_id(key),
                identifier=rule.identifier,
                input_parameters=parameters.get(key) or None,
                rule_scope=self._scope(key),
                description=f"{rule.why} (lambda-guardrails {', '.join(rule.catalog)})",
            )
        for key in self._remediated(remediation, keys):
            self._remediate(key, automatic, maximum_automatic_attempts, retry_attempt_seconds)

    # -- which rules --------------------------------------------------------------------------
    def _selected(self, rules: Sequence[str] | None) -> list[str]:
        if rules is not None:
            unknown = [k for k in rules if k not in RULES]
            if unknown:
                raise ValueError(f"rules: unknown {unknown}; choose from {sorted(RULES)}")
            return list(dict.fromkeys(rules))
        return [
            key
            for key, rule in RULES.items()
            if any(self.policy.rule_enabled(c) for c in rule.catalog)
            and (key != "lambda-inside-vpc" or self._vpc_scope() is not None)
        ]

    def _vpc_scope(self) -> config.RuleScope | None:
        """Which functions must be in a VPC: all, the tagged ones, or none (rule not deployed)."""
        if self.policy.vpc_required == "all":
            return _functions()
        if self.policy.vpc_required == "sensitive" and self.policy.sensitive_tag:
            key, has_value, value = self.policy.sensitive_tag.partition("=")
            return config.RuleScope.from_tag(key, value if has_value else None)
        return None

    def _scope(self, key: str) -> config.RuleScope:
        if key == "lambda-inside-vpc":
            return self._vpc_scope() or _functions()
        return _functions()

    def _remediated(self, remediation: bool | Sequence[str], keys: list[str]) -> list[str]:
        if remediation is False:
            return []
        if remediation is True:
            return [
                k
                for k in keys
                if k in RUNBOOKS and (k != "lambda-inside-vpc" or self.policy.approved_vpc)
            ]
        chosen = list(dict.fromkeys(remediation))
        for key in chosen:
            if key not in RUNBOOKS:
                raise ValueError(
                    f"remediation: AWS publishes no runbook for {key!r}; "
                    f"remediable rules: {sorted(RUNBOOKS)}"
                )
            if key not in keys:
                raise ValueError(f"remediation: {key!r} is not among the deployed rules {keys}")
            if key == "lambda-inside-vpc" and not self.policy.approved_vpc:
                raise ValueError(
                    "remediation: 'lambda-inside-vpc' moves functions into the policy's "
                    "approved_vpc; set approved_vpc (subnet_ids, security_group_ids) first"
                )
        return chosen

    # -- remediation ----------------------------------------------------------------------------
    def _remediate(self, key: str, automatic: bool, attempts: int, window: int) -> None:
        runbook = RUNBOOKS[key]
        role = self._assume_role(key, runbook)
        parameters: dict[str, object] = {
            "AutomationAssumeRole": {"StaticValue": {"Values": [role.role_arn]}},
            # Config's resource id of an AWS::Lambda::Function is its name
            "FunctionName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
        }
        if key == "lambda-inside-vpc" and self.policy.approved_vpc:
            vpc = self.policy.approved_vpc
            parameters["SubnetIds"] = {"StaticValue": {"Values": list(vpc.subnet_ids)}}
            parameters["SecurityGroupIds"] = {
                "StaticValue": {"Values": list(vpc.security_group_ids)}
            }
        self.remediation_roles[key] = role
        self.remediations[key] = config.CfnRemediationConfiguration(
            self,
            f"{_construct_id(key)}Remediation",
            config_rule_name=self.rules[key].config_rule_name,
            target_type="SSM_DOCUMENT",
            target_id=runbook.document,
            resource_type="AWS::Lambda::Function",
            parameters=parameters,
            automatic=automatic,
            maximum_automatic_attempts=attempts,
            retry_attempt_seconds=window,
        )

    def _assume_role(self, key: str, runbook: Runbook) -> iam.Role:
        """A role for one runbook only: SSM may assume it for this account, and it may do what
        the runbook needs on this account's functions in this Region."""
        stack = cdk.Stack.of(self)
        arn = f"arn:{stack.partition}:%s:{stack.region}:{stack.account}:%s"
        statements = [
            iam.PolicyStatement(
                sid="UpdateFunctions",
                actions=list(runbook.lambda_actions),
                resources=[arn % ("lambda", "function:*")],
            ),
            iam.PolicyStatement(
                sid="RunThisRunbook",
                actions=["ssm:StartAutomationExecution"],
                resources=[arn % ("ssm", f"automation-definition/{runbook.document}:*")],
            ),
            iam.PolicyStatement(
                sid="ReadExecutions",
                actions=["ssm:GetAutomationExecution"],
                resources=[arn % ("ssm", "automation-execution/*")],
            ),
        ]
        if runbook.describe_actions:
            statements.append(
                iam.PolicyStatement(
                    sid="ValidateNetwork", actions=list(runbook.describe_actions), resources=["*"]
                )
            )
        return iam.Role(
            self,
            f"{_construct_id(key)}RemediationRole",
            assumed_by=iam.ServicePrincipal(
                "ssm.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description=f"SSM Automation role for {runbook.document} (Config rule {key})",
            inline_policies={"Runbook": iam.PolicyDocument(statements=statements)},
        )


def _functions() -> config.RuleScope:
    return config.RuleScope.from_resources([config.ResourceType.LAMBDA_FUNCTION])


def _present(**values: object) -> dict[str, str]:
    """The parameters that are set, as strings (Config passes every input parameter as one)."""
    return {k: str(v) for k, v in values.items() if v is not None}


def _construct_id(key: str) -> str:
    """``lambda-dlq-check`` -> ``LambdaDlqCheck``."""
    return "".join(part.capitalize() for part in key.split("-"))
