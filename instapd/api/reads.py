"""``read_instagram``: one table into a typed DataFrame; ``health`` and ``business_accounts``:
the state and the list of an agency's accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..connection import BaseConnection
from ..connection.views import read_view, user_views
from .connection import default_connection

if TYPE_CHECKING:
    import pandas as pd

    from ..readers.query import TimeLike

__all__ = ["business_accounts", "health", "read_instagram"]


def read_instagram(
    table: str,
    *,
    connection: BaseConnection | None = None,
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
    cache
        Read through the Parquet cache (default: the ``Cache`` property, on). ``False`` bypasses
        it. Entries younger than ``CacheMaxAge`` are served with no request at all.
    refresh
        Go to the API even when a fresh entry exists, and rewrite the entry.
    progress
        Show a progress bar for reads that take over a second (default: on, unless
        ``INSTAPD_PROGRESS=0``).
    **filters
        Table-specific filters, such as ``media_id=`` for ``Comments`` (see ``describe``).
    """
    from ..io import read

    connection = connection or default_connection()
    views = user_views(connection.config) if isinstance(connection, BaseConnection) else {}
    view = views.get(str(table).lower())  # io.read refuses what is not a connection
    if view is not None:
        return read_view(view, connection, columns, limit, since, until, filters)
    return read(
        connection,
        table,
        account=account,
        columns=columns,
        since=since,
        until=until,
        limit=limit,
        cache=cache,
        refresh=refresh,
        progress=progress,
        **filters,
    )


def health(
    tables: str | Sequence[str] | None = None,
    *,
    account: str | list[str] = "all",
    connection: BaseConnection | None = None,
) -> pd.DataFrame:
    """One row per account: ``username``, ``token_type`` (user, page, system user),
    ``expires_at`` and ``data_access_expires_at`` (NaT: never), ``scopes_granted`` and
    ``scopes_missing`` for ``tables`` (by default a snapshot's), ``app_usage_percent`` and
    ``account_usage_percent``, the ``last_good_read`` and ``last_error`` instapd noted, and
    ``error`` when the token cannot read the account now. One batch request per 50 accounts."""
    from ..agency import health as check

    return check(connection or default_connection(), tables, account=account)


def business_accounts(
    business: str | None = None, *, connection: BaseConnection | None = None
) -> pd.DataFrame:
    """The Instagram accounts a Business Manager portfolio owns (``relation="owned"``) or
    manages for clients (``"client"``); by default those of each of the user's businesses.
    Needs ``business_management``; a system user's token (which never expires) works too."""
    from ..agency import business_accounts as listing

    return listing(connection or default_connection(), business)
