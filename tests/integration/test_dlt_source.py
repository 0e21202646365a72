"""The dlt source loads into dlt's DuckDB destination what read_instagram reads, once."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import instapd
from instapd.catalog import SNAPSHOT_TABLES
from instapd.dlt import instagram_source, load_of
from instapd.sandbox import Sandbox

from ..support import FAST_RETRY, fast_throttle, sandbox_connection

dlt = pytest.importorskip("dlt")
PipelineStepFailed = pytest.importorskip("dlt.pipeline.exceptions").PipelineStepFailed

TABLES = ["Media", "MediaInsights", "AccountInsights", "InstagramBusinessProfile"]
DLT_NAMES = {
    "Media": "media",
    "MediaInsights": "media_insights",
    "AccountInsights": "account_insights",
    "InstagramBusinessProfile": "instagram_business_profile",
}


@pytest.fixture(scope="module")
def agency() -> Iterator[Sandbox]:
    with Sandbox(accounts=3, media_per_account=(4, 2, 5)) as server:
        yield server


@pytest.fixture
def conn(agency: Sandbox) -> Iterator[instapd.Connection]:
    with sandbox_connection(agency, cache=False) as connection:
        yield connection


def _pipeline(tmp_path: Path) -> Any:
    return dlt.pipeline(
        "instagram_test",
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="instagram",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def _loaded(pipeline: Any, table: str) -> pd.DataFrame:
    with (
        pipeline.sql_client() as client,
        client.execute_query(f"SELECT * FROM {DLT_NAMES[table]}") as cursor,
    ):
        frame = cursor.df()
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_dlt")])


def _read(conn: instapd.Connection, table: str, **options: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return conn.read(table, account="all", progress=False, **options)


def _same(loaded: pd.DataFrame, read: pd.DataFrame, key: tuple[str, ...]) -> None:
    """The same rows and values, whatever the order and the destination's dtypes."""
    assert list(loaded.columns) == list(read.columns)

    def plain(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        shown = frame.astype(object).where(frame.notna(), None)
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                shown[column] = [None if pd.isna(v) else pd.Timestamp(v).tz_convert("UTC")
                                 for v in frame[column]]  # fmt: skip
        records = [tuple(r) for r in shown.itertuples(index=False)]
        order = [list(frame.columns).index(k) for k in key]
        return sorted(records, key=lambda r: tuple(str(r[i]) for i in order))

    assert plain(loaded) == plain(read)


def test_by_default_the_snapshots_tables_load_every_row_once(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    pipeline = _pipeline(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = instagram_source(connection=conn)
        assert set(source.resources) == set(SNAPSHOT_TABLES), "the one list"
        pipeline.run(source)
        pipeline.run(instagram_source(connection=conn))  # again: merged, none doubled
    for table in SNAPSHOT_TABLES:
        with (
            pipeline.sql_client() as client,
            client.execute_query(f"SELECT count(*) FROM {_snake(table)}") as cursor,
        ):
            (count,) = cursor.fetchone()
        options = {"since": pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30)}
        expected = _read(conn, table, **(options if table == "OnlineFollowers" else {}))
        assert count == len(expected), table  # OnlineFollowers: 24 rows a day, keyed by hour


def _snake(table: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", table).lower()


def test_the_loaded_rows_equal_read_instagrams_and_a_second_run_adds_none(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    pipeline = _pipeline(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.run(instagram_source(TABLES, connection=conn))
    first = {t: _loaded(pipeline, t) for t in TABLES}
    for table in TABLES:
        _same(first[table], _read(conn, table), load_of(table).primary_key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.run(instagram_source(TABLES, connection=conn))
    for table in TABLES:
        again = _loaded(pipeline, table)
        assert len(again) == len(first[table]) > 0, table
        key = list(load_of(table).primary_key)
        assert not again.duplicated(key).any(), table
    schema = pipeline.default_schema.tables
    assert schema["media"]["columns"]["like_count"]["data_type"] == "bigint"
    assert schema["media"]["columns"]["timestamp"]["data_type"] == "timestamp"
    assert schema["media"]["write_disposition"] == "merge"
    assert [c for c, h in schema["media"]["columns"].items() if h.get("primary_key")] == [
        "business_account_id",
        "id",
    ]
    state = pipeline.state["sources"]["instagram"]["resources"]
    assert "timestamp" in state["Media"]["incremental"]
    assert "end_time" in state["AccountInsights"]["incremental"]


def test_a_new_column_evolves_the_schema(
    agency: Sandbox, conn: instapd.Connection, tmp_path: Path
) -> None:
    pipeline = _pipeline(tmp_path)
    few = ["business_account_id", "id", "timestamp", "caption"]
    pipeline.run(instagram_source("Media", connection=conn, columns={"Media": few}))
    before = _loaded(pipeline, "Media")
    assert list(before.columns) == few
    new_post = agency.publish(agency.account_ids[0])  # the next run reads from the cursor on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.run(instagram_source("Media", connection=conn))  # every column now
    evolved = _loaded(pipeline, "Media")
    assert set(evolved.columns) == set(_read(conn, "Media").columns)  # new ones appended
    assert len(evolved) == len(before) + 1
    assert not evolved.duplicated(["business_account_id", "id"]).any()
    added = evolved.set_index("id")
    assert added.loc[new_post, "like_count"] == 0
    assert added.drop(index=new_post)["like_count"].isna().all()  # older rows: never read


def test_a_run_that_fails_part_way_resumes_with_no_duplicates(
    agency: Sandbox, conn: instapd.Connection, tmp_path: Path
) -> None:
    pipeline = _pipeline(tmp_path)
    pipeline.run(instagram_source("Media", connection=conn))  # an earlier, good run
    no_insights = agency.issue_token(
        ("instagram_basic", "pages_show_list", "pages_read_engagement")
    )
    lacking = instapd.connect(graph_url=agency.url, access_token=no_insights, retry=FAST_RETRY,
                              throttle=fast_throttle(), cache=False)  # fmt: skip
    with lacking, pytest.raises(PipelineStepFailed, match="instagram_manage_insights"):
        pipeline.run(instagram_source(["Media", "MediaInsights"], connection=lacking))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.run(instagram_source(["Media", "MediaInsights"], connection=conn))
    for table in ("Media", "MediaInsights"):
        loaded = _loaded(pipeline, table)
        _same(loaded, _read(conn, table), load_of(table).primary_key)


def test_each_table_has_a_key_a_disposition_and_typed_columns() -> None:
    media = load_of("media")
    assert (media.primary_key, media.write_disposition, media.cursor) == (
        ("business_account_id", "id"),
        "merge",
        "timestamp",
    )
    insights = load_of("AccountInsights")
    assert insights.primary_key == ("business_account_id", "metric_type", "period", "end_time")
    assert insights.cursor == "end_time"
    assert load_of("InstagramBusinessProfile").cursor is None
    audience = load_of("AudienceInsights")
    assert (audience.primary_key, audience.write_disposition) == ((), "replace")
    assert media.columns["is_comment_enabled"]["data_type"] == "bool"
    with pytest.raises(instapd.UsageError, match="not read per account"):
        load_of("Pages")
    with pytest.raises(instapd.UnknownTableError):
        load_of("NoSuchTable")
