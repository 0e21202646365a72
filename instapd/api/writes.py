"""``insert``, ``update`` and ``delete``: comments, replies and media, each write exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .connection import default_connection

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import BaseConnection
    from ..errors import OnError

__all__ = ["delete", "insert", "update"]


def insert(
    table: str,
    rows: Any,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: OnError = "report",
) -> pd.DataFrame:
    """Post comments (``"Comments"``: ``media_id``, ``text``) or replies (``"Replies"``:
    ``comment_id``, ``text``). CData's ``MediaId``, ``CommentId`` and ``Text`` work too.
    A reply to a reply is refused before sending (Meta would attach it to the top-level
    comment, which is rarely what was meant): reply to the top-level comment instead.

    Parameters
    ----------
    rows
        A DataFrame or a list of dicts, one write per row.
    account
        The accounts whose objects may be written: an id, a username, a list or ``"all"``. By
        default ``BusinessAccountId``, else every linked account.
    dry_run
        Check everything (rules, scopes, the objects' state: reads only) and return what would
        be sent (``method``, ``path``, ``body``), sending nothing.
    on_error
        ``"report"`` (default): a failed row gets ``status`` ``error`` and the others go on.
        ``"raise"``: a row refused before sending raises before anything is sent; a row Meta
        refuses raises once the other rows are written.

    Returns one row per input row (same index): ``id`` (the new comment's id, or the object
    written), ``status`` (``ok``, ``skipped`` when nothing needed changing, or ``error``) and
    ``error`` (the message, or NA). Every write happens at most once, even when an answer is
    lost; the cache entries it made stale are dropped.
    """
    return _write("insert", table, rows, connection, account, dry_run, on_error)


def update(
    table: str,
    rows: Any,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: OnError = "report",
) -> pd.DataFrame:
    """Hide or unhide comments (``"Comments"``: ``id``, ``hidden``) or turn comments on or off
    (``"IGMedia"``: ``id``, ``comment_enabled``). Options and result as :func:`insert`."""
    return _write("update", table, rows, connection, account, dry_run, on_error)


def delete(
    table: str,
    ids: Any,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: OnError = "report",
) -> pd.DataFrame:
    """Delete comments (``"Comments"`` or ``"Replies"``) or media (``"IGMedia"``, which needs
    ``instagram_manage_contents``). ``ids``: a list, a Series, or a DataFrame with ``id``.
    Options and result as :func:`insert`."""
    return _write("delete", table, ids, connection, account, dry_run, on_error)


def _write(
    action: str,
    table: str,
    rows: Any,
    connection: BaseConnection | None,
    account: str | list[str] | None,
    dry_run: bool,
    on_error: OnError,
) -> pd.DataFrame:
    from ..writes import write

    return write(
        connection or default_connection(),
        action,
        table,
        rows,
        account=account,
        dry_run=dry_run,
        on_error=on_error,
    )
