"""What a fix works with: the function (or permission) it fixes, its stack's state, and the
Aspect's bookkeeping; and the writes several fixes share (statements on the function's role,
the log group the function writes to, a log group created for it).

Writes go to L1 properties (visible to every later Aspect and check) and update the resolved
values the fixes read, so that the next fix sees the function as it now is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Protocol, cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from guardrails.cdk.building_blocks import policy_statement
from guardrails.cdk.fixes.state import L1, FunctionL1, StackState
from guardrails.model.facts import BASIC_EXECUTION_POLICIES, LAMBDA_LOG_PREFIX, retention_at_least
from guardrails.policy import Policy

#: the name of the inline policy the Aspect gives a role (X-Ray, network interfaces...)
ROLE_POLICY_NAME = "lambda-guardrails"
#: the id of the warning on a function whose ``/aws/lambda/<name>`` group another stack defines
LOG_GROUP_ELSEWHERE_ID = "lambda-guardrails:log-group-elsewhere"
_MANAGED_NAME = re.compile(r":iam::aws:policy/([A-Za-z0-9+=,.@_/-]+)")


class NotApplied(Exception):
    """A fix that cannot apply cleanly (a token where a literal is needed, a shape it does not
    know, no room in the stack): the Aspect records it as not applied and goes on."""


class Session(Protocol):
    """What the fixes ask of the hardening Aspect (``LambdaHardening``)."""

    policy: Policy
    log_group_name: str

    def fixes_requested_explicitly(self, rule_id: str) -> bool: ...

    def record(self, target: L1, rule: str, prop: str, before: str, after: str) -> None: ...

    def recorded(self, target: L1, rule: str, prop: str) -> Mapping[str, Any] | None: ...

    def stack_key(self, state: StackState) -> kms.IKey: ...

    def room(self, state: StackState, count: int) -> None: ...

    def not_applied(self, l1: L1, rule: str, reason: str, *, warn: bool = True) -> None: ...

    def added(self, state: StackState, count: int = 1, *, log_group: bool = False) -> None: ...

    def created(self, path: str) -> bool: ...

    def log_group_elsewhere(self, state: StackState, name: str) -> str | None: ...

    def skipped(self, fn: FunctionL1) -> bool: ...


class FunctionFix:
    """One function's fixes: its L1 (and L2), its stack, and the writes they share."""

    def __init__(self, session: Session, state: StackState, fn: FunctionL1) -> None:
        self.h = session
        self.policy = session.policy
        self.state = state
        self.stack = state.stack
        self.fn = fn
        self.cfn = cast(lambda_.CfnFunction, fn.construct)
        self.l2 = fn.l2
        self.logical_id = fn.logical_id

    # -- reading -----------------------------------------------------------------------------
    def prop(self, name: str) -> Any:
        """An L1 property as it will be synthesized (camelCase keys inside)."""
        return self.fn.props.get(name)

    def logging_config(self) -> dict[str, Any]:
        value = self.prop("loggingConfig")
        return dict(value) if isinstance(value, dict) else {}

    def record(self, rule: str, prop: str, before: str, after: str) -> None:
        self.h.record(self.fn, rule, prop, before, after)

    def role(self) -> L1 | None:
        """The function's role when it is defined in this stack (not an imported one)."""
        ref = self.state.reference(self.prop("role"))
        return self.state.roles.get(ref) if ref else None

    def new_scope(self) -> tuple[Construct, str, str]:
        """Where a resource the Aspect adds for the function goes, its id's prefix and the
        scope's path: in the L2 ``Function``; beside a raw ``CfnFunction``, named after it
        (several share a scope; not below it: a child would inherit the function's
        dependencies, a cycle when the function depends on a policy that names the child)."""
        if self.l2 is not None:
            return self.l2, "", self.fn.l2_path
        scope_path, _, own_id = self.fn.path.rpartition("/")
        scope = cast(Construct, self.fn.node.scope)
        return scope, own_id, scope_path

    # -- writing the function ----------------------------------------------------------------
    def set_logging(self, config: Mapping[str, Any]) -> None:
        """Write ``LoggingConfig`` back from its resolved form: a value that resolved to an
        intrinsic (``{"Ref": ...}`` of the function's ``log_group=``) becomes a token again,
        since the L1 struct accepts only strings there."""
        self.cfn.logging_config = lambda_.CfnFunction.LoggingConfigProperty(
            log_format=as_string(config.get("logFormat")),
            log_group=as_string(config.get("logGroup")),
            application_log_level=as_string(config.get("applicationLogLevel")),
            system_log_level=as_string(config.get("systemLogLevel")),
        )
        self.fn.props["loggingConfig"] = {k: v for k, v in config.items() if v is not None}

    def can_grant(self) -> None:
        """Refuse (``NotApplied``) a fix whose statement the function's role cannot take, before
        the fix changes the function: Lambda rejects a function whose tracing, VPC or
        dead-letter queue its role has no permission for."""
        role = self.role()
        if self.l2 is not None and role is not None:
            role_policies(role)

    def add_statement(self, statement: dict[str, Any], sid: str, *, grant: bool = False) -> None:
        """Grant ``statement`` (IAM JSON) on the function's role, where the function waits for
        it (Lambda checks some of these permissions, X-Ray, VPC, dead-letter queue, when it
        creates or updates the function):

        - an L2 function whose role is a role of the stack: in one inline policy of the role
          (``lambda-guardrails``), written once per role at the end of the pass (the function
          depends on its role);
        - a raw ``CfnFunction``: an inline policy of its own on the stack's L1 role (named
          after the function: inline policies of one role with the same name would overwrite
          each other), which the function then depends on, as CDK's L2 does with its default
          policy;
        - else (an imported role) through the L2, which grants what it can.

        ``grant``: a grant on a resource of the stack (the function's log group), which goes
        where CDK's own grants go for an L2 function, its role's default policy.
        """
        role = self.role()
        if self.l2 is not None:
            if role is None or grant:
                self.l2.add_to_role_policy(policy_statement(statement))
                return
            self.can_grant()
            pending = self.state.role_statements.setdefault(role.logical_id, [])
            if statement not in pending:
                pending.append(statement)
            return
        if role is None:
            return
        construct_id = f"Guardrails{sid}{self.logical_id}"
        if self.h.created(f"{role.path}/{construct_id}"):
            return
        self.h.room(self.state, 1)
        policy = iam.CfnPolicy(
            role.construct,
            construct_id,
            policy_name=f"lambda-guardrails-{sid.lower()}-{self.logical_id}"[:128],
            roles=[role.construct.ref],
            policy_document={"Version": "2012-10-17", "Statement": [statement]},
        )
        self.h.added(self.state)
        self.cfn.add_resource_dependency(policy)

    # -- the function's log group ------------------------------------------------------------
    def log_group(self) -> L1 | None:
        """The log group of the stack the function logs to: the one ``LoggingConfig.LogGroup``
        names, else the stack's ``/aws/lambda/<function name>`` group, if any."""
        target = self.logging_config().get("logGroup")
        if target is None:
            return self.named_log_group()
        if isinstance(target, str):  # a name: the stack's group with that literal name
            return self.state.group_named(target)
        ref = self.state.reference(target)
        return self.state.log_groups.get(ref) if ref else None

    def named_log_group(self) -> L1 | None:
        """The stack's ``/aws/lambda/<function name>`` group (the name literal, or built from
        the function's ``Ref``), which Lambda writes to when ``LoggingConfig`` names none."""
        return self.state.default_log_group(self.fn)

    def log_retention_resource(self) -> L1 | None:
        """The ``Custom::LogRetention`` resource of CDK's ``log_retention=`` for this function,
        if any (it names ``/aws/lambda/<function name>``)."""
        return self.state.log_retention_of(self.fn)

    def has_log_retention(self) -> bool:
        """CDK's ``log_retention=`` (a log-retention custom resource) already sets retention,
        or ``LoggingConfig.LogGroup`` names a group outside the stack: not ours to replace."""
        if self.logging_config().get("logGroup") is not None:
            return True
        return self.log_retention_resource() is not None

    def retention(self) -> int:
        return retention_at_least(self.policy.min_log_retention_days)

    def new_group_retention(self) -> int:
        """The policy's retention, or the longer one ``log_retention=`` already asked for (a
        new log group never shortens how long the function's logs are kept)."""
        days = self.retention()
        resource = self.log_retention_resource()
        if resource is not None:
            current = resource.props.get("RetentionInDays")
            if isinstance(current, int) and current > days:
                return current
        return days

    def log_key(self) -> Any:
        """The key for a log group: the policy's, else (asked for explicitly) the stack's."""
        if self.policy.kms_key_arn:
            return self.policy.kms_key_arn
        if self.h.fixes_requested_explicitly("GR-OBS-04"):
            return self.h.stack_key(self.state).key_arn
        return None

    def default_log_group_name(self) -> Any:
        """``/aws/lambda/<function name>`` as the template writes it: the literal name, else
        built from the function's ``Ref`` (CDK's form)."""
        name = self.prop("functionName")
        if isinstance(name, str):
            return f"{LAMBDA_LOG_PREFIX}{name}"
        return {"Fn::Join": ["", [LAMBDA_LOG_PREFIX, {"Ref": self.logical_id}]]}

    def create_log_group(self, rule: str) -> L1 | None:
        """A log group with the policy's retention (and key) for a function that has none.

        With ``log_group_name="function"`` it is ``/aws/lambda/<function name>``, the group
        Lambda already writes to, and ``LoggingConfig`` is left alone: the logs stay where
        metric filters, subscriptions and queries look for them. The group then depends on the
        function (its name is built from the function's ``Ref``), never the other way round:
        nothing the function depends on may name it (see the GR-IAM-14 fix). The custom
        resources of the stack that name the function wait for the group (``invokers_wait``).
        Not created when a group of another stack has that name (a warning on the function):
        ``None`` then. With ``"new"`` the group gets a generated name and
        ``LoggingConfig.LogGroup`` points at it: the function then logs to exactly this group
        (and depends on it).
        """
        scope, prefix, scope_path = self.new_scope()
        name = self.default_log_group_name() if self.h.log_group_name == "function" else None
        if isinstance(name, str):
            elsewhere = self.h.log_group_elsewhere(self.state, name)
            if elsewhere is not None:
                cdk.Annotations.of(self.l2 or self.cfn).add_warning_v2(
                    LOG_GROUP_ELSEWHERE_ID,
                    f"lambda-guardrails: {elsewhere} defines this function's log group "
                    f"{name} in another stack: no second one is created (GR-OBS-02 cannot "
                    "see a group of another stack: acknowledge its finding here).",
                )
                self.h.not_applied(
                    self.fn, rule, f"{elsewhere} defines the log group {name}", warn=False
                )
                return None
        self.h.room(self.state, 1)
        key = self.log_key()  # created compliant: with the policy's key when it names one
        days = self.new_group_retention()
        construct_id = f"{prefix}GuardrailsLogGroup"
        # raw: its name is written as the intrinsic it is (no token to make: a jsii call less)
        group = cdk.CfnResource(
            scope,
            construct_id,
            type="AWS::Logs::LogGroup",
            properties={
                k: v
                for k, v in (("LogGroupName", name), ("RetentionInDays", days), ("KmsKeyId", key))
                if v is not None
            },
        )
        group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)  # logs are evidence; as CDK's L2
        path = f"{scope_path}/{construct_id}" if scope_path else construct_id
        props: dict[str, Any] = {"retentionInDays": days}
        if name is not None:
            props["logGroupName"] = name
        if key is not None:
            props["kmsKeyId"] = key if isinstance(key, str) else self.stack.resolve(key)
        logical_id = self.state.logical_id(path) or self.stack.get_logical_id(group)
        created = L1(group, "AWS::Logs::LogGroup", logical_id, props, path, owner=self.state)
        self.state.add_log_group(created, self.fn if name is not None else None)
        self.h.added(self.state, log_group=True)
        kept = f"{days} days" + (", KMS" if key else "")
        before = "(not set: /aws/lambda/<function> without retention)"
        if name is not None:
            self.invokers_wait(group)
            shown = name if isinstance(name, str) else "/aws/lambda/<function>"
            after = (
                f"(still not set) {shown}, created in the stack as {path} "
                f"({kept}): the logs stay where they are. A function already deployed has "
                "that group: import it (cdk import) or delete it before deploying, else "
                "CloudFormation fails with 'already exists'; log_group_name='new' avoids "
                "that but moves the logs"
            )
        else:
            config = self.logging_config()
            config["logGroup"] = {"Ref": created.logical_id}
            self.set_logging(config)
            after = f"new log group {path} ({kept}); the logs move away from /aws/lambda/<function>"
        self.record(rule, "LoggingConfig.LogGroup", before, after)
        return created

    def invokers_wait(self, group: cdk.CfnResource) -> None:
        """Make the custom resources of the stack that name the function (a handler's
        ``ServiceToken``, a trigger, CDK's ``log_retention=``) wait for its
        ``/aws/lambda/<name>`` group. They run while the stack deploys, and a function whose
        role may still create log groups would otherwise create that group itself before
        CloudFormation does ("already exists"); the log-retention handler accepts a group that
        exists. No cycle: they already depend on the function, which the group depends on."""
        for resource in self.state.custom_resources:
            if self.state.refers_to(resource.props, self.logical_id):
                resource.construct.add_resource_dependency(group)

    # -- the function's role -----------------------------------------------------------------
    def basic_execution_policies(self, role: L1) -> list[Any]:
        """The role's AWS managed logging policies (``AWSLambdaBasicExecutionRole``...)."""
        arns = role.props.get("managedPolicyArns") or []
        return [a for a in arns if aws_managed_name(a) in BASIC_EXECUTION_POLICIES]


class PermissionFix:
    """One permission's fixes: its L1 and its stack."""

    def __init__(self, session: Session, state: StackState, permission: L1) -> None:
        self.h = session
        self.state = state
        self.permission = permission


def set_log_group(group: L1, prop: str, value: Any) -> None:
    """Set a property (``retentionInDays``, ``kmsKeyId``) of a log group of the stack: on the
    L1 attribute of a ``CfnLogGroup``, by a property override on a raw ``CfnResource`` (the
    groups the Aspect creates)."""
    if isinstance(group.construct, logs.CfnLogGroup):
        setattr(group.construct, _ATTRIBUTES[prop], value)
    else:
        group.construct.add_property_override(prop[:1].upper() + prop[1:], value)
    group.props[prop] = value


_ATTRIBUTES = {"retentionInDays": "retention_in_days", "kmsKeyId": "kms_key_id"}


def role_policies(role: L1) -> list[dict[str, Any]]:
    """The role's inline policies (resolved), or ``NotApplied`` when they are a template value
    the Aspect cannot add to (a condition...)."""
    existing = role.props.get("policies")
    if existing is not None and not isinstance(existing, list):
        raise NotApplied("the role's inline policies are a template value, not a list")
    return [dict(p) for p in existing or [] if isinstance(p, dict)]


def write_role_policy(role: L1, statements: list[dict[str, Any]]) -> None:
    """Add ``statements`` to the role's inline policy ``lambda-guardrails`` (created if need
    be; statements it has already are not repeated), keeping its other inline policies: one
    L1 write per role, whatever the number of functions and fixes."""
    policies = role_policies(role)
    ours = next((p for p in policies if p.get("policyName") == ROLE_POLICY_NAME), None)
    if ours is None:
        ours = {"policyName": ROLE_POLICY_NAME, "policyDocument": {"Version": "2012-10-17"}}
        policies.append(ours)
    document = dict(ours.get("policyDocument") or {})
    present = list(document.get("Statement") or [])
    document["Statement"] = present + [s for s in statements if s not in present]
    ours["policyDocument"] = document
    cast(iam.CfnRole, role.construct).policies = [
        iam.CfnRole.PolicyProperty(
            policy_document=p.get("policyDocument"),
            policy_name=as_string(p.get("policyName")) or ROLE_POLICY_NAME,
        )
        for p in policies
    ]
    role.props["policies"] = policies


def aws_managed_name(arn: Any) -> str:
    """``service-role/AWSLambdaBasicExecutionRole`` from a resolved managed policy ARN."""
    text = json.dumps(arn) if not isinstance(arn, str) else arn
    match = _MANAGED_NAME.search(text)
    return match.group(1) if match else ""


def show(value: Any) -> str:
    """A value for a record: ``(not set)``, a string as it is, anything else as JSON."""
    if value is None:
        return "(not set)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def as_string(value: Any) -> str | None:
    """A resolved property value as an L1 string property takes it: a string as it is, an
    intrinsic (a ``dict``, e.g. ``{"Ref": "Logs"}``) as a token that resolves to it again."""
    if value is None or isinstance(value, str):
        return value
    return cdk.Token.as_string(value)
