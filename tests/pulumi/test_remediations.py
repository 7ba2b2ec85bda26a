"""The safe fixes as CrossGuard remediations, over the analyzer protocol: what they rewrite,
that the rule they fix no longer fires on the remediated stack, and that they are opt-in."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel

from guardrails.cdk.fixes import ids as cdk_fix_ids
from guardrails.policy import Policy
from guardrails.pulumi import programs, scan_resources
from guardrails.pulumi.pack import policies
from guardrails.pulumi.remediations import REMEDIATIONS
from guardrails.pulumi.resources import PulumiResource
from guardrails.rules import get as get_rule
from tests.pulumi import architectures
from tests.pulumi.conftest import KEY_ARN, SIGNING_ARN, Pack

POLICY = Policy.from_mapping(
    {"kms_key_arn": KEY_ARN, "code_signing_config_arn": SIGNING_ARN, "min_log_retention_days": 365}
)


def remediated(pack: Pack, resource: PulumiResource) -> tuple[dict[str, Any], list[str]]:
    """The resource's properties after every remediation of the pack, and the rules that
    changed them (in the pack's order: the catalog's)."""
    response = pack.remediate(resource)
    properties, rules = dict(resource.properties), []
    for remediation in response.remediations:
        assert remediation.diagnostic == ""
        properties = json_format.MessageToDict(remediation.properties)
        rules.append(remediation.policyName)
    return properties, rules


def test_the_remediations_are_the_catalogs_safe_fixes() -> None:
    for fix in REMEDIATIONS:
        rule = get_rule(fix.rule)
        assert rule is not None and rule.remediation == "safe", fix.rule
        assert fix.rule in cdk_fix_ids("safe")


def test_they_are_opt_in() -> None:
    levels = {p.name: p.enforcement_level for p in policies()}
    assert EnforcementLevel.REMEDIATE not in levels.values()
    chosen = {p.name: p.enforcement_level for p in policies(remediate=["GR-OBS-05"])}
    assert chosen["GR-OBS-05"] is EnforcementLevel.REMEDIATE
    assert chosen["GR-OBS-01"] is not EnforcementLevel.REMEDIATE
    with pytest.raises(ValueError, match="no Pulumi remediation for GR-IAM-01"):
        policies(remediate=["GR-IAM-01"])


def test_info_lists_one_policy_per_rule_even_with_remediations(remediating_pack: Pack) -> None:
    info = remediating_pack.info()
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names))
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["GR-OBS-05"] == analyzer_pb2.REMEDIATE


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_the_legacy_stack_remediated_no_longer_has_what_was_fixed(
    remediating_pack: Pack, preview: bool
) -> None:
    stack = programs.run(architectures.legacy, preview=preview)
    before = {f.rule_id for f in scan_resources(stack, POLICY).report.findings}
    fixed = []
    changed_by: dict[str, list[str]] = {}
    for resource in stack:
        properties, rules = remediated(remediating_pack, resource)
        changed_by[resource.name] = rules
        fixed.append(dataclasses.replace(resource, properties=properties))
    after = {f.rule_id for f in scan_resources(fixed, POLICY).report.findings}
    assert {"GR-OBS-01", "GR-OBS-05", "GR-SEC-05", "GR-DEP-02"} <= before
    for rule_id in ("GR-OBS-01", "GR-OBS-05", "GR-SEC-05", "GR-DEP-02"):
        assert rule_id not in after, rule_id
    assert sorted(changed_by["handler"]) == ["GR-DEP-02", "GR-OBS-01", "GR-OBS-05", "GR-SEC-05"]
    assert changed_by["fn-role"] == ["GR-OBS-01"]  # X-Ray, or Lambda refuses the traced function
    handler = next(r for r in fixed if r.name == "handler").properties
    assert handler["tracingConfig"] == {"mode": "Active"}
    assert handler["kmsKeyArn"] == KEY_ARN and handler["codeSigningConfigArn"] == SIGNING_ARN
    role = next(r for r in fixed if r.name == "fn-role").properties
    (inline,) = role["inlinePolicies"]
    assert json.loads(inline["policy"])["Statement"][0]["Action"] == [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    ]
    # what the remediations leave alone stays found: the administrator role, the public URL
    assert {"GR-IAM-01", "GR-INP-04"} <= after


def test_a_function_log_group_gets_the_minimum_retention_and_the_key(
    remediating_pack: Pack,
) -> None:
    group = PulumiResource(
        "aws:cloudwatch/logGroup:LogGroup",
        "logs",
        "urn:pulumi:dev::orders::aws:cloudwatch/logGroup:LogGroup::logs",
        {"name": "/aws/lambda/orders", "retentionInDays": 7},
    )
    properties, rules = remediated(remediating_pack, group)
    assert rules == ["GR-OBS-03", "GR-OBS-04"]
    assert properties["retentionInDays"] == 365 and properties["kmsKeyId"] == KEY_ARN
    longer = dataclasses.replace(
        group,
        properties={"name": "/aws/lambda/orders", "retentionInDays": 3653, "kmsKeyId": KEY_ARN},
    )
    assert remediated(remediating_pack, longer)[1] == []  # never shortens, never replaces a key
    other = dataclasses.replace(group, properties={"name": "/app/orders", "retentionInDays": 7})
    assert remediated(remediating_pack, other)[1] == []  # not a function's group


def test_a_secret_survives_a_remediation(remediating_pack: Pack) -> None:
    """A remediation rewrites the whole resource: a secret in it stays a secret."""
    stack = programs.run(architectures.legacy, preview=True)
    handler = next(r for r in stack if r.name == "handler")
    response = remediating_pack.remediate(handler)
    last = json_format.MessageToDict(response.remediations[-1].properties)
    secret = last["environment"]["variables"]["DB_PASSWORD"]
    assert secret["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
