"""``guardrails least-privilege`` (``report.least_privilege``): text, JSON and CDK Python on the
app of ``tests/rules/test_least_privilege_from_code.py`` (its purpose-written code assets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.cli import main
from guardrails.model import Assembly
from tests.conftest import synth
from tests.rules.test_least_privilege_from_code import IDS, build, picture


@pytest.fixture(scope="module")
def assembly(module_tmp: Path) -> Assembly:
    return synth(build, module_tmp / "cdk.out")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["least-privilege", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json(assembly: Assembly, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, str(assembly.directory), "--function", "Code/Reports", "--format", "json"
    )
    assert (code, err) == (0, "")
    document = json.loads(out)
    (reports,) = document["functions"]
    assert reports["function"] == f"Code/{IDS['Reports']}"
    assert reports["complete"] is True and reports["partial"] == []
    assert reports["actions"] == [
        "s3:ListBucket",
        "dynamodb:PutItem",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "sqs:SendMessage",
    ]
    assert reports["policy"] == picture(assembly, "Reports").policy.document()
    assert reports["missing"] == [
        {"action": "s3:ListBucket", "resource": IDS["Uploads"], "file": "app.py", "line": 14}
    ]
    assert {u["granted"] for u in reports["unused"]} >= {"dynamodb:Scan", "sqs:GetQueueUrl"}
    assert reports["calls"][0] == {
        "file": "app.py",
        "line": 14,
        "service": "s3",
        "operation": "list_objects_v2",
        "actions": ["s3:ListBucket"],
        "env": "BUCKET",
        "resource": IDS["Uploads"],
    }


def test_cli_cdk_code(assembly: Assembly, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, str(assembly.directory), "--function", IDS["Reports"], "--format", "cdk"
    )
    assert code == 0
    assert out.splitlines()[:3] == [
        "from aws_cdk import aws_iam as iam",
        "",
        "# Code/Reports/Resource: the code's calls (complete)",
    ]
    assert out.splitlines()[3:7] == list(picture(assembly, "Reports").policy.cdk())
    assert out.splitlines()[3:5] == [
        'done.grant(fn, "sqs:SendMessage")',
        'orders.grant(fn, "dynamodb:PutItem")',
    ]
    compile(out, "derived.py", "exec")  # it is Python


def test_cli_text_lists_every_function_of_the_app(
    assembly: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(assembly.directory))
    assert code == 0
    assert f"Code/{IDS['Dynamic']} (Code/Dynamic/Resource)" in out
    assert "  analysis: PARTIAL (the derived policy may miss actions):" in out
    assert f"    s3:ListBucket on {IDS['Uploads']} (app.py:14)" in out
    assert "    app.py:18  s3.upload_file -> s3:PutObject, s3:AbortMultipartUpload on" in out


def test_cli_unknown_function_is_an_error(
    assembly: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(assembly.directory), "--function", "Nope")
    assert (code, out) == (2, "")
    assert err.startswith("guardrails: error: ") and "--function" in err


def test_cli_text_says_a_shared_role_is_not_compared(
    assembly: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(assembly.directory), "--function", "Code/SharedOne")
    assert code == 0
    assert "  granted, never used: not compared (other functions use the role)" in out
