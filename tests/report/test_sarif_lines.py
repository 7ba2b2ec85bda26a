"""SARIF results point at lines of the template: the finding's property (``region``) inside its
resource (``contextRegion``); fingerprints do not move when the lines do."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from guardrails import engine
from guardrails.model import load
from guardrails.model.template import load_template
from guardrails.policy import Policy
from guardrails.report import sarif
from tests.conftest import TODAY
from tests.report.sample import validate_sarif

FLAGGED = Path(__file__).parent.parent / "templates" / "flagged"
CASES = sorted(p for p in FLAGGED.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


def scan(path: Path, settings_from: Path | None = None) -> dict:
    """The SARIF log of a scan of one template, under the policy and date it asks for."""
    meta = load_template(settings_from or path).get("Metadata") or {}
    settings = meta.get("GuardrailsTest") or {}
    policy = Policy.from_mapping(settings.get("policy") or {}, source=str(path))
    today = dt.date.fromisoformat(str(settings["today"])) if "today" in settings else TODAY
    report = engine.scan(load(path), policy, today=today)
    assert not report.errors, report.errors
    doc = sarif.to_sarif(report, base_dir=path.parent)
    validate_sarif(doc)
    return doc


def results(doc: dict) -> list[dict]:
    return doc["runs"][0]["results"]


def resource_line_of(result: dict) -> int:
    physical = result["locations"][0]["physicalLocation"]
    return (physical.get("contextRegion") or physical["region"])["startLine"]


def starts_resource(text: str, logical_id: str) -> bool:
    return text in (f"  {logical_id}:", f'    "{logical_id}": {{')


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_every_result_points_at_its_resource_and_property(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    sam = "AWS::Serverless-2016-10-31" in path.read_text(encoding="utf-8")
    found = results(scan(path))
    assert found
    for result in found:
        logical_id = result["properties"]["logical_id"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == path.name
        start = resource_line_of(result)
        text = lines[start - 1].rstrip()
        if sam and not starts_resource(text, logical_id):  # generated: its source resource
            source = re.fullmatch(r'\s*"?(\w+)"?:.*', text)
            assert source and logical_id.startswith(source.group(1)), (logical_id, text)
        else:
            assert starts_resource(text, logical_id), (logical_id, start, text)
        line = physical["region"]["startLine"]
        assert line >= start
        if line > start:  # a key of the finding's location, below the resource
            assert physical["contextRegion"] == {"startLine": start, "endLine": line}
            key = re.fullmatch(r'\s*"?([^":]+)"?\s*:.*', lines[line - 1])
            assert key and key.group(1) in result["properties"]["location"].split("/")
        else:
            assert "contextRegion" not in physical


def test_the_property_line_is_the_deepest_key_of_the_location() -> None:
    path = FLAGGED / "GR-IAM-02-s3-full-access.json"
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [
        r
        for r in results(scan(path))
        if r["properties"]["location"].startswith("Properties/ManagedPolicyArns")
    ]
    assert found
    for result in found:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert lines[line - 1].strip() == '"ManagedPolicyArns": ['


def test_a_sam_generated_url_points_at_its_function() -> None:
    path = FLAGGED / "GR-INP-04-sam-public-url.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    (result,) = [r for r in results(scan(path)) if r["ruleId"] == "GR-INP-04"]
    assert result["properties"]["logical_id"] == "WebhookFunctionUrl"
    physical = result["locations"][0]["physicalLocation"]
    assert lines[physical["region"]["startLine"] - 1] == "  WebhookFunction:"


PADDING = {
    ".yaml": "  Padding:\n    Type: AWS::SNS::Topic\n",
    ".json": '    "Padding": {\n      "Type": "AWS::SNS::Topic"\n    },\n',
}


@pytest.mark.parametrize(
    "name",
    [
        "GR-IAM-02-s3-full-access.json",
        "GR-DEP-01-python38.yaml",
        "GR-INP-04-sam-public-url.yaml",
        "GR-OBS-05-text-format.json",
    ],
)
def test_fingerprints_stay_when_a_resource_is_added_above(tmp_path: Path, name: str) -> None:
    original = FLAGGED / name
    text = original.read_text(encoding="utf-8")
    anchor = "Resources:\n" if original.suffix == ".yaml" else '  "Resources": {\n'
    assert text.count(anchor) == 1
    grown = tmp_path / name
    grown.write_text(text.replace(anchor, anchor + PADDING[original.suffix]), encoding="utf-8")
    before = {r["partialFingerprints"]["guardrailsFinding/v1"]: r for r in results(scan(original))}
    after = {
        r["partialFingerprints"]["guardrailsFinding/v1"]: r
        for r in results(scan(grown, settings_from=original))
    }
    assert before and set(before) <= set(after)
    shift = PADDING[original.suffix].count("\n")
    for fingerprint, result in before.items():
        moved = after[fingerprint]["locations"][0]["physicalLocation"]
        assert moved["region"]["startLine"] == (
            result["locations"][0]["physicalLocation"]["region"]["startLine"] + shift
        )
