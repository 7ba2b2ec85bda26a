"""The files of a code asset: one listing for a directory and a zip."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from guardrails.model import asset_files
from guardrails.model.asset_files import READ_ERRORS, open_asset

FILES = {
    "app.py": "print('hi')\n",
    "a-b/x.py": "x = 1\n",
    "a/x.py": "y = 2\n",
    ".git/config": "[core]\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    "node_modules/left-pad/index.js": "module.exports = 1\n",
    "six.py": "# vendored\n",
    "six-1.16.0.dist-info/RECORD": "six.py,sha256=abc,10\n",
    "lib/deep/z.txt": "z\n",
}


def _skip(name: str) -> bool:
    return name in {".git", "node_modules"} or name.endswith(".dist-info")


@pytest.fixture
def assets(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "src"
    for rel, text in FILES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    archive = tmp_path / "src.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for rel, text in sorted(FILES.items()):
            z.writestr(rel, text)
    return folder, archive


def test_a_directory_and_a_zip_list_the_same_files_in_the_same_order(assets):
    listings = []
    for path in assets:
        with open_asset(path, _skip, keep=[(".git", "config")], vendored=True) as asset:
            listings.append([(f.path, f.size) for f in asset])
            first = next(iter(asset))
            assert asset.read(first, 3) == b"[co"  # at most the bytes asked for
    assert listings[0] == listings[1]
    assert [p for p, _ in listings[0]] == [
        ".git/config",  # in the place of its directory: breadth first, name order
        "app.py",
        "a/x.py",
        "a-b/x.py",
        "lib/deep/z.txt",
    ]


def test_symbolic_links_are_listed_never_read(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("password = hunter2\n")
    asset = tmp_path / "asset"
    asset.mkdir()
    (asset / "link.txt").symlink_to(outside)
    (asset / "dir").symlink_to(tmp_path, target_is_directory=True)
    with open_asset(asset, _skip) as files:
        listed = list(files)
        assert [(f.path, f.link) for f in listed] == [("link.txt", True)]
        with pytest.raises(READ_ERRORS):
            files.read(listed[0], 100)


def test_a_file_that_is_not_a_zip_cannot_be_opened(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(READ_ERRORS):
        open_asset(tmp_path / "x.zip", _skip)


def test_a_zip_with_too_many_members_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(asset_files, "MAX_ZIP_ENTRIES", 5)
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(6):
            z.writestr(f"f{i}.py", "")
    with pytest.raises(asset_files.READ_ERRORS):
        asset_files.open_asset(archive, lambda name: False)


def test_special_files_and_unreadable_folders_are_listed_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "app.py").write_text("x = 1\n")
    with asset_files.open_asset(tmp_path, lambda name: False) as asset:
        assert [f.path for f in asset] == ["app.py"]
        assert asset.unreadable == ["pipe"]
