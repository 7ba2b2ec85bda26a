"""``guardrails.pipelines.GuardrailsStep`` in a real CDK pipeline: its CodeBuild buildspec."""

from __future__ import annotations

import json
import shlex
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines

from guardrails import cli
from guardrails.pipelines import GuardrailsStep, install_command, scan_command
from guardrails.version import __version__


class _App(cdk.Stage):
    def __init__(self, scope: Any, id: str) -> None:
        super().__init__(scope, id)
        cdk.Stack(self, "Empty").node.add_metadata("purpose", "test")


def _buildspecs(**step_options: Any) -> list[dict[str, Any]]:
    """Synthesize a pipeline gated by a GuardrailsStep; the buildspecs of its projects that
    run guardrails."""
    app = cdk.App()
    stack = cdk.Stack(
        app, "PipelineStack", env=cdk.Environment(account="111111111111", region="eu-west-1")
    )
    bucket = s3.Bucket.from_bucket_name(stack, "SourceBucket", "source-bucket")
    source = pipelines.CodePipelineSource.s3(bucket, "source.zip")
    synth = pipelines.ShellStep(
        "Synth", input=source, commands=["npx cdk synth"], primary_output_directory="cdk.out"
    )
    pipeline = pipelines.CodePipeline(stack, "Pipeline", synth=synth)
    step = GuardrailsStep("Guardrails", input=synth, **step_options)
    pipeline.add_stage(_App(stack, "Prod"), pre=[step])
    pipeline.build_pipeline()
    template = app.synth().get_stack_by_name("PipelineStack").template
    specs = [
        json.loads(resource["Properties"]["Source"]["BuildSpec"])
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::CodeBuild::Project"
    ]
    return [spec for spec in specs if "guardrails scan" in json.dumps(spec)]


def test_buildspec_installs_scans_and_reports() -> None:
    [spec] = _buildspecs()
    phases = spec["phases"]
    assert phases["install"]["commands"] == [f"pip install lambda-guardrails=={__version__}"]
    commands = phases["build"]["commands"]
    assert commands[-1] == (
        "guardrails scan . --format junit --output reports/guardrails-junit.xml "
        "--format sarif --output reports/guardrails.sarif --format text"
    )
    # the scan's exit code is the verdict: nothing may swallow it
    assert not any("||" in command or "; true" in command for command in commands)
    assert "--policy" not in commands[-1]  # the policy recorded at synth applies
    assert spec["reports"] == {
        "guardrails": {
            "files": ["guardrails-junit.xml"],
            "base-directory": "reports",
            "file-format": "JUNITXML",
        }
    }
    assert spec["artifacts"]["base-directory"] == "reports"
    assert spec["artifacts"]["files"] == ["**/*"]


def test_options_reach_the_command_line() -> None:
    [spec] = _buildspecs(
        policy_file="../src/guardrails.yaml",
        fail_on="medium",
        baseline="guardrails-baseline.json",
        install_commands=["pip install -r requirements.txt"],
    )
    assert spec["phases"]["install"]["commands"] == ["pip install -r requirements.txt"]
    scan = spec["phases"]["build"]["commands"][-1]
    assert (
        "--policy ../src/guardrails.yaml --fail-on medium --baseline guardrails-baseline.json"
        in scan
    )


def test_the_command_line_parses() -> None:
    """Every flag the step uses exists in the real CLI (the repeated --format needs the CLI's
    multi-report support; until then each option is checked on its own)."""
    argv = shlex.split(scan_command(".", policy_file="p.yaml", fail_on="high", baseline="b.json"))
    assert argv[:2] == ["guardrails", "scan"]
    scan = _scan_parser()
    known = {flag for action in scan._actions for flag in action.option_strings}
    assert {arg for arg in argv if arg.startswith("--")} <= known
    formats = next(a.choices for a in scan._actions if "--format" in a.option_strings)
    assert {"junit", "sarif", "text"} <= set(formats or getattr(cli, "FORMATS", ()))
    cli._parser().parse_args(argv[1:])  # the whole line, repeated --format/--output included
    assert install_command("9.9.9") == "pip install lambda-guardrails==9.9.9"


def _scan_parser() -> Any:
    parser = cli._parser()
    for action in parser._actions:
        if action.choices and "scan" in action.choices:
            return action.choices["scan"]
    pytest.fail("no scan subcommand")
