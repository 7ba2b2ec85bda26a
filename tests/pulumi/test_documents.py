"""``guardrails scan`` on Pulumi's documents: ``pulumi preview --json`` and ``pulumi stack
export`` (fixtures in ``tests/fixtures/pulumi``, written in the shapes of Pulumi's
``PreviewDigest`` and ``UntypedDeployment`` v3 from the legacy architecture, secrets encrypted
as the CLI writes them without ``--show-secrets``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from guardrails import cli
from guardrails.pulumi import programs, scan_resources
from guardrails.pulumi.documents import kind_of, resources_of
from guardrails.pulumi.resources import SECRET_SIGNATURE, SIGNATURE_KEY
from tests.pulumi import architectures
from tests.report.sample import validate_sarif
from tests.test_cli import assert_one_line_error

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pulumi"
PREVIEW, EXPORT = FIXTURES / "preview.json", FIXTURES / "stack-export.json"
TODAY = "2026-11-27"


def scan(capsys: pytest.CaptureFixture[str], path: Path, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["scan", str(path), "--today", TODAY, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def rules_of(capsys: pytest.CaptureFixture[str], path: Path) -> list[str]:
    code, out, err = scan(capsys, path, "--format", "json", "--fail-on", "none")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["errors"] == []
    return sorted({f["rule_id"] for f in doc["findings"]})


def test_documents_are_told_apart_by_shape() -> None:
    assert kind_of(json.loads(PREVIEW.read_text())) == "preview"
    assert kind_of(json.loads(EXPORT.read_text())) == "export"
    assert kind_of(json.loads(EXPORT.read_text())["deployment"]) == "export"
    assert kind_of({"Resources": {}}) is None
    assert kind_of({"steps": "no"}) is None


@pytest.mark.parametrize(("path", "preview"), [(PREVIEW, True), (EXPORT, False)])
def test_scan_of_a_document_reports_what_the_pack_reports(
    capsys: pytest.CaptureFixture[str], path: Path, preview: bool
) -> None:
    program = scan_resources(programs.run(architectures.legacy, preview=preview)).report
    assert rules_of(capsys, path) == sorted({f.rule_id for f in program.findings})
    for rule_id in ("GR-IAM-01", "GR-IAM-04", "GR-SEC-02", "GR-INP-04", "GR-OBS-03"):
        assert rule_id in rules_of(capsys, path)


def test_findings_point_at_urns_and_the_gate_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = scan(capsys, EXPORT, "--format", "json")
    assert code == 1  # fail_on high: the admin role, the public URL...
    findings = json.loads(out)["findings"]
    admin = next(f for f in findings if f["rule_id"] == "GR-IAM-01")
    assert admin["construct_path"] == "urn:pulumi:dev::orders::aws:iam/role:Role::fn-role"
    assert admin["stack"] == "stack-export"
    url = next(f for f in findings if f["rule_id"] == "GR-INP-04")
    assert url["construct_path"].endswith("aws:lambda/functionUrl:FunctionUrl::url")


def test_sarif_of_a_document_is_valid_and_points_at_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = scan(capsys, PREVIEW, "--format", "sarif", "--fail-on", "none")
    assert code == 0
    doc = json.loads(out)
    validate_sarif(doc)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in doc["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris and all(u.endswith("fixtures/pulumi/preview.json") for u in uris)


def test_a_shown_secret_is_never_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``pulumi stack export --show-secrets``: the secret's value is in the document
    (``plaintext``, JSON text); no report shows it, not even masked."""
    doc = json.loads(EXPORT.read_text())
    shown = copy.deepcopy(doc)
    for resource in shown["deployment"]["resources"]:
        for key in ("inputs", "outputs"):
            env = resource.get(key, {}).get("environment")
            if env is not None:
                resource[key]["environment"] = {
                    SIGNATURE_KEY: SECRET_SIGNATURE,
                    "plaintext": json.dumps(
                        {"variables": {"DB_PASSWORD": architectures.PLANTED_SECRET}}
                    ),
                }
    path = tmp_path / "export-shown.json"
    path.write_text(json.dumps(shown))
    secret = architectures.PLANTED_SECRET
    for fmt in ("text", "json", "sarif", "junit"):
        _, out, err = scan(capsys, path, "--format", fmt, "--fail-on", "none")
        assert secret not in out + err and secret[:2] + "****" not in out + err, fmt
        if fmt == "json":
            messages = [f["message"] for f in json.loads(out)["findings"]]
            assert any("DB_PASSWORD" in m for m in messages)


def test_deleted_resources_and_providers_are_not_checked() -> None:
    doc = json.loads(PREVIEW.read_text())
    kept = resources_of("preview", doc, "preview.json")
    assert {r.type for r in kept} >= {"aws:lambda/function:Function", "aws:iam/role:Role"}
    assert not [r for r in kept if r.type.startswith("pulumi:")]
    gone = copy.deepcopy(doc)
    for step in gone["steps"]:
        step["op"] = "delete"
    assert resources_of("preview", gone, "preview.json") == []


def test_a_malformed_document_is_one_line_naming_file_and_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = json.loads(EXPORT.read_text())
    del doc["deployment"]["resources"][3]["type"]
    path = tmp_path / "broken-export.json"
    path.write_text(json.dumps(doc))
    code, out, err = scan(capsys, path)
    assert code == 2 and out == ""
    assert_one_line_error(err, "broken-export.json", "resource 3", "'type'")
