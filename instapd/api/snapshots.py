"""``snapshot`` and ``history``: the snapshot dataset, written and read back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .connection import default_connection

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..connection import BaseConnection
    from ..readers.query import TimeLike

__all__ = ["history", "snapshot"]


def snapshot(
    tables: str | Sequence[str] | None = None,
    *,
    accounts: str | list[str] = "all",
    connection: BaseConnection | None = None,
    location: str | Path | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read ``tables`` (by default Stories, StoryInsights, Media, MediaInsights, the last 2 days
    of AccountInsights and InstagramBusinessProfile) for each of ``accounts`` and append them to
    the snapshot dataset at ``location`` (property ``SnapshotLocation``, env
    ``INSTAPD_SNAPSHOT_DIR``, by default a folder in the user's data directory).

    The dataset is Hive-partitioned Parquet,
    ``table=<Table>/account=<id>/date=<YYYY-MM-DD>/<run id>.parquet``; every row has
    ``snapshot_at`` (UTC). Returns one row per table and account: ``table``, ``account``,
    ``rows``, ``path``, ``status``, ``error``, ``run``. A run that was killed goes on where it
    stopped the next time the same snapshot is asked for (``resume=False`` starts afresh; ``run=``
    names a run). ``workers``: accounts read at a time (default 4); ``at``: the time to stamp.
    """
    from ..snapshots import snapshot as take

    return take(
        connection or default_connection(), tables, accounts=accounts, location=location, **options
    )


def history(
    table: str,
    *,
    location: str | Path | None = None,
    accounts: str | list[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
) -> pd.DataFrame:
    """Every snapshot of ``table`` (see :func:`snapshot`), typed as :func:`read_instagram`'s
    frames plus ``snapshot_at``; ``since`` and ``until`` bound ``snapshot_at``. Columns added
    later (a new metric) are ``<NA>`` in older snapshots. ``df.ig.growth("reach")`` shows each
    post's growth by hours since posting."""
    from ..snapshots import history as read_back

    return read_back(table, location=location, accounts=accounts, since=since, until=until)
