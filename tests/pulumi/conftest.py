"""The policy pack as the Pulumi CLI runs it: a process that prints its port, driven over the
analyzer protocol (``pulumi.runtime.proto.analyzer_pb2``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from guardrails.pulumi.resources import PulumiResource

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policypacks" / "lambda-guardrails"


class Pack:
    """A running pack and a client of it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=60)

    def analyze_stack(self, resources: Sequence[PulumiResource]) -> Any:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[_resource(r) for r in resources])
        return self.stub.AnalyzeStack(request, timeout=120)

    def remediate(self, resource: PulumiResource) -> Any:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            name=resource.name,
            urn=resource.urn,
            properties=_struct(resource.properties),
        )
        return self.stub.Remediate(request, timeout=60)

    def close(self) -> None:
        self.channel.close()
        self.process.kill()
        self.process.wait(timeout=30)


def _struct(value: Any) -> Any:
    struct = struct_pb2.Struct()
    json_format.ParseDict(dict(value), struct)
    return struct


def _resource(r: PulumiResource) -> Any:
    properties = _struct(r.properties)
    return analyzer_pb2.AnalyzerResource(
        type=r.type,
        name=r.name,
        urn=r.urn,
        properties=properties,
        dependencies=list(r.dependencies),
        propertyDependencies={
            k: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(v))
            for k, v in r.property_dependencies.items()
        },
        parent=r.parent or "",
    )


def start_pack(main: Path = PACK / "__main__.py", cwd: Path = PACK) -> Pack:
    """Start the pack as the CLI does (``python __main__.py``, the port on its first line)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(main)], cwd=cwd, stdout=subprocess.PIPE, env=env
    )
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.isdigit():
        process.kill()
        raise AssertionError(f"the pack printed no port: {line!r}")
    return Pack(process, int(line))


@pytest.fixture(scope="module")
def remediating_pack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pack]:
    """A pack of one's own, as a platform team writes it: every safe fix remediates, under a
    policy that names the organisation's key and code-signing configuration."""
    folder = tmp_path_factory.mktemp("remediating-pack")
    (folder / "policy.yaml").write_text(
        f"kms_key_arn: {KEY_ARN}\ncode_signing_config_arn: {SIGNING_ARN}\n"
        "min_log_retention_days: 365\n"
    )
    main = folder / "__main__.py"
    main.write_text(
        "from guardrails.pulumi.pack import policy_pack\n"
        'policy_pack("policy.yaml", remediate="safe")\n'
    )
    running = start_pack(main, folder)
    try:
        yield running
    finally:
        running.close()


KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
SIGNING_ARN = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0"


@pytest.fixture(scope="module")
def pack() -> Iterator[Pack]:
    running = start_pack()
    try:
        yield running
    finally:
        running.close()
