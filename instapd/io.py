"""Reading a table: catalog -> query -> Graph walk (readers) -> typed frame, through the cache.

:func:`instapd.read_instagram` and :meth:`instapd.Connection.read` call :func:`read`.
"""

from __future__ import annotations

import functools
import itertools
import secrets
import weakref
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from . import __about__
from .cache import ReadLog
from .cached import read_through_cache
from .catalog.names import graph_names, with_names
from .catalog.schemes import check_table_scheme, facebook_names, scopes_for
from .config import PROPERTIES, Config
from .connection import BaseConnection
from .errors import (
    IncompleteReadError,
    InstapdError,
    OfflineError,
    PermissionDeniedError,
    RetryableError,
    UsageError,
)
from .frames import to_frame
from .progress import enabled, requests_bar
from .readers import ReadContext, Row, read_rows, warn_skipped
from .readers.query import Query, TimeLike, build_query


def read(
    connection: BaseConnection,
    table: str,
    *,
    account: str | list[str] | None = None,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
    limit: int | None = None,
    cache: bool | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Read ``table`` over ``connection``; :func:`instapd.read_instagram` documents the options."""
    if not isinstance(connection, BaseConnection):
        raise UsageError(
            "connection= takes a Connection from instapd.connect(), not "
            f"{type(connection).__name__}."
        )
    config = connection.config
    for name, flag in (("cache", cache), ("refresh", refresh), ("progress", progress)):
        if flag is not None and not isinstance(flag, bool):
            raise UsageError(f"{name}= takes True or False, not {flag!r}.")
    naming = config.column_names  # ColumnNames=CData: CData's names in and out
    if naming != "Graph":
        columns, filters = graph_names(table, naming, columns, filters)
    query = build_query(
        table,
        columns,
        since,
        until,
        limit,
        filters,
        max_rows=config.max_rows,
        version=config.version,
    )
    check_table_scheme(query.table.name, config.auth_scheme)
    use_cache = config.cache if cache is None else bool(cache)
    if config.offline and (not use_cache or refresh):
        raise OfflineError(
            "INSTAPD_OFFLINE=1 serves reads from the cache only; cache=False and refresh=True "
            "need the API. Unset INSTAPD_OFFLINE to go online."
        )
    accounts = _accounts_for(connection, query, account)
    reader = functools.partial(fetch, progress=enabled(progress))
    if not use_cache:
        frame = reader(connection, query, accounts)
    else:
        frame = read_through_cache(connection, query, accounts, refresh=refresh, fetch=reader)
    frame = frame if naming == "Graph" else with_names(frame, query.table, naming)
    frame.attrs["instapd"] = {
        **frame.attrs.get("instapd", {}),
        "connection": connection_reference(connection),
    }
    return frame


# -- which connection a frame came from (for DataFrame.ig) -----------------------------------

_LIVE: weakref.WeakValueDictionary[str, BaseConnection] = weakref.WeakValueDictionary()
_KEYS: weakref.WeakKeyDictionary[BaseConnection, str] = weakref.WeakKeyDictionary()
_DEFAULTS = Config()


def connection_reference(connection: BaseConnection) -> dict[str, Any]:
    """How a frame finds its connection again: ``id``, the live connection while this process
    holds it, and ``properties``, its non-secret connection properties to build another."""
    key = _KEYS.get(connection)
    if key is None:
        key = _KEYS[connection] = secrets.token_hex(8)
        _LIVE[key] = connection
    properties: dict[str, Any] = {}
    for prop in PROPERTIES:
        value = getattr(connection.config, prop.python)
        if prop.secret or value is None or value == getattr(_DEFAULTS, prop.python):
            continue
        properties[prop.cdata] = list(value) if isinstance(value, tuple) else value
    return {"id": key, "properties": properties}


def live_connection(reference: Any) -> BaseConnection | None:
    """The connection a :func:`connection_reference` names, if this process still holds it."""
    if not isinstance(reference, dict):
        return None
    return _LIVE.get(str(reference.get("id")))


def fetch(
    connection: BaseConnection,
    query: Query,
    accounts: list[str],
    *,
    stop_at: frozenset[str] = frozenset(),
    progress: bool = False,
) -> pd.DataFrame:
    """Read from the API. ``stop_at``: ids at which to stop (an incremental refresh)."""
    config = connection.config
    client = connection.client  # logs in first, where InitiateOAuth says so
    known = connection.credentials  # Instagram Login cannot list the token's permissions
    granted = facebook_names(known.scopes) if config.instagram_login and known else None
    context = ReadContext(client, query, accounts, config.version, config.page_size,
                          _granted=granted or None)  # fmt: skip
    rows = _in_time_range(read_rows(context), query)
    out_columns = [query.table.column(name) for name in query.columns]
    log = ReadLog(config.cache_location)
    try:
        with requests_bar(query.table.name, connection.client, progress):
            collected = _collect(rows, query, connection, stop_at)
    except InstapdError as exc:
        log.record(accounts, query.table.name, exc)
        raise
    log.record(accounts, query.table.name)
    frame = to_frame(collected, out_columns)
    warn_skipped(query.table.name, context.skipped)
    frame.attrs["instapd"] = {
        **query.describe(accounts),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "api_version": config.version,
        "instapd_version": __about__.__version__,
        "source": "api",
        "skipped": len(context.skipped),
    }
    return frame


def _accounts_for(
    connection: BaseConnection, query: Query, account: str | list[str] | None
) -> list[str]:
    if query.table.scope == "user":
        return []
    return connection.resolve_accounts(account)


def _in_time_range(rows: Iterator[Row], query: Query) -> Iterator[Row]:
    """The exact ``[since, until)`` range, whatever the API's own boundaries are."""
    column = query.table.time_column
    if column is None or (query.since is None and query.until is None):
        return rows
    return (row for row in rows if _in_range(row.get(column), query))


def _in_range(stamp: Any, query: Query) -> bool:
    if query.since is None and query.until is None:
        return True
    if not stamp:
        return False
    when = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%S%z")
    if query.since is not None and when < query.since:
        return False
    return query.until is None or when < query.until


def _collect(
    rows: Iterator[Row], query: Query, connection: BaseConnection, stop_at: frozenset[str]
) -> list[Row]:
    """Rows up to ``limit``; a failure part-way never passes for a complete result."""
    collected: list[Row] = []
    try:
        if stop_at:
            rows = itertools.takewhile(lambda row: str(row.get("id")) not in stop_at, rows)
        collected.extend(itertools.islice(rows, query.limit))  # rows read stay on failure
    except PermissionDeniedError as exc:
        raise PermissionDeniedError(
            exc.message,
            scopes=scopes_for(exc.scopes or query.table.scopes, connection.config.auth_scheme),
            **exc.details,
        ) from None
    except RetryableError as exc:
        if not collected:
            raise
        raise IncompleteReadError(
            f"Reading {query.table.name} failed after {len(collected)} rows, when retries "
            f"ran out: {exc}. Nothing was returned; run the read again.",
            rows_read=len(collected),
            pages_read=connection.client.requests_made,
        ) from exc
    return collected


__all__ = [
    "fetch",
    "read",
]
