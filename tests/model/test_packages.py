"""Reading the dependency manifests of a code asset (a directory or a zip)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from guardrails.model import packages


def write(root: Path, files: dict[str, str | dict]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return root


def unpinned(asset: Path) -> list[tuple[str, int, str]]:
    return [(u.file, u.line, u.requirement) for u in packages.read(asset).unpinned]


def deps(asset: Path) -> set[tuple[str, str, str]]:
    return {(d.ecosystem, d.name, d.version) for d in packages.read(asset).dependencies}


REQUIREMENTS = """\
# pinned by pip-compile
--index-url https://pypi.org/simple
requests==2.31.0 \\
    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f
urllib3===1.26.18  # arbitrary equality is a pin too
boto3>=1.28
botocore
jinja2==3.*
typing-extensions==4.12.2; python_version < "3.13"
-e .
./vendor/local_pkg
attrs @ git+https://github.com/python-attrs/attrs@4b4b1ffd5b1bca1b6d2d2c4bfda87b6cfb1e4d05
cattrs @ git+https://github.com/python-attrs/cattrs@main
this is not a requirement
-r extra.txt
"""


def test_requirements_lines(tmp_path):
    asset = write(tmp_path, {"requirements.txt": REQUIREMENTS, "extra.txt": "pydantic~=2.7\n"})
    assert unpinned(asset) == [
        ("extra.txt", 1, "pydantic~=2.7"),
        ("requirements.txt", 6, "boto3>=1.28"),
        ("requirements.txt", 7, "botocore (any version)"),
        ("requirements.txt", 8, "jinja2==3.*"),
        ("requirements.txt", 13, "cattrs @ direct URL without a hash or commit id"),
    ]
    assert deps(asset) == {
        ("PyPI", "requests", "2.31.0"),
        ("PyPI", "urllib3", "1.26.18"),
        ("PyPI", "typing-extensions", "4.12.2"),
    }
    found = {d.name: d.source for d in packages.read(asset).dependencies}
    assert found["requests"] == "requirements.txt line 3"


def test_constraints_pin_what_requirements_leave_open(tmp_path):
    asset = write(
        tmp_path,
        {
            "requirements.txt": "-c constraints.txt\nrequests\nboto3\n",
            "constraints.txt": "requests==2.32.3\nflask==3.0.0\n",
        },
    )
    assert unpinned(asset) == [("requirements.txt", 3, "boto3 (any version)")]
    # flask is only constrained, never required: not a dependency
    assert deps(asset) == {("PyPI", "requests", "2.32.3")}


def test_urls_never_reach_the_report(tmp_path):
    line = "https://user:s3cr3t@pypi.example.com/pkg/private_pkg-1.0.tar.gz\n"
    asset = write(tmp_path, {"requirements.txt": line})
    assert unpinned(asset) == [("requirements.txt", 1, "direct URL without a hash or commit id")]
    hashed = write(tmp_path / "h", {"requirements.txt": line.strip() + "#sha256=" + "a" * 64})
    assert unpinned(hashed) == []


def test_editable_vcs_checkouts(tmp_path):
    asset = write(
        tmp_path,
        {
            "requirements.txt": (
                "-e git+https://github.com/org/tool.git@v1.2#egg=tool\n"
                "-e git+https://github.com/org/lib.git@"
                "0123456789abcdef0123456789abcdef01234567#egg=lib\n"
                "--editable ./local\n"
            )
        },
    )
    assert unpinned(asset) == [
        ("requirements.txt", 1, "tool (editable checkout without a commit id)")
    ]


def test_installed_distributions_and_their_own_files(tmp_path):
    record = "jinja2/__init__.py,sha256=x,1\njinja2/requirements.txt,,\n"
    asset = write(
        tmp_path,
        {
            "Jinja2-3.1.2.dist-info/METADATA": (
                "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n\nName: not a header\n"
            ),
            "Jinja2-3.1.2.dist-info/RECORD": record,
            "jinja2/requirements.txt": "babel>=2.7\n",  # the package's own file, in RECORD
            "python/lib/python3.12/site-packages/somepkg-1.2.3.dist-info/METADATA": (
                "Name: somepkg\nVersion: 1.2.3\n"
            ),
            "handler.py": "def handler(event, context): ...\n",
        },
    )
    assert unpinned(asset) == []
    assert deps(asset) == {("PyPI", "Jinja2", "3.1.2"), ("PyPI", "somepkg", "1.2.3")}


def test_package_json_lock_files(tmp_path):
    with_deps = {"dependencies": {"lodash": "^4.17.0"}}
    asset = write(
        tmp_path,
        {
            "locked/package.json": with_deps,
            "locked/package-lock.json": {"lockfileVersion": 3, "packages": {}},
            "yarn/package.json": with_deps,
            "yarn/yarn.lock": "# yarn lockfile v1\n",
            "workspace/package-lock.json": {"lockfileVersion": 3, "packages": {}},
            "workspace/packages/api/package.json": with_deps,
            "installed/package.json": with_deps,
            "installed/node_modules/.package-lock.json": {"lockfileVersion": 3, "packages": {}},
            "installed/node_modules/lodash/package.json": {"dependencies": {"x": "*"}},
            "esm/package.json": {"type": "module"},
            "dev/package.json": {"devDependencies": {"jest": "^29.0.0"}},
            "open/package.json": with_deps,
            "open/node_modules/lodash/package.json": with_deps,
            "broken/package.json": "{not json",
        },
    )
    assert packages.read(asset).unlocked == ("open/package.json",)


def test_lockfile_versions(tmp_path):
    v3 = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "fn", "dependencies": {"lodash": "^4.17.0"}},
            "node_modules/lodash": {"version": "4.17.20"},
            "node_modules/@scope/pkg": {"version": "1.0.0"},
            "node_modules/a/node_modules/lodash": {"version": "4.17.15"},
            "node_modules/alias": {"name": "lodash-es", "version": "4.17.10"},
            "node_modules/jest": {"version": "29.7.0", "dev": True},
            "node_modules/linked": {"resolved": "packages/linked", "link": True},
            "packages/linked": {"version": "0.0.1"},
        },
    }
    v1 = {
        "lockfileVersion": 1,
        "dependencies": {
            "lodash": {
                "version": "4.17.19",
                "dependencies": {"minimist": {"version": "1.2.5"}},
            },
            "aliased": {"version": "npm:lodash-es@4.17.11"},
            "mocha": {"version": "10.0.0", "dev": True},
        },
    }
    hidden = {
        "lockfileVersion": 3,
        "packages": {"node_modules/jest": {"version": "29.7.0", "dev": True}},
    }
    asset = write(
        tmp_path,
        {
            "v3/package-lock.json": v3,
            "v1/npm-shrinkwrap.json": v1,
            "built/node_modules/.package-lock.json": hidden,
        },
    )
    assert deps(asset) == {
        ("npm", "lodash", "4.17.20"),
        ("npm", "@scope/pkg", "1.0.0"),
        ("npm", "lodash", "4.17.15"),
        ("npm", "lodash-es", "4.17.10"),
        ("npm", "lodash", "4.17.19"),
        ("npm", "minimist", "1.2.5"),
        ("npm", "lodash-es", "4.17.11"),
        ("npm", "jest", "29.7.0"),  # installed: shipped even though it is a dev package
    }


def test_a_zip_asset_reads_the_same(tmp_path):
    folder = write(
        tmp_path / "src",
        {
            "requirements.txt": "requests>=2\n",
            "node_modules/x/requirements.txt": "ignored\n",
            "node_modules/.package-lock.json": {
                "lockfileVersion": 3,
                "packages": {"node_modules/lodash": {"version": "4.17.20"}},
            },
            "package.json": {"dependencies": {"lodash": "4.17.20"}},
        },
    )
    archive = tmp_path / "asset.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder).as_posix())
    for asset in (folder, archive):
        result = packages.read(asset)
        assert [(u.file, u.line) for u in result.unpinned] == [("requirements.txt", 1)]
        assert result.unlocked == ()  # npm's hidden lockfile governs it
        assert deps(asset) == {("npm", "lodash", "4.17.20")}


def test_symlinks_are_not_followed(tmp_path):
    outside = write(tmp_path / "outside", {"requirements.txt": "requests\n"})
    asset = tmp_path / "asset"
    asset.mkdir()
    (asset / "requirements.txt").symlink_to(outside / "requirements.txt")
    (asset / "linked").symlink_to(outside, target_is_directory=True)
    assert packages.read(asset) == packages.AssetDependencies()


@pytest.mark.parametrize("name", ["missing", "file.txt"])
def test_an_asset_that_cannot_be_read_says_so(tmp_path, name):
    """Missing, or neither a folder nor a zip: nothing was checked, and the rules report it."""
    (tmp_path / "file.txt").write_text("requests\n")
    assert packages.read(tmp_path / name) == packages.AssetDependencies(unreadable=(name,))


def test_special_files_and_unreadable_folders_are_listed(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "requirements.txt").write_text("requests==2.0\n")
    found = packages.read(tmp_path)
    assert found.unreadable == ("pipe",) and len(found.dependencies) == 1
