"""The hardening Aspect's fixes, one function per rule, in modules by concern.

Importing this package registers them; ``registry`` orders them (catalog order, each fix after
those it names in ``after=``) and has the lookup functions.
"""

from __future__ import annotations

from guardrails.cdk.fixes import (  # noqa: F401 (imported to register their fixes)
    dependencies,
    least_privilege,
    limits,
    network,
    observability,
    secrets,
)
from guardrails.cdk.fixes.registry import Fix, check_against_rules, ids, registered, selected

__all__ = ["Fix", "check_against_rules", "ids", "registered", "selected"]
