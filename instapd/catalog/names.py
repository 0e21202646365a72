"""CData's column names (``ColumnNames=CData``) and CData's former table names. Data only.

Under ``ColumnNames=CData`` a column is named as CData's Instagram data model documents it
(Comments: ``Id``, ``Text``, ``MediaId``, ``Created``, ...). ``CDATA_COLUMNS`` holds the names
CData documents; every other column takes the same name in PascalCase (``comments_count`` ->
``CommentsCount``), which is CData's pattern. ``docs/cdata-names.md`` lists the result.
"""

from __future__ import annotations

from typing import Any

from .base import Table
from .tables import TABLE_ALIASES, TABLES, get_table

#: A comment's and a reply's columns, named alike by CData.
_COMMENT_COLUMNS = {
    "text": "Text",
    "timestamp": "Created",
    "username": "Username",
    "like_count": "Likes",
    "hidden": "Hidden",
    "from_id": "UserId",
}

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
    "Comments": dict(_COMMENT_COLUMNS),
    "Replies": dict(_COMMENT_COLUMNS),
    "Media": {
        "like_count": "LikesCount",
        "timestamp": "Created",
        "permalink": "Link",
    },
    "IGMedia": {"permalink": "PermanentURL", "ig_id": "IGId"},
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


def pascal(name: str) -> str:
    """``comments_count`` -> ``CommentsCount``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def column_names(table: Table, naming: str = "Graph") -> dict[str, str]:
    """instapd's column name -> the name under ``naming`` (``Graph``: the same)."""
    if naming.lower() != "cdata":
        return {c.name: c.name for c in table.columns}
    common, own = CDATA_COLUMNS["*"], CDATA_COLUMNS.get(table.name, {})
    return {c.name: own.get(c.name) or common.get(c.name) or pascal(c.name) for c in table.columns}


def to_graph(table: Table, naming: str, name: str) -> str:
    """instapd's name for a column or filter written under either naming (any case for CData)."""
    if naming.lower() != "cdata" or name in table.column_names:
        return name
    lowered = {shown.lower(): graph for graph, shown in column_names(table, naming).items()}
    graph = lowered.get(name.lower())
    if graph is None:
        graph = next((f.name for f in table.filters if f.name.lower() == name.lower()), name)
    return graph


def markdown() -> str:
    """``docs/cdata-names.md``: every table's columns under both namings."""
    lines = [
        "# CData's names",
        "",
        "With the connection property `ColumnNames=CData` (or `INSTAPD_COLUMN_NAMES=CData`),",
        "frames and SQL use the column names of CData's Instagram connector instead of the Graph",
        "API's field names. Filters and `columns=` take either name. CData's former table names",
        "are accepted too:",
        "",
        "| former CData name | today's table |",
        "|---|---|",
        *(f"| `{old}` | `{new}` |" for old, new in TABLE_ALIASES.items()),
        "",
        "This page is generated from `instapd/catalog/names.py`; a test checks that it is current.",
    ]
    for table in TABLES.values():
        shown = column_names(table, "CData")
        lines += ["", f"## {table.name}", "", "| Graph (default) | CData |", "|---|---|"]
        lines += [f"| `{c.name}` | `{shown[c.name]}` |" for c in table.columns]
    return "\n".join(lines) + "\n"


def graph_names(
    table_name: str, naming: str, columns: Any, filters: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """``columns=`` and filter keywords written under ``naming``, in instapd's names."""
    table = get_table(table_name)
    if columns is not None:
        columns = [
            to_graph(table, naming, c) for c in ([columns] if isinstance(columns, str) else columns)
        ]
    return columns, {to_graph(table, naming, k): v for k, v in filters.items()}


def with_names(frame: Any, table: Table, naming: str) -> Any:
    """A frame with its columns renamed to ``naming``'s (``attrs`` kept)."""
    renamed = frame.rename(columns=column_names(table, naming))
    renamed.attrs = frame.attrs
    return renamed
