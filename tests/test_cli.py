"""The ``guardrails`` command end to end, on one real synthesized CDK app.

Exit-code tests must not depend on which catalog rules exist: they register a test-only rule
(GR-CFG-99, flags every user function) and scan with a policy that switches every other rule off.
The tests that use the real catalog say so in their name.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_lambda as lambda_

from guardrails import cli, report
from guardrails.model.function import LambdaFunction
from guardrails.rules import all_rules
from guardrails.rules.base import Rule, RuleContext, Violation, registry
from tests.conftest import ENV, synth
from tests.report.sample import validate_sarif

REPO = Path(__file__).resolve().parents[1]
TEST_RULE = "GR-CFG-99"
CONTRACT_KEYS = ["tool", "findings", "summary", "errors"]


def _every_user_function(fn: LambdaFunction, ctx: RuleContext) -> Iterator[Violation]:
    """Flags every function the user owns, at its resource (a test-only rule)."""
    if fn.owner == "user":
        yield Violation(fn.site, f"test rule saw function {fn.logical_id}")


@pytest.fixture(scope="module")
def assembly_dir(module_tmp: Path) -> Path:
    """One stack, two plain functions; the Worker acknowledges the test rule."""

    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "CliApp", env=ENV)
        for name in ("Api", "Worker"):
            lambda_.Function(
                stack,
                name,
                runtime=lambda_.Runtime.PYTHON_3_13,
                handler="index.handler",
                code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
            )
        cdk.Validations.of(stack.node.find_child("Worker")).acknowledge(
            cdk.Acknowledgment(id=f"lambda-guardrails::{TEST_RULE}", reason="worker is a test")
        )

    outdir = module_tmp / "cdk.out"
    synth(build, outdir)
    return outdir


@pytest.fixture
def test_rule(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(
        registry(),
        TEST_RULE,
        Rule(
            id=TEST_RULE,
            title="Test-only rule",
            severity="medium",
            rationale="Lets the CLI tests create findings that do not depend on the catalog.",
            fix="Nothing to fix: it is a test.",
            check=_every_user_function,
        ),
    )
    return TEST_RULE


def policy_file(directory: Path, **keys: object) -> Path:
    """A policy that switches off every rule but the test rule, plus ``keys``."""
    rules = {r.id: False for r in all_rules() if r.id != TEST_RULE}
    rules.update(keys.pop("rules", {}))
    path = directory / "policy.yml"
    path.write_text(yaml.safe_dump({"rules": rules, **keys} if rules else keys), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, "scan", *argv, "--format", "json", "--today", "2026-11-27")
    assert err == ""
    return code, json.loads(out)


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert err.startswith("guardrails: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


# -- entry points ----------------------------------------------------------------------------
def test_python_dash_m_guardrails_prints_the_version():
    done = subprocess.run(
        [sys.executable, "-m", "guardrails", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "guardrails 1.0.0\n", "")


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("scan", "baseline", "rules", "explain"):
        assert command in out


def test_scan_help_offers_every_registered_format_and_the_pipeline_options(capsys):
    code, out, _ = run(capsys, "scan", "--help")
    assert code == 0
    assert "{" + ",".join(report.FORMATS) + "}" in out
    for option in ("--write-baseline", "--min-severity", "--quiet", "--no-color", "NO_COLOR"):
        assert option in out


# -- exit codes ------------------------------------------------------------------------------
def test_fail_on_switches_the_exit_code(capsys, assembly_dir, tmp_path, test_rule):
    policy = str(policy_file(tmp_path))
    for fail_on, expected in [("info", 1), ("medium", 1), ("high", 0), ("none", 0)]:
        code, doc = scan_json(capsys, str(assembly_dir), "--policy", policy, "--fail-on", fail_on)
        assert code == expected, fail_on
        assert doc["summary"]["open"] == 1


def test_the_policy_fail_on_applies_and_the_command_line_overrides_it(
    capsys, assembly_dir, tmp_path, test_rule
):
    policy = str(policy_file(tmp_path, fail_on="medium"))
    assert scan_json(capsys, str(assembly_dir), "--policy", policy)[0] == 1
    assert scan_json(capsys, str(assembly_dir), "--policy", policy, "--fail-on", "CRITICAL")[0] == 0
    lowered = str(policy_file(tmp_path, fail_on="medium", rules={TEST_RULE: {"severity": "low"}}))
    code, doc = scan_json(capsys, str(assembly_dir), "--policy", lowered)
    assert code == 0
    assert {f["severity"] for f in doc["findings"]} == {"low"}


def test_the_default_fail_on_is_high(capsys, assembly_dir, tmp_path, test_rule):
    code, doc = scan_json(capsys, str(assembly_dir), "--policy", str(policy_file(tmp_path)))
    assert code == 0  # the test rule reports at medium
    assert [f["status"] for f in doc["findings"]] == ["open", "acknowledged"]


def test_today_decides_whether_an_exemption_still_applies(
    capsys, assembly_dir, tmp_path, test_rule
):
    exemption = {
        "rule": TEST_RULE,
        "resource": "CliApp/Api",
        "reason": "accepted until mid-year",
        "expires": "2026-06-30",
    }
    policy = str(policy_file(tmp_path, fail_on="medium", exemptions=[exemption]))
    argv = ("scan", str(assembly_dir), "--policy", policy, "--format", "json")
    code, out, _ = run(capsys, *argv, "--today", "2026-06-30")
    assert code == 0
    api = [f for f in json.loads(out)["findings"] if f["logical_id"].startswith("Api")]
    assert [(f["status"], f["reason"]) for f in api] == [("exempted", "accepted until mid-year")]
    code, out, _ = run(
        capsys, "scan", str(assembly_dir), "--policy", policy, "--today", "2026-07-01"
    )
    assert code == 1
    assert "expired on 2026-06-30" in out
    assert "FAILED: 1 open finding at or above medium" in out


def test_real_catalog_flags_a_plain_function_at_info(capsys, assembly_dir):
    """A default Lambda function (no tracing, no alarm, no concurrency limit...) surely breaks
    a rule of the catalog: with --fail-on info the run fails."""
    code, doc = scan_json(capsys, str(assembly_dir), "--fail-on", "info")
    assert doc["findings"], "no findings: are the catalog's rules registered?"
    assert code == 1
    code, _ = scan_json(capsys, str(assembly_dir), "--fail-on", "none")
    assert code == 0


# -- input and policy errors: exit 2, one line, no traceback ---------------------------------
def test_missing_path(capsys, tmp_path):
    missing = tmp_path / "nowhere"
    code, out, err = run(capsys, "scan", str(missing))
    assert (code, out) == (2, "")
    assert_one_line_error(err, str(missing))


def test_default_path_is_cdk_out(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "scan")
    assert code == 2
    assert_one_line_error(err, "cdk.out")


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("broken.json", '{"Resources": ', "malformed JSON"),
        ("broken.yaml", "Resources:\n  Fn: {Type: AWS::Lambda::Function\n", "malformed YAML"),
    ],
)
def test_malformed_template(capsys, tmp_path, name, content, fragment):
    template = tmp_path / name
    template.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "scan", str(template))
    assert (code, out) == (2, "")
    assert_one_line_error(err, str(template), fragment)


@pytest.mark.parametrize(
    ("policy", "fragment"),
    [
        ({"fail_onn": "high"}, "unknown policy key 'fail_onn'"),
        (
            {
                "exemptions": [
                    {"rule": "GR-OBS-01", "resource": "Api", "reason": "r", "expires": "31/12/2026"}
                ]
            },
            "exemptions[0].expires",
        ),
    ],
    ids=["unknown-key", "bad-exemption-date"],
)
def test_bad_policy(capsys, assembly_dir, tmp_path, policy, fragment):
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    code, out, err = run(capsys, "scan", str(assembly_dir), "--policy", str(path))
    assert (code, out) == (2, "")
    assert_one_line_error(err, str(path), fragment)


def test_missing_policy_file(capsys, assembly_dir, tmp_path):
    code, _, err = run(capsys, "scan", str(assembly_dir), "--policy", str(tmp_path / "nope.yml"))
    assert code == 2
    assert_one_line_error(err, "nope.yml", "not found")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["scan", "--format", "xml"],
        ["scan", "--fail-on", "severe"],
        ["scan", "--today", "2026-13-01"],
        ["scan", "--min-severity", "severe"],
        ["baseline", "cdk.out"],
        ["lint"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert "usage: guardrails" in err
    assert "Traceback" not in err


def test_an_unexpected_error_is_one_line_without_its_text(capsys, assembly_dir, monkeypatch):
    def broken(_report: object) -> str:
        raise KeyError("AKIAIOSFODNN7EXAMPLE")  # the exception's text could carry a value

    monkeypatch.setitem(report.WRITERS, "text", broken)
    code, out, err = run(capsys, "scan", str(assembly_dir))
    assert (code, out) == (2, "")
    assert_one_line_error(err, str(assembly_dir), "internal error KeyError", "GUARDRAILS_DEBUG=1")
    assert "AKIA" not in err and "unexpected" not in err
    monkeypatch.setenv("GUARDRAILS_DEBUG", "1")
    assert cli.main(["scan", str(assembly_dir)]) == 2  # a crash is never exit 1, "findings"
    _, err = capsys.readouterr()
    assert "Traceback" in err and err.rstrip().endswith("GUARDRAILS_DEBUG=1 output")


# -- formats and output ----------------------------------------------------------------------
def test_json_output_has_the_contract_keys(capsys, assembly_dir, tmp_path, test_rule):
    _, doc = scan_json(capsys, str(assembly_dir), "--policy", str(policy_file(tmp_path)))
    assert list(doc) == CONTRACT_KEYS
    assert doc["summary"]["functions"] == 2
    by_function = {f["functions"][0].rstrip("0123456789ABCDEF"): f for f in doc["findings"]}
    assert by_function["Api"]["status"] == "open"
    assert by_function["Api"]["construct_path"] == "CliApp/Api/Resource"
    assert by_function["Api"]["location"] == "Properties"
    assert by_function["Api"]["message"].startswith("test rule saw function Api")
    assert (by_function["Worker"]["status"], by_function["Worker"]["reason"]) == (
        "acknowledged",
        "worker is a test",
    )


def test_text_output_groups_by_function(capsys, assembly_dir, tmp_path, test_rule):
    code, out, _ = run(
        capsys, "scan", str(assembly_dir), "--policy", str(policy_file(tmp_path)), "--today",
        "2026-11-27",
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "lambda-guardrails 1.0.0: 2 functions scanned"
    headers = [line for line in lines if line.startswith("CliApp / ")]
    assert [h.split(" (")[1] for h in headers] == [
        "CliApp/Api/Resource)",
        "CliApp/Worker/Resource)",
    ]
    assert "            ACKNOWLEDGED: worker is a test" in lines
    assert lines[-2:] == [
        "2 functions, 1 open finding (1 medium), 1 acknowledged",
        "PASSED: no open finding at or above high",
    ]


def test_sarif_output_validates(capsys, assembly_dir, tmp_path, test_rule, monkeypatch):
    monkeypatch.chdir(assembly_dir.parent)
    code, out, _ = run(
        capsys, "scan", str(assembly_dir), "--format", "sarif", "--policy",
        str(policy_file(tmp_path)), "--fail-on", "medium",
    )  # fmt: skip
    assert code == 1
    doc = json.loads(out)
    validate_sarif(doc)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {TEST_RULE}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"cdk.out/CliApp.template.json"}
    assert [r.get("suppressions", [{}])[0].get("kind") for r in results] == [None, "inSource"]


def test_junit_output_parses(capsys, assembly_dir, tmp_path, test_rule):
    code, out, _ = run(
        capsys, "scan", str(assembly_dir), "--format", "junit", "--policy",
        str(policy_file(tmp_path)), "--fail-on", "medium",
    )  # fmt: skip
    assert code == 1
    root = ET.fromstring(out)
    assert [s.get("name") for s in root.findall("testsuite")] == ["CliApp"]
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("2", "1", "1")


def test_output_writes_the_report_file(capsys, assembly_dir, tmp_path, test_rule):
    target = tmp_path / "reports" / "nested" / "guardrails.json"
    code, out, err = run(
        capsys, "scan", str(assembly_dir), "--format", "json", "--output", str(target),
        "--policy", str(policy_file(tmp_path)), "--fail-on", "medium",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert list(json.loads(target.read_text(encoding="utf-8"))) == CONTRACT_KEYS
    assert err.count("\n") == 1
    assert str(target) in err and "FAILED" in err


def test_output_to_an_unwritable_place_exits_2(capsys, assembly_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = run(capsys, "scan", str(assembly_dir), "--output", str(blocker / "r.txt"))
    assert code == 2
    assert_one_line_error(err, "cannot write the report")


def test_a_single_template_file_can_be_scanned(capsys, assembly_dir, tmp_path, test_rule):
    template = tmp_path / "orders.template.json"
    template.write_bytes((assembly_dir / "CliApp.template.json").read_bytes())
    code, doc = scan_json(capsys, str(template), "--policy", str(policy_file(tmp_path)))
    assert code == 0
    assert {f["stack"] for f in doc["findings"]} == {"orders"}
    assert [f["status"] for f in doc["findings"]] == ["open", "open"]  # no assembly, no acks


# -- rules and explain -----------------------------------------------------------------------
def test_rules_lists_every_rule_id(capsys, test_rule):
    code, out, _ = run(capsys, "rules")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[1:] if line.startswith("GR-")]
    assert listed == [r.id for r in all_rules()]
    assert f"{TEST_RULE}  medium    -       Test-only rule" in out
    code, out, _ = run(capsys, "rules", "--format", "json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [r.id for r in all_rules()]
    assert rows[-1]["concern"] == "abuse and cost limits"


def test_explain_prints_the_rule_and_its_docstring(capsys, test_rule):
    code, out, _ = run(capsys, "explain", TEST_RULE.lower())
    assert code == 0
    assert out.splitlines()[0] == f"{TEST_RULE}  Test-only rule"
    assert "Severity:     medium" in out
    assert "Flags every function the user owns, at its resource (a test-only rule)." in out
    assert "Nothing to fix: it is a test." in out


def test_explain_a_catalog_rule(capsys):
    rules = all_rules()
    assert rules, "no rules registered"
    rule = rules[0]
    code, out, _ = run(capsys, "explain", rule.id)
    assert code == 0
    assert out.startswith(f"{rule.id}  {rule.title}\n")
    assert rule.rationale.split()[0] in out
    assert f"Severity:     {rule.severity}" in out


def test_explain_an_unknown_rule(capsys):
    code, out, err = run(capsys, "explain", "GR-XXX-42")
    assert (code, out) == (2, "")
    assert_one_line_error(err, "GR-XXX-42", "guardrails rules")


def test_rules_shows_when_a_severity_differs_from_the_default(capsys):
    from guardrails.report import rules_doc

    code, out, _ = run(capsys, "rules")
    assert code == 0
    lines = out.splitlines()
    dep02 = next(i for i, line in enumerate(lines) if line.startswith("GR-DEP-02 "))
    assert " ".join(lines[dep02 + 1].split()) == (
        "severity: high when the policy sets require_code_signing"
    )
    dep01 = next(i for i, line in enumerate(lines) if line.startswith("GR-DEP-01 "))
    note = " ".join(" ".join(lines[dep01 + 1 : dep01 + 4]).split())
    assert note.startswith("severity: critical once Lambda blocks creating functions")
    assert "high once it is deprecated" in note and "medium when" in note
    # a rule whose findings all have its severity gets no line
    iam09 = next(i for i, line in enumerate(lines) if line.startswith("GR-IAM-09 "))
    assert lines[iam09 + 1].startswith("GR-IAM-10 ")
    # the policy and framework cases, once, at the end
    tail = " ".join(out.split("tells more about one.", 1)[1].split())
    assert "rules: {<ID>: {severity: ...}}" in tail
    assert "framework.severity" in tail
    assert ", ".join(rules_doc.framework_rules(all_rules())) in tail
    assert "GR-IAM-09" not in tail  # not a framework rule


def test_rules_json_has_a_severity_note_for_each_rule(capsys):
    code, out, _ = run(capsys, "rules", "--format", "json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0 and all(isinstance(row["severity_note"], str) for row in rows.values())
    assert rows["GR-DEP-02"]["severity_note"].startswith(
        "high when the policy sets require_code_signing; info on functions the CDK framework"
    )
    assert rows["GR-DEP-01"]["severity"] == "critical"
    assert "medium when" in rows["GR-DEP-01"]["severity_note"]
    assert rows["GR-IAM-09"]["severity_note"] == ""
    assert rows["GR-OBS-01"]["severity_note"].startswith("info on functions the CDK framework")


def test_explain_shows_the_other_severities_and_an_absolute_documentation_link(capsys):
    code, out, _ = run(capsys, "explain", "GR-DEP-02")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("Severity:     low")
    assert lines[at + 1].strip().startswith("high when the policy sets require_code_signing")
    assert lines[-1] == (
        "Documentation: https://github.com/lambda-guardrails/lambda-guardrails/blob/main/"
        "docs/rules.md#gr-dep-02"
    )


def _package_class_names() -> set[str]:
    """Classes of the package's model, rules, policy and engine, but those named like a
    CloudFormation or CDK type (``Code``: ``Code.ZipFile``, ``lambda_.Code.from_asset``)."""
    import importlib
    import inspect
    import pkgutil

    from guardrails.report.rules_doc import SHARED_CLASS_NAMES

    modules = [importlib.import_module(m) for m in ("guardrails.policy", "guardrails.engine")]
    for package in ("guardrails.model", "guardrails.rules"):
        path = importlib.import_module(package).__path__
        modules += [
            importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(path)
        ]
    names = {
        name
        for module in modules
        for name, value in vars(module).items()
        if inspect.isclass(value) and value.__module__.startswith("guardrails.")
    }
    return names - SHARED_CLASS_NAMES


def test_explain_of_every_rule_names_no_internals(capsys):
    """What a user reads names CloudFormation, CDK and policy things, never the package's
    modules, files, classes or functions."""
    import re

    classes = _package_class_names()
    assert {"LambdaFunction", "ExecutionRole", "Statement", "Token", "Site"} <= classes
    internal_class = re.compile(rf"\b(?:{'|'.join(sorted(classes))})\.")
    for rule in all_rules():
        code, out, _ = run(capsys, "explain", rule.id)
        assert code == 0
        # the user's files, not ours: CloudFormation writes inline Python code to index.py;
        # examples name the policy file guardrails.yaml
        text = re.sub(r"``index\.py``|\bguardrails\.ya?ml\b", "", out)
        for fragment in ("guardrails.", "rules/", "model/", ".py"):
            assert fragment not in text, f"{rule.id}: {fragment!r} in\n{out}"
        assert not internal_class.search(text), f"{rule.id}: {internal_class.search(text)}"
        assert not re.search(r"``[a-z]+_[a-z_]+\(\)``", text), rule.id  # a function of ours
