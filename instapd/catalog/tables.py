"""Every table of the catalog by lower-cased name, and the lookup that also knows CData's former
table names."""

from __future__ import annotations

import difflib

from ..errors import UnknownTableError
from . import accounts, comments, discovery, insights, media
from .base import Table
from .history import HISTORY_TABLES

#: CData's former table names (builds 23 and 24) -> today's.
TABLE_ALIASES: dict[str, str] = {
    "AccountFollowersNonfollowers": "AccountFollowType",
    "MediaInsightReels": "MediaInsightsReels",
}

#: What a snapshot reads when no tables are named: what Meta forgets or keeps only as of now. The
#: one list: ``health()`` checks these tables' scopes and the dlt source loads them by default.
SNAPSHOT_TABLES = (
    "Stories",
    "StoryInsights",
    "Media",
    "MediaInsights",
    "AccountInsights",  # daily reach and follower_count, the last 2 days of each run
    "InstagramBusinessProfile",
    "OnlineFollowers",  # Meta keeps 30 days; history keeps every run's
    "AudienceInsights",  # demographics as of now only: history makes them a time series
    "Tags",  # media others tagged the account in, which their owners may delete
)

TABLES: dict[str, Table] = {}
for _module in (accounts, media, comments, insights, discovery):
    for _table in _module.TABLES:
        TABLES[_table.name.lower()] = _table


def get_table(name: str) -> Table:
    """The entry for ``name`` (any case); an unknown name lists the close matches."""
    table = TABLES.get(str(name).lower())
    if table is None:  # CData's former names
        former = {k.lower(): v for k, v in TABLE_ALIASES.items()}.get(str(name).lower())
        table = TABLES.get(former.lower()) if former else None
    if table is None:
        only = HISTORY_TABLES.get(str(name).lower())
        if only is not None:
            raise UnknownTableError(
                f"{only.name} is kept only in the snapshot history, by the webhook receiver: "
                f'read it with instapd.history("{only.name}").'
            )
        names = [t.name for t in TABLES.values()]
        close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
        close += [n for n in names if str(name).lower() in n.lower() and n not in close]
        hint = f" Did you mean {', '.join(close[:3])}?" if close else ""
        raise UnknownTableError(
            f"Unknown table {name!r}.{hint} instapd.tables() lists all {len(names)} tables."
        )
    return table


def history_table(name: str) -> Table:
    """A history-only table (``WebhookEvents``...) or, failing that, a catalog table."""
    found = HISTORY_TABLES.get(str(name).lower())
    if found is not None:
        return found
    try:
        return get_table(name)
    except UnknownTableError as exc:
        only = ", ".join(t.name for t in HISTORY_TABLES.values())
        raise UnknownTableError(f"{exc.args[0]} History also keeps {only}.") from None
