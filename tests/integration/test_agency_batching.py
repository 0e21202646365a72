"""Reads and snapshots of many accounts, batched across accounts: the same rows as reading each
account alone, in a fraction of the requests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import requests

import instapd
from instapd.sandbox import Sandbox
from instapd.snapshots.dataset import portable

from ..clocks import ManualClock, paced_connection
from ..support import sandbox_connection

#: Enough accounts for two batch requests a level; some with several pages of media.
ACCOUNTS = 55
TABLES = [
    "Media",
    "Stories",
    "Comments",
    "MediaInsights",
    "StoryInsights",
    "AccountInsights",
    "InstagramBusinessProfile",
    "AudienceInsights",
]


@pytest.fixture(scope="module")
def agency() -> Iterator[Sandbox]:
    # frozen: the newest days' insights would still come in between the two reads compared
    with Sandbox(accounts=ACCOUNTS, media_per_account=(3, 30, 1, 2), frozen=True) as server:
        yield server


@pytest.fixture
def conn(agency: Sandbox) -> Iterator[instapd.Connection]:
    with sandbox_connection(agency, cache=False, Pagesize=12) as connection:
        yield connection


def _read(
    conn: instapd.Connection, table: str, account: str | list[str], **options: Any
) -> pd.DataFrame:
    """A read with its warnings (refused metrics, NA cells) silenced: both reads warn alike."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # refused metrics (NA cells) warn in both reads alike
        return conn.read(table, account=account, progress=False, **options)


def _one_by_one(
    conn: instapd.Connection, table: str, ids: list[str], **options: Any
) -> pd.DataFrame:
    frames = [_read(conn, table, a, **options) for a in ids]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("table", TABLES)
def test_a_read_of_many_accounts_batched_equals_reading_each_alone(
    agency: Sandbox, conn: instapd.Connection, table: str
) -> None:
    ids = list(agency.account_ids)
    # the sandbox's clock is frozen; a read's default 30 days end at this machine's, which could
    # pass a Pacific midnight between the two reads: both end at the sandbox's time instead
    days = {"until": agency.now} if table == "AccountInsights" else {}
    alone_before = conn.client.requests_made
    alone = _one_by_one(conn, table, ids, **days)
    alone_requests = conn.client.requests_made - alone_before
    before = conn.client.requests_made
    together = _read(conn, table, "all", **days)
    requests = conn.client.requests_made - before
    assert len(together) > 0
    assert together["business_account_id"].nunique() > 1
    pd.testing.assert_frame_equal(together, alone)
    assert requests * 4 < alone_requests, (requests, alone_requests)


def test_the_batched_read_sends_each_level_for_every_account_in_batches(
    agency: Sandbox, conn: instapd.Connection
) -> None:
    ids = list(agency.account_ids)
    start = len(agency.app.log)
    media = _read(conn, "Media", ids)
    log = agency.app.log[start:]
    posts = [line for line in log if line.startswith("POST /v") and line.endswith("/")]
    singles = [line for line in log if line.startswith("GET ")]
    # first pages: 55 accounts, two batches; then the 14 accounts with 30 posts (12 a page)
    # need two more levels, one batch each; no account is read on its own
    assert (len(posts), singles) == (2 + 1 + 1, [])
    assert media.groupby("business_account_id").size().max() == 30


def test_a_snapshot_of_many_accounts_writes_what_each_alone_reads(
    agency: Sandbox, conn: instapd.Connection, tmp_path: Path
) -> None:
    ids = list(agency.account_ids)
    tables = ["Media", "MediaInsights", "InstagramBusinessProfile"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = instapd.snapshot(tables, accounts="all", connection=conn, location=tmp_path)
    assert set(summary["status"]) == {"written"}
    assert len(summary) == len(ids) * len(tables)
    for row in summary.itertuples():
        alone = _read(conn, str(row.table), str(row.account))
        whole = pq.read_table(str(row.path))  # the group's file: this account's rows of it
        mine = pc.equal(whole.column("business_account_id"), str(row.account))
        written = whole.filter(mine).drop_columns(["snapshot_at"])
        expected = portable(pa.Table.from_pandas(alone, preserve_index=False))
        assert written.schema.types == expected.schema.types
        assert written.equals(expected), (row.table, row.account)


def test_a_batch_sends_a_slowed_accounts_operation_on_its_own_paced_as_its() -> None:
    clock = ManualClock()
    with Sandbox(accounts=3, media_per_account=(2,), clock=clock) as box:
        busy, *others = box.account_ids
        box.app.usage.account_limit = 4
        connection = paced_connection(box, clock, max_wait=7200)
        headers = {"Authorization": f"Bearer {box.token}"}
        for _ in range(3):  # busy at 75% of its count: the throttle starts slowing it
            requests.get(f"{box.url}/v25.0/{busy}", headers=headers, timeout=10)
        start = len(box.app.log)
        first = _read(connection, "Media", list(box.account_ids))  # learns busy's usage
        middle = len(box.app.log)
        second = _read(connection, "Media", list(box.account_ids))
        later = box.app.log[middle:]
    assert len(first) == len(second) == 6
    assert any(
        line.startswith(f"BATCH GET /v25.0/{busy}/media") for line in box.app.log[start:middle]
    )
    alone = [line for line in later if line.startswith(f"GET /v25.0/{busy}/media")]
    batched = [line for line in later if line.startswith("BATCH GET")]
    assert len(alone) == 1, later  # busy on its own...
    assert sorted(line.split("/")[2] for line in batched) == sorted(others)  # ...the rest batched
    assert clock.waits, "busy's own request waited for its pace"
