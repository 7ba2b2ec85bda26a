"""The registry of fixes: one function per rule, registered like the rules are.

``@fix("GR-OBS-01", kind="safe")`` puts a function in the registry; the Aspect runs the
registered fixes in catalog order, except that a fix runs after the fixes it names in
``after=`` (the log group is in place before the fixes that raise its retention, key it or
scope permissions to it). Which
fixes are safe and which opt-in is each fix's ``kind``, and ``check_against_rules`` holds it to
the ``remediation`` of its rule in the catalog: the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from guardrails.rules import catalog_order

#: what a fix may be: applied by ``fixes="safe"``, or only when asked for
KINDS = ("safe", "opt-in")
#: what a fix rewrites: a function (and what it needs), or a permission
TARGETS = ("function", "permission")

_FIXES: dict[str, Fix] = {}
#: ``registered()``'s order, computed once
_ORDER: list[Fix] = []


@dataclass(frozen=True)
class Fix:
    """One rule's automatic fix."""

    rule: str
    kind: str
    apply: Callable[[Any], None]
    target: str = "function"
    #: the fixes that must run before this one when both are selected
    after: tuple[str, ...] = ()


def fix(
    rule: str, *, kind: str, target: str = "function", after: tuple[str, ...] = ()
) -> Callable[[Any], Any]:
    """Register ``apply`` as the fix of ``rule`` (run after the fixes of ``after``)."""
    if kind not in KINDS or target not in TARGETS:
        raise ValueError(f"fix {rule}: kind must be one of {KINDS}, target one of {TARGETS}")

    def register(apply: Callable[[Any], None]) -> Callable[[Any], None]:
        if rule in _FIXES:
            raise ValueError(f"fix {rule} is registered twice")
        _FIXES[rule] = Fix(rule, kind, apply, target, tuple(after))
        _ORDER.clear()
        return apply

    return register


def registered() -> tuple[Fix, ...]:
    """Every fix, in the order the Aspect applies them: the catalog's, each fix after those
    it names in ``after``."""
    if not _ORDER:
        placed: dict[str, Fix] = {}

        def place(f: Fix, seen: tuple[str, ...]) -> None:
            if f.rule in placed:
                return
            if f.rule in seen:
                raise ValueError(f"fixes run after one another in a loop: {seen}")
            for rule in f.after:
                if rule in _FIXES:
                    place(_FIXES[rule], (*seen, f.rule))
            placed[f.rule] = f

        for f in sorted(_FIXES.values(), key=lambda f: catalog_order(f.rule)):
            place(f, ())
        _ORDER.extend(placed.values())
    return tuple(_ORDER)


def ids(kind: str | None = None) -> tuple[str, ...]:
    """The rule ids with a fix (of ``kind``), in the order they are applied."""
    return tuple(f.rule for f in registered() if kind is None or f.kind == kind)


def selected(fixes: str | Iterable[str]) -> frozenset[str]:
    """The rule ids a ``fixes=`` argument selects: ``"safe"``, ``"all"`` or a list of ids."""
    if fixes == "safe":
        return frozenset(ids("safe"))
    if fixes == "all":
        return frozenset(ids())
    if isinstance(fixes, str):
        raise ValueError(f"fixes: expected 'safe', 'all' or a list of rule ids, got {fixes!r}")
    chosen = frozenset(f.upper() for f in fixes)
    unknown = sorted(f for f in chosen if f not in _FIXES)
    if unknown:
        raise ValueError(
            f"fixes: no automatic fix for {', '.join(unknown)}; fixable: {', '.join(ids())}"
        )
    return chosen


def check_against_rules(remediation: dict[str, str]) -> list[str]:
    """Where the registry and the catalog disagree (rule id -> the rule's ``remediation``):
    a fix of a kind its rule does not say, or a rule that says it is fixable without a fix."""
    problems = []
    for f in _FIXES.values():
        said = remediation.get(f.rule)
        if said != f.kind:
            problems.append(f"{f.rule}: the fix is {f.kind}, the rule says {said!r}")
    for rule, said in remediation.items():
        if said in KINDS and rule not in _FIXES:
            problems.append(f"{rule}: the rule says {said}, but no fix is registered")
    return problems
