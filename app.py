#!/usr/bin/env python3
"""The demo app: a compliant orders service and a legacy stack, guarded by lambda-guardrails.

Audit mode by default (everything reported, nothing fails) with the safe fixes applied at
synth (`remediate="safe"`: they show as `remediated`); enforce with
``cdk synth -c lambda-guardrails:mode=enforce`` or ``make synth-enforce``.
"""

import aws_cdk as cdk

import guardrails
from stacks.legacy_stack import LegacyReportsStack
from stacks.service_stack import OrdersServiceStack

app = cdk.App()
env = cdk.Environment(account="123456789012", region="eu-west-1")
OrdersServiceStack(app, "OrdersService", env=env)
LegacyReportsStack(app, "LegacyReports", env=env)

guardrails.protect(app, mode="audit", remediate="safe")
guardrails.synth(app)
