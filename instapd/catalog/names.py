"""CData's column names (``ColumnNames=CData``) and CData's former table names. Data only.

Under ``ColumnNames=CData`` a column is named as CData's Instagram data model documents it
(Comments: ``Id``, ``Text``, ``MediaId``, ``Created``, ...). ``CDATA_COLUMNS`` holds the names
CData documents; every other column takes the same name in PascalCase (``comments_count`` ->
``CommentsCount``), which is CData's pattern. ``docs/cdata-names.md`` lists the result.
"""

from __future__ import annotations

from .base import Table

NAMINGS = ("Graph", "CData")

#: CData's names for the columns whose CData name is not PascalCase of instapd's (or that CData
#: documents explicitly), by table; the ``*`` entry applies to every table.
CDATA_COLUMNS: dict[str, dict[str, str]] = {
    "*": {
        "business_account_id": "InstagramBusinessAccountId",
        "id": "Id",
        "media_id": "MediaId",
        "comment_id": "CommentId",
        "shortcode": "ShortCode",
        "media_url": "MediaUrl",
        "thumbnail_url": "ThumbnailUrl",
        "ig_id": "IGId",
        "end_time": "EndTime",
        "start_time": "StartDate",
    },
    "Comments": {
        "text": "Text",
        "timestamp": "Created",
        "username": "Username",
        "like_count": "Likes",
        "hidden": "Hidden",
        "from_id": "UserId",
    },
    "Replies": {
        "text": "Text",
        "timestamp": "Created",
        "username": "Username",
        "like_count": "Likes",
        "hidden": "Hidden",
        "from_id": "UserId",
    },
    "Media": {
        "like_count": "LikesCount",
        "timestamp": "Created",
        "permalink": "Link",
    },
    "IGMedia": {"permalink": "PermanentURL"},
    "InstagramBusinessProfile": {
        "id": "InstagramBusinessAccountId",
        "business_account_id": "ConnectedAccountId",
        "username": "UserName",
        "name": "FullName",
        "biography": "Bio",
    },
    "InstagramPages": {"business_account_id": "ConnectedAccountId"},
    "AudienceInsights": {"value": "TotalAudience"},
}

#: CData's former table names (builds 23 and 24) -> today's.
TABLE_ALIASES: dict[str, str] = {
    "AccountFollowersNonfollowers": "AccountFollowType",
    "MediaInsightReels": "MediaInsightsReels",
}


def pascal(name: str) -> str:
    """``comments_count`` -> ``CommentsCount``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def column_names(table: Table, naming: str = "Graph") -> dict[str, str]:
    """instapd's column name -> the name under ``naming`` (``Graph``: the same)."""
    if naming.lower() != "cdata":
        return {c.name: c.name for c in table.columns}
    common, own = CDATA_COLUMNS["*"], CDATA_COLUMNS.get(table.name, {})
    return {c.name: own.get(c.name) or common.get(c.name) or pascal(c.name) for c in table.columns}
