"""Evaluation of CloudFormation intrinsic functions into values or explicit tokens.

Evaluation is static: only what the template itself fixes is computed (literal joins, selects
over literal lists, mappings, conditions over literals, the stack's own account and region when
its environment is known). Everything else becomes a ``Token``, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from guardrails.errors import InputError
from guardrails.model.values import NO_VALUE, Text, Token, literal_str, unknown

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
#: text the intrinsics of one template may build in all (a deployable template builds KiB)
MAX_BUILT_TEXT = 16 * 1024 * 1024


def partition_of(region: str | None) -> str | None:
    if not region:
        return None
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso"):
        return "aws-iso" if region.startswith("us-iso-") else "aws-iso-b"
    return "aws"


@dataclass
class Evaluator:
    """Evaluates the intrinsics of one template."""

    resources: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    account: str | None = None
    region: str | None = None
    stack_name: str | None = None
    #: export name -> its value evaluated in the exporting stack, with that stack's name on
    #: references (set by the assembly once every stack is loaded)
    exports: Mapping[str, Any] = field(default_factory=dict)
    _condition_cache: dict[str, Any] = field(default_factory=dict)
    #: characters of text ``Fn::Join`` / ``Fn::Sub`` may still build: a small template that
    #: joins one large mapping value thousands of times must not build gigabytes
    _text_budget: int = MAX_BUILT_TEXT
    #: (kind, target, attribute) -> the one ``Token`` of the template for it: a template
    #: writes ``Ref AWS::Partition`` or ``Fn::GetAtt Table.Arn`` thousands of times
    _tokens: dict[tuple[str, str, str | None], Token] = field(default_factory=dict)

    # -- entry point -------------------------------------------------------------------------
    def evaluate(self, node: Any) -> Any:
        """The value of ``node`` with every intrinsic evaluated.

        A mapping or list without any intrinsic inside is returned as it is, not copied: most
        of a template (policy documents, tags, settings) is literal, and one copy of it is
        enough. Callers never modify what they get (the model is read-only). Each child is
        evaluated once: evaluation counts the text it builds against the template's budget."""
        # ``type() is`` rather than isinstance, and the two containers written out: this is
        # the hot loop of loading a template
        kind = type(node)
        if kind is dict:
            if len(node) == 1:
                ((key, arg),) = node.items()
                if key == "Ref" or key[:4] == "Fn::":
                    handler = _HANDLERS.get(key)
                    return handler(self, arg) if handler is not None else unknown(key)
            changed: dict[Any, Any] | None = None  # key -> value, where evaluation changes it
            for k, v in node.items():
                child = type(v)
                if child is dict or child is list:
                    ev = self.evaluate(v)
                    if ev is v:
                        continue
                elif v is NO_VALUE:  # a value evaluated already, holding the placeholder
                    ev = v
                else:  # a scalar is its own value
                    continue
                if changed is None:
                    changed = {}
                changed[k] = ev
            if changed is None:
                return node
            return {k: ev for k, v in node.items() if (ev := changed.get(k, v)) is not NO_VALUE}
        if kind is list:
            changed_at: dict[int, Any] | None = None  # index -> value, as for a mapping
            for i, v in enumerate(node):
                child = type(v)
                if child is dict or child is list:
                    ev = self.evaluate(v)
                    if ev is v:
                        continue
                elif v is NO_VALUE:
                    ev = v
                else:
                    continue
                if changed_at is None:
                    changed_at = {}
                changed_at[i] = ev
            if changed_at is None:
                return node
            return [ev for i, v in enumerate(node) if (ev := changed_at.get(i, v)) is not NO_VALUE]
        return node

    # -- intrinsics --------------------------------------------------------------------------
    def _token(self, kind: str, target: str, attribute: str | None = None) -> Token:
        """``Token(kind, target, attribute)``, one object for all its occurrences (tokens are
        values: nothing tells two equal ones apart)."""
        key = (kind, target, attribute)
        token = self._tokens.get(key)
        if token is None:
            token = self._tokens[key] = Token(kind, target, attribute)
        return token

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return unknown("Ref")
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self._token("param", name)
        if name in self.resources:
            return self._token("ref", name)
        return unknown(f"Ref {name}")

    def pseudo(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::AccountId" and self.account:
            return self.account
        if name == "AWS::Region" and self.region:
            return self.region
        if name == "AWS::Partition" and partition_of(self.region):
            return partition_of(self.region)
        if name == "AWS::StackName" and self.stack_name:
            return self.stack_name
        return self._token("pseudo", name)

    def get_att(self, arg: Any) -> Any:
        if isinstance(arg, str) and "." in arg:
            arg = arg.split(".", 1)
        if isinstance(arg, list) and len(arg) == 2:
            logical_id, attribute = arg[0], self.evaluate(arg[1])
            if isinstance(logical_id, str) and isinstance(attribute, str):
                return self._token("getatt", logical_id, attribute)
        return unknown("Fn::GetAtt")

    def join(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return unknown("Fn::Join")
        sep = self.evaluate(arg[0])
        items = self.evaluate(arg[1])
        if not isinstance(sep, str) or not isinstance(items, list):
            return unknown("Fn::Join")
        parts: list[str | Token] = []
        for i, item in enumerate(items):
            if i and sep:
                parts.append(self._spend(sep))
            if isinstance(item, Text):
                parts.extend(self._spend(p) for p in item.parts)
            elif isinstance(item, Token):
                parts.append(item)
            else:
                lit = literal_str(item)
                if lit is None:
                    return unknown("Fn::Join")
                parts.append(self._spend(lit))
        return _text(parts)

    def sub(self, arg: Any) -> Any:
        if isinstance(arg, str):
            template, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            template, variables = arg[0], self.evaluate(arg[1])
            if not isinstance(variables, dict):
                return unknown("Fn::Sub")
        else:
            return unknown("Fn::Sub")
        parts: list[str | Token] = []
        *segments, tail = _sub_segments(template)
        for before, name in segments:
            parts.append(before)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
                continue
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                logical_id, attribute = name.split(".", 1)
                value = self._token("getatt", logical_id, attribute)
            else:
                value = self.ref(name)
            if isinstance(value, Text):
                parts.extend(self._spend(p) for p in value.parts)
            elif isinstance(value, Token):
                parts.append(value)
            else:
                lit = literal_str(value)
                parts.append(self._spend(lit) if lit is not None else unknown(name))
        parts.append(tail[0])
        return _text(parts)

    def _spend(self, part: str | Token) -> str | Token:
        """Count a literal part of a text being built against the template's budget."""
        if isinstance(part, str):
            self._text_budget -= len(part)
            if self._text_budget < 0:
                raise InputError(
                    "its Fn::Join and Fn::Sub build more than "
                    f"{MAX_BUILT_TEXT // (1024 * 1024)} MiB of text; CloudFormation would "
                    "reject it (simplify the template)"
                )
        return part

    def select(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            index, items = self.evaluate(arg[0]), self.evaluate(arg[1])
            try:
                i = int(index)
            except (TypeError, ValueError):
                return unknown("Fn::Select")
            if isinstance(items, list) and 0 <= i < len(items):
                return items[i]
        return unknown("Fn::Select")

    def split(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            sep, source = self.evaluate(arg[0]), self.evaluate(arg[1])
            if isinstance(sep, str) and sep and isinstance(source, str):
                return source.split(sep)
        return unknown("Fn::Split")

    def find_in_map(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) >= 3:
            keys = [self.evaluate(a) for a in arg[:3]]
            node: Any = self.mappings
            for key in keys:
                if not isinstance(key, str) or not isinstance(node, dict) or key not in node:
                    if len(arg) == 4 and isinstance(arg[3], dict):
                        return self.evaluate(arg[3].get("DefaultValue"))
                    return unknown("Fn::FindInMap")
                node = node[key]
            return self.evaluate(node)
        return unknown("Fn::FindInMap")

    def if_(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            chosen = self.condition(arg[0])
            if chosen is True:
                return self.evaluate(arg[1])
            if chosen is False:
                return self.evaluate(arg[2])
        return unknown("Fn::If")

    def import_value(self, arg: Any) -> Any:
        name = self.evaluate(arg)
        if isinstance(name, str) and name in self.exports:
            return self.exports[name]
        return Token("import", name if isinstance(name, str) else str(name))

    def base64(self, arg: Any) -> Any:
        return self.evaluate(arg)

    # -- conditions ---------------------------------------------------------------------------
    def condition(self, name: str) -> bool | None:
        """True / False when a named condition is decidable from the template, else None."""
        if name not in self._condition_cache:
            self._condition_cache[name] = None  # guards against cycles
            self._condition_cache[name] = self._truth(self.conditions.get(name))
        return self._condition_cache[name]

    def _truth(self, node: Any) -> bool | None:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            return None
        ((key, arg),) = node.items()
        if key == "Condition" and isinstance(arg, str):
            return self.condition(arg)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = self.evaluate(arg[0]), self.evaluate(arg[1])
            la, lb = literal_str(a), literal_str(b)
            if la is None or lb is None:
                return None
            return la == lb
        if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            inner = self._truth(arg[0])
            return None if inner is None else not inner
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            values = [self._truth(a) for a in arg]
            if key == "Fn::And":
                if False in values:
                    return False
                return None if None in values else True
            if True in values:
                return True
            return None if None in values else False
        return None


@lru_cache(maxsize=1024)  # CDK writes the same few ``Fn::Sub`` strings for every function
def _sub_segments(template: str) -> tuple[tuple[str, str], ...]:
    """An ``Fn::Sub`` string as (literal text, variable name) pairs, then (the text after the
    last variable, "")."""
    segments = []
    pos = 0
    for m in _SUB_VAR.finditer(template):
        segments.append((template[pos : m.start()], m.group(1)))
        pos = m.end()
    segments.append((template[pos:], ""))
    return tuple(segments)


def _text(parts: list[str | Token]) -> Any:
    merged: list[str | Token] = []
    for p in parts:
        if p == "":
            continue
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + p
        else:
            merged.append(p)
    if not merged:
        return ""
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    if len(merged) == 1:
        return merged[0]
    return Text(tuple(merged))


_HANDLERS = {
    "Ref": Evaluator.ref,
    "Fn::GetAtt": Evaluator.get_att,
    "Fn::Join": Evaluator.join,
    "Fn::Sub": Evaluator.sub,
    "Fn::Select": Evaluator.select,
    "Fn::Split": Evaluator.split,
    "Fn::FindInMap": Evaluator.find_in_map,
    "Fn::If": Evaluator.if_,
    "Fn::ImportValue": Evaluator.import_value,
    "Fn::Base64": Evaluator.base64,
    "Fn::GetAZs": lambda self, arg: unknown("Fn::GetAZs"),
    "Fn::Cidr": lambda self, arg: unknown("Fn::Cidr"),
    "Fn::Length": lambda self, arg: unknown("Fn::Length"),
    "Fn::ToJsonString": lambda self, arg: unknown("Fn::ToJsonString"),
}
