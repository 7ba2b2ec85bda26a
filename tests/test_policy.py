"""Policy: defaults, loading from objects / files / CDK context, and one-line errors."""

import datetime as dt

import pytest

from guardrails.errors import PolicyError
from guardrails.policy import Policy


def test_defaults_are_the_catalogs():
    p = Policy()
    assert (p.fail_on, p.mode, p.min_log_retention_days, p.runtime_warning_days) == (
        "high",
        "enforce",
        90,
        180,
    )
    assert p.vpc_required == "sensitive"
    assert p.fails("critical") and p.fails("high") and not p.fails("medium")


def test_from_mapping_rules_and_exemptions():
    p = Policy.from_mapping(
        {
            "fail_on": "MEDIUM",
            "rules": {"GR-IAM-05": {"enabled": False}, "GR-OBS-01": {"severity": "high"}},
            "trusted_accounts": ["111111111111", 222222222222],
            "exemptions": [
                {
                    "rule": "GR-IAM-04",
                    "resource": "Legacy/*",
                    "reason": "migration",
                    "expires": "2027-01-31",
                }
            ],
        }
    )
    assert p.fail_on == "medium"
    assert not p.rule_enabled("GR-IAM-05")
    assert p.rule_severity("GR-OBS-01", "medium") == "high"
    assert p.trusted_accounts == ("111111111111", "222222222222")
    assert p.exemptions[0].expires == dt.date(2027, 1, 31)


def test_yaml_file(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(
        "mode: audit\nexemptions:\n  - rule: GR-IAM-04\n    resource: Fn\n    reason: ok\n"
        "    expires: 2027-01-31\n"
    )
    p = Policy.from_file(path)
    assert p.mode == "audit" and p.source == str(path)
    assert p.exemptions[0].expires == dt.date(2027, 1, 31)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"fail_onn": "high"}, "unknown policy key 'fail_onn'; did you mean 'fail_on'?"),
        ({"colour": 1}, "unknown policy key 'colour'; known keys:"),
        ({"mode": "strict"}, "policy key 'mode': 'strict' is not one of enforce, audit"),
        ({"min_log_retention_days": "90"}, "policy key 'min_log_retention_days'"),
        ({"rules": {"IAM5": False}}, "'IAM5' is not a rule id such as GR-IAM-05"),
        ({"trusted_accounts": ["12345"]}, "'12345' is not a 12-digit AWS account id"),
        (
            {
                "exemptions": [
                    {"rule": "GR-IAM-04", "resource": "X", "reason": "r", "expires": "31/01/2027"}
                ]
            },
            "policy key 'exemptions[0].expires': '31/01/2027' is not a date; "
            "write it as YYYY-MM-DD",
        ),
        (
            {"exemptions": [{"rule": "GR-IAM-04", "resource": "X"}]},
            "every exemption needs a reason",
        ),
    ],
)
def test_bad_keys_and_values_name_the_key_and_the_source(tmp_path, data, expected):
    import json

    path = tmp_path / "org-policy.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PolicyError) as info:
        Policy.from_file(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(PolicyError, match="policy file not found"):
        Policy.from_file(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("mode: [audit\n")
    with pytest.raises(PolicyError, match=r"bad\.yaml:\d+:\d+: malformed YAML"):
        Policy.from_file(bad)


def test_context_overrides(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("fail_on: low\n")
    base = Policy(mode="audit")
    assert base.with_context({"lambda-guardrails:mode": "enforce"}).mode == "enforce"
    assert base.with_context({"lambda-guardrails:policy": str(path)}).fail_on == "low"
    inline = base.with_context({"lambda-guardrails:policy": {"fail_on": "critical"}})
    assert inline.fail_on == "critical" and inline.mode == "audit"
    as_json = base.with_context({"lambda-guardrails:policy": '{"fail_on": "medium"}'})
    assert as_json.fail_on == "medium"
    with pytest.raises(PolicyError, match="context lambda-guardrails:mode"):
        base.with_context({"lambda-guardrails:mode": "loud"})


def test_coerce():
    assert Policy.coerce(None) == Policy()
    assert Policy.coerce({"mode": "audit"}).mode == "audit"
    with pytest.raises(PolicyError):
        Policy.coerce(42)
