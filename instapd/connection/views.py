"""``UserDefinedViews``: a JSON file of named SQL queries, as CData's connectors read it::

    {"RecentReels": {"query": "SELECT id, caption FROM Media WHERE media_product_type = 'REELS'"}}

Each name becomes a view: ``read_instagram("RecentReels")``, ``tables()`` and SQL
(``SELECT * FROM RecentReels``) all know it. A view may not take a catalog table's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import TABLES
from ..config import Config
from ..errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from .core import BaseConnection

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


#: Runs SQL for a user-defined view. The SQL engine sits above this module, so the public
#: package (instapd/__init__) passes it down with :func:`use_view_runner`.
_view_runner: Callable[[str, BaseConnection], pd.DataFrame] | None = None


def use_view_runner(runner: Callable[[str, BaseConnection], pd.DataFrame]) -> None:
    """Give ``read_instagram`` the function that runs a user-defined view's query."""
    global _view_runner
    _view_runner = runner


def read_view(
    view: UserView,
    connection: BaseConnection,
    columns: Sequence[str] | None = None,
    limit: int | None = None,
    since: Any = None,
    until: Any = None,
    filters: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """A user-defined view (``UserDefinedViews``): its query's rows, ``columns`` and ``limit``
    applied; time ranges and filters belong in the view's own WHERE."""
    if since is not None or until is not None or filters:
        raise UsageError(
            f"{view.name} is a user-defined view: put time ranges and filters in its query "
            "(or in SQL over it); read_instagram takes only columns= and limit= for it."
        )
    if _view_runner is None:
        raise UsageError("User-defined views need the SQL engine: import instapd first.")
    frame = _view_runner(view.query, connection)
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise UsageError(
                f"The view {view.name} has no column {missing[0]!r}; it has "
                + ", ".join(map(str, frame.columns))
            )
        frame = frame[list(columns)]
    if limit is not None:
        frame = frame.head(limit)
    frame.attrs["instapd"] = {**frame.attrs.get("instapd", {}), "table": view.name}
    return frame
