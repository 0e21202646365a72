"""An account with no media yet: the sandbox serves it and every table reads it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

import instapd
from instapd.sandbox import Sandbox
from instapd.snapshots.snapshot import DEFAULT_TABLES

from ..support import sandbox_connection

#: What a snapshot reads by default, plus the tables that walk from media.
TABLES = (*DEFAULT_TABLES, "Comments", "Replies", "MediaChildren", "Collaborators")
MEDIA_TABLES = {"Media", "MediaInsights", "Comments", "Replies", "MediaChildren", "Collaborators"}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=2, media_per_account=(0, 3), frozen=True) as server:
        yield server


@pytest.fixture
def conn(box: Sandbox) -> Iterator[instapd.Connection]:
    with sandbox_connection(box, cache=False) as connection:
        yield connection


@pytest.mark.parametrize("table", TABLES)
def test_every_default_table_reads_an_account_without_media(
    box: Sandbox, conn: instapd.Connection, table: str
) -> None:
    empty = box.account_ids[0]
    assert box.dataset[empty].values["media_count"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # metrics a small account has no data for warn
        frame = conn.read(table, account=empty, progress=False)
    if table in MEDIA_TABLES:
        assert frame.empty, frame
        assert len(frame.columns) > 0  # typed columns, not a bare empty frame
    if table == "InstagramBusinessProfile":
        assert frame["media_count"].tolist() == [0]
    if table == "AccountInsights":
        assert len(frame) > 0  # an account's insights need no media
