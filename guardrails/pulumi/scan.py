"""The engine over a Pulumi stack: its resources translated (``translate``), scanned as one
template, and each finding taken back to the Pulumi resource it is about.

Pure Python (no ``pulumi`` import): the policy pack and the CLI share it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from guardrails import engine
from guardrails.engine import Finding, Report
from guardrails.model.assembly import Assembly, stack_from_document
from guardrails.policy import Policy
from guardrails.pulumi.fixes import fix_of
from guardrails.pulumi.resources import PulumiResource
from guardrails.pulumi.translate import Translation, translate
from guardrails.rules.credentials import mask

#: what a Pulumi secret is shown as in a message (not even its first characters)
SECRET_SHOWN = "(a Pulumi secret)"


@dataclass(frozen=True)
class PulumiScan:
    """The engine's report on a Pulumi stack (no Pulumi secret in any message, not even
    masked; each fix in Pulumi's words: ``fixes``), and the way back to its resources."""

    report: Report
    translation: Translation

    def urn(self, finding: Finding) -> str | None:
        """The URN of the resource the finding is about."""
        return self.translation.urn_of(finding.logical_id, finding.location)


def scan_resources(
    resources: Iterable[PulumiResource],
    policy: Policy | None = None,
    *,
    stack: str = "pulumi",
    source: Path | None = None,
    today: dt.date | None = None,
) -> PulumiScan:
    """Scan a Pulumi stack's resources with the engine (``stack``: the name its findings
    carry; ``source``: the document they were read from, if any)."""
    translation = translate(resources)
    template = stack_from_document(translation.template, stack, paths=translation.urns)
    if source is not None:
        template = dataclasses.replace(template, template_path=str(source.resolve()))
    report = engine.scan(Assembly(stacks=(template,)), policy, today=today)
    findings = tuple(
        dataclasses.replace(
            f, message=conceal(f.message, translation.secrets), fix=fix_of(f.rule_id)
        )
        for f in report.findings
    )
    return PulumiScan(dataclasses.replace(report, findings=findings), translation)


def conceal(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every Pulumi secret, masked (as the rules show credentials) or whole,
    replaced by ``SECRET_SHOWN``."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) < 4:
            continue  # a secret of a few characters would hide words, and protects nothing
        text = text.replace(mask(secret), SECRET_SHOWN).replace(secret, SECRET_SHOWN)
    return text
