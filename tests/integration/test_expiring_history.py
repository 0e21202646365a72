"""The default snapshot keeps what Meta forgets: online followers past 30 days, demographics as
a time series, the tagged media, the stories' insights."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

import instapd
from instapd.sandbox import Sandbox
from instapd.snapshots import DEFAULT_TABLES
from instapd.widgets.besttime_data import online_grid
from tests.support import sandbox_connection


def test_the_default_snapshot_keeps_online_followers_and_demographics_over_time(
    tmp_path: Path,
) -> None:
    for table in ("OnlineFollowers", "AudienceInsights", "Tags", "StoryInsights"):
        assert table in DEFAULT_TABLES
    with Sandbox(accounts=1, media_per_account=(3,)) as box:
        connection = sandbox_connection(box)
        first = instapd.snapshot(connection=connection, location=tmp_path, at=box.now)
        live = instapd.read_instagram("OnlineFollowers", connection=connection, cache=False)
        tagged = instapd.read_instagram("Tags", connection=connection, cache=False)
        second = instapd.snapshot(
            connection=connection, location=tmp_path, at=box.now + pd.Timedelta(days=1)
        )
    assert (first["status"] == "written").all()
    assert (second["status"] == "written").all()
    online = instapd.history("OnlineFollowers", location=tmp_path)
    assert len(online) == 2 * len(live) > 0, "each run keeps Meta's 30-day window"
    assert online["snapshot_at"].nunique() == 2
    assert list(online.columns) == [*live.columns, "snapshot_at"]
    tags = instapd.history("Tags", location=tmp_path)
    assert len(tags) == 2 * len(tagged) > 0
    audience = instapd.history("AudienceInsights", location=tmp_path)
    assert audience["snapshot_at"].nunique() == 2, "demographics at two times"
    assert set(audience["metric"]) >= {"follower_demographics"}


def test_daily_snapshots_keep_more_than_30_days_of_online_followers(tmp_path: Path) -> None:
    # over loopback HTTP: the sandbox's Date header is its own clock, which advance() moves
    with Sandbox(accounts=1, media_per_account=(3,)) as box:
        connection = instapd.connect(GraphURL=box.url, OAuthAccessToken=box.token, Cache=False)
        first_day = box.now
        for _ in range(36):  # a snapshot a day for 36 sandbox days
            summary = instapd.snapshot(["OnlineFollowers"], connection=connection,
                                       location=tmp_path, at=box.now)  # fmt: skip
            assert (summary["status"] == "written").all()
            box.advance(days=1)
        last_day = box.now - pd.Timedelta(days=1)
    online = instapd.history("OnlineFollowers", location=tmp_path)
    days = online["end_time"].dt.normalize().drop_duplicates()
    assert online["snapshot_at"].nunique() == 36
    assert len(days) > 30 + 30, "each day's window is the sandbox's last 30 days"
    assert days.max() > last_day - pd.Timedelta(days=2), "the newest days are the sandbox's"
    assert days.min() < first_day - pd.Timedelta(days=28)
    kept = online.sort_values("snapshot_at").drop_duplicates(["end_time", "hour"], keep="last")
    grid = online_grid(kept, ZoneInfo("Europe/Paris"))  # what BestTime draws
    per_weekday = kept.assign(day=kept["end_time"].dt.normalize())["day"].nunique() / 7
    assert grid.notna().all().all()
    assert per_weekday > 8, "each weekday's mean comes from more than Meta's 30 days"
