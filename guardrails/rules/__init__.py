"""The rule catalog: one module per concern, each rule a small pure function.

Nothing here imports ``aws_cdk``: rules read the model only.
"""

from __future__ import annotations

from guardrails.rules import (  # noqa: F401 - importing a concern module registers its rules
    code_permissions,
    dependencies,
    input_validation,
    least_privilege,
    limits,
    network,
    observability,
    secrets,
)
from guardrails.rules.base import Rule, RuleContext, Violation, registry


def all_rules() -> list[Rule]:
    """Every rule, in catalog order."""
    return sorted(registry().values(), key=lambda r: catalog_order(r.id))


def get(rule_id: str) -> Rule | None:
    return registry().get(rule_id.upper())


_CONCERN_ORDER = ["IAM", "SEC", "INP", "OBS", "DEP", "NET", "CFG"]


def catalog_order(rule_id: str) -> tuple[int, int]:
    """Where a rule id sorts in the catalog: by concern (``GR-IAM`` first), then number."""
    _, concern, number = rule_id.split("-")
    return _CONCERN_ORDER.index(concern), int(number)


__all__ = ["Rule", "RuleContext", "Violation", "all_rules", "catalog_order", "get"]
