"""Writes: comment, reply, hide/unhide, delete, and comments on/off, exactly once.

One path for every write: plan the rows (:mod:`.plan`), check them (:mod:`.rules`, then the
scopes and the objects' state, :mod:`.targets`), preview (``dry_run``) or send in batches of up
to 50 with a look before any second try (:mod:`.send`), return one result row per input row
(:mod:`.results`), and drop the cache entries the writes made stale (:mod:`.invalidate`).

:func:`instapd.insert`, :func:`instapd.update`, :func:`instapd.delete`, the ``Connection``
methods of the same names and the ``.ig`` accessor all call :func:`write`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ON_ERROR, OfflineError, OnError, UsageError
from .invalidate import INVITE_TABLES, invalidate
from .plan import (
    ANSWER_INVITE,
    COMMENT_ENABLED,
    DELETE_MEDIA,
    Item,
    plan_delete,
    plan_insert,
    plan_update,
)
from .results import identity_rows, result_frame
from .send import Sender
from .targets import check_scopes, check_targets, granted_scopes, instagram_granted

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import BaseConnection

_PLANS = {"insert": plan_insert, "update": plan_update, "delete": plan_delete}


def write(
    connection: BaseConnection,
    action: str,
    table: str,
    rows: Any,
    *,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: OnError = "report",
) -> pd.DataFrame:
    """Run one write call; :func:`instapd.insert` documents the options."""
    if on_error not in ON_ERROR:
        raise UsageError(f"on_error must be 'report' or 'raise', not {on_error!r}.")
    if connection.config.offline:
        raise OfflineError("INSTAPD_OFFLINE=1 and writes need the API; unset INSTAPD_OFFLINE.")
    items = _PLANS[action](table, rows)
    if any(i.pending for i in items):
        client = connection.client
        config = connection.config
        granted = (
            instagram_granted(connection.credentials)
            if config.instagram_login
            else granted_scopes(client)
        )
        check_scopes(items, granted, config.auth_scheme)
        if any(i.pending for i in items):
            check_targets(client, items, _own_accounts(connection, account))
    if on_error == "raise":
        _raise_first(items)
    if dry_run:
        return result_frame(items, preview=True)
    sendable = [i for i in items if i.pending]
    if sendable:
        Sender(connection.client, rounds=connection.client.retry.attempts).send(sendable)
        touched = {i.account for i in sendable if i.account and i.status == "ok"}
        media = any(i.kind in (DELETE_MEDIA, COMMENT_ENABLED) for i in sendable)
        answers = all(i.kind == ANSWER_INVITE for i in sendable)
        tables = INVITE_TABLES if answers else None
        invalidate(connection.config.cache_location, touched, media=media, tables=tables)
    result = result_frame(items)
    connection.last_writes = identity_rows(action, result)  # CData's sys_identity
    if on_error == "raise":
        _raise_first(items)
    return result


def _own_accounts(connection: BaseConnection, account: str | list[str] | None) -> dict[str, str]:
    """The accounts writes may touch (id -> username): ``account=``, else ``BusinessAccountId``,
    else every linked account."""
    linked = {a.id: a.username for a in connection.accounts()}
    if account is None and not connection.config.business_account_id:
        return linked
    wanted = connection.resolve_accounts(account)
    own = {}
    for account_id in wanted:
        username = linked.get(account_id)
        if username is None:
            body = connection.client.get(account_id, {"fields": "username"})
            username = str(body.get("username") or "")
        own[account_id] = username
    return own


def _raise_first(items: list[Item]) -> None:
    for item in items:
        if item.status == "error" and item.error is not None:
            written = sum(i.status == "ok" for i in items)
            if written:
                item.error.add_note(f"{written} other rows were written before this error.")
            raise item.error


__all__ = ["OnError", "write"]
