"""The SQL engine only reads instapd's tables: no table functions, settings, logging or files;
each statement in a locked-down DuckDB database of its own, with a timeout and a memory cap."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import instapd
from instapd.sandbox import Sandbox
from instapd.sql.engine import engine


@pytest.fixture
def conn(clean_sandbox: Sandbox) -> instapd.Connection:
    return instapd.connect(
        graph_url=clean_sandbox.url,
        access_token=clean_sandbox.token,
        business_account_id=clean_sandbox.account_ids[0],
        cache=False,
    )


@pytest.mark.parametrize(
    ("query", "function"),
    [
        ("SELECT m.id FROM Media m, LATERAL duckdb_logs()", "duckdb_logs"),
        ("SELECT m.id FROM Media m CROSS JOIN LATERAL (SELECT * FROM duckdb_logs()) l",
         "duckdb_logs"),
        ("SELECT enable_logging()", "enable_logging"),
        ("SELECT id FROM Media WHERE id IN (SELECT * FROM query('SELECT 1'))", "query"),
        ("SELECT * FROM Media, LATERAL json_execute_serialized_sql('{}')",
         "json_execute_serialized_sql"),
        ("SELECT (SELECT value FROM duckdb_settings() LIMIT 1) AS v", "duckdb_settings"),
        ("SELECT id FROM Media WHERE caption = getenv('HOME')", "getenv"),
        ("SELECT id FROM Media LIMIT (SELECT count(*) FROM glob('/*'))", "glob"),
        ("SELECT current_setting('memory_limit') AS m", "current_setting"),
        ("SELECT * FROM read_parquet('/etc/x.parquet')", "read_parquet"),
        ("SELECT id FROM Media WHERE id = nextval('s')", "nextval"),
    ],
)  # fmt: skip
def test_table_functions_settings_and_logging_are_refused_before_any_read(
    conn: instapd.Connection, clean_sandbox: Sandbox, query: str, function: str
) -> None:
    clean_sandbox.app.reset_counters()
    with pytest.raises(instapd.SqlNotSupportedError, match=rf"function {function}\(\)"):
        instapd.sql(query, connection=conn)
    assert clean_sandbox.requests_served == 0


def test_plain_scalar_aggregate_and_window_functions_still_run(conn: instapd.Connection) -> None:
    frame = instapd.sql(
        "SELECT lower(media_type) AS kind, count(*) AS n, max(like_count) AS top, "
        "date_trunc('day', min(timestamp)) AS first_day, "
        "row_number() OVER (ORDER BY count(*) DESC) AS place "
        "FROM Media WHERE coalesce(like_count, 0) >= 0 GROUP BY 1 ORDER BY n DESC",
        connection=conn,
    )
    assert frame["place"].tolist() == list(range(1, len(frame) + 1))
    assert frame["n"].sum() > 0


def test_the_engine_reads_no_files_even_when_the_checks_are_passed(tmp_path: Path) -> None:
    # straight at the engine, past the function list: the database itself must refuse
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n42\n")
    with engine(timeout=60, memory_mb=64) as e:
        with pytest.raises(duckdb.PermissionException):
            e.db.sql(f"SELECT * FROM read_csv('{secret}')").fetchall()
        with pytest.raises(duckdb.PermissionException):
            e.db.sql(f"SELECT * FROM '{secret}'").fetchall()


@pytest.mark.parametrize(
    "statement",
    [
        "SET enable_external_access = true",
        "SET memory_limit = '100GB'",
        "CALL enable_logging()",
        "RESET lock_configuration",
        "SET TimeZone = 'Europe/Paris'",
    ],
)
def test_the_configuration_is_locked(statement: str) -> None:
    with engine(timeout=60, memory_mb=64) as e, pytest.raises(duckdb.InvalidInputException):
        e.db.execute(statement)


def test_each_statement_has_an_engine_of_its_own() -> None:
    with engine(timeout=60, memory_mb=64) as first, engine(timeout=60, memory_mb=64) as second:
        first.db.register("mine", pa.table({"secret": ["query text"]}))
        assert first.db.sql("SELECT * FROM mine").fetchall() == [("query text",)]
        with pytest.raises(duckdb.CatalogException):
            second.db.sql("SELECT * FROM mine").fetchall()
        assert second.db.sql("SELECT count(*) FROM duckdb_logs()").fetchall() == [(0,)]


def test_a_runaway_recursive_cte_is_stopped_by_the_timeout(clean_sandbox: Sandbox) -> None:
    # SqlTimeout as short as the test wants; the assertion is on the error, not on a clock
    conn = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, SqlTimeout=0.2
    )
    forever = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r"
    with pytest.raises(instapd.SqlTimeoutError, match=r"SqlTimeout=0.2 .*raise SqlTimeout"):
        instapd.sql(forever, connection=conn)


def test_a_query_over_the_memory_cap_is_stopped(clean_sandbox: Sandbox) -> None:
    conn = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, SqlMemoryLimit=16
    )
    doubling = (
        "WITH RECURSIVE r(n, s) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, s || s FROM r "
        "WHERE n < 30) SELECT max(length(s)) AS n FROM r"
    )
    with pytest.raises(instapd.SqlMemoryError, match=r"SqlMemoryLimit=16 MB.*raise SqlMemoryLimit"):
        instapd.sql(doubling, connection=conn)
    roomy = instapd.connect(graph_url=clean_sandbox.url, access_token=clean_sandbox.token)
    small = doubling.replace("n < 30", "n < 5")
    assert instapd.sql(small, connection=roomy)["n"].tolist() == [16]
