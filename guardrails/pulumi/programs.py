"""Run a Pulumi Python program under Pulumi's mocks and get its resources as the analyzer
protocol would hand them to a policy pack: with their inputs, secrets and unknown values as
Pulumi serializes them, and their (property) dependencies.

For tests, and for a platform team's unit tests of its own programs::

    from guardrails.pulumi import programs, scan_resources

    def test_my_service():
        resources = programs.run(my_service.build)   # a function that declares resources
        report = scan_resources(resources).report
        assert not [f for f in report.findings if f.severity == "critical"]

Nothing is deployed and no Pulumi CLI runs: ``pulumi.runtime.set_mocks`` stands in for the
engine. ``preview=True`` (the default) gives what ``pulumi preview`` gives a policy pack:
outputs of other resources are unknown; ``preview=False`` gives what an update gives, every
resource's outputs being its inputs plus an ``arn`` and a ``name`` (``Mocks`` below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from guardrails.pulumi.resources import (
    PulumiResource,
    marked_secret,
    secret_paths,
    whole_numbers,
)

#: the account and region the mocks' ARNs are in
ACCOUNT, REGION = "123456789012", "us-east-1"


class Mocks(pulumi.runtime.Mocks):
    """Outputs as a provider would return them: in a preview, the inputs (what is computed is
    unknown); on an update, also a physical name (``<name>-<suffix>``, as Pulumi's auto-naming
    gives one) and an ARN."""

    def __init__(self, preview: bool = True) -> None:
        self.preview = preview

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if self.preview:
            return "", outputs  # no id yet: the engine's preview leaves it unknown
        name = outputs.get("name") or f"{args.name}-0a1b2c3"
        outputs.setdefault("name", name)
        service, _, kind = args.typ.partition(":")[2].partition("/")
        kind = kind.split(":", 1)[0]
        arn = f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind}:{name}"
        outputs.setdefault("arn", arn)
        resource_id = f"{args.name}-id"
        fields = {"arn": arn, "id": resource_id, "region": REGION, "account": ACCOUNT}
        for key, value in _COMPUTED.get(args.typ, {}).items():
            outputs.setdefault(key, value.format(**fields))
        return resource_id, outputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


#: outputs a provider computes that other resources are commonly built from
_COMPUTED: dict[str, dict[str, str]] = {
    "aws:lambda/function:Function": {
        "invokeArn": (
            "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ),
        "qualifiedArn": "{arn}:$LATEST",
    },
    "aws:apigateway/restApi:RestApi": {
        "rootResourceId": "{id}-root",
        "executionArn": "arn:aws:execute-api:{region}:{account}:{id}",
    },
    "aws:apigatewayv2/api:Api": {"executionArn": "arn:aws:execute-api:{region}:{account}:{id}"},
    "aws:ec2/vpcEndpoint:VpcEndpoint": {"prefixListId": "pl-0123456789abcdef0"},
    "aws:signer/signingProfile:SigningProfile": {"versionArn": "{arn}/v1"},
}


class _Recorder(mocks.MockMonitor):
    """The mock monitor, keeping each registration as the engine received it."""

    def __init__(self, mock: pulumi.runtime.Mocks) -> None:
        super().__init__(mock)
        self.registered: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registered.append((request, response))
        return response


def run(
    program: Callable[[], Any],
    *,
    preview: bool = True,
    project: str = "project",
    stack: str = "stack",
    mock: pulumi.runtime.Mocks | None = None,
) -> list[PulumiResource]:
    """The resources ``program`` declares (see the module's documentation)."""
    recorder = _Recorder(mock or Mocks(preview))
    settings.reset_options(project=project, stack=stack, preview=preview)
    pulumi.runtime.set_mocks(
        recorder.mocks, project=project, stack=stack, preview=preview, monitor=recorder
    )
    _sync_await(run_pulumi_func(program))
    return [_resource(request, response, preview) for request, response in recorder.registered]


def _resource(request: Any, response: Any, preview: bool) -> PulumiResource:
    """A registration as the analyzer sees the resource: its inputs in a preview, its inputs
    and outputs (the provider's state) on an update."""
    properties: dict[str, Any] = json_format.MessageToDict(request.object)
    if not preview:  # outputs of secret inputs stay secret (the engine marks them so)
        inputs = properties
        properties = {**inputs, **json_format.MessageToDict(response.object)}
        properties = marked_secret(properties, secret_paths(inputs))
    return PulumiResource(
        type=request.type,
        name=request.name,
        urn=response.urn,
        id=None if preview else response.id or None,
        properties=whole_numbers(properties),
        dependencies=tuple(request.dependencies),
        property_dependencies={
            key: tuple(value.urns) for key, value in request.propertyDependencies.items()
        },
        parent=request.parent or None,
    )
