"""The policy pack over the analyzer protocol, as the Pulumi CLI drives it."""

from __future__ import annotations

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel

from guardrails.policy import Policy
from guardrails.pulumi import programs
from guardrails.pulumi.pack import enforcement_level
from guardrails.pulumi.remediations import REMEDIATIONS
from guardrails.rules import all_rules
from tests.pulumi import architectures
from tests.pulumi.conftest import Pack

FAIL_ON_HIGH = Policy.from_mapping({"fail_on": "high"})


def test_every_rule_is_a_policy_named_by_its_id_with_its_title(pack: Pack) -> None:
    info = pack.info()
    assert info.name == "lambda-guardrails"
    policies = {p.name: p for p in info.policies}
    assert list(policies) == [rule.id for rule in all_rules()]
    fixable = {fix.rule for fix in REMEDIATIONS}
    for rule in all_rules():
        assert policies[rule.id].description == rule.title
        # a rule with a remediation is a resource policy too (Pulumi remediates resources)
        expected = (
            analyzer_pb2.POLICY_TYPE_RESOURCE
            if rule.id in fixable
            else analyzer_pb2.POLICY_TYPE_STACK
        )
        assert policies[rule.id].policy_type == expected


def test_enforcement_levels_follow_fail_on(pack: Pack) -> None:
    # policy.yaml beside the pack: fail_on high
    levels = {p.name: p.enforcementLevel for p in pack.info().policies}
    assert levels["GR-IAM-01"] == analyzer_pb2.MANDATORY  # critical
    assert levels["GR-INP-01"] == analyzer_pb2.MANDATORY  # high
    assert levels["GR-OBS-01"] == analyzer_pb2.ADVISORY  # medium
    assert levels["GR-CFG-01"] == analyzer_pb2.ADVISORY  # low


def test_enforcement_level_of_a_disabled_or_raised_rule() -> None:
    policy = Policy.from_mapping(
        {
            "fail_on": "medium",
            "rules": {"GR-CFG-01": {"enabled": False}, "GR-OBS-05": {"severity": "high"}},
        }
    )
    assert enforcement_level(policy, "GR-CFG-01", "low") is EnforcementLevel.DISABLED
    assert enforcement_level(policy, "GR-OBS-05", "low") is EnforcementLevel.MANDATORY
    assert enforcement_level(policy, "GR-OBS-08", "low") is EnforcementLevel.ADVISORY
    never = Policy.from_mapping({"fail_on": "none"})
    assert enforcement_level(never, "GR-IAM-01", "critical") is EnforcementLevel.ADVISORY


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_legacy_stack_violations_name_rule_resource_and_never_the_secret(
    pack: Pack, preview: bool
) -> None:
    resources = programs.run(architectures.legacy, preview=preview)
    response = pack.analyze_stack(resources)
    by_rule: dict[str, list[analyzer_pb2.AnalyzeDiagnostic]] = {}
    for d in response.diagnostics:
        by_rule.setdefault(d.policyName, []).append(d)
    for rule_id in ("GR-IAM-01", "GR-IAM-04", "GR-SEC-02", "GR-INP-04", "GR-DEP-01", "GR-OBS-03"):
        assert rule_id in by_rule, rule_id
    urns = {r.name: r.urn for r in resources}
    (admin,) = by_rule["GR-IAM-01"]
    assert admin.urn == urns["fn-role"]
    assert admin.enforcementLevel == analyzer_pb2.MANDATORY
    # a Pulumi secret in the environment: encrypted in Pulumi's state, plaintext in the
    # function configuration (as a NoEcho parameter's value in CloudFormation)
    # (after an update the engine marks the whole environment secret: every variable is)
    resolved = by_rule["GR-SEC-02"]
    assert {d.urn for d in resolved} == {urns["handler"]}
    assert any("DB_PASSWORD" in d.message for d in resolved)
    assert "GR-SEC-01" not in by_rule
    # the rule's policy has one level (critical: mandatory); this finding's own severity first
    (runtime,) = by_rule["GR-DEP-01"]
    assert "\n[high] Runtime python3.8" in runtime.message  # (the SDK puts the title first)
    (url,) = by_rule["GR-INP-04"]
    assert url.urn == urns["url"]
    (retention,) = by_rule["GR-OBS-03"]
    assert retention.urn == urns["logs"]
    assert retention.enforcementLevel == analyzer_pb2.ADVISORY
    secret = architectures.PLANTED_SECRET
    for d in response.diagnostics:
        assert d.policyPackName == "lambda-guardrails"
        assert secret not in d.message and secret[:2] + "****" not in d.message


def test_compliant_stack_has_nothing_mandatory(pack: Pack) -> None:
    response = pack.analyze_stack(programs.run(architectures.compliant))
    mandatory = [
        d.policyName for d in response.diagnostics if d.enforcementLevel == analyzer_pb2.MANDATORY
    ]
    assert mandatory == []
    rules = {d.policyName for d in response.diagnostics}
    for passed in (
        "GR-OBS-01",
        "GR-OBS-02",
        "GR-OBS-03",
        "GR-OBS-05",
        "GR-OBS-08",
        "GR-CFG-01",
        "GR-IAM-14",
    ):
        assert passed not in rules, passed


def test_pulumi_policy_configuration_overrides_a_level() -> None:
    """``pulumi policy enable --config`` (the engine's ``Configure`` call) wins over the level
    the organisation policy gives a rule."""
    from tests.pulumi.conftest import start_pack

    own = start_pack()
    try:
        request = analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                "GR-OBS-01": analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY),
                "GR-IAM-01": analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.DISABLED),
            }
        )
        own.stub.Configure(request, timeout=60)
        diagnostics = own.analyze_stack(programs.run(architectures.legacy)).diagnostics
        levels = {d.policyName: d.enforcementLevel for d in diagnostics}
        assert levels["GR-OBS-01"] == analyzer_pb2.MANDATORY  # medium: advisory by default
        assert "GR-IAM-01" not in levels
    finally:
        own.close()


def test_exemptions_name_urn_globs() -> None:
    """The policy's exemptions select Pulumi resources by URN glob: a name, a type."""
    from guardrails.pulumi import scan_resources

    resources = programs.run(architectures.legacy)
    policy = Policy.from_mapping(
        {
            "exemptions": [
                {"rule": "GR-IAM-01", "resource": "*::fn-role", "reason": "break-glass role"},
                {
                    "rule": "GR-DEP-01",
                    "resource": "*aws:lambda/function:Function::*",
                    "reason": "migration planned",
                },
            ]
        }
    )
    findings = scan_resources(resources, policy).report.findings
    statuses = {f.rule_id: f.status for f in findings}
    assert statuses["GR-IAM-01"] == "exempted" and statuses["GR-DEP-01"] == "exempted"
    assert statuses["GR-INP-04"] == "open"
