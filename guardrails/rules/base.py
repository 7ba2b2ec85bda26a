"""What a rule is: a small pure function over one function's graph, with its metadata beside it.

A rule yields one ``Violation`` per problem it finds (nothing when it complies or when a value it
needs cannot be decided). The engine turns violations into findings: it adds the rule's
metadata, applies the policy's severity overrides, exemptions and acknowledgements, and merges
the same problem seen from several functions (a shared role) into one finding.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from guardrails.model.function import LambdaFunction, Orphans, Site
from guardrails.policy import SEVERITIES, Policy

CONCERNS = {
    "IAM": "least privilege",
    "SEC": "secrets",
    "INP": "input validation and exposure",
    "OBS": "logging and monitoring",
    "DEP": "dependencies",
    "NET": "network controls",
    "CFG": "abuse and cost limits",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem, at one place. ``message`` never contains a secret value."""

    site: Site
    message: str
    #: only for rules whose severity depends on the case (GR-DEP-01)
    severity: str | None = None
    #: tells apart several violations of one rule at one location (a file and line of a code
    #: asset); never shown, never a secret. Empty for most rules.
    key: str = ""
    #: not a finding: the rule could not check all it should have (an asset it could not read,
    #: a limit it reached). The engine reports it as an error, which fails the run.
    incomplete: bool = False


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read besides the function: the policy and today's date (injectable)."""

    policy: Policy
    today: dt.date


Check = Callable[[LambdaFunction, RuleContext], Iterator[Violation]]
#: a rule's check over the permissions and function URLs of one template that name no function
#: of the scan (``Orphans``): run once per template, so such a resource is one finding
OrphanCheck = Callable[[Orphans, RuleContext], Iterator[Violation]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    rationale: str
    fix: str
    check: Check
    #: "-", "safe" or "opt-in": what the hardening Aspect can do about it
    remediation: str = "-"
    #: equivalent controls elsewhere: {"Security Hub": "Lambda.1", "cdk-nag": "...", ...}
    references: dict[str, str] = field(default_factory=dict)
    #: a CDK Python snippet of the compliant way (shown by ``guardrails explain``)
    example: str = ""
    source_url: str = ""
    #: called once per scan (when the rule is enabled): a line for ``Report.notices`` or None;
    #: may raise ``PolicyError`` when the policy names something the rule cannot use
    notice: Callable[[RuleContext], str | None] | None = None
    #: the same check over resources whose function is outside the scan (``orphan_check``)
    orphan_check: OrphanCheck | None = None

    @property
    def concern(self) -> str:
        return CONCERNS[self.id.split("-")[1]]


_REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    *,
    title: str,
    severity: str,
    rationale: str,
    fix: str,
    remediation: str = "-",
    references: dict[str, str] | None = None,
    example: str = "",
    notice: Callable[[RuleContext], str | None] | None = None,
) -> Callable[[Check], Check]:
    """Register ``check`` as the rule ``id`` (explicitly, at import of its concern module)."""
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: unknown severity {severity}")

    def register(check: Check) -> Check:
        if id in _REGISTRY:
            raise ValueError(f"rule {id} is defined twice")
        _REGISTRY[id] = Rule(
            id=id,
            title=title,
            severity=severity,
            rationale=rationale,
            fix=fix,
            check=check,
            remediation=remediation,
            references=dict(references or {}),
            example=textwrap.dedent(example).strip("\n"),
            source_url=f"docs/rules.md#{id.lower()}",
            notice=notice,
        )
        return check

    return register


def orphan_check(id: str) -> Callable[[OrphanCheck], OrphanCheck]:
    """Register ``check`` as what the rule ``id`` (registered above it, in its own module)
    checks on the permissions and URLs of a template that name no function of the scan."""

    def register(check: OrphanCheck) -> OrphanCheck:
        if id not in _REGISTRY:
            raise ValueError(f"rule {id} must be registered before its orphan check")
        _REGISTRY[id] = replace(_REGISTRY[id], orphan_check=check)
        return check

    return register


def registry() -> dict[str, Rule]:
    return _REGISTRY
