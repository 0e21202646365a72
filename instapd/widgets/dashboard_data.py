"""The dashboard as plain data: an account's daily insights over a date range, and its best
media of the range by a media metric."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from ..catalog import get_table
from ..connection import BaseConnection
from ..errors import UsageError
from ..io import read

#: Daily account metrics (``metric_type=total_value``, one value per day). ``follower_count``
#: is time_series only, so it is not offered beside them.
DAILY_METRICS = tuple(
    m
    for m in next(f for f in get_table("AccountInsights").filters if f.name == "metrics").choices
    or ()
    if m != "follower_count"
)
DEFAULT_METRICS = ("reach", "views", "likes")
#: Meta answers at most 30 days per request; instapd splits longer ranges itself.
MAX_DAYS = 90


def check_range(since: date, until: date) -> None:
    if until < since:
        raise UsageError(f"The range ends ({until}) before it starts ({since}); swap them.")
    if (until - since).days > MAX_DAYS:
        raise UsageError(
            f"Meta keeps account insights for {MAX_DAYS} days; choose a range of at most "
            f"{MAX_DAYS} days (this one has {(until - since).days})."
        )


def daily(
    connection: BaseConnection,
    account: str,
    since: date,
    until: date,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
) -> pd.DataFrame:
    """One row per day (``day``, the Pacific day the value covers) and a column per metric.

    A day's value has ``end_time`` at the next Pacific midnight (07:00/08:00 UTC), so the read
    runs two days past ``until`` and the days outside the range are dropped."""
    check_range(since, until)
    unknown = [m for m in metrics if m not in DAILY_METRICS]
    if unknown or not metrics:
        raise UsageError(
            f"Choose daily metrics from {', '.join(DAILY_METRICS)}; not {', '.join(unknown)}."
        )
    frame = read(connection, "AccountInsights", account=account, since=since,
                 until=until + timedelta(days=2), metrics=list(metrics),
                 metric_type="total_value", progress=False)  # fmt: skip
    ends = pd.to_datetime(frame["end_time"], utc=True).dt.tz_convert("America/Los_Angeles")
    out = pd.DataFrame({"day": (ends - timedelta(days=1)).dt.date})
    for metric in metrics:
        out[metric] = frame[metric].astype("Float64") if metric in frame else pd.NA
    out = out[(out["day"] >= since) & (out["day"] <= until)]
    return out.groupby("day", as_index=False).sum(min_count=1)


def best_media(
    connection: BaseConnection,
    account: str,
    since: date,
    until: date,
    metric: str = "reach",
    count: int = 5,
) -> pd.DataFrame:
    """The ``count`` media posted in the range with the highest lifetime ``metric``."""
    check_range(since, until)
    media = read(connection, "Media", account=account, since=since,
                 until=until + timedelta(days=1), progress=False)  # fmt: skip
    if media.empty:
        return media.assign(**{metric: pd.Series(dtype="Float64")})
    ids = [str(i) for i in media["id"]]
    insights = read(connection, "MediaInsights", account=account, media_id=ids,
                    metrics=[metric], progress=False, on_error="report")  # fmt: skip
    values = dict(zip(insights["media_id"].astype(str), insights[metric], strict=True))
    ranked = media.assign(**{metric: media["id"].astype(str).map(values).astype("Float64")})
    ranked = ranked.sort_values(metric, ascending=False, na_position="last").head(count)
    out = ranked.reset_index(drop=True)
    out.attrs = media.attrs
    return out
