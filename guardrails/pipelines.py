"""A CDK Pipelines step that gates a pipeline on ``guardrails scan`` of the synthesized assembly.

::

    from aws_cdk import pipelines
    from guardrails.pipelines import GuardrailsStep

    synth = pipelines.ShellStep(
        "Synth", input=source, commands=[...], primary_output_directory="cdk.out"
    )
    pipeline = pipelines.CodePipeline(self, "Pipeline", synth=synth)
    pipeline.add_wave("Guardrails", pre=[GuardrailsStep("Guardrails", input=synth)])

The step is a ``pipelines.CodeBuildStep``: it installs the pinned tool, scans the assembly the
synth step produced, fails the pipeline when the scan exits non-zero (an open finding at
``fail_on``, or input that could not be checked), publishes the JUnit report as a CodeBuild test
report and keeps the JUnit and SARIF reports as the step's output artifact.

Without ``policy_file`` the scan applies the policy the CDK plugin recorded in the assembly at
synth (``lambda-guardrails-policy.json``), so the pipeline reports what ``cdk synth`` reported. A
gate that must not let the app choose its own policy passes ``policy_file``: a path in the
step's working directory, e.g. in a second input (``additional_inputs={"../src": source}`` and
``policy_file="../src/guardrails.yaml"``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import pipelines

from guardrails.version import __version__

#: the package on PyPI, installed at the version of this module
PACKAGE = "lambda-guardrails"
#: the report group's name (CodeBuild names it ``<project>-<this>``)
REPORT_GROUP = "guardrails"
JUNIT_FILE = "guardrails-junit.xml"
SARIF_FILE = "guardrails.sarif"


def install_command(version: str = __version__) -> str:
    """The pinned install line: ``pip install lambda-guardrails==<version>``."""
    return f"pip install {PACKAGE}=={version}"


def scan_command(
    assembly_dir: str = ".",
    *,
    report_dir: str = "reports",
    policy_file: str | None = None,
    fail_on: str | None = None,
    baseline: str | None = None,
    allow_incomplete: bool = False,
) -> str:
    """The ``guardrails scan`` command line the step runs: JUnit and SARIF into ``report_dir``,
    the text report to the build log. Its exit code is the step's verdict."""
    argv = [
        "guardrails",
        "scan",
        assembly_dir,
        "--format",
        "junit",
        "--output",
        f"{report_dir}/{JUNIT_FILE}",
        "--format",
        "sarif",
        "--output",
        f"{report_dir}/{SARIF_FILE}",
        "--format",
        "text",
    ]
    if policy_file:
        argv += ["--policy", policy_file]
    if fail_on:
        argv += ["--fail-on", fail_on]
    if baseline:
        argv += ["--baseline", baseline]
    if allow_incomplete:
        argv.append("--allow-incomplete")
    return shlex.join(argv)


def reports_build_spec(report_dir: str = "reports") -> codebuild.BuildSpec:
    """The ``reports:`` section publishing the JUnit report as a CodeBuild report group."""
    return codebuild.BuildSpec.from_object(
        {
            "reports": {
                REPORT_GROUP: {
                    "files": [JUNIT_FILE],
                    "base-directory": report_dir,
                    "file-format": "JUNITXML",
                }
            }
        }
    )


class GuardrailsStep(pipelines.CodeBuildStep):
    """Scan the synth step's cloud assembly with ``guardrails scan``; fail on findings.

    :param id: the step's id (its name in the pipeline).
    :param input: the file set to scan, usually the synth step (its primary output is
        ``cdk.out``).
    :param assembly_dir: the assembly directory inside the step's working directory (default:
        ``"."``, the input itself).
    :param policy_file: ``--policy FILE`` (default: none: the policy recorded in the assembly at
        synth applies).
    :param fail_on: ``--fail-on SEV`` (default: none: the policy's ``fail_on``).
    :param baseline: ``--baseline FILE`` (default: none: the policy's baseline, if any).
    :param allow_incomplete: ``--allow-incomplete`` (default: ``False``: input that could not be
        checked fails the step).
    :param install_commands: the commands that install the tool (default:
        ``["pip install lambda-guardrails==<this version>"]``); e.g.
        ``["pip install -r requirements.txt"]`` from a repository input.
    :param version: the version the default install pins (default: this package's version).
    :param report_dir: where the reports are written; the step's primary output (default:
        ``"reports"``).
    :param additional_inputs: more file sets, by directory (default: none).
    :param build_environment: the CodeBuild environment (default: the pipeline's).
    :param env: environment variables (default: none).
    :param step_options: any other ``pipelines.CodeBuildStep`` keyword argument (``role``,
        ``vpc``, ``timeout``...).
    """

    def __init__(
        self,
        id: str,
        *,
        input: pipelines.IFileSetProducer,
        assembly_dir: str = ".",
        policy_file: str | None = None,
        fail_on: str | None = None,
        baseline: str | None = None,
        allow_incomplete: bool = False,
        install_commands: Sequence[str] | None = None,
        version: str = __version__,
        report_dir: str = "reports",
        additional_inputs: Mapping[str, pipelines.IFileSetProducer] | None = None,
        build_environment: codebuild.BuildEnvironment | None = None,
        env: Mapping[str, str] | None = None,
        **step_options: Any,
    ) -> None:
        self.scan_command = scan_command(
            assembly_dir,
            report_dir=report_dir,
            policy_file=policy_file,
            fail_on=fail_on,
            baseline=baseline,
            allow_incomplete=allow_incomplete,
        )
        installs = list(install_commands) if install_commands else [install_command(version)]
        super().__init__(
            id,
            input=input,
            install_commands=installs,
            # one command per line, no "|| true": CodeBuild fails the build on a non-zero exit
            commands=[f"mkdir -p {shlex.quote(report_dir)}", self.scan_command],
            primary_output_directory=report_dir,
            partial_build_spec=reports_build_spec(report_dir),
            additional_inputs=additional_inputs,
            build_environment=build_environment,
            env=env,
            **step_options,
        )
