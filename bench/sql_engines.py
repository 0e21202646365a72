"""Which engine for instapd.sql: sqlglot + DuckDB over Arrow, or shillelagh's virtual tables
(SQLite through apsw)? The same JOIN of Media, MediaInsights and Comments, and a filtered scan,
on a sandbox account, both reading through read_instagram with the same pushdown (equality on
filters, time ranges, LIMIT). Prints requests and seconds for each. shillelagh's SQLite asks
the inner tables of a join once per outer row, so its requests grow with the rows (100 media:
402 requests, 16 s, against 6 requests, 0.3 s); at 200 media it did not finish in 8 minutes.

shillelagh is not a dependency of instapd; install it to run this (``pip install shillelagh``).

    python bench/sql_engines.py [--media 100] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from _server import sandbox_process  # type: ignore[import-not-found]

import instapd
from instapd.catalog import get_table
from instapd.sandbox import Sandbox

JOIN = """
SELECT m.id, m.media_type, i.reach, count(c.id) AS comments
FROM {media} m
JOIN {insights} i ON i.media_id = m.id
LEFT JOIN {comments} c ON c.media_id = m.id
GROUP BY m.id, m.media_type, i.reach
ORDER BY comments DESC, m.id
"""
SCAN = "SELECT id, like_count FROM {media} WHERE timestamp >= '2026-06-01' ORDER BY like_count"
DUCKDB = {"media": "Media", "insights": "MediaInsights", "comments": "Comments"}
SHILLELAGH = {k: f'"instapd://{v}"' for k, v in DUCKDB.items()}


def shillelagh_adapter(connection: instapd.Connection) -> Any:
    """A shillelagh adapter over read_instagram, declaring the same pushdown as instapd.sql."""
    from shillelagh.adapters.base import Adapter
    from shillelagh.fields import Boolean, DateTime, Field, Float, Integer, String
    from shillelagh.filters import Equal, Range

    kinds: dict[str, type[Field[Any, Any]]] = {"id": String, "string": String, "int": Integer,
             "float": Float, "bool": Boolean, "datetime": DateTime, "list": String}  # fmt: skip

    class InstapdAdapter(Adapter):  # type: ignore[misc]
        safe = True
        supports_limit = True
        supports_requested_columns = True

        @staticmethod
        def supports(uri: str, fast: bool = True, **kwargs: Any) -> bool:
            return uri.startswith("instapd://")

        @staticmethod
        def parse_uri(uri: str) -> tuple[str]:
            return (uri.removeprefix("instapd://"),)

        def __init__(self, table: str) -> None:
            super().__init__()
            self.table = get_table(table)
            self.columns = {c.name: kinds[c.type](filters=self._filters(c.name), exact=False)
                            for c in self.table.columns}  # fmt: skip

        def _filters(self, name: str) -> list[type[Any]]:
            if any(f.name == name and f.kind == "ids" for f in self.table.filters):
                return [Equal]
            return [Range] if name == self.table.time_column else []

        def get_columns(self) -> dict[str, Field[Any, Any]]:
            return self.columns

        def get_data(
            self, bounds: dict[str, Any], order: Any, limit: int | None = None, **kwargs: Any
        ) -> Iterator[dict[str, Any]]:
            options: dict[str, Any] = {}
            for name, bound in bounds.items():
                if isinstance(bound, Equal):
                    options[name] = str(bound.value)
                elif isinstance(bound, Range):
                    options["since"], options["until"] = bound.start, bound.end
            columns = kwargs.get("requested_columns")
            wanted = [c for c in self.table.column_names if not columns or c in columns]
            frame = connection.read(self.table.name, columns=wanted, limit=limit, **options)
            for index, row in enumerate(frame.astype(object).to_dict("records")):
                yield {"rowid": index} | {
                    k: (None if v is pd.NA or v is pd.NaT else v) for k, v in row.items()
                }

    return InstapdAdapter


def run_shillelagh(connection: instapd.Connection, query: str) -> int:
    from shillelagh.adapters.registry import registry
    from shillelagh.backends.apsw.db import connect

    registry.add("instapd", shillelagh_adapter(connection))
    cursor = connect(":memory:", adapters=["instapd"]).cursor()
    return len(cursor.execute(query.format(**SHILLELAGH)).fetchall())


def run_duckdb(connection: instapd.Connection, query: str) -> int:
    return len(instapd.sql(query.format(**DUCKDB), connection=connection))


def main() -> None:
    os.environ["INSTAPD_PROGRESS"] = "0"  # bars would garble the table
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--media", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    account = Sandbox(media_per_account=(args.media,)).dataset.account_ids[0]
    engines: dict[str, Callable[[instapd.Connection, str], int]] = {
        "sqlglot+duckdb": run_duckdb,
        "shillelagh": run_shillelagh,
    }
    with sandbox_process(media=args.media, latency=args.latency) as server:
        connection = instapd.connect(graph_url=server.url, access_token=server.token,
                                     business_account_id=account, cache=False)  # fmt: skip
        print(f"{args.media} media, {args.latency * 1000:.0f} ms latency per request\n")
        print(f"{'query':<6}{'engine':<16}{'requests':>9}{'rows':>7}{'seconds':>9}")
        for label, query in (("join", JOIN), ("scan", SCAN)):
            for name, run in engines.items():
                run(connection, query)  # warm the sandbox's page cache
                before, start = connection.client.requests_made, time.perf_counter()
                rows = run(connection, query)
                seconds = time.perf_counter() - start
                requests = connection.client.requests_made - before
                print(f"{label:<6}{name:<16}{requests:>9}{rows:>7}{seconds:>9.2f}")


if __name__ == "__main__":
    main()
