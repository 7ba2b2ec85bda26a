"""The files of a code asset staged in the cloud assembly: a directory or a zip file.

One way to list and read them, for every check that looks inside a function's code (GR-SEC-04
scans the files for credentials, ``packages`` reads the dependency manifests):

* ``open_asset(path, skip_dir=...)`` lists the files with their relative POSIX paths and sizes,
  breadth first and in name order (the top-level code before deep trees), the same order for a
  directory and a zip;
* ``AssetFiles.read(file, limit)`` reads at most ``limit`` bytes of one file, a zip member in
  memory (an asset is never extracted, nothing is written).

What to leave out is the caller's: directories ``skip_dir`` names are not entered, except the
``keep`` files directly inside them (``(".git", "config")``); with ``vendored=True`` the
packages a ``*.dist-info/RECORD`` lists beside it (``pip install -t``) are left out too.
Symbolic links are never followed: a link to a file is listed with ``link=True`` and never read,
a link to a directory is not entered. Zip members with an absolute path, a ``..`` segment or
encryption are not listed.
"""

from __future__ import annotations

import csv
import os
import stat
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guardrails.inputs import is_regular_file

#: what listing or reading a file or a zip member may raise (a truncated zip, a compression
#: method zipfile does not support, an encrypted member, a link...)
READ_ERRORS = (OSError, EOFError, RuntimeError, ValueError, zipfile.BadZipFile, zlib.error)
#: members of a zip asset (the Lambda limit of 250 MB unzipped holds far fewer real files)
MAX_ZIP_ENTRIES = 100_000
#: bytes read of a ``*.dist-info/RECORD`` (botocore's is about 300 KiB)
RECORD_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class AssetFile:
    """One file of an asset: its path relative to the asset root (POSIX) and its size."""

    path: str
    size: int
    #: a symbolic link: listed (it is in the package) but never read
    link: bool = False
    #: the absolute path of a directory's file, or the ``ZipInfo`` of a zip member
    ref: Any = field(default=None, compare=False, repr=False)


class AssetFiles:
    """The files of one asset, iterated in a deterministic order; use as a context manager."""

    def __init__(self, name: str) -> None:
        self.name = name
        #: what the listing met but could not read: a folder it could not open, a FIFO, a
        #: device or a socket (relative paths, ``.`` for the root); filled while iterating
        self.unreadable: list[str] = []

    def __iter__(self) -> Iterator[AssetFile]:
        raise NotImplementedError

    def read(self, file: AssetFile, limit: int) -> bytes:
        """At most ``limit`` bytes of ``file``; raises one of ``READ_ERRORS``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the listing holds open (a zip file)."""

    def __enter__(self) -> AssetFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_asset(
    path: Path,
    skip_dir: Callable[[str], bool],
    keep: Collection[tuple[str, str]] = (),
    vendored: bool = False,
) -> AssetFiles:
    """The files of the asset at ``path``: a directory, else a zip file (raises one of
    ``READ_ERRORS`` when it is neither: a FIFO, a device or a missing path is never opened)."""
    if path.is_dir():
        return _Directory(path, skip_dir, frozenset(keep), vendored)
    if not is_regular_file(path):
        raise OSError(f"{path.name} is neither a folder nor a regular file")
    return _Zip(path, skip_dir, frozenset(keep), vendored)


def fingerprint(path: Path) -> tuple[int, int] | None:
    """Modification time and size of an asset, for caches (None when it does not exist)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def recorded(record: str) -> set[str]:
    """First path segments of the files a ``*.dist-info/RECORD`` installed: packages pip put
    beside the RECORD's directory (``pip install -t``), relative to that directory."""
    names = set()
    for row in csv.reader(record.splitlines()):
        if row and row[0] and not row[0].startswith(("..", "/")):
            names.add(row[0].split("/", 1)[0])
    return names


class _Directory(AssetFiles):
    def __init__(
        self,
        root: Path,
        skip_dir: Callable[[str], bool],
        keep: frozenset[tuple[str, str]],
        vendored: bool,
    ) -> None:
        super().__init__(root.name)
        self.root = root
        self.skip_dir = skip_dir
        self.keep = keep
        self.vendored = vendored

    def read(self, file: AssetFile, limit: int) -> bytes:
        if file.link or os.path.islink(file.ref):
            raise OSError(f"{file.path} is a symbolic link")
        # O_NONBLOCK and a check on the open file: a file swapped for a FIFO never blocks
        fd = os.open(file.ref, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{file.path} is not a regular file")
            return f.read(limit)

    def _vendored(self, entries: list[os.DirEntry[str]]) -> set[str]:
        names: set[str] = set()
        if not self.vendored:
            return names
        for e in entries:
            record = os.path.join(e.path, "RECORD")
            if e.name.endswith(".dist-info") and os.path.isfile(record):
                try:
                    with open(record, encoding="utf-8", errors="replace") as f:
                        names |= recorded(f.read(RECORD_BYTES))
                except OSError:
                    continue
        return names

    def __iter__(self) -> Iterator[AssetFile]:
        """Breadth first and sorted; a kept file of a skipped directory comes in the place of
        its directory."""
        queue: deque[tuple[str, str]] = deque([(str(self.root), "")])
        while queue:
            directory, prefix = queue.popleft()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                self.unreadable.append(prefix.rstrip("/") or ".")
                continue
            vendored = self._vendored(entries)
            subdirectories = []
            for e in entries:
                rel = prefix + e.name
                try:
                    if e.name in vendored:
                        continue
                    if e.is_symlink():
                        if not e.is_dir():
                            yield AssetFile(rel, 0, link=True, ref=e.path)
                        continue
                    if e.is_dir(follow_symlinks=False):
                        if self.skip_dir(e.name):
                            yield from self._kept(e, rel)
                        else:
                            subdirectories.append((e.path, rel + "/"))
                    elif e.is_file(follow_symlinks=False):
                        yield AssetFile(rel, e.stat(follow_symlinks=False).st_size, ref=e.path)
                    else:  # a FIFO, a device or a socket: never opened
                        self.unreadable.append(rel)
                except OSError:
                    self.unreadable.append(rel)
                    continue
            queue.extend(subdirectories)

    def _kept(self, directory: os.DirEntry[str], rel: str) -> Iterator[AssetFile]:
        for name in sorted(n for d, n in self.keep if d == directory.name):
            path = os.path.join(directory.path, name)
            if os.path.isfile(path):
                link = os.path.islink(path)
                size = 0 if link else os.path.getsize(path)
                yield AssetFile(f"{rel}/{name}", size, link=link, ref=path)


class _Zip(AssetFiles):
    def __init__(
        self,
        path: Path,
        skip_dir: Callable[[str], bool],
        keep: frozenset[tuple[str, str]],
        vendored: bool,
    ) -> None:
        super().__init__(path.name)
        _check_entries(path)
        self.archive = zipfile.ZipFile(path)
        try:
            self.files = self._list(skip_dir, keep, vendored)
        except BaseException:
            self.archive.close()
            raise

    def _list(
        self,
        skip_dir: Callable[[str], bool],
        keep: frozenset[tuple[str, str]],
        vendored: bool,
    ) -> list[AssetFile]:
        members = [i for i in self.archive.infolist() if not i.is_dir()]
        records: dict[str, set[str]] = {}
        for info in members if vendored else ():
            parent, _, name = info.filename.rpartition("/")
            directory, _, package = parent.rpartition("/")
            if name == "RECORD" and package.endswith(".dist-info"):
                prefix = f"{directory}/" if directory else ""
                with self.archive.open(info) as member:
                    record = member.read(RECORD_BYTES).decode("utf-8", "replace")
                records.setdefault(prefix, set()).update(recorded(record))
        listed = []
        for info in members:
            parts = info.filename.split("/")
            if info.filename.startswith("/") or ".." in parts or info.flag_bits & 0x1:
                continue
            walked = parts[:-2] if tuple(parts[-2:]) in keep else parts[:-1]
            if any(skip_dir(d) for d in walked) or _is_vendored(parts, records):
                continue
            # the place the directory walk gives it: breadth first, in name order
            listed.append(
                ((len(walked), parts), AssetFile(info.filename, info.file_size, ref=info))
            )
        listed.sort(key=lambda item: item[0])
        return [file for _, file in listed]

    def __iter__(self) -> Iterator[AssetFile]:
        return iter(self.files)

    def read(self, file: AssetFile, limit: int) -> bytes:
        with self.archive.open(file.ref) as member:
            return member.read(limit)

    def close(self) -> None:
        self.archive.close()


def _check_entries(path: Path) -> None:
    """Refuse a zip whose central directory lists more than ``MAX_ZIP_ENTRIES`` members before
    ``zipfile`` reads it: a 64 MiB archive of empty members would hold a million of them, each
    a Python object (a Lambda package has at most a few tens of thousands of files)."""
    with path.open("rb") as f:
        end = zipfile._EndRecData(f)  # type: ignore[attr-defined]  # the record's fields
    if end and end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_ENTRIES:  # type: ignore[attr-defined]
        raise ValueError(f"{path.name} lists more than {MAX_ZIP_ENTRIES:,} files")


def _is_vendored(parts: list[str], records: dict[str, set[str]]) -> bool:
    """Whether a zip member lies in a package a RECORD of its directory (or above) lists."""
    prefix = ""
    for part in parts:
        if part in records.get(prefix, ()):
            return True
        prefix += f"{part}/"
    return False
