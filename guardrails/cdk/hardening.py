"""The hardening Aspect: rewrites Lambda definitions at synth time, before the checks run.

``LambdaHardening`` visits every ``AWS::Lambda::Function`` (L2 ``Function`` or raw
``CfnFunction``) and ``AWS::Lambda::Permission`` and applies the fixes the catalog marks
``safe`` (and ``opt-in`` ones only when asked), on L1 properties. Every rewrite is recorded: in
the construct's metadata (``lambda-guardrails:remediation``, which the CLI and the plugin read
back from the assembly and report as ``remediated``) and in
``cdk.out/lambda-guardrails-remediations.json``. It is idempotent: a function that already
complies is untouched, and running it twice changes nothing more.

Property values are read with ``stack.resolve`` on the L1's own properties; no secret value is
ever recorded (environment values are named, never shown). A value set with a property override
is invisible there: the Aspect's own overrides are recognised from its records (so a second
instance does not repeat them), other code's (``iam.PermissionsBoundary.of(scope).apply`` uses
one) are not seen, and win over what the Aspect sets.

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
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from guardrails.model.assembly import REMEDIATION_METADATA
from guardrails.model.framework import is_framework_function
from guardrails.model.intrinsics import Evaluator
from guardrails.policy import Policy
from guardrails.rules.observability import asynchronous_service

REPORT_FILE = "lambda-guardrails-remediations.json"
#: construct id of the per-stack key the opt-in fixes create
STACK_KEY_ID = "LambdaGuardrailsKey"
#: the values CloudWatch Logs accepts for RetentionInDays
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653)  # fmt: skip
BASIC_EXECUTION_POLICIES = (
    "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSLambdaVPCAccessExecutionRole",
)
#: what Lambda needs to attach a function to a VPC (ec2:DescribeNetworkInterfaces takes only *)
VPC_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
_POLICY_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}|aws)?:policy/(.+)$")
_SECRET_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):([^}]*)\}\}")

SAFE_FIXES = ("GR-OBS-01", "GR-OBS-02", "GR-OBS-03", "GR-OBS-04", "GR-OBS-05", "GR-SEC-05",
              "GR-IAM-10", "GR-IAM-12", "GR-IAM-14", "GR-DEP-02")  # fmt: skip
OPT_IN_FIXES = ("GR-SEC-02", "GR-OBS-06", "GR-NET-01", "GR-CFG-01")
#: how the log fix names the log group it creates (``LambdaHardening(log_group_name=...)``)
LOG_GROUP_NAMES = ("function", "new")
#: CloudFormation accepts this many resources per stack ...
STACK_RESOURCE_LIMIT = 500
#: ... and a stack that the log groups the Aspect adds take past this many gets a warning
STACK_RESOURCE_WARNING = 400
#: the id of that warning (``Annotations``: it can be acknowledged)
STACK_RESOURCE_WARNING_ID = "lambda-guardrails:stack-resources"
#: the id of the warning on a function whose ``/aws/lambda/<name>`` group another stack defines
LOG_GROUP_ELSEWHERE_ID = "lambda-guardrails:log-group-elsewhere"
#: app -> every change the hardening instances visiting it recorded, one JSON object a line
_CHANGE_LOGS: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Remediation:
    """One rewrite: which rule, where, which property, and its value before and after (never a
    secret value: environment values are described, not shown)."""

    rule: str
    construct_path: str
    property: str
    before: str
    after: str


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

    Add it with ``Aspects.of(app).add(LambdaHardening(...), priority=AspectPriority.MUTATING)``,
    on the app and on every ``Stage`` (aspects do not cross stage boundaries), or call
    ``guardrails.protect(app, policy, remediate="safe")``, which does both.
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
        self.fixes = _selected(fixes)
        self.log_group_name = log_group_name
        self._explicit = fixes == "all" or not isinstance(fixes, str)
        self.changes: list[Remediation] = []
        self._stack_keys: dict[str, Any] = {}
        self._indexes: dict[str, _StackIndex] = {}
        #: (app, literal log group name -> the stacks and groups of the app with that name)
        self._named_groups: tuple[Any, dict[str, list[tuple[cdk.Stack, str]]]] | None = None
        self._visited = False

    def enabled(self, rule_id: str) -> bool:
        return rule_id in self.fixes

    def fixes_requested_explicitly(self, rule_id: str) -> bool:
        """Opt-in parts of a safe fix (a new KMS key per stack when the policy names none) run
        only with ``fixes="all"`` or when the rule is listed by id."""
        return self._explicit and rule_id in self.fixes

    # -- the aspect --------------------------------------------------------------------------
    def visit(self, node: IConstruct) -> None:
        if not self._visited:
            self._visited = True
            self._change_log(node)
        if isinstance(node, lambda_.CfnFunction):
            if self._skipped(node):
                return
            _FunctionFixer(self, node).apply()
        elif isinstance(node, lambda_.CfnPermission) and self.enabled("GR-IAM-12"):
            self._source_account(node)

    def _skipped(self, cfn: lambda_.CfnFunction) -> bool:
        framework = is_framework_function("", cfn.node.path)
        return framework and not self.policy.framework.remediate

    # -- GR-IAM-12 ---------------------------------------------------------------------------
    def _source_account(self, permission: lambda_.CfnPermission) -> None:
        stack = cdk.Stack.of(permission)
        principal = stack.resolve(permission.principal)
        if not isinstance(principal, str) or not principal.endswith(".amazonaws.com"):
            return
        if permission.source_account or permission.source_arn:
            return
        permission.source_account = stack.account
        self.record(
            permission,
            "GR-IAM-12",
            "SourceAccount",
            "(not set)",
            _show(stack.resolve(stack.account)),
        )

    # -- bookkeeping -------------------------------------------------------------------------
    def record(self, construct: IConstruct, rule: str, prop: str, before: str, after: str) -> None:
        change = Remediation(rule, construct.node.path, prop, before, after)
        self.changes.append(change)
        construct.node.add_metadata(REMEDIATION_METADATA, asdict(change))
        lines = self._change_log(construct)
        lines.append(json.dumps(asdict(change)))
        self._write_report(construct, lines)

    def _change_log(self, construct: IConstruct) -> list[str]:
        """The change log of the construct's app, shared by every hardening instance added to
        the app and its stages (one file for all). The app's first visit writes it empty, so
        the log of an earlier synth into the same directory never survives."""
        root = construct.node.root
        lines = _CHANGE_LOGS.get(root)
        if lines is None:
            lines = _CHANGE_LOGS[root] = []
            self._write_report(construct, lines)
        return lines

    def _write_report(self, construct: IConstruct, lines: list[str]) -> None:
        """Rewrite the change log beside the cloud assembly (our own file, nothing else): one
        change a line, serialized once (it is rewritten after every change)."""
        root = construct.node.root
        outdir = root.outdir if isinstance(root, cdk.App) else None
        if not outdir:
            return
        entries = "".join(f"\n    {line}," for line in lines).rstrip(",")
        text = (
            '{\n  "tool": "lambda-guardrails",\n  "remediations": ['
            + (f"{entries}\n  " if lines else "")
            + "]\n}\n"
        )
        with contextlib.suppress(OSError):  # the construct metadata still carries every change
            (Path(outdir) / REPORT_FILE).write_text(text, encoding="utf-8")

    def stack_key(self, stack: cdk.Stack) -> kms.IKey:
        """One customer-managed key per stack, rotation on (the opt-in fixes' key)."""
        key = self._stack_keys.get(stack.node.path)
        if key is None:
            # another hardening instance may have created it already: one key per stack
            existing = stack.node.try_find_child(STACK_KEY_ID)
            if isinstance(existing, kms.Key):
                self._stack_keys[stack.node.path] = existing
                return existing
            key = kms.Key(
                stack,
                STACK_KEY_ID,
                enable_key_rotation=True,
                description="lambda-guardrails: Lambda environment and log encryption",
            )
            key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com"))
            self._stack_keys[stack.node.path] = key
            self.added(stack)
        return key

    def index(self, stack: cdk.Stack) -> _StackIndex:
        found = self._indexes.get(stack.node.path)
        if found is None:
            found = self._indexes[stack.node.path] = _StackIndex(stack)
        return found

    def added(self, stack: cdk.Stack, count: int = 1, *, log_group: bool = False) -> None:
        """Count resources the Aspect added to the stack. Once log groups it added take the
        stack past ``STACK_RESOURCE_WARNING`` resources (CloudFormation accepts 500), the
        stack gets a warning, once."""
        index = self.index(stack)
        index.added += count
        index.added_log_groups += int(log_group)
        total = index.resource_count + index.added
        if index.added_log_groups and total > STACK_RESOURCE_WARNING and not index.warned:
            index.warned = True
            cdk.Annotations.of(stack).add_warning_v2(
                STACK_RESOURCE_WARNING_ID,
                "lambda-guardrails: with the resources the hardening Aspect adds (a log group "
                "for each function without one, and a policy naming it), this stack has more "
                f"than {STACK_RESOURCE_WARNING} resources; CloudFormation accepts at most "
                f"{STACK_RESOURCE_LIMIT} per stack. Split the stack, or leave GR-OBS-02 and "
                "GR-IAM-14 out of its fixes.",
            )

    def log_group_elsewhere(self, stack: cdk.Stack, name: str) -> str | None:
        """The construct path of a log group named ``name`` (a literal) in another stack of
        the app that can deploy to the same account and region, if any: a second group with
        that name would fail to deploy."""
        root = stack.node.root
        if self._named_groups is None or self._named_groups[0] is not root:
            found: dict[str, list[tuple[cdk.Stack, str]]] = {}
            for c in root.node.find_all():
                if isinstance(c, logs.CfnLogGroup):
                    owner = cdk.Stack.of(c)
                    group_name = owner.resolve(c.log_group_name)
                    if isinstance(group_name, str):
                        found.setdefault(group_name, []).append((owner, c.node.path))
            self._named_groups = (root, found)
        for owner, path in self._named_groups[1].get(name, []):
            if owner.node.path != stack.node.path and _same_environment(owner, stack):
                return path
        return None


class _StackIndex:
    """The stack's L1 roles, log groups and permissions by logical id, built once per stack."""

    def __init__(self, stack: cdk.Stack) -> None:
        self.stack = stack
        self.roles: dict[str, iam.CfnRole] = {}
        self.log_groups: dict[str, logs.CfnLogGroup] = {}
        self.permissions: list[lambda_.CfnPermission] = []
        self.functions: list[lambda_.CfnFunction] = []
        #: the custom resources (``Custom::*``, ``AWS::CloudFormation::CustomResource``): they
        #: invoke functions while the stack deploys
        self.custom_resources: list[cdk.CfnResource] = []
        #: each custom resource's resolved properties (filled on first use)
        self.custom_resource_properties: list[tuple[cdk.CfnResource, Any]] | None = None
        #: log group logical id -> its resolved ``LogGroupName`` (filled on first use; a group
        #: the Aspect adds with ``log_group_name="new"`` has none)
        self.group_names: dict[str, Any] | None = None
        #: role logical id -> the functions using it (filled on first use)
        self.role_users: dict[str, list[lambda_.CfnFunction]] | None = None
        #: the stack's resources when the index was built, and those the Aspect added since
        #: (for the warning near CloudFormation's limit of resources per stack)
        self.resource_count = 0
        self.added = 0
        self.added_log_groups = 0
        self.warned = False
        for c in stack.node.find_all():
            if cdk.Stack.of(c).node.path != stack.node.path:
                continue  # a nested stack's resources have their own logical ids
            if isinstance(c, cdk.CfnResource):
                self.resource_count += 1
                kind = c.cfn_resource_type
                if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
                    self.custom_resources.append(c)
            if isinstance(c, iam.CfnRole):
                self.roles[stack.resolve(c.logical_id)] = c
            elif isinstance(c, logs.CfnLogGroup):
                self.log_groups[stack.resolve(c.logical_id)] = c
            elif isinstance(c, lambda_.CfnPermission):
                self.permissions.append(c)
            elif isinstance(c, lambda_.CfnFunction):
                self.functions.append(c)

    def referenced(self, value: Any) -> str | None:
        """The logical id a resolved ``Ref`` / ``Fn::GetAtt`` points at."""
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return arg
            if key == "Fn::GetAtt" and isinstance(arg, list) and arg:
                return arg[0]
        return None


class _FunctionFixer:
    """The fixes for one function, reading its L1 properties once."""

    def __init__(self, hardening: LambdaHardening, cfn: lambda_.CfnFunction) -> None:
        self.h = hardening
        self.policy = hardening.policy
        self.cfn = cfn
        self.stack = cdk.Stack.of(cfn)
        scope = cfn.node.scope
        self.fn = scope if isinstance(scope, lambda_.Function) else None
        self.logical_id = self.stack.resolve(cfn.logical_id)

    def prop(self, name: str) -> Any:
        """An L1 property as it will be synthesized (camelCase keys inside)."""
        return self.stack.resolve(self.cfn._cfn_properties.get(name))

    def apply(self) -> None:
        h = self.h
        image = self.prop("packageType") == "Image"
        if h.enabled("GR-OBS-01"):
            self.tracing()
        if any(h.enabled(r) for r in ("GR-OBS-02", "GR-OBS-03", "GR-OBS-04", "GR-OBS-05")):
            self.logging()
        if h.enabled("GR-SEC-02"):
            self.secret_references()
        if h.enabled("GR-SEC-05"):
            self.environment_key()
        if h.enabled("GR-DEP-02") and not image:
            self.code_signing()
        if h.enabled("GR-IAM-10"):
            self.boundary()
        if h.enabled("GR-IAM-14"):
            self.scoped_log_permissions()
        if h.enabled("GR-OBS-06"):
            self.dead_letter_queue()
        if h.enabled("GR-NET-01"):
            self.vpc()
        if h.enabled("GR-CFG-01"):
            self.reserved_concurrency()

    # -- GR-OBS-01 ---------------------------------------------------------------------------
    def tracing(self) -> None:
        before = (self.prop("tracingConfig") or {}).get("mode")
        if before == "Active":
            return
        self.cfn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        self.add_statement(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            ),
            "Tracing",
        )
        self.h.record(self.cfn, "GR-OBS-01", "TracingConfig.Mode", before or "(not set)", "Active")

    # -- GR-OBS-02/03/04/05 ------------------------------------------------------------------
    def logging(self) -> None:
        config = dict(self.prop("loggingConfig") or {})
        h = self.h
        if h.enabled("GR-OBS-05") and config.get("logFormat") != "JSON":
            before = config.get("logFormat") or "(not set)"
            config["logFormat"] = "JSON"
            self.set_logging(config)
            h.record(self.cfn, "GR-OBS-05", "LoggingConfig.LogFormat", before, "JSON")
        target = self.log_group()
        if target is None:
            if h.enabled("GR-OBS-02") and not self.has_log_retention():
                self.create_log_group("GR-OBS-02")
            elif h.enabled("GR-OBS-03"):
                self.log_retention_days()
            return
        days = self.retention()
        current = target.retention_in_days
        if h.enabled("GR-OBS-02" if current is None else "GR-OBS-03") and (
            current is None or (isinstance(current, int) and current < days)
        ):
            target.retention_in_days = days
            rule = "GR-OBS-02" if current is None else "GR-OBS-03"
            h.record(target, rule, "RetentionInDays", _show(current), str(days))
        if h.enabled("GR-OBS-04") and not target.kms_key_id:
            key = self.log_key()  # only now: a per-stack key is created only when it is used
            if key is not None:
                target.kms_key_id = key
                h.record(
                    target, "GR-OBS-04", "KmsKeyId", "(not set)", _show(self.stack.resolve(key))
                )

    def log_group(self) -> logs.CfnLogGroup | None:
        """The log group of the stack the function logs to: the one ``LoggingConfig.LogGroup``
        names, else the stack's ``/aws/lambda/<function name>`` group, if any."""
        config = self.prop("loggingConfig") or {}
        index = self.h.index(self.stack)
        if config.get("logGroup") is None:
            return self.named_log_group(index)
        ref = index.referenced(config.get("logGroup"))
        if not ref:
            return None
        found = index.log_groups.get(ref)
        if found is None:  # one another hardening instance created after this index was built
            scope, prefix = self.new_scope()
            child = scope.node.try_find_child(f"{prefix}GuardrailsLogGroup")
            if isinstance(child, logs.CfnLogGroup) and self.stack.resolve(child.logical_id) == ref:
                found = index.log_groups[ref] = child
        return found

    def named_log_group(self, index: _StackIndex) -> logs.CfnLogGroup | None:
        """The stack's ``/aws/lambda/<function name>`` group (the name literal, or built from
        the function's ``Ref``), which Lambda writes to when ``LoggingConfig`` names none."""
        name = self.prop("functionName")
        wanted: list[Any] = [{"Fn::Join": ["", ["/aws/lambda/", {"Ref": self.logical_id}]]}]
        if isinstance(name, str):
            wanted.append(f"/aws/lambda/{name}")
        if index.group_names is None:
            index.group_names = {
                lid: self.stack.resolve(group.log_group_name)
                for lid, group in index.log_groups.items()
            }
        for lid, group_name in index.group_names.items():
            if group_name in wanted:
                return index.log_groups[lid]
        # one another hardening instance created after this index was built
        scope, prefix = self.new_scope()
        child = scope.node.try_find_child(f"{prefix}GuardrailsLogGroup")
        if isinstance(child, logs.CfnLogGroup):
            group_name = self.stack.resolve(child.log_group_name)
            if group_name in wanted:
                lid = self.stack.resolve(child.logical_id)
                index.log_groups[lid], index.group_names[lid] = child, group_name
                return child
        return None

    def default_log_group_name(self) -> str:
        """``/aws/lambda/<function name>``, the group Lambda writes to when ``LoggingConfig``
        names none: the literal name, else built from the function's ``Ref`` (CDK's form: the
        model links both to the function)."""
        name = self.prop("functionName")
        if isinstance(name, str):
            return f"/aws/lambda/{name}"
        return cdk.Fn.join("", ["/aws/lambda/", self.cfn.ref])

    def has_log_retention(self) -> bool:
        """CDK's ``log_retention=`` (a log-retention custom resource) already sets retention,
        or ``LoggingConfig.LogGroup`` names a group outside the stack: not ours to replace."""
        config = self.prop("loggingConfig") or {}
        if config.get("logGroup") is not None:
            return True
        return self.log_retention_resource() is not None

    def log_retention_resource(self) -> cdk.CfnResource | None:
        """The ``Custom::LogRetention`` resource of CDK's ``log_retention=``, if any."""
        found = self.fn.node.try_find_child("LogRetention") if self.fn is not None else None
        child = found.node.default_child if found is not None else None
        return child if isinstance(child, cdk.CfnResource) else None

    def log_retention_days(self) -> None:
        """GR-OBS-03 on CDK's ``log_retention=``: raise its ``RetentionInDays`` to the
        policy's minimum (a property override: recorded once, also across instances)."""
        resource = self.log_retention_resource()
        if resource is None or _recorded(resource, "GR-OBS-03", "RetentionInDays"):
            return
        current = self.stack.resolve(resource._cfn_properties.get("RetentionInDays"))
        days = self.retention()
        if not isinstance(current, int) or current >= days:
            return  # a token, or long enough (absent would mean "never expire")
        resource.add_property_override("RetentionInDays", days)
        self.h.record(resource, "GR-OBS-03", "RetentionInDays", str(current), str(days))

    def retention(self) -> int:
        wanted = self.policy.min_log_retention_days
        return next((d for d in RETENTION_DAYS if d >= wanted), RETENTION_DAYS[-1])

    def new_group_retention(self) -> int:
        """The policy's retention, or the longer one ``log_retention=`` already asked for (a
        new log group never shortens how long the function's logs are kept)."""
        days = self.retention()
        resource = self.log_retention_resource()
        if resource is not None:
            current = self.stack.resolve(resource._cfn_properties.get("RetentionInDays"))
            if isinstance(current, int) and current > days:
                return current
        return days

    def log_key(self) -> Any:
        if self.policy.kms_key_arn:
            return self.policy.kms_key_arn
        if self.h.fixes_requested_explicitly("GR-OBS-04"):
            return self.h.stack_key(self.stack).key_arn
        return None

    def create_log_group(self, rule: str) -> logs.CfnLogGroup | None:
        """A log group with the policy's retention (and key) for a function that has none.

        With ``log_group_name="function"`` it is ``/aws/lambda/<function name>``, the group
        Lambda already writes to, and ``LoggingConfig`` is left alone: the logs stay where
        metric filters, subscriptions and queries look for them. The group then depends on the
        function (its name is built from the function's ``Ref``), never the other way round:
        nothing the function depends on may name it (``scoped_log_permissions``). The custom
        resources of the stack that name the function wait for the group (``invokers_wait``).
        Not created when a group of another stack has that name (a warning on the function):
        ``None`` then. With ``"new"`` the group gets a generated name and
        ``LoggingConfig.LogGroup`` points at it: the function then logs to exactly this group
        (and depends on it).
        """
        scope, prefix = self.new_scope()
        name = self.default_log_group_name() if self.h.log_group_name == "function" else None
        if name is not None:
            elsewhere = self.h.log_group_elsewhere(self.stack, name) if _literal(name) else None
            if elsewhere is not None:
                cdk.Annotations.of(self.fn or self.cfn).add_warning_v2(
                    LOG_GROUP_ELSEWHERE_ID,
                    f"lambda-guardrails: {elsewhere} defines this function's log group "
                    f"{name} in another stack: no second one is created (GR-OBS-02 cannot "
                    "see a group of another stack: acknowledge its finding here).",
                )
                return None
        key = self.log_key() if self.h.enabled("GR-OBS-04") else None
        days = self.new_group_retention()
        group = logs.CfnLogGroup(
            scope,
            f"{prefix}GuardrailsLogGroup",
            log_group_name=name,
            retention_in_days=days,
            kms_key_id=key,
        )
        group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)  # logs are evidence; as CDK's L2
        index = self.h.index(self.stack)
        logical_id = self.stack.resolve(group.logical_id)
        index.log_groups[logical_id] = group
        if index.group_names is not None:
            index.group_names[logical_id] = self.stack.resolve(group.log_group_name)
        self.h.added(self.stack, log_group=True)
        kept = f"{days} days" + (", KMS" if key else "")
        before = "(not set: /aws/lambda/<function> without retention)"
        if name is not None:
            self.invokers_wait(group)
        if name is None:
            config = dict(self.prop("loggingConfig") or {})
            config["logGroup"] = group.ref
            self.set_logging(config)
            after = (
                f"new log group {group.node.path} ({kept}); the logs move away from "
                "/aws/lambda/<function>"
            )
        else:
            shown = name if _literal(name) else "/aws/lambda/<function>"
            after = (
                f"(still not set) {shown}, created in the stack as {group.node.path} "
                f"({kept}): the logs stay where they are. A function already deployed has "
                "that group: import it (cdk import) or delete it before deploying, else "
                "CloudFormation fails with 'already exists'; log_group_name='new' avoids "
                "that but moves the logs"
            )
        self.h.record(self.cfn, rule, "LoggingConfig.LogGroup", before, after)
        return group

    def invokers_wait(self, group: logs.CfnLogGroup) -> None:
        """Make the custom resources of the stack that name the function (a handler's
        ``ServiceToken``, a trigger, CDK's ``log_retention=``) wait for its
        ``/aws/lambda/<name>`` group. They run while the stack deploys, and a function whose
        role may still create log groups would otherwise create that group itself before
        CloudFormation does ("already exists"); the log-retention handler accepts a group that
        exists. No cycle: they already depend on the function, which the group depends on."""
        index = self.h.index(self.stack)
        if index.custom_resource_properties is None:
            index.custom_resource_properties = [
                (r, self.stack.resolve(r._cfn_properties)) for r in index.custom_resources
            ]
        for resource, properties in index.custom_resource_properties:
            if _refers_to(properties, self.logical_id):
                resource.add_dependency(group)

    def new_scope(self) -> tuple[Construct, str]:
        """Where a resource the Aspect adds for the function goes, and its id's prefix: in the
        L2 ``Function``; beside a raw ``CfnFunction``, named after it (several share a scope;
        not below it: a child would inherit the function's dependencies, a cycle when the
        function depends on a policy that names the child)."""
        if self.fn is not None:
            return self.fn, ""
        # a CfnFunction always has a scope (only the App has none), and scopes are Constructs
        return cast(Construct, self.cfn.node.scope), self.cfn.node.id

    def set_logging(self, config: Mapping[str, Any]) -> None:
        """Write ``LoggingConfig`` back from its resolved form: a value that resolved to an
        intrinsic (``{"Ref": ...}`` of the function's ``log_group=``) becomes a token again,
        since the L1 struct accepts only strings there."""
        self.cfn.logging_config = lambda_.CfnFunction.LoggingConfigProperty(
            log_format=_as_string(config.get("logFormat")),
            log_group=_as_string(config.get("logGroup")),
            application_log_level=_as_string(config.get("applicationLogLevel")),
            system_log_level=_as_string(config.get("systemLogLevel")),
        )

    # -- GR-SEC-02 (opt-in) ------------------------------------------------------------------
    def secret_references(self) -> None:
        env = (self.prop("environment") or {}).get("variables") or {}
        for name, value in sorted(env.items()):
            if not isinstance(value, str):
                continue
            # only a value that is the reference and nothing else: a reference inside a longer
            # value (a connection string...) cannot be replaced by the secret's name
            match = _SECRET_REFERENCE.fullmatch(value.strip())
            if not match or _recorded(self.cfn, "GR-SEC-02", f"Environment.Variables.{name}"):
                continue  # overrides are not visible in the L1: the record says it is done
            kind, reference = match.groups()
            secret_id = (
                reference.split(":SecretString:")[0]
                if kind == "secretsmanager"
                else (reference.split(":")[0])
            )
            if kind == "secretsmanager":
                new_name, arn = f"{name}_SECRET_ARN", self.secret_arn(secret_id)
                actions = ["secretsmanager:GetSecretValue"]
            else:
                new_name, arn = f"{name}_PARAMETER_NAME", self.parameter_arn(secret_id)
                actions = ["ssm:GetParameter"]
            self.cfn.add_property_deletion_override(f"Environment.Variables.{name}")
            self.cfn.add_property_override(f"Environment.Variables.{new_name}", secret_id)
            self.add_statement(iam.PolicyStatement(actions=actions, resources=[arn]), f"Read{name}")
            what = "a Secrets Manager" if kind == "secretsmanager" else "an SSM SecureString"
            self.h.record(
                self.cfn,
                "GR-SEC-02",
                f"Environment.Variables.{name}",
                f"{what} dynamic reference (the value resolved into the configuration)",
                f"Environment.Variables.{new_name} = {secret_id} (read at run time)",
            )

    def secret_arn(self, secret_id: str) -> str:
        if secret_id.startswith("arn:"):
            return secret_id
        return self.stack.format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{secret_id}-??????",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def parameter_arn(self, name: str) -> str:
        return self.stack.format_arn(
            service="ssm", resource="parameter", resource_name=name.lstrip("/")
        )

    # -- GR-SEC-05 ---------------------------------------------------------------------------
    def environment_key(self) -> None:
        env = (self.prop("environment") or {}).get("variables") or {}
        if not env or self.prop("kmsKeyArn"):
            return
        if self.policy.kms_key_arn:
            key = self.policy.kms_key_arn
        elif self.h.fixes_requested_explicitly("GR-SEC-05"):
            key = self.h.stack_key(self.stack).key_arn
        else:
            return
        self.cfn.kms_key_arn = key
        self.h.record(
            self.cfn,
            "GR-SEC-05",
            "KmsKeyArn",
            "(not set: aws/lambda)",
            _show(self.stack.resolve(key)),
        )

    # -- GR-DEP-02 ---------------------------------------------------------------------------
    def code_signing(self) -> None:
        if not self.policy.code_signing_config_arn or self.prop("codeSigningConfigArn"):
            return
        self.cfn.code_signing_config_arn = self.policy.code_signing_config_arn
        self.h.record(
            self.cfn,
            "GR-DEP-02",
            "CodeSigningConfigArn",
            "(not set)",
            self.policy.code_signing_config_arn,
        )

    # -- roles: GR-IAM-10, GR-IAM-14 ---------------------------------------------------------
    def role(self) -> iam.CfnRole | None:
        """The function's role when it is defined in this stack (not an imported one)."""
        if self.fn is not None:
            role = self.fn.role
            child = role.node.default_child if isinstance(role, iam.Role) else None
            return child if isinstance(child, iam.CfnRole) else None
        ref = self.h.index(self.stack).referenced(self.prop("role"))
        return self.h.index(self.stack).roles.get(ref) if ref else None

    def boundary(self) -> None:
        wanted = self.policy.permissions_boundary
        role = self.role()
        if not wanted or role is None:
            return
        current = self.stack.resolve(role.permissions_boundary)
        account = self.stack.resolve(self.stack.account)
        account = account if isinstance(account, str) else None
        if current is not None:
            have = _boundary_identity(current, account)
            if have is None:
                return  # another template value (a parameter...): not decided, left alone
            want = _boundary_identity(wanted, account)
            if (
                want is not None
                and have[1].casefold() == want[1].casefold()
                and (have[0] is None or want[0] is None or have[0] == want[0])
            ):
                return  # the same policy, written another way (as GR-IAM-10 compares)
        if _POLICY_ARN.match(wanted.strip()):
            value: Any = wanted  # the policy's ARN, verbatim
        else:  # a policy name (with its path): CloudFormation wants the ARN
            name = wanted.strip().strip("/").removeprefix("policy/")
            value = self.stack.format_arn(
                service="iam", region="", resource="policy", resource_name=name
            )
        role.permissions_boundary = value
        self.h.record(
            role,
            "GR-IAM-10",
            "PermissionsBoundary",
            _show(current),
            _show(self.stack.resolve(value)),
        )

    def scoped_log_permissions(self) -> None:
        """Replace the AWS managed logging policies by statements on the function's own log
        group. A role shared by several functions loses the managed policies once and gets one
        statement per function (the first function's record names the rewrite; a later one,
        from this or another instance, only adds its own group). A group that can only be
        named through the function itself (``/aws/lambda/<Ref>``) is named in a policy of its
        own, which the function does not wait for (``add_log_policy``): in the role's policy
        it would close a cycle, since the function depends on that policy. Left alone when
        the group is named through another token (a group outside the stack), for this
        function or for another one sharing the role."""
        role = self.role()
        if role is None:
            return
        earlier = _recorded_data(role, "GR-IAM-14", "ManagedPolicyArns")
        arns = self.stack.resolve(role._cfn_properties.get("managedPolicyArns")) or []
        basic = [a for a in arns if _aws_managed_name(a) in BASIC_EXECUTION_POLICIES]
        if earlier is None and not basic:
            return
        if not self.can_scope_logs() or (earlier is None and not self.role_shared_safely(role)):
            return
        log_arn, through_function = self.log_group_arn()
        removed = (
            str(earlier.get("before", ""))
            if earlier is not None
            else ", ".join(_aws_managed_name(a) for a in basic)
        )
        log_statement = iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_arn]
        )
        if through_function:
            self.add_log_policy(role, log_statement)
        else:
            self.add_statement(log_statement, "Logs0")
        vpc = "VPCAccessExecutionRole" in removed
        if vpc:  # Lambda checks these when it creates the function: the function waits for them
            self.add_statement(
                iam.PolicyStatement(actions=list(VPC_ENI_ACTIONS), resources=["*"]), "Logs1"
            )
        if earlier is not None:
            return  # the role's managed policies are already gone (and recorded)
        remaining = [a for a in arns if a not in basic]
        if remaining:
            role.add_property_override("ManagedPolicyArns", remaining)
        else:
            role.add_property_deletion_override("ManagedPolicyArns")
        self.h.record(
            role,
            "GR-IAM-14",
            "ManagedPolicyArns",
            removed,
            "logs:CreateLogStream, logs:PutLogEvents on the function's own log group"
            + (" (+ the VPC network-interface actions)" if vpc else ""),
        )

    def can_scope_logs(self) -> bool:
        """Whether the function's log group can be named in its role's policy: not through a
        token (a group outside the stack); a group of the stack can, even one named through the
        function itself (in a policy of its own); a function without a group gets one."""
        if self.log_group() is not None:
            return True
        name = (self.prop("loggingConfig") or {}).get("logGroup")
        return name is None or isinstance(name, str)

    def role_shared_safely(self, role: iam.CfnRole) -> bool:
        """The managed policy goes only when every function of the stack using the role gets a
        scoped statement in its place (each does when the Aspect visits it); a function that
        cannot be scoped, or is left alone (framework-owned), would lose its log permission."""
        index = self.h.index(self.stack)
        if index.role_users is None:
            index.role_users = {}
            for cfn in index.functions:
                used = _FunctionFixer(self.h, cfn).role()
                if used is not None:
                    users = index.role_users.setdefault(self.stack.resolve(used.logical_id), [])
                    users.append(cfn)
        for other in index.role_users.get(self.stack.resolve(role.logical_id), []):
            if other.node.path == self.cfn.node.path:
                continue
            if self.h._skipped(other) or not _FunctionFixer(self.h, other).can_scope_logs():
                return False
        return True

    def log_group_arn(self) -> tuple[Any, bool]:
        """The ARN of the log group the function writes to (``can_scope_logs``), creating the
        group when there is none, and whether naming it refers to the function itself (a name
        built from its ``Ref``). When another stack's group has the name, the ARN is built
        from the name."""
        config = self.prop("loggingConfig") or {}
        group = self.log_group()
        if group is None and config.get("logGroup") is None:
            group = self.create_log_group("GR-IAM-14")
        if group is not None:
            named = _refers_to(self.stack.resolve(group.log_group_name), self.logical_id)
            return group.attr_arn, named
        name = config.get("logGroup") or self.default_log_group_name()
        arn = self.stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{name}:*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        return arn, _refers_to(self.stack.resolve(arn), self.logical_id)

    def add_log_policy(self, role: iam.CfnRole, statement: iam.PolicyStatement) -> None:
        """The scoped log statement on a group named through the function itself, in a policy
        of its own beside the function (one per function: policy names are unique per role).
        Nothing waits for it: in the role's default policy (which an L2 function depends on)
        or in a policy the function depends on, it would close a cycle (function -> policy ->
        log group -> function). Lambda does not check log permissions when it creates the
        function; the policy follows it in the same deployment."""
        scope, prefix = self.new_scope()
        construct_id = f"{prefix}GuardrailsLogPolicy"
        if scope.node.try_find_child(construct_id) is not None:
            return
        iam.CfnPolicy(
            scope,
            construct_id,
            policy_name=f"lambda-guardrails-logs-{self.logical_id}"[:128],
            roles=[role.ref],
            policy_document={"Version": "2012-10-17", "Statement": [statement.to_statement_json()]},
        )
        self.h.added(self.stack)

    def add_statement(self, statement: iam.PolicyStatement, sid: str) -> None:
        """Grant on the function's role: through the L2 when there is one (its policy document
        drops a duplicate statement), else an inline policy of its own on the stack's L1 role
        (named after the function: inline policies of one role with the same name would
        overwrite each other), which the function then depends on."""
        if self.fn is not None:
            self.fn.add_to_role_policy(statement)
            return
        role = self.role()
        construct_id = f"Guardrails{sid}{self.logical_id}"
        if role is None or role.node.try_find_child(construct_id) is not None:
            return
        policy = iam.CfnPolicy(
            role,
            construct_id,
            policy_name=f"lambda-guardrails-{sid.lower()}-{self.logical_id}"[:128],
            roles=[role.ref],
            policy_document={"Version": "2012-10-17", "Statement": [statement.to_statement_json()]},
        )
        self.h.added(self.stack)
        # as CDK's L2 does with its default policy: Lambda checks some of these permissions
        # (X-Ray, VPC, dead-letter queue) when it creates or updates the function
        self.cfn.add_dependency(policy)

    # -- GR-OBS-06 (opt-in) ------------------------------------------------------------------
    def dead_letter_queue(self) -> None:
        if (self.prop("deadLetterConfig") or {}).get("targetArn") or not self.invoked_async():
            return
        scope, prefix = self.new_scope()
        queue = sqs.Queue(
            scope,
            f"{prefix}GuardrailsDeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            retention_period=cdk.Duration.days(14),
            enforce_ssl=True,
        )
        self.h.added(self.stack, 2)  # the queue and its policy
        self.cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
            target_arn=queue.queue_arn
        )
        self.add_statement(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]), "Dlq"
        )
        self.h.record(
            self.cfn, "GR-OBS-06", "DeadLetterConfig.TargetArn", "(not set)", queue.node.path
        )

    def invoked_async(self) -> bool:
        index = self.h.index(self.stack)
        for permission in index.permissions:
            target = index.referenced(self.stack.resolve(permission.function_name))
            # evaluated as the rule sees it: ``Fn::Sub logs.${AWS::Region}.amazonaws.com`` too
            principal = Evaluator(resources={}).evaluate(self.stack.resolve(permission.principal))
            if target == self.logical_id and asynchronous_service(principal):
                return True
        return False

    # -- GR-NET-01 (opt-in) ------------------------------------------------------------------
    def vpc(self) -> None:
        approved = self.policy.approved_vpc
        config = self.prop("vpcConfig") or {}
        if approved is None or config.get("subnetIds"):
            return
        self.cfn.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
            subnet_ids=list(approved.subnet_ids),
            security_group_ids=list(approved.security_group_ids),
        )
        self.add_statement(
            iam.PolicyStatement(actions=list(VPC_ENI_ACTIONS), resources=["*"]), "Vpc"
        )
        self.h.record(
            self.cfn,
            "GR-NET-01",
            "VpcConfig",
            "(not set)",
            f"subnets {', '.join(approved.subnet_ids)}; "
            f"security groups {', '.join(approved.security_group_ids)}",
        )

    # -- GR-CFG-01 (opt-in) ------------------------------------------------------------------
    def reserved_concurrency(self) -> None:
        wanted = self.policy.default_reserved_concurrency
        if not wanted or self.prop("reservedConcurrentExecutions"):
            return
        self.cfn.reserved_concurrent_executions = wanted
        self.h.record(
            self.cfn, "GR-CFG-01", "ReservedConcurrentExecutions", "(not set)", str(wanted)
        )


def _selected(fixes: str | Iterable[str]) -> frozenset[str]:
    if fixes == "safe":
        return frozenset(SAFE_FIXES)
    if fixes == "all":
        return frozenset(SAFE_FIXES + OPT_IN_FIXES)
    if isinstance(fixes, str):
        raise ValueError(f"fixes: expected 'safe', 'all' or a list of rule ids, got {fixes!r}")
    chosen = frozenset(f.upper() for f in fixes)
    unknown = sorted(f for f in chosen if f not in SAFE_FIXES + OPT_IN_FIXES)
    if unknown:
        known = ", ".join(SAFE_FIXES + OPT_IN_FIXES)
        raise ValueError(f"fixes: no automatic fix for {', '.join(unknown)}; fixable: {known}")
    return chosen


def _recorded(construct: IConstruct, rule: str, prop: str) -> bool:
    """Whether a hardening Aspect (this instance or another) already recorded this rewrite on
    the construct: how rewrites done with property overrides, which the L1 attributes do not
    reflect, stay idempotent."""
    return _recorded_data(construct, rule, prop) is not None


def _recorded_data(construct: IConstruct, rule: str, prop: str) -> Mapping[str, Any] | None:
    """The first record of that rewrite on the construct, if any."""
    for entry in construct.node.metadata:
        data = entry.data
        if (
            entry.type == REMEDIATION_METADATA
            and isinstance(data, Mapping)
            and data.get("rule") == rule
            and data.get("property") == prop
        ):
            return data
    return None


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


def _refers_to(value: Any, logical_id: str) -> bool:
    """Whether a resolved value contains a ``Ref`` / ``Fn::GetAtt`` to ``logical_id``."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        target = value.get("Fn::GetAtt")
        if isinstance(target, list) and target and target[0] == logical_id:
            return True
        return any(_refers_to(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to(v, logical_id) for v in value)
    return False


def _boundary_identity(value: Any, account: str | None) -> tuple[str | None, str] | None:
    """(account, path/name) of a boundary policy: a literal ARN or policy name, or an
    ``Fn::Join`` of literals and the partition / account pseudo parameters (CDK's
    ``from_managed_policy_name``); ``None`` for any other template value."""
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        pieces = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
            elif part == {"Ref": "AWS::Partition"}:
                pieces.append("aws")
            elif part == {"Ref": "AWS::AccountId"}:
                pieces.append(account or "")
            else:
                return None
        text = separator.join(pieces)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None
    match = _POLICY_ARN.match(text)
    if match is None:
        return None, text.strip("/").removeprefix("policy/")
    return match.group(1) or None, match.group(2)


def _aws_managed_name(arn: Any) -> str:
    """``service-role/AWSLambdaBasicExecutionRole`` from a resolved managed policy ARN."""
    text = json.dumps(arn) if not isinstance(arn, str) else arn
    match = re.search(r":iam::aws:policy/([A-Za-z0-9+=,.@_/-]+)", text)
    return match.group(1) if match else ""


def _show(value: Any) -> str:
    if value is None:
        return "(not set)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _as_string(value: Any) -> str | None:
    """A resolved property value as an L1 string property takes it: a string as it is, an
    intrinsic (a ``dict``, e.g. ``{"Ref": "Logs"}``) as a token that resolves to it again."""
    if value is None or isinstance(value, str):
        return value
    return cdk.Token.as_string(value)
