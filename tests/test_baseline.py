"""Baseline: findings of an earlier JSON report stop failing the run; new ones still fail."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails.baseline import load_baseline
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
