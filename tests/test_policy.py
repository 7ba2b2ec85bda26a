"""Policy: defaults, loading from objects / files / CDK context, and one-line errors."""

import datetime as dt
import os
import re

import pytest

from guardrails.errors import PolicyError
from guardrails.policy import (
    DEFAULT_FRAMEWORK_RULES,
    MAX_POLICY_BYTES,
    Policy,
    RuleSettings,
    yaml_problem,
)
from guardrails.rules import all_rules


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
        ({"colour": 1}, "the 1st key is not a policy key (not shown); known keys:"),
        ({"mode": "strict"}, "policy key 'mode': expected one of enforce, audit"),
        ({"min_log_retention_days": "90"}, "policy key 'min_log_retention_days'"),
        ({"rules": {"IAM5": False}}, "the 1st key is not a rule id such as GR-IAM-05"),
        (
            {"trusted_accounts": ["111111111111", "12345"]},
            "policy key 'trusted_accounts[1]': expected a 12-digit AWS account id",
        ),
        (
            {
                "exemptions": [
                    {"rule": "GR-IAM-04", "resource": "X", "reason": "r", "expires": "31/01/2027"}
                ]
            },
            "policy key 'exemptions[0].expires': expected a date written YYYY-MM-DD",
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


# -- no value echoed, every place named --------------------------------------------------------
MARKER = "AKIAZZZZZZZZZZZZZZZZ"  # a fake credential: must never reach a message


def _exemption(**changes: object) -> dict[str, object]:
    return {"rule": "GR-IAM-04", "resource": "X", "reason": "r", **changes}


@pytest.mark.parametrize(
    ("data", "place"),
    [
        ({"fail_on": MARKER}, "'fail_on': expected one of"),
        ({"mode": MARKER}, "'mode': expected one of enforce, audit"),
        ({"vpc_required": [MARKER]}, "'vpc_required': expected one of"),
        ({"min_log_retention_days": MARKER}, "'min_log_retention_days': expected a whole number"),
        ({"default_reserved_concurrency": 0}, "'default_reserved_concurrency': expected a whole"),
        ({"require_code_signing": MARKER}, "'require_code_signing': expected true or false"),
        ({"kms_key_arn": [MARKER]}, "'kms_key_arn': expected a non-empty string"),
        ({"trusted_accounts": MARKER}, "'trusted_accounts': expected a list"),
        ({"trusted_accounts": ["111111111111", MARKER]}, "'trusted_accounts[1]': expected a 12"),
        ({"trusted_layer_accounts": [10**13]}, "'trusted_layer_accounts[0]': expected a 12"),
        ({"rules": [MARKER]}, "'rules': expected a mapping"),
        ({"rules": {MARKER: False}}, "'rules': the 1st key is not a rule id"),
        ({"rules": {"GR-IAM-05": MARKER}}, "'rules.GR-IAM-05': expected true, false or"),
        ({"rules": {"GR-IAM-05": {MARKER: 1}}}, "'rules.GR-IAM-05': the 1st key is unknown"),
        ({"rules": {"GR-IAM-05": {"enabled": MARKER}}}, "'rules.GR-IAM-05.enabled': expected"),
        ({"rules": {"GR-IAM-05": {"severity": MARKER}}}, "'rules.GR-IAM-05.severity': expected"),
        ({"exemptions": {MARKER: 1}}, "'exemptions': expected a list"),
        ({"exemptions": [MARKER]}, "'exemptions[0]': expected {rule, resource"),
        ({"exemptions": [_exemption(rule=MARKER)]}, "'exemptions[0].rule': expected a rule id"),
        ({"exemptions": [_exemption(reason=[MARKER])]}, "'exemptions[0].reason': every"),
        ({"exemptions": [_exemption(resource={"x": MARKER})]}, "'exemptions[0].resource': give"),
        ({"exemptions": [_exemption(expires=MARKER)]}, "'exemptions[0].expires': expected a date"),
        ({"exemptions": [_exemption(**{MARKER: 1})]}, "'exemptions[0]': the 4th key is unknown"),
        ({"framework": {1: MARKER, MARKER: 2}}, "'framework': the 1st key is unknown"),
        ({"framework": {"rules": [MARKER]}}, "'framework.rules[0]': expected a rule id"),
        ({"framework": {"severity": MARKER}}, "'framework.severity': expected one of"),
        ({"approved_vpc": {"subnet_ids": ["subnet-1", MARKER]}}, "'approved_vpc.subnet_ids[1]'"),
        ({"approved_vpc": {MARKER: 1}}, "'approved_vpc': the 1st key is unknown"),
        ({MARKER: 1}, "the 1st key is not a policy key (not shown); known keys: fail_on"),
    ],
)
def test_messages_name_the_place_and_never_the_value(data, place):
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(data, source="org-policy.yaml")
    message = str(info.value)
    assert message.startswith("org-policy.yaml: ") and place in message
    assert MARKER not in message and "\n" not in message


def test_a_misspelt_nested_key_gets_a_suggestion():
    with pytest.raises(PolicyError, match=r"'rules\.GR-IAM-05\.enabeld': unknown key; did you"):
        Policy.from_mapping({"rules": {"GR-IAM-05": {"enabeld": False}}})
    with pytest.raises(PolicyError, match=r"'framework\.remediat': unknown key; did you mean"):
        Policy.from_mapping({"framework": {"remediat": True}})


# -- dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "expires",
    [
        20270331,
        "2027-02-30",
        "2027-3-1",
        "2027-01-31T10:00:00",
        "31/01/2027",
        "",
        dt.datetime(2027, 1, 31, 10, 0),
        ["2027-01-31"],
        True,
    ],
)
def test_expires_must_be_a_real_iso_date(expires):
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping({"exemptions": [_exemption(expires=expires)]}, source="p.yaml")
    assert str(info.value) == (
        "p.yaml: policy key 'exemptions[0].expires': expected a date written YYYY-MM-DD "
        "(a real calendar date)"
    )


@pytest.mark.parametrize(
    "line",
    [
        "expires: 2027-02-30",
        "expires: 20270331",
        "expires: 2027-3-1",
        "expires: 2027-01-31 10:00:00",
        "expires: !!timestamp 2027-02-30",
        "expires: '2027-02-29'",
    ],
)
def test_expires_in_yaml_is_read_strictly(tmp_path, line):
    path = tmp_path / "policy.yaml"
    path.write_text(
        f"exemptions:\n  - rule: GR-IAM-04\n    resource: X\n    reason: r\n    {line}\n"
    )
    with pytest.raises(PolicyError, match=r"'exemptions\[0\]\.expires': expected a date written"):
        Policy.from_file(path)


def test_expires_accepts_a_date_or_its_iso_text(tmp_path):
    assert Policy.from_mapping(
        {"exemptions": [_exemption(expires=dt.date(2028, 2, 29))]}
    ).exemptions[0].expires == dt.date(2028, 2, 29)
    path = tmp_path / "policy.yaml"
    path.write_text(
        "exemptions:\n  - {rule: GR-IAM-04, resource: X, reason: r, expires: 2028-02-29}\n"
        "  - {rule: GR-IAM-04, resource: Y, reason: r, expires: '2027-12-31'}\n"
    )
    assert [e.expires for e in Policy.from_file(path).exemptions] == [
        dt.date(2028, 2, 29),
        dt.date(2027, 12, 31),
    ]


# -- reading the file -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("alias.yaml", f"mode: *{MARKER}\n", r"alias\.yaml:1:7: YAML anchors and aliases are"),
        ("anchor.yaml", f"mode: &{MARKER} audit\n", r"anchor\.yaml:1:7: YAML anchors and"),
        (
            "laughs.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            r"laughs\.yaml:1:4: YAML anchors and aliases are not supported in a policy file",
        ),
        (
            "tag.yaml",
            f"mode: !{MARKER} x\n",
            r"tag\.yaml:1:7: malformed YAML \(could not .* tag …\)",
        ),
        ("escape.yaml", f'mode: "\\q{MARKER}"\n', r"escape\.yaml:1:9: malformed YAML \(.*escape"),
        ("tab.yaml", f"mode: audit\n\t{MARKER}: 1\n", r"tab\.yaml:2:1: malformed YAML"),
        (
            "flow.yaml",
            "mode: [audit\n",
            r"flow\.yaml:2:1: malformed YAML \(.*expected \u2018,\u2019 or \u2018\]\u2019",
        ),
        ("nul.yaml", f"mode: '{MARKER}\x00'\n", r"nul\.yaml:1:28: malformed YAML \(a control"),
        ("deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n", r"deep\.yaml: nested too deep"),
        ("deep.json", '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}", r"deep\.json: nested too deep"),
        ("int.yaml", "runtime_warning_days: " + "9" * 5000 + "\n", r"int\.yaml:1:23: a number"),
        ("int.json", '{"runtime_warning_days": ' + "9" * 5000 + "}", r"int\.json: holds a number"),
        ("bad.json", '{"mode": ', r"bad\.json:1:10: malformed JSON \(Expecting value\)"),
        ("list.yaml", f"- {MARKER}\n", r"list\.yaml: a policy file must hold a mapping"),
    ],
)
def test_malformed_files_are_one_line_without_what_they_hold(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.from_file(path)
    message = str(info.value)
    assert re.search(expected, message), message
    assert MARKER not in message and "\n" not in message


def test_only_a_regular_file_of_at_most_one_mib_is_read(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it would block: it must be refused before
    with pytest.raises(PolicyError, match=r"fifo\.yaml: the policy file is a FIFO"):
        Policy.from_file(fifo)
    with pytest.raises(PolicyError, match="is a directory, not a regular file"):
        Policy.from_file(tmp_path)
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    with pytest.raises(PolicyError, match=r"zero\.yaml: the policy file is a device"):
        Policy.from_file(zero)
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_POLICY_BYTES + 1)
    with pytest.raises(PolicyError, match=r"big\.yaml: the policy file is larger than 1 MiB"):
        Policy.from_file(big)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"mode: \xff\n")
    with pytest.raises(PolicyError, match=r"binary\.yaml: byte 6: the policy file is not UTF-8"):
        Policy.from_file(binary)


def test_yaml_problem_keeps_grammar_tokens_and_drops_quoted_input():
    class Problem(Exception):
        context = "while parsing a block mapping"
        problem = f"expected '<block end>', but found '{MARKER}' and \"{MARKER}\" or 'x"

    text = yaml_problem(Problem())
    assert text == (
        "while parsing a block mapping: expected \u2018<block end>\u2019, but found … and … or …"
    )


# -- CDK context and coerce ---------------------------------------------------------------------
def test_context_errors_never_echo_the_context_value(tmp_path):
    base = Policy()
    cases = [
        ({"lambda-guardrails:policy": MARKER}, "context lambda-guardrails:policy: policy file "),
        ({"lambda-guardrails:policy": "x" * 5000 + MARKER}, "context lambda-guardrails:policy:"),
        ({"lambda-guardrails:policy": "{" + MARKER}, "context lambda-guardrails:policy:1:2:"),
        (
            {"lambda-guardrails:policy": '{"a": ' + "[" * 10_000},
            "context lambda-guardrails:policy: nested",
        ),
        ({"lambda-guardrails:policy": 42}, "context lambda-guardrails:policy: expected a mapping"),
        ({"lambda-guardrails:policy": {"mode": MARKER}}, "policy key 'mode': expected one of"),
        ({"lambda-guardrails:mode": MARKER}, "context lambda-guardrails:mode: policy key 'mode'"),
        ({"lambda-guardrails:fail_on": [MARKER]}, "context lambda-guardrails:fail_on: policy"),
    ]
    for context, expected in cases:
        with pytest.raises(PolicyError) as info:
            base.with_context(context)
        message = str(info.value)
        assert expected in message and MARKER not in message, message


def test_coerce_names_the_type_only():
    with pytest.raises(PolicyError) as info:
        Policy.coerce(42)
    assert str(info.value) == "policy: expected a Policy, a mapping or a file path, got int"
    with pytest.raises(PolicyError, match="<policy>: policy key 'mode'"):
        Policy.coerce({"mode": MARKER})


# -- rule ids against the catalog ---------------------------------------------------------------
def test_check_rule_ids_accepts_the_catalogs_ids():
    known = [r.id for r in all_rules()]
    assert set(DEFAULT_FRAMEWORK_RULES) <= set(known)
    Policy().check_rule_ids(known)
    Policy.from_mapping(
        {
            "rules": {known[0]: False},
            "exemptions": [_exemption(rule=known[1])],
            "framework": {"rules": known[:3]},
        }
    ).check_rule_ids(known)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"rules": {"GR-IAM-05": False, "GR-IAM-99": False}},
            "p.yaml: policy key 'rules.GR-IAM-99': no rule has this id; did you mean GR-IAM-09?",
        ),
        (
            {"exemptions": [_exemption(), _exemption(rule="GR-IAN-05")]},
            "p.yaml: policy key 'exemptions[1].rule': no rule has the id GR-IAN-05; "
            "did you mean GR-IAM-05?",
        ),
        (
            {"framework": {"rules": ["GR-IAM-01", "GR-OBS-010"]}},  # not even the form of an id
            "p.yaml: policy key 'framework.rules[1]': expected a rule id such as GR-IAM-05",
        ),
        (
            {"framework": {"rules": ["GR-IAM-01", "GR-ZZZ-77"]}},
            "p.yaml: policy key 'framework.rules[1]': no rule has the id GR-ZZZ-77; "
            "run `guardrails rules` to list them",
        ),
    ],
)
def test_check_rule_ids_names_the_file_the_key_and_the_closest_id(data, expected):
    known = [r.id for r in all_rules()]
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping(data, source="p.yaml").check_rule_ids(known)
    assert str(info.value) == expected


def test_check_rule_ids_names_the_source_that_set_the_key(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("rules:\n  GR-OBS-10: false\n")
    policy = Policy.from_file(path).with_context(
        {"lambda-guardrails:policy": {"fail_on": "low"}, "lambda-guardrails:mode": "audit"}
    )
    assert policy.source == "context lambda-guardrails:policy"
    with pytest.raises(PolicyError) as info:
        policy.check_rule_ids([r.id for r in all_rules()])
    assert str(info.value).startswith(f"{path}: policy key 'rules.GR-OBS-10': no rule has")


def test_check_rule_ids_never_echoes_what_is_not_a_rule_id():
    policy = Policy(rules={MARKER: RuleSettings(enabled=False)}, source="code")
    with pytest.raises(PolicyError) as info:
        policy.check_rule_ids([r.id for r in all_rules()])
    assert str(info.value) == "code: policy key 'rules': not a rule id such as GR-IAM-05"


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("fail_onn", True),
        ("trusted_acounts", True),
        ("colour", False),
        ("fail_" + "x" * 40, False),
        ("fail_on2", False),
        ("Fail_On", False),
    ],
)
def test_an_unknown_key_is_quoted_only_when_it_reads_as_a_misspelt_key(key, shown):
    with pytest.raises(PolicyError) as info:
        Policy.from_mapping({key: 1}, source="p.yaml")
    assert (key in str(info.value)) is shown
