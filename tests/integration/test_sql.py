"""instapd.sql against the sandbox: pushdown, what the engine does, typed errors."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pandas as pd
import pytest

import instapd
from instapd.sandbox import Sandbox
from tests.support import sandbox_connection


@pytest.fixture
def conn(clean_sandbox: Sandbox, account: str) -> Iterator[instapd.Connection]:
    with sandbox_connection(clean_sandbox, business_account_id=account, cache=False) as connection:
        yield connection


def test_a_join_with_group_by_matches_pandas_by_hand(conn: instapd.Connection) -> None:
    query = """
        SELECT m.id, m.media_type, count(c.id) AS comments, sum(c.like_count) AS likes
        FROM Media m LEFT JOIN Comments c ON c.media_id = m.id
        GROUP BY m.id, m.media_type ORDER BY comments DESC, m.id LIMIT 10
    """
    got = instapd.sql(query, connection=conn)
    media = conn.read("Media", columns=["id", "media_type"])
    comments = conn.read("Comments", columns=["media_id", "id", "like_count"])
    merged = media.merge(comments, left_on="id", right_on="media_id", how="left")
    expected = (
        merged.groupby(["id_x", "media_type"], as_index=False)
        .agg(comments=("id_y", "count"), likes=("like_count", "sum"))
        .sort_values(["comments", "id_x"], ascending=[False, True])
        .head(10)
    )
    assert got["id"].tolist() == expected["id_x"].tolist()
    assert got["comments"].tolist() == expected["comments"].tolist()
    assert str(got["id"].dtype) == "string"
    assert str(got["comments"].dtype) == "Int64"


def test_equality_in_and_time_ranges_go_to_the_api(
    conn: instapd.Connection, clean_sandbox: Sandbox
) -> None:
    media = conn.read("Media", columns=["id", "timestamp"])
    chosen = media["id"].head(2).tolist()
    clean_sandbox.app.reset_counters()
    frame = instapd.sql(
        "SELECT media_id, text FROM Comments WHERE media_id IN (?, ?)",
        connection=conn,
        params=chosen,
    )
    assert set(frame["media_id"]) <= set(chosen)
    assert clean_sandbox.requests_served <= 2  # only those two media, not the whole walk
    plan = instapd.sql(
        "SELECT id FROM Media WHERE timestamp >= '2026-01-01' AND timestamp < ? LIMIT 5",
        connection=conn,
        params=[pd.Timestamp("2026-06-01", tz="UTC")],
        explain=True,
    )
    read = plan.attrs["instapd"]["reads"][0]
    assert read["since"] == "2026-01-01T00:00:00+00:00"
    assert read["until"] == "2026-06-01T00:00:00+00:00"
    assert read["limit"] == 5
    assert read["columns"] == ["id", "timestamp"]
    assert "LIMIT 5" in plan.loc[0, "pushed_down"]


def test_time_range_and_limit_results_are_exact(conn: instapd.Connection) -> None:
    media = conn.read("Media", columns=["id", "timestamp"])
    cut = media["timestamp"].iloc[10]
    frame = instapd.sql(
        "SELECT id, timestamp FROM Media WHERE timestamp > ? ORDER BY timestamp",
        connection=conn,
        params=[cut.to_pydatetime()],
    )
    assert (
        frame["id"].tolist()
        == media[media["timestamp"] > cut].sort_values("timestamp")["id"].tolist()
    )
    assert str(frame["timestamp"].dtype) == str(media["timestamp"].dtype) == "datetime64[us, UTC]"
    assert len(instapd.sql("SELECT id FROM Media LIMIT 3", connection=conn)) == 3


def test_limit_is_not_pushed_past_a_filter_the_api_cannot_apply(
    conn: instapd.Connection,
) -> None:
    plan = instapd.sql(
        "SELECT id FROM Media WHERE like_count > 5 LIMIT 3", connection=conn, explain=True
    )
    assert plan.attrs["instapd"]["reads"][0]["limit"] is None
    frame = instapd.sql("SELECT id, like_count FROM Media WHERE like_count > 5 LIMIT 3",
                        connection=conn)  # fmt: skip
    assert len(frame) == 3
    assert (frame["like_count"] > 5).all()


def test_window_functions_and_ctes_run_in_the_engine(conn: instapd.Connection) -> None:
    frame = instapd.sql(
        """
        WITH ranked AS (
            SELECT media_type, id, like_count,
                   row_number() OVER (PARTITION BY media_type ORDER BY like_count DESC) AS rank
            FROM Media WHERE like_count IS NOT NULL
        )
        SELECT media_type, id FROM ranked WHERE rank = 1 ORDER BY media_type
        """,
        connection=conn,
    )
    media = conn.read("Media", columns=["id", "media_type", "like_count"]).dropna()
    best = media.sort_values("like_count", ascending=False).groupby("media_type").head(1)
    assert sorted(frame["media_type"]) == sorted(best["media_type"])


def test_wide_insights_tables_ask_only_the_metrics_used(conn: instapd.Connection) -> None:
    plan = instapd.sql("SELECT media_id, reach FROM MediaInsights", connection=conn, explain=True)
    assert plan.attrs["instapd"]["reads"][0]["filters"] == {"metrics": ["reach"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = instapd.sql("SELECT media_id, reach FROM MediaInsights", connection=conn)
    assert list(frame.columns) == ["media_id", "reach"]
    assert frame["reach"].notna().any()


def test_system_tables_describe_the_catalog(conn: instapd.Connection) -> None:
    tables = instapd.sql("SELECT TableName FROM sys_tables", connection=conn)
    assert {"Media", "Comments", "sys_tables"} <= set(tables["TableName"])
    columns = instapd.sql(
        "SELECT ColumnName FROM sys_tablecolumns WHERE TableName = 'Comments' ORDER BY Ordinal",
        connection=conn,
    )
    assert columns["ColumnName"].tolist()[:3] == ["business_account_id", "media_id", "id"]
    params = instapd.sql(
        "SELECT ColumnName FROM sys_procedureparameters "
        "WHERE ProcedureName = 'GetOAuthAccessToken' AND Direction = 'IN'",
        connection=conn,
    )
    assert "Verifier" in set(params["ColumnName"])
    assert len(instapd.sql("SELECT * FROM sys_procedures", connection=conn)) == 3
    props = instapd.sql("SELECT Name, Value FROM sys_connection_props", connection=conn)
    values = dict(zip(props["Name"], props["Value"], strict=True))
    assert values["OAuthAccessToken"] == "***"
    assert conn.config.access_token not in set(props["Value"].dropna())
    assert values["BusinessAccountId"] == conn.config.business_account_id


@pytest.mark.parametrize(
    ("query", "error", "words", "position"),
    [
        ("SELECT * FROM Medai", instapd.SqlUnknownTableError, "Did you mean Media", (1, 15)),
        ("SELECT captoin FROM Media", instapd.SqlUnknownColumnError, "caption", (1, 8)),
        (
            "SELECT id FROM Media m JOIN Comments c ON c.media_id = m.id",
            instapd.SqlUnknownColumnError,
            "m.id",
            (1, 8),
        ),
        ("SELECT id FROM Media WHERE", instapd.SqlSyntaxError, "syntax", (1, 22)),
        ("DELETE FROM Comments", instapd.SqlNotSupportedError, "without WHERE", (1, 1)),
        (
            "INSERT INTO Tags (id) VALUES ('1')",
            instapd.SqlNotSupportedError,
            "writes only Comments, Replies and IGMedia",
            (1, 13),
        ),
        (  # INSERT INTO Media publishes: a post's columns only
            "INSERT INTO Media (id) VALUES ('1')",
            instapd.SqlUnknownColumnError,
            "A post takes the columns",
            (1, 20),
        ),
        (
            "INSERT INTO Comments (media_id, txt) VALUES ('1', 'hi')",
            instapd.SqlUnknownColumnError,
            "media_id and text",
            (1, 33),
        ),
        ("UPDATE Comments SET hidden = true", instapd.SqlNotSupportedError, "WHERE", (1, 1)),
        ("DROP TABLE Media", instapd.SqlNotSupportedError, "SELECT", (1, 1)),
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            instapd.SqlNotSupportedError,
            r"function read_csv\(\) is not allowed",
            (1, 15),
        ),
        (
            "SELECT m.id FROM Media m, LATERAL duckdb_logs()",
            instapd.SqlNotSupportedError,
            r"function duckdb_logs\(\) is not allowed",
            (1, 35),
        ),
    ],
)
def test_bad_queries_raise_typed_errors_that_point_at_the_place(
    conn: instapd.Connection,
    query: str,
    error: type[instapd.SqlError],
    words: str,
    position: tuple[int, int],
    clean_sandbox: Sandbox,
) -> None:
    with pytest.raises(error, match=words) as caught:
        instapd.sql(query, connection=conn)
    assert isinstance(caught.value, instapd.UsageError)
    assert caught.value.position == position
    assert "^" in str(caught.value)
    assert clean_sandbox.requests_served == 0


def test_unknown_tables_and_columns_are_also_the_read_errors(conn: instapd.Connection) -> None:
    with pytest.raises(instapd.UnknownTableError):
        instapd.sql("SELECT 1 FROM Nope", connection=conn)
    with pytest.raises(instapd.UnknownColumnError):
        instapd.sql("SELECT nope FROM Media", connection=conn)


def test_parameters_must_match_the_placeholders(conn: instapd.Connection) -> None:
    with pytest.raises(instapd.SqlError, match="2 parameters"):
        instapd.sql("SELECT id FROM Media WHERE id = ?", connection=conn, params=["1", "2"])


def test_a_file_name_is_no_table(conn: instapd.Connection) -> None:
    # refused by name; that the engine itself reads no file even past this check is
    # test_sql_lockdown.py's test_the_engine_reads_no_files_even_when_the_checks_are_passed
    with pytest.raises(instapd.SqlUnknownTableError, match=r"'data\.csv'"):
        instapd.sql("SELECT * FROM Media m, 'data.csv' f", connection=conn)


def test_cdata_former_table_names_are_aliases(conn: instapd.Connection) -> None:
    plan = instapd.sql("SELECT * FROM MediaInsightReels", connection=conn, explain=True)
    assert plan.loc[0, "table"] == "MediaInsightsReels"


def test_cdata_column_names_in_frames_and_sql(clean_sandbox: Sandbox, account: str) -> None:
    connection = instapd.connect(
        graph_url=clean_sandbox.url,
        access_token=clean_sandbox.token,
        business_account_id=account,
        ColumnNames="CData",
        cache=False,
    )
    comments = connection.read("Comments", limit=3)
    assert list(comments.columns)[:5] == ["InstagramBusinessAccountId", "MediaId", "Id", "Text",
                                          "Created"]  # fmt: skip
    media = connection.read("Media", columns=["Id", "Created"], limit=2)
    assert list(media.columns) == ["Id", "Created"]
    first = media["Id"].iloc[0]
    clean_sandbox.app.reset_counters()
    frame = instapd.sql(
        "SELECT c.Id, c.Text, m.Created FROM Comments c JOIN Media m ON m.Id = c.MediaId "
        "WHERE c.MediaId = ? ORDER BY c.Created",
        connection=connection,
        params=[first],
    )
    assert list(frame.columns) == ["Id", "Text", "Created"]
    expected = connection.read("Comments", MediaId=first)
    assert sorted(frame["Id"]) == sorted(expected["Id"])
    with pytest.raises(instapd.SqlUnknownColumnError, match="Did you mean Created"):
        instapd.sql("SELECT Creatd FROM Media", connection=connection)


def test_without_business_account_id_a_table_holds_every_account(
    connection: instapd.Connection, clean_sandbox: Sandbox
) -> None:
    counts = instapd.sql(
        "SELECT business_account_id, count(*) AS n FROM Media GROUP BY 1 ORDER BY 1",
        connection=connection,
    )
    expected = [len(clean_sandbox.dataset[a].edges["media"]) for a in clean_sandbox.account_ids]
    assert counts["business_account_id"].tolist() == sorted(clean_sandbox.account_ids)
    assert counts.set_index("business_account_id").loc[clean_sandbox.account_ids, "n"].tolist() == (
        expected
    )
    second = clean_sandbox.account_ids[1]
    plan = instapd.sql(
        "SELECT id FROM Media WHERE business_account_id = ?",
        connection=connection,
        params=[second],
        explain=True,
    )
    assert plan.attrs["instapd"]["reads"][0]["account"] == [second]
    one = instapd.sql(
        "SELECT count(*) AS n FROM Media WHERE business_account_id = ?",
        connection=connection,
        params=[second],
    )
    assert one["n"].iloc[0] == expected[1]


def test_times_without_a_zone_mean_utc_whatever_the_machine_zone() -> None:
    code = (
        "from instapd.sql.engine import engine\n"
        "with engine(timeout=60, memory_mb=64) as e:\n"
        "  print(e.db.sql(\"SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' >= '2026-01-01 00:30:00'\")"
        ".fetchall())\n"
    )
    env = {**os.environ, "TZ": "Europe/Paris"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout  # fmt: skip
    assert out.strip() == "[(False,)]"


def test_sql_semantics_where_a_read_would_refuse(conn: instapd.Connection) -> None:
    assert len(instapd.sql("SELECT id FROM IGMedia WHERE id = 'abc'", connection=conn)) == 0
    weekly = instapd.sql(
        "SELECT * FROM AccountInsights WHERE period = 'week' LIMIT 2", connection=conn
    )
    assert len(weekly) == 2
    assert set(weekly["period"]) == {"week"}


def test_an_unknown_qualifier_names_the_tables_there_are(conn: instapd.Connection) -> None:
    with pytest.raises(instapd.SqlUnknownTableError, match="no table or alias 'x'; it names m"):
        instapd.sql("SELECT x.id FROM Media m", connection=conn)


def test_several_values_of_a_control_column_are_refused_not_cut_short(
    conn: instapd.Connection,
) -> None:
    with pytest.raises(instapd.SqlNotSupportedError, match="UNION ALL") as caught:
        instapd.sql(
            "SELECT * FROM AccountInsights WHERE period IN ('day', 'week')", connection=conn
        )
    assert caught.value.position == (1, 37)
