"""The CDK validation plugin: the same engine as the CLI, run by ``cdk synth``.

CDK calls ``validate`` once, after the whole cloud assembly (nested stages included) is written,
with the templates of every stack below the scope the plugin was registered on. The plugin reads
those templates as the CLI does (pure Python, no jsii call per construct), and hands CDK one
violation per rule and severity, with one violating resource per construct the rule flags (as
cdk-nag does), given as plain dicts: one struct per report, not one per finding. CDK applies
``Validations.of(c).acknowledge(...)`` to them (per resource), prints the report (one block per
resource), writes ``cdk.out/validation-report.json`` and fails the synth when a violation has
severity ``error``.

The plugin also records the policy it applied, after the CDK context overrides, in the root of
the cloud assembly (``cdk.out/lambda-guardrails-policy.json``, ``record_policy``): ``guardrails
scan cdk.out`` applies it, so that a pipeline reports what the synth reported. It is a file of
its own, new to the assembly, so CDK's check that an untrusted plugin changes no file of the
assembly (``confirmValidationPluginsDoNotMutate``) holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import jsii

from guardrails import engine
from guardrails.errors import GuardrailsError, where
from guardrails.model.assembly import load_assembly
from guardrails.model.files import collector_paused
from guardrails.policy import (
    CONTEXT_FAIL_ON,
    CONTEXT_MODE,
    CONTEXT_POLICY,
    RECORD_FILE,
    SEVERITY_RANK,
    Policy,
)
from guardrails.report.escape import clean
from guardrails.rules import all_rules
from guardrails.rules import get as get_rule
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
        #: the summary line of the last synth, and whether the synth wrapper that ``protect``
        #: installs prints it (after CDK's report, where a reader looks) rather than ``validate``
        self.last_summary: str | None = None
        self.summary_after_synth = False
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

    @collector_paused()  # the scan's model and report, then their violations: no cycles
    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        app = context.app_construct
        policy = self.policy_for(app)
        record_policy(app, policy)  # for `guardrails scan cdk.out`: the same policy as here
        # the paths alone: one jsii call (``stack_templates`` costs one per field of each stack)
        templates = {Path(p).resolve() for p in context.template_paths}
        outdir = _outdir(app)
        try:
            report = self.scan(templates, policy, outdir=outdir)
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
        # info findings only when asked for (the context key) or when the policy fails on them
        show_info = policy.fails("info") or _show_info(app)
        violations = _violations(report, policy, show_info=show_info)
        if report.incomplete:
            violations.append(_incomplete(report, policy))
            print(f"lambda-guardrails: {_incomplete_summary(report, policy)}", file=sys.stderr)
        blocking = any(f.status == "open" and _blocks(f, policy) for f in report.findings)
        # CDK prints its report after validate returns: this line comes just before it
        line = summary_line(report, outdir=outdir, info_hidden=not show_info)
        self.last_summary = line
        if not self.summary_after_synth:  # protect() prints it after CDK's report instead
            print(line, file=sys.stderr, flush=True)
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

    def policy_for(self, app: Any) -> Policy:
        """The policy the plugin applies to ``app``: its own, with the app's CDK context keys
        on top (a ``PolicyError`` when they are malformed)."""
        return self._policy.with_context(_context(app))

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


def record_policy(app: Any, policy: Policy, *, before_synth: bool = False) -> Path | None:
    """Write ``policy`` (``Policy.to_record``, a relative ``osv_database`` pinned to the folder
    the scan read) into the root of ``app``'s cloud assembly as ``RECORD_FILE``; return its path.

    A record that already holds the same text is left alone: CDK hashes the files of the
    assembly before an untrusted plugin runs (``confirmValidationPluginsDoNotMutate``) and
    fails the synth if one changed, and ``protect()`` writes the record just before the synth
    for that reason (a plugin registered by hand cannot: it says so when it replaces the record
    of an earlier synth; ``before_synth``: called by ``protect()``'s wrapper, when replacing it
    is fine). The file is replaced, never written through: a link left in its place
    cannot redirect the write. A record that cannot be written is said on stderr (the synth
    itself is not affected), since ``guardrails scan`` would then apply another policy."""
    outdir = _outdir(app)
    if outdir is None:
        return None
    target = outdir / RECORD_FILE
    data = (json.dumps(policy.pinned().to_record(), indent=2) + "\n").encode("utf-8")
    temporary: str | None = None
    try:
        earlier = target.is_file() and not target.is_symlink()
        if earlier and target.stat().st_size == len(data) and target.read_bytes() == data:
            return target
        if earlier and not before_synth:  # an earlier synth's, with another policy
            print(
                f"lambda-guardrails: note: {clean(str(target))}: replacing the policy an earlier "
                "synth recorded (with confirmValidationPluginsDoNotMutate, CDK refuses this "
                "from a plugin: synthesize into an empty folder, or use guardrails.protect)",
                file=sys.stderr,
            )
        outdir.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{RECORD_FILE}.", dir=outdir)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)  # mkstemp's 0600 would hide it from a later CI step
            f.write(data)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        print(
            f"lambda-guardrails: warning: {clean(str(target))}: cannot record the policy "
            f"({exc.__class__.__name__}); `guardrails scan` of this assembly will not apply it: "
            "pass it --policy",
            file=sys.stderr,
        )
        return None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return target


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


def _cdk_severity(finding: engine.Finding, policy: Policy) -> str:
    """CDK fails the synth on ``error``; everything else is reported without failing."""
    if _blocks(finding, policy):
        return "error"
    return "info" if finding.severity == "info" else "warning"


#: the order CDK prints its severities in (it sorts the violations by them, stably)
CDK_RANK = {"error": 0, "warning": 1, "info": 2}


class _Resource:
    """One flagged resource of a grouped violation: its findings of the rule, one location
    each (what is wrong there, and for which functions)."""

    __slots__ = ("construct_path", "locations", "logical_id", "order", "template_path")

    def __init__(self, finding: engine.Finding, order: tuple[str, str]) -> None:
        path = finding.construct_path
        self.construct_path = clean(path) if path else None
        self.logical_id = clean(finding.logical_id)
        self.template_path = finding.template_path or None
        #: the first function it affects (stack, construct), then its own path
        self.order = (order, self.construct_path or self.logical_id)
        self.locations: list[str] = []

    def wire(self) -> dict[str, Any]:
        """A ``PolicyViolatingResource`` as a dict in jsii's field names (see ``_violation``).
        CDK reports the locations as the resource's ``propertyPaths`` in its JSON report when
        the resource has a logical id and a template, and looks up acknowledgements by the
        construct path."""
        resource: dict[str, Any] = {
            "locations": self.locations,
            "resourceLogicalId": self.logical_id,
        }
        if self.construct_path is not None:
            resource["constructPath"] = self.construct_path
        if self.template_path is not None:
            resource["templatePath"] = self.template_path
        return resource


class _Group:
    """The findings of one rule at one severity (CDK's and the guardrails'): one violation."""

    __slots__ = (
        "cdk_severity",
        "finding",
        "findings",
        "functions",
        "messages",
        "open",
        "owners",
        "resources",
    )

    def __init__(self, finding: engine.Finding, cdk_severity: str) -> None:
        self.finding = finding  # the first: the rule id, title, severity and fix of them all
        self.cdk_severity = cdk_severity
        self.resources: dict[tuple[str, str], _Resource] = {}  # (stack, logical id) ->
        self.messages: set[str] = set()
        self.owners: set[str] = set()
        self.functions: set[tuple[str, str]] = set()  # (stack, construct) of those affected
        self.findings = 0
        self.open = False


def _violations(
    report: engine.Report, policy: Policy, *, show_info: bool
) -> list[cdk.PolicyViolation | dict[str, Any]]:
    """The open and acknowledged findings as CDK violations (CDK suppresses the acknowledged
    ones itself): one violation per rule and severity, with one violating resource per
    construct it flags, as cdk-nag reports. Findings at ``info`` are passed only with
    ``show_info``.

    A resource is the construct the finding is on (``Validations.of(c).acknowledge`` applies to
    it and to what is below ``c``: CDK looks up an acknowledgement per resource, by the rule and
    the resource's construct path). Each of its locations is one finding of the rule there: the
    functions it affects, the place in the resource, and the finding's message. What is common
    to the rule is the violation's: the title, the message when all its findings have the same
    (else the rule's rationale), and the fix.

    CDK sorts the violations by its own severity (error, warning, info), keeps the order it was
    given within one, and prints one block per resource: the violations are passed most severe
    first, their resources by the function they affect (its stack and construct path; the
    first one for a shared resource). A rule's fix is given in full on its first open
    violation; another violation of the rule (at another severity) points to it."""
    by_id: dict[str, list[tuple[str, str]]] = {}  # logical id -> (stack, logical id)
    for function in report.function_paths:
        by_id.setdefault(function[1], []).append(function)
    groups: dict[tuple[int, int, str], _Group] = {}
    # the engine's order (rule, stack, resource, location): a resource's locations keep it
    for finding in report.findings:
        if finding.status not in ("open", "acknowledged"):
            continue
        if finding.severity == "info" and not show_info:
            continue
        cdk_severity = _cdk_severity(finding, policy)
        key = (CDK_RANK[cdk_severity], -SEVERITY_RANK[finding.severity], finding.rule_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(finding, cdk_severity)
        functions = _affected(report, finding, by_id)
        site = (finding.stack, finding.logical_id)
        resource = group.resources.get(site)
        if resource is None:
            first = functions[0][0] if functions else (finding.stack, _site(finding))
            resource = group.resources[site] = _Resource(finding, first)
        resource.locations.append(_location(finding, [label for _, label in functions]))
        group.messages.add(finding.message)
        group.owners.add(finding.owner)
        group.functions.update(where for where, _ in functions)
        group.findings += 1
        group.open = group.open or finding.status == "open"
    fixes: dict[str, str] = {}  # rule id -> the fix given in full for it
    violations: list[cdk.PolicyViolation | dict[str, Any]] = []
    for _, group in sorted(groups.items(), key=lambda item: item[0]):  # most severe first
        rule_id, fix = group.finding.rule_id, group.finding.fix
        shown_fix: str | None = fix
        if group.open and fix:
            if fixes.get(rule_id) == fix:
                shown_fix = f"see {rule_id} above"
            else:
                fixes.setdefault(rule_id, fix)
        violations.append(_violation(group, fix=shown_fix))
    return violations


#: where CDK's report wraps a description or a fix: CDK prints each on one line as given
REPORT_WIDTH = 100


def _lines(text: str, indent: str = "   ") -> str:
    """``text`` cleaned, then broken into lines of at most ``REPORT_WIDTH`` characters, the
    following ones indented under CDK's own lines (identifiers and ARNs are never split)."""
    return "\n".join(
        textwrap.wrap(
            clean(text),
            width=REPORT_WIDTH,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def _violation(group: _Group, *, fix: str | None) -> dict[str, Any]:
    """One group as a CDK violation, its resources in the order of the functions they affect.

    A struct given as a ``dict`` in jsii's own field names, as the typed API allows
    (``PolicyValidationPluginReport.violations`` takes a ``PolicyViolation`` or a dict, and so
    does ``PolicyViolation.violating_resources``): jsii checks it on the Node side, where it
    deserializes it, instead of field by field in Python (``typeguard``), which for 5,760
    resources took 0.12 s to build them, 0.02 s to check the list and 0.05 s to serialize."""
    first = group.finding
    if len(group.messages) == 1:  # one finding, or the same message at each resource
        body = first.message
    else:  # what is wrong at each resource is in its locations
        rule = get_rule(first.rule_id)
        body = rule.rationale if rule is not None else f"{group.findings} findings"
    violation: dict[str, Any] = {
        "ruleName": first.rule_id,
        "description": _lines(f"[{first.severity.upper()}] {first.title}: {body}"),
        "severity": group.cdk_severity,
        "ruleMetadata": {
            "severity": first.severity,
            "owner": ", ".join(sorted(group.owners)),
            "findings": str(group.findings),
            "resources": str(len(group.resources)),
            "functions": str(len(group.functions)),
            "docs": f"guardrails explain {first.rule_id}",
        },
        "violatingResources": [
            r.wire() for r in sorted(group.resources.values(), key=lambda r: r.order)
        ],
    }
    if fix:
        violation["fix"] = _lines(fix, indent=" " * 6)
    return violation


#: the affected functions a location names before "and N more"
AFFECTS_SHOWN = 3


def _location(finding: engine.Finding, labels: list[str]) -> str:
    """One finding as a location of its resource, cleaned: the functions it affects (at most
    ``AFFECTS_SHOWN``, then how many more), the place in the resource and the message, e.g.
    ``Orders/Api: Properties/AuthType: Function URL ... is public``."""
    parts = []
    if labels:
        more = f" and {len(labels) - AFFECTS_SHOWN} more" if len(labels) > AFFECTS_SHOWN else ""
        parts.append(", ".join(labels[:AFFECTS_SHOWN]) + more)
    if finding.location:
        parts.append(finding.location)
    parts.append(finding.message)
    return clean(": ".join(parts))


def _affected(
    report: engine.Report,
    finding: engine.Finding,
    by_id: Mapping[str, list[tuple[str, str]]],
) -> list[tuple[tuple[str, str], str]]:
    """The functions ``finding`` affects, sorted, each as ((stack, construct path), label):
    the label is the function's construct (``Orders/Api`` of ``Orders/Api/Resource``), or
    ``stack/logical id`` when the assembly has no construct path for it. A name in
    ``finding.functions`` is a logical id of the finding's stack, or ``stack/logical id`` for
    a function of another stack (a stack of a nested stage has a ``/`` in its name too); a bare
    logical id found in no such stack is looked up in ``by_id`` (logical id -> the functions'
    keys in ``report.function_paths``), and taken when one function of the scan has it."""
    paths = report.function_paths
    out: dict[tuple[str, str], str] = {}
    for name in finding.functions:
        stack, logical_id = finding.stack, name
        if (stack, logical_id) not in paths and "/" in name:
            stack, logical_id = name.rsplit("/", 1)
        if (stack, logical_id) not in paths and len(by_id.get(logical_id, ())) == 1:
            stack, logical_id = by_id[logical_id][0]  # a bare logical id of another stack
        path = paths.get((stack, logical_id))
        label = _construct(path) if path else f"{stack}/{logical_id}"
        out[(stack, label)] = label
    return sorted(out.items())


def _construct(path: str) -> str:
    """The construct of a resource: ``Orders/Api`` for the L2's ``Orders/Api/Resource``."""
    return path[: -len("/Resource")] if path.endswith("/Resource") else path


def _site(finding: engine.Finding) -> str:
    return _construct(finding.construct_path) if finding.construct_path else finding.logical_id


#: CDK context key: ``true`` passes the findings at ``info`` to CDK's report too (they are
#: always in the plugin's ``last_report`` and in the CLI's reports). A policy that fails on
#: ``info`` passes them anyway.
CONTEXT_SHOW_INFO = "lambda-guardrails:show_info"


def _show_info(app: Any) -> bool:
    """``lambda-guardrails:show_info`` (one jsii call): a JSON boolean or the string ``true`` /
    ``false`` (what ``cdk synth -c`` passes); absent is false. Any other value is said on
    stderr, not repeated, and read as false: the key changes what is shown, never a verdict."""
    value = app.node.try_get_context(CONTEXT_SHOW_INFO)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    print(
        f"lambda-guardrails: warning: context {CONTEXT_SHOW_INFO} is not true or false; "
        "findings at info stay out of the report",
        file=sys.stderr,
    )
    return False


def summary_line(
    report: engine.Report, *, outdir: Path | None = None, info_hidden: bool = False
) -> str:
    """The one line that sums up a synth's check: functions, open findings by severity, the
    other statuses, and the verdict at the policy's ``fail_on`` in its mode, e.g.::

        lambda-guardrails: 12 functions, 9 open (2 critical, 3 high, 4 medium), 3 remediated,
        1 acknowledged: FAILED at fail_on high (enforce); run `guardrails scan cdk.out` for
        the full report

    ``info_hidden``: CDK's report does not show the findings at ``info``. The verdict is
    ``FAILED`` (open findings at or above ``fail_on``), ``INCOMPLETE`` (something could not be
    checked), both (``FAILED/INCOMPLETE``) or ``PASSED``; in enforce mode anything but
    ``PASSED`` fails the synth, in audit mode nothing does."""
    policy = report.policy
    n = report.functions
    parts = [f"{n} function" if n == 1 else f"{n} functions"]
    by_severity = cast(dict[str, int], report.summary()["by_severity"])  # most severe first
    counts = [
        f"{count} info hidden" if severity == "info" and info_hidden else f"{count} {severity}"
        for severity, count in by_severity.items()
    ]
    parts.append(f"{len(report.open)} open" + (f" ({', '.join(counts)})" if counts else ""))
    for status, label in (
        ("remediated", "remediated"),
        ("acknowledged", "acknowledged"),
        ("exempted", "exempted"),
        ("baseline", "in the baseline"),
    ):
        count = sum(1 for f in report.findings if f.status == status)
        if count:
            parts.append(f"{count} {label}")
    verdict = "/".join(
        word
        for word, applies in (("FAILED", bool(report.failing)), ("INCOMPLETE", report.incomplete))
        if applies
    )
    mode = policy.mode
    if verdict and mode != "enforce":
        mode += ": reported, not enforced"
    folder = _shown_path(outdir) if outdir is not None else "cdk.out"
    return clean(
        f"lambda-guardrails: {', '.join(parts)}: {verdict or 'PASSED'} at fail_on "
        f"{policy.fail_on} ({mode}); run `guardrails scan {folder}` for the full report"
    )


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, quoted for a shell."""
    try:
        shown = str(path.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):  # not below it, or no working directory any more
        shown = str(path)
    return shlex.quote(shown)
