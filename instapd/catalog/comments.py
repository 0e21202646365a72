"""Comments on the account's media and replies to them."""

from __future__ import annotations

from .base import ACCOUNT_ID, Column, Filter, Hop, Table
from .media import MEDIA_SCOPES

COMMENT_SCOPES = (*MEDIA_SCOPES, "instagram_manage_comments")

_MEDIA_ID = Column("media_id", "id", "The media commented on", None)
_BODY = (
    Column("id", "id", "Comment id"),
    Column("text", "string", "Comment text"),
    Column("timestamp", "datetime", "When it was posted (UTC)"),
    Column("username", "string", "Commenter's username"),
    Column("like_count", "int", "Likes on the comment"),
    Column("hidden", "bool", "Whether the account hid it"),
    Column("from_id", "id", "Commenter's Instagram-scoped id", "from.id"),
    Column("from_username", "string", "Commenter's username", "from.username"),
)
_MEDIA_FILTER = Filter("media_id", "Media id(s): read only their comments")
_MEDIA_HOP = Hop("media", key="media_id")

TABLES = (
    Table(
        "Comments",
        "Top-level comments on the account's media (hidden ones included)",
        (ACCOUNT_ID, _MEDIA_ID, *_BODY),
        hops=(_MEDIA_HOP, Hop("comments", cap=50)),
        scopes=COMMENT_SCOPES,
        kind="table",
        filters=(_MEDIA_FILTER,),
        time_column="timestamp",
        notes="Without media_id every media item is walked; comments come inline with it.",
    ),
    Table(
        "Replies",
        "Replies to comments",
        (
            ACCOUNT_ID,
            _MEDIA_ID,
            Column("comment_id", "id", "The comment replied to", None),
            *_BODY,
            Column("parent_id", "id", "The parent comment's id, as the API reports it"),
        ),
        hops=(_MEDIA_HOP, Hop("comments", key="comment_id", cap=50), Hop("replies", cap=50)),
        scopes=COMMENT_SCOPES,
        kind="table",
        filters=(_MEDIA_FILTER, Filter("comment_id", "Comment id(s): read only their replies")),
        time_column="timestamp",
    ),
)
