"""What the hardening Aspect reads of the construct tree, in as few jsii calls as it can.

Every jsii call is a round trip to Node.js (0.1-0.4 ms on a shared machine), so the Aspect reads
the tree once per scope and each stack once: one ``find_all`` per child of the scope (its
stacks, usually; ``stacks_of``), then, for the L1 resources the fixes look at (functions, roles,
log groups, permissions, custom resources), their logical ids and properties in a single
``stack.resolve`` per stack (``read_stack``). The fixes then read those resolved values
(camelCase keys, as the L1s hold them) and keep them up to date as they write.

What is not read: the stack's other resources (IAM policies, queues, APIs: no fix depends on
them), and values set with property overrides by other code (they are invisible on the L1;
the Aspect's own overrides are recognised from its records).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import IConstruct

from guardrails.model.facts import function_of_log_group_name
from guardrails.model.intrinsics import Evaluator
from guardrails.model.values import Token, refers_to

#: the CloudFormation types of the resources that invoke functions while the stack deploys
CUSTOM_RESOURCE_TYPES = ("AWS::CloudFormation::CustomResource",)
#: the types read from a plain ``CfnResource`` (besides ``Custom::*``)
_RAW_TYPES = (*CUSTOM_RESOURCE_TYPES, "AWS::Logs::LogGroup")
#: L1 classes whose resources the fixes read, with their CloudFormation types
_READ = (
    (lambda_.CfnFunction, "AWS::Lambda::Function"),
    (iam.CfnRole, "AWS::IAM::Role"),
    (logs.CfnLogGroup, "AWS::Logs::LogGroup"),
    (lambda_.CfnPermission, "AWS::Lambda::Permission"),
)


@dataclass(eq=False)
class L1:
    """One L1 resource as the fixes see it: the construct, its logical id and its resolved
    properties (kept up to date by the fixes' writes). ``node`` and ``path`` cost a jsii call
    each, so they are read only when a fix needs them."""

    construct: cdk.CfnResource
    type: str
    logical_id: str
    props: dict[str, Any]
    path_: str | None = None
    node_: Any = None
    #: the ``StackState`` the resource is in (its records are written on that stack)
    owner: Any = field(default=None, repr=False)

    @property
    def node(self) -> Any:
        if self.node_ is None:
            self.node_ = self.construct.node
        return self.node_

    @property
    def path(self) -> str:
        if self.path_ is None:
            self.path_ = self.node.path
        return self.path_


@dataclass(eq=False)
class FunctionL1(L1):
    """A function: also its L2 ``Function`` (and that one's path) when it is the default child
    of one."""

    l2: lambda_.Function | None = None
    l2_path: str = ""


@dataclass(repr=False)
class StackState:
    """A stack's resources that the fixes read, by logical id, and the count the Aspect adds."""

    stack: cdk.Stack
    functions: list[FunctionL1] = field(default_factory=list)
    roles: dict[str, L1] = field(default_factory=dict)
    log_groups: dict[str, L1] = field(default_factory=dict)
    permissions: list[L1] = field(default_factory=list)
    custom_resources: list[L1] = field(default_factory=list)
    #: the stack's construct path, and whether its logical ids are CDK's default ones (the
    #: Aspect then computes those of the resources it adds instead of asking for them)
    path: str = ""
    default_ids: bool = False
    #: role logical id -> the statements the fixes add to it, written once per pass
    role_statements: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: the stack's resources when it was read, and those the Aspect added since
    resource_count: int = 0
    added: int = 0
    added_log_groups: int = 0
    warned: bool = False
    #: the stack's own constructs (for the fixes that read every resource: ``fixes.model``)
    constructs: list[IConstruct] = field(default_factory=list)
    #: rule id -> function logical id -> what the rule reports on it (``fixes.model``)
    flagged: dict[str, dict[str, Any]] = field(default_factory=dict)
    _evaluator: Evaluator | None = None
    _known: dict[str, Any] = field(default_factory=dict)
    _groups_of: dict[str, L1] | None = None
    _retentions_of: dict[str, L1] | None = None
    _users: dict[str, list[FunctionL1]] | None = None
    #: the records of this pass's changes, written on the stack once at its end
    records: list[dict[str, Any]] = field(default_factory=list)
    #: lazily read values of the stack (one jsii call each, at most once)
    _account: Any = None
    _resolved_account: Any = None

    @property
    def account(self) -> Any:
        """``stack.account`` (a token for an environment-agnostic stack)."""
        if self._account is None:
            self._account = self.stack.account
        return self._account

    @property
    def resolved_account(self) -> Any:
        """``stack.account`` as the template writes it (``{"Ref": "AWS::AccountId"}``...)."""
        if self._resolved_account is None:
            self._resolved_account = self.stack.resolve(self.account)
        return self._resolved_account

    @property
    def literal_account(self) -> str | None:
        """The stack's account when it is known at synth, else None."""
        value = self.resolved_account
        return value if isinstance(value, str) else None

    def logical_id(self, path: str) -> str | None:
        """The logical id CDK gives the resource at ``path`` of this stack, computed as CDK
        does (``makeUniqueId``), when the stack's ids are the default ones; else None."""
        if not self.default_ids or not path.startswith(self.path + "/"):
            return None
        return unique_id(path[len(self.path) + 1 :].split("/"))

    def role_users(self, role_id: str) -> list[FunctionL1]:
        """The stack's functions whose role is ``role_id`` (indexed once per stack)."""
        if self._users is None:
            self._users = {}
            for fn in self.functions:
                role = self.reference(fn.props.get("role"))
                if role is not None:
                    self._users.setdefault(role, []).append(fn)
        return self._users.get(role_id, [])

    # -- values, read as the model reads them -------------------------------------------------
    @property
    def evaluator(self) -> Evaluator:
        """The model's evaluator of intrinsics, over the resources the Aspect read (the short
        ``Fn::GetAtt: Role.Arn``, ``Fn::Sub`` and the rest, as the checks see them)."""
        if self._evaluator is None:
            known = [*self.functions, *self.roles.values(), *self.log_groups.values()]
            known += [*self.permissions, *self.custom_resources]
            self._known.update((r.logical_id, {}) for r in known)
            self._evaluator = Evaluator(resources=self._known)
        return self._evaluator

    def add_log_group(self, group: L1, fn: FunctionL1 | None) -> None:
        """A log group the Aspect created, for ``fn`` when it is named after it."""
        self.log_groups[group.logical_id] = group
        self._known[group.logical_id] = {}
        if fn is not None and self._groups_of is not None:
            self._groups_of.setdefault(fn.logical_id, group)

    def reference(self, value: Any) -> str | None:
        """The logical id a value designates when it is one ``Ref`` / ``Fn::GetAtt``."""
        evaluated = self.evaluator.evaluate(value)
        return evaluated.resource if isinstance(evaluated, Token) else None

    def refers_to(self, value: Any, logical_id: str) -> bool:
        """Whether a value refers to ``logical_id`` anywhere (a ``Ref``, an ``Fn::GetAtt``, a
        ``${...}`` of an ``Fn::Sub``, inside an ``Fn::Join``...)."""
        return refers_to(self.evaluator.evaluate(value), logical_id)

    def default_log_group(self, fn: FunctionL1) -> L1 | None:
        """The stack's ``/aws/lambda/<function name>`` group of ``fn``, decided as the checks
        decide it."""
        if self._groups_of is None:
            self._groups_of = self._default_groups("logGroupName", self.log_groups.values())
        return self._groups_of.get(fn.logical_id)

    def group_named(self, name: str) -> L1 | None:
        """The stack's log group whose ``LogGroupName`` is the literal ``name``, if any."""
        return next(
            (g for g in self.log_groups.values() if g.props.get("logGroupName") == name), None
        )

    def log_retention_of(self, fn: FunctionL1) -> L1 | None:
        """CDK's ``log_retention=`` custom resource for ``fn``, if any."""
        if self._retentions_of is None:
            retentions = [r for r in self.custom_resources if r.type == "Custom::LogRetention"]
            self._retentions_of = self._default_groups("LogGroupName", retentions)
        return self._retentions_of.get(fn.logical_id)

    def _default_groups(self, key: str, groups: Any) -> dict[str, L1]:
        ids = {fn.logical_id for fn in self.functions}
        names = {
            name: fn.logical_id
            for fn in self.functions
            if isinstance(name := fn.props.get("functionName"), str)
        }
        out: dict[str, L1] = {}
        for group in groups:
            name = self.evaluator.evaluate(group.props.get(key))
            owner = function_of_log_group_name(name, ids, names)
            if owner is not None:
                out.setdefault(owner, group)
        return out


def unique_id(components: list[str]) -> str:
    """CDK's ``makeUniqueId``: the logical id of the resource whose path below its stack is
    ``components`` (``Default`` dropped; a human part without ``Resource`` and repeats, and an
    MD5 hash of the path)."""
    components = [c for c in components if c != "Default"]
    if len(components) == 1:
        candidate = _NON_ALPHANUMERIC.sub("", components[0])
        if len(candidate) <= 255:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    human: list[str] = []
    for c in components:
        if not human or not human[-1].endswith(c):
            human.append(c)
    text = "".join(_NON_ALPHANUMERIC.sub("", c) for c in human if c != "Resource")
    return text[:240] + digest[:8].upper()


_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def stacks_of(scope: IConstruct) -> list[tuple[cdk.Stack, list[IConstruct]]]:
    """Each stack below ``scope`` (the scope itself when it is one) with its own constructs:
    not those of a nested stack (listed as a stack of its own) nor anything inside a nested
    ``Stage`` (aspects do not cross stage boundaries: its own Aspect hardens it).

    One ``find_all`` per child of the scope (usually its stacks): each construct of the app is
    listed once (every construct listed costs a proxy object). ``find_all`` lists a subtree
    contiguously, depth first, so a nested stack's or stage's size (one more ``find_all``,
    rare) splits the list without asking each construct for its stack."""
    out: dict[int, tuple[cdk.Stack, list[IConstruct]]] = {}
    roots = [scope] if isinstance(scope, cdk.Stack) else list(scope.node.children)
    for root in roots:
        if not isinstance(root, cdk.Stage):
            _split(root.node.find_all(), out)
    return list(out.values())


def _split(items: Sequence[IConstruct], out: dict[int, tuple[cdk.Stack, list[IConstruct]]]) -> None:
    """Add the stacks of one subtree (``items``, ``find_all``'s list of it) to ``out``."""
    open_: list[tuple[int, cdk.Stack]] = []  # (end of its block in ``items``, stack)
    i = 0
    while i < len(items):
        c = items[i]
        while open_ and i >= open_[-1][0]:
            open_.pop()
        if i > 0 and isinstance(c, cdk.Stage):
            i += len(c.node.find_all())  # a nested stage: its block is skipped
            continue
        if isinstance(c, cdk.Stack):
            open_.append((i + (len(items) if i == 0 else len(c.node.find_all())), c))
            out[id(c)] = (c, [])
        if open_:
            out[id(open_[-1][1])][1].append(c)
        i += 1


def read_stack(stack: cdk.Stack, constructs: list[IConstruct]) -> StackState:
    """The stack's L1s that the fixes read, with one ``stack.resolve`` for all of them.

    Paths come from ``toString()`` (one call, where ``node.path`` takes two). An L2
    ``Function``'s default child is the first ``CfnFunction`` after it in ``find_all``'s order
    (depth first, children in the order they were created: nothing the ``Function`` creates
    before its ``Resource`` is a function), so no path of an L2 is asked for.
    The role an L2 function creates (``<function>/ServiceRole/Resource``) is the last
    ``CfnRole`` between the function and its ``CfnFunction`` in ``find_all``'s order: its
    logical id is the one the function's ``Role`` names when CDK would give that path that id,
    so it is not asked for (one call per function saved); any other role is asked."""
    state = StackState(stack, path=stack.to_string(), constructs=constructs)
    picked: list[tuple[Any, str]] = []
    l2_of: dict[int, lambda_.Function] = {}  # id of a CfnFunction -> the L2 it belongs to
    service_role: dict[int, Any] = {}  # id of a CfnFunction -> the CfnRole that may be its own
    since_l2: Any = None
    last_l2: lambda_.Function | None = None
    for c in constructs:
        if isinstance(c, lambda_.Function):
            last_l2 = c
            since_l2 = None
        if not isinstance(c, cdk.CfnResource):
            continue
        state.resource_count += 1
        kind = next((t for cls, t in _READ if isinstance(c, cls)), None)
        if kind is None and type(c) in (cdk.CfnResource, cdk.CfnCustomResource):
            # a plain CfnResource: CDK's custom resources, the log groups the Aspect creates
            kind = c.cfn_resource_type
            if not (kind in _RAW_TYPES or kind.startswith("Custom::")):
                kind = None
        if kind == "AWS::IAM::Role":
            since_l2 = c
        elif kind == "AWS::Lambda::Function":
            if since_l2 is not None:
                service_role[id(c)] = since_l2
            if last_l2 is not None:
                l2_of[id(c)] = last_l2
            since_l2 = last_l2 = None
        if kind is not None:
            picked.append((c, kind))
    if not picked:
        return state
    guessed = {id(role) for role in service_role.values()}
    values = stack.resolve(
        [["" if id(c) in guessed else c.logical_id, c._cfn_properties or {}] for c, _ in picked]
    )  # ("": not asked; resolving drops a None from a list)
    roles: dict[int, tuple[Any, dict[str, Any]]] = {}
    for (c, kind), (logical_id, props) in zip(picked, values, strict=True):
        props = props if isinstance(props, dict) else {}
        if kind == "AWS::Lambda::Function":
            path = c.to_string().removesuffix(f" [{kind}]")  # CfnElement adds its type
            parent, _, own_id = path.rpartition("/")
            l2 = l2_of.get(id(c)) if own_id == "Resource" else None
            state.functions.append(
                FunctionL1(c, kind, logical_id, props, path_=path, l2=l2, l2_path=parent)
            )
            if state.logical_id(path) is None and unique_id(_below(path, state.path)) == logical_id:
                state.default_ids = True
        elif kind == "AWS::IAM::Role":
            if not logical_id:
                roles[id(c)] = (c, props)
            else:
                state.roles[logical_id] = L1(c, kind, logical_id, props)
        elif kind == "AWS::Logs::LogGroup":
            if not isinstance(c, logs.CfnLogGroup):  # raw: CloudFormation's names, as an L1's
                props = {k[:1].lower() + k[1:]: v for k, v in props.items()}
            state.log_groups[logical_id] = L1(c, kind, logical_id, props)
        elif kind == "AWS::Lambda::Permission":
            state.permissions.append(L1(c, kind, logical_id, props))
        else:
            state.custom_resources.append(L1(c, kind, logical_id, props))
    _name_service_roles(state, service_role, roles)
    for l1 in (
        *state.functions,
        *state.roles.values(),
        *state.log_groups.values(),
        *state.permissions,
        *state.custom_resources,
    ):
        l1.owner = state
    return state


def _name_service_roles(
    state: StackState, service_role: dict[int, Any], roles: dict[int, tuple[Any, dict[str, Any]]]
) -> None:
    """Give each role read without its logical id the one its function names, when that is the
    id CDK gives ``<function>/ServiceRole/Resource``; ask for the others' (two calls each)."""
    evaluator = Evaluator(resources={})
    for fn in state.functions:
        role = service_role.get(id(fn.construct))
        if role is None or id(role) not in roles or fn.l2 is None:
            continue
        named = evaluator.evaluate(fn.props.get("role"))
        path = f"{fn.l2_path}/ServiceRole/Resource"
        if isinstance(named, Token) and named.resource == unique_id(_below(path, state.path)):
            construct, props = roles.pop(id(role))
            state.roles[named.target] = L1(construct, "AWS::IAM::Role", named.target, props, path)
    for construct, props in roles.values():
        logical_id = state.stack.resolve(construct.logical_id)
        state.roles[logical_id] = L1(construct, "AWS::IAM::Role", logical_id, props)


def _below(path: str, stack_path: str) -> list[str]:
    """The components of ``path`` below the stack at ``stack_path``."""
    return path[len(stack_path) + 1 :].split("/") if path.startswith(stack_path + "/") else []
