"""SQL over the tables: sqlglot parses and finds what to push down to ``read_instagram``;
DuckDB runs the rest (JOIN, GROUP BY, ORDER BY, window functions, CTEs) over Arrow."""

from __future__ import annotations

from .run import sql

__all__ = ["sql"]
