"""``snapshot`` and ``history``: the snapshot dataset, written and read back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import UsageError, warn
from .connection import default_connection

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..connection import BaseConnection
    from ..readers.query import TimeLike

__all__ = ["benchmark", "history", "snapshot"]


def snapshot(
    tables: str | Sequence[str] | None = None,
    *,
    account: str | list[str] = "all",
    connection: BaseConnection | None = None,
    location: str | Path | None = None,
    accounts: str | list[str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read ``tables`` (by default Stories, StoryInsights, Media, MediaInsights, the last 2 days
    of AccountInsights, InstagramBusinessProfile, OnlineFollowers, AudienceInsights and Tags:
    what Meta forgets or keeps only as of now) for each ``account`` (an id or username, a
    list of them, or ``"all"``, the default) and append them to the snapshot dataset at
    ``location`` (property ``SnapshotLocation``, env ``INSTAPD_SNAPSHOT_DIR``, by default a
    folder in the user's data directory).

    The dataset is Hive-partitioned Parquet,
    ``table=<Table>/date=<YYYY-MM-DD>/<run id>-<accounts>.parquet``, one file per table for
    each group of up to 50 accounts read together; every row has ``business_account_id`` and
    ``snapshot_at`` (UTC). Returns one row per table and account: ``table``, ``account``,
    ``rows``, ``path`` (the group's file), ``status``, ``error``, ``run``. A run that was
    killed goes on where it stopped the next time the same snapshot is asked for
    (``resume=False`` starts afresh; ``run=`` names a run). ``workers``: accounts read at a
    time (default 4); ``at``: the time to stamp. ``accounts=`` is the former name of ``account=``.
    ``competitors=["username", ...]`` keeps those accounts' ``BusinessDiscovery`` and
    ``BusinessDiscoveryMedia`` (the last 90 days of posts) too, read through the first account;
    :func:`benchmark` compares them.
    """
    from ..snapshots import snapshot as take

    chosen = _renamed(account, accounts, "all")
    return take(
        connection or default_connection(), tables, accounts=chosen, location=location, **options
    )


def history(
    table: str,
    *,
    location: str | Path | None = None,
    account: str | list[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
    accounts: str | list[str] | None = None,
) -> pd.DataFrame:
    """Every snapshot of ``table`` (see :func:`snapshot`), typed as :func:`read_instagram`'s
    frames plus ``snapshot_at``; ``since`` and ``until`` bound ``snapshot_at``. Columns added
    later (a new metric) are ``<NA>`` in older snapshots. ``df.ig.growth("reach")`` shows each
    post's growth by hours since posting. ``account``: an id or username, or a list (default:
    every account); ``accounts=`` is its former name."""
    from ..snapshots import history as read_back

    chosen = _renamed(account, accounts, None)
    return read_back(table, location=location, accounts=chosen, since=since, until=until)


def benchmark(
    competitors: str | Sequence[str], *, location: str | Path | None = None
) -> pd.DataFrame:
    """One typed row per username of ``competitors``, from their snapshots
    (``snapshot(competitors=[...])``) at ``location``: follower growth over the snapshots' span
    (absolute, per day, per week), engagement per follower, posts per week and the share of
    IMAGE, VIDEO, REELS and CAROUSEL_ALBUM. ``status`` is ``ok``, ``one snapshot``, ``not
    visible`` (Business Discovery could not see the username; ``error`` says why) or ``no
    history``. Raises :class:`~instapd.errors.NoSnapshotsError` when no competitor was ever
    snapshotted there."""
    from ..snapshots import benchmark as compare

    return compare(competitors, location=location)


def _renamed(account: Any, accounts: Any, default: Any) -> Any:
    """``account=``, or the former ``accounts=`` with a FutureWarning; never both."""
    if accounts is None:
        return account
    if account != default:
        raise UsageError("Pass account= (one account or a list), not both account= and accounts=.")
    warn(
        "accounts= is now account= (one account or a list); accounts= will be removed.",
        FutureWarning,
    )
    return accounts
