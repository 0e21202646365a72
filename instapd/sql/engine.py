"""The engine a statement runs in: a DuckDB database of its own (nothing is shared between
statements or users), with no file or network access, no extensions, its configuration locked,
a memory cap (``SqlMemoryLimit``) and a timeout (``SqlTimeout``), each with a typed error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import SqlMemoryError, SqlTimeoutError

_LOCKED: dict[str, Any] = {
    "enable_external_access": False,  # no files, no network, no ATTACH
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "temp_directory": "",  # nothing spills to disk: over the cap is an error
    "threads": 2,
}


@dataclass
class Engine:
    """One statement's DuckDB database and its limits."""

    db: duckdb.DuckDBPyConnection
    timeout: float
    memory_mb: int

    def run(self, sql: str, query: str) -> pa.Table:
        """Run ``sql`` and return its Arrow table; a statement still running after
        ``timeout`` seconds is interrupted (DuckDB's own interrupt, from a timer thread)."""
        timer = threading.Timer(self.timeout, self.db.interrupt)
        timer.daemon = True
        timer.start()
        try:
            table: pa.Table = self.db.sql(sql).to_arrow_table()
            return table
        except duckdb.InterruptException:
            raise SqlTimeoutError(
                f"The query ran longer than SqlTimeout={self.timeout:g} seconds and was "
                "stopped: narrow it (a WHERE on the time column, a LIMIT, a recursive CTE that "
                "ends), or raise SqlTimeout.",
                query=query,
            ) from None
        except duckdb.OutOfMemoryException:
            raise SqlMemoryError(
                f"The query needed more than SqlMemoryLimit={self.memory_mb} MB and was "
                "stopped: select fewer columns or rows, aggregate sooner, or raise "
                "SqlMemoryLimit.",
                query=query,
            ) from None
        finally:
            timer.cancel()


@contextmanager
def engine(*, timeout: float, memory_mb: int) -> Iterator[Engine]:
    """A DuckDB database for one statement: in memory, locked down, capped at ``memory_mb``.
    Opening one costs ~15 ms; it sees only the frames registered in it and goes with the
    statement. Times without a zone mean UTC, as in ``read_instagram``."""
    config: dict[str, Any] = {**_LOCKED, "memory_limit": f"{memory_mb}MB"}
    db = duckdb.connect(":memory:", config=config)
    try:
        db.execute("SET TimeZone = 'UTC'")
        db.execute("SET lock_configuration = true")  # no SET, RESET or enable_logging()
        yield Engine(db, timeout, memory_mb)
    finally:
        db.close()
