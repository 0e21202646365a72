"""``UserDefinedViews``: a JSON file of named SQL queries, as CData's connectors read it::

    {"RecentReels": {"query": "SELECT id, caption FROM Media WHERE media_product_type = 'REELS'"}}

Each name becomes a view: ``read_instagram("RecentReels")``, ``tables()`` and SQL
(``SELECT * FROM RecentReels``) all know it. A view may not take a catalog table's name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..catalog import TABLES
from ..config import Config
from ..errors import UsageError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class UserView:
    """One user-defined view: its name and its SELECT."""

    name: str
    query: str


def user_views(config: Config) -> dict[str, UserView]:
    """The views of ``config``'s ``UserDefinedViews`` file, by lower-case name (none unset)."""
    if not config.user_defined_views:
        return {}
    path = Path(config.user_defined_views).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"UserDefinedViews names {str(path)!r}, which does not exist: give the path of a "
            'JSON file such as {"MyView": {"query": "SELECT ..."}}.'
        ) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"UserDefinedViews {str(path)!r} is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(
            f'UserDefinedViews {str(path)!r} must hold an object: {{"MyView": {{"query": ...}}}}.'
        )
    views: dict[str, UserView] = {}
    for name, entry in data.items():
        query = entry.get("query") if isinstance(entry, dict) else None
        if not isinstance(query, str) or not query.strip():
            raise UsageError(
                f'The view {name!r} in UserDefinedViews needs a "query": "SELECT ...".'
            )
        if not _NAME.match(name):
            raise UsageError(f"The view name {name!r} must be letters, digits and underscores.")
        if name.lower() in TABLES:
            raise UsageError(
                f"The view {name!r} in UserDefinedViews takes the name of a table; rename it."
            )
        views[name.lower()] = UserView(name, query.strip().rstrip(";"))
    return views
