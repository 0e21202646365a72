"""``instapd.health()``: each account's state at a glance, before a run stops on it.

One row per account: its username, how the token was obtained (a user's, a Page's, a system
user's), when it expires and when its data access lapses (``debug_token``), the scopes it has
and those the tables asked for lack, the app's and the account's usage (percent, from the usage
headers), and the last good read and last error instapd noted for it (the cache folder's read
log). Everything is asked in one batch request per 50 accounts. An account the token cannot see
gets a row that says so in ``error``; it never stops the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ..cache import ReadLog
from ..catalog import SNAPSHOT_TABLES, get_table
from ..catalog.schemes import scopes_for
from ..connection import BaseConnection
from ..errors import GraphError, UsageError
from ..graph.usage import Usage
from ..validation import graph_id

#: Tables whose scopes are checked when none are named: what a snapshot reads.
DEFAULT_TABLES = SNAPSHOT_TABLES
HEALTH_COLUMNS = {
    "business_account_id": "string",
    "username": "string",
    "token_type": "string",
    "token_valid": "boolean",
    "expires_at": "datetime64[s, UTC]",
    "data_access_expires_at": "datetime64[s, UTC]",
    "scopes_granted": "string",
    "scopes_missing": "string",
    "app_usage_percent": "Int64",
    "account_usage_percent": "Int64",
    "last_good_read": "datetime64[s, UTC]",
    "last_good_table": "string",
    "last_error_at": "datetime64[s, UTC]",
    "last_error": "string",
    "error": "string",
}
#: debug_token's ``type`` as the column says it.
TOKEN_TYPES = {"USER": "user", "PAGE": "page", "SYSTEM_USER": "system user", "APP": "app"}


def health(
    connection: BaseConnection,
    tables: str | Sequence[str] | None = None,
    *,
    account: str | list[str] = "all",
) -> pd.DataFrame:
    """One row per account of ``account`` (default: every linked one); see the module doc.

    ``expires_at`` and ``data_access_expires_at`` are NaT when they never come (a system user's
    token, a Page token from a long-lived user token); ``scopes_missing`` lists the scopes the
    ``tables`` need (by default a snapshot's) that the token lacks.
    """
    needed = _needed_scopes(connection, tables)
    ids = [graph_id(a, "account") for a in connection.resolve_accounts(account)]
    usernames = _known_usernames(connection, account)
    client = connection.client
    seen = _UsageSeen()
    client.usage_listeners.append(seen)
    try:
        token = _token_info(connection)
        outcomes = client.batch([(a, {"fields": "id,username"}) for a in ids])
    finally:
        client.usage_listeners.remove(seen)
    notes = ReadLog(connection.config.cache_location).entries()
    granted = tuple(str(s) for s in token.get("scopes") or [])
    rows = []
    for account_id, outcome in zip(ids, outcomes, strict=True):
        note = notes.get(account_id, {})
        failed = outcome if isinstance(outcome, GraphError) else None
        profile = outcome if isinstance(outcome, dict) else {}
        rows.append(
            {
                "business_account_id": account_id,
                "username": profile.get("username") or usernames.get(account_id),
                "token_type": TOKEN_TYPES.get(str(token.get("type")), token.get("type")),
                "token_valid": token.get("is_valid"),
                "expires_at": _when(token.get("expires_at")),
                "data_access_expires_at": _when(token.get("data_access_expires_at")),
                "scopes_granted": ",".join(granted) if token.get("scopes") is not None else None,
                "scopes_missing": ",".join(s for s in needed if s not in granted)
                if token.get("scopes") is not None
                else None,
                "app_usage_percent": seen.app,
                "account_usage_percent": seen.accounts.get(account_id),
                "last_good_read": _stamp(note.get("last_good_read")),
                "last_good_table": note.get("last_good_table"),
                "last_error_at": _stamp(note.get("last_error_at")),
                "last_error": note.get("last_error"),
                "error": _problem(failed, token),
            }
        )
    return pd.DataFrame(rows, columns=list(HEALTH_COLUMNS)).astype(HEALTH_COLUMNS)


class _UsageSeen:
    """Told each answer's usage headers: the app's highest percent, each account's last."""

    def __init__(self) -> None:
        self.app: int | None = None
        self.accounts: dict[str, int] = {}

    def __call__(self, usage: Usage) -> None:
        self.app = max(self.app or 0, usage.app_percent)
        for account, used in usage.accounts.items():
            self.accounts[account] = used.percent


def _needed_scopes(connection: BaseConnection, tables: str | Sequence[str] | None) -> list[str]:
    names = DEFAULT_TABLES if tables is None else ([tables] if isinstance(tables, str) else tables)
    if not isinstance(names, list | tuple) or not all(isinstance(t, str) for t in names):
        raise UsageError(f"tables= takes a table name or a list of names, not {tables!r}.")
    scheme = connection.config.auth_scheme
    found: dict[str, None] = {}
    for name in names:
        found.update(dict.fromkeys(scopes_for(get_table(name).scopes, scheme)))
    return list(found)


def _known_usernames(connection: BaseConnection, account: str | list[str]) -> dict[str, str]:
    """Usernames already known from the linked accounts (no request when none was made)."""
    if isinstance(account, str) and account.lower() == "all":
        return {a.id: a.username for a in connection.accounts() if a.username}
    return {}


def _token_info(connection: BaseConnection) -> dict[str, Any]:
    """``debug_token``'s ``data`` for the connection's token; ``{"error": ...}`` on a refusal."""
    config = connection.config
    if config.instagram_login:  # graph.instagram.com has no debug_token
        known = connection.credentials
        expires = known.expires_at.timestamp() if known and known.expires_at else None
        return {
            "type": "USER",
            "expires_at": expires,
            "scopes": list(known.scopes) if known else None,
        }
    app_token = None
    if config.client_id and config.client_secret:
        app_token = f"{config.client_id}|{config.client_secret}"
    answer = connection.client.debug_token(app_token)
    if isinstance(answer, GraphError):
        return {"error": {"message": answer.message}}
    data = answer.get("data")
    return data if isinstance(data, dict) else {}


def _problem(failed: GraphError | None, token: dict[str, Any]) -> str | None:
    parts = []
    if failed is not None:
        parts.append(f"the token cannot read this account: {failed.message}")
    error = token.get("error")
    if isinstance(error, dict) and error.get("message"):
        parts.append(f"debug_token: {error['message']}")
    return "; ".join(parts) or None


def _when(value: Any) -> pd.Timestamp | None:
    """A Unix time from debug_token; 0 (never) and missing are NaT."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    return pd.Timestamp(datetime.fromtimestamp(value, UTC))


def _stamp(value: str | None) -> pd.Timestamp | None:
    return pd.Timestamp(value) if value else None
