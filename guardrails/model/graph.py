"""Building the graph around each Lambda function from the evaluated templates.

Links are followed through ``Ref`` / ``Fn::GetAtt`` tokens (and through aliases and versions of
the function), never through names guessed from strings, except where CloudFormation itself
links by name: the ``/aws/lambda/<function name>`` log group, and a ``FunctionName`` that is the
literal name (or ARN) of a function of the template.

Permissions and function URLs are followed into the other stacks of the assembly too (a
``FunctionName`` that imports a function's export). Those that name no function of the assembly
(a function of another template or account, a parameter, an import from outside the assembly)
are kept per template as ``Orphans``: the rules about permissions and URLs check them on their
own, once per resource.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guardrails.errors import describe
from guardrails.model import front_doors, vpc
from guardrails.model.assembly import Assembly, Resource, StackTemplate
from guardrails.model.facts import function_of_log_group_name
from guardrails.model.files import inside
from guardrails.model.framework import is_framework_function
from guardrails.model.function import (
    Alarm,
    Code,
    EventInvokeConfig,
    EventSourceMapping,
    ExecutionRole,
    FunctionUrl,
    LambdaFunction,
    LogGroup,
    ManagedPolicy,
    Orphans,
    Permission,
    Referenced,
    Schedule,
    Site,
    Statement,
    VpcPlacement,
)
from guardrails.model.values import (
    Text,
    Token,
    as_list,
    dig,
    literal_str,
    referenced_resources,
    render,
    tokens_in,
)

_AWS_MANAGED = re.compile(r"^arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):iam::aws:policy/(.+)$")
#: resource type of an event source -> its kind
_SOURCE_KINDS = {
    "AWS::SQS::Queue": "sqs",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::MSK::Cluster": "kafka",
    "AWS::MSK::ServerlessCluster": "kafka",
    "AWS::AmazonMQ::Broker": "mq",
    "AWS::DocDB::DBCluster": "docdb",
}
#: service of an event source ARN -> its kind
_ARN_SOURCE_KINDS = {
    "sqs": "sqs",
    "kinesis": "kinesis",
    "dynamodb": "dynamodb",
    "kafka": "kafka",
    "mq": "mq",
    "rds": "docdb",
}
#: resource type -> the property that names the function it belongs to
_ATTACHMENTS = {
    "AWS::Lambda::Permission": "FunctionName",
    "AWS::Lambda::Url": "TargetFunctionArn",
    "AWS::Lambda::EventSourceMapping": "FunctionName",
    "AWS::Lambda::EventInvokeConfig": "FunctionName",
}
_PERMISSION = "AWS::Lambda::Permission"
_URL = "AWS::Lambda::Url"
#: attachments followed into another stack of the assembly (an export of the function, of one
#: of its aliases or versions), and reported on their own when they name no function of it
_FRONT_DOORS = (_PERMISSION, _URL)
#: stands for a template value inside a literal function ARN (no function name contains it)
_TOKEN_MARK = "\x00"


@dataclass(frozen=True)
class AssemblyGraph:
    """What the rules check: every function with its graph, and, per template, the permissions
    and function URLs the graph could not attach to any function of the assembly."""

    functions: list[LambdaFunction]
    orphans: list[Orphans]


def functions(assembly: Assembly, errors: list[str] | None = None) -> list[LambdaFunction]:
    """Every ``AWS::Lambda::Function`` of the assembly, with its graph (see ``build``)."""
    return build(assembly, errors).functions


def build(assembly: Assembly, errors: list[str] | None = None) -> AssemblyGraph:
    """Every ``AWS::Lambda::Function`` of the assembly, with its graph, and the orphan
    permissions and URLs of each template (``Orphans``; templates without any are left out).

    A template shaped in a way the model does not expect must not hide the other functions:
    with ``errors``, a function whose graph cannot be built is left out and the problem is
    recorded there (where, and the exception's class, never its text); without, it raises.
    """
    out: list[LambdaFunction] = []
    orphans: list[Orphans] = []
    graphs: dict[str, StackGraph] = {}
    for stack in assembly.stacks:
        try:
            graphs[stack.name] = StackGraph(stack, peers=graphs)
        except Exception as exc:
            if errors is None:
                raise
            errors.append(
                f"{stack.name}: the model could not index this template ({describe(exc)})"
            )
    for stack_graph in graphs.values():  # alarms on functions of other stacks (Fn::ImportValue)
        for stack_name, fn_id, alarm in stack_graph.foreign_alarms:
            if stack_name in graphs:
                graphs[stack_name].alarms_of_fn[fn_id].append(alarm)
    for stack_graph in graphs.values():
        stack = stack_graph.stack
        for r in stack_graph.by_type["AWS::Lambda::Function"]:
            try:
                out.append(stack_graph.function(r))
            except Exception as exc:
                if errors is None:
                    raise
                errors.append(
                    f"{stack.name}/{r.logical_id}: the model could not read this function "
                    f"({describe(exc)}); it was not checked"
                )
        try:
            found = stack_graph.orphans()
        except Exception as exc:
            if errors is None:
                raise
            errors.append(
                f"{stack.name}: the model could not read the permissions and function URLs "
                f"of this template ({describe(exc)}); they were not checked"
            )
            continue
        if found.permissions or found.urls:
            orphans.append(found)
    # each graph knows its peers, itself included: a reference cycle, which would keep every
    # index alive until the cyclic collector runs. Nothing reads the graphs after this.
    graphs.clear()
    return AssemblyGraph(out, orphans)


def asset_from_metadata(stack: StackTemplate, resource: Resource) -> Path | None:
    """The code asset named by the resource's metadata (``aws:asset:path`` with
    ``aws:asset:property: Code``, as the CDK CLI writes it), for a template scanned alone from
    its cloud assembly: a path relative to the template's directory, never outside it."""
    relative = resource.metadata.get("aws:asset:path")
    if resource.metadata.get("aws:asset:property") != "Code" or not isinstance(relative, str):
        return None
    base = Path(stack.template_path).parent
    path = base / relative
    return path.resolve() if inside(path, base) and path.exists() else None


def _foreign_target(value: Any) -> tuple[str, str] | None:
    """(stack, logical id) of the first resource of another stack of the assembly a value
    refers to through that stack's export (``Fn::ImportValue``), if any."""
    for token in tokens_in(value):
        if token.foreign:
            return token.foreign[0], token.target
    return None


def _literal_function_name(value: Text) -> str | None:
    """The function name of an ARN built with template values in its other fields
    (``arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders``); None
    when the name itself holds a template value, or the text is no function ARN."""
    text = "".join(p if isinstance(p, str) else _TOKEN_MARK for p in value.parts)
    if ":function:" not in text:
        return None
    name = text.split(":function:", 1)[1].split(":", 1)[0]
    return name if name and _TOKEN_MARK not in name else None


def _permission(stack: StackTemplate, p: Resource) -> Permission:
    props = p.properties
    return Permission(
        site=site(stack, p),
        action=props.get("Action"),
        principal=props.get("Principal"),
        source_account=props.get("SourceAccount"),
        source_arn=props.get("SourceArn"),
        principal_org_id=props.get("PrincipalOrgID"),
        function_url_auth_type=props.get("FunctionUrlAuthType"),
        invoked_via_function_url=props.get("InvokedViaFunctionUrl"),
        function=props.get("FunctionName"),
    )


def _url(stack: StackTemplate, u: Resource) -> FunctionUrl:
    props = u.properties
    return FunctionUrl(
        site(stack, u), props.get("AuthType"), props.get("Cors"), props.get("TargetFunctionArn")
    )


def _foreign_resource(value: Any) -> tuple[str, str] | None:
    """(stack, logical id) when a value is one ``Ref`` / ``Fn::GetAtt`` to a resource that
    another stack of the assembly exports to this template (``Fn::ImportValue``)."""
    if isinstance(value, Token) and value.foreign:
        return value.foreign[0], value.target
    return None


def site(stack: StackTemplate, resource: Resource, *path: str | int) -> Site:
    return stack.site(resource, *path)


def statements(
    stack: StackTemplate, resource: Resource, document: Any, *path: str | int
) -> tuple[Statement, ...]:
    """The statements of a policy document found at ``path`` inside ``resource``."""
    raw = dig(document, "Statement")
    out = []
    for i, st in enumerate(as_list(raw)):
        if not isinstance(st, dict):
            continue
        where = (*path, "Statement", i) if isinstance(raw, list) else (*path, "Statement")
        out.append(
            Statement(
                site=site(stack, resource, *where),
                # an Effect CloudFormation only knows at deploy time allows nothing we can decide
                effect=st["Effect"] if isinstance(st.get("Effect"), str) else "Unknown",
                actions=tuple(as_list(st.get("Action"))),
                not_actions=tuple(as_list(st.get("NotAction"))),
                resources=tuple(as_list(st.get("Resource"))),
                not_resources=tuple(as_list(st.get("NotResource"))),
                principals=st.get("Principal", st.get("NotPrincipal")),
                conditions=st.get("Condition"),
                sid=st.get("Sid") if isinstance(st.get("Sid"), str) else None,
            )
        )
    return tuple(out)


class StackGraph:
    """Indexes one template once, then assembles each function's graph from the indexes."""

    def __init__(self, stack: StackTemplate, peers: dict[str, StackGraph] | None = None) -> None:
        self.stack = stack
        #: the graphs of the assembly's stacks, by name, for references across stacks
        self.peers: dict[str, StackGraph] = peers if peers is not None else {stack.name: self}
        by_type: dict[str, list[Resource]] = defaultdict(list)
        for r in stack.resources.values():
            by_type[r.type].append(r)
        self.by_type = by_type
        self.fn_ids = {r.logical_id for r in by_type["AWS::Lambda::Function"]}
        self.fn_names = {
            literal_str(r.properties.get("FunctionName")): r.logical_id
            for r in by_type["AWS::Lambda::Function"]
            if literal_str(r.properties.get("FunctionName"))
        }
        # aliases and versions invoke the function they point at
        self.aliases: dict[str, str] = {}
        for r in by_type["AWS::Lambda::Alias"] + by_type["AWS::Lambda::Version"]:
            target = self._function_of(r.properties.get("FunctionName"))
            if target:
                self.aliases[r.logical_id] = target
        self.aliases_of_fn: dict[str, list[str]] = defaultdict(list)
        for alias_id, target in sorted(self.aliases.items()):
            self.aliases_of_fn[target].append(alias_id)
        self.roles_of_fn = {
            r.logical_id: self._single_ref(r.properties.get("Role"))
            for r in by_type["AWS::Lambda::Function"]
        }
        self.fns_of_role: dict[str, list[str]] = defaultdict(list)
        for fn_id, role_id in self.roles_of_fn.items():
            if role_id:
                self.fns_of_role[role_id].append(fn_id)
        # a role of another stack (CDK passes it as an export: ``Fn::ImportValue``): the
        # function runs with that stack's role, which another stack's policies may extend
        self.foreign_role_of_fn: dict[str, tuple[str, str]] = {}
        #: (stack, role logical id) of another stack -> functions of this template it runs
        self.foreign_fns_of_role: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in by_type["AWS::Lambda::Function"]:
            key = _foreign_resource(r.properties.get("Role"))
            if key:
                self.foreign_role_of_fn[r.logical_id] = key
                self.foreign_fns_of_role[key].append(r.logical_id)
        # resource type -> function logical id -> resources of that type attached to it
        self.attached: dict[str, dict[str, list[Resource]]] = {}
        #: permissions and URLs that name no function of this template: (stack, logical id) of
        #: what they name in another stack through its export -> them (a function, an alias
        #: or a version there, or else orphans: see ``orphans``)
        self.foreign_attached: dict[str, dict[tuple[str, str], list[Resource]]] = {}
        #: permissions and URLs that name no function of this template nor of another stack
        self.unattached: dict[str, list[Resource]] = {}
        for t, prop in _ATTACHMENTS.items():
            index: dict[str, list[Resource]] = defaultdict(list)
            elsewhere: dict[tuple[str, str], list[Resource]] = defaultdict(list)
            loose: list[Resource] = []
            for r in by_type[t]:
                target = self._function_of(r.properties.get(prop))
                if target:
                    index[target].append(r)
                elif t in _FRONT_DOORS:
                    key = _foreign_target(r.properties.get(prop))
                    if key:
                        elsewhere[key].append(r)
                    else:
                        loose.append(r)
            self.attached[t] = index
            self.foreign_attached[t] = elsewhere
            self.unattached[t] = loose
        # role logical id -> policy resources naming it in ``Roles``
        self.policies_of_role: dict[str, list[Resource]] = defaultdict(list)
        #: (stack, role logical id) of another stack -> policies of this template naming it
        #: (``Roles: [Fn::ImportValue ...]``: a grant written where the resource is)
        self.foreign_policies_of_role: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        role_names = {
            literal_str(r.properties.get("RoleName")): r.logical_id
            for r in by_type["AWS::IAM::Role"]
            if literal_str(r.properties.get("RoleName"))
        }
        for t in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for p in by_type[t]:
                for x in as_list(p.properties.get("Roles")):
                    role_id = self._single_ref(x) or role_names.get(literal_str(x))
                    if role_id and p not in self.policies_of_role[role_id]:
                        self.policies_of_role[role_id].append(p)
                    foreign = _foreign_resource(x)
                    if foreign and p not in self.foreign_policies_of_role[foreign]:
                        self.foreign_policies_of_role[foreign].append(p)
        self._index_log_groups()
        self._index_alarms()
        #: role logical id -> (the role resource, its ``ExecutionRole``), built on first use
        self._roles: dict[str, tuple[Resource, ExecutionRole]] = {}
        #: the template's parameters, one copy shared by its functions (``parameters``)
        self._parameters: dict[str, Any] | None = None
        # EventBridge Scheduler invokes through the schedule's role: no Permission to follow
        self.schedules_of_fn: dict[str, list[Resource]] = defaultdict(list)
        for r in by_type["AWS::Scheduler::Schedule"]:
            target = self._function_of(dig(r.properties, "Target", "Arn"))
            if target:
                self.schedules_of_fn[target].append(r)

    # -- linking helpers ----------------------------------------------------------------------
    def _single_ref(self, value: Any) -> str | None:
        """The logical id a value points at when it is a single Ref/GetAtt to a resource."""
        return self.stack.reference(value)

    def _function_of(self, value: Any) -> str | None:
        """The function a ``FunctionName`` / ``TargetFunctionArn`` value designates."""
        for logical_id in sorted(referenced_resources(value)):
            if logical_id in self.fn_ids:
                return logical_id
            if logical_id in self.aliases:
                return self.aliases[logical_id]
        name = literal_str(value)
        if name:
            # a name, or an ARN (possibly qualified with a version or alias) ending in it
            if ":function:" in name:
                name = name.split(":function:", 1)[1].split(":", 1)[0]
            return self.fn_names.get(name)
        if isinstance(value, Text):
            name = _literal_function_name(value)
            return self.fn_names.get(name) if name else None
        return None

    def _targeting(self, resource_type: str, fn_id: str) -> list[Resource]:
        return self.attached[resource_type].get(fn_id, [])

    def _front_doors(self, resource_type: str, fn_id: str) -> list[tuple[StackTemplate, Resource]]:
        """The permissions (or URLs) of the function, with their templates: of this template,
        and of the assembly's other stacks naming it, or one of its aliases and versions,
        through their exports."""
        found = [(self.stack, r) for r in self._targeting(resource_type, fn_id)]
        others = [
            peer
            for peer in self.peers.values()
            if peer is not self and peer.foreign_attached[resource_type]
        ]
        if others:
            names = [fn_id, *self.aliases_of_fn.get(fn_id, ())]
            for peer in others:
                for name in names:
                    key = (self.stack.name, name)
                    found.extend(
                        (peer.stack, r) for r in peer.foreign_attached[resource_type].get(key, ())
                    )
        return found

    def _names_a_function(self, key: tuple[str, str]) -> bool:
        """Whether (stack, logical id) is a function, alias or version of a stack of the
        assembly."""
        peer = self.peers.get(key[0])
        return peer is not None and (key[1] in peer.fn_ids or key[1] in peer.aliases)

    def orphans(self) -> Orphans:
        """The permissions and function URLs of this template that name no function of the
        assembly (see ``Orphans``), in template order. Call it once the assembly's graphs are
        all built (``peers``): a reference to another stack is judged against them."""
        found: dict[str, list[Resource]] = {}
        for t in _FRONT_DOORS:
            loose = {r.logical_id for r in self.unattached[t]}
            for key, resources in self.foreign_attached[t].items():
                if not self._names_a_function(key):
                    loose.update(r.logical_id for r in resources)
            found[t] = [r for r in self.by_type[t] if r.logical_id in loose]
        return Orphans(
            stack=self.stack.name,
            permissions=tuple(_permission(self.stack, p) for p in found[_PERMISSION]),
            urls=tuple(_url(self.stack, u) for u in found[_URL]),
            account=self.stack.account,
            region=self.stack.region,
        )

    # -- graph -------------------------------------------------------------------------------
    def functions(self) -> Iterator[LambdaFunction]:
        for r in self.by_type["AWS::Lambda::Function"]:
            yield self.function(r)

    def function(self, r: Resource) -> LambdaFunction:
        stack = self.stack
        props = r.properties
        role = self.execution_role(r)
        placement = self.vpc(r)
        mappings = tuple(
            self.event_source_mapping(m)
            for m in self._targeting("AWS::Lambda::EventSourceMapping", r.logical_id)
        )
        invoke_configs = tuple(
            EventInvokeConfig(
                site(stack, c),
                dig(c.properties, "DestinationConfig", "OnFailure", "Destination"),
                dig(c.properties, "DestinationConfig", "OnSuccess", "Destination"),
            )
            for c in self._targeting("AWS::Lambda::EventInvokeConfig", r.logical_id)
        )
        tags = {
            t["Key"]: t.get("Value")
            for t in as_list(props.get("Tags"))
            if isinstance(t, dict) and isinstance(t.get("Key"), str)
        }
        return LambdaFunction(
            site=site(stack, r),
            properties=props,
            owner="framework" if is_framework_function(r.logical_id, r.construct_path) else "user",
            role=role,
            role_arn=None if role else props.get("Role"),
            permissions=tuple(self.permissions(r.logical_id)),
            urls=tuple(_url(owner, u) for owner, u in self._front_doors(_URL, r.logical_id)),
            log_groups=tuple(self.log_groups(r)),
            vpc=placement,
            code=self.code(r),
            event_source_mappings=mappings,
            event_invoke_configs=invoke_configs,
            tags=tags,
            rest_methods=front_doors.rest_methods(self, r),
            http_routes=front_doors.http_routes(self, r),
            alarms=tuple(self.alarms_of_fn.get(r.logical_id, ())),
            schedules=tuple(
                Schedule(site(stack, s, "Target"))
                for s in self.schedules_of_fn.get(r.logical_id, ())
            ),
            network=vpc.placement(self, r) if placement is not None else None,
            account=stack.account,
            region=stack.region,
            parameters=self.parameters(),
            referenced=self.referenced(
                props.get("Environment"),
                props.get("DeadLetterConfig"),
                [m.on_failure_destination for m in mappings],
                [c.on_failure_destination for c in invoke_configs],
                [c.on_success_destination for c in invoke_configs],
            ),
        )

    def referenced(self, *values: Any) -> dict[str, Referenced]:
        """The resources of this template that ``values`` (the function's environment, its
        dead-letter queue and destinations) name."""
        out: dict[str, Referenced] = {}
        for token in tokens_in(list(values)):
            resource = self.stack.resources.get(token.resource) if token.resource else None
            if resource is not None and resource.logical_id not in out:
                name = (
                    literal_str(resource.properties.get("Name"))
                    if resource.type == "AWS::SSM::Parameter"
                    else None
                )
                out[resource.logical_id] = Referenced(
                    resource.logical_id, resource.type, resource.construct_path, name
                )
        return out

    def parameters(self) -> dict[str, Any]:
        """The template's parameters as ``LambdaFunction.parameters`` holds them: one copy per
        template, shared by its functions (read-only, as the whole model)."""
        if self._parameters is None:
            self._parameters = dict(self.stack.parameters)
        return self._parameters

    def event_source_mapping(self, m: Resource) -> EventSourceMapping:
        arn = m.properties.get("EventSourceArn")
        source_id = self._single_ref(arn)
        source = self.stack.resources.get(source_id) if source_id else None
        kind = _SOURCE_KINDS.get(source.type) if source else None
        if kind is None:
            service = render(arn).split(":")[2:3] if isinstance(arn, (str, Text)) else []
            kind = _ARN_SOURCE_KINDS.get(service[0]) if service else None
        if kind is None and ("SelfManagedEventSource" in m.properties or "Topics" in m.properties):
            kind = "kafka"
        return EventSourceMapping(
            site=site(self.stack, m),
            event_source_arn=arn,
            on_failure_destination=dig(
                m.properties, "DestinationConfig", "OnFailure", "Destination"
            ),
            source_kind=kind,
            source=source_id,
            source_redrive_policy=(
                source.properties.get("RedrivePolicy") if source and kind == "sqs" else None
            ),
            source_site=site(self.stack, source) if source else None,
        )

    def execution_role(self, fn: Resource) -> ExecutionRole | None:
        """The role the function runs with when the assembly defines it: a role of this
        template, or one another stack exports to it (then read from that stack, where its
        policies, trust and boundary are). None for a role from outside the assembly."""
        graph: StackGraph | None = self
        role_id = self.roles_of_fn.get(fn.logical_id)
        if role_id is None and fn.logical_id in self.foreign_role_of_fn:
            stack_name, role_id = self.foreign_role_of_fn[fn.logical_id]
            graph = self.peers.get(stack_name)
        resource = graph.stack.resources.get(role_id) if graph and role_id else None
        if graph is None or resource is None or resource.type != "AWS::IAM::Role":
            return None
        return graph.role(resource)

    def role(self, r: Resource) -> ExecutionRole:
        """``r`` (a role of this template) with everything that grants it permissions, in this
        template and, through its exports, in the assembly's other stacks.

        Built once per role: the functions that share it share the same (immutable) object,
        so a role shared by a thousand functions is not read a thousand times (nor are its
        statements: what the rules decide about one is remembered, ``values.memoized``)."""
        role = self._roles.get(r.logical_id)
        if role is None or role[0] is not r:
            role = self._roles[r.logical_id] = (r, self._build_role(r))
        return role[1]

    def _build_role(self, r: Resource) -> ExecutionRole:
        stack = self.stack
        props = r.properties
        key = (stack.name, r.logical_id)
        others = [peer for peer in self.peers.values() if peer is not self]
        managed: list[ManagedPolicy] = []
        # (template, policy resource, document, path of the document in the resource)
        policy_docs: list[tuple[StackTemplate, Resource, Any, tuple[str | int, ...]]] = []
        for i, arn in enumerate(as_list(props.get("ManagedPolicyArns"))):
            mp_id = self._single_ref(arn)
            match = _AWS_MANAGED.match(render(arn)) if isinstance(arn, (str, Text)) else None
            managed.append(
                ManagedPolicy(
                    site(stack, r, "ManagedPolicyArns", i),
                    arn,
                    aws_name=match.group(1) if match else None,
                    logical_id=mp_id,
                )
            )
            owner, mp = self._resource_of(arn)
            if owner and mp and mp.type == "AWS::IAM::ManagedPolicy":
                policy_docs.append(
                    (owner, mp, mp.properties.get("PolicyDocument"), ("PolicyDocument",))
                )
        for i, policy in enumerate(as_list(props.get("Policies"))):
            if isinstance(policy, dict):
                policy_docs.append(
                    (stack, r, policy.get("PolicyDocument"), ("Policies", i, "PolicyDocument"))
                )
        attached = [(stack, p) for p in self.policies_of_role.get(r.logical_id, ())]
        for peer in others:
            attached.extend((peer.stack, p) for p in peer.foreign_policies_of_role.get(key, ()))
        for owner, p in attached:
            if not any(p is d[1] for d in policy_docs):
                policy_docs.append(
                    (owner, p, p.properties.get("PolicyDocument"), ("PolicyDocument",))
                )
        all_statements: list[Statement] = []
        unreadable = False
        for owner, resource, document, path in policy_docs:
            all_statements.extend(statements(owner, resource, document, *path))
            listed = document.get("Statement") if isinstance(document, dict) else None
            unreadable = unreadable or not isinstance(listed, (list, dict))
        # functions of other stacks are named with their stack: logical ids are per template
        functions = sorted(self.fns_of_role.get(r.logical_id, ()))
        functions += sorted(
            f"{peer.stack.name}/{fn_id}"
            for peer in others
            for fn_id in peer.foreign_fns_of_role.get(key, ())
        )
        return ExecutionRole(
            site=site(stack, r),
            trust=statements(
                stack, r, props.get("AssumeRolePolicyDocument"), "AssumeRolePolicyDocument"
            ),
            managed_policies=tuple(managed),
            statements=tuple(all_statements),
            permissions_boundary=props.get("PermissionsBoundary"),
            functions=tuple(functions),
            unreadable_policies=unreadable,
            boundary_statements=self._boundary_statements(props.get("PermissionsBoundary")),
        )

    def _boundary_statements(self, boundary: Any) -> tuple[Statement, ...] | None:
        """The statements of a boundary that is a managed policy of the assembly with a
        readable document; None otherwise (no boundary, or one not known here)."""
        if boundary is None:
            return None
        owner, policy = self._resource_of(boundary)
        if owner is None or policy is None or policy.type != "AWS::IAM::ManagedPolicy":
            return None
        document = policy.properties.get("PolicyDocument")
        listed = document.get("Statement") if isinstance(document, dict) else None
        if not isinstance(listed, (list, dict)):
            return None
        return statements(owner, policy, document, "PolicyDocument")

    def _resource_of(self, value: Any) -> tuple[StackTemplate | None, Resource | None]:
        """The resource a single ``Ref`` / ``Fn::GetAtt`` designates, with its template: of
        this template, or of another stack of the assembly through its export."""
        local = self._single_ref(value)
        if local:
            return self.stack, self.stack.resources.get(local)
        foreign = _foreign_resource(value)
        peer = self.peers.get(foreign[0]) if foreign else None
        if foreign is None or peer is None:
            return None, None
        return peer.stack, peer.stack.resources.get(foreign[1])

    def permissions(self, fn_id: str) -> Iterator[Permission]:
        """The function's permissions: of this template, and of other stacks through its
        exports (a permission written where the caller is)."""
        for owner, p in self._front_doors(_PERMISSION, fn_id):
            yield _permission(owner, p)

    def log_groups(self, fn: Resource) -> Iterator[LogGroup]:
        configured = dig(fn.properties, "LoggingConfig", "LogGroup")
        configured_name = literal_str(configured)
        if configured is not None:
            targets = [self.stack.resources.get(self._single_ref(configured) or "")]
            targets += self.log_groups_by_name.get(configured_name, []) if configured_name else []
            linked = [
                (r, "logging_config") for r in targets if r and r.type == "AWS::Logs::LogGroup"
            ]
        else:
            linked = [(r, "by_name") for r in self.log_groups_of_fn.get(fn.logical_id, [])]
        for r in self.log_retentions_of_fn.get(fn.logical_id, []):
            linked.append((r, "log_retention"))
        if configured_name:
            for r in self.log_retentions_by_name.get(configured_name, []):
                linked.append((r, "log_retention"))
        seen: set[str] = set()
        for r, linked_by in linked:
            if r.logical_id in seen:
                continue
            seen.add(r.logical_id)
            yield LogGroup(
                site(self.stack, r),
                r.properties.get("LogGroupName"),
                r.properties.get("RetentionInDays"),
                r.properties.get("KmsKeyId"),
                linked_by,
            )

    def _index_log_groups(self) -> None:
        """Log groups by literal name, and by the function whose ``/aws/lambda/<name>`` they are."""
        self.log_groups_by_name: dict[str, list[Resource]] = defaultdict(list)
        self.log_groups_of_fn: dict[str, list[Resource]] = defaultdict(list)
        self.log_retentions_by_name: dict[str, list[Resource]] = defaultdict(list)
        self.log_retentions_of_fn: dict[str, list[Resource]] = defaultdict(list)
        for t, by_name, of_fn in (
            ("AWS::Logs::LogGroup", self.log_groups_by_name, self.log_groups_of_fn),
            ("Custom::LogRetention", self.log_retentions_by_name, self.log_retentions_of_fn),
        ):
            for r in self.by_type[t]:
                name = r.properties.get("LogGroupName")
                literal_name = literal_str(name)
                if literal_name:
                    by_name[literal_name].append(r)
                fn_id = self._function_of_log_group_name(name)
                if fn_id:
                    of_fn[fn_id].append(r)

    def _index_alarms(self) -> None:
        """Alarms on a metric with a ``FunctionName`` (or ``Resource``) dimension naming a
        function, directly or inside metric math (``Metrics[].MetricStat.Metric``)."""
        self.alarms_of_fn: dict[str, list[Alarm]] = defaultdict(list)
        #: (stack, function logical id, alarm) for alarms on another stack's function
        self.foreign_alarms: list[tuple[str, str, Alarm]] = []
        for a in self.by_type["AWS::CloudWatch::Alarm"]:
            props = a.properties
            metrics = [props] + [
                dig(m, "MetricStat", "Metric") for m in as_list(props.get("Metrics"))
            ]
            for metric in metrics:
                if not isinstance(metric, dict):
                    continue
                for dimension in as_list(metric.get("Dimensions")):
                    if not isinstance(dimension, dict):
                        continue
                    if dimension.get("Name") not in ("FunctionName", "Resource"):
                        continue
                    value = dimension.get("Value")
                    if isinstance(value, Token) and value.foreign and value.kind == "ref":
                        name, namespace = metric.get("MetricName"), metric.get("Namespace")
                        alarm = Alarm(site(self.stack, a), name, namespace)
                        self.foreign_alarms.append((value.foreign[0], value.target, alarm))
                        continue
                    fn_id = self._function_of(value)
                    if fn_id:
                        self.alarms_of_fn[fn_id].append(
                            Alarm(
                                site(self.stack, a),
                                metric.get("MetricName"),
                                metric.get("Namespace"),
                            )
                        )

    def _function_of_log_group_name(self, name: Any) -> str | None:
        """The function whose default log group ``/aws/lambda/<function name>`` this name is
        (decided as the hardening Aspect decides it: ``facts.function_of_log_group_name``)."""
        return function_of_log_group_name(name, self.fn_ids, self.fn_names)

    def vpc(self, fn: Resource) -> VpcPlacement | None:
        config = fn.properties.get("VpcConfig")
        if not isinstance(config, dict):
            return None
        subnets = tuple(as_list(config.get("SubnetIds")))
        groups = tuple(as_list(config.get("SecurityGroupIds")))
        if not subnets and not groups:
            return None  # an empty VpcConfig detaches the function
        return VpcPlacement(site(self.stack, fn, "VpcConfig"), subnets, groups)

    def code(self, fn: Resource) -> Code | None:
        code = fn.properties.get("Code")
        if not isinstance(code, dict):
            return None
        inline = code.get("ZipFile")
        s3_key = code.get("S3Key")
        key = literal_str(s3_key)
        return Code(
            site=site(self.stack, fn, "Code"),
            inline=inline
            if isinstance(inline, str)
            else (render(inline) if inline is not None else None),
            s3_key=s3_key,
            image_uri=code.get("ImageUri"),
            asset_path=(self.stack.assets.get(key) if key else None)
            or asset_from_metadata(self.stack, fn),
        )
