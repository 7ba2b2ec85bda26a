"""One policy for synth and pipeline: the CDK plugin records the policy it applied in the cloud
assembly, and ``guardrails scan cdk.out`` applies it, so that a pipeline reports what the synth
reported (rules switched off, exemptions).

Order of precedence in the CLI: ``--policy`` > the recorded policy > the ``cdk.json`` context of
the current directory > the defaults; the text report's header names the one applied.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_lambda as lambda_

import guardrails
from guardrails.cdk import LambdaGuardrails
from guardrails.cli import main as cli
from guardrails.errors import PolicyError
from guardrails.model import osv
from guardrails.policy import KNOWN_KEYS, RECORD_FILE, Policy
from tests.conftest import ENV, function, synth

#: a value for every policy key, none of them the default
EVERY_KEY: dict[str, object] = {
    "fail_on": "medium",
    "mode": "audit",
    "rules": {"GR-OBS-01": False, "GR-IAM-04": {"severity": "critical"}, "GR-NET-01": True},
    "min_log_retention_days": 365,
    "runtime_warning_days": 30,
    "vpc_required": "all",
    "sensitive_tag": "data-class=secret",
    "trusted_accounts": ["000123456789", "210987654321"],
    "trusted_layer_accounts": ["111122223333"],
    "permissions_boundary": "arn:aws:iam::123456789012:policy/Boundary",
    "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777",
    "require_code_signing": True,
    "code_signing_config_arn": (
        "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0a1b2c3d4e5f67890"
    ),
    "osv_database": "/srv/osv/db.zip",
    "default_reserved_concurrency": 20,
    "approved_vpc": {
        "subnet_ids": ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"],
        "security_group_ids": ["sg-0123456789abcdef0"],
    },
    "baseline": "baseline.json",
    "exemptions": [
        {
            "rule": "GR-IAM-04",
            "resource": "Legacy/*",
            "reason": "migrating",
            "expires": "2027-01-31",
        },
        {"rule": "GR-INP-04", "resource": "WebhookFn1234", "reason": "public webhook"},
    ],
    "framework": {"severity": None, "rules": ["GR-IAM-01", "GR-OBS-02"], "remediate": True},
}


# -- Policy.to_mapping / to_record / from_record ---------------------------------------------
def test_the_example_sets_every_key_to_something_else_than_the_default():
    assert set(EVERY_KEY) == set(KNOWN_KEYS)
    written = Policy.from_mapping(EVERY_KEY).to_mapping()
    defaults = Policy().to_mapping()
    assert [key for key in KNOWN_KEYS if written[key] == defaults[key]] == []


@pytest.mark.parametrize(
    "data",
    [
        EVERY_KEY,
        {},
        # the forms a key can take besides the example's: no tag, a rule's severity alone,
        # framework severity kept, no expiry, no VPC
        {"sensitive_tag": None, "rules": {"GR-OBS-02": {"enabled": False, "severity": "low"}}},
        {"framework": {"severity": "low"}, "exemptions": [], "approved_vpc": None},
    ],
    ids=["every-key", "defaults", "no-tag", "framework"],
)
def test_to_mapping_reads_back_exactly(data):
    policy = Policy.from_mapping(data, source="org-policy.yaml")
    mapping = policy.to_mapping()
    assert list(mapping) == list(KNOWN_KEYS)
    # through JSON, as the record is written: tuples become lists, dates text
    back = Policy.from_mapping(json.loads(json.dumps(mapping)), source="elsewhere")
    assert dataclasses.replace(back, source=policy.source) == policy
    assert back.to_mapping() == mapping


def test_a_record_keeps_where_the_policy_and_each_key_came_from(tmp_path):
    policy = Policy.from_mapping(EVERY_KEY, source="org-policy.yaml").with_context(
        {"lambda-guardrails:fail_on": "low"}
    )
    record = tmp_path / RECORD_FILE
    record.write_text(json.dumps(policy.to_record()), encoding="utf-8")
    back = Policy.from_record(record)
    assert back == policy
    assert back.source == "org-policy.yaml"
    assert back.key_sources["exemptions"] == "org-policy.yaml"
    assert back.key_sources["fail_on"] == "context lambda-guardrails:fail_on"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "malformed JSON"),
        ('{"tool": "other", "policy": {}}', "not a policy recorded by lambda-guardrails"),
        ('{"tool": "lambda-guardrails", "policy": {}, "colour": 1}', "not a policy recorded"),
        ('{"tool": "lambda-guardrails", "source": 7, "policy": {}}', "'source': expected"),
        (
            '{"tool": "lambda-guardrails", "source": "p", "key_sources": {"x": "p"}, "policy": {}}',
            "'key_sources': expected a mapping of policy keys",
        ),
        ('{"tool": "lambda-guardrails", "source": "p", "policy": []}', "'policy': expected"),
        (
            '{"tool": "lambda-guardrails", "source": "p", "policy": {"mode": "lenient"}}',
            "policy key 'mode': expected one of enforce, audit",
        ),
    ],
    ids=["json", "tool", "unknown", "source", "key_sources", "policy", "value"],
)
def test_a_malformed_record_is_one_error_naming_the_file(tmp_path, text, message):
    record = tmp_path / RECORD_FILE
    record.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.from_record(record)
    assert str(info.value).startswith(str(record))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_pinned_means_the_folder_the_scan_reads(tmp_path, monkeypatch):
    """A relative ``osv_database`` is relative to its policy file: pinned, it stays that folder
    whatever ``source`` later says (a description, a record)."""
    folder = tmp_path / "policies"
    folder.mkdir()
    policy_file = folder / "org.yaml"
    policy_file.write_text("osv_database: osv/db\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    policy = Policy.from_file(policy_file)
    pinned = policy.pinned()
    assert Path(pinned.osv_database or "") == osv.resolve("osv/db", policy.source)
    assert Path(pinned.osv_database or "") == folder / "osv" / "db"
    assert pinned.pinned() == pinned
    assert Policy().pinned() == Policy()


# -- synth, then scan ---------------------------------------------------------------------------
def public_function(scope: cdk.Stack, id: str) -> None:
    fn = function(scope, id)
    fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)  # GR-INP-04, high


@pytest.fixture(scope="module")
def synthesized(module_tmp: Path) -> tuple[Path, Path, LambdaGuardrails]:
    """An app in a ``Stage``, protected with a policy file that switches GR-OBS-01 off and
    exempts the function URL (written without the stage prefix), synthesized with CDK's check
    that validation plugins change no file of the assembly."""
    policy_file = module_tmp / "org-policy.yaml"
    policy_file.write_text(
        yaml.safe_dump(
            {
                "mode": "audit",
                "rules": {"GR-OBS-01": False},
                "exemptions": [
                    {"rule": "GR-INP-04", "resource": "Orders/Webhook", "reason": "signed"}
                ],
            }
        ),
        encoding="utf-8",
    )
    outdir = module_tmp / "cdk.out"
    app = cdk.App(outdir=str(outdir), confirm_validation_plugins_do_not_mutate=True)
    stack = cdk.Stack(cdk.Stage(app, "Prod", env=ENV), "Orders")
    public_function(stack, "Webhook")
    public_function(stack, "Admin")
    plugin = guardrails.protect(app, str(policy_file))
    app.synth()  # the record is a new file: CDK's check passes
    return outdir, policy_file, plugin


def scanned(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[tuple[str, ...]]]:
    code = cli(["scan", *argv, "--format", "json"])  # today, as the plugin at synth
    out, err = capsys.readouterr()
    # not `err == ""`: a synth's report can reach stderr late (from jsii's Node.js process)
    assert "guardrails: error" not in err
    return code, sorted(
        (f["rule_id"], f["status"], f["stack"], f["logical_id"], f["location"])
        for f in json.loads(out)["findings"]
    )


def keys(findings) -> list[tuple[str, ...]]:
    return sorted((f.rule_id, f.status, f.stack, f.logical_id, f.location) for f in findings)


def test_the_plugin_records_the_policy_it_applied(synthesized):
    outdir, policy_file, plugin = synthesized
    record = Policy.from_record(outdir / RECORD_FILE)
    assert record == plugin.last_report.policy
    assert record.source == str(policy_file)
    assert not record.rule_enabled("GR-OBS-01")


def test_scan_without_policy_reports_what_the_synth_reported(synthesized, capsys, monkeypatch):
    outdir, _, plugin = synthesized
    monkeypatch.chdir(outdir.parent)  # no cdk.json here
    code, findings = scanned(capsys, str(outdir), "--fail-on", "none")
    assert code == 0
    assert findings == keys(plugin.last_report.findings)
    assert not [f for f in findings if f[0] == "GR-OBS-01"]
    statuses = {f[3].rstrip("0123456789ABCDEF"): f[1] for f in findings if f[0] == "GR-INP-04"}
    assert statuses == {"WebhookFunctionUrl": "exempted", "AdminFunctionUrl": "open"}


def test_the_policy_option_wins_over_the_record(synthesized, capsys, tmp_path, monkeypatch):
    outdir, _, plugin = synthesized
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "other.yaml"
    other.write_text("fail_on: none\n", encoding="utf-8")
    _, findings = scanned(capsys, str(outdir), "--policy", str(other))
    assert findings != keys(plugin.last_report.findings)
    assert [f[1] for f in findings if f[0] == "GR-INP-04"] == ["open", "open"]
    assert [f for f in findings if f[0] == "GR-OBS-01"]


def test_fail_on_overrides_the_recorded_policy(synthesized, capsys):
    outdir, _, _ = synthesized
    assert cli(["scan", str(outdir), "--format", "json"]) == 1  # the Admin URL: high, open
    assert cli(["scan", str(outdir), "--format", "json", "--fail-on", "critical"]) == 0
    capsys.readouterr()


def test_the_text_header_names_the_policy_applied(synthesized, capsys, tmp_path, monkeypatch):
    outdir, policy_file, _ = synthesized
    monkeypatch.chdir(tmp_path)
    cli(["scan", str(outdir)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (f"policy: recorded at synth ({outdir / RECORD_FILE}, from {policy_file})")
    cli(["scan", str(outdir), "--policy", str(policy_file)])
    assert capsys.readouterr().out.splitlines()[1] == f"policy: {policy_file} (--policy)"


def test_a_malformed_record_fails_the_scan_in_one_line(tmp_path, capsys):
    outdir = tmp_path / "cdk.out"
    synth(lambda app: function(cdk.Stack(app, "S", env=ENV)), outdir)
    (outdir / RECORD_FILE).write_text('{"tool": "lambda-guardrails", "policy": {"rules": 1}}')
    assert cli(["scan", str(outdir)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"guardrails: error: {outdir / RECORD_FILE}: ")
    assert err.count("\n") == 1
    # something else than a regular file in its place is an error too, not the defaults
    (outdir / RECORD_FILE).unlink()
    (outdir / RECORD_FILE).mkdir()
    assert cli(["scan", str(outdir)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_later_synth_with_another_policy_replaces_the_record(tmp_path):
    """``protect()`` writes the record before CDK snapshots the assembly: a second synth into
    the same folder under CDK's mutation check passes, and records the new policy."""
    outdir = tmp_path / "cdk.out"
    for fail_on in ("high", "critical"):
        app = cdk.App(outdir=str(outdir), confirm_validation_plugins_do_not_mutate=True)
        public_function(cdk.Stack(app, "S", env=ENV), "Fn")
        guardrails.protect(app, {"mode": "audit", "fail_on": fail_on})
        app.synth()
        assert Policy.from_record(outdir / RECORD_FILE).fail_on == fail_on


def test_a_plugin_registered_by_hand_records_the_policy_with_the_context(tmp_path):
    outdir = tmp_path / "cdk.out"
    app = cdk.App(
        outdir=str(outdir),
        confirm_validation_plugins_do_not_mutate=True,
        context={"lambda-guardrails:fail_on": "critical"},
    )
    public_function(cdk.Stack(app, "S", env=ENV), "Fn")
    cdk.Validations.of(app).add_plugins(LambdaGuardrails({"mode": "audit"}))
    app.synth()
    record = Policy.from_record(outdir / RECORD_FILE)
    assert (record.mode, record.fail_on) == ("audit", "critical")
    assert record.key_sources["fail_on"] == "context lambda-guardrails:fail_on"
    assert os.stat(outdir / RECORD_FILE).st_mode & 0o444 == 0o444


# -- without a record: cdk.json, then the defaults ---------------------------------------------
@pytest.fixture(scope="module")
def unrecorded(module_tmp: Path) -> Path:
    """An assembly synthesized without the plugin: no record."""
    outdir = module_tmp / "plain.out"
    synth(lambda app: public_function(cdk.Stack(app, "S", env=ENV), "Fn"), outdir)
    assert not (outdir / RECORD_FILE).exists()
    return outdir


def header(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    cli(["scan", *argv])
    return capsys.readouterr().out.splitlines()[1]


def test_without_record_or_cdk_json_the_defaults_apply(unrecorded, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert header(capsys, str(unrecorded)) == "policy: defaults"


def test_without_record_the_cdk_json_context_applies(unrecorded, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org.yaml").write_text("rules:\n  GR-INP-04: false\n", encoding="utf-8")
    context = {"lambda-guardrails:policy": "org.yaml", "lambda-guardrails:fail_on": "none"}
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "context": context}))
    assert header(capsys, str(unrecorded)) == (
        "policy: org.yaml (cdk.json context lambda-guardrails:policy) "
        "with cdk.json context lambda-guardrails:fail_on"
    )
    code, findings = scanned(capsys, str(unrecorded))
    assert code == 0  # fail_on none, from the context
    assert findings and not [f for f in findings if f[0] == "GR-INP-04"]
    # an inline mapping
    inline = {"lambda-guardrails:policy": {"rules": {"GR-INP-04": False}}}
    (tmp_path / "cdk.json").write_text(json.dumps({"context": inline}))
    assert header(capsys, str(unrecorded)) == "policy: cdk.json context lambda-guardrails:policy"


def test_the_record_wins_over_cdk_json(synthesized, capsys, tmp_path, monkeypatch):
    outdir, _, _ = synthesized
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"lambda-guardrails:policy": {}}}))
    assert header(capsys, str(outdir)).startswith("policy: recorded at synth (")


def test_a_malformed_cdk_json_is_one_error(unrecorded, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdk.json").write_text('{"context": ')
    assert cli(["scan", str(unrecorded)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("guardrails: error: cdk.json:1:")
    assert "pass --policy" in err and err.count("\n") == 1
    (tmp_path / "cdk.json").write_text('{"context": ["lambda-guardrails:policy"]}')
    assert cli(["scan", str(unrecorded)]) == 2
    assert "'context' must be a mapping" in capsys.readouterr().err


def test_exemption_expiry_uses_the_recorded_policy(tmp_path, capsys, monkeypatch):
    """The record carries the exemptions' dates: ``--today`` decides as at synth."""
    outdir = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(outdir))
    public_function(cdk.Stack(app, "S", env=ENV), "Fn")
    exemption = {"rule": "GR-INP-04", "resource": "S/Fn", "reason": "r", "expires": "2026-06-30"}
    guardrails.protect(app, {"mode": "audit", "exemptions": [exemption]})
    app.synth()  # its report reaches stderr late (from jsii's Node.js): only stdout is read
    monkeypatch.chdir(tmp_path)
    for today, code, status in (("2026-06-30", 0, "exempted"), ("2026-07-01", 1, "open")):
        argv = ["scan", str(outdir), "--format", "json", "--today", today]
        assert cli(argv) == code
        doc = json.loads(capsys.readouterr().out)
        assert [f["status"] for f in doc["findings"] if f["rule_id"] == "GR-INP-04"] == [status]
