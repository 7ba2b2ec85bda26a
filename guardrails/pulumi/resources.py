"""A Pulumi resource as every Pulumi front end hands it over: the analyzer protocol (a policy
pack), ``pulumi preview --json`` and ``pulumi stack export`` documents.

Pure Python: nothing here imports ``pulumi``, so the CLI reads Pulumi documents without it.
Property names are Pulumi's (``tracingConfig``, ``environment.variables``); values are as
Pulumi serializes them: unknown values (during a preview) are Pulumi's sentinel strings,
secrets are ``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value":
...}`` mappings, assets and archives carry their own signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: the key Pulumi marks special values with, and the signatures of secrets, assets, archives
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIGNATURE = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIGNATURE = "0def7320c3a5731c473e5ecbe6d01bc7"
#: the value Pulumi puts where a string is not known before the deployment (a preview) ...
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: ... and every such value, of any type
UNKNOWN_VALUES = frozenset(
    {
        UNKNOWN_STRING,
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


@dataclass(frozen=True)
class PulumiResource:
    """One resource of a Pulumi stack: its type token (``aws:lambda/function:Function``), name,
    URN, properties, and the URNs it depends on (all of them, and per top-level property:
    which resource an unknown value of a property comes from)."""

    type: str
    name: str
    urn: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parent: str | None = None
    #: the provider's id of the resource, when it exists (a stack export, an update)
    id: str | None = None


def is_unknown(value: Any) -> bool:
    """Whether ``value`` is a value Pulumi only knows once the deployment runs."""
    return isinstance(value, str) and value in UNKNOWN_VALUES


def is_secret(value: Any) -> bool:
    """Whether ``value`` is a Pulumi secret, as the protocol and the documents write it."""
    return isinstance(value, Mapping) and value.get(SIGNATURE_KEY) == SECRET_SIGNATURE


def signature(value: Any) -> str | None:
    """The signature of a special value (secret, asset, archive), else None."""
    if isinstance(value, Mapping):
        sig = value.get(SIGNATURE_KEY)
        return sig if isinstance(sig, str) else None
    return None


def secret_values(value: Any) -> Iterator[str]:
    """Every string inside the Pulumi secrets of ``value`` (they are never shown, not even
    masked)."""
    if is_secret(value):
        yield from _strings(value.get("value"))
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from secret_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from secret_values(v)


def secret_paths(value: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where the Pulumi secrets of ``value`` are (key and index paths)."""
    if is_secret(value):
        yield at
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from secret_paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from secret_paths(v, (*at, i))


def marked_secret(value: Any, paths: Iterable[tuple[str | int, ...]]) -> Any:
    """``value`` with the values at ``paths`` marked as Pulumi secrets again (what a decoder
    that drops the mark, the Pulumi policy SDK's, lost)."""
    for path in paths:
        value = _mark(value, path)
    return value


def _mark(value: Any, path: tuple[str | int, ...]) -> Any:
    if not path:
        return value if is_secret(value) else {SIGNATURE_KEY: SECRET_SIGNATURE, "value": value}
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping) and head in value:
        return {**value, head: _mark(value[head], rest)}
    if isinstance(value, list) and isinstance(head, int) and 0 <= head < len(value):
        return [*value[:head], _mark(value[head], rest), *value[head + 1 :]]
    return value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def plain(value: Any) -> Any:
    """``value`` with every secret replaced by what it holds (the rules judge the value a
    function will see; the report never shows a secret: ``secret_values``)."""
    if is_secret(value):
        return plain(value.get("value"))
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def whole_numbers(value: Any) -> Any:
    """The analyzer protocol carries every number as a float (a protocol buffer's ``Struct``):
    whole ones back to ``int``, as a template writes them (``RetentionInDays: 7``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value
