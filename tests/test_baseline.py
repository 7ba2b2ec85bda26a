"""Baseline: findings of an earlier JSON report stop failing the run; new ones still fail."""

import json
import os
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails.baseline import MAX_BASELINE_BYTES, load_baseline
from guardrails.cli import main as cli
from guardrails.errors import PolicyError
from tests.conftest import ENV, function, synth


def build_old(app):
    function(cdk.Stack(app, "S", env=ENV), "Old").add_function_url(
        auth_type=lambda_.FunctionUrlAuthType.NONE
    )


def build_new(app):
    stack = cdk.Stack(app, "S", env=ENV)
    function(stack, "Old").add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    function(stack, "New").add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)


@pytest.fixture(scope="module")
def assemblies(module_tmp):
    synth(build_old, module_tmp / "old")
    synth(build_new, module_tmp / "new")
    return module_tmp


def test_baseline_accepts_known_findings_and_fails_on_new(assemblies, capsys):
    baseline = assemblies / "baseline.json"
    old = str(assemblies / "old")
    assert cli(["scan", old, "--format", "json", "--output", str(baseline)]) == 1
    assert cli(["scan", old, "--baseline", str(baseline)]) == 0
    capsys.readouterr()
    code = cli(["scan", str(assemblies / "new"), "--baseline", str(baseline), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    url = [f for f in doc["findings"] if f["rule_id"] == "GR-INP-04"]
    assert sorted((f["logical_id"].startswith("Old"), f["status"]) for f in url) == [
        (False, "open"),
        (True, "baseline"),
    ]


def test_bad_baseline_files(tmp_path):
    with pytest.raises(PolicyError, match="baseline file not found"):
        load_baseline(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"findings": [{"rule_id": "GR-IAM-01"}]}')
    with pytest.raises(PolicyError, match=r"findings\[0\] lacks"):
        load_baseline(bad)


MARKER = "AKIAZZZZZZZZZZZZZZZZ"  # a fake credential: must never reach a message
_FINDING = {"rule_id": "GR-IAM-01", "stack": "S", "logical_id": "Fn", "location": "Properties"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"findings": [' + f'"{MARKER}"', r"bad\.json:1:\d+: malformed baseline \("),
        ('{"findings": ' + "[" * 10_000, r"bad\.json: nested too deep to read"),
        ('{"findings": [], "n": ' + "9" * 5000 + "}", r"bad\.json: holds a number longer than"),
        (json.dumps([MARKER]), r"bad\.json: not a guardrails JSON report"),
        (json.dumps({"findings": {MARKER: 1}}), r"bad\.json: not a guardrails JSON report"),
        (json.dumps({"findings": [MARKER]}), r"bad\.json: findings\[0\]: expected an object"),
        (
            json.dumps({"findings": [_FINDING, {**_FINDING, "stack": [MARKER]}]}),
            r"bad\.json: findings\[1\]\.stack: expected a string",
        ),
        (
            json.dumps({"findings": [{k: v for k, v in _FINDING.items() if k != "location"}]}),
            r"bad\.json: findings\[0\] lacks .* \(location is missing\)",
        ),
    ],
)
def test_malformed_baselines_are_one_line_without_values(tmp_path, text, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_baseline(bad)
    message = str(info.value)
    assert re.search(expected, message), message
    assert MARKER not in message and "\n" not in message


def test_only_a_regular_baseline_file_within_the_cap_is_read(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(PolicyError, match=r"fifo\.json: the baseline file is a FIFO"):
        load_baseline(fifo)
    with pytest.raises(PolicyError, match="the baseline file is a directory"):
        load_baseline(tmp_path)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    with pytest.raises(PolicyError, match=r"zero\.json: the baseline file is a device"):
        load_baseline(zero)
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(MAX_BASELINE_BYTES + 1)  # sparse: nothing is written, nothing read
    with pytest.raises(PolicyError, match=r"big\.json: the baseline file is larger than 64 MiB"):
        load_baseline(big)


def test_a_well_formed_baseline_gives_its_keys(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"findings": [_FINDING, _FINDING]}))
    assert load_baseline(good) == {("GR-IAM-01", "S", "Fn", "Properties")}
