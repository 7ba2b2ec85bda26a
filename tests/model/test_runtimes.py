"""The runtime lifecycle table shipped with the package (``guardrails/data/runtimes.json``)."""

import datetime as dt
import json
from importlib import resources

import pytest
from aws_cdk import aws_lambda as lambda_

from guardrails.model.runtimes import RuntimeLifecycle, lifecycle, table

RUNTIMES = table().runtimes


def test_table_is_package_data_with_its_sources():
    raw = json.loads(
        resources.files("guardrails").joinpath("data/runtimes.json").read_text(encoding="utf-8")
    )
    assert raw["as_of"] == "2026-11-27"
    assert table().as_of == dt.date(2026, 11, 27)
    assert (
        table().source["aws"] == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    )
    assert "cfn-lint" in table().source["cfn_lint"]
    assert "LmbdRuntimeLifecycle.json" in table().source["cfn_lint"]
    # every entry says where its dates come from
    assert all(row.get("evidence") for row in raw["runtimes"].values())


def test_loaded_once():
    assert table() is table()


def test_lookup():
    assert lifecycle("python3.12") == RuntimeLifecycle(
        runtime="python3.12",
        deprecation=dt.date(2028, 10, 31),
        block_create=dt.date(2028, 11, 30),
        block_update=dt.date(2029, 1, 10),
        successor="python3.14",
    )
    assert lifecycle("nodejs24.x").successor is None
    assert lifecycle("dotnet9").block_create is None  # container image only: never blocked
    assert lifecycle("python3.99") is None
    assert lifecycle("") is None


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_dates_are_ordered(runtime):
    lc = RUNTIMES[runtime]
    dates = [d for d in (lc.deprecation, lc.block_create, lc.block_update) if d is not None]
    assert dates == sorted(dates), f"{runtime}: deprecation <= block create <= block update"
    if lc.block_update is not None:
        assert lc.block_create is not None, f"{runtime}: update blocked but creation is not"
    if lc.block_create is not None:
        assert lc.deprecation is not None, f"{runtime}: creation blocked before deprecation"


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_successor_is_a_supported_runtime_of_the_table(runtime):
    successor = RUNTIMES[runtime].successor
    if successor is None:
        return
    assert successor in RUNTIMES
    later = RUNTIMES[successor]
    assert later.deprecation is None or later.deprecation > table().as_of
    assert later.successor is None or RUNTIMES[later.successor].successor is None


def test_every_runtime_the_cdk_knows_is_in_the_table():
    known = {
        getattr(lambda_.Runtime, name).name
        for name in dir(lambda_.Runtime)
        if name.isupper() and name not in {"ALL", "FROM_IMAGE"}
    }
    assert known - set(RUNTIMES) == set()


def test_known_facts_as_of_the_table_date():
    today = table().as_of
    # blocked long ago (AL1 era)
    assert lifecycle("python3.7").block_create < today
    # deprecated, creation still possible until 2027-02-01 (AWS moved the block dates in 2026)
    for rid in ("nodejs18.x", "python3.8", "python3.9", "python3.10", "nodejs20.x", "dotnet8"):
        lc = lifecycle(rid)
        assert lc.deprecation <= today < lc.block_create == dt.date(2027, 2, 1), rid
        assert lc.block_update == dt.date(2027, 3, 3), rid
    # supported, deprecated within 180 days
    assert 0 < (lifecycle("nodejs22.x").deprecation - today).days <= 180
    # AL2 runtimes extended by a year
    assert lifecycle("java17").deprecation == dt.date(2027, 6, 30)
    assert lifecycle("python3.11").deprecation == dt.date(2027, 6, 30)
