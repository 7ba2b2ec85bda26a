"""What a function's code calls of the AWS SDK, and the IAM actions those calls need.

The code analyses (``python_calls`` for Python; Node.js and TypeScript to come) find the calls;
this module holds what they find (``SdkCall``, ``CodeAnalysis``) and the one mapping from an
SDK operation to IAM actions (``iam_actions``): the service's IAM prefix (``stepfunctions`` ->
``states``) and the operation's name in PascalCase (``get_object`` -> ``GetObject``), checked
against the IAM action catalog (``actions``), except where the action differs from the
operation (``head_object`` -> ``s3:GetObject``, ``list_objects_v2`` -> ``s3:ListBucket``,
boto3's managed transfers...): those are data, with their sources, in
``guardrails/data/sdk_operations.json``. No network, ever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from guardrails.model import actions

_DATA = "sdk_operations.json"


@dataclass(frozen=True)
class SdkCall:
    """One call of the SDK found in the code: the service (the SDK's client name, ``s3``,
    ``dynamodb``), the operation (snake_case, as boto3 names it), the IAM actions it needs
    (empty when the catalog does not know it: ``known`` False), where it is, and the
    environment variable that names its resource, when the code takes it from one."""

    service: str
    operation: str
    actions: tuple[str, ...]
    file: str
    line: int
    env: str | None = None
    known: bool = True


@dataclass(frozen=True)
class CodeAnalysis:
    """What the analysis of a function's code found: its calls, and why the picture may be
    incomplete (a client built from a variable service name, ``getattr`` on a client, code
    that could not be parsed...). ``complete`` only when there is no such reason."""

    calls: tuple[SdkCall, ...] = ()
    partial: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.partial

    def actions(self) -> tuple[str, ...]:
        """Every action the calls need, each once, in the order first met."""
        return tuple(dict.fromkeys(a for call in self.calls for a in call.actions))


@cache
def data() -> Mapping[str, Any]:
    """The mapping data (``guardrails/data/sdk_operations.json``)."""
    text = resources.files("guardrails.data").joinpath(_DATA).read_text(encoding="utf-8")
    loaded: Mapping[str, Any] = json.loads(text)
    return loaded


def iam_prefix(service: str) -> str:
    """The IAM prefix of an SDK client name (``stepfunctions`` -> ``states``)."""
    prefixes: Mapping[str, str] = data()["service_prefixes"]
    return prefixes.get(service, service)


def needs_no_permission(service: str, operation: str) -> bool:
    """An operation that needs no IAM permission (``sts.get_caller_identity``)."""
    return operation in data()["no_permission"].get(service, ())


def iam_actions(service: str, operation: str) -> tuple[str, ...] | None:
    """The IAM actions an SDK operation needs (snake_case ``operation`` of client
    ``service``), or None when neither the data nor the catalog knows it."""
    listed = data()["operations"].get(service, {}).get(operation)
    if listed is not None:
        return tuple(listed)
    name = "".join(part[:1].upper() + part[1:] for part in operation.split("_"))
    info = actions.lookup(f"{iam_prefix(service)}:{name}")
    return (f"{info.service}:{info.name}",) if info else None


def waiter_operation(service: str, waiter: str) -> str | None:
    """The operation a boto3 waiter polls (``bucket_exists`` -> ``head_bucket``)."""
    operation: str | None = data()["waiters"].get(service, {}).get(waiter)
    return operation


def camel_to_snake(name: str) -> str:
    """``ListObjectsV2`` -> ``list_objects_v2`` (a paginator's or JavaScript command's name as
    boto3 writes the operation)."""
    out: list[str] = []
    for i, ch in enumerate(name):
        after_lower = i > 0 and not name[i - 1].isupper()
        ends_acronym = i > 0 and i + 1 < len(name) and name[i + 1].islower()
        if ch.isupper() and i and (after_lower or ends_acronym):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
