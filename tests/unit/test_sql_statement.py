"""Parsing a SQL statement: parameters bind in the order written; refusals are typed."""

from __future__ import annotations

import datetime as dt

import pytest

import instapd
from instapd.sql.statement import parse


def test_parameters_bind_in_the_order_written() -> None:
    tree = parse(
        "SELECT ? AS a FROM Media m JOIN Comments c ON c.media_id = ? "
        "WHERE m.timestamp >= ? GROUP BY 1 HAVING count(*) > ? LIMIT ? OFFSET ?",
        [1, "2", dt.datetime(2026, 1, 1), 4, 5, 6],
    )
    sql = tree.sql(dialect="duckdb")
    assert "SELECT 1 AS a" in sql
    assert "c.media_id = '2'" in sql
    assert "CAST('2026-01-01T00:00:00+00:00' AS TIMESTAMPTZ)" in sql
    assert "COUNT(*) > 4" in sql
    assert sql.endswith("LIMIT 5 OFFSET 6")


@pytest.mark.parametrize(
    ("query", "params", "words"),
    [
        ("SELECT ?", None, "pass params"),
        ("SELECT ?, ?", [1], "2 \\? placeholders but 1"),
        ("SELECT 1", [1], "no \\? placeholders"),
        ("SELECT 'open", None, "quote"),
        ("", None, "empty"),
        ("SELECT 1; SELECT 2", None, "one statement"),
    ],
)
def test_bad_statements_are_sql_errors(query: str, params: list[int] | None, words: str) -> None:
    with pytest.raises(instapd.SqlError, match=words):
        parse(query, params)


def test_writes_parse_with_their_parameters_and_merge_is_refused() -> None:
    tree = parse(
        "INSERT INTO Comments (media_id, text) VALUES (?, ?), (?, ?)", ["1", "a", "2", "b"]
    )
    assert tree.sql() == "INSERT INTO Comments (media_id, text) VALUES ('1', 'a'), ('2', 'b')"
    for verb in ("UPDATE Comments SET hidden = ? WHERE id = ?",
                 "DELETE FROM Comments WHERE id IN (?, ?)"):  # fmt: skip
        assert "?" not in parse(verb, [True, "1"]).sql()
    with pytest.raises(instapd.SqlNotSupportedError, match="MERGE") as caught:
        parse("MERGE INTO Comments USING Media ON true WHEN MATCHED THEN DELETE")
    assert caught.value.position == (1, 1)
