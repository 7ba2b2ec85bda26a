"""Fixtures shared by the CDK integration tests."""

from __future__ import annotations

import pytest

from guardrails.rules import base


@pytest.fixture
def broken_rule(monkeypatch):
    """GR-OBS-01 fails on every function (with a message that must never be shown): what
    could not be checked."""

    def broken(fn, ctx):
        raise RuntimeError("never shown")
        yield  # pragma: no cover

    rule = base.registry()["GR-OBS-01"]
    monkeypatch.setitem(
        base.registry(), "GR-OBS-01", rule.__class__(**{**vars(rule), "check": broken})
    )
