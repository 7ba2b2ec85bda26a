"""Reading a cloud assembly (``cdk.out``) or a single template into typed stacks.

A cloud assembly holds ``manifest.json``, one template per stack, nested stages as
``assembly-*`` sub-assemblies, nested stack templates, and ``<stack>.metadata.json`` with the
construct path of every logical id and the ``aws:cdk:acknowledged-rules`` entries. Resource
``Metadata`` (``aws:cdk:path``) is used when present, since the CDK CLI emits it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from guardrails.errors import InputError
from guardrails.model.intrinsics import Evaluator
from guardrails.model.site import Site
from guardrails.model.template import load_template
from guardrails.model.values import Text, Token

ACK_METADATA = "aws:cdk:acknowledged-rules"
#: what the hardening Aspect rewrote, recorded on the construct it changed
REMEDIATION_METADATA = "lambda-guardrails:remediation"
_UNKNOWN_ENV = ("unknown-account", "unknown-region")


@dataclass(frozen=True)
class Resource:
    """One resource. Its properties are evaluated on first use, once: most resources of a real
    template (tables, queues, dashboards...) are never read by a rule."""

    logical_id: str
    type: str
    raw_properties: Mapping[str, Any]
    construct_path: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    evaluator: Evaluator | None = field(default=None, repr=False, compare=False)

    @cached_property
    def properties(self) -> dict[str, Any]:
        """The ``Properties`` with every intrinsic evaluated (see ``values``)."""
        if self.evaluator is None:
            return dict(self.raw_properties)
        value = self.evaluator.evaluate(self.raw_properties)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class StackTemplate:
    """One deployed template: a stack, a nested stack, or a template file scanned alone."""

    name: str
    template_path: str
    resources: Mapping[str, Resource]
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    account: str | None = None
    region: str | None = None
    #: S3 object key of a file asset (``<hash>.zip``) -> its staged path in the assembly.
    assets: Mapping[str, Path] = field(default_factory=dict)
    #: the template's ``Outputs`` as written
    outputs: Mapping[str, Any] = field(default_factory=dict)
    evaluator: Evaluator | None = field(default=None, repr=False, compare=False)

    def site(self, resource: Resource, *path: str | int) -> Site:
        """Where ``resource`` of this template is, at ``Properties/<path>``."""
        return Site(self.name, resource.logical_id, resource.construct_path, self.template_path).at(
            *path
        )

    def reference(self, value: Any) -> str | None:
        """The logical id of the resource of this template a value designates when it is one
        ``Ref`` / ``Fn::GetAtt`` to it."""
        if isinstance(value, Token) and value.resource in self.resources:
            return value.resource
        return None

    def of_type(self, *types: str) -> Iterator[Resource]:
        for resource in self.resources.values():
            if resource.type in types:
                yield resource


@dataclass(frozen=True)
class Assembly:
    """Every template of one scan, and the acknowledgements written into the assembly."""

    stacks: tuple[StackTemplate, ...]
    #: construct path (no leading ``/``) -> {``lambda-guardrails::GR-...``: reason}
    acknowledgements: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    directory: Path | None = None
    #: the hardening Aspect's change log: {rule, construct_path, property, before, after, stack}
    remediations: tuple[Mapping[str, Any], ...] = ()


def load(path: str | Path) -> Assembly:
    """Load a cloud assembly directory or a single template file (JSON or YAML)."""
    p = Path(path)
    if p.is_dir():
        return load_assembly(p)
    if p.is_file():
        return Assembly(stacks=(load_template_file(p),))
    raise InputError(
        f"{p}: no such file or directory; pass a cloud assembly (cdk.out) or a template"
    )


def load_template_file(path: Path, name: str | None = None) -> StackTemplate:
    doc = load_template(path)
    stack_name = name or path.name.split(".")[0]
    return _stack(doc, stack_name, path, paths={}, account=None, region=None, assets={})


def load_assembly(directory: Path, only_templates: set[Path] | None = None) -> Assembly:
    """Read ``manifest.json`` and every stack template of the assembly and its nested stages.

    ``only_templates`` restricts the result to the given template files (the validation
    plugin's view of which stacks it was asked about).
    """
    stacks: list[StackTemplate] = []
    acks: dict[str, dict[str, str]] = {}
    remediations: list[Mapping[str, Any]] = []
    _read_assembly(directory, stacks, acks, remediations, only_templates)
    link_exports(stacks)
    return Assembly(
        stacks=tuple(stacks),
        acknowledgements=acks,
        directory=directory,
        remediations=tuple(remediations),
    )


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: no {what} here; pass the cloud assembly directory (cdk.out) or a template"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: malformed {what} ({exc.msg})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} ({exc.__class__.__name__})") from None


def _read_assembly(
    directory: Path,
    stacks: list[StackTemplate],
    acks: dict[str, dict[str, str]],
    remediations: list[Mapping[str, Any]],
    only: set[Path] | None,
) -> None:
    manifest = _read_json(directory / "manifest.json", "cloud assembly manifest (manifest.json)")
    artifacts = manifest.get("artifacts", {}) if isinstance(manifest, dict) else {}
    assets = _assets(directory, artifacts)
    for artifact_id, artifact in sorted(artifacts.items()):
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "cdk:cloud-assembly":
            _read_assembly(directory / props["directoryName"], stacks, acks, remediations, only)
        elif kind == "aws:cloudformation:stack":
            template_path = directory / props["templateFile"]
            metadata = _metadata(directory, artifact)
            name = artifact.get("displayName") or artifact_id
            changes = []
            for path, entries in metadata.items():
                for entry in entries:
                    data = entry.get("data")
                    if entry.get("type") == ACK_METADATA and isinstance(data, dict):
                        acks.setdefault(path.lstrip("/"), {}).update(data)
                    elif entry.get("type") == REMEDIATION_METADATA and isinstance(data, dict):
                        changes.append({**data, "construct_path": path.lstrip("/"), "stack": name})
            if only is not None and template_path.resolve() not in only:
                continue
            remediations.extend(changes)
            account, region = _environment(artifact.get("environment", ""))
            stacks.extend(_stack_and_nested(template_path, name, metadata, account, region, assets))


def _environment(env: str) -> tuple[str | None, str | None]:
    parts = env.removeprefix("aws://").split("/")
    if len(parts) != 2:
        return None, None
    account, region = (None if v in _UNKNOWN_ENV else v for v in parts)
    return account, region


def _metadata(directory: Path, artifact: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    metadata: dict[str, list[dict[str, Any]]] = {}
    for path, entries in (artifact.get("metadata") or {}).items():
        metadata.setdefault(path, []).extend(entries)
    extra = artifact.get("additionalMetadataFile")
    if extra:
        for path, entries in _read_json(directory / extra, "metadata file").items():
            metadata.setdefault(path, []).extend(entries)
    return metadata


def _assets(directory: Path, artifacts: Mapping[str, Any]) -> dict[str, Path]:
    """Map each file asset's S3 object key (``<hash>.zip``) to its staged path."""
    assets: dict[str, Path] = {}
    for artifact in artifacts.values():
        if artifact.get("type") != "cdk:asset-manifest":
            continue
        doc = _read_json(directory / artifact["properties"]["file"], "asset manifest")
        for asset_hash, asset in (doc.get("files") or {}).items():
            source = asset.get("source", {}).get("path")
            if not source:
                continue
            staged = directory / source
            assets[asset_hash] = staged
            for destination in (asset.get("destinations") or {}).values():
                key = destination.get("objectKey")
                if key:
                    assets[key] = staged
    return assets


def _stack_and_nested(
    template_path: Path,
    name: str,
    metadata: Mapping[str, list[dict[str, Any]]],
    account: str | None,
    region: str | None,
    assets: Mapping[str, Path],
) -> list[StackTemplate]:
    """The stack's template plus its nested stacks, each with its own logical-id -> path map."""
    template_files: dict[str, str] = {}  # construct path -> template file
    logical_ids: dict[str, str] = {}  # construct path -> logical id
    for path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:templateFile":
                template_files[path.lstrip("/")] = entry["data"]
            elif entry.get("type") == "aws:cdk:logicalId":
                logical_ids[path.lstrip("/")] = entry["data"]
    root = next((p for p, f in template_files.items() if f == template_path.name), None)
    per_template: dict[str, dict[str, str]] = {p: {} for p in template_files}
    for path, logical_id in logical_ids.items():
        owner = max((p for p in template_files if path.startswith(p + "/")), key=len, default=root)
        if owner is not None:
            per_template[owner][logical_id] = path
    stacks = [
        _stack(
            load_template(template_path),
            name,
            template_path,
            per_template.get(root, {}) if root else {},
            account,
            region,
            assets,
        )
    ]
    for path, file in sorted(template_files.items()):
        if path == root:
            continue
        nested_name = (
            f"{name}/{path[len(root) + 1 :]}" if root and path.startswith(root + "/") else path
        )
        nested_path = template_path.parent / file
        stacks.append(
            _stack(
                load_template(nested_path),
                nested_name,
                nested_path,
                per_template[path],
                account,
                region,
                assets,
            )
        )
    return stacks


def _stack(
    doc: Mapping[str, Any],
    name: str,
    template_path: Path,
    paths: Mapping[str, str],
    account: str | None,
    region: str | None,
    assets: Mapping[str, Path],
) -> StackTemplate:
    raw_resources: dict[str, Any] = doc.get("Resources") or {}
    parameters = doc.get("Parameters") or {}
    evaluator = Evaluator(
        resources=raw_resources,
        parameters=parameters if isinstance(parameters, dict) else {},
        mappings=doc.get("Mappings") or {},
        conditions=doc.get("Conditions") or {},
        account=account,
        region=region,
    )
    resources: dict[str, Resource] = {}
    for logical_id, raw in raw_resources.items():
        condition = raw.get("Condition")
        if isinstance(condition, str) and evaluator.condition(condition) is False:
            continue  # never deployed
        props = raw.get("Properties")
        metadata = raw.get("Metadata") if isinstance(raw.get("Metadata"), dict) else {}
        construct_path = paths.get(logical_id) or metadata.get("aws:cdk:path")
        if not isinstance(construct_path, str):
            construct_path = None
        resources[logical_id] = Resource(
            logical_id=logical_id,
            type=raw["Type"],
            raw_properties=props if isinstance(props, dict) else {},
            construct_path=construct_path,
            metadata=metadata,
            evaluator=evaluator,
        )
    return StackTemplate(
        name=name,
        template_path=str(template_path.resolve()),
        resources=resources,
        parameters=evaluator.parameters,
        account=account,
        region=region,
        assets=assets,
        outputs=doc.get("Outputs") if isinstance(doc.get("Outputs"), dict) else {},
        evaluator=evaluator,
    )


def link_exports(stacks: list[StackTemplate]) -> None:
    """Let ``Fn::ImportValue`` of an export of another stack of the assembly evaluate to what
    that stack exports: a literal, or a reference marked with the exporting stack's name (CDK
    writes every cross-stack reference this way). Exports whose name is not literal are left
    as import tokens. Runs before any resource is evaluated (evaluation is lazy)."""
    exports: dict[str, Any] = {}
    for stack in stacks:
        if stack.evaluator is None:
            continue
        for output in stack.outputs.values():
            if not isinstance(output, dict):
                continue
            name = stack.evaluator.evaluate((output.get("Export") or {}).get("Name"))
            if isinstance(name, str) and "Value" in output:
                exports[name] = _exported(stack, stack.evaluator.evaluate(output["Value"]))
    if not exports:
        return
    for stack in stacks:
        if stack.evaluator is not None:
            stack.evaluator.exports = exports


def _exported(stack: StackTemplate, value: Any) -> Any:
    if isinstance(value, Token) and value.resource:
        return Token(value.kind, value.target, value.attribute, stack=stack.name)
    if isinstance(value, Token | Text):
        return Token("import", str(value))  # partly known: not followed
    return value
