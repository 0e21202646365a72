"""The default snapshot keeps what Meta forgets: online followers past 30 days, demographics as
a time series, the tagged media, the stories' insights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import instapd
from instapd.sandbox import Sandbox
from instapd.snapshots import DEFAULT_TABLES
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
