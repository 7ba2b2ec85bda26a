"""Runs the rules over every function and turns their violations into findings.

The engine owns everything a rule should not know about: severity overrides, framework-owned
functions, exemptions (and their expiry), CDK acknowledgements read from the assembly, merging
one problem seen from several functions into one finding, deterministic order, and isolation of
a rule that fails on some resource (reported as an error; the other rules still run).

An exemption's ``resource`` names a construct path glob or a logical id. A path survives moving
a stack into a ``Stage``: it matches with or without the stage prefixes (``Orders/Fn/*`` selects
``Prod/Orders/Fn/Resource``), and as the stack's CloudFormation name plus the path in the stack
(``Prod-Orders/Fn/*``). An exemption that selects no finding of the whole scan is a notice: it
was written for something that has moved or gone, and would otherwise hide nothing, silently.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from guardrails.baseline import load_baseline
from guardrails.errors import describe
from guardrails.model import graph
from guardrails.model.assembly import Assembly
from guardrails.model.files import collector_paused
from guardrails.model.function import LambdaFunction, Orphans
from guardrails.policy import SEVERITY_RANK, Exemption, Policy
from guardrails.rules import Rule, RuleContext, Violation, all_rules
from guardrails.rules import get as get_rule
from guardrails.rules.credentials import mask_credentials
from guardrails.version import __version__

ACK_PREFIX = "lambda-guardrails::"
STATUSES = ("open", "acknowledged", "exempted", "baseline", "remediated")


@dataclass(frozen=True, slots=True)  # a large scan holds tens of thousands
class Finding:
    """One problem at one place, with the functions it affects. The JSON contract's record."""

    rule_id: str
    severity: str
    title: str
    message: str
    fix: str
    stack: str
    logical_id: str
    construct_path: str | None
    functions: tuple[str, ...]
    location: str
    owner: str = "user"
    status: str = "open"
    reason: str | None = None
    template_path: str = ""
    #: ``Violation.key``: tells apart findings of one rule at one location (not in the JSON)
    key: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "fix": self.fix,
            "stack": self.stack,
            "logical_id": self.logical_id,
            "construct_path": self.construct_path,
            "functions": list(self.functions),
            "location": self.location,
            "owner": self.owner,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    functions: int
    policy: Policy
    errors: tuple[str, ...] = ()
    #: what a reader should know that is not a finding (expired exemptions, ...)
    notices: tuple[str, ...] = ()
    #: function logical id per stack -> owner, for grouping in the text report
    function_owners: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: function logical id per stack -> its construct path, for headers in the text report
    function_paths: Mapping[tuple[str, str], str | None] = field(default_factory=dict)
    #: accept a scan with errors (``--allow-incomplete``): the verdict then rests on the
    #: findings alone. Off by default: what could not be checked is never passed.
    allow_incomplete: bool = False

    @property
    def open(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "open")

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Open findings at or above the policy's ``fail_on``."""
        return tuple(f for f in self.open if self.policy.fails(f.severity))

    @property
    def incomplete(self) -> bool:
        """Something could not be checked (a template, a function, an asset, a rule)."""
        return bool(self.errors)

    @property
    def blocked_by_errors(self) -> bool:
        """The errors alone fail the run: a gate never passes what it could not read."""
        return self.incomplete and not self.allow_incomplete

    @property
    def verdict(self) -> str:
        """``FAILED`` or ``PASSED``; a scan with errors is ``FAILED`` unless they are allowed."""
        return "FAILED" if self.failing or self.blocked_by_errors else "PASSED"

    @property
    def exit_code(self) -> int:
        """2 when errors block the run (the input could not be read in full), 1 when an open
        finding is at or above ``fail_on``, else 0."""
        if self.blocked_by_errors:
            return 2
        return 1 if self.failing else 0

    def summary(self) -> dict[str, object]:
        by_severity: dict[str, int] = {}
        for f in self.open:
            by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
        ordered = dict(sorted(by_severity.items(), key=lambda kv: -SEVERITY_RANK[kv[0]]))
        return {"functions": self.functions, "open": len(self.open), "by_severity": ordered}

    def to_json(self) -> dict[str, object]:
        return {
            "tool": {"name": "lambda-guardrails", "version": __version__},
            "findings": [f.to_json() for f in self.findings],
            "summary": self.summary(),
            "errors": list(self.errors),
        }


def scan(
    assembly: Assembly,
    policy: Policy | None = None,
    *,
    today: dt.date | None = None,
    rules: Iterable[Rule] | None = None,
) -> Report:
    """Check every function of ``assembly`` against ``policy``."""
    with collector_paused():
        return _scan(assembly, policy, today, rules)


def _scan(
    assembly: Assembly, policy: Policy | None, today: dt.date | None, rules: Iterable[Rule] | None
) -> Report:
    policy = policy or Policy()
    today = today or dt.date.today()
    selected = list(rules) if rules is not None else all_rules()
    # a typo in a rule id would switch off or exempt nothing, silently: it stops the scan
    policy.check_rule_ids({r.id for r in all_rules()} | {r.id for r in selected})
    context = RuleContext(policy=policy, today=today)
    errors: list[str] = []
    built = graph.build(assembly, errors)
    functions = built.functions
    owners = {(fn.stack, fn.logical_id): fn.owner for fn in functions}
    paths = {(fn.stack, fn.logical_id): fn.site.construct_path for fn in functions}
    notices: list[str] = []
    statuses = _Statuses(assembly, policy, today, notices)  # reads the baseline first
    run = _Run(context, notices, [rule for rule in selected if policy.rule_enabled(rule.id)])
    run.run(built)
    findings = []
    for merged in run.gathered():
        fns = merged.sorted_subjects()
        findings.append(statuses.of(_finding(merged, fns, owners, policy), fns, paths))
    notices.extend(_unmatched_exemptions(policy, statuses.matched))
    errors.extend(run.errors())
    findings.extend(_remediated(assembly, functions, owners, policy))
    findings.sort(key=_order)
    return Report(
        findings=tuple(findings),
        functions=len(functions),
        policy=policy,
        errors=tuple(dict.fromkeys(errors)),
        notices=tuple(dict.fromkeys(notices)),
        function_owners=owners,
        function_paths=paths,
    )


class _Merged:
    """One finding being gathered: the rule, the first violation seen at its site, and the
    functions it was seen from. A role shared by a thousand functions is seen a thousand
    times: the functions are a set, not a list searched each time (and most findings are seen
    from one function: no set for them)."""

    __slots__ = ("first", "others", "rule", "violation")

    def __init__(self, rule: Rule, violation: Violation) -> None:
        self.rule = rule
        self.violation = violation
        # functions are (stack, logical id) here: a role of one stack runs functions of others
        self.first: tuple[str, str] | None = None
        self.others: set[tuple[str, str]] | None = None

    def add(self, subject: tuple[str, str]) -> None:
        if self.first is None:
            self.first = subject
        elif subject != self.first:
            if self.others is None:
                self.others = set()
            self.others.add(subject)

    def sorted_subjects(self) -> list[tuple[str, str]]:
        """By logical id, then stack: the order findings list their functions in."""
        if self.first is None:
            return []
        if self.others is None:
            return [self.first]
        return sorted({self.first, *self.others}, key=lambda f: (f[1], f[0]))


class _RuleRun:
    """What one rule found over the scan, each in the order the rule met it: functions in
    order, then the orphans of each template."""

    __slots__ = ("earlier", "failures", "merged", "rule", "unchecked")

    def __init__(self, rule: Rule, earlier: list[_RuleRun]) -> None:
        self.rule = rule
        #: the runs of the rules given before this one with the same id (``scan(rules=...)``
        #: may repeat an id): a finding or message one of them has is added to there
        self.earlier = earlier
        #: (stack, logical id, location, violation key) -> the finding gathered there
        self.merged: dict[tuple[str, str, str, str], _Merged] = {}
        #: message -> the functions it could not check (one asset serves several)
        self.unchecked: dict[str, list[str]] = {}
        #: the functions (and orphans) it failed on
        self.failures: list[str] = []

    def record(self, violations: list[Violation], subject: tuple[str, str] | None) -> None:
        """Merge violations into the findings at their sites; ``subject``: the function they
        were seen from (None for an orphan permission or URL)."""
        for v in violations:
            site = v.site
            if v.incomplete:  # what the rule could not check: an error, never a pass
                stack, logical_id = subject or (site.stack, site.logical_id)
                owner = next((r for r in self.earlier if v.message in r.unchecked), self)
                owner.unchecked.setdefault(v.message, []).append(f"{stack}/{logical_id}")
                continue
            key = (site.stack, site.logical_id, site.location, v.key)
            merged = self.merged.get(key)
            if merged is None:
                merged = next((r.merged[key] for r in self.earlier if key in r.merged), None)
                if merged is None:
                    merged = self.merged[key] = _Merged(self.rule, v)
            if subject is not None:
                merged.add(subject)


class _Run:
    """Runs the rules and merges their violations: one ``_Merged`` per rule and site.

    Function by function, every rule in turn: what the rules of one function share (its
    role's statements, what they decide about them: see ``values.memoized``) is computed
    once and is still at hand for the next rule, however many functions the template has.
    Each rule keeps what it found apart (``_RuleRun``), so findings, errors and notices come
    out rule by rule in the catalog's order all the same."""

    def __init__(self, context: RuleContext, notices: list[str], rules: list[Rule]) -> None:
        self.context = context
        self.notices = notices
        self.rules: list[_RuleRun] = []
        by_id: dict[str, list[_RuleRun]] = {}
        for rule in rules:
            earlier = by_id.setdefault(rule.id, [])
            self.rules.append(_RuleRun(rule, list(earlier)))
            earlier.append(self.rules[-1])

    def run(self, built: graph.AssemblyGraph) -> None:
        for of_rule in self.rules:
            rule = of_rule.rule
            if rule.notice is not None:  # once per scan; a PolicyError stops the scan (exit 2)
                notice = rule.notice(self.context)
                if notice:
                    self.notices.append(notice)
        if any(of_rule.earlier for of_rule in self.rules):
            # an id given twice: its second rule adds to what the first found everywhere, so
            # each rule runs over every function and orphan before the next one
            for of_rule in self.rules:
                self._functions([of_rule], built.functions)
                self._orphans(of_rule, built.orphans)
            return
        self._functions(self.rules, built.functions)
        for of_rule in self.rules:
            self._orphans(of_rule, built.orphans)

    def _functions(self, rules: list[_RuleRun], functions: list[LambdaFunction]) -> None:
        context = self.context
        checks = [(of_rule, of_rule.rule.check) for of_rule in rules]
        for fn in functions:
            subject = (fn.stack, fn.logical_id)
            for of_rule, check in checks:
                try:
                    violations = list(check(fn, context))
                except Exception as exc:  # a broken rule must not hide the others' findings
                    of_rule.failures.append(_rule_error(of_rule.rule, fn, exc))
                    continue
                if violations:
                    of_rule.record(violations, subject)

    def _orphans(self, of_rule: _RuleRun, orphans: list[Orphans]) -> None:
        """The rule's check of the permissions and URLs of each template that name no
        function of the scan."""
        check = of_rule.rule.orphan_check
        if check is None:
            return
        for of_template in orphans:
            try:
                violations = list(check(of_template, self.context))
            except Exception as exc:
                of_rule.failures.append(
                    f"rule {of_rule.rule.id} failed on the permissions and function URLs of "
                    f"{of_template.stack} that name no function of the scan: {describe(exc)}; "
                    "the other rules still ran"
                )
                continue
            of_rule.record(violations, None)

    def errors(self) -> list[str]:
        """The rules that failed, then what they could not fully check, rule by rule."""
        out = [failure for of_rule in self.rules for failure in of_rule.failures]
        for of_rule in self.rules:
            for message, where in of_rule.unchecked.items():
                also = f" (and {len(where) - 1} more)" if len(where) > 1 else ""
                out.append(f"{of_rule.rule.id} could not fully check {where[0]}{also}: {message}")
        return out

    def gathered(self) -> Iterator[_Merged]:
        """Each finding gathered, rule by rule, dropped from the run once handed out (a large
        scan does not hold it and its finding at once)."""
        for of_rule in self.rules:
            for key in list(of_rule.merged):
                yield of_rule.merged.pop(key)


def _finding(
    merged: _Merged,
    fns: list[tuple[str, str]],
    owners: Mapping[tuple[str, str], str],
    policy: Policy,
) -> Finding:
    """The open finding of the violations gathered at one site, seen from ``fns``."""
    rule, v = merged.rule, merged.violation
    # a permission or URL of no function of the scan (orphan) belongs to the user
    framework = bool(fns) and all(owners.get(f) == "framework" for f in fns)
    owner = "framework" if framework else "user"
    where = v.site
    return Finding(
        rule_id=rule.id,
        severity=_severity(rule, v.severity, owner, policy),
        title=rule.title,
        message=v.message,
        fix=rule.fix,
        stack=where.stack,
        logical_id=where.logical_id,
        construct_path=where.construct_path,
        functions=tuple(logical_id for _, logical_id in fns),
        location=where.location,
        owner=owner,
        template_path=where.template_path,
        key=v.key,
    )


def baseline_key(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.rule_id, finding.stack, finding.logical_id, finding.location)


def _remediated(
    assembly: Assembly,
    functions: list[LambdaFunction],
    owners: Mapping[tuple[str, str], str],
    policy: Policy,
) -> list[Finding]:
    """The hardening Aspect's change log, read back from the assembly, as findings with status
    ``remediated``: what was wrong, and what the Aspect set instead. Their severity is the one
    an open finding of the rule would have (the policy's overrides, framework owners)."""
    if not assembly.remediations:
        return []
    by_path: dict[str, tuple[str, str, str]] = {}
    for stack_template in assembly.stacks:
        for resource in stack_template.resources.values():
            if resource.construct_path:
                by_path[resource.construct_path] = (
                    stack_template.name,
                    resource.logical_id,
                    stack_template.template_path,
                )
    out = []
    concerned = _Concerned(functions)
    for change in assembly.remediations:
        rule = get_rule(str(change.get("rule", "")))
        path = str(change.get("construct_path", ""))
        stack, logical_id, template = by_path.get(path, (str(change.get("stack", "")), path, ""))
        prop = str(change.get("property", ""))
        affected = concerned.by(stack, logical_id, path)
        owner = (
            "framework"
            if affected and all(owners.get((stack, f)) == "framework" for f in affected)
            else "user"
        )
        out.append(
            Finding(
                rule_id=rule.id if rule else str(change.get("rule")),
                severity=_severity(rule, None, owner, policy) if rule else "info",
                title=rule.title if rule else "",
                message=(
                    f"Remediated at synth: {prop} was {_shown(change.get('before'))}; "
                    f"now {_shown(change.get('after'))}."
                ),
                fix=rule.fix if rule else "",
                stack=stack,
                logical_id=logical_id,
                construct_path=path,
                functions=tuple(affected),
                location="Properties/" + prop.replace(".", "/"),
                owner=owner,
                status="remediated",
                template_path=template,
            )
        )
    return out


class _Concerned:
    """The functions a change of the hardening Aspect concerns (``_remediated``): of the
    change's stack, those whose related resources (``_related_ids``) include the changed one
    or whose construct holds it. Indexed once: the Aspect records a change per function and
    fix, and comparing each with every function grew with the square of the functions."""

    def __init__(self, functions: list[LambdaFunction]) -> None:
        self.by_id: dict[tuple[str, str], list[LambdaFunction]] = {}
        self.by_construct: dict[tuple[str, str], list[LambdaFunction]] = {}
        for fn in functions:
            for related in _related_ids(fn):
                self.by_id.setdefault((fn.stack, related), []).append(fn)
            self.by_construct.setdefault((fn.stack, _construct_of(fn)), []).append(fn)

    def by(self, stack: str, logical_id: str, path: str) -> list[str]:
        """The logical ids, sorted, of the functions a change at ``path`` concerns."""
        found = {id(fn): fn for fn in self.by_id.get((stack, logical_id), ())}
        # the constructs the path is below: its prefixes that end where a "/" follows
        for end, char in enumerate(path):
            if char == "/":
                found.update((id(fn), fn) for fn in self.by_construct.get((stack, path[:end]), ()))
        return sorted(fn.logical_id for fn in found.values())


def _related_ids(fn: LambdaFunction) -> set[str]:
    """The resources a fix of the function may change: the function, its role, its log
    groups and its permissions (a change to a role counts for every function using it)."""
    ids = {fn.logical_id}
    if fn.role is not None:
        ids.add(fn.role.site.logical_id)
    ids.update(g.site.logical_id for g in fn.log_groups)
    ids.update(p.site.logical_id for p in fn.permissions)
    return ids


def _shown(value: object) -> str:
    """A value of the change log as a message shows it: read from the assembly's metadata, it
    goes through the credential screen like every text the engine did not write itself."""
    text = value if isinstance(value, str) else str(value)
    return _masked(text[:500] + ("..." if len(text) > 500 else ""))


@functools.lru_cache(maxsize=4096)
def _masked(text: str) -> str:
    # the change log repeats its values ("(not set)", "Active", "JSON", a managed policy's
    # name) once per function: each distinct text is screened once
    return mask_credentials(text)


def _construct_of(fn: LambdaFunction) -> str:
    """The construct a function belongs to: the L2 ``Function`` (``.../Fn`` of
    ``.../Fn/Resource``), or the raw ``CfnFunction`` itself."""
    path = fn.site.construct_path or ""
    return path[: -len("/Resource")] if path.endswith("/Resource") else path


def _severity(rule: Rule, case_severity: str | None, owner: str, policy: Policy) -> str:
    severity = policy.rule_severity(rule.id, case_severity or rule.severity)
    if owner == "framework" and policy.framework.severity and rule.id in policy.framework.rules:
        return policy.framework.severity
    return severity


class _Statuses:
    """Gives each finding its status: acknowledged in the app, exempted by the policy, in the
    baseline, or open. What every finding is compared against is prepared once per scan: the
    exemptions by rule, the stack names, the baseline."""

    def __init__(
        self, assembly: Assembly, policy: Policy, today: dt.date, notices: list[str]
    ) -> None:
        self.acks = assembly.acknowledgements
        #: the acknowledgement keys the app uses anywhere: a rule with none needs no lookup
        self.ack_keys = {key for reasons in self.acks.values() for key in reasons}
        self.policy = policy
        self.today = today
        self.notices = notices
        self.baseline = load_baseline(policy.baseline) if policy.baseline else frozenset()
        #: indexes of ``policy.exemptions`` that selected a finding
        self.matched: set[int] = set()
        #: rule id -> its exemptions, with their index in the policy
        self.exemptions: dict[str, list[tuple[int, Exemption]]] = {}
        for i, e in enumerate(policy.exemptions):
            self.exemptions.setdefault(e.rule, []).append((i, e))
        # shortest first: the first name a path starts with is its top-level stack, not a
        # nested one
        self.stacks = sorted({stack.name for stack in assembly.stacks}, key=len)

    def of(
        self,
        finding: Finding,
        fns: list[tuple[str, str]],
        paths: Mapping[tuple[str, str], str | None],
    ) -> Finding:
        """``finding`` (open) with its status. Adds to ``matched`` the index of every
        exemption that selects the finding, even when an acknowledgement wins over it: that
        exemption is not stale. ``fns``: the (stack, logical id) of the functions it affects,
        whose construct paths are in ``paths``."""
        candidates = self.exemptions.get(finding.rule_id)
        selecting: list[tuple[int, Exemption]] = []
        if candidates:
            affected = [(logical_id, paths.get((stack, logical_id))) for stack, logical_id in fns]
            subjects = [(finding.logical_id, finding.construct_path), *affected]
            selecting = [(i, e) for i, e in candidates if _selects(e, subjects, self.stacks)]
            self.matched.update(index for index, _ in selecting)
        reason = (
            acknowledgement(self.acks, finding.rule_id, finding.construct_path)
            if ACK_PREFIX + finding.rule_id in self.ack_keys
            else None
        )
        if reason is not None:
            return replace(finding, status="acknowledged", reason=mask_credentials(reason))
        for _, exemption in selecting:
            if exemption.expires is not None and exemption.expires < self.today:
                self.notices.append(
                    f"{_exemptions_source(self.policy)}: exemption of {exemption.rule} for "
                    f"'{exemption.resource}' expired on {exemption.expires.isoformat()}; "
                    "it no longer applies"
                )
                finding = replace(
                    finding,
                    reason=(
                        f"exemption expired on {exemption.expires.isoformat()}: "
                        f"{mask_credentials(exemption.reason)}"
                    ),
                )
                continue
            return replace(finding, status="exempted", reason=mask_credentials(exemption.reason))
        if self.baseline and baseline_key(finding) in self.baseline:
            return replace(finding, status="baseline", reason=finding.reason or "in the baseline")
        return finding


def acknowledgement(
    acks: Mapping[str, Mapping[str, str]], rule_id: str, construct_path: str | None
) -> str | None:
    """The reason of the closest ``lambda-guardrails::<rule>`` acknowledgement on the path or an
    ancestor (the same lookup CDK itself does for validation plugins)."""
    if not construct_path or not acks:
        return None
    key = ACK_PREFIX + rule_id
    path = construct_path.lstrip("/")
    while path:
        reason = acks.get(path, {}).get(key)
        if reason is not None:
            return reason
        path = path.rpartition("/")[0]
    return None


def _selects(
    exemption: Exemption, subjects: list[tuple[str, str | None]], stacks: Sequence[str] = ()
) -> bool:
    """Whether ``exemption.resource`` is the logical id of a subject, or a glob that matches
    (itself or as a folder, ``Legacy`` = ``Legacy/*``) one of the names of its construct path
    (``_path_names``)."""
    pattern = exemption.resource
    folder = pattern.rstrip("/") + "/*"
    for logical_id, path in subjects:
        if pattern == logical_id:
            return True
        if path and any(
            fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name, folder)
            for name in _path_names(path, stacks)
        ):
            return True
    return False


def _path_names(path: str, stacks: Sequence[str]) -> list[str]:
    """The names an exemption may give a construct path, so that one written before a stack
    moved into a ``Stage`` still selects it: the path; the path without the stage prefixes
    around its stack, outermost first (``Outer/Prod/Orders/Fn`` is also ``Prod/Orders/Fn`` and
    ``Orders/Fn``); and the stack's CloudFormation name plus the path in the stack
    (``Outer-Prod-Orders/Fn``).

    The stack is the assembly's stack whose name (the stack's construct path, ``Prod/Orders``
    for a stack in ``Stage("Prod")``) the path starts with; its name's first segments are the
    stages. The CloudFormation name is the one CDK gives a stack in a stage (its stage name
    and id joined by ``-``); a ``stack_name`` set in code is not in the templates read."""
    path = path.lstrip("/")
    names = [path]
    stack = next((s for s in stacks if path.startswith(s + "/")), None)
    if stack is None or "/" not in stack:
        return names
    segments = path.split("/")
    stages = stack.count("/")
    names.extend("/".join(segments[i:]) for i in range(1, stages + 1))
    names.append(stack.replace("/", "-") + path[len(stack) :])
    return names


def _exemptions_source(policy: Policy) -> str:
    """The file (or context key) the policy's exemptions were written in: the one to edit."""
    return policy.key_sources.get("exemptions", policy.source)


def _unmatched_exemptions(policy: Policy, matched: set[int]) -> list[str]:
    """A notice per exemption that selected no finding of the scan, by its index in the file
    (``exemptions[2]``) and what it names, without its reason (free text, may say anything)."""
    source = _exemptions_source(policy)
    return [
        f"{source}: exemptions[{i}] ({exemption.rule} for '{exemption.resource}') matches no "
        "finding of this scan; correct its resource (a construct path glob, with or without "
        "the stage prefix, a logical id, or the stack name plus path) or remove it"
        for i, exemption in enumerate(policy.exemptions)
        if i not in matched
    ]


def _order(f: Finding) -> tuple[object, ...]:
    return (-SEVERITY_RANK[f.severity], f.rule_id, f.stack, f.logical_id, f.location, f.key)


def _rule_error(rule: Rule, fn: LambdaFunction, exc: Exception) -> str:
    """Where the rule broke, without the exception's text (it could carry a value)."""
    return (
        f"rule {rule.id} failed on {fn.stack}/{fn.logical_id}: {describe(exc)}; "
        "the other rules still ran"
    )
