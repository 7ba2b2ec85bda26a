"""Evaluated CloudFormation values.

Intrinsics are evaluated once, when a template is loaded, into plain Python values (str, int,
bool, list, dict) or into one of two explicit forms for what synth cannot know:

* ``Token``: one value known only at deploy time (a resource's ``Ref`` / ``Fn::GetAtt``, a
  template parameter, a pseudo parameter, an ``Fn::ImportValue``, or an unresolvable intrinsic).
* ``Text``: a string built from literal parts and tokens (``Fn::Join`` / ``Fn::Sub``).

Rules never read raw template dicts, and never guess: a value that is not ``literal`` cannot be
decided and a rule says nothing about it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, Union


@dataclass(frozen=True, slots=True)
class Token:
    """A value that is known only when CloudFormation deploys the template."""

    kind: str  # "ref" | "getatt" | "param" | "pseudo" | "import" | "unknown"
    target: str  # logical id, parameter name, pseudo parameter, export name or a reason
    attribute: str | None = None
    #: for a ``Ref`` / ``Fn::GetAtt`` that reached this template through an ``Fn::ImportValue``
    #: of another stack's export in the same assembly: that stack's name (else None)
    stack: str | None = None

    def __str__(self) -> str:
        if self.kind == "getatt":
            return f"${{{self.target}.{self.attribute}}}"
        if self.kind == "import":
            return f"${{ImportValue:{self.target}}}"
        if self.stack is not None:
            suffix = f".{self.attribute}" if self.kind == "getatt" else ""
            return f"${{{self.stack}:{self.target}{suffix}}}"
        if self.kind == "unknown":
            return "${?}"
        return f"${{{self.target}}}"

    @property
    def resource(self) -> str | None:
        """The logical id of the resource of THIS template this token refers to, if any."""
        return self.target if self.kind in ("ref", "getatt") and self.stack is None else None

    @property
    def foreign(self) -> tuple[str, Token] | None:
        """For a reference into another stack of the assembly: that stack's name, and the
        token as that stack's own template would write it."""
        if self.stack is None or self.kind not in ("ref", "getatt"):
            return None
        return self.stack, Token(self.kind, self.target, self.attribute)


@dataclass(frozen=True, slots=True)
class Text:
    """A string made of literal parts and tokens, such as an ``Fn::Join`` of an ARN."""

    parts: tuple[str | Token, ...]

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)

    @property
    def literals(self) -> tuple[str, ...]:
        return tuple(p for p in self.parts if isinstance(p, str))

    @property
    def tokens(self) -> tuple[Token, ...]:
        return tuple(p for p in self.parts if isinstance(p, Token))


Value = Union[str, int, float, bool, None, list, dict, Token, Text]  # noqa: UP007

#: Placeholder left where ``AWS::NoValue`` removed a property; dropped from dicts and lists.
NO_VALUE = Token("pseudo", "AWS::NoValue")


def unknown(reason: str) -> Token:
    return Token("unknown", reason)


def is_literal(value: Any) -> bool:
    """True when the value contains no token at any depth."""
    if isinstance(value, (Token, Text)):
        return False
    if isinstance(value, dict):
        return all(is_literal(v) for v in value.values())
    if isinstance(value, list):
        return all(is_literal(v) for v in value)
    return True


def literal_str(value: Any) -> str | None:
    """The value as a string when it is a literal scalar, else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def render(value: Any) -> str:
    """A readable string for any scalar value; tokens appear as ``${...}`` placeholders."""
    if isinstance(value, (Token, Text)):
        return str(value)
    lit = literal_str(value)
    return lit if lit is not None else ""


def text_with(value: Any, pseudos: Mapping[str, str]) -> str | None:
    """A literal string as it is, or a ``Text`` whose template values are all pseudo
    parameters named in ``pseudos``, each read as the value given there
    (``{"AWS::Partition": "aws"}``); None for any other value (it cannot be decided)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Text):
        return None
    pieces = []
    for part in value.parts:
        if isinstance(part, str):
            pieces.append(part)
        elif part.kind == "pseudo" and part.target in pseudos:
            pieces.append(pseudos[part.target])
        else:
            return None
    return "".join(pieces)


def as_list(value: Any) -> list[Any]:
    """IAM and CloudFormation accept a single value where a list is expected."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def tokens_in(value: Any) -> Iterator[Token]:
    """Every token at any depth of a value."""
    if isinstance(value, Token):
        yield value
    elif isinstance(value, Text):
        yield from value.tokens
    elif isinstance(value, dict):
        for v in value.values():
            yield from tokens_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from tokens_in(v)


def referenced_resources(value: Any) -> set[str]:
    """Logical ids of the resources a value refers to through ``Ref`` / ``Fn::GetAtt``."""
    return {t.target for t in tokens_in(value) if t.resource}


def refers_to(value: Any, logical_id: str) -> bool:
    return any(t.resource == logical_id for t in tokens_in(value))


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...`` or None when any step is missing or not a container."""
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list) or key >= len(value):
                return None
            value = value[key]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
    return value


_R = TypeVar("_R")


def memoized(maxsize: int = 4096) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """``functools.lru_cache`` for a pure function of template values (strings, tokens, texts,
    and tuples of them), whose arguments are not always fit to be a cache key: a call with any
    other value (a number, a mapping where IAM expects a string) is computed and not cached.
    Numbers are left out because a key compares them by value: ``(1,)`` is ``(True,)`` and
    ``(1.0,)`` to a cache, where a template tells them apart.

    The functions that use it decide something about one statement or principal from its
    content alone; functions of a template written by CDK repeat the same statements, and
    several rules ask the same, so the answer is computed once per distinct content."""

    def decorate(fn: Callable[..., _R]) -> Callable[..., _R]:
        cached = functools.lru_cache(maxsize=maxsize, typed=True)(fn)

        @functools.wraps(fn)
        def call(*args: Any) -> _R:
            # a cache may tell an argument apart from every other by equality when it is a
            # string, a flag (the cache compares argument types too), a token or text, or a
            # tuple of those; written out, as this wrapper runs tens of thousands of times
            for arg in args:
                kind = type(arg)
                if kind is str or kind is Token or kind is Text or kind is bool:
                    continue
                if kind is tuple and _KEY_TYPES.issuperset(map(type, arg)):
                    continue
                return fn(*args)
            return cached(*args)

        return call

    return decorate


#: types whose equality is identity of content: strings, and tokens and texts (of strings)
_KEY_TYPES = frozenset({str, Token, Text})
