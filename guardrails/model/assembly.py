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
from pathlib import Path
from typing import Any

from guardrails.errors import InputError
from guardrails.inputs import parse_json
from guardrails.model.files import (
    MAX_METADATA_BYTES,
    ReadBudget,
    check_shape,
    collector_paused,
    confined,
    read_text,
    shallow,
)
from guardrails.model.intrinsics import Evaluator
from guardrails.model.site import Site, location_suffix
from guardrails.model.template import load_template
from guardrails.model.values import Text, Token

ACK_METADATA = "aws:cdk:acknowledged-rules"
#: what the hardening Aspect rewrote, recorded on the construct it changed
REMEDIATION_METADATA = "lambda-guardrails:remediation"
_UNKNOWN_ENV = ("unknown-account", "unknown-region")


@dataclass(frozen=True, slots=True)  # slots: a template of thousands of functions has 6 each
class Resource:
    """One resource. Its properties are evaluated on first use, once: most resources of a real
    template (tables, queues, dashboards...) are never read by a rule."""

    logical_id: str
    type: str
    raw_properties: Mapping[str, Any]
    construct_path: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    evaluator: Evaluator | None = field(default=None, repr=False, compare=False)
    #: ``properties``, once evaluated
    _evaluated: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def properties(self) -> dict[str, Any]:
        """The ``Properties`` with every intrinsic evaluated (see ``values``)."""
        evaluated = self._evaluated
        if evaluated is None:
            evaluated = self._evaluate()
            object.__setattr__(self, "_evaluated", evaluated)  # a cache, not a field to change
        return evaluated

    def _evaluate(self) -> dict[str, Any]:
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
        suffix = location_suffix(path)
        return Site(
            self.name,
            resource.logical_id,
            resource.construct_path,
            self.template_path,
            f"Properties/{suffix}" if suffix else "Properties",
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
    if not p.exists() and not p.is_symlink():
        raise InputError(
            f"{p}: no such file or directory; pass a cloud assembly (cdk.out) or a template"
        )
    return Assembly(stacks=(load_template_file(p),))


def stack_from_document(
    doc: Mapping[str, Any],
    name: str,
    account: str | None = None,
    region: str | None = None,
    *,
    paths: Mapping[str, str] | None = None,
) -> StackTemplate:
    """A template already in memory (the hardening Aspect's view of a stack before synthesis,
    a Pulumi stack's translation) as the model reads a template file; ``paths``: logical id ->
    the path that names the resource to people (a construct path, a Pulumi URN)."""
    return _stack(
        doc, name, Path(name), paths=paths or {}, account=account, region=region, assets={}
    )


@collector_paused()
def load_template_file(path: Path, name: str | None = None) -> StackTemplate:
    doc = load_template(path)
    stack_name = name or path.name.split(".")[0]
    return _stack(doc, stack_name, path, paths={}, account=None, region=None, assets={})


#: sub-assemblies (nested ``Stage``s) inside one another; CDK apps rarely go past 3
MAX_NESTED_ASSEMBLIES = 32


@dataclass
class _Reading:
    """The state of reading one assembly: its root (every file read stays inside it), the
    sub-assemblies seen (a manifest that names itself would loop), the bytes still allowed."""

    root: Path
    only: set[Path] | None
    stacks: list[StackTemplate] = field(default_factory=list)
    acks: dict[str, dict[str, str]] = field(default_factory=dict)
    remediations: list[Mapping[str, Any]] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)
    budget: ReadBudget = field(default_factory=ReadBudget)
    #: resolved template paths read (the plugin checks it read every template CDK passed)
    templates: set[Path] = field(default_factory=set)


@collector_paused()
def load_assembly(directory: Path, only_templates: set[Path] | None = None) -> Assembly:
    """Read ``manifest.json`` and every stack template of the assembly and its nested stages.

    ``only_templates`` restricts the result to the given template files (the validation
    plugin's view of which stacks it was asked about); a template it names that is not in the
    assembly is an error, never a silent pass. Every path the assembly names (sub-assemblies,
    templates, metadata files, assets, nested stack templates) must resolve inside
    ``directory``.
    """
    root = directory.resolve()
    reading = _Reading(root=root, only=only_templates)
    _read_assembly(root, reading, depth=0)
    if only_templates is not None:
        missing = sorted(str(t) for t in only_templates - reading.templates)
        if missing:
            raise InputError(
                f"{missing[0]}: this stack template is not in the cloud assembly {root}; "
                "synthesize again so that manifest.json lists it"
            )
    link_exports(reading.stacks)
    return Assembly(
        stacks=tuple(reading.stacks),
        acknowledgements=reading.acks,
        directory=directory,
        remediations=tuple(reading.remediations),
    )


def read_json(path: Path, what: str, budget: ReadBudget | None = None) -> Any:
    """A JSON file of an assembly: a regular file, bounded in size and nesting."""
    text = read_text(path, what, MAX_METADATA_BYTES, budget)
    doc = parse_json(text, path, what, InputError, "synthesize the app again")
    check_shape(doc, str(path), shared=False)
    return doc


def _mapping(value: Any, entry: str, expected: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{entry}: expected {expected}; synthesize the app again")
    return value


def _read_assembly(directory: Path, reading: _Reading, depth: int) -> None:
    if directory in reading.seen:
        raise InputError(
            f"{directory / 'manifest.json'}: a nested cloud assembly names an assembly already "
            "read (a loop); synthesize the app again"
        )
    if depth > MAX_NESTED_ASSEMBLIES:
        raise InputError(
            f"{directory / 'manifest.json'}: cloud assemblies nested more than "
            f"{MAX_NESTED_ASSEMBLIES} deep; synthesize the app again"
        )
    reading.seen.add(directory)
    manifest_path = directory / "manifest.json"
    manifest = _mapping(
        read_json(manifest_path, "cloud assembly manifest (manifest.json)", reading.budget),
        str(manifest_path),
        "a cloud assembly manifest (an object with 'version' and 'artifacts')",
    )
    if not isinstance(manifest.get("version"), str):
        raise InputError(
            f"{manifest_path}: not a cloud assembly manifest (no 'version'); pass the folder "
            "`cdk synth` wrote (cdk.out)"
        )
    artifacts = _mapping(
        manifest.get("artifacts", {}), f"{manifest_path}: artifacts", "a mapping of artifacts"
    )
    for artifact_id, artifact in artifacts.items():
        _mapping(artifact, f"{manifest_path}: artifacts/{artifact_id}", "an artifact object")
        _mapping(
            artifact.get("properties", {}),
            f"{manifest_path}: artifacts/{artifact_id}/properties",
            "a mapping of properties",
        )
    assets = _assets(directory, artifacts, reading)
    for artifact_id, artifact in sorted(artifacts.items()):
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        entry = f"{manifest_path}: artifacts/{artifact_id}/properties"
        if kind == "cdk:cloud-assembly":
            nested = confined(
                reading.root,
                _relative_to_root(directory, reading.root, props.get("directoryName")),
                "nested cloud assembly",
                f"{entry}/directoryName",
            )
            _read_assembly(nested.resolve(), reading, depth + 1)
        elif kind == "aws:cloudformation:stack":
            template_path = confined(
                reading.root,
                _relative_to_root(directory, reading.root, props.get("templateFile")),
                "stack template",
                f"{entry}/templateFile",
            )
            metadata = _metadata(
                directory, artifact, f"{manifest_path}: artifacts/{artifact_id}", reading
            )
            name = artifact.get("displayName") or artifact_id
            if not isinstance(name, str):
                name = str(artifact_id)
            changes = []
            for path, entries in metadata.items():
                for item in entries:
                    data = item.get("data")
                    if item.get("type") == ACK_METADATA and isinstance(data, dict):
                        reasons = {k: v for k, v in data.items() if isinstance(v, str)}
                        reading.acks.setdefault(path.lstrip("/"), {}).update(reasons)
                    elif item.get("type") == REMEDIATION_METADATA:
                        # one change (a dict) of the construct at ``path``, or the changes
                        # of one synth to a stack (a list, or that list as JSON text: what
                        # the Aspect writes, one string being far cheaper through jsii than
                        # a list of mappings), each naming its construct below it
                        data = _json_list(data)
                        for change in data if isinstance(data, list) else [data]:
                            if isinstance(change, dict):
                                at = path.lstrip("/")
                                own = change.get("construct_path")
                                if isinstance(data, list) and isinstance(own, str):
                                    at = own if own.startswith(at + "/") else at
                                changes.append({**change, "construct_path": at, "stack": name})
            resolved = template_path.resolve()
            if reading.only is not None and resolved not in reading.only:
                continue
            reading.templates.add(resolved)
            reading.remediations.extend(changes)
            account, region = _environment(artifact.get("environment", ""))
            reading.stacks.extend(
                _stack_and_nested(template_path, name, metadata, account, region, assets, reading)
            )


def _json_list(data: Any) -> Any:
    """``data``, or the list a JSON text ``data`` holds; anything else in a text (not JSON, not
    a list, nested deeper than a document may be: ``files.check_shape``) is no record."""
    if not isinstance(data, str):
        return data
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return []
    if not isinstance(parsed, list) or not shallow(parsed):
        return []
    return parsed


def _relative_to_root(directory: Path, root: Path, relative: Any) -> Any:
    """A path an assembly in ``directory`` names, relative to the outermost assembly ``root``
    (left as it is when it is not a relative path string: ``confined`` reports that)."""
    if not isinstance(relative, str) or not relative or Path(relative).is_absolute():
        return relative
    return str((directory / relative).relative_to(root)) if directory != root else relative


def _environment(env: Any) -> tuple[str | None, str | None]:
    if not isinstance(env, str):
        return None, None
    parts = env.removeprefix("aws://").split("/")
    if len(parts) != 2:
        return None, None
    account, region = (None if v in _UNKNOWN_ENV else v for v in parts)
    return account, region


def _metadata(
    directory: Path, artifact: Mapping[str, Any], entry: str, reading: _Reading
) -> dict[str, list[dict[str, Any]]]:
    """The stack's metadata entries by construct path: from the manifest and from the
    ``additionalMetadataFile`` CDK writes beside the template (``<stack>.metadata.json``)."""
    metadata: dict[str, list[dict[str, Any]]] = {}
    inline = artifact.get("metadata")
    sources: list[tuple[Any, str]] = [({} if inline is None else inline, f"{entry}/metadata")]
    extra = artifact.get("additionalMetadataFile")
    if extra:
        extra_path = confined(
            reading.root,
            _relative_to_root(directory, reading.root, extra),
            "metadata file",
            f"{entry}/additionalMetadataFile",
        )
        sources.append((read_json(extra_path, "metadata file", reading.budget), str(extra_path)))
    for doc, where in sources:
        for path, entries in _mapping(doc, where, "a mapping of construct paths").items():
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise InputError(
                    f"{where}: the entries of a construct path must be a list of objects; "
                    "synthesize the app again"
                )
            metadata.setdefault(str(path), []).extend(entries)
    return metadata


def _assets(directory: Path, artifacts: Mapping[str, Any], reading: _Reading) -> dict[str, Path]:
    """Map each file asset's S3 object key (``<hash>.zip``) to its staged path, which must lie
    inside the assembly (CDK stages every asset there; an absolute path or one that climbs out
    is an error naming the asset manifest entry)."""
    assets: dict[str, Path] = {}
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != "cdk:asset-manifest":
            continue
        entry = f"{directory / 'manifest.json'}: artifacts/{artifact_id}/properties/file"
        manifest_path = confined(
            reading.root,
            _relative_to_root(directory, reading.root, artifact.get("properties", {}).get("file")),
            "asset manifest",
            entry,
        )
        doc = _mapping(
            read_json(manifest_path, "asset manifest", reading.budget),
            str(manifest_path),
            "an asset manifest object",
        )
        files = _mapping(doc.get("files") or {}, f"{manifest_path}: files", "a mapping of assets")
        for asset_hash, asset in files.items():
            where = f"{manifest_path}: files/{asset_hash}"
            asset = _mapping(asset, where, "an asset object")
            source = _mapping(asset.get("source") or {}, f"{where}/source", "a source object")
            relative = source.get("path")
            if not relative:
                continue
            staged = confined(
                reading.root,
                _relative_to_root(directory, reading.root, relative),
                "asset",
                f"{where}/source/path",
            )
            assets[str(asset_hash)] = staged
            destinations = asset.get("destinations") or {}
            for destination in destinations.values() if isinstance(destinations, dict) else ():
                key = destination.get("objectKey") if isinstance(destination, dict) else None
                if isinstance(key, str) and key:
                    assets[key] = staged
    return assets


def _stack_and_nested(
    template_path: Path,
    name: str,
    metadata: Mapping[str, list[dict[str, Any]]],
    account: str | None,
    region: str | None,
    assets: Mapping[str, Path],
    reading: _Reading,
) -> list[StackTemplate]:
    """The stack's template plus its nested stacks, each with its own logical-id -> path map."""
    template_files: dict[str, str] = {}  # construct path -> template file
    logical_ids: dict[str, str] = {}  # construct path -> logical id
    for path, entries in metadata.items():
        for entry in entries:
            data = entry.get("data")
            if entry.get("type") == "aws:cdk:templateFile" and isinstance(data, str):
                template_files[path.lstrip("/")] = data
            elif entry.get("type") == "aws:cdk:logicalId" and isinstance(data, str):
                logical_ids[path.lstrip("/")] = data
    root = next((p for p, f in template_files.items() if f == template_path.name), None)
    per_template: dict[str, dict[str, str]] = {p: {} for p in template_files}
    for path, logical_id in logical_ids.items():
        owner = max((p for p in template_files if path.startswith(p + "/")), key=len, default=root)
        if owner is not None:
            per_template[owner][logical_id] = path
    stacks = [
        _stack(
            load_template(template_path, reading.budget),
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
        nested_path = confined(
            reading.root,
            _relative_to_root(template_path.parent, reading.root, file),
            "nested stack template",
            f"{template_path}: the aws:cdk:templateFile metadata of {path}",
        )
        stacks.append(
            _stack(
                load_template(nested_path, reading.budget),
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
    outputs = doc.get("Outputs")
    return StackTemplate(
        name=name,
        template_path=str(template_path.resolve()),
        resources=resources,
        parameters=evaluator.parameters,
        account=account,
        region=region,
        assets=assets,
        outputs=outputs if isinstance(outputs, dict) else {},
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
