"""The guardrails as a Pulumi CrossGuard policy pack: one policy per rule, named by its id.

``policypacks/lambda-guardrails/__main__.py`` is all a pack needs::

    from guardrails.pulumi.pack import policy_pack
    policy_pack("policy.yaml")          # serves the pack (the Pulumi CLI starts it)

and ``pulumi preview --policy-pack policypacks/lambda-guardrails`` runs it.

**One scan per stack.** Each rule is a stack policy (it needs the graph around each function:
a role, its policies, the log group, the API in front). Pulumi asks every policy in turn, each
with the whole stack; the first one scans it (``scan_resources``) and the others read that
scan's findings (the scan is kept for the same resources, keyed by their content).

**Enforcement.** From the organisation policy: a rule whose severity (the policy's override,
else the catalog's) is at or above ``fail_on`` is ``mandatory`` (it blocks ``pulumi up``),
below it ``advisory``; a rule the policy disables is ``disabled``. Pulumi's own policy
configuration (``pulumi policy enable --config``, or ``enforcementLevel`` in a config file)
overrides a rule's level. Pulumi's level is per policy: a finding whose severity differs from
its rule's (a runtime's deprecation stage, a framework-owned function) says its severity in
its message. Findings that the policy exempts, or a baseline holds, are not reported.

**Secrets.** A Pulumi secret (``pulumi.Output.secret``) is never shown, not even masked: the
pack reads the analyzer's requests before the Pulumi SDK decodes them (which drops the mark
of a secret) and replaces each secret in a message by ``(a Pulumi secret)``.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any, NoReturn

import grpc
import pulumi
import pulumi_policy
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import policy as _sdk

from guardrails.engine import Finding
from guardrails.policy import Policy
from guardrails.pulumi.fixes import fix_of
from guardrails.pulumi.remediations import REMEDIATIONS
from guardrails.pulumi.resources import (
    ARCHIVE_SIGNATURE,
    ASSET_SIGNATURE,
    SIGNATURE_KEY,
    PulumiResource,
    marked_secret,
    secret_paths,
    secret_values,
    whole_numbers,
)
from guardrails.pulumi.scan import PulumiScan, conceal, scan_resources
from guardrails.rules import all_rules
from guardrails.rules import get as get_rule

#: the pack's name (``PulumiPolicy.yaml`` gives it too)
PACK_NAME = "lambda-guardrails"
#: findings of these statuses are reported (exempted, acknowledged, baseline ones are not)
_REPORTED = ("open",)


def enforcement_level(policy: Policy, rule_id: str, severity: str) -> EnforcementLevel:
    """The Pulumi enforcement level of a rule under ``policy`` (see the module's
    documentation)."""
    if not policy.rule_enabled(rule_id):
        return EnforcementLevel.DISABLED
    if policy.fails(policy.rule_severity(rule_id, severity)):
        return EnforcementLevel.MANDATORY
    return EnforcementLevel.ADVISORY


def policies(
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    remediate: str | Iterable[str] | None = None,
) -> list[Any]:
    """The pack's policies, one per rule of the catalog (for a pack of one's own, with other
    policies beside them). ``remediate``: ``"safe"`` (every fix of ``remediations``) or rule
    ids: those rules' policies remediate (``EnforcementLevel.REMEDIATE``) what one resource's
    inputs can fix, then report what is left as mandatory. Without it, Pulumi's policy
    configuration can still give a rule that has a fix the ``remediate`` level."""
    settings = Policy.coerce(policy)
    fixes = {r.rule: r for r in REMEDIATIONS}
    wanted = _remediated(remediate, fixes)
    scanner = _Scanner(settings)
    out: list[Any] = []
    for rule in all_rules():
        level = enforcement_level(settings, rule.id, rule.severity)
        if rule.id in wanted and level is not EnforcementLevel.DISABLED:
            level = EnforcementLevel.REMEDIATE
        common: dict[str, Any] = {
            "name": rule.id,
            "description": rule.title,
            "enforcement_level": level,
            "remediation_steps": fix_of(rule.id),
            "severity": _SEVERITY.get(settings.rule_severity(rule.id, rule.severity)),
        }
        validate = scanner.validator(rule.id)
        fix = fixes.get(rule.id)
        if fix is None:
            out.append(StackValidationPolicy(validate=validate, **common))
        else:
            out.append(_RulePolicy(validate, _remediator(fix, settings), common))
    return out


def _remediated(remediate: str | Iterable[str] | None, fixes: Mapping[str, Any]) -> set[str]:
    if remediate is None:
        return set()
    if isinstance(remediate, str):
        if remediate != "safe":
            raise ValueError(f"remediate: expected 'safe' or rule ids, got {remediate!r}")
        return set(fixes)
    wanted = set(remediate)
    unknown = sorted(wanted - set(fixes))
    if unknown:
        raise ValueError(
            f"remediate: no Pulumi remediation for {', '.join(unknown)} (those that exist: "
            f"{', '.join(sorted(fixes))})"
        )
    return wanted


class _RulePolicy(StackValidationPolicy, ResourceValidationPolicy):
    """A rule with a fix, as one Pulumi policy named by its id: it checks the stack (a stack
    policy) and remediates resources one by one (a resource policy whose check is the stack
    one)."""

    def __init__(self, validate: Any, remediate: Any, common: dict[str, Any]) -> None:
        # each parent's __init__ calls super().__init__ positionally, which the other parent
        # would receive: the common part once, then what each parent keeps (pulumi-policy
        # 1.21's private fields, pinned; tests/pulumi cover both sides)
        pulumi_policy.Policy.__init__(self, **common)
        self._StackValidationPolicy__validate = validate
        self._ResourceValidationPolicy__validate = None
        self._ResourceValidationPolicy__remediate = remediate

    def validate(self, args: Any, report_violation: Any) -> Any:
        if isinstance(args, StackValidationArgs):
            return StackValidationPolicy.validate(self, args, report_violation)
        return None  # one resource: the stack check reports, once every resource is known


def _remediator(fix: Any, policy: Policy) -> Any:
    """The CrossGuard remediation of a fix: the resource's new properties, or None."""

    def remediate(args: Any) -> Mapping[str, Any] | None:
        if args.resource_type not in fix.types:
            return None
        return fix.remediate(args.resource_type, _raw(args.props), policy)

    return remediate


def policy_pack(
    policy: Policy | Mapping[str, Any] | str | Path | None = None,
    *,
    remediate: str | Iterable[str] | None = None,
    name: str = PACK_NAME,
) -> NoReturn:
    """Serve the pack, as ``pulumi_policy.PolicyPack`` does (the Pulumi CLI starts the process
    and reads the port it prints); never returns. ``remediate``: as for ``policies``. Only the
    pack's server is ours: it notes where the secrets are in each request before the SDK's
    handling of it."""
    servicer = _sdk._PolicyAnalyzerServicer(
        name, "0.0.1", policies(policy, remediate=remediate), EnforcementLevel.ADVISORY
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=_sdk._GRPC_CHANNEL_OPTIONS,
    )
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(_SecretNoting(servicer), server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        while True:
            time.sleep(86_400)
    except KeyboardInterrupt:
        server.stop(0)
    raise SystemExit(0)


#: what the request being answered holds in Pulumi secrets, on its thread: their strings, and
#: where they are (URN -> paths in its properties)
_REQUEST = threading.local()
#: a number per request the pack answers: its policies share one scan of its stack
_REQUESTS = itertools.count()
#: the calls whose requests hold resources' properties
_NOTED = ("Analyze", "AnalyzeStack", "Remediate")


class _SecretNoting(analyzer_pb2_grpc.AnalyzerServicer):
    """The SDK's servicer, with the secrets of each request noted first (the SDK decodes a
    secret into its bare value)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        for name in dir(analyzer_pb2_grpc.AnalyzerServicer):  # the other calls: the SDK's
            if not name.startswith("_") and name not in _NOTED:
                setattr(self, name, getattr(inner, name))

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        return self._noted(
            [(r.urn, r.properties) for r in request.resources], "AnalyzeStack", request, context
        )

    def Analyze(self, request: Any, context: Any) -> Any:
        return self._noted([(request.urn, request.properties)], "Analyze", request, context)

    def Remediate(self, request: Any, context: Any) -> Any:
        return self._noted([(request.urn, request.properties)], "Remediate", request, context)

    def _noted(
        self, resources: list[tuple[str, Any]], call: str, request: Any, context: Any
    ) -> Any:
        strings: set[str] = set()
        paths: dict[str, list[tuple[str | int, ...]]] = {}
        for urn, struct in resources:
            properties = json_format.MessageToDict(struct)
            strings.update(s for s in secret_values(properties) if s)
            found = list(secret_paths(properties))
            if found:
                paths[urn] = found
        _REQUEST.secrets, _REQUEST.paths = frozenset(strings), paths
        _REQUEST.request = next(_REQUESTS)
        try:
            return getattr(self.inner, call)(request, context)
        finally:
            _REQUEST.secrets, _REQUEST.paths, _REQUEST.request = frozenset(), {}, None


class _Scanner:
    """Scans a stack once for all the pack's policies."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._key: tuple[Any, ...] | None = None
        #: the request the scan is of, when the pack's own server answers it
        self._request: int | None = None
        self._scan: PulumiScan | None = None
        self._by_rule: dict[str, list[Finding]] = {}
        self._lock = threading.Lock()

    def validator(self, rule_id: str) -> Any:
        def validate(args: StackValidationArgs, report_violation: Any) -> None:
            scan, findings = self.findings(args.resources, rule_id)
            secrets: frozenset[str] = getattr(_REQUEST, "secrets", frozenset())
            rule = get_rule(rule_id)
            level = self.policy.rule_severity(rule_id, rule.severity) if rule else None
            for finding in findings:
                message = conceal(finding.message, secrets)
                if finding.severity != level:  # a runtime's stage, a framework-owned function
                    message = f"[{finding.severity}] {message}"
                report_violation(f"{message} Fix: {finding.fix}", scan.urn(finding))

        return validate

    def findings(self, resources: Sequence[Any], rule_id: str) -> tuple[PulumiScan, list[Finding]]:
        """The scan of the stack (its resources converted and scanned once per request, not
        once per policy: a policy of a pack of one's own, without the pack's server, compares
        the resources' content instead) and the rule's open findings."""
        request = getattr(_REQUEST, "request", None)
        with self._lock:
            if request is not None and request == self._request and self._scan is not None:
                return self._scan, self._by_rule.get(rule_id, [])
            stack = [_resource(r) for r in resources]
            key = tuple((r.urn, repr(r.properties), r.property_dependencies.items()) for r in stack)
            self._request = request
            if key != self._key or self._scan is None:
                self._scan = scan_resources(stack, self.policy, stack=_stack_name(stack))
                self._key = key
                self._by_rule = {}
                for finding in self._scan.report.findings:
                    if finding.status in _REPORTED:
                        self._by_rule.setdefault(finding.rule_id, []).append(finding)
            return self._scan, self._by_rule.get(rule_id, [])


def _stack_name(resources: Sequence[PulumiResource]) -> str:
    """``<project>/<stack>`` from the resources' URNs (``urn:pulumi:<stack>::<project>::...``)."""
    for r in resources:
        parts = r.urn.split("::")
        if len(parts) >= 2 and parts[0].startswith("urn:pulumi:"):
            return f"{parts[1]}/{parts[0].removeprefix('urn:pulumi:')}"
    return "pulumi"


def _resource(r: Any) -> PulumiResource:
    """A ``pulumi_policy.PolicyResource`` as the translation reads it: its properties as the
    protocol wrote them (the SDK's proxies unwrapped, assets back to their signatures)."""
    return PulumiResource(
        type=r.resource_type,
        name=r.name,
        urn=r.urn,
        properties=marked_secret(
            whole_numbers(_raw(r.props)), getattr(_REQUEST, "paths", {}).get(r.urn, ())
        ),
        dependencies=tuple(d.urn for d in r.dependencies),
        property_dependencies={
            k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()
        },
        parent=r.parent.urn if r.parent is not None else None,
    )


def _raw(value: Any) -> Any:
    """A property value without the SDK's proxies (which raise on an unknown value)."""
    if isinstance(value, Mapping):
        target = value["__target"] if _is_proxy(value) else value
        return {k: _raw(v) for k, v in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        target = value["__target"] if _is_proxy(value) else value  # type: ignore[call-overload]
        return [_raw(v) for v in target]
    if isinstance(value, pulumi.StringAsset):
        return {SIGNATURE_KEY: ASSET_SIGNATURE, "text": value.text}
    if isinstance(value, pulumi.FileAsset):
        return {SIGNATURE_KEY: ASSET_SIGNATURE, "path": value.path}
    if isinstance(value, pulumi.AssetArchive):
        return {
            SIGNATURE_KEY: ARCHIVE_SIGNATURE,
            "assets": {k: _raw(v) for k, v in value.assets.items()},
        }
    if isinstance(value, pulumi.FileArchive):
        return {SIGNATURE_KEY: ARCHIVE_SIGNATURE, "path": value.path}
    return value


def _is_proxy(value: Any) -> bool:
    """The SDK's proxies: of unknown values, and of secrets (in a remediation)."""
    return type(value).__module__ in ("pulumi_policy.proxy", "pulumi_policy.secret")


_SEVERITY = {
    "critical": pulumi_policy.Severity.CRITICAL,
    "high": pulumi_policy.Severity.HIGH,
    "medium": pulumi_policy.Severity.MEDIUM,
    "low": pulumi_policy.Severity.LOW,
}
