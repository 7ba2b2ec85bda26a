"""Reading one CloudFormation template (JSON, or YAML with short-form intrinsic tags)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from guardrails.errors import InputError
from guardrails.model import sam


class _CfnYamlLoader(yaml.SafeLoader):
    """A safe loader that also understands ``!Ref``, ``!GetAtt``, ``!Sub`` and the rest."""


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
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnYamlLoader.add_multi_constructor("!", _multi_constructor)
# CloudFormation treats timestamps-looking scalars as strings (e.g. "2012-10-17").
_CfnYamlLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_template(path: Path) -> dict[str, Any]:
    """Parse a template file; a malformed one raises ``InputError`` naming file and place."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such file; pass a cloud assembly directory or a template"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path}: cannot be read ({exc.__class__.__name__}); check the file"
        ) from None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{exc.lineno}:{exc.colno}: malformed JSON ({exc.msg}); fix the template"
            ) from None
    else:
        try:
            doc = yaml.load(text, Loader=_CfnYamlLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise InputError(
                f"{path}{where}: malformed YAML ({problem}); fix the template"
            ) from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a CloudFormation template (expected a mapping at the top)")
    resources = doc.get("Resources", {})
    if not isinstance(resources, dict):
        raise InputError(f"{path}: 'Resources' must be a mapping of logical ids to resources")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise InputError(f"{path}: Resources/{logical_id} has no 'Type'; fix the template")
    return sam.expand(doc)  # AWS SAM templates: the resources the SAM transform generates
