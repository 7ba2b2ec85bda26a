"""The CDK validation plugin: the same engine as the CLI, run by ``cdk synth``.

CDK calls ``validate`` once, after the whole cloud assembly (nested stages included) is written,
with the templates of every stack below the scope the plugin was registered on. The plugin reads
those templates as the CLI does (pure Python, no jsii call per construct), and hands CDK one
violation per finding. CDK itself applies ``Validations.of(c).acknowledge(...)`` to them, prints
the report, writes ``cdk.out/validation-report.json`` and fails the synth when a violation has
severity ``error``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

from guardrails import engine
from guardrails.model.assembly import load_assembly
from guardrails.policy import CONTEXT_FAIL_ON, CONTEXT_MODE, CONTEXT_POLICY, Policy
from guardrails.rules import all_rules
from guardrails.version import __version__

PLUGIN_NAME = "lambda-guardrails"


@jsii.implements(cdk.IPolicyValidationPlugin)
class LambdaGuardrails:
    """Checks every Lambda function of the app at synth time.

    :param policy: a ``Policy``, a mapping of policy keys, or a YAML/JSON policy file path.
        :default: the catalog's defaults, then the CDK context key ``lambda-guardrails:policy``
    :param mode: ``"enforce"`` (findings at or above ``fail_on`` fail the synth) or ``"audit"``
        (everything is reported, nothing fails). The context key ``lambda-guardrails:mode``
        (``cdk synth -c lambda-guardrails:mode=enforce``) wins over this argument.
        :default: the policy's ``mode`` (``enforce``)
    :param today: the date runtime deprecations are measured against. :default: today

    Register it with ``Validations.of(app).add_plugins(LambdaGuardrails(...))``, or call
    ``guardrails.protect(app)``.
    """

    def __init__(
        self,
        policy: Policy | Mapping[str, Any] | str | Path | None = None,
        mode: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        base = Policy.coerce(policy)
        self._policy = base.merged({"mode": mode}, base.source) if mode else base
        self._today = today
        self.last_report: engine.Report | None = None
        #: the hardening Aspect ``protect(..., remediate=...)`` added, if any
        self.hardening: Any = None

    # jsii reads these through the class: they must be class-level properties.
    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in all_rules() if self._policy.rule_enabled(r.id)]

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        policy = self._policy.with_context(_context(context.app_construct))
        templates = {Path(s.template_path).resolve() for s in context.stack_templates}
        report = self.scan(templates, policy)
        self.last_report = report
        for error in report.errors:
            print(f"lambda-guardrails: {error}", file=sys.stderr)
        for notice in report.notices:
            print(f"lambda-guardrails: {notice}", file=sys.stderr)
        violations = [
            _violation(f, policy) for f in report.findings if f.status in ("open", "acknowledged")
        ]
        return cdk.PolicyValidationPluginReport(
            success=not any(f.status == "open" and _blocks(f, policy) for f in report.findings),
            violations=violations,
            plugin_version=__version__,
            metadata={
                "mode": policy.mode,
                "fail_on": policy.fail_on,
                "functions": str(report.functions),
                "open": str(len(report.open)),
            },
        )

    def scan(self, templates: set[Path], policy: Policy) -> engine.Report:
        """Scan the given templates, reading the assembly they belong to."""
        if not templates:
            return engine.Report(findings=(), functions=0, policy=policy)
        assembly = load_assembly(_assembly_root(next(iter(templates))), only_templates=templates)
        return engine.scan(assembly, policy, today=self._today)


def _context(app: Any) -> dict[str, Any]:
    """The three context keys the guardrails read (three jsii calls, once per synth)."""
    node = app.node
    return {
        key: node.try_get_context(key) for key in (CONTEXT_POLICY, CONTEXT_MODE, CONTEXT_FAIL_ON)
    }


def _assembly_root(template: Path) -> Path:
    """The outermost directory with a ``manifest.json`` (nested stages live in sub-assemblies)."""
    root = template.parent
    while (root.parent / "manifest.json").is_file():
        root = root.parent
    return root


def _blocks(finding: engine.Finding, policy: Policy) -> bool:
    return policy.mode == "enforce" and policy.fails(finding.severity)


def _violation(finding: engine.Finding, policy: Policy) -> cdk.PolicyViolation:
    # CDK fails the synth on "error"; everything else is reported without failing.
    if _blocks(finding, policy):
        cdk_severity = "error"
    elif finding.severity == "info":
        cdk_severity = "info"
    else:
        cdk_severity = "warning"
    functions = ", ".join(finding.functions)
    return cdk.PolicyViolation(
        rule_name=finding.rule_id,
        description=f"[{finding.severity.upper()}] {finding.title}: {finding.message}",
        fix=finding.fix,
        severity=cdk_severity,
        rule_metadata={
            "severity": finding.severity,
            "owner": finding.owner,
            "functions": functions,
            "stack": finding.stack,
        },
        violating_resources=[
            cdk.PolicyViolatingResource(
                locations=[finding.location],
                construct_path=finding.construct_path,
                resource_logical_id=finding.logical_id,
                template_path=finding.template_path,
            )
        ],
    )
