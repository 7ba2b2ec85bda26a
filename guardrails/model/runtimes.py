"""The Lambda runtime lifecycle: a dated table shipped with the package, loaded once.

Dates change over time (AWS moves them), so they are data, not code: ``guardrails/data/
runtimes.json`` records, for every runtime id, the day it is deprecated, the day Lambda blocks
creating functions with it, the day it blocks updating them, and the runtime to move to. The file
names its sources and the day it was checked (``as_of``); each entry says where its dates come
from (``evidence``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_DATA = "data/runtimes.json"


@dataclass(frozen=True)
class RuntimeLifecycle:
    """One runtime id's lifecycle. A date is None when AWS has not scheduled it."""

    runtime: str
    deprecation: dt.date | None
    block_create: dt.date | None
    block_update: dt.date | None
    successor: str | None


@dataclass(frozen=True)
class RuntimeTable:
    """The whole table, with where it comes from."""

    runtimes: dict[str, RuntimeLifecycle]
    as_of: dt.date
    source: dict[str, Any]


def lifecycle(runtime_id: str) -> RuntimeLifecycle | None:
    """The lifecycle of ``runtime_id`` (``python3.12``...), or None for an id not in the table."""
    return table().runtimes.get(runtime_id)


@cache
def table() -> RuntimeTable:
    raw = json.loads(resources.files("guardrails").joinpath(_DATA).read_text(encoding="utf-8"))
    return RuntimeTable(
        runtimes={rid: _entry(rid, row) for rid, row in raw["runtimes"].items()},
        as_of=dt.date.fromisoformat(raw["as_of"]),
        source=raw["source"],
    )


def _entry(runtime_id: str, row: dict[str, Any]) -> RuntimeLifecycle:
    return RuntimeLifecycle(
        runtime=runtime_id,
        deprecation=_date(row.get("deprecation")),
        block_create=_date(row.get("block_create")),
        block_update=_date(row.get("block_update")),
        successor=row.get("successor"),
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
