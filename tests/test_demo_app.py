"""The demo app, synthesized as `make synth` does: the service passes, the legacy stack shows the
missteps it was written with, and the made-up credential never appears in any output."""

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest

import guardrails
from guardrails.cli import main as cli
from stacks.legacy_stack import FAKE_DB_PASSWORD, LegacyReportsStack
from stacks.service_stack import OrdersServiceStack
from tests.conftest import ENV

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def demo(module_tmp):
    app = cdk.App(outdir=str(module_tmp))
    OrdersServiceStack(app, "OrdersService", env=ENV)
    LegacyReportsStack(app, "LegacyReports", env=ENV)
    plugin = guardrails.protect(app, mode="audit")
    app.synth()
    return module_tmp, plugin.last_report


def test_service_stack_passes_every_rule(demo):
    _, report = demo
    assert [f for f in report.findings if f.stack == "OrdersService"] == []


def test_legacy_stack_shows_each_misstep(demo):
    _, report = demo
    legacy = {f.rule_id for f in report.open if f.stack == "LegacyReports"}
    assert {
        "GR-IAM-01",  # AdministratorAccess
        "GR-IAM-04",  # s3:*
        "GR-SEC-01",  # credential in the environment
        "GR-SEC-05",  # environment without a customer-managed key
        "GR-OBS-01",  # no tracing
        "GR-OBS-02",  # no log retention
        "GR-DEP-01",  # python3.8
        "GR-INP-04",  # public function URL
        "GR-INP-01",  # REST API without authorization
        "GR-IAM-05",  # s3:* on "*"
        "GR-DEP-04",  # unpinned requirements.txt
        "GR-CFG-01",  # no reserved concurrency
    } <= legacy
    concerns = {rule_id.split("-")[1] for rule_id in legacy}
    assert concerns == {"IAM", "SEC", "INP", "OBS", "DEP", "NET", "CFG"}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_the_credential_never_appears_in_cli_output(demo, fmt, capsys):
    outdir, _ = demo
    assert cli(["scan", str(outdir), "--format", fmt]) == 1
    out = capsys.readouterr()
    assert "GR-SEC-01" in out.out
    assert FAKE_DB_PASSWORD not in out.out + out.err
    assert FAKE_DB_PASSWORD[:8] not in out.out + out.err


def test_the_credential_never_appears_in_the_cdk_report(demo):
    outdir, report = demo
    text = (outdir / "validation-report.json").read_text()
    assert "GR-SEC-01" in text
    assert FAKE_DB_PASSWORD not in text
    assert FAKE_DB_PASSWORD not in json.dumps(report.to_json())


def test_app_py_runs_in_audit_and_fails_in_enforce(tmp_path):
    """`python app.py` as `make synth` runs it, then enforce mode from the CDK context."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "CDK_VALIDATION": "false",
        "CDK_OUTDIR": str(tmp_path / "audit"),
    }
    audit = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert audit.returncode == 0, audit.stderr
    assert "GR-INP-04" in audit.stderr
    assert FAKE_DB_PASSWORD not in audit.stdout + audit.stderr
    # app.py applies the safe fixes: only the legacy stack is rewritten, and the log says so
    log = json.loads((tmp_path / "audit" / "lambda-guardrails-remediations.json").read_text())
    changed = {(c["rule"], c["construct_path"].split("/")[0]) for c in log["remediations"]}
    assert {("GR-OBS-01", "LegacyReports"), ("GR-OBS-02", "LegacyReports")} <= changed
    assert {stack for _, stack in changed} == {"LegacyReports"}
    assert FAKE_DB_PASSWORD not in json.dumps(log)
    env.update(
        CDK_OUTDIR=str(tmp_path / "enforce"),
        CDK_CONTEXT_JSON=json.dumps({"lambda-guardrails:mode": "enforce"}),
    )
    enforce = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert enforce.returncode == 1
    assert "cdk synth failed" in enforce.stderr
    assert "Traceback" not in enforce.stderr
    assert FAKE_DB_PASSWORD not in enforce.stdout + enforce.stderr
