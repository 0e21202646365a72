"""The inbox as plain functions: the newest comments across media, unanswered first, and the
moderation actions on one comment (reply, hide, unhide, delete) through instapd's writes.

Every action is :func:`instapd.writes.write` with one row: the comment rules are checked before
anything is sent, the write happens exactly once (a lost answer is looked for, never blindly
sent again), ``dry_run`` returns what would be sent, and the result is one row
(``status``, ``error``; with ``dry_run`` also ``method``, ``path``, ``body``).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..connection import BaseConnection
from ..errors import CommentRuleError
from ..io import read
from ..writes import write
from ..writes.rules import check_text

Action = Literal["reply", "hide", "unhide", "delete"]
ACTIONS: tuple[Action, ...] = ("reply", "hide", "unhide", "delete")
COLUMNS = ["id", "media_id", "timestamp", "username", "text", "hidden", "answered", "caption"]


def inbox_frame(
    connection: BaseConnection, account: str | None = None, *, media: int = 12, limit: int = 50
) -> pd.DataFrame:
    """The newest comments on the newest ``media`` posts, at most ``limit``: unanswered first
    (no reply from the account itself), newest first within each. Replies are not listed."""
    accounts = connection.resolve_accounts(account)
    if len(accounts) != 1:
        raise ValueError("The inbox shows one account; pass account=... (an id or username).")
    account_id = accounts[0]
    posts = read(connection, "Media", account=account_id, limit=media, progress=False,
                 columns=["id", "caption", "timestamp"])  # fmt: skip
    ids = [str(i) for i in posts["id"]]
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    comments = read(connection, "Comments", account=account_id, media_id=ids, progress=False)
    replies = read(connection, "Replies", account=account_id, media_id=ids, progress=False)
    own = _username(connection, account_id)
    answered = set(replies.loc[replies["username"] == own, "comment_id"].astype(str))
    frame = comments.assign(
        id=comments["id"].astype(str),
        media_id=comments["media_id"].astype(str),
        answered=comments["id"].astype(str).isin(answered),
        caption=comments["media_id"].astype(str).map(dict(zip(ids, posts["caption"], strict=True))),
    )
    frame = frame[frame["username"] != own]  # the account's own comments need no answer
    frame = frame.sort_values(["answered", "timestamp"], ascending=[True, False]).head(limit)
    out = frame[COLUMNS].reset_index(drop=True)
    out.attrs["account"] = account_id
    return out


def _username(connection: BaseConnection, account_id: str) -> str:
    for linked in connection.accounts():
        if linked.id == account_id:
            return linked.username
    return str(connection.client.get(account_id, {"fields": "username"}).get("username", ""))


def reply_problem(text: str) -> str | None:
    """Why Instagram would refuse ``text`` as a reply (the comment rules), or ``None``."""
    try:
        check_text(text)
    except CommentRuleError as exc:
        return str(exc)
    return None


def act(
    connection: BaseConnection,
    comment_id: str,
    action: Action,
    *,
    text: str | None = None,
    account: str | None = None,
    dry_run: bool = False,
) -> pd.DataFrame:
    """One moderation action on one comment, as instapd's write result (one row)."""
    if action == "reply":
        rows = pd.DataFrame([{"comment_id": comment_id, "text": text}])
        return write(connection, "insert", "Replies", rows, account=account, dry_run=dry_run)
    if action in ("hide", "unhide"):
        rows = pd.DataFrame([{"id": comment_id, "hidden": action == "hide"}])
        return write(connection, "update", "Comments", rows, account=account, dry_run=dry_run)
    if action == "delete":
        return write(connection, "delete", "Comments", [comment_id], account=account,
                     dry_run=dry_run)  # fmt: skip
    raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")


def describe_result(result: pd.DataFrame, action: Action, *, dry_run: bool) -> tuple[bool, str]:
    """Whether the row's write went (or would go) through, and what to show beside the row."""
    row = result.iloc[0]
    ok = row["status"] == "ok"
    if not ok:
        return False, f"Not sent: {row['error']}"
    if dry_run:
        body = f" {row['body']}" if isinstance(row.get("body"), str) else ""
        return True, f"Dry run, would send: {row['method']} {row['path']}{body}"
    done = {"reply": "Replied", "hide": "Hidden", "unhide": "Shown again", "delete": "Deleted"}
    new = f" (reply {row['id']})" if action == "reply" else ""
    return True, f"{done[action]}{new}"
