"""Exemptions that survive refactoring: a construct path glob matches with or without the
``Stage`` prefixes, as the stack's CloudFormation name plus path, or a logical id; an exemption
that matches no finding of the scan is a notice naming the file and its index.

One app: the same ``Orders`` stack in ``Stage("Prod")`` and in ``Stage("Outer")/Stage("Prod")``
(paths ``Prod/Orders/...`` and ``Outer/Prod/Orders/...``), each with a public function URL
(GR-INP-04) on ``ExportOrders`` and an acknowledged one on ``Acked``.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails import engine
from guardrails.model import Assembly
from guardrails.policy import Policy
from tests.conftest import ENV, TODAY, function, logical_id, synth

RULE = "GR-INP-04"
SECRET_REASON = "ticket SEC-1234, approved by the CISO"
ORDERS = "Prod/Orders"
NESTED = "Outer/Prod/Orders"


@pytest.fixture(scope="module")
def built(module_tmp: Path) -> tuple[Assembly, dict[str, str]]:
    ids: dict[str, str] = {}

    def build(app: cdk.App) -> None:
        prod = cdk.Stage(app, "Prod", env=ENV)
        nested = cdk.Stage(cdk.Stage(app, "Outer", env=ENV), "Prod")
        for stage in (prod, nested):
            stack = cdk.Stack(stage, "Orders")
            for name in ("ExportOrders", "Acked"):
                fn = function(stack, name)
                url = fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
                ids[f"{stack.node.path}/{name}"] = logical_id(url)
            cdk.Validations.of(stack.node.find_child("Acked")).acknowledge(
                cdk.Acknowledgment(id=f"lambda-guardrails::{RULE}", reason="signed requests")
            )

    return synth(build, module_tmp / "cdk.out"), ids


def statuses(assembly: Assembly, *resources: str) -> tuple[dict[str, str], engine.Report]:
    """GR-INP-04's status per ``stack/function`` under exemptions of ``resources``."""
    policy = Policy.from_mapping(
        {"exemptions": [{"rule": RULE, "resource": r, "reason": SECRET_REASON} for r in resources]},
        source="org-policy.yaml",
    )
    report = engine.scan(assembly, policy, today=TODAY)
    assert not report.errors, report.errors
    found = {
        f"{f.stack}/{f.construct_path.split('/')[-3]}": f.status  # .../<Fn>/FunctionUrl/Resource
        for f in report.findings
        if f.rule_id == RULE
    }
    return found, report


def exempted(found: dict[str, str]) -> set[str]:
    return {where for where, status in found.items() if status == "exempted"}


def unmatched(report: engine.Report) -> list[str]:
    return [n for n in report.notices if "matches no finding" in n]


def test_the_findings_are_where_the_tests_expect_them(built):
    found, report = statuses(built[0])
    assert found == {
        f"{ORDERS}/ExportOrders": "open",
        f"{ORDERS}/Acked": "acknowledged",
        f"{NESTED}/ExportOrders": "open",
        f"{NESTED}/Acked": "acknowledged",
    }
    assert unmatched(report) == []


def test_a_path_without_the_stage_prefix_matches_inside_every_stage(built):
    found, report = statuses(built[0], "Orders/ExportOrders/*")
    assert exempted(found) == {f"{ORDERS}/ExportOrders", f"{NESTED}/ExportOrders"}
    assert unmatched(report) == []
    # a folder without the trailing /*, as before
    found, _ = statuses(built[0], "Orders/ExportOrders")
    assert exempted(found) == {f"{ORDERS}/ExportOrders", f"{NESTED}/ExportOrders"}


def test_a_path_with_the_stage_prefix_matches(built):
    found, _ = statuses(built[0], "Prod/Orders/ExportOrders/*")
    # the nested stage's path is Outer/Prod/Orders: without its outer stage, Prod/Orders too
    assert exempted(found) == {f"{ORDERS}/ExportOrders", f"{NESTED}/ExportOrders"}
    found, _ = statuses(built[0], "Outer/Prod/Orders/ExportOrders/*")
    assert exempted(found) == {f"{NESTED}/ExportOrders"}


def test_a_logical_id_matches(built):
    assembly, ids = built
    found, _ = statuses(assembly, ids[f"{ORDERS}/ExportOrders"])
    # both stacks have the same logical ids: a logical id names the resource in any stack
    assert exempted(found) == {f"{ORDERS}/ExportOrders", f"{NESTED}/ExportOrders"}


def test_the_stack_name_plus_path_matches_one_stage_only(built):
    found, report = statuses(built[0], "Prod-Orders/ExportOrders/*")
    assert exempted(found) == {f"{ORDERS}/ExportOrders"}
    found, _ = statuses(built[0], "Outer-Prod-Orders/ExportOrders/*")
    assert exempted(found) == {f"{NESTED}/ExportOrders"}
    assert unmatched(report) == []


def test_only_whole_segments_are_stripped(built):
    found, report = statuses(built[0], "rders/ExportOrders/*", "d/Orders/ExportOrders/*")
    assert exempted(found) == set()
    assert len(unmatched(report)) == 2


def test_an_unmatched_exemption_is_noticed_by_file_and_index(built):
    found, report = statuses(built[0], "Orders/ExportOrders/*", "Staging/Orders/*")
    assert exempted(found) == {f"{ORDERS}/ExportOrders", f"{NESTED}/ExportOrders"}
    (notice,) = unmatched(report)
    assert notice.startswith("org-policy.yaml: exemptions[1] (GR-INP-04 for 'Staging/Orders/*')")
    assert SECRET_REASON not in " ".join(report.notices)


def test_an_exemption_an_acknowledgement_wins_over_is_not_stale(built):
    found, report = statuses(built[0], "Orders/Acked/*")
    assert found[f"{ORDERS}/Acked"] == "acknowledged"
    assert unmatched(report) == []


def test_the_notice_names_the_file_the_exemptions_are_in(built, tmp_path):
    """After a merge (a context key on top of a file), the file to edit is the exemptions'."""
    policy_file = tmp_path / "org-policy.yaml"
    policy_file.write_text(
        f"exemptions:\n  - rule: {RULE}\n    resource: Gone/*\n    reason: {SECRET_REASON}\n",
        encoding="utf-8",
    )
    policy = Policy.from_file(policy_file).with_context({"lambda-guardrails:fail_on": "low"})
    assert policy.key_sources["fail_on"] != str(policy_file)
    report = engine.scan(built[0], policy, today=TODAY)
    (notice,) = unmatched(report)
    assert notice.startswith(f"{policy_file}: exemptions[0] ")
    assert SECRET_REASON not in notice


def test_an_exemption_of_a_rule_switched_off_is_noticed(built):
    policy = Policy.from_mapping(
        {
            "rules": {RULE: False},
            "exemptions": [{"rule": RULE, "resource": "Orders/*", "reason": "r"}],
        },
        source="org-policy.yaml",
    )
    report = engine.scan(built[0], policy, today=TODAY)
    assert [n.split(" (")[0] for n in unmatched(report)] == ["org-policy.yaml: exemptions[0]"]


def test_expired_exemptions_still_name_the_date(built):
    policy = Policy.from_mapping(
        {
            "exemptions": [
                {
                    "rule": RULE,
                    "resource": "Orders/ExportOrders",
                    "reason": "r",
                    "expires": "2026-01-01",
                }
            ]
        },
        source="org-policy.yaml",
    )
    report = engine.scan(built[0], policy, today=TODAY)
    assert any(
        n.startswith("org-policy.yaml: exemption of GR-INP-04") and "expired on 2026-01-01" in n
        for n in report.notices
    )
    assert unmatched(report) == []
    assert {f.status for f in report.findings if f.rule_id == RULE} == {"open", "acknowledged"}
