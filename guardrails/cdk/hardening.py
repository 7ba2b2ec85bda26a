"""The hardening Aspect: rewrites Lambda definitions at synth time, before the checks run.

``LambdaHardening`` applies the registered fixes (``guardrails.cdk.fixes``: the catalog's
``safe`` ones, and ``opt-in`` ones only when asked) to every ``AWS::Lambda::Function`` (L2
``Function`` or raw ``CfnFunction``) and ``AWS::Lambda::Permission``, on L1 properties. Every
rewrite is recorded: in its stack's metadata (``lambda-guardrails:remediation``, one JSON list
per stack and pass, each record naming its construct, which the CLI and the plugin read back
from the assembly and report as ``remediated``) and in
``cdk.out/lambda-guardrails-remediations.json``. It is idempotent: a function that already
complies is untouched, and running it twice changes nothing more.

**Cost.** A jsii call is a round trip to Node.js, and CDK calls an Aspect's ``visit`` once per
construct (about 0.3 ms each, six or more constructs per function). So the Aspect does all its
work at the first construct it visits, the root of its scope (an ``App``, a ``Stage`` or a
``Stack``): it reads each stack once (``fixes.state``) and writes only what it changes; later
visits return at once. ``guardrails.protect(app, remediate=...)`` attaches it to one construct
of its own per stage (``HardeningScope``), so CDK calls it exactly once per stage.

Property values are read with one ``stack.resolve`` per stack; no secret value is ever
recorded (environment values are named, never shown). A value set with a property override
is invisible there: the Aspect's own overrides are recognised from its records (so a second
instance does not repeat them), other code's (``iam.PermissionsBoundary.of(scope).apply`` uses
one) are not seen, and win over what the Aspect sets.

A fix that cannot apply cleanly (a value it cannot write, a stack that would pass
CloudFormation's 500 resources) is skipped: a warning on the function says why, the change log
lists it as not applied, and the rule's finding stays open. It never fails the synth.

Only ``CfnFunction``s are rewritten: framework functions that CDK emits as plain
``CfnResource``s (the log-retention and S3-notifications singletons) are left alone even with
``framework.remediate``.

The log fix keeps the logs where they are by default (``log_group_name="function"``): the group
it creates for a function without one is named ``/aws/lambda/<function name>``, where Lambda
already writes, so metric filters, subscriptions and saved queries on that name keep working.
On a function that is already deployed that group already exists (Lambda created it): it has to
be imported (``cdk import``) or deleted before the deployment, or CloudFormation fails with
"already exists"; every record of such a group says so, and docs/adopting.md shows how.
``log_group_name="new"`` creates a group with a generated name instead and points
``LoggingConfig.LogGroup`` at it (nothing to import, but the logs move).
"""

from __future__ import annotations

import contextlib
import json
import os
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from guardrails.cdk import fixes
from guardrails.cdk.building_blocks import STACK_KEY_ID, stack_key
from guardrails.cdk.fixes.context import (
    LOG_GROUP_ELSEWHERE_ID,
    FunctionFix,
    NotApplied,
    PermissionFix,
    write_role_policy,
)
from guardrails.cdk.fixes.registry import selected as selected_fixes
from guardrails.cdk.fixes.state import L1, FunctionL1, StackState, read_stack, stacks_of
from guardrails.model.assembly import REMEDIATION_METADATA
from guardrails.model.files import collector_paused
from guardrails.model.framework import is_framework_function
from guardrails.policy import Policy

REPORT_FILE = "lambda-guardrails-remediations.json"
#: the catalog's fixes, by kind (from the registry: each fix says its kind, checked against
#: its rule's ``remediation`` by the tests)
SAFE_FIXES = fixes.ids("safe")
OPT_IN_FIXES = fixes.ids("opt-in")
#: how the log fix names the log group it creates (``LambdaHardening(log_group_name=...)``)
LOG_GROUP_NAMES = ("function", "new")
#: CloudFormation accepts this many resources per stack: the Aspect adds none beyond it ...
STACK_RESOURCE_LIMIT = 500
#: ... and a stack that the log groups the Aspect adds take past this many gets a warning
STACK_RESOURCE_WARNING = 400
#: the id of that warning (``Annotations``: it can be acknowledged)
STACK_RESOURCE_WARNING_ID = "lambda-guardrails:stack-resources"
#: the id of the warning on a function a fix could not be applied to
NOT_APPLIED_ID = "lambda-guardrails:not-applied"
#: construct id of the construct ``protect`` attaches the Aspect to, in each stage
SCOPE_ID = "LambdaGuardrailsHardening"
#: app -> every change the hardening instances visiting it recorded, one JSON object a line
_CHANGE_LOGS: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
#: app -> the fixes the hardening instances could not apply, one JSON object a key (in order)
_SKIPPED: weakref.WeakKeyDictionary[Any, dict[str, None]] = weakref.WeakKeyDictionary()
#: app -> (construct path, rule, property) -> the record of that rewrite, for every instance
_RECORDS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, str], dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
#: app -> the paths of the constructs the hardening instances created in it
_CREATED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()

__all__ = [
    "LOG_GROUP_ELSEWHERE_ID",
    "OPT_IN_FIXES",
    "REPORT_FILE",
    "SAFE_FIXES",
    "STACK_KEY_ID",
    "HardeningScope",
    "LambdaHardening",
    "Remediation",
]


@dataclass(frozen=True)
class Remediation:
    """One rewrite: which rule, where, which property, and its value before and after (never a
    secret value: environment values are described, not shown). ``applied`` is False for a fix
    that was skipped (``after`` says why)."""

    rule: str
    construct_path: str
    property: str
    before: str
    after: str
    applied: bool = True


class HardeningScope(Construct):
    """The construct ``protect`` attaches the hardening Aspect to, one per stage: CDK then
    visits the Aspect once, and the Aspect hardens the whole stage from there. It adds nothing
    to any template."""


@jsii.implements(cdk.IAspect)
class LambdaHardening:
    """Applies the catalog's fixes to every Lambda function in scope at synth time.

    :param policy: the ``Policy`` (or mapping, or policy file) whose values the fixes use:
        ``min_log_retention_days``, ``kms_key_arn``, ``permissions_boundary``,
        ``code_signing_config_arn``, ``approved_vpc``, ``default_reserved_concurrency``.
        :default: the catalog's defaults
    :param fixes: ``"safe"`` (the catalog's safe fixes, each only when the policy gives what it
        needs), ``"all"`` (safe and opt-in), or a list of rule ids.
        :default: ``"safe"``
    :param log_group_name: how the log fix (GR-OBS-02, and GR-IAM-14 when the role needs a
        group to be scoped to) names the log group it creates for a function without one:
        ``"function"``: ``/aws/lambda/<function name>``, where Lambda already writes, and
        ``LoggingConfig.LogGroup`` stays unset (the logs stay where they are; on a function
        that is already deployed that group exists: import it with ``cdk import`` or delete it
        first, or CloudFormation fails with "already exists"); ``"new"``: a generated name,
        with ``LoggingConfig.LogGroup`` pointing at it (nothing to import, but the logs move
        away from ``/aws/lambda/<function name>`` and what reads them there).
        :default: ``"function"``

    ``guardrails.protect(app, policy, remediate="safe")`` adds it where it costs least (one
    visit per stage, every ``Stage`` included). Added by hand, with
    ``Aspects.of(app).add(LambdaHardening(...), priority=AspectPriority.MUTATING)`` (on the
    app and on every ``Stage``: aspects do not cross stage boundaries), it does the same work
    at its first visit, but CDK still calls it for every construct.
    Framework-owned functions are left alone unless the policy's ``framework.remediate`` is on.
    """

    def __init__(
        self,
        policy: Policy | Mapping[str, Any] | str | Path | None = None,
        fixes: str | Iterable[str] = "safe",
        *,
        log_group_name: str = "function",
    ) -> None:
        if log_group_name not in LOG_GROUP_NAMES:
            raise ValueError(
                f"log_group_name: expected 'function' or 'new', got {log_group_name!r}"
            )
        self.policy = Policy.coerce(policy)
        self.fixes = selected_fixes(fixes)
        self.log_group_name = log_group_name
        self._explicit = fixes == "all" or not isinstance(fixes, str)
        self.changes: list[Remediation] = []
        #: the fixes it could not apply (``applied`` False, ``after`` says why)
        self.unapplied: list[Remediation] = []
        #: the stacks and stages this instance hardened (id -> the object, kept alive)
        self._done: dict[int, Any] = {}
        self._states: dict[int, StackState] = {}
        self._stack_keys: dict[int, kms.IKey] = {}
        self._root: Any = None
        #: the stacks this pass changed: their records and role statements are written at its end
        self._touched: dict[int, StackState] = {}
        #: (app, literal log group name -> the stacks and groups of the app with that name)
        self._named_groups: tuple[Any, dict[str, list[tuple[cdk.Stack, str]]]] | None = None

    def fixes_requested_explicitly(self, rule_id: str) -> bool:
        """Opt-in parts of a safe fix (a new KMS key per stack when the policy names none) run
        only with ``fixes="all"`` or when the rule is listed by id."""
        return self._explicit and rule_id in self.fixes

    # -- the aspect --------------------------------------------------------------------------
    @collector_paused()  # a pass makes thousands of short-lived values over a large heap
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, HardeningScope):
            self._harden_scope(node.node.scope)
        elif isinstance(node, (cdk.Stage, cdk.Stack)):
            if id(node) not in self._done:
                self._harden_scope(node)
        elif isinstance(node, (lambda_.CfnFunction, lambda_.CfnPermission)):
            # the Aspect was added below a stack: this construct alone
            stack = cdk.Stack.of(node)
            if id(stack) not in self._done:
                self._harden_one(stack, node)

    def _harden_scope(self, scope: IConstruct | None) -> None:
        """Harden every stack below ``scope`` (not those of nested stages: their own Aspect
        does), reading each once."""
        if scope is None or id(scope) in self._done:
            return
        self._begin(scope)
        for stack, constructs in stacks_of(scope):
            if id(stack) in self._done:
                continue
            self._done[id(stack)] = stack
            state = self._states[id(stack)] = read_stack(stack, constructs)
            self._harden(state, state.functions, state.permissions)
        self._done[id(scope)] = scope
        self._finish()

    def _harden_one(self, stack: cdk.Stack, node: IConstruct) -> None:
        """Harden one function or permission (the Aspect was added to a construct below its
        stack): its stack is read once, the construct found in it by path."""
        self._begin(node)
        state = self._states.get(id(stack))
        if state is None:
            state = self._states[id(stack)] = read_stack(stack, stacks_of(stack)[0][1])
        path = node.node.path
        if isinstance(node, lambda_.CfnFunction):
            self._harden(state, [f for f in state.functions if f.path == path], [])
        else:
            self._harden(state, [], [p for p in state.permissions if p.path == path])
        self._finish()

    def _harden(
        self, state: StackState, functions: list[FunctionL1], permissions: list[L1]
    ) -> None:
        self._touched[id(state)] = state
        for fn in functions:
            if self.skipped(fn):
                continue
            function_fix = FunctionFix(self, state, fn)
            for f in fixes.registered():
                if f.target == "function" and f.rule in self.fixes:
                    self._apply(f, function_fix, fn)
        for permission in permissions:
            permission_fix = PermissionFix(self, state, permission)
            for f in fixes.registered():
                if f.target == "permission" and f.rule in self.fixes:
                    self._apply(f, permission_fix, permission)

    def _apply(self, f: fixes.Fix, target: Any, l1: L1) -> None:
        """Run one fix; one that cannot apply cleanly is recorded as not applied (a token
        where a literal is needed, a shape the L1 refuses, no room in the stack)."""
        try:
            f.apply(target)
        except NotApplied as exc:
            self.not_applied(l1, f.rule, str(exc))
        except Exception as exc:  # a jsii type check, a CDK validation: never a failed synth
            if os.environ.get("GUARDRAILS_DEBUG"):
                raise
            self.not_applied(l1, f.rule, f"the construct refused it ({type(exc).__name__})")

    def skipped(self, fn: FunctionL1) -> bool:
        """Framework-owned functions are left alone unless the policy says otherwise."""
        return is_framework_function("", fn.path) and not self.policy.framework.remediate

    # -- bookkeeping -------------------------------------------------------------------------
    def _begin(self, construct: IConstruct) -> None:
        """The app's change log: the app's first visit writes it empty, so the log of an
        earlier synth into the same directory never survives."""
        root = construct.node.root
        self._root = root
        if root not in _CHANGE_LOGS:
            _CHANGE_LOGS[root] = []
            _SKIPPED[root] = {}
            _RECORDS.setdefault(root, {})
            _CREATED.setdefault(root, set())
            self._write_report(root)

    def _finish(self) -> None:
        """Write what this pass batched: the statements for each role (one inline policy), the
        records (one metadata entry per stack, each record naming its construct), and the
        change log file once."""
        for state in self._touched.values():
            for role_id, statements in state.role_statements.items():
                role = state.roles[role_id]
                try:
                    write_role_policy(role, statements)
                except Exception as exc:  # a role the Aspect cannot write: never a failed synth
                    if os.environ.get("GUARDRAILS_DEBUG"):
                        raise
                    reason = str(exc) if isinstance(exc, NotApplied) else type(exc).__name__
                    self.not_applied(role, "statements", f"the role refused them ({reason})")
            state.role_statements.clear()
            if state.records:
                # one JSON text: a list of mappings would cost jsii a conversion per value
                text = json.dumps(state.records, separators=(",", ":"))
                state.stack.node.add_metadata(REMEDIATION_METADATA, text)
                state.records.clear()
        self._touched.clear()
        if self._root is not None:
            self._write_report(self._root)

    def record(self, target: L1, rule: str, prop: str, before: str, after: str) -> None:
        change = Remediation(rule, target.path, prop, before, after)
        data = asdict(change)
        self.changes.append(change)
        _RECORDS.setdefault(self._root, {})[(target.path, rule, prop)] = data
        state = target.owner
        state.records.append(data)
        self._touched[id(state)] = state
        _CHANGE_LOGS.setdefault(self._root, []).append(json.dumps(data))

    def recorded(self, target: L1, rule: str, prop: str) -> Mapping[str, Any] | None:
        """The record of that rewrite of the construct by any hardening instance of the app:
        how rewrites done with property overrides, which the L1 attributes do not reflect,
        stay idempotent."""
        return _RECORDS.get(self._root, {}).get((target.path, rule, prop))

    def created(self, path: str) -> bool:
        """Whether a hardening instance already created the construct at ``path`` in this app
        (and, if not, note that it is being created now)."""
        paths = _CREATED.setdefault(self._root, set())
        if path in paths:
            return True
        paths.add(path)
        return False

    def not_applied(self, l1: L1, rule: str, reason: str, *, warn: bool = True) -> None:
        """A fix skipped: a warning on the construct (CDK prints it; it can be acknowledged)
        and a line in the change log. Not in the construct's metadata: nothing was remediated,
        and the rule's finding stays open."""
        change = Remediation(rule, l1.path, "-", "(unchanged)", f"not applied: {reason}", False)
        line = json.dumps(asdict(change))
        refused = _SKIPPED.setdefault(self._root, {})
        if line in refused:
            return  # another instance (or pass) refused it already
        refused[line] = None
        self.unapplied.append(change)
        if not warn:
            return  # the caller warns in its own words
        cdk.Annotations.of(l1.construct).add_warning_v2(
            f"{NOT_APPLIED_ID}:{rule}",
            f"lambda-guardrails: the {rule} fix was not applied: {reason}. The finding stays "
            "open: fix it in the code, or acknowledge it.",
        )

    def _write_report(self, root: Any) -> None:
        """Rewrite the change log beside the cloud assembly (our own file, nothing else): one
        change a line."""
        outdir = root.outdir if isinstance(root, cdk.App) else None
        if not outdir:
            return
        text = (
            '{\n  "tool": "lambda-guardrails",\n  "remediations": '
            + _json_lines(_CHANGE_LOGS.get(root, []))
            + ',\n  "not_applied": '
            + _json_lines(list(_SKIPPED.get(root, {})))
            + "\n}\n"
        )
        with contextlib.suppress(OSError):  # the construct metadata still carries every change
            (Path(outdir) / REPORT_FILE).write_text(text, encoding="utf-8")

    def stack_key(self, state: StackState) -> kms.IKey:
        """The stack's one customer-managed key, rotation on (the opt-in fixes' key)."""
        key = self._stack_keys.get(id(state.stack))
        if key is None:
            existing = state.stack.node.try_find_child(STACK_KEY_ID)
            if not isinstance(existing, kms.Key):
                self.room(state, 1)
                self.added(state)
            key = self._stack_keys[id(state.stack)] = stack_key(state.stack, for_logs=True)
        return key

    def room(self, state: StackState, count: int) -> None:
        """Refuse (``NotApplied``) to add ``count`` resources to a stack they would take past
        CloudFormation's limit of resources per stack."""
        total = state.resource_count + state.added + count
        if total > STACK_RESOURCE_LIMIT:
            raise NotApplied(
                f"it adds {count} resource(s) to stack {state.stack.stack_name}, which would "
                f"then have {total}, more than the {STACK_RESOURCE_LIMIT} CloudFormation "
                "accepts; split the stack"
            )

    def added(self, state: StackState, count: int = 1, *, log_group: bool = False) -> None:
        """Count resources the Aspect added to the stack. Once log groups it added take the
        stack past ``STACK_RESOURCE_WARNING`` resources, the stack gets a warning, once."""
        state.added += count
        state.added_log_groups += int(log_group)
        total = state.resource_count + state.added
        if state.added_log_groups and total > STACK_RESOURCE_WARNING and not state.warned:
            state.warned = True
            cdk.Annotations.of(state.stack).add_warning_v2(
                STACK_RESOURCE_WARNING_ID,
                "lambda-guardrails: with the resources the hardening Aspect adds (a log group "
                "for each function without one, and a policy naming it), this stack has more "
                f"than {STACK_RESOURCE_WARNING} resources; CloudFormation accepts at most "
                f"{STACK_RESOURCE_LIMIT} per stack (the Aspect adds none beyond). Split the "
                "stack, or leave GR-OBS-02 and GR-IAM-14 out of its fixes.",
            )

    def log_group_elsewhere(self, state: StackState, name: str) -> str | None:
        """The construct path of a log group named ``name`` (a literal) in another stack of
        the app that can deploy to the same account and region, if any: a second group with
        that name would fail to deploy."""
        stack = state.stack
        root = stack.node.root
        if self._named_groups is None or self._named_groups[0] is not root:
            found: dict[str, list[tuple[cdk.Stack, str]]] = {}
            for c in root.node.find_all():
                if isinstance(c, logs.CfnLogGroup):
                    name_value: Any = c.log_group_name
                elif type(c) is cdk.CfnResource and c.cfn_resource_type == "AWS::Logs::LogGroup":
                    name_value = (c._cfn_properties or {}).get("LogGroupName")  # one we created
                else:
                    continue
                owner = cdk.Stack.of(c)
                group_name = owner.resolve(name_value)
                if isinstance(group_name, str):
                    found.setdefault(group_name, []).append((owner, c.node.path))
            self._named_groups = (root, found)
        for owner, path in self._named_groups[1].get(name, []):
            if owner.node.path != stack.node.path and _same_environment(owner, stack):
                return path
        return None


def _json_lines(lines: list[str]) -> str:
    """A JSON list of already serialized objects, one a line."""
    entries = "".join(f"\n    {line}," for line in lines).rstrip(",")
    return "[" + (f"{entries}\n  " if lines else "") + "]"


def _literal(value: Any) -> bool:
    """A string without tokens (a name known at synth)."""
    return isinstance(value, str) and not cdk.Token.is_unresolved(value)


def _same_environment(a: cdk.Stack, b: cdk.Stack) -> bool:
    """Whether two stacks can deploy to the same account and region (an environment-agnostic
    one can deploy anywhere)."""
    for x, y in ((a.account, b.account), (a.region, b.region)):
        if _literal(x) and _literal(y) and x != y:
            return False
    return True
