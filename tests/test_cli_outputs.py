"""The pipeline kit of ``guardrails scan`` (issue 10), end to end through ``cli.main`` on real
CloudFormation templates: several reports from one scan, baselines as a workflow, and what a
CI log needs (``--quiet``, colour only on a terminal, ``--min-severity``).

The templates use the real catalog: their findings are those of GR-IAM-02 (two full-access
managed policies, high) and of the rules a plain function meets (medium and low).
"""

from __future__ import annotations

import copy
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from guardrails import cli
from guardrails.report import FORMATS
from tests.report.sample import validate_sarif

CONTRACT_KEYS = ["tool", "findings", "summary", "errors"]
TODAY = "2026-11-27"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "ManagedPolicyArns": [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/AmazonS3FullAccess",
            "arn:aws:iam::aws:policy/CloudWatchFullAccessV2",
        ],
    },
}
FUNCTION = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": {"Fn::GetAtt": ["OrdersRole", "Arn"]},
        "Code": {"S3Bucket": "acme-artifacts", "S3Key": "orders/handler-1.4.2.zip"},
    },
}
TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {"OrdersRole": ROLE, "OrdersHandler": FUNCTION},
}


def write_template(path: Path, template: dict | None = None) -> Path:
    path.write_text(json.dumps(template or TEMPLATE, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return write_template(tmp_path / "orders.template.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scan(capsys, *argv: str) -> tuple[int, str, str]:
    return run(capsys, "scan", *argv, "--today", TODAY)


def write_baseline(capsys, template: Path, target: Path, *argv: str) -> tuple[int, str, str]:
    return run(capsys, "baseline", str(template), "--output", str(target), "--today", TODAY, *argv)


def json_report(capsys, *argv: str) -> tuple[int, dict]:
    code, out, _ = scan(capsys, *argv, "--format", "json")
    return code, json.loads(out)


class FakeTerminal(io.StringIO):
    """A stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stdout", terminal)
    code = cli.main(["scan", *argv, "--today", TODAY])
    return code, terminal.getvalue()


# -- several reports from one scan -------------------------------------------------------------
def test_three_reports_from_one_scan_are_each_valid(capsys, template, tmp_path):
    json_file, sarif_file = tmp_path / "out" / "r.json", tmp_path / "out" / "r.sarif"
    code, out, err = scan(
        capsys, str(template), "--format", "json", "--output", str(json_file),
        "--format", "sarif", "--output", str(sarif_file), "--format", "junit",
    )  # fmt: skip
    assert code == 1  # GR-IAM-02 is high: the default fail_on fails it
    doc = json.loads(json_file.read_text(encoding="utf-8"))
    assert list(doc) == CONTRACT_KEYS
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    validate_sarif(sarif)
    assert len(sarif["runs"][0]["results"]) == len(doc["findings"])
    root = ET.fromstring(out)  # junit went to stdout
    failing = [f for f in doc["findings"] if f["status"] == "open" and f["severity"] == "high"]
    assert len(failing) == 2
    assert root.get("failures") == str(len(failing))
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"guardrails: json report written to {json_file}: ")
    assert lines[1].startswith(f"guardrails: sarif report written to {sarif_file}: ")
    assert all("FAILED (fail_on high)" in line for line in lines)


def test_every_report_in_a_file_and_nothing_on_stdout(capsys, template, tmp_path):
    code, out, err = scan(
        capsys, str(template), "--format", "text", "--output", str(tmp_path / "r.txt"),
        "--format", "junit", "--output", str(tmp_path / "r.xml"),
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err.count("\n") == 2
    assert (tmp_path / "r.txt").read_text(encoding="utf-8").splitlines()[-1].startswith("FAILED")
    ET.fromstring((tmp_path / "r.xml").read_text(encoding="utf-8"))


def test_the_single_output_forms_still_work_in_either_order(capsys, template, tmp_path):
    for argv in (
        ["--format", "json", "--output", str(tmp_path / "a.json")],
        ["--output", str(tmp_path / "b.json"), "--format", "json"],
    ):
        code, out, err = scan(capsys, str(template), *argv)
        assert (code, out, err.count("\n")) == (1, "", 1)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    code, out, _ = scan(capsys, str(template), "--output", str(tmp_path / "c.txt"))
    assert (code, out) == (1, "")
    assert (tmp_path / "c.txt").read_text(encoding="utf-8").startswith("lambda-guardrails ")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--format", "json", "--format", "sarif"], "json and sarif would both go to stdout"),
        (["--format", "text", "--format", "text"], "text and text would both go to stdout"),
        (["--format", "json", "--output", "a", "--output", "b"], "a second --output"),
        (["--output", "a", "--output", "b"], "belongs to the --format right before it"),
        (
            ["--output", "a", "--format", "json", "--format", "sarif"],
            "belongs to the --format right before it",
        ),
    ],
)
def test_two_reports_to_stdout_is_a_usage_error(capsys, template, tmp_path, argv, fragment):
    code, out, err = scan(capsys, str(template), *argv)
    assert (code, out) == (2, "")
    assert err.startswith("guardrails: error: scan: ") and err.count("\n") == 1, err
    assert fragment in err
    assert not (tmp_path / "a").exists()  # nothing was scanned, nothing written


def test_an_unwritable_report_exits_2_but_the_others_are_written(capsys, template, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, out, err = scan(
        capsys, str(template), "--format", "json", "--output", str(blocker / "r.json"),
        "--format", "sarif", "--output", str(tmp_path / "r.sarif"),
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert "cannot write the report" in err
    validate_sarif(json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8")))


# -- baselines ----------------------------------------------------------------------------------
def test_baseline_round_trip_fails_only_on_the_new_finding(capsys, template, tmp_path):
    baseline = tmp_path / "ci" / "baseline.json"
    code, out, err = write_baseline(capsys, template, baseline)
    assert (code, out) == (0, "")  # open high findings, yet accepting them succeeds
    assert err.count("\n") == 1 and f"baseline written to {baseline}" in err
    accepted = json.loads(baseline.read_text(encoding="utf-8"))
    assert list(accepted) == CONTRACT_KEYS
    code, doc = json_report(capsys, str(template), "--baseline", str(baseline))
    assert code == 0
    assert {f["status"] for f in doc["findings"]} == {"baseline"}
    assert len(doc["findings"]) == len(accepted["findings"])

    # one new misconfiguration: the function now runs on an end-of-life runtime
    changed = copy.deepcopy(TEMPLATE)
    changed["Resources"]["OrdersHandler"]["Properties"]["Runtime"] = "python3.8"
    write_template(template, changed)
    code, doc = json_report(capsys, str(template), "--baseline", str(baseline))
    opened = [f for f in doc["findings"] if f["status"] == "open"]
    assert [(f["rule_id"], f["location"]) for f in opened] == [("GR-DEP-01", "Properties/Runtime")]
    assert code == 1  # and it is what fails the run
    code, out, _ = scan(capsys, str(template), "--baseline", str(baseline), "--quiet")
    assert code == 1 and out.startswith("FAILED: 1 open finding at or above high")


def test_scan_write_baseline_keeps_the_scan_exit_code(capsys, template, tmp_path):
    written = tmp_path / "from-scan.json"
    code, out, err = scan(capsys, str(template), "--write-baseline", str(written), "--quiet")
    assert code == 1  # the scan's: open high findings
    assert out.startswith("FAILED") and out.count("\n") == 1
    assert f"baseline written to {written}" in err
    by_command = tmp_path / "by-command.json"
    assert write_baseline(capsys, template, by_command)[0] == 0
    assert written.read_bytes() == by_command.read_bytes()


def test_a_baseline_keeps_what_it_already_accepted_and_leaves_out_exemptions(
    capsys, template, tmp_path
):
    first = tmp_path / "first.json"
    assert write_baseline(capsys, template, first)[0] == 0
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "exemptions:\n"
        "  - rule: GR-IAM-02\n"
        "    resource: OrdersRole\n"
        "    reason: reviewed\n"
        "    expires: 2027-01-31\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.json"
    code, _, _ = write_baseline(capsys, template, second, "--policy", str(policy))
    assert code == 0
    first_keys = {f["rule_id"] for f in json.loads(first.read_text(encoding="utf-8"))["findings"]}
    second_doc = json.loads(second.read_text(encoding="utf-8"))
    assert "GR-IAM-02" in first_keys
    assert {f["rule_id"] for f in second_doc["findings"]} == first_keys - {"GR-IAM-02"}
    assert {f["status"] for f in second_doc["findings"]} == {"open"}


def test_baseline_of_unreadable_input_exits_2_and_writes_nothing(capsys, tmp_path):
    broken = tmp_path / "broken.template.json"
    broken.write_text("{not json", encoding="utf-8")
    target = tmp_path / "baseline.json"
    code, out, err = run(capsys, "baseline", str(broken), "--output", str(target))
    assert (code, out) == (2, "")
    assert err.startswith("guardrails: error: ") and err.count("\n") == 1
    assert not target.exists()


def test_baseline_needs_an_output(capsys, template):
    code, out, err = run(capsys, "baseline", str(template))
    assert (code, out) == (2, "")
    assert "--output" in err


# -- what a CI log needs -------------------------------------------------------------------------
def test_quiet_prints_only_the_verdict_line(capsys, template, tmp_path):
    code, full, _ = scan(capsys, str(template))
    quiet_code, quiet, _ = scan(capsys, str(template), "--quiet")
    assert quiet_code == code == 1
    assert quiet == full.splitlines()[-1] + "\n"
    assert quiet.startswith("FAILED: 2 open findings at or above high")
    # other formats, and reports in files, are unchanged
    assert (
        scan(capsys, str(template), "--quiet", "--format", "json")[1]
        == (scan(capsys, str(template), "--format", "json")[1])
    )
    scan(capsys, str(template), "--quiet", "--output", str(tmp_path / "r.txt"))
    assert (tmp_path / "r.txt").read_text(encoding="utf-8") == full


def test_colour_only_on_a_terminal(capsys, template, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, plain, _ = scan(capsys, str(template))  # captured: not a terminal
    assert "\x1b" not in plain
    tty_code, coloured = on_terminal(monkeypatch, str(template))
    assert tty_code == code
    assert "\x1b[31mHIGH\x1b[0m" in coloured
    assert coloured.rstrip("\n").splitlines()[-1] == (f"\x1b[1;31m{plain.splitlines()[-1]}\x1b[0m")
    assert ANSI.sub("", coloured) == plain  # only the codes are added
    # a report in a file, or another format on the terminal, never has colour
    assert "\x1b" not in on_terminal(monkeypatch, str(template), "--format", "json")[1]


@pytest.mark.parametrize("no_color", ["1", "yes", "0"])
def test_no_color_environment_variable_turns_colour_off(template, monkeypatch, no_color):
    monkeypatch.setenv("NO_COLOR", no_color)  # any non-empty value, even "0"
    _, out = on_terminal(monkeypatch, str(template))
    assert "\x1b" not in out and out.splitlines()[-1].startswith("FAILED")


def test_an_empty_no_color_does_not_turn_colour_off(template, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "")
    assert "\x1b[" in on_terminal(monkeypatch, str(template))[1]


def test_no_color_option_gives_the_plain_text_report(capsys, template, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, plain, _ = scan(capsys, str(template))
    _, out = on_terminal(monkeypatch, str(template), "--no-color")
    assert out == plain  # byte-identical to the writer's output
    _, quiet = on_terminal(monkeypatch, str(template), "--quiet")
    assert quiet == f"\x1b[1;31m{plain.splitlines()[-1]}\x1b[0m\n"


def test_colorize_touches_only_severity_words_and_the_verdict():
    text = (
        "lambda-guardrails 1.0.0: 1 function scanned\n"
        "\n"
        "stack / Fn\n"
        "  MEDIUM    GR-X-01  Title with HIGH in it\n"
        "            HIGH in a message stays plain\n"
        "\n"
        "1 function, 1 open finding (1 medium)\n"
        "PASSED: no open finding at or above high\n"
    )
    coloured = cli.colorize(text)
    assert coloured.splitlines() == [
        "lambda-guardrails 1.0.0: 1 function scanned",
        "",
        "stack / Fn",
        "  \x1b[33mMEDIUM\x1b[0m    GR-X-01  Title with HIGH in it",
        "            HIGH in a message stays plain",
        "",
        "1 function, 1 open finding (1 medium)",
        "\x1b[32mPASSED: no open finding at or above high\x1b[0m",
    ]
    assert coloured.endswith("\n")


def test_min_severity_hides_findings_but_not_what_fails(capsys, template):
    code, full, _ = scan(capsys, str(template))
    filtered_code, shown, _ = scan(capsys, str(template), "--min-severity", "HIGH")
    assert filtered_code == code == 1
    _, doc = json_report(capsys, str(template))
    below = [f for f in doc["findings"] if f["severity"] not in ("critical", "high")]
    assert below
    lines = shown.splitlines()
    assert f"{len(below)} findings below high not shown" in lines
    assert lines[-2:] == full.splitlines()[-2:]  # the summary counts and the verdict
    assert not any(re.match(r"  (MEDIUM|LOW|INFO) ", line) for line in lines)
    assert sum(1 for line in lines if line.startswith("  HIGH ")) == 2
    # a severity nothing is below shows everything, with no line about it
    assert scan(capsys, str(template), "--min-severity", "info")[1] == full


def test_min_severity_leaves_the_other_formats_alone(capsys, template):
    assert json_report(capsys, str(template), "--min-severity", "critical") == json_report(
        capsys, str(template)
    )


def test_min_severity_in_markdown_keeps_the_counts(capsys, template):
    if "markdown" not in FORMATS:
        pytest.skip("no markdown writer registered")
    _, full, _ = scan(capsys, str(template), "--format", "markdown")
    _, shown, _ = scan(capsys, str(template), "--format", "markdown", "--min-severity", "high")
    _, doc = json_report(capsys, str(template))
    below = [
        f
        for f in doc["findings"]
        if f["status"] == "open" and f["severity"] not in ("critical", "high")
    ]
    assert f"{len(below)} open findings below high not shown." in shown.splitlines()
    # heading, counts and severity table come from the full report
    head = full.split("### Open findings")[0]
    assert shown.startswith(head)
    assert shown.splitlines()[-1] == full.splitlines()[-1]
    rows = [line for line in shown.split("### By function")[0].splitlines() if "| GR-" in line]
    assert rows and all("| high |" in row for row in rows)
