"""``tables()`` and ``describe()``: the catalog as DataFrames."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..catalog import TABLES, get_table
from ..catalog.schemes import table_schemes
from ..config import Config
from ..connection.views import user_views
from ..frames import DTYPES

if TYPE_CHECKING:
    from ..connection import BaseConnection

_UNIVERSAL = "account, columns, since, until, limit"


def tables(connection: BaseConnection | None = None) -> pd.DataFrame:
    """One row per table: name, kind, description, required scopes, filters, and the
    ``AuthScheme`` values it works with (``schemes``). The ``UserDefinedViews`` of
    ``connection`` (else of the environment's properties) follow, of kind ``user view``.

    >>> tables().set_index("name").loc["Comments", "filters"]
    'media_id'
    """
    rows = [
        {
            "name": t.name,
            "kind": t.kind,
            "description": t.description,
            "scopes": ", ".join(t.scopes),
            "filters": ", ".join(f.name for f in t.filters),
            "time_column": t.time_column,
            "schemes": ", ".join(table_schemes(t.name)),
        }
        for t in TABLES.values()
    ]
    config = connection.config if connection is not None else Config.from_properties()
    rows += [
        {
            "name": v.name,
            "kind": "user view",
            "description": v.query,
            "scopes": "",
            "filters": "",
            "time_column": None,
            "schemes": "",
        }
        for v in user_views(config).values()
    ]
    return pd.DataFrame(rows).astype("string")


def describe(table: str) -> pd.DataFrame:
    """One row per column of ``table``: name, dtype, description and the Graph field it reads.

    The table's own facts (kind, scopes, filters, notes) are in ``.attrs``.

    >>> describe("media").set_index("column").loc["like_count", "dtype"]
    'Int64'
    """
    entry = get_table(table)
    frame = pd.DataFrame(
        [
            {
                "column": c.name,
                "dtype": str(DTYPES[c.type]),
                "description": c.description,
                "graph_field": ".".join(c.path) if c.path else "(instapd)",
            }
            for c in entry.columns
        ]
    ).astype("string")
    frame.attrs["instapd"] = {
        "table": entry.name,
        "kind": entry.kind,
        "description": entry.description,
        "scopes": list(entry.scopes),
        "schemes": list(table_schemes(entry.name)),
        "filters": {f.name: f.description for f in entry.filters},
        "time_column": entry.time_column,
        "notes": entry.notes,
        "every_table_takes": _UNIVERSAL,
    }
    return frame


def tables_markdown() -> str:
    """The README's table list, generated from the catalog so it cannot drift."""
    lines = ["| table | kind | what it holds |", "|---|---|---|"]
    lines += [f"| `{t.name}` | {t.kind} | {t.description} |" for t in TABLES.values()]
    return "\n".join(lines)


def scopes_markdown() -> str:
    """The Meta app guide's scope table, generated from the catalog so it cannot drift."""
    lines = ["| table | permissions it needs |", "|---|---|"]
    lines += [f"| `{t.name}` | {', '.join(t.scopes) or 'none'} |" for t in TABLES.values()]
    return "\n".join(lines)
