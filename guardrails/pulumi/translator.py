"""Pulumi resources as the CloudFormation template the model reads, so every rule runs on a
Pulumi stack unchanged.

``pulumi_aws`` resources (Terraform-shaped: ``aws:lambda/function:Function`` with ``role``,
``environment.variables``...) are translated type by type into the CloudFormation resource
that holds the same settings (``AWS::Lambda::Function`` with ``Role``,
``Environment.Variables``...); ``pulumi_aws_native`` resources are CloudFormation already, their
property names camel-cased: they are mapped mechanically. Types that no rule reads are left
out.

**Links.** A CloudFormation template says which resource a value comes from (``Ref``,
``Fn::GetAtt``); Pulumi hands over values. A value becomes a reference to the resource it
designates when
- it is known and equal to another resource's ARN, id or name (a deployed stack, an update),
  or contains another resource's ARN (an API Gateway integration URI); or
- it is unknown (a preview), or matches no resource, and its property depends on exactly one
  resource of the kind the property names (``propertyDependencies``: ``role`` of a function on
  the ``Role``). A list of unknown values (``subnetIds``) takes the property's dependencies of
  the expected kind, in order, when there are as many.
Any other unknown value is a deploy-time value the template cannot know (a parameter
reference): the rules stay silent on it, as on a token in a CDK template.

Also decided in translation (``types.logs``), where the rules would otherwise see no link: a
log group whose name is unknown and depends on exactly one function (``name=fn.name.apply(
lambda n: f"/aws/lambda/{n}")``, the usual way to give a function its group) is that
function's ``/aws/lambda/<name>`` group.

**Places.** Each resource gets a logical id from its name (alphanumeric; a short hash of its
URN is added when two names would collide) and its URN as construct path. Resources that
CloudFormation writes inside another one (a ``RolePolicyAttachment`` of a managed policy, an
``Integration`` of a method, a ``SecurityGroupRule``) are merged there; ``origins`` keeps, for
each such place, the URN of the resource it came from, so a finding there points at it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from guardrails.pulumi.resources import (
    ARCHIVE_SIGNATURE,
    ASSET_SIGNATURE,
    PulumiResource,
    is_unknown,
    plain,
    secret_values,
    signature,
)

UNKNOWN_PARAMETER = "PulumiUnknownValue"
UNKNOWN = {"Ref": UNKNOWN_PARAMETER}
#: the template parameter a Pulumi secret in a function's environment becomes: a ``NoEcho``
#: one (what Pulumi keeps encrypted in its state is plaintext in the function configuration:
#: GR-SEC-02), whether or not its value is known (a preview document has only ciphertext)
SECRET_PARAMETER = "PulumiSecret"
SECRET = {"Ref": SECRET_PARAMETER}
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class Translation:
    """The template, and the way back from its places to the Pulumi resources."""

    template: dict[str, Any]
    #: logical id -> URN
    urns: dict[str, str]
    #: (logical id, location prefix) -> URN of the resource merged there
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    #: the strings held in Pulumi secrets: never shown, not even masked
    secrets: frozenset[str] = frozenset()
    #: Pulumi types of the stack that no rule reads (left out of the template)
    skipped: tuple[str, ...] = ()

    def urn_of(self, logical_id: str, location: str = "") -> str | None:
        """The URN of the resource a finding at ``logical_id`` / ``location`` is about."""
        for (lid, prefix), urn in self.origins.items():
            if lid == logical_id and (location == prefix or location.startswith(prefix + "/")):
                return urn
        return self.urns.get(logical_id)


class Translator:
    """Translates one stack's resources (``translate``); the types' handlers write through it."""

    def __init__(self, resources: list[PulumiResource]) -> None:
        self.resources = resources
        self.by_urn = {r.urn: r for r in resources}
        self.ids: dict[str, str] = {}  # urn -> logical id
        taken: set[str] = {UNKNOWN_PARAMETER, SECRET_PARAMETER}
        for r in resources:
            if handler_of(r.type) is None:
                continue
            base = _NOT_ALPHANUMERIC.sub("", r.name.title()) or "Resource"
            logical_id = base
            if logical_id in taken:
                logical_id = base + hashlib.sha256(r.urn.encode()).hexdigest()[:8].upper()
            taken.add(logical_id)
            self.ids[r.urn] = logical_id
        self.props = {r.urn: plain(dict(r.properties)) for r in resources}
        #: known ARN / id / name -> (logical id, how a template writes a reference to it)
        self.by_value: dict[str, dict[str, Any]] = {}
        self.arns: list[tuple[str, str]] = []  # (ARN, logical id), longest first
        for r in resources:
            known_id = self.ids.get(r.urn)
            if known_id is None:
                continue
            logical_id = known_id
            props = self.props[r.urn]
            arn = props.get("arn")
            if isinstance(arn, str) and arn and not is_unknown(arn):
                self.by_value.setdefault(arn, {"Fn::GetAtt": [logical_id, "Arn"]})
                self.arns.append((arn, logical_id))
            for key in ("id", "name"):
                value = props.get(key) if key == "name" else r.id
                if isinstance(value, str) and value and not is_unknown(value):
                    self.by_value.setdefault(value, {"Ref": logical_id})
        self.arns.sort(key=lambda item: -len(item[0]))
        self.out: dict[str, dict[str, Any]] = {}
        self.origins: dict[tuple[str, str], str] = {}
        self.unknown_used = False
        self.secret_used = False

    def run(self) -> Translation:
        skipped: dict[str, None] = {}
        for r in self.resources:
            handler = handler_of(r.type)
            if handler is None:
                if r.type.startswith(("aws:", "aws-native:")):
                    skipped[r.type] = None
                continue
            handler(self, r, self.props[r.urn])
        for r in self.resources:  # what merges into resources translated above
            merge = MERGES.get(r.type)
            if merge is not None:
                merge(self, r, self.props[r.urn])
        template: dict[str, Any] = {"Resources": self.out}
        parameters: dict[str, Any] = {}
        if self.unknown_used:
            parameters[UNKNOWN_PARAMETER] = {"Type": "String"}
        if self.secret_used:
            parameters[SECRET_PARAMETER] = {"Type": "String", "NoEcho": "true"}
        if parameters:
            template["Parameters"] = parameters
        secrets = frozenset(s for r in self.resources for s in secret_values(r.properties) if s)
        return Translation(
            template=template,
            urns={self.ids[urn]: urn for urn in self.ids if self.ids[urn] in self.out},
            origins=dict(self.origins),
            secrets=secrets,
            skipped=tuple(skipped),
        )

    # -- writing -----------------------------------------------------------------------------
    def emit(self, r: PulumiResource, cfn_type: str, properties: Mapping[str, Any]) -> str:
        logical_id = self.ids[r.urn]
        self.out[logical_id] = {
            "Type": cfn_type,
            "Properties": {k: v for k, v in properties.items() if v is not None},
        }
        return logical_id

    def resource_of(self, urn: str) -> dict[str, Any] | None:
        logical_id = self.ids.get(urn)
        return self.out.get(logical_id) if logical_id else None

    # -- values ------------------------------------------------------------------------------
    def value(self, v: Any) -> Any:
        """A value with no reference to decide: unknowns become the deploy-time parameter,
        assets and archives are dropped (``code`` reads them)."""
        if is_unknown(v):
            self.unknown_used = True
            return dict(UNKNOWN)
        if isinstance(v, dict):
            if signature(v) in (ASSET_SIGNATURE, ARCHIVE_SIGNATURE):
                return None
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        return v

    def ref(
        self,
        r: PulumiResource,
        prop: str,
        v: Any,
        kinds: tuple[str, ...] = (),
        attr: str | None = None,
    ) -> Any:
        """A value that may designate another resource (see the module's documentation):
        ``kinds``, the Pulumi types it may designate; ``attr``, the attribute a template names
        for it (``Arn``; None: a ``Ref``)."""
        if isinstance(v, list):
            unknown_at = [i for i, x in enumerate(v) if is_unknown(x)]
            deps = self.dependencies(r, prop, kinds)
            out = [self.ref(r, prop, x, kinds, attr) for x in v]
            if unknown_at and len(deps) == len(unknown_at):
                for i, dep in zip(unknown_at, deps, strict=True):
                    out[i] = self._token(dep, attr)
            return out
        if isinstance(v, str) and v in self.by_value:
            return dict(self.by_value[v])
        if isinstance(v, str):  # unknown, or a value no resource has: its one dependency
            deps = self.dependencies(r, prop, kinds) if kinds or is_unknown(v) else []
            if len(deps) == 1:
                return self._token(deps[0], attr)
            if not is_unknown(v):
                return self._with_arns(v)
        return self.value(v)

    def dependencies(self, r: PulumiResource, prop: str, kinds: tuple[str, ...]) -> list[str]:
        """The translated resources ``prop`` of ``r`` depends on, of the ``kinds`` given. With
        no kind given, only a property that depends on one resource in all (of any type,
        translated or not) designates it: an environment that depends on a table and a secret
        does not say which variable holds which."""
        urns = r.property_dependencies.get(prop, ())
        if not kinds and len(set(urns)) != 1:
            return []
        return [
            self.ids[u]
            for u in urns
            if u in self.ids and (not kinds or self.by_urn[u].type in kinds)
        ]

    @staticmethod
    def _token(logical_id: str, attr: str | None) -> dict[str, Any]:
        return {"Fn::GetAtt": [logical_id, attr]} if attr else {"Ref": logical_id}

    def _with_arns(self, text: str) -> Any:
        """A known text that contains other resources' ARNs, as an ``Fn::Join`` naming them."""
        for arn, logical_id in self.arns:
            if len(arn) >= 20 and arn in text:
                before, _, after = text.partition(arn)
                parts: list[Any] = [before, {"Fn::GetAtt": [logical_id, "Arn"]}]
                rest = self._with_arns(after) if after else ""
                if isinstance(rest, dict) and "Fn::Join" in rest:
                    parts.extend(rest["Fn::Join"][1])
                elif rest:
                    parts.append(rest)
                return {"Fn::Join": ["", [p for p in parts if p != ""]]}
        return text


Handler = Callable[[Translator, PulumiResource, dict[str, Any]], None]
TYPES: dict[str, Handler] = {}
MERGES: dict[str, Handler] = {}
PREFIXES: dict[str, Handler] = {}


def handles(*tokens: str) -> Callable[[Handler], Handler]:
    """Register the handler of Pulumi types (or of every type under a prefix ending in
    ``:``, ``aws-native:``)."""

    def register(fn: Handler) -> Handler:
        for token in tokens:
            if token.endswith(":"):
                PREFIXES[token] = fn
            else:
                TYPES[token] = fn
        return fn

    return register


def merges(token: str) -> Callable[[Handler], Handler]:
    """Register the handler of a type written inside another resource (run once every
    resource of the stack is in the template)."""

    def register(fn: Handler) -> Handler:
        MERGES[token] = fn
        return fn

    return register


def handler_of(token: str) -> Handler | None:
    """The handler of a type: its own, a merge's no-op (a merged type has no resource of its
    own), the prefix's (``aws-native:``), or None (a type no rule reads)."""
    if token in TYPES or token in MERGES:
        return TYPES.get(token, _noop)
    return next((h for prefix, h in PREFIXES.items() if token.startswith(prefix)), None)


def _noop(t: Translator, r: PulumiResource, p: dict[str, Any]) -> None:
    """A type merged into another resource: nothing of its own in the template."""


def tags(value: Any) -> Any:
    """Pulumi's ``tags`` mapping as CloudFormation's list of ``Key`` / ``Value``."""
    if isinstance(value, dict):
        return [{"Key": k, "Value": v} for k, v in value.items()]
    return None


def document(value: Any) -> Any:
    """An IAM policy document: Pulumi takes it as JSON text (``json.dumps(...)``), a template
    as an object. A text that is not JSON stays as it is (the rules cannot read it)."""
    if isinstance(value, str) and not is_unknown(value):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def pascal(value: Any, *, keep_keys: bool = False) -> Any:
    """camelCase keys as CloudFormation's PascalCase, recursively (``keep_keys``: a map whose
    keys are the user's, such as environment variables)."""
    if isinstance(value, dict):
        return {
            (k if keep_keys else k[:1].upper() + k[1:]): pascal(v, keep_keys=k in USER_KEYS)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


#: properties whose keys are the user's, not a schema's
USER_KEYS = frozenset({"variables", "Variables", "tags"})
