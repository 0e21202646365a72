"""When to post, as plain data: followers online by weekday and hour, engagement by posting
hour, and the best slots in words, all in the account's own time zone.

``online_followers`` gives, per day, a count for each hour ``"0"``-``"23"``; the day ends at
midnight US-Pacific (``end_time`` ``T07:00``/``T08:00`` UTC). Meta does not document the zone of
the hour keys; instapd reads them as US-Pacific hours of that day (``SOURCE_ZONE``), which is
what the day boundary says. Each (day, hour) is moved to the wanted zone before it is binned, so
a cell can move to the next or previous weekday. Cells are averages over the days seen, not
sums. Engagement by hour is likes + comments per post, averaged over the posts made in it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from ..errors import UsageError

SOURCE_ZONE = "America/Los_Angeles"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zone(name: str | tzinfo | None) -> tzinfo:
    """A time zone by IANA name (``"Europe/Berlin"``), as given, or the user's own (``None``)."""
    if name is None:
        return local_zone()
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"{name!r} is not a time zone name; use an IANA name such as 'Europe/Berlin'."
        ) from exc


def local_zone() -> ZoneInfo:
    """The user's own IANA zone (``TZ``, else the system's, as tzlocal finds it); UTC when it
    cannot be told, with no error: a best-time chart in UTC beats none."""
    try:
        import tzlocal

        with warnings.catch_warnings():  # tzlocal warns about odd setups; UTC is the answer then
            warnings.simplefilter("ignore")
            name = tzlocal.get_localzone_name()
        return ZoneInfo(name or "UTC")
    except Exception:  # no tzlocal, no zone configured, or a name zoneinfo does not know
        return ZoneInfo("UTC")


def zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or datetime.now(tz).tzname() or tz)


def newest_online(online: pd.DataFrame) -> pd.DataFrame:
    """An OnlineFollowers frame with each (account, day, hour) once: the newest snapshot's
    value where a history kept it several times (a frame without ``snapshot_at`` as it is)."""
    missing = {"end_time", "hour", "value"} - set(online.columns)
    if missing:
        raise UsageError(
            f"online= takes an OnlineFollowers frame (end_time, hour, value); this one lacks "
            f"{', '.join(sorted(missing))}. Pass instapd.history('OnlineFollowers', account=...)."
        )
    if "snapshot_at" not in online.columns:
        return online
    keys = [c for c in ("business_account_id", "end_time", "hour") if c in online.columns]
    newest = online.sort_values("snapshot_at", kind="stable").drop_duplicates(keys, keep="last")
    return newest.sort_values(keys, kind="stable").reset_index(drop=True)


def of_account(online: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """The rows of one account (all of them when the frame names no account)."""
    if "business_account_id" not in online.columns:
        return online
    return online[online["business_account_id"].astype(str) == account_id]


def online_grid(online: pd.DataFrame, tz: tzinfo) -> pd.DataFrame:
    """Mean followers online: 7 rows (Monday first) x 24 columns (hours in ``tz``); NaN where
    no day gave a value. ``online`` is an OnlineFollowers frame (end_time, hour, value)."""
    frame = online.dropna(subset=["end_time", "hour", "value"])
    source = ZoneInfo(SOURCE_ZONE)
    days = pd.to_datetime(frame["end_time"], utc=True).dt.tz_convert(source) - timedelta(days=1)
    starts = days.dt.normalize()  # the Pacific day the counts belong to
    moments = starts + pd.to_timedelta(frame["hour"].astype(int), unit="h")
    local = moments.dt.tz_convert(tz)
    cells = pd.DataFrame(
        {
            "weekday": local.dt.day_of_week,
            "hour": local.dt.hour,
            "value": frame["value"].astype(float),
        }
    )
    grid = cells.pivot_table(index="weekday", columns="hour", values="value", aggfunc="mean")
    return grid.reindex(index=range(7), columns=range(24))


def engagement_by_hour(media: pd.DataFrame, tz: tzinfo) -> pd.DataFrame:
    """Per posting hour in ``tz`` (0-23): ``posts`` and mean ``engagement`` (likes + comments)."""
    frame = media.dropna(subset=["timestamp"])
    hours = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_convert(tz).dt.hour
    parts = [c for c in ("like_count", "comments_count") if c in frame.columns]
    engagement = frame[parts].astype("Float64").fillna(0).sum(axis=1).astype(float)
    table = pd.DataFrame({"hour": hours, "engagement": engagement}).groupby("hour")
    out = pd.DataFrame({"posts": table.size(), "engagement": table["engagement"].mean()})
    out = out.reindex(range(24))
    out["posts"] = out["posts"].fillna(0).astype(int)
    out.index.name = "hour"
    return out


@dataclass(frozen=True)
class Slot:
    weekday: int
    hour: int
    online: float

    def words(self, tz_name: str) -> str:
        return (
            f"{WEEKDAYS[self.weekday]}s {self.hour:02d}:00-{(self.hour + 1) % 24:02d}:00 "
            f"({tz_name}): {self.online:,.0f} followers online on average"
        )


def best_slots(grid: pd.DataFrame, count: int = 3) -> list[Slot]:
    """The ``count`` (weekday, hour) cells with the most followers online, best first."""
    values = grid.to_numpy(dtype=float)
    cells = [
        (float(values[day, hour]), day, hour)
        for day in range(values.shape[0])
        for hour in range(values.shape[1])
        if not math.isnan(values[day, hour])
    ]
    cells.sort(key=lambda cell: -cell[0])  # stable: ties keep Monday 00:00 order
    return [Slot(day, hour, value) for value, day, hour in cells[:count]]
