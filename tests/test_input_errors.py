"""Bad input through the real command line: every bad policy, SAM template and baseline gives
exit code 2 and ONE line on stderr that names the file and the fix, never a traceback, never an
internal error, and never the offending value (a planted fake credential, ``MARKER``, stands for
a secret pasted in the wrong place: it must appear nowhere in the output).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from guardrails import cli

MARKER = "AKIAZZZZZZZZZZZZZZZZ"  # a fake AWS access key id

PLAIN_TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: {S3Bucket: artifacts, S3Key: app.zip}
      Role: arn:aws:iam::123456789012:role/fn
"""
GOOD_POLICY = "mode: enforce\nfail_on: critical\n"


@dataclass(frozen=True)
class Case:
    """One bad input: ``build(tmp_path)`` writes the files and returns the extra arguments of
    ``guardrails scan <template> --policy <policy>`` and the file the message must name."""

    id: str
    build: Callable[[Path], tuple[list[str], str]]
    #: the message must say this too (the place, or the fix)
    says: str = ""


# -- builders ---------------------------------------------------------------------------------
def _scan(tmp: Path, *, policy: Path, template: Path | None = None, extra: tuple = ()) -> list:
    if template is None:
        template = tmp / "app.yaml"
        template.write_text(PLAIN_TEMPLATE)
    return [str(template), "--policy", str(policy), *extra]


def policy_text(text: str, name: str = "policy.yaml") -> Callable[[Path], tuple[list, str]]:
    def build(tmp: Path) -> tuple[list, str]:
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        return _scan(tmp, policy=path), name

    return build


def policy_data(data: object, name: str = "policy.yaml") -> Callable[[Path], tuple[list, str]]:
    dump = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data)
    return policy_text(dump, name)


def policy_path(make: Callable[[Path], Path]) -> Callable[[Path], tuple[list, str]]:
    def build(tmp: Path) -> tuple[list, str]:
        path = make(tmp)
        return _scan(tmp, policy=path), path.name

    return build


def _fifo(tmp: Path) -> Path:
    path = tmp / "fifo-policy.yaml"
    os.mkfifo(path)
    return path


def _dev_zero(tmp: Path, name: str = "zero-policy.yaml") -> Path:
    path = tmp / name
    path.symlink_to("/dev/zero")
    return path


def _directory(tmp: Path, name: str = "dir-policy.yaml") -> Path:
    path = tmp / name
    path.mkdir()
    return path


def _latin1(tmp: Path) -> Path:
    path = tmp / "latin1-policy.yaml"
    path.write_bytes(b"mode: \xe9t\xe9\n")
    return path


def _sparse(tmp: Path, name: str, size: int) -> Path:
    path = tmp / name
    with path.open("wb") as f:
        f.truncate(size)
    return path


def sam_template(doc: dict) -> Callable[[Path], tuple[list, str]]:
    def build(tmp: Path) -> tuple[list, str]:
        template = tmp / "sam-app.yaml"
        template.write_text(yaml.safe_dump(doc, sort_keys=False))
        policy = tmp / "policy.yaml"
        policy.write_text(GOOD_POLICY)
        return _scan(tmp, policy=policy, template=template), template.name

    return build


def sam_function(globals_: object = None, **props: object) -> Callable[[Path], tuple[list, str]]:
    base = {"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "s3://b/app.zip"}
    doc: dict = {"Transform": "AWS::Serverless-2016-10-31"}
    if globals_ is not None:
        doc["Globals"] = globals_
    doc["Resources"] = {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {**base, **props}}
    }
    return sam_template(doc)


def baseline_text(text: str) -> Callable[[Path], tuple[list, str]]:
    def build(tmp: Path) -> tuple[list, str]:
        path = tmp / "baseline.json"
        path.write_text(text)
        return baseline_path(lambda _: path)(tmp)

    return build


def baseline_path(make: Callable[[Path], Path]) -> Callable[[Path], tuple[list, str]]:
    def build(tmp: Path) -> tuple[list, str]:
        path = make(tmp)
        policy = tmp / "policy.yaml"
        policy.write_text(GOOD_POLICY)
        return _scan(tmp, policy=policy, extra=("--baseline", str(path))), path.name

    return build


def _exemption(**changes: object) -> dict:
    return {"exemptions": [{"rule": "GR-IAM-04", "resource": "Fn", "reason": "r", **changes}]}


FN = "Resources/Fn/Properties"
_FINDING = {"rule_id": "GR-IAM-01", "stack": "app", "logical_id": "Fn", "location": "Properties"}

CASES = [
    # -- policy: each key with a value of the wrong type or form ----------------------------------
    Case("mode", policy_data({"mode": MARKER}), "'mode': expected one of enforce, audit"),
    Case("fail_on", policy_data({"fail_on": [MARKER]}), "'fail_on': expected one of"),
    Case("vpc_required", policy_data({"vpc_required": MARKER}), "'vpc_required': expected"),
    Case("retention", policy_data({"min_log_retention_days": MARKER}), "expected a whole number"),
    Case("concurrency", policy_data({"default_reserved_concurrency": -1}), "expected a whole"),
    Case("code_signing", policy_data({"require_code_signing": MARKER}), "expected true or false"),
    Case("kms_json", policy_data({"kms_key_arn": [MARKER]}, "policy.json"), "non-empty string"),
    Case("sensitive_tag", policy_data({"sensitive_tag": {MARKER: 1}}), "'sensitive_tag'"),
    Case("accounts", policy_data({"trusted_accounts": ["111111111111", MARKER]}), "accounts[1]'"),
    Case("accounts_type", policy_data({"trusted_layer_accounts": MARKER}), "expected a list"),
    Case("rules_type", policy_data({"rules": [MARKER]}), "'rules': expected a mapping"),
    Case("rules_key", policy_data({"rules": {MARKER: False}}), "the 1st key is not a rule id"),
    Case("rule_settings", policy_data({"rules": {"GR-IAM-05": MARKER}}), "'rules.GR-IAM-05'"),
    Case(
        "rule_severity",
        policy_data({"rules": {"GR-IAM-05": {"severity": MARKER}}}),
        "'rules.GR-IAM-05.severity': expected one of",
    ),
    Case("exemptions_type", policy_data({"exemptions": MARKER}), "'exemptions': expected a list"),
    Case("exemption_item", policy_data({"exemptions": [MARKER]}), "'exemptions[0]': expected"),
    Case("exemption_rule", policy_data(_exemption(rule=MARKER)), "'exemptions[0].rule'"),
    Case("exemption_reason", policy_data(_exemption(reason=[MARKER])), "needs a reason"),
    Case("exemption_key", policy_data(_exemption(**{MARKER: 1})), "key is unknown (not shown)"),
    Case("framework_rules", policy_data({"framework": {"rules": [MARKER]}}), "rules[0]'"),
    Case("approved_vpc", policy_data({"approved_vpc": {"subnet_ids": [MARKER]}}), "ids[0]'"),
    Case("unknown_key", policy_data({MARKER: 1}), "not a policy key (not shown); known keys"),
    # -- policy: dates ----------------------------------------------------------------------------
    *(
        Case(
            f"expires_{name}",
            policy_text(
                "exemptions:\n  - rule: GR-IAM-04\n    resource: Fn\n    reason: r\n"
                f"    expires: {value}\n"
            ),
            "'exemptions[0].expires': expected a date written YYYY-MM-DD (a real calendar date)",
        )
        for name, value in (
            ("feb30", "2027-02-30"),
            ("int", "20270331"),
            ("loose", "2027-3-1"),
            ("time", "2027-01-31 10:00:00"),
            ("marker", MARKER),
        )
    ),
    # -- policy: unknown rule ids (``Policy.check_rule_ids``, called by the engine) ---------------
    Case(
        "unknown_rule",
        policy_data({"rules": {"GR-IAM-99": False}}),
        "did you mean GR-IAM-09?",
    ),
    Case(
        "unknown_exemption_rule",
        policy_data(_exemption(rule="GR-IAN-05")),
        "did you mean GR-IAM-05?",
    ),
    Case(
        "unknown_framework_rule",
        policy_data({"framework": {"rules": ["GR-IAM-01", "GR-OBS-99"]}}),
        "'framework.rules[1]': no rule has the id GR-OBS-99; did you mean GR-OBS-08?",
    ),
    # -- policy: the file itself ------------------------------------------------------------------
    Case("fifo", policy_path(_fifo), "is a FIFO (named pipe), not a regular file"),
    Case("dev_zero", policy_path(_dev_zero), "is a device, not a regular file"),
    Case("directory", policy_path(_directory), "is a directory, not a regular file"),
    Case("too_big", policy_path(lambda t: _sparse(t, "big.yaml", 2**20 + 1)), "larger than 1"),
    Case("not_utf8", policy_path(_latin1), "byte 6: the policy file is not UTF-8 text"),
    Case("deep_yaml", policy_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n"), "nested too deep"),
    Case(
        "deep_json",
        policy_text('{"a": ' + "[" * 10_000 + "]" * 10_000 + "}", "policy.json"),
        "nested too deep",
    ),
    Case("huge_int", policy_text("runtime_warning_days: " + "7" * 5000 + "\n"), "4,300 digits"),
    Case(
        "huge_int_json",
        policy_text('{"runtime_warning_days": ' + "7" * 5000 + "}", "policy.json"),
        "4,300 digits",
    ),
    Case(
        "billion_laughs",
        policy_text(
            "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "".join(
                f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
        ),
        "YAML anchors and aliases are not supported in a policy file",
    ),
    Case("alias_name", policy_text(f"mode: *{MARKER}\n"), "anchors and aliases are not supported"),
    Case("tag_name", policy_text(f"mode: !{MARKER} audit\n"), "malformed YAML"),
    Case("quoted_escape", policy_text(f'mode: "\\q{MARKER}"\n'), "malformed YAML"),
    Case("quoted_char", policy_text(f"mode: audit\n\t{MARKER}: 1\n"), "malformed YAML"),
    Case("malformed_json", policy_text(f'{{"mode": "{MARKER}",', "policy.json"), "malformed JSON"),
    # -- SAM templates: shapes the SAM transform rejects ------------------------------------------
    Case("sam_events_list", sam_function(Events=[MARKER]), f"{FN}/Events: expected a mapping"),
    Case(
        "sam_event_no_type",
        sam_function(Events={"Api": {"Properties": {"Path": MARKER}}}),
        f"{FN}/Events/Api: expected a mapping with Type and Properties; fix the SAM template",
    ),
    Case(
        "sam_event_properties",
        sam_function(Events={"Api": {"Type": "Api", "Properties": MARKER}}),
        f"{FN}/Events/Api/Properties: expected a mapping",
    ),
    Case("sam_policies_number", sam_function(Policies=42), f"{FN}/Policies: expected"),
    Case("sam_policies_entry", sam_function(Policies=[[MARKER]]), f"{FN}/Policies/0: expected"),
    Case(
        "sam_policy_template_args",
        sam_function(Policies=[{"S3ReadPolicy": MARKER}]),
        f"{FN}/Policies/0/S3ReadPolicy: expected a mapping",
    ),
    Case("sam_globals_list", sam_function(globals_=[MARKER]), "Globals"),
    Case(
        "sam_globals_function",
        sam_function(globals_={"Function": MARKER}),
        "Globals/Function: expected a mapping",
    ),
    Case(
        "sam_url_config",
        sam_function(FunctionUrlConfig=MARKER),
        f"{FN}/FunctionUrlConfig: expected a mapping with AuthType",
    ),
    Case("sam_dlq", sam_function(DeadLetterQueue=[MARKER]), f"{FN}/DeadLetterQueue: expected"),
    Case(
        "sam_event_invoke",
        sam_function(EventInvokeConfig={"DestinationConfig": {"OnFailure": MARKER}}),
        f"{FN}/EventInvokeConfig/DestinationConfig/OnFailure: expected",
    ),
    Case("sam_tags_list", sam_function(Tags=[{"Key": MARKER}]), f"{FN}/Tags: expected a mapping"),
    Case("sam_code_uri_list", sam_function(CodeUri=[MARKER]), f"{FN}/CodeUri: expected"),
    Case(
        "sam_properties",
        sam_template(
            {
                "Transform": "AWS::Serverless-2016-10-31",
                "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": MARKER}},
            }
        ),
        f"{FN}: expected a mapping",
    ),
    # -- baselines --------------------------------------------------------------------------------
    Case("baseline_malformed", baseline_text(f'{{"findings": ["{MARKER}"'), "malformed baseline"),
    Case("baseline_deep", baseline_text('{"findings": ' + "[" * 10_000), "nested too deep"),
    Case("baseline_huge_int", baseline_text('{"n": ' + "1" * 5000 + "}"), "4,300 digits"),
    Case("baseline_shape", baseline_text(json.dumps({"findings": {MARKER: 1}})), "'findings' list"),
    Case(
        "baseline_finding",
        baseline_text(json.dumps({"findings": [_FINDING, {**_FINDING, "rule_id": [MARKER]}]})),
        "findings[1].rule_id: expected a string",
    ),
    Case("baseline_fifo", baseline_path(lambda t: _fifo(t)), "is a FIFO"),
    Case("baseline_dev_zero", baseline_path(lambda t: _dev_zero(t, "zero.json")), "a device"),
    Case("baseline_directory", baseline_path(lambda t: _directory(t, "b.json")), "a directory"),
    Case(
        "baseline_too_big",
        baseline_path(lambda t: _sparse(t, "huge.json", 64 * 2**20 + 1)),
        "larger than 64 MiB",
    ),
]


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging if something opens a FIFO after all."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("the CLI blocked: a FIFO was opened")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_naming_the_file_without_the_value(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, named = case.build(tmp_path)
    with _deadline(120):
        code = cli.main(["scan", *argv])
    out, err = capsys.readouterr()
    assert MARKER not in out and MARKER not in err, err
    assert code == 2, (code, err)
    assert out == ""
    assert err.startswith("guardrails: error: "), err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert named in err, err
    for word in ("Traceback", "unexpected", "internal error"):
        assert word not in err, err
    assert case.says in err, err


def test_the_table_covers_every_kind_of_input() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)
