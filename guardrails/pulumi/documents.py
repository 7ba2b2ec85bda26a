"""Pulumi's JSON documents as resources: what ``guardrails scan`` reads to gate a Pulumi stack
without the policy-pack protocol.

- ``pulumi preview --json``: a preview digest (``PreviewDigest`` of Pulumi's ``display``
  package): ``{"steps": [{"op", "urn", "newState": <resource>}, ...], "changeSummary": ...}``.
  The resources are the ``newState`` of every step that leaves one (not ``delete`` and the
  like).
- ``pulumi stack export``: a deployment (``apitype.UntypedDeployment``): ``{"version": 3,
  "deployment": {"manifest": ..., "resources": [<resource>, ...]}}``, or the ``deployment``
  object alone. Resources pending deletion are left out.

A resource is Pulumi's ``ResourceV3``: ``urn``, ``type``, ``id``, ``inputs``, ``outputs``,
``parent``, ``dependencies``, ``propertyDependencies``. Its properties are its outputs (the
provider's state), completed by its inputs where an output is missing or unknown (a preview).
Secrets appear as ``{"4dabf...": "1b47...", "ciphertext": ...}`` (encrypted: their value is
unknown here, as a deploy-time value) or, with ``--show-secrets``, ``"plaintext"`` (the value as
JSON text); either way they are never shown. Providers and the stack resource are not
resources to check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from guardrails.errors import InputError
from guardrails.model.files import MAX_TEMPLATE_BYTES, check_shape, read_text
from guardrails.pulumi.resources import (
    SECRET_SIGNATURE,
    SIGNATURE_KEY,
    UNKNOWN_STRING,
    PulumiResource,
    is_unknown,
    whole_numbers,
)

#: steps that leave no resource behind
_GONE = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}
)


def kind_of(doc: Any) -> str | None:
    """``"preview"``, ``"export"`` or None (not a Pulumi document), by shape."""
    if not isinstance(doc, Mapping):
        return None
    steps = doc.get("steps")
    if (
        isinstance(steps, list)
        and all(isinstance(s, Mapping) and "urn" in s for s in steps)
        and (steps or "changeSummary" in doc)
    ):
        return "preview"
    deployment = doc.get("deployment", doc)
    if (
        isinstance(deployment, Mapping)
        and isinstance(deployment.get("resources"), list)
        and ("manifest" in deployment or "version" in doc)
    ):
        return "export"
    return None


def read_document(path: Path) -> tuple[str, Any] | None:
    """``(kind, document)`` when ``path`` is a JSON file of one of Pulumi's documents, else
    None: a template (or a file that is not JSON), for the model to read and judge. Bounded as
    a template is."""
    text = read_text(path, "document", MAX_TEMPLATE_BYTES)
    if not text.lstrip().startswith("{"):
        return None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None  # the template reader says what is wrong with it
    check_shape(doc, str(path), shared=False)
    kind = kind_of(doc)
    return (kind, doc) if kind else None


def resources_of(kind: str, doc: Mapping[str, Any], source: str) -> list[PulumiResource]:
    """The resources of a document of ``kind`` (see the module's documentation)."""
    if kind == "preview":
        states = [
            step.get("newState")
            for step in doc.get("steps") or []
            if step.get("op") not in _GONE and isinstance(step.get("newState"), Mapping)
        ]
    else:
        deployment = doc.get("deployment", doc)
        states = [
            r
            for r in deployment.get("resources") or []
            if isinstance(r, Mapping) and not r.get("delete")
        ]
    out = []
    for i, state in enumerate(states):
        resource = _resource(state, f"{source}: resource {i}")
        if resource is not None:
            out.append(resource)
    return out


def _resource(state: Mapping[str, Any], where: str) -> PulumiResource | None:
    urn, kind = state.get("urn"), state.get("type")
    if not isinstance(urn, str) or not isinstance(kind, str):
        raise InputError(
            f"{where}: no 'urn' and 'type'; write the document again with the Pulumi CLI"
        )
    if kind == "pulumi:pulumi:Stack" or kind.startswith("pulumi:providers:"):
        return None
    inputs: Mapping[str, Any] = state.get("inputs") or {}
    outputs: Mapping[str, Any] = state.get("outputs") or {}
    if not isinstance(inputs, Mapping) or not isinstance(outputs, Mapping):
        raise InputError(
            f"{where}: 'inputs' and 'outputs' must be mappings; "
            "write the document again with the Pulumi CLI"
        )
    properties = dict(outputs)
    for key, value in inputs.items():
        if key not in properties or is_unknown(properties[key]):
            properties[key] = value
    dependencies = state.get("propertyDependencies")
    parent = state.get("parent")
    return PulumiResource(
        type=kind,
        name=urn.rsplit("::", 1)[-1],
        urn=urn,
        properties=whole_numbers(_secrets(properties)),
        dependencies=tuple(d for d in state.get("dependencies") or [] if isinstance(d, str)),
        property_dependencies={
            k: tuple(u for u in v if isinstance(u, str))
            for k, v in (dependencies.items() if isinstance(dependencies, Mapping) else ())
            if isinstance(v, list)
        },
        parent=parent if isinstance(parent, str) else None,
        id=state.get("id") if isinstance(state.get("id"), str) else None,
    )


def _secrets(value: Any) -> Any:
    """Secrets as the analyzer protocol writes them (``{sig, "value": ...}``): a ``plaintext``
    one decoded, an encrypted one unknown."""
    if isinstance(value, Mapping):
        if value.get(SIGNATURE_KEY) == SECRET_SIGNATURE:
            if "plaintext" in value:
                try:
                    decoded = json.loads(value["plaintext"])
                except (TypeError, ValueError):
                    decoded = value["plaintext"]
                return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": _secrets(decoded)}
            if "value" in value:
                return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": _secrets(value["value"])}
            return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": UNKNOWN_STRING}
        return {k: _secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets(v) for v in value]
    return value
