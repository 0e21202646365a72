"""``read_instagram``: catalog -> Graph walk -> typed frame. The only place the layers meet."""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from . import __about__
from .catalog import Table, get_table
from .connection import Connection, default_connection
from .errors import (
    IncompleteReadError,
    InvalidFilterError,
    PermissionDeniedError,
    RetryableError,
    UnknownColumnError,
)
from .fetch import Plan, Root, Row, field_expression, walk
from .frames import to_frame

TimeLike = datetime | date | str | int | float | pd.Timestamp


@dataclass(frozen=True)
class Query:
    """A validated request: what to read, before anything is sent."""

    table: Table
    columns: tuple[str, ...]
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    limit: int | None
    id_filters: dict[str, tuple[str, ...]]

    def describe(self, accounts: Sequence[str]) -> dict[str, Any]:
        """Plain-JSON form for ``df.attrs``."""
        return {
            "table": self.table.name,
            "accounts": list(accounts),
            "columns": list(self.columns),
            "since": self.since.isoformat() if self.since is not None else None,
            "until": self.until.isoformat() if self.until is not None else None,
            "limit": self.limit,
            "filters": {k: list(v) for k, v in self.id_filters.items()},
        }


def read_instagram(
    table: str,
    *,
    connection: Connection | None = None,
    account: str | list[str] | None = None,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
    limit: int | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Read an Instagram table into a typed DataFrame.

    Parameters
    ----------
    table
        A table name from :func:`instapd.tables` (CData's names, any case), e.g. ``"Media"``.
    connection
        From :func:`instapd.connect`; by default one built from the environment.
    account
        An Instagram business account id or username, a list of them, or ``"all"``. By default
        ``BusinessAccountId``, else the only linked account.
    columns
        Only these columns; only their fields are asked of the API.
    since, until
        A time range ``[since, until)`` on the table's time column: datetimes, dates, ISO strings
        or Unix seconds, UTC when naive. Pushed down to the API where the edge supports it.
    limit
        At most this many rows; paging stops as soon as they are in.
    **filters
        Table-specific filters, such as ``media_id=`` for ``Comments`` (see ``describe``).
    """
    connection = connection or default_connection()
    query = build_query(table, columns, since, until, limit, filters, connection.config.max_rows)
    accounts = _accounts_for(connection, query, account)
    plan = _plan(query, accounts, connection.config.page_size)
    rows = _filtered(walk(connection.client, plan), query, accounts)
    out_columns = [query.table.column(name) for name in query.columns]
    frame = to_frame(_collect(rows, query, connection), out_columns)
    frame.attrs["instapd"] = {
        **query.describe(accounts),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "api_version": connection.config.version,
        "instapd_version": __about__.__version__,
        "source": "api",
    }
    return frame


# -- validation: everything here runs before the first request -----------------------------


def build_query(
    table_name: str,
    columns: Sequence[str] | None,
    since: TimeLike | None,
    until: TimeLike | None,
    limit: int | None,
    filters: dict[str, Any],
    max_rows: int = -1,
) -> Query:
    table = get_table(table_name)
    chosen = _columns(table, columns)
    start, end = _time(since, "since"), _time(until, "until")
    if (start is not None or end is not None) and table.time_column is None:
        raise InvalidFilterError(
            f"{table.name} has no time column, so since/until do not apply to it."
        )
    if start is not None and end is not None and start >= end:
        raise InvalidFilterError(f"since ({start}) must be before until ({end}).")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidFilterError(f"limit must be a positive whole number, not {limit!r}.")
    if max_rows > 0:
        limit = min(limit or max_rows, max_rows)
    return Query(table, chosen, start, end, limit, _id_filters(table, filters))


def _columns(table: Table, columns: Sequence[str] | None) -> tuple[str, ...]:
    if columns is None:
        return table.column_names
    if isinstance(columns, str):
        columns = [columns]
    unknown = [c for c in columns if c not in table.column_names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], table.column_names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownColumnError(
            f"{table.name} has no column {unknown[0]!r}.{hint} "
            f"Its columns: {', '.join(table.column_names)}."
        )
    return tuple(dict.fromkeys(columns))


def _time(value: TimeLike | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            stamp = pd.Timestamp(value, unit="s")
        else:
            stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidFilterError(
            f"{name}={value!r} is not a time: pass a datetime, a date, an ISO string such as "
            "'2026-01-31', or Unix seconds."
        ) from None
    if pd.isna(stamp):
        raise InvalidFilterError(f"{name} must be a time, not NaT.")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _id_filters(table: Table, filters: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    known = {f.name: f for f in table.filters}
    result = {}
    for name, value in filters.items():
        if name not in known:
            available = ", ".join(known) or "none"
            raise InvalidFilterError(
                f"{table.name} takes no filter {name!r}. Its filters: {available}; every table "
                "also takes account, columns, since, until and limit."
            )
        values = [value] if isinstance(value, str | int) else list(value)
        ids = tuple(str(v).strip() for v in values)
        bad = [v for v in ids if not v.isdigit()]
        if bad or not ids:
            raise InvalidFilterError(
                f"{name} takes Graph ids (strings of digits), not {bad[0] if bad else value!r}."
            )
        result[name] = ids
    return result


# -- planning and walking ------------------------------------------------------------------


def _accounts_for(
    connection: Connection, query: Query, account: str | list[str] | None
) -> list[str]:
    if query.table.scope == "user":
        return []
    return connection.resolve_accounts(account)


def _plan(query: Query, accounts: list[str], page_size: int) -> Plan:
    table = query.table
    fetched = list(query.columns)
    if table.linked_column:
        fetched.append(table.linked_column)
    if table.time_column and (query.since is not None or query.until is not None):
        fetched.append(table.time_column)
    fields = field_expression(table, fetched) or ["id"]
    time_params = {}
    if query.since is not None:
        time_params["since"] = math.floor(query.since.timestamp())
    if query.until is not None:
        time_params["until"] = math.ceil(query.until.timestamp())
    return Plan(table, _roots(query, accounts), _start(query), fields, page_size, time_params)


def _start(query: Query) -> int:
    levels = [query.table.start_level(name) for name in query.id_filters]
    return max(levels, default=0)


def _roots(query: Query, accounts: list[str]) -> list[Root]:
    table = query.table
    if table.scope != "account":
        return [Root("me")]
    if not query.id_filters:
        return [Root(a, {"business_account_id": a}) for a in accounts]
    name = max(query.id_filters, key=table.start_level)
    owner = {"business_account_id": accounts[0]} if accounts else {}
    return [Root(node, {**owner, name: node}) for node in query.id_filters[name]]


def _filtered(rows: Iterable[Row], query: Query, accounts: list[str]) -> Iterator[Row]:
    """Filters the API cannot apply: linked accounts, secondary ids, the exact time range."""
    table = query.table
    pushed = max(query.id_filters, key=table.start_level) if query.id_filters else None
    local_ids = {k: set(v) for k, v in query.id_filters.items() if k != pushed}
    for row in rows:
        if table.scope == "linked":
            linked = (row.get("instagram_business_account") or {}).get("id")
            if linked not in accounts:
                continue
            row = {**row, "business_account_id": linked}
        if any(str(row.get(k)) not in ids for k, ids in local_ids.items()):
            continue
        if table.time_column and not _in_range(row.get(table.time_column), query):
            continue
        yield row


def _in_range(stamp: Any, query: Query) -> bool:
    if query.since is None and query.until is None:
        return True
    if not stamp:
        return False
    when = datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%S%z")
    if query.since is not None and when < query.since:
        return False
    return query.until is None or when < query.until


def _collect(rows: Iterator[Row], query: Query, connection: Connection) -> list[Row]:
    """Rows up to ``limit``; a failure part-way never passes for a complete result."""
    collected: list[Row] = []
    try:
        for row in itertools.islice(rows, query.limit):
            collected.append(row)
    except PermissionDeniedError as exc:
        raise PermissionDeniedError(
            exc.message,
            scopes=query.table.scopes,
            code=exc.code,
            subcode=exc.subcode,
            type=exc.type,
            fbtrace_id=exc.fbtrace_id,
            status=exc.status,
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
