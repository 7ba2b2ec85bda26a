"""The function's front doors behind API Gateway: REST API methods and HTTP API routes.

A REST method invokes the function when its ``Integration.Uri`` contains the function's ARN
(CDK emits it as an ``Fn::Join`` of ``arn:<partition>:apigateway:<region>:lambda:path/...``
around ``Fn::GetAtt <fn>.Arn``); an HTTP API route does when its ``Target``
(``integrations/<id>``) names an integration whose ``IntegrationUri`` is the function (or an
alias of it). Function URLs and ``AWS::Lambda::Permission`` are in ``function``.

How a reference to the function is recognised, in an integration URI or an HTTP API quick-create
``Target``: a ``Ref`` / ``Fn::GetAtt`` of the function or of one of its aliases and versions
(``Fn::Join`` and ``Fn::Sub`` forms alike), else a literal ARN whose ``:function:<name>`` is the
literal ``FunctionName`` of a function of the template.

Stages and WAF: every stage of a REST API fronts every method of it, so a method carries the
stages of its API: ``AWS::ApiGateway::Stage`` resources whose ``RestApiId`` refers to the API,
and the stage an ``AWS::ApiGateway::Deployment`` creates through its ``StageName``. A stage is
protected when an ``AWS::WAFv2::WebACLAssociation`` (or ``AWS::WAFRegional::WebACLAssociation``)
of the template has a ``ResourceArn`` that refers to the API and, after ``/stages/``, to the
stage (a ``Ref`` to the stage resource or its literal name).

Limitations: only the resources of the function's own template are linked. An API, integration,
validator or WAF association in another stack (a cross-stack reference arrives as an
``Fn::ImportValue``) is not followed; methods and routes described only in an OpenAPI definition
(``Body`` / ``BodyS3Location``, CDK's ``SpecRestApi``) are not modelled.

Every template is indexed once (function logical id -> methods, routes), on the first call for a
``StackGraph``: a template with a thousand functions is not rescanned per function.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from guardrails.model.site import Site
from guardrails.model.values import (
    Text,
    Token,
    Value,
    literal_str,
    referenced_resources,
    tokens_in,
)

if TYPE_CHECKING:
    from guardrails.model.assembly import Resource
    from guardrails.model.graph import StackGraph

_FUNCTION_NAME_IN_ARN = re.compile(r":function:([A-Za-z0-9_-]+)")
_STAGES = "/stages/"
_WAF_ASSOCIATIONS = ("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")
#: services whose ARNs a WAF association can name besides API Gateway stages
_OTHER_WAF_TARGETS = (
    ":elasticloadbalancing:",
    ":appsync:",
    ":cognito-idp:",
    ":apprunner:",
    ":ec2:",
    ":amplify:",
)


@dataclass(frozen=True, slots=True)
class RestStage:
    """A deployed stage of the REST API that fronts the function."""

    site: Site
    name: Value = None
    #: True: a WAFv2 (or WAF Regional) web ACL association of the template targets it; False:
    #: none does; None: an association whose target cannot be resolved (a parameter, an import)
    #: might
    web_acl_associated: bool | None = False
    #: "stage" (an ``AWS::ApiGateway::Stage``) or "deployment" (the ``StageName`` of an
    #: ``AWS::ApiGateway::Deployment``)
    declared_by: str = "stage"


@dataclass(frozen=True, slots=True)
class RestMethod:
    """An ``AWS::ApiGateway::Method`` whose integration invokes the function."""

    site: Site
    http_method: Value = None
    authorization_type: Value = None
    api_key_required: Value = None
    #: the evaluated properties of its ``AWS::ApiGateway::RequestValidator``; None when the
    #: method names none; ``{}`` is never used for "unknown" (see ``request_validator_id``)
    request_validator: dict[str, Any] | None = None
    #: ``RequestValidatorId`` as given (a token to a validator outside the template is
    #: undecidable, a missing one is "no validator")
    request_validator_id: Value = None
    #: logical id of the ``AWS::ApiGateway::RestApi`` when it is in the template
    rest_api: str | None = None
    stages: tuple[RestStage, ...] = ()
    #: the resource path (``/``, ``/orders/{id}``) when the resource chain is in the template
    path: str | None = None
    #: logical id of the request validator, when it is in the template
    request_validator_logical_id: str | None = None

    @property
    def label(self) -> str:
        """``ANY /{proxy+}``, for messages."""
        method = literal_str(self.http_method)
        method = method.upper() if method else str(self.http_method)
        return f"{method} {self.path}" if self.path else method


@dataclass(frozen=True, slots=True)
class HttpRoute:
    """An ``AWS::ApiGatewayV2::Route`` of an HTTP API whose integration is the function."""

    site: Site
    route_key: Value = None
    authorization_type: Value = None
    authorizer_id: Value = None
    #: logical id of the ``AWS::ApiGatewayV2::Api`` when it is in the template
    api: str | None = None
    #: the API's ``ProtocolType`` (``HTTP`` / ``WEBSOCKET``) when the API is in the template
    protocol_type: Value = None
    #: the implicit ``$default`` route of an API created by quick create (``Target`` on the
    #: ``AWS::ApiGatewayV2::Api``); ``site`` is then the API's ``Properties/Target``
    quick_create: bool = False


def rest_methods(graph: StackGraph, fn: Resource) -> tuple[RestMethod, ...]:
    """The REST API methods that invoke ``fn``: of its template, and of the assembly's other
    stacks through ``fn``'s exports (an API stack integrating a function of a service stack)."""
    found = list(_index(graph).rest.get(fn.logical_id, ()))
    key = (graph.stack.name, fn.logical_id)
    for peer in graph.peers.values():
        if peer is not graph:
            found.extend(_index(peer).foreign_rest.get(key, ()))
    return tuple(found)


def http_routes(graph: StackGraph, fn: Resource) -> tuple[HttpRoute, ...]:
    """The HTTP API routes whose integration is ``fn``: of its template, and of the assembly's
    other stacks through ``fn``'s exports."""
    found = list(_index(graph).http.get(fn.logical_id, ()))
    key = (graph.stack.name, fn.logical_id)
    for peer in graph.peers.values():
        if peer is not graph:
            found.extend(_index(peer).foreign_http.get(key, ()))
    return tuple(found)


def invoked_elsewhere(graph: StackGraph, value: Any) -> set[tuple[str, str]]:
    """(stack, function logical id) of the functions of OTHER stacks of the assembly an
    integration URI designates through their exports."""
    found: set[tuple[str, str]] = set()
    for token in tokens_in(value):
        if not token.foreign:
            continue
        stack, local = token.foreign
        peer = graph.peers.get(stack)
        if peer is None:
            continue
        if local.target in peer.fn_ids:
            found.add((stack, local.target))
        elif local.target in peer.aliases:
            found.add((stack, peer.aliases[local.target]))
    return found


def invoked_functions(graph: StackGraph, value: Any) -> set[str]:
    """Logical ids of the functions of the template an integration URI (or ARN) designates."""
    found: set[str] = set()
    for token in tokens_in(value):
        target = token.resource
        if target in graph.fn_ids:
            found.add(target)
        elif target in graph.aliases:
            found.add(graph.aliases[target])
    if found:
        return found
    literals = (
        (value,) if isinstance(value, str) else value.literals if isinstance(value, Text) else ()
    )
    for text in literals:
        for name in _FUNCTION_NAME_IN_ARN.findall(text):
            if name in graph.fn_names:
                found.add(graph.fn_names[name])
    return found


# -- index ------------------------------------------------------------------------------------
_INDEXES: weakref.WeakKeyDictionary[StackGraph, _FrontDoors] = weakref.WeakKeyDictionary()


def _index(graph: StackGraph) -> _FrontDoors:
    index = _INDEXES.get(graph)
    if index is None:
        index = _INDEXES[graph] = _FrontDoors(graph)
    return index


class _FrontDoors:
    """Function logical id -> the REST methods and HTTP routes of one template invoking it."""

    def __init__(self, graph: StackGraph) -> None:
        # no reference to ``graph`` is kept: it is the key of the weak cache
        self.stack = graph.stack
        self.resources = graph.stack.resources
        self.rest: dict[str, list[RestMethod]] = defaultdict(list)
        self.http: dict[str, list[HttpRoute]] = defaultdict(list)
        self._paths: dict[str, str | None] = {}
        #: (stack, function logical id) -> methods of this template invoking another stack's
        #: function through its exports
        self.foreign_rest: dict[tuple[str, str], list[RestMethod]] = defaultdict(list)
        self.foreign_http: dict[tuple[str, str], list[HttpRoute]] = defaultdict(list)
        methods = []
        for m in graph.by_type["AWS::ApiGateway::Method"]:
            uri = _integration_uri(m)
            fns = invoked_functions(graph, uri)
            elsewhere = set() if fns else invoked_elsewhere(graph, uri)
            if fns or elsewhere:
                methods.append((m, fns, elsewhere))
        stages = self._stages(graph) if methods else {}
        for m, fns, elsewhere in methods:
            method = self._method(m, stages)
            for fn_id in sorted(fns):
                self.rest[fn_id].append(method)
            for key in sorted(elsewhere):
                self.foreign_rest[key].append(method)
        self._index_http(graph)
        self._index_quick_create(graph)

    def _site(self, r: Resource, *path: str | int) -> Site:
        return self.stack.site(r, *path)

    def _of_type(self, value: Any, *types: str) -> str | None:
        """The logical id a single ``Ref`` / ``Fn::GetAtt`` points at, if of one of ``types``."""
        target = value.resource if isinstance(value, Token) else None
        if target is not None and target in self.resources and self.resources[target].type in types:
            return target
        return None

    # -- REST ---------------------------------------------------------------------------------
    def _method(self, m: Resource, stages: dict[str, tuple[RestStage, ...]]) -> RestMethod:
        props = m.properties
        api = self._of_type(props.get("RestApiId"), "AWS::ApiGateway::RestApi")
        validator_id = props.get("RequestValidatorId")
        validator = self._of_type(validator_id, "AWS::ApiGateway::RequestValidator")
        return RestMethod(
            site=self._site(m),
            http_method=props.get("HttpMethod"),
            authorization_type=props.get("AuthorizationType"),
            api_key_required=props.get("ApiKeyRequired"),
            request_validator=self.resources[validator].properties if validator else None,
            request_validator_id=validator_id,
            rest_api=api,
            stages=stages.get(api, ()) if api else (),
            path=self._path(props.get("ResourceId")),
            request_validator_logical_id=validator,
        )

    def _path(self, resource_id: Any) -> str | None:
        """``/`` for the API's root resource, ``<parent>/<PathPart>`` for a resource of the
        template; None when any step is not in the template."""
        if not isinstance(resource_id, Token) or resource_id.resource not in self.resources:
            return None
        if resource_id.kind == "getatt":
            return "/" if resource_id.attribute == "RootResourceId" else None
        logical_id = resource_id.target
        if logical_id in self._paths:
            return self._paths[logical_id]
        self._paths[logical_id] = None  # guards against a cycle in a broken template
        r = self.resources[logical_id]
        part = literal_str(r.properties.get("PathPart"))
        parent = self._path(r.properties.get("ParentId"))
        if r.type == "AWS::ApiGateway::Resource" and part and parent:
            self._paths[logical_id] = f"{parent.rstrip('/')}/{part}"
        return self._paths[logical_id]

    def _stages(self, graph: StackGraph) -> dict[str, tuple[RestStage, ...]]:
        """REST API logical id -> its stages, each with its WAF association state."""
        associations = [
            a.properties.get("ResourceArn") for t in _WAF_ASSOCIATIONS for a in graph.by_type[t]
        ]
        # a WAF stack of the assembly may protect this stack's stages through its exports
        for peer in graph.peers.values():
            if peer is graph:
                continue
            for t in _WAF_ASSOCIATIONS:
                for a in peer.by_type[t]:
                    arn = _localized(a.properties.get("ResourceArn"), graph.stack.name)
                    if arn is not None:
                        associations.append(arn)
        found: dict[str, list[RestStage]] = defaultdict(list)
        for s in graph.by_type["AWS::ApiGateway::Stage"]:
            api = self._of_type(s.properties.get("RestApiId"), "AWS::ApiGateway::RestApi")
            if api:
                name = s.properties.get("StageName")
                found[api].append(
                    RestStage(
                        self._site(s),
                        name,
                        _associated(associations, api, s.logical_id, name),
                    )
                )
        for d in graph.by_type["AWS::ApiGateway::Deployment"]:
            name = d.properties.get("StageName")
            api = self._of_type(d.properties.get("RestApiId"), "AWS::ApiGateway::RestApi")
            if api and name is not None:
                found[api].append(
                    RestStage(
                        self._site(d, "StageName"),
                        name,
                        _associated(associations, api, None, name),
                        declared_by="deployment",
                    )
                )
        return {api: tuple(stages) for api, stages in found.items()}

    # -- HTTP APIs ----------------------------------------------------------------------------
    def _index_http(self, graph: StackGraph) -> None:
        # integration -> the functions it invokes: logical ids of this template, or
        # (stack, logical id) of another stack's function reached through its exports
        integrations: dict[str, set[Any]] = {}
        for i in graph.by_type["AWS::ApiGatewayV2::Integration"]:
            uri = i.properties.get("IntegrationUri")
            fns: set[Any] = set(invoked_functions(graph, uri)) or set(invoked_elsewhere(graph, uri))
            if fns:
                integrations[i.logical_id] = fns
        if not integrations:
            return
        for r in graph.by_type["AWS::ApiGatewayV2::Route"]:
            target = r.properties.get("Target")
            fns = set()
            for integration in referenced_resources(target) & integrations.keys():
                fns |= integrations[integration]
            if not fns:
                continue
            props = r.properties
            api = self._of_type(props.get("ApiId"), "AWS::ApiGatewayV2::Api")
            route = HttpRoute(
                site=self._site(r),
                route_key=props.get("RouteKey"),
                authorization_type=props.get("AuthorizationType"),
                authorizer_id=props.get("AuthorizerId"),
                api=api,
                protocol_type=self.resources[api].properties.get("ProtocolType") if api else None,
            )
            for key in sorted(fns, key=str):
                if isinstance(key, tuple):
                    self.foreign_http[key].append(route)
                else:
                    self.http[key].append(route)

    def _index_quick_create(self, graph: StackGraph) -> None:
        """An API with ``Target`` gets an implicit ``$default`` route to it, with no authorizer
        unless an ``AWS::ApiGatewayV2::ApiGatewayManagedOverrides`` sets one."""
        apis = [a for a in graph.by_type["AWS::ApiGatewayV2::Api"] if "Target" in a.properties]
        if not apis:
            return
        overrides: dict[str, Any] = {}
        for o in graph.by_type["AWS::ApiGatewayV2::ApiGatewayManagedOverrides"]:
            api = self._of_type(o.properties.get("ApiId"), "AWS::ApiGatewayV2::Api")
            route = o.properties.get("Route")
            if api and isinstance(route, dict):
                overrides[api] = route
        for a in apis:
            fns = invoked_functions(graph, a.properties["Target"])
            override = overrides.get(a.logical_id, {})
            route = HttpRoute(
                site=self._site(a, "Target"),
                route_key=a.properties.get("RouteKey", "$default"),
                authorization_type=override.get("AuthorizationType"),
                authorizer_id=override.get("AuthorizerId"),
                api=a.logical_id,
                protocol_type=a.properties.get("ProtocolType"),
                quick_create=True,
            )
            for fn_id in sorted(fns):
                self.http[fn_id].append(route)


def _integration_uri(method: Resource) -> Any:
    integration = method.properties.get("Integration")
    return integration.get("Uri") if isinstance(integration, dict) else None


def _localized(arn: Any, stack: str) -> Any:
    """An ARN of another stack, as ``stack`` would write it, when it refers to ``stack``'s
    resources (through their exports); None when it does not refer to ``stack`` at all."""
    if not isinstance(arn, (Token, Text)):
        return None
    parts = arn.parts if isinstance(arn, Text) else (arn,)
    if not any(isinstance(p, Token) and p.foreign and p.foreign[0] == stack for p in parts):
        return None
    localized: list[str | Token] = []
    for p in parts:
        if isinstance(p, Token) and p.foreign and p.foreign[0] == stack:
            localized.append(p.foreign[1])
        elif isinstance(p, Token) and p.resource:
            localized.append(Token(p.kind, p.target, p.attribute, stack="(another stack)"))
        else:
            localized.append(p)
    return Text(tuple(localized)) if len(localized) > 1 else localized[0]


def _associated(associations: list[Any], api: str, stage_id: str | None, name: Any) -> bool | None:
    """Whether one of the WAF associations targets the stage (see ``_targets``)."""
    state: bool | None = False
    for arn in associations:
        verdict = _targets(arn, api, stage_id, name)
        if verdict:
            return True
        if verdict is None:
            state = None
    return state


def _targets(arn: Any, api: str, stage_id: str | None, name: Any) -> bool | None:
    """Whether a WAF association's ``ResourceArn`` is the stage ``name`` (resource ``stage_id``)
    of REST API ``api``: True, False, or None when it cannot be told."""
    if isinstance(arn, str):
        return False  # a deployed API's id: not an API of this template, whose id is unknown yet
    if not isinstance(arn, (Token, Text)):
        return None
    refs = referenced_resources(arn)
    if stage_id and stage_id in refs:
        return True
    if api not in refs:
        if refs:
            return False  # another resource of the template (a load balancer, another API...)
        literal = "".join(p for p in arn.literals) if isinstance(arn, Text) else ""
        if any(service in literal for service in _OTHER_WAF_TARGETS):
            return False
        if all(t.kind == "pseudo" for t in tokens_in(arn)):
            return False  # a literal API id with the region / partition filled in
        return None
    # the ARN names this API: compare what follows ``/stages/`` with the stage's name
    parts = arn.parts if isinstance(arn, Text) else (arn,)
    for i, part in enumerate(parts):
        if isinstance(part, str) and _STAGES in part:
            head = part.split(_STAGES, 1)[1]
            rest = parts[i + 1 :]
            if not rest:
                stage_name = literal_str(name)
                return None if stage_name is None else head == stage_name
            if head == "" and len(rest) == 1 and isinstance(rest[0], Token):
                return None if rest[0].resource is None else False
            return None
    return None
