"""What a write call asks for, one :class:`Item` per input row: its kind, target and payload."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import InstapdError, UsageError
from .rules import check_flag, check_id, check_text

#: Kinds of write, and the Graph request each makes.
COMMENT, REPLY, HIDE, COMMENT_ENABLED = "comment", "reply", "hide", "comment_enabled"
DELETE_COMMENT, DELETE_MEDIA = "delete_comment", "delete_media"
#: Accept (flag True) or decline a collaboration invite; the target is the inviting media.
ANSWER_INVITE = "answer_invite"
ON_COMMENTS = frozenset({REPLY, HIDE, DELETE_COMMENT})  # the target is a comment
#: The scope each kind needs on top of instagram_basic.
SCOPES = {
    COMMENT: "instagram_manage_comments",
    REPLY: "instagram_manage_comments",
    HIDE: "instagram_manage_comments",
    COMMENT_ENABLED: "instagram_manage_comments",
    DELETE_COMMENT: "instagram_manage_comments",
    DELETE_MEDIA: "instagram_manage_contents",
    ANSWER_INVITE: "instagram_content_publish",
}
#: Column names accepted, lower case without underscores (CData's ``MediaId`` too).
_ALIASES = {
    "mediaid": "media_id",
    "commentid": "comment_id",
    "text": "text",
    "message": "text",
    "id": "id",
    "hidden": "hidden",
    "commentenabled": "comment_enabled",
    "iscommentenabled": "comment_enabled",
    "accept": "accept",
    "accepted": "accept",
}
_TABLES = {
    "comments": "comments",
    "replies": "comments",
    "igmedia": "media",
    "media": "media",
    "collaborationinvites": "invites",
}


@dataclass
class Item:
    """One row's write, and (once known) how it ended."""

    row: Hashable
    kind: str
    target: str = ""
    text: str | None = None
    flag: bool | None = None
    status: str | None = None  # ok, skipped or error; None while pending
    result_id: str | None = None
    error: Exception | None = None
    media_id: str | None = None  # the media the write touches
    account: str | None = None  # the account that owns it
    author: str | None = None  # that account's username: who a new comment is by
    given: str | None = None  # the id as the caller gave it, shown when it is refused
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        return self.status is None

    def fail(self, error: Exception) -> None:
        self.status, self.error = "error", error
        if isinstance(error, InstapdError) and hasattr(error, "row"):
            error.row = self.row

    def done(self, status: str = "ok", result_id: str | None = None) -> None:
        self.status, self.result_id = status, result_id or self.target

    def request(self) -> tuple[str, str, dict[str, str]]:
        """The Graph request: method, path, parameters."""
        if self.kind == COMMENT:
            return "POST", f"{self.target}/comments", {"message": self.text or ""}
        if self.kind == REPLY:
            return "POST", f"{self.target}/replies", {"message": self.text or ""}
        if self.kind == ANSWER_INVITE:
            params = {"media_id": self.target, "accept": "true" if self.flag else "false"}
            return "POST", f"{self.account}/collaboration_invites", params
        if self.kind in (HIDE, COMMENT_ENABLED):
            name = "hide" if self.kind == HIDE else "comment_enabled"
            return "POST", self.target, {name: "true" if self.flag else "false"}
        return "DELETE", self.target, {}


def plan_insert(table: str, rows: Any) -> list[Item]:
    family = _family(table)
    kind, key, what = (
        (COMMENT, "media_id", "media")
        if table.lower() == "comments"
        else (REPLY, "comment_id", "comment")
    )
    if family != "comments":
        raise UsageError(f"insert writes Comments or Replies, not {table!r}.")
    items = []
    for label, record in _records(rows, (key, "text")):
        item = Item(label, kind)
        _checked(item, lambda r=record, i=item: _fill_text(i, r, key, what))
        items.append(item)
    return items


def plan_update(table: str, rows: Any) -> list[Item]:
    family = _family(table)
    if family == "invites":
        return _plan_answers(rows)
    kind, flag, what = (
        (HIDE, "hidden", "comment")
        if family == "comments"
        else (COMMENT_ENABLED, "comment_enabled", "media")
    )
    items = []
    for label, record in _records(rows, ("id", flag)):
        item = Item(label, kind, given=_given(record["id"]))

        def fill(r: Mapping[str, Any] = record, i: Item = item) -> None:
            i.target = check_id(r["id"], what)
            i.flag = check_flag(r[flag], flag)

        _checked(item, fill)
        items.append(item)
    return items


def _plan_answers(rows: Any) -> list[Item]:
    """Accept (``accept=True``) or decline (``False``) the invite of each row's ``media_id``."""
    items = []
    for label, record in _records(rows, ("media_id", "accept")):
        item = Item(label, ANSWER_INVITE, given=_given(record["media_id"]))

        def fill(r: Mapping[str, Any] = record, i: Item = item) -> None:
            i.target = check_id(r["media_id"], "media")
            i.flag = check_flag(r["accept"], "accept")

        _checked(item, fill)
        items.append(item)
    return items


def plan_delete(table: str, ids: Any) -> list[Item]:
    family = _family(table)
    if family == "invites":
        raise UsageError(
            "Collaboration invites are answered, not deleted: update('CollaborationInvites', "
            "[{'media_id': ..., 'accept': False}]) declines one."
        )
    kind, what = (DELETE_COMMENT, "comment") if family == "comments" else (DELETE_MEDIA, "media")
    items = []
    for label, value in _ids(ids):
        item = Item(label, kind, given=_given(value))
        _checked(item, lambda v=value, i=item: setattr(i, "target", check_id(v, what)))
        items.append(item)
    return items


def _fill_text(item: Item, record: Mapping[str, Any], key: str, what: str) -> None:
    item.target = check_id(record[key], what)
    item.text = check_text(record["text"])


def _checked(item: Item, fill: Any) -> None:
    try:
        fill()
    except UsageError as exc:
        item.fail(exc)


def _family(table: str) -> str:
    family = _TABLES.get(str(table).lower())
    if family is None:
        raise UsageError(
            "instapd writes the tables Comments, Replies, IGMedia and CollaborationInvites, "
            f"not {table!r}."
        )
    return family


def _records(rows: Any, needed: tuple[str, ...]) -> list[tuple[Hashable, dict[str, Any]]]:
    """(label, row) pairs with canonical column names; a missing column is a UsageError."""
    if isinstance(rows, Mapping):
        rows = [rows]
    if isinstance(rows, pd.DataFrame):
        renamed = rows.rename(columns=lambda c: _ALIASES.get(_squash(c), c))
        records = [{str(k): v for k, v in r.items()} for r in renamed.to_dict("records")]
        pairs: list[tuple[Hashable, dict[str, Any]]] = list(
            zip(renamed.index, records, strict=True)
        )
        columns = set(renamed.columns)
    elif isinstance(rows, Iterable) and not isinstance(rows, str | bytes):
        pairs = []
        for position, record in enumerate(rows):
            if not isinstance(record, Mapping):
                raise UsageError(f"Row {position} is not a dict; pass dicts or a DataFrame.")
            pairs.append(
                (position, {_ALIASES.get(_squash(k), str(k)): v for k, v in record.items()})
            )
        columns = {name for _, record in pairs for name in record} if pairs else set(needed)
    else:
        raise UsageError("Pass the rows as a DataFrame or a list of dicts.")
    missing = [n for n in needed if n not in columns]
    if missing:
        raise UsageError(
            f"The rows need the columns {', '.join(needed)}; missing: {', '.join(missing)}."
        )
    for _, record in pairs:
        for name in needed:
            record.setdefault(name, None)
    return pairs


def _ids(ids: Any) -> list[tuple[Hashable, Any]]:
    if isinstance(ids, pd.DataFrame):
        if "id" not in ids.columns:
            raise UsageError("A DataFrame of ids needs an id column.")
        ids = ids["id"]
    if isinstance(ids, pd.Series):
        return list(ids.items())
    if isinstance(ids, str | int):
        return [(0, ids)]
    if isinstance(ids, Iterable):
        return list(enumerate(ids))
    raise UsageError("Pass the ids as a list, a Series, or a DataFrame with an id column.")


def _given(value: Any) -> str | None:
    missing = value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))
    return None if missing else str(value)


def _squash(name: Any) -> str:
    return str(name).lower().replace("_", "")
