"""The dependency manifests of a function's code asset (GR-DEP-04, GR-DEP-05).

A code asset is the directory (or zip) CDK staged into the cloud assembly: what Lambda runs.
This module reads, from every level of it:

* ``requirements.txt`` files (and the files they include with ``-r`` / ``-c``): which lines do
  not pin one version, and the versions the pinned lines install;
* installed Python distributions, ``*.dist-info/METADATA`` (``Name`` / ``Version``), as pip
  leaves them in a bundled asset;
* ``package.json`` files with runtime dependencies, and whether a lock file governs them;
* npm lock files (``package-lock.json``, ``npm-shrinkwrap.json``, the hidden
  ``node_modules/.package-lock.json``), lockfile v1 ``dependencies`` and v2/v3 ``packages``.

What is not the function's own manifest is left out: anything inside ``node_modules`` (the
manifests of installed packages; only npm's hidden lockfile there is read, it lists what is
installed), ``.git`` and ``__pycache__``, and every file that an installed Python distribution
lists in its ``RECORD`` (a package that ships its own ``requirements.txt``). Symbolic links are
not followed. The files are listed and read by ``asset_files``, as GR-SEC-04 reads them;
nothing is executed and nothing is written.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from guardrails.model.asset_files import READ_ERRORS, AssetFiles, fingerprint, open_asset

#: lock files that pin a ``package.json``'s whole tree (npm, yarn, pnpm, bun)
NPM_LOCKS = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
)
HIDDEN_LOCK = "node_modules/.package-lock.json"
_HIDDEN_LOCK = ("node_modules", ".package-lock.json")
_SKIPPED_DIRS = frozenset({"node_modules", ".git", "__pycache__"})
_MAX_BYTES = 32 * 1024 * 1024
_COMMENT = re.compile(r"(^|\s)#.*$")
_COMMIT = re.compile(r"@[0-9a-fA-F]{40}(?:$|[#&])")
_HASH_FRAGMENT = re.compile(r"#(?:.*&)?(?:sha256|sha384|sha512)=[0-9a-fA-F]+")
_LOCAL = re.compile(r"^(?:\.{1,2}(?:/|$)|/|file:|[A-Za-z]:[\\/])")
_OPTION_TAIL = re.compile(r"\s+--?[A-Za-z]")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=-r)|(?<=-c))(\S+)$")


@dataclass(frozen=True)
class Dependency:
    """One package at one exact version that the asset installs or ships."""

    ecosystem: str  # "PyPI" | "npm"
    name: str
    version: str
    #: where it was read: "requirements.txt line 3", "package-lock.json", "x-1.0.dist-info"
    source: str


@dataclass(frozen=True)
class Unpinned:
    """A ``requirements.txt`` line that does not pin one version."""

    file: str
    line: int
    #: the requirement without any URL (never credentials): ``requests>=2.0``, ``boto3``
    requirement: str


@dataclass(frozen=True)
class AssetDependencies:
    dependencies: tuple[Dependency, ...] = ()
    unpinned: tuple[Unpinned, ...] = ()
    #: ``package.json`` files with runtime dependencies and no lock file beside or above them
    unlocked: tuple[str, ...] = ()
    #: every manifest that was read, for messages
    manifests: tuple[str, ...] = field(default_factory=tuple)
    #: what could not be read (the asset itself, a folder, a special file): not checked
    unreadable: tuple[str, ...] = ()


def read(asset: Path) -> AssetDependencies:
    """The dependencies of the staged code asset at ``asset`` (a directory or a zip file)."""
    stamp = fingerprint(asset)
    if stamp is None:  # named by the assembly but not in it
        return AssetDependencies(unreadable=(asset.name,))
    return _read(str(asset), stamp)


@lru_cache(maxsize=64)
def _read(path: str, stamp: tuple[int, int]) -> AssetDependencies:
    del stamp  # part of the cache key only: a re-staged asset is read again
    try:
        with open_asset(Path(path), _SKIPPED_DIRS.__contains__, keep=[_HIDDEN_LOCK]) as asset:
            found = _Reader(_Tree(asset)).read()
            if asset.unreadable:
                return replace(found, unreadable=tuple(asset.unreadable))
            return found
    except READ_ERRORS:
        return AssetDependencies(unreadable=(Path(path).name,))


# -- the asset's files, a directory or a zip ---------------------------------------------------
class _Tree:
    """Relative POSIX paths of the asset's files (pruned as the module docstring says)."""

    def __init__(self, asset: AssetFiles) -> None:
        self.asset = asset
        self.by_path = {f.path: f for f in asset}
        self.files = list(self.by_path)
        self.index = set(self.files)

    def text(self, rel: str) -> str | None:
        data = self.bytes(rel)
        return None if data is None else data.decode("utf-8", errors="replace").lstrip("\ufeff")

    def bytes(self, rel: str) -> bytes | None:
        file = self.by_path.get(rel)
        if file is None or file.link or file.size > _MAX_BYTES:
            return None
        try:
            return self.asset.read(file, _MAX_BYTES)
        except READ_ERRORS:
            return None


# -- reading -----------------------------------------------------------------------------------
class _Reader:
    def __init__(self, tree: _Tree) -> None:
        self.tree = tree
        self.dependencies: dict[tuple[str, str, str], Dependency] = {}
        self.unpinned: list[Unpinned] = []
        self.unlocked: list[str] = []
        self.manifests: list[str] = []
        self._owned: set[str] | None = None
        self._done: set[str] = set()

    def read(self) -> AssetDependencies:
        files = self.tree.files
        for rel in files:
            if rel.endswith(".dist-info/METADATA") and rel.count("/") >= 1:
                self._metadata(rel)
        for rel in files:
            name = posixpath.basename(rel)
            if name == "requirements.txt" and not self._owned_file(rel):
                self._requirements_file(rel)
            elif name == "package.json" and not self._owned_file(rel):
                self._package_json(rel)
            elif _is_lockfile(rel) and not self._owned_file(rel):
                self._lockfile(rel)
        return AssetDependencies(
            dependencies=tuple(self.dependencies.values()),
            unpinned=tuple(sorted(self.unpinned, key=lambda u: (u.file, u.line))),
            unlocked=tuple(self.unlocked),
            manifests=tuple(self.manifests),
        )

    def _add(self, ecosystem: str, name: str, version: str, source: str) -> None:
        key = (ecosystem, name.lower(), version)
        self.dependencies.setdefault(key, Dependency(ecosystem, name, version, source))

    # installed Python distributions -----------------------------------------------------------
    def _metadata(self, rel: str) -> None:
        text = self.tree.text(rel)
        if text is None:
            return
        headers: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip():
                break  # the body (long description) starts after the first blank line
            key, sep, value = line.partition(":")
            if sep and key in ("Name", "Version") and key not in headers:
                headers[key] = value.strip()
        if headers.get("Name") and headers.get("Version"):
            dist_info = posixpath.dirname(rel)
            self.manifests.append(dist_info)
            self._add("PyPI", headers["Name"], headers["Version"], dist_info)

    def _owned_file(self, rel: str) -> bool:
        """Whether an installed distribution's ``RECORD`` lists the file (it is not ours)."""
        if "/" not in rel:
            return False  # a distribution never installs into the asset root itself
        if self._owned is None:
            self._owned = set()
            for f in self.tree.files:
                if f.endswith(".dist-info/RECORD"):
                    base = posixpath.dirname(posixpath.dirname(f))
                    for row in (self.tree.text(f) or "").splitlines():
                        entry = row.split(",", 1)[0].strip()
                        if entry:
                            self._owned.add(posixpath.normpath(posixpath.join(base, entry)))
        return rel in self._owned

    # requirements.txt ---------------------------------------------------------------------------
    def _requirements_file(self, rel: str) -> None:
        if rel in self._done:
            return
        constraints: dict[str, str] = {}
        pending: list[tuple[str, int, Requirement]] = []
        self._parse_requirements(rel, constraints, pending)
        for file, line, req in pending:
            name = _pep503(req.name)
            if name in constraints:
                self._add("PyPI", req.name, constraints[name], f"{file} line {line} (constraint)")
            else:
                self.unpinned.append(Unpinned(file, line, _display(req)))

    def _parse_requirements(
        self,
        rel: str,
        constraints: dict[str, str],
        pending: list[tuple[str, int, Requirement]],
        constraint_file: bool = False,
    ) -> None:
        if rel in self._done:
            return
        self._done.add(rel)
        text = self.tree.text(rel)
        if text is None:
            return
        self.manifests.append(rel)
        for number, line in _logical_lines(text):
            include = _INCLUDE.match(line)
            if include:
                target = _inside(posixpath.dirname(rel), include.group(2))
                if target and target in self.tree.index:
                    is_constraint = include.group(1) in ("-c", "--constraint")
                    self._parse_requirements(target, constraints, pending, is_constraint)
                continue
            if line.startswith(("-e", "--editable")):
                self._editable(rel, number, line, constraint_file)
                continue
            if line.startswith("-"):
                continue  # --index-url, --find-links, --pre, --require-hashes...
            hashed = "--hash" in line
            spec = _OPTION_TAIL.split(line, 1)[0].strip()
            if _LOCAL.match(spec):
                continue  # a path inside the project: the team's own code, not a dependency
            if "://" in spec and "@" not in spec.split("://", 1)[0]:
                # a bare URL: pinned only by a hash or a full commit id
                pinned = hashed or _HASH_FRAGMENT.search(spec) or _COMMIT.search(spec)
                if not pinned and not constraint_file:
                    label = "direct URL without a hash or commit id"
                    self.unpinned.append(Unpinned(rel, number, label))
                continue
            try:
                req = Requirement(spec)
            except InvalidRequirement:
                continue  # pip rejects it too; nothing this rule can judge
            if req.url:
                pinned_url = hashed or _HASH_FRAGMENT.search(req.url) or _COMMIT.search(req.url)
                if not pinned_url and not _LOCAL.match(req.url) and not constraint_file:
                    label = f"{req.name} @ direct URL without a hash or commit id"
                    self.unpinned.append(Unpinned(rel, number, label))
                continue
            version = _pinned_version(req)
            if constraint_file:
                if version:
                    constraints[_pep503(req.name)] = version
                continue
            if version:
                self._add("PyPI", req.name, version, f"{rel} line {number}")
            else:
                pending.append((rel, number, req))

    def _editable(self, rel: str, number: int, line: str, constraint_file: bool) -> None:
        parts = re.split(r"\s+|=", line, maxsplit=1)
        target = parts[1].strip() if len(parts) == 2 else ""
        if not target or _LOCAL.match(target) or constraint_file:
            return  # ``-e .``: the project itself
        if _COMMIT.search(target.split("#", 1)[0] + "#"):
            return
        egg = re.search(r"[#&]egg=([A-Za-z0-9_.-]+)", target)
        label = f"{egg.group(1) if egg else 'editable'} (editable checkout without a commit id)"
        self.unpinned.append(Unpinned(rel, number, label))

    # npm --------------------------------------------------------------------------------------
    def _package_json(self, rel: str) -> None:
        try:
            doc = json.loads(self.tree.text(rel) or "")
        except ValueError:
            return
        if not isinstance(doc, dict):
            return
        self.manifests.append(rel)
        runtime = [doc.get(k) for k in ("dependencies", "optionalDependencies")]
        if not any(isinstance(d, dict) and d for d in runtime):
            return  # nothing to install (``{"type": "module"}`` only)
        folder = posixpath.dirname(rel)
        if self._has_lock(folder):
            return
        self.unlocked.append(rel)

    def _has_lock(self, folder: str) -> bool:
        """A lock file in the folder or any folder above it inside the asset (workspaces keep
        one lock at their root), or npm's hidden lockfile of the folder's ``node_modules``."""
        if posixpath.join(folder, HIDDEN_LOCK).lstrip("/") in self.tree.index:
            return True
        current = folder
        while True:
            for lock in NPM_LOCKS:
                if posixpath.join(current, lock).lstrip("/") in self.tree.index:
                    return True
            if not current:
                return False
            current = posixpath.dirname(current)

    def _lockfile(self, rel: str) -> None:
        try:
            doc = json.loads(self.tree.text(rel) or "")
        except ValueError:
            return
        if not isinstance(doc, dict):
            return
        self.manifests.append(rel)
        installed = rel.endswith(HIDDEN_LOCK)  # the installed tree: dev packages are shipped too
        packages = doc.get("packages")
        if isinstance(packages, dict):
            for key, entry in packages.items():
                if not key or "node_modules/" not in key or not isinstance(entry, dict):
                    continue  # the root project, or a workspace's own source folder
                if entry.get("link") or (entry.get("dev") and not installed):
                    continue
                name = entry.get("name") or key.rsplit("node_modules/", 1)[1]
                version = entry.get("version")
                if isinstance(name, str) and isinstance(version, str):
                    self._add("npm", name, version, rel)
            return
        self._lock_v1(rel, doc.get("dependencies"), installed)

    def _lock_v1(self, rel: str, deps: Any, installed: bool) -> None:
        if not isinstance(deps, dict):
            return
        for name, entry in deps.items():
            if not isinstance(entry, dict) or (entry.get("dev") and not installed):
                continue
            version = entry.get("version")
            if isinstance(version, str) and version.startswith("npm:"):
                name, _, version = version[4:].rpartition("@")  # an alias: npm:real@1.2.3
            if isinstance(version, str) and name:
                self._add("npm", name, version, rel)
            self._lock_v1(rel, entry.get("dependencies"), installed)


def _is_lockfile(rel: str) -> bool:
    name = posixpath.basename(rel)
    return name in ("package-lock.json", "npm-shrinkwrap.json") or rel.endswith(HIDDEN_LOCK)


# -- requirements.txt helpers ------------------------------------------------------------------
def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with continuations joined and comments removed."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.endswith("\\"):
            buffer.append(raw[:-1])
            continue
        buffer.append(raw)
        line = _COMMENT.sub("", " ".join(buffer)).strip()
        buffer = []
        if line:
            yield start, line
    if buffer:
        line = _COMMENT.sub("", " ".join(buffer)).strip()
        if line:
            yield start, line


def _pinned_version(req: Requirement) -> str | None:
    """The one version a requirement installs: ``==X`` (no wildcard) or ``===X``."""
    for spec in req.specifier:
        if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
            return spec.version
    return None


def _display(req: Requirement) -> str:
    specifier = str(req.specifier)
    return f"{req.name}{specifier}" if specifier else f"{req.name} (any version)"


def _pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _inside(folder: str, target: str) -> str | None:
    """``target`` relative to ``folder``, when it stays inside the asset."""
    if target.startswith("/") or "://" in target:
        return None
    joined = posixpath.normpath(posixpath.join(folder, target))
    return None if joined.startswith("..") else joined
