"""Reading one CloudFormation template (JSON, or YAML with short-form intrinsic tags)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml

from guardrails.errors import InputError
from guardrails.inputs import parse_json, yaml_problem
from guardrails.model import sam
from guardrails.model.files import (
    MAX_DEPTH,
    MAX_TEMPLATE_BYTES,
    MAX_YAML_TEMPLATE_BYTES,
    MIB,
    ReadBudget,
    check_shape,
    read_text,
)

#: key-value pairs one mapping may hold once ``<<`` merge keys are applied (PyYAML copies the
#: merged pairs, so nested merges of merges grow exponentially before any check could run)
MAX_MERGED_PAIRS = 100_000
_STR_TAG = "tag:yaml.org,2002:str"


#: libyaml's parser when PyYAML has it (about three times faster, and it refuses nesting deeper
#: than 1,000 levels itself); the pure-Python one otherwise
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that also understands ``!Ref``, ``!GetAtt``, ``!Sub`` and the rest."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        super().flatten_mapping(node)  # flattens merged mappings through this method first
        if len(node.value) > MAX_MERGED_PAIRS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"more than {MAX_MERGED_PAIRS:,} keys in one mapping once merge keys are applied",
                node.start_mark,
            )
        # CloudFormation reads every key as a string: ``32:`` in a mapping is "32", not 32
        # (and the model never meets a key of another type)
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_node.tag = _STR_TAG


def _multi_constructor(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    name = (
        "Ref"
        if tag_suffix == "Ref"
        else ("Condition" if tag_suffix == "Condition" else f"Fn::{tag_suffix}")
    )
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:  # the composer builds only scalar, sequence and mapping nodes
        value = loader.construct_mapping(cast(yaml.MappingNode, node), deep=True)
    return {name: value}


_CfnYamlLoader.add_multi_constructor("!", _multi_constructor)
# CloudFormation treats timestamps-looking scalars as strings (e.g. "2012-10-17").
_CfnYamlLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_template(path: Path, budget: ReadBudget | None = None) -> dict[str, Any]:
    """Parse a template file; a malformed one raises ``InputError`` naming file and place.

    The file must be a regular file of at most ``MAX_TEMPLATE_BYTES``; the parsed document may
    nest at most ``MAX_DEPTH`` levels and hold at most ``MAX_NODES`` values with YAML aliases
    expanded (see ``files.check_shape``), so no later walk can exhaust the stack or memory.
    """
    text = read_text(path, "template", MAX_TEMPLATE_BYTES, budget)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        doc = _parse_json(text, path)
        check_shape(doc, str(path), shared=False)
    else:
        if len(text) > MAX_YAML_TEMPLATE_BYTES:  # YAML parses at about 1 MiB/s
            raise InputError(
                f"{path}: a YAML template larger than {MAX_YAML_TEMPLATE_BYTES // MIB} MiB "
                "(CloudFormation accepts 1 MB); convert it to JSON or split the stack"
            )
        doc = _parse_yaml(text, path)
        check_shape(doc, str(path), shared=True)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a CloudFormation template (expected a mapping at the top)")
    resources = doc.get("Resources", {})
    if not isinstance(resources, dict):
        raise InputError(f"{path}: 'Resources' must be a mapping of logical ids to resources")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise InputError(
                f"{path}: Resources/{_name(logical_id)} has no 'Type'; fix the template"
            )
    for section in ("Parameters", "Mappings", "Conditions", "Outputs", "Globals"):
        if section in doc and doc[section] is not None and not isinstance(doc[section], dict):
            raise InputError(
                f"{path}: '{section}' must be a mapping (of names to definitions); fix the template"
            )
    return sam.expand(doc, source=str(path))  # AWS SAM: the resources the transform generates


def _parse_json(text: str, path: Path) -> Any:
    return parse_json(text, path, "JSON", InputError, "fix the template")


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_CfnYamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise InputError(
            f"{path}{where}: malformed YAML ({yaml_problem(exc)}); fix the template"
        ) from None
    except RecursionError:
        raise InputError(
            f"{path}: nested too deep to read (more than {MAX_DEPTH} levels); "
            "a CloudFormation template never needs this"
        ) from None
    except (ValueError, TypeError, OverflowError):  # a huge integer, an unhashable key
        raise InputError(
            f"{path}: holds a value YAML cannot construct (a number over 4,300 digits, or a "
            "mapping or list used as a key); fix the template"
        ) from None


def _name(logical_id: Any) -> str:
    """A logical id for a message: CloudFormation's are alphanumeric, others are not shown."""
    text = str(logical_id)
    return text if text.isascii() and text.isalnum() and len(text) <= 255 else "<invalid id>"
