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
from guardrails.errors import GuardrailsError, where
from guardrails.model.assembly import load_assembly
from guardrails.policy import CONTEXT_FAIL_ON, CONTEXT_MODE, CONTEXT_POLICY, Policy
from guardrails.report.escape import clean
from guardrails.rules import all_rules
from guardrails.version import __version__

PLUGIN_NAME = "lambda-guardrails"
#: the violation that says what could not be checked (acknowledge it to accept a partial scan)
INCOMPLETE_RULE = "INCOMPLETE"


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
        base.check_rule_ids([r.id for r in all_rules()])  # a typo fails at protect(), not later
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
        app = context.app_construct
        policy = self._policy.with_context(_context(app))
        templates = {Path(s.template_path).resolve() for s in context.stack_templates}
        try:
            report = self.scan(templates, policy, outdir=_outdir(app))
        except GuardrailsError as exc:  # the assembly could not be read: never a pass
            report = engine.Report(findings=(), functions=0, policy=policy, errors=(str(exc),))
        except Exception as exc:  # a bug: reported by where it happened, never by its text
            error = f"the guardrails could not check the app (internal error {where(exc)})"
            report = engine.Report(findings=(), functions=0, policy=policy, errors=(error,))
        self.last_report = report
        for error in report.errors:
            print(f"lambda-guardrails: error: {clean(error)}", file=sys.stderr)
        for notice in report.notices:
            print(f"lambda-guardrails: {clean(notice)}", file=sys.stderr)
        violations = [
            _violation(f, policy) for f in report.findings if f.status in ("open", "acknowledged")
        ]
        if report.incomplete:
            violations.append(_incomplete(report, policy))
            print(f"lambda-guardrails: {_incomplete_summary(report, policy)}", file=sys.stderr)
        blocking = any(f.status == "open" and _blocks(f, policy) for f in report.findings)
        return cdk.PolicyValidationPluginReport(
            success=not blocking and not (report.incomplete and policy.mode == "enforce"),
            violations=violations,
            plugin_version=__version__,
            metadata={
                "mode": policy.mode,
                "fail_on": policy.fail_on,
                "functions": str(report.functions),
                "open": str(len(report.open)),
                "errors": str(len(report.errors)),
                "complete": "false" if report.incomplete else "true",
            },
        )

    def scan(
        self, templates: set[Path], policy: Policy, outdir: Path | None = None
    ) -> engine.Report:
        """Scan the given templates, reading the cloud assembly CDK wrote them into: ``outdir``
        (the app's output folder), else the folder of the first template when it holds the
        ``manifest.json`` that lists them. Every template CDK passed must be found there."""
        if not templates:
            return engine.Report(findings=(), functions=0, policy=policy)
        root = outdir if outdir is not None else _assembly_root(templates)
        assembly = load_assembly(root, only_templates=templates)
        return engine.scan(assembly, policy, today=self._today)


def _context(app: Any) -> dict[str, Any]:
    """The three context keys the guardrails read (three jsii calls, once per synth)."""
    node = app.node
    return {
        key: node.try_get_context(key) for key in (CONTEXT_POLICY, CONTEXT_MODE, CONTEXT_FAIL_ON)
    }


def _outdir(app: Any) -> Path | None:
    """The output folder of the app CDK validates (``App.outdir``, one jsii call): the root of
    the cloud assembly, nested stages' sub-assemblies included."""
    outdir = getattr(app, "outdir", None) if isinstance(app, cdk.Stage) else None
    return Path(outdir).resolve() if isinstance(outdir, str) and outdir else None


def _assembly_root(templates: set[Path]) -> Path:
    """Without the app's output folder: the folder of the first template, which must hold the
    manifest that lists the templates (``load_assembly`` reports any it does not). Never found
    by walking up: a ``manifest.json`` of another tool above it is no cloud assembly."""
    return min(templates).parent


def _incomplete(report: engine.Report, policy: Policy) -> cdk.PolicyViolation:
    """What could not be checked, as one violation: an ``error`` (the synth fails) in enforce
    mode, a ``warning`` in audit mode. Its id can be acknowledged like a rule's."""
    shown = [clean(e) for e in report.errors[:5]]
    more = f" (and {len(report.errors) - 5} more)" if len(report.errors) > 5 else ""
    return cdk.PolicyViolation(
        rule_name=INCOMPLETE_RULE,
        description=(
            f"[INCOMPLETE] {len(report.errors)} part(s) of the app could not be checked, so "
            f"the guardrails cannot vouch for them: {'; '.join(shown)}{more}"
        ),
        fix=(
            "Fix what each error names (a template, an asset, a function the model could not "
            "read) and synthesize again; see SECURITY.md for what the guardrails read."
        ),
        severity="error" if policy.mode == "enforce" else "warning",
        rule_metadata={"errors": str(len(report.errors))},
        violating_resources=[
            cdk.PolicyViolatingResource(locations=["(the cloud assembly)"], construct_path="")
        ],
    )


def _incomplete_summary(report: engine.Report, policy: Policy) -> str:
    n = len(report.errors)
    errors = f"{n} error" if n == 1 else f"{n} errors"
    if policy.mode == "enforce":
        return (
            f"INCOMPLETE: {errors}: what could not be checked fails the synth (acknowledge "
            f"lambda-guardrails::{INCOMPLETE_RULE} to accept it)"
        )
    return f"INCOMPLETE: {errors}: audit mode reports them without failing the synth"


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
    # CDK prints these in the terminal: a crafted id or path must not carry escapes or lines
    functions = clean(", ".join(finding.functions))
    return cdk.PolicyViolation(
        rule_name=finding.rule_id,
        description=clean(f"[{finding.severity.upper()}] {finding.title}: {finding.message}"),
        fix=finding.fix,
        severity=cdk_severity,
        rule_metadata={
            "severity": finding.severity,
            "owner": finding.owner,
            "functions": functions,
            "stack": clean(finding.stack),
        },
        violating_resources=[
            cdk.PolicyViolatingResource(
                locations=[clean(finding.location)],
                construct_path=clean(finding.construct_path) if finding.construct_path else None,
                resource_logical_id=clean(finding.logical_id),
                template_path=finding.template_path,
            )
        ],
    )
