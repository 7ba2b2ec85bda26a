"""The offline OSV database: loading a folder or a zip, indexing, and OSV range matching, on
records copied from real advisories (``tests/fixtures/osv``)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from guardrails.errors import PolicyError
from guardrails.model import osv

DB = Path(__file__).parent.parent / "fixtures" / "osv" / "db"


def _records() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(DB.rglob("*.json"))]


def _zip(path: Path, records: list[dict]) -> Path:
    """Records flat in a zip, as osv.dev's per-ecosystem ``all.zip`` holds them."""
    with zipfile.ZipFile(path, "w") as z:
        for r in records:
            z.writestr(f"{r['id']}.json", json.dumps(r))
    return path


def _affected(record_id: str, **changes: object) -> osv.Affected:
    """The first ``affected`` entry of a fixture record, optionally changed."""
    record = next(r for r in _records() if r["id"] == record_id)
    entry = dict(record["affected"][0], **changes)
    affected = osv._affected(entry)
    assert affected is not None
    return affected


@pytest.fixture(scope="module")
def db() -> osv.OsvDatabase:
    return osv.load(DB)


def test_a_folder_nested_per_ecosystem_is_indexed_by_normalised_name(db):
    assert db.records == 4
    assert db.advisories == 4
    assert db.newest == "2024-05-20T22:07:29Z"
    assert ("PyPI", "requests") in db.index
    assert ("npm", "lodash") in db.index and ("npm", "lodash-es") in db.index
    # PEP 503: the distribution Jinja2 is the advisory's jinja2
    assert [m.advisory.id for m in db.matches("PyPI", "Jinja2", "3.1.2")] == ["GHSA-h5c8-rqwp-cp95"]
    assert db.matches("PyPI", "jinja_2", "3.1.2") == []  # another project


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.2.1", {"GHSA-9wx4-h78v-vm56": ("2.32.0",)}),  # before PYSEC-2023-74 was introduced
        ("2.3.0", {"GHSA-9wx4-h78v-vm56": ("2.32.0",), "PYSEC-2023-74": ("2.31.0",)}),
        ("2.30.0", {"GHSA-9wx4-h78v-vm56": ("2.32.0",), "PYSEC-2023-74": ("2.31.0",)}),
        ("2.31.0", {"GHSA-9wx4-h78v-vm56": ("2.32.0",)}),  # fixed is exclusive
        ("2.32.0rc1", {"GHSA-9wx4-h78v-vm56": ("2.32.0",)}),  # a pre-release precedes it
        ("2.32.0", {}),
        ("2.32.3", {}),
    ],
)
def test_pypi_ranges_follow_pep_440(db, version, expected):
    found = {m.advisory.id: m.fixed for m in db.matches("PyPI", "requests", version)}
    assert found == expected


@pytest.mark.parametrize(
    ("version", "affected"),
    [("4.17.20", True), ("4.17.21", False), ("4.17.21-beta.1", True), ("v4.17.4", True)],
)
def test_npm_semver_ranges(db, version, affected):
    found = db.matches("npm", "lodash", version)
    assert bool(found) is affected
    if affected:
        assert found[0].advisory.aliases == ("CVE-2021-23337",)
        assert found[0].fixed == ("4.17.21",)


def test_npm_names_are_exact(db):
    assert db.matches("npm", "Lodash", "4.17.20") == []


def test_explicit_versions_list_alone_matches():
    # PYSEC-2023-74 with only its published versions list (ranges dropped)
    affected = _affected("PYSEC-2023-74", ranges=[])
    assert osv.affects(affected, "2.30.0") == ()  # listed, no fix known from a list
    assert osv.affects(affected, "2.31.0") is None
    assert osv.affects(affected, "2.3") == ()  # PEP 440: 2.3 == 2.3.0


def test_git_ranges_are_ignored():
    # the PYSEC record's GIT range (commit ids) alone decides nothing
    record = next(r for r in _records() if r["id"] == "PYSEC-2023-74")
    git_only = dict(record["affected"][0], ranges=record["affected"][0]["ranges"][:1], versions=[])
    affected = osv._affected(git_only)
    assert affected is not None and affected.ranges == ()
    assert osv.affects(affected, "2.30.0") is None


def test_last_affected_is_inclusive_and_open_ranges_have_no_fix():
    # GHSA-35jh-r3h4-6jhm written with the equivalent last_affected bound
    last = {"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "4.17.20"}]}
    affected = _affected("GHSA-35jh-r3h4-6jhm", ranges=[last])
    assert osv.affects(affected, "4.17.20") == ()
    assert osv.affects(affected, "4.17.21") is None
    # an advisory with no fix (introduced only), as PYSEC-2018-97 for pycrypto is published
    open_range = {"type": "SEMVER", "events": [{"introduced": "0"}]}
    assert osv.affects(_affected("GHSA-35jh-r3h4-6jhm", ranges=[open_range]), "9.9.9") == ()


def test_limit_and_reintroduced_ranges():
    events = [
        {"introduced": "1.0.0"},
        {"fixed": "1.2.0"},
        {"introduced": "2.0.0"},
        {"fixed": "2.0.5"},
        {"limit": "3.0.0"},
    ]
    affected = _affected(
        "GHSA-35jh-r3h4-6jhm", ranges=[{"type": "ECOSYSTEM", "events": events}]
    )  # GitHub's own repository writes npm ranges as ECOSYSTEM
    assert osv.affects(affected, "0.9.0") is None
    assert osv.affects(affected, "1.1.0") == ("1.2.0", "2.0.5")
    assert osv.affects(affected, "1.5.0") is None
    assert osv.affects(affected, "2.0.1") == ("2.0.5",)


def test_unparseable_versions_decide_nothing(db):
    assert db.matches("PyPI", "requests", "not a version") == []
    broken = {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "two.thirty"}]}
    assert osv.affects(_affected("GHSA-9wx4-h78v-vm56", ranges=[broken]), "2.0.0") is None


def test_withdrawn_records_are_skipped(tmp_path):
    records = _records()
    records[0] = dict(records[0], withdrawn="2024-06-01T00:00:00Z")
    db = osv.load(_zip(tmp_path / "all.zip", records))
    assert db.records == 4
    assert records[0]["id"] not in {a.id for e in db.index.values() for a, _ in e}


def test_a_zip_like_osv_dev_all_zip(tmp_path):
    db = osv.load(_zip(tmp_path / "all.zip", _records()))
    assert db.records == 4 and db.advisories == 4
    assert [m.advisory.id for m in db.matches("npm", "lodash-es", "4.17.15")] == [
        "GHSA-35jh-r3h4-6jhm"
    ]


def test_zips_inside_a_folder_and_other_ecosystems(tmp_path):
    (tmp_path / "PyPI").mkdir()
    _zip(tmp_path / "PyPI" / "all.zip", [r for r in _records() if "PyPI" in json.dumps(r)])
    go = {
        "id": "GO-2022-0493",
        "modified": "2024-05-20T16:03:47Z",
        "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/sys"}}],
    }
    (tmp_path / "Go").mkdir()
    (tmp_path / "Go" / "GO-2022-0493.json").write_text(json.dumps(go))
    (tmp_path / "README.json").write_text('{"title": "not an advisory"}')
    db = osv.load(tmp_path)
    assert db.records == 4  # three PyPI records and the Go one; the README is no record
    assert db.advisories == 3


def test_loaded_once_per_path(tmp_path):
    path = _zip(tmp_path / "all.zip", _records())
    assert osv.load(path) is osv.load(str(path))


def test_relative_paths_are_relative_to_the_policy_file(tmp_path):
    policy = tmp_path / "guardrails.yaml"
    policy.write_text("osv_database: osv\n")
    (tmp_path / "osv").mkdir()
    _zip(tmp_path / "osv" / "npm.zip", _records())
    assert osv.resolve("osv", str(policy)) == (tmp_path / "osv").resolve()
    assert osv.load("osv", str(policy)).advisories == 4


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: d / "missing", "does not exist"),
        (lambda d: _write(d / "empty", {"package.json": "{}"}), "holds no OSV records"),
        (lambda d: _file(d / "db.json", "{}"), "is neither a folder nor a .zip"),
        (lambda d: _zip(d / "empty.zip", []), "holds no OSV records"),
    ],
)
def test_a_path_that_is_not_an_osv_database_is_a_policy_error(tmp_path, make, problem):
    path = make(tmp_path)
    with pytest.raises(PolicyError) as error:
        osv.load(path, "policy.yaml")
    message = str(error.value)
    assert message.startswith("policy.yaml: policy key 'osv_database': ")
    assert str(path.resolve()) in message and problem in message
    assert "\n" not in message


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
