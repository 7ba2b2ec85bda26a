"""The offline OSV vulnerability database that GR-DEP-05 matches code-asset dependencies against.

The database is what osv.dev publishes (https://google.github.io/osv.dev/data/): a folder of
OSV JSON records, possibly nested per ecosystem (``PyPI/GHSA-....json``), holding zips, or one
zip of records such as the per-ecosystem ``gs://osv-vulnerabilities/PyPI/all.zip``. It is read
once per path (and modification time) and indexed by (ecosystem, normalised package name); only
the ecosystems the guardrails read dependencies of (PyPI, npm) are indexed. Nothing here touches
the network.

Matching follows the OSV schema (https://ossf.github.io/osv-schema/): a version is affected
when it is listed in ``affected[].versions`` or falls inside an ``ECOSYSTEM`` / ``SEMVER`` range,
whose ``introduced`` / ``fixed`` / ``last_affected`` / ``limit`` events are evaluated in version
order. PyPI versions are compared with ``packaging.version`` (PEP 440), npm versions with a small
SemVer 2.0 comparison. ``GIT`` ranges (commit hashes) cannot be compared with a release version
and are ignored; withdrawn records are skipped.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from guardrails.errors import PolicyError
from guardrails.inputs import is_regular_file

#: the ecosystems whose dependencies ``packages`` reads from a code asset
ECOSYSTEMS = ("PyPI", "npm")
POLICY_KEY = "osv_database"
#: cheap pre-filter: a record that names none of our ecosystems is not parsed at all
_ECOSYSTEM_MARKERS = tuple(f'"{e}"'.encode() for e in ECOSYSTEMS)
_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$"
)


def normalise(ecosystem: str, name: str) -> str:
    """The name a package is indexed and looked up by: PEP 503 for PyPI (``Jinja2`` and
    ``jinja2`` are one project, so are ``ruamel.yaml`` and ``ruamel_yaml``), unchanged for npm,
    whose registry names are exact."""
    if ecosystem == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


@dataclass(frozen=True)
class Range:
    """One ``ECOSYSTEM`` or ``SEMVER`` range: its events as (kind, version) pairs."""

    type: str
    events: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Affected:
    """One ``affected[]`` entry of an advisory: a package, its ranges and listed versions."""

    ecosystem: str
    name: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    modified: str = ""


@dataclass(frozen=True)
class Match:
    """An advisory that affects one package version, with the versions that fix it."""

    advisory: Advisory
    #: the ``fixed`` events above the version in the ranges that matched (empty: no fix known)
    fixed: tuple[str, ...] = ()


@dataclass
class OsvDatabase:
    """Advisories indexed by (ecosystem, normalised name)."""

    path: Path
    #: every OSV record read, of any ecosystem
    records: int = 0
    #: the most recent ``modified`` timestamp of an indexed record (freshness of the copy)
    newest: str = ""
    index: dict[tuple[str, str], list[tuple[Advisory, Affected]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @property
    def advisories(self) -> int:
        """How many distinct advisories concern PyPI or npm."""
        return len({adv.id for entries in self.index.values() for adv, _ in entries})

    def matches(self, ecosystem: str, name: str, version: str) -> list[Match]:
        """The advisories affecting ``name`` at ``version`` in ``ecosystem``, in id order."""
        found: dict[str, Match] = {}
        for advisory, affected in self.index.get((ecosystem, normalise(ecosystem, name)), ()):
            fixed = affects(affected, version)
            if fixed is None:
                continue
            previous = found.get(advisory.id)
            merged = tuple(sorted(set(fixed) | set(previous.fixed if previous else ())))
            found[advisory.id] = Match(advisory, merged)
        return [found[k] for k in sorted(found)]

    def add(self, record: dict[str, Any]) -> None:
        if record.get("withdrawn"):
            return
        summary, modified = record.get("summary"), record.get("modified")
        advisory = Advisory(
            id=record["id"],
            aliases=tuple(a for a in record.get("aliases") or () if isinstance(a, str)),
            summary=summary if isinstance(summary, str) else "",
            modified=modified if isinstance(modified, str) else "",
        )
        indexed = False
        for entry in record.get("affected") or ():
            affected = _affected(entry)
            if affected is None:
                continue
            self.index[(affected.ecosystem, affected.name)].append((advisory, affected))
            indexed = True
        if indexed and advisory.modified > self.newest:
            self.newest = advisory.modified


def _affected(entry: Any) -> Affected | None:
    package = entry.get("package") if isinstance(entry, dict) else None
    if not isinstance(package, dict):
        return None
    ecosystem = str(package.get("ecosystem", "")).split(":", 1)[0]
    name = package.get("name")
    if ecosystem not in ECOSYSTEMS or not isinstance(name, str):
        return None
    ranges = []
    for r in entry.get("ranges") or ():
        if not isinstance(r, dict) or r.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue  # GIT ranges name commits, not releases
        events = tuple(
            (kind, str(value))
            for event in r.get("events") or ()
            if isinstance(event, dict)
            for kind, value in event.items()
            if kind in ("introduced", "fixed", "last_affected", "limit")
        )
        ranges.append(Range(r["type"], events))
    versions = tuple(str(v) for v in entry.get("versions") or ())
    return Affected(ecosystem, normalise(ecosystem, name), tuple(ranges), versions)


# -- version comparison ------------------------------------------------------------------------
def _pypi_key(version: str) -> Any:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _semver_key(version: str) -> Any:
    """SemVer 2.0 precedence: numeric core, a pre-release sorts before its release, pre-release
    identifiers compare numerically when numeric and before alphanumeric ones; build metadata is
    ignored."""
    m = _SEMVER.match(version.strip())
    if not m:
        return None
    major, minor, patch, pre = m.groups()
    if pre is None:
        pre_key: tuple[Any, ...] = (1,)
    else:
        pre_key = (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    return (int(major), int(minor), int(patch), pre_key)


_KEYS: dict[str, Callable[[str], Any]] = {"PyPI": _pypi_key, "npm": _semver_key}


def version_key(ecosystem: str) -> Callable[[str], Any]:
    """A sort key for versions of ``ecosystem``; a version that does not parse sorts first."""
    key = _KEYS[ecosystem]

    def sort_key(version: str) -> tuple[bool, Any]:
        k = key(version)
        return (k is not None, k if k is not None else 0)

    return sort_key


def affects(affected: Affected, version: str) -> tuple[str, ...] | None:
    """None when ``version`` is not affected; else the fixed versions above it (maybe none)."""
    key = _KEYS[affected.ecosystem]
    v = key(version)
    listed = version in affected.versions or (
        v is not None and any(key(x) == v for x in affected.versions)
    )
    fixes: set[str] = set()
    in_range = False
    if v is not None:
        for r in affected.ranges:
            hit = _in_range(r, v, key)
            if hit is not None:
                in_range = True
                fixes.update(hit)
    if not (listed or in_range):
        return None
    return tuple(sorted(fixes, key=lambda f: key(f)))


def _in_range(r: Range, v: Any, key: Callable[[str], Any]) -> tuple[str, ...] | None:
    """The OSV evaluation: walk the events in version order; ``introduced`` at or below the
    version opens the range, ``fixed`` at or below it (or ``last_affected`` below it) closes it;
    a ``limit`` at or below it excludes the version. A range with an event version that does not
    parse cannot be decided and matches nothing."""
    keyed = []
    for kind, value in r.events:
        if kind == "introduced" and value == "0":
            keyed.append((None, kind, value))  # "0": every version
            continue
        k = key(value)
        if k is None:
            return None
        keyed.append((k, kind, value))
    # "0" first, then by version; at equal versions "introduced" before the closing events
    keyed.sort(
        key=lambda e: (e[0] is not None, e[0] if e[0] is not None else 0, e[1] != "introduced")
    )
    vulnerable = False
    for k, kind, _ in keyed:
        if kind == "introduced" and (k is None or v >= k):
            vulnerable = True
        elif (kind == "fixed" and v >= k) or (kind == "last_affected" and v > k):
            vulnerable = False
    if not vulnerable:
        return None
    if any(kind == "limit" and v >= k for k, kind, _ in keyed):
        return None
    return tuple(value for k, kind, value in keyed if kind == "fixed" and k > v)


# -- loading -----------------------------------------------------------------------------------
_CACHE: dict[tuple[Path, int], OsvDatabase] = {}


def load(path: str | Path, source: str = "<policy>") -> OsvDatabase:
    """The database at ``path`` (a folder or a zip), read once per path and modification time.

    A relative path is taken relative to the policy file it was written in when ``source`` is
    an existing file, else relative to the current directory. A path that does not exist, is
    neither a folder nor a zip, or holds no OSV record raises ``PolicyError`` naming the policy
    key and the path.
    """
    p = resolve(path, source)
    try:
        stamp = p.stat().st_mtime_ns
    except OSError:
        raise _error(source, p, "does not exist; give a folder or a .zip of OSV records") from None
    cached = _CACHE.get((p, stamp))
    if cached is not None:
        return cached
    db = OsvDatabase(path=p)
    try:
        if p.is_dir():
            _read_folder(p, db)
        elif is_regular_file(p) and zipfile.is_zipfile(p):
            _read_zip(p, db)
        else:
            raise _error(source, p, "is neither a folder nor a .zip of OSV records")
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error, RuntimeError) as exc:
        raise _error(source, p, f"cannot be read ({exc.__class__.__name__})") from None
    if db.records == 0:
        raise _error(
            source, p, "holds no OSV records (JSON objects with 'id' and 'modified'); is it OSV?"
        )
    _CACHE.clear()  # one database per process is the use; do not keep old copies alive
    _CACHE[(p, stamp)] = db
    return db


def resolve(path: str | Path, source: str = "<policy>") -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute():
        policy_file = Path(source)
        base = policy_file.parent if policy_file.is_file() else Path.cwd()
        p = base / p
    return p.resolve()


def _error(source: str, path: Path, problem: str) -> PolicyError:
    return PolicyError(f"{source}: policy key '{POLICY_KEY}': {path} {problem}")


#: one OSV record file (the largest osv.dev records are a few hundred KiB)
MAX_RECORD_BYTES = 16 * 1024 * 1024


def _read_folder(folder: Path, db: OsvDatabase) -> None:
    for root, dirs, files in os.walk(folder):  # does not enter linked folders
        dirs.sort()
        for name in sorted(files):
            f = Path(root) / name
            if not (name.endswith((".json", ".zip")) and is_regular_file(f)):
                continue
            if name.endswith(".json"):
                with f.open("rb") as record:
                    _add(record.read(MAX_RECORD_BYTES), db)
            elif zipfile.is_zipfile(f):
                _read_zip(f, db)


def _read_zip(path: Path, db: OsvDatabase) -> None:
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not info.is_dir() and info.filename.endswith(".json"):
                with z.open(info) as record:
                    _add(record.read(MAX_RECORD_BYTES), db)


def _add(data: bytes, db: OsvDatabase) -> None:
    if b'"id"' not in data or b'"modified"' not in data:
        return  # not an OSV record (a README.json, a package.json...)
    if not any(marker in data for marker in _ECOSYSTEM_MARKERS):
        db.records += 1  # an OSV record of another ecosystem: count it, do not parse it
        return
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, a huge number, nesting too deep
        return
    for one in _records(record):
        db.records += 1
        db.add(one)


def _records(value: Any) -> Iterator[dict[str, Any]]:
    """A file holds one record, or (some exports) a list of records."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and "modified" in item:
            yield item
