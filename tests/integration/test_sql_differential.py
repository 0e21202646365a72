"""Pushdown never changes an answer: generated queries (filters, time ranges with every
comparison at the exact times rows have, ORDER BY, LIMIT/OFFSET, joins) give the same rows
through instapd.sql, which pushes what it can to the API, as plain DuckDB over the tables read
whole. A seeded generator, so a failure names a query that fails again."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd
import pytest

import instapd
from instapd.sandbox import Sandbox
from tests.support import sandbox_connection

QUERIES = 70
COMPARISONS = ("<", "<=", ">", ">=", "=")


@pytest.fixture(scope="module")
def world(sandbox: Sandbox) -> Iterator[tuple[instapd.Connection, duckdb.DuckDBPyConnection]]:
    """The connection under test, and a plain DuckDB holding Media and Comments read whole."""
    with sandbox_connection(sandbox, cache=False) as connection:
        whole = duckdb.connect()
        whole.execute("SET TimeZone = 'UTC'")
        for table in ("Media", "Comments"):
            frame = connection.read(table, account="all")
            whole.register(table, frame)
        yield connection, whole
        whole.close()


def _stamp(value: Any) -> str:
    return f"TIMESTAMPTZ '{pd.Timestamp(value).isoformat()}'"


class Generator:
    def __init__(self, seed: int, whole: duckdb.DuckDBPyConnection) -> None:
        self.random = random.Random(seed)
        media = whole.sql("SELECT id, timestamp, business_account_id FROM Media").df()
        comments = whole.sql("SELECT media_id, timestamp FROM Comments").df()
        self.times = media["timestamp"].tolist()
        self.comment_times = comments["timestamp"].tolist()
        self.accounts = sorted(set(media["business_account_id"]))
        self.media_ids = sorted(set(comments["media_id"]))

    def pick(self, options: Any) -> Any:
        return self.random.choice(list(options))

    def time_filter(self, column: str, times: list[Any]) -> str:
        if self.random.random() < 0.2:
            low, high = sorted(self.random.sample(times, 2))
            return f"{column} BETWEEN {_stamp(low)} AND {_stamp(high)}"
        op = self.pick(COMPARISONS)
        stamp = _stamp(self.pick(times))  # exactly a row's time: < and <= differ
        return (
            f"{stamp} {_flip(op)} {column}"
            if self.random.random() < 0.3
            else (f"{column} {op} {stamp}")
        )

    def tail(self, order: list[str], *, ordered: bool) -> tuple[str, bool]:
        """ORDER BY (total, so the answer is one list), LIMIT and OFFSET; and whether the
        answer's order is defined."""
        parts = []
        if ordered:
            parts.append("ORDER BY " + ", ".join(order))
        if self.random.random() < 0.7:
            parts.append(f"LIMIT {self.random.randint(1, 40)}")
            if self.random.random() < 0.5:
                parts.append(f"OFFSET {self.random.randint(0, 30)}")
        return " ".join(parts), ordered

    def media(self) -> tuple[str, bool]:
        where = [
            self.time_filter("timestamp", self.times) for _ in range(self.random.randint(0, 2))
        ]
        if self.random.random() < 0.4:
            where.append(f"business_account_id = '{self.pick(self.accounts)}'")
        if self.random.random() < 0.2:
            where.append("like_count >= 0")
        columns = "id, timestamp, like_count, business_account_id"
        keys = [f"{self.pick(['timestamp', 'like_count', 'id'])} {self.pick(['ASC', 'DESC'])}",
                "id"]  # fmt: skip
        tail, ordered = self.tail(keys, ordered=self.random.random() < 0.6)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT {columns} FROM Media{clause} {tail}", ordered

    def comments(self) -> tuple[str, bool]:
        where = [f"media_id = '{self.pick(self.media_ids)}'"]
        if self.random.random() < 0.5:
            where.append(self.time_filter("timestamp", self.comment_times))
        tail, ordered = self.tail(["timestamp DESC", "id"], ordered=self.random.random() < 0.5)
        return f"SELECT id, media_id, timestamp FROM Comments WHERE {' AND '.join(where)} {tail}", (
            ordered
        )

    def join(self) -> tuple[str, bool]:
        where = [self.time_filter("m.timestamp", self.times)]
        if self.random.random() < 0.5:
            where.append(self.time_filter("c.timestamp", self.comment_times))
        tail, ordered = self.tail(["c.id"], ordered=True)
        return (
            "SELECT c.id, c.media_id, m.timestamp AS posted FROM Media m "
            f"JOIN Comments c ON c.media_id = m.id WHERE {' AND '.join(where)} {tail}",
            ordered,
        )

    def query(self) -> tuple[str, bool]:
        return self.random.choices([self.media, self.comments, self.join], [5, 2, 2])[0]()


def _flip(op: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}[op]


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [
        tuple(None if pd.isna(v) else str(v) for v in row) for row in frame.itertuples(index=False)
    ]


def test_pushdown_gives_the_answer_duckdb_gives_over_the_whole_tables(
    world: tuple[instapd.Connection, duckdb.DuckDBPyConnection],
) -> None:
    connection, whole = world
    generator = Generator(2026, whole)
    pushed = 0
    for _ in range(QUERIES):
        query, ordered = generator.query()
        got = instapd.sql(query, connection=connection)
        expected = whole.sql(query).df()
        assert len(got) == len(expected), query
        if ordered:
            assert _rows(got) == _rows(expected), query
        elif "LIMIT" in query:  # which rows a LIMIT keeps is the engine's choice
            assert set(_rows(got)) <= set(_rows(whole.sql(query.split(" LIMIT")[0]).df())), query
        else:
            assert sorted(_rows(got)) == sorted(_rows(expected)), query
        plan = instapd.sql(query, connection=connection, explain=True)
        pushed += sum(p != "(nothing)" for p in plan["pushed_down"])
    assert pushed >= QUERIES // 2, "most generated queries push something down"
