"""SQL over the tables: sqlglot parses and finds what to push down to ``read_instagram``;
DuckDB runs the rest (JOIN, GROUP BY, ORDER BY, window functions, CTEs) over Arrow.

``instapd.sql`` names both this package and the function :func:`sql`: it is :data:`entry`, which
runs :func:`sql` when called and hands out this package's modules as attributes, so
``instapd.sql("SELECT ...")``, ``from instapd.sql import dbapi`` and ``instapd.sql.dialect``
(SQLAlchemy's registry walks attributes) all work. Importing this package stays cheap: sqlglot
and DuckDB load with the first query.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

from ..errors import missing_extra

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pandas as pd

    from ..api import Connection

__all__ = ["entry", "sql"]


def sql(
    query: str,
    *,
    connection: Connection | None = None,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    cache: bool | None = None,
    explain: bool = False,
    dry_run: bool = False,
) -> pd.DataFrame:
    """Run a SQL ``SELECT`` over the tables and return a typed DataFrame, or write.

    Equality and ``IN`` on a table's filters (``describe(table).attrs``), ranges on its time
    column, ``LIMIT`` and the columns used go to :func:`~instapd.read_instagram`; DuckDB does
    the rest (JOIN, GROUP BY, ORDER BY, window functions, CTEs). ``params`` fill ``?``
    placeholders in order. ``explain=True`` returns what each table read pushes down, without
    reading. Without ``BusinessAccountId``, tables hold the rows of every linked account
    (filter on ``business_account_id`` to read one).
    CData's system tables (``sys_tables``, ``sys_tablecolumns``, ...) can be queried too, and
    CData's SQL runs unchanged: ``[bracketed]`` names, ``EXEC GetOAuthAuthorizationURL
    AuthMode='WEB', ...`` (the procedure's rows), and the ``UserDefinedViews`` as tables.

    Writes: ``INSERT INTO Comments (media_id, text) VALUES (?, ?)`` (or ``... SELECT``),
    ``INSERT INTO Replies (comment_id, text)``, ``UPDATE Comments SET hidden = true WHERE ...``,
    ``UPDATE IGMedia SET comment_enabled = false WHERE ...`` and ``DELETE FROM
    Comments|Replies|IGMedia WHERE ...`` go to :func:`~instapd.insert`,
    :func:`~instapd.update` and :func:`~instapd.delete` and return their result frame
    (``id``, ``status``, ``error``). A ``WHERE`` other than ``id = ...``/``id IN (...)`` is
    read first to find the ids; a write without ``WHERE`` is refused. ``dry_run=True`` (or
    ``explain=True``) returns what would be sent. Needs ``pip install "instapd[sql]"``.
    """
    try:
        from .run import sql as run
    except ModuleNotFoundError as exc:
        raise missing_extra(exc, "sql", "instapd.sql()") from exc

    return run(
        query,
        connection=connection,
        params=params,
        cache=cache,
        explain=explain,
        dry_run=dry_run,
    )


class _Entry:
    """``instapd.sql``: :func:`sql` when called; this package's modules as attributes."""

    def __init__(self) -> None:
        functools.update_wrapper(self, sql)

    def __call__(
        self,
        query: str,
        *,
        connection: Connection | None = None,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        cache: bool | None = None,
        explain: bool = False,
        dry_run: bool = False,
    ) -> pd.DataFrame:
        return sql(
            query,
            connection=connection,
            params=params,
            cache=cache,
            explain=explain,
            dry_run=dry_run,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(sys.modules[__name__], name)

    def __repr__(self) -> str:
        return "<function instapd.sql>"


#: What ``instapd.sql`` is (``instapd/__init__`` binds it once this package has loaded).
entry = _Entry()
