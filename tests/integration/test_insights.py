"""Insights and discovery tables against the sandbox, including every refusal Meta makes."""

from __future__ import annotations

import itertools
import json
import time
import warnings
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
import requests

import instapd
from instapd.catalog import TABLES
from instapd.catalog.metrics import MEDIA_METRICS, media_metrics_for
from instapd.frames import DTYPES
from instapd.readers import SkippedWarning
from instapd.sandbox import Sandbox

INSIGHT_TABLES = {
    "AccountInsights": {},
    "AccountWithoutBreakdown": {},
    "AccountContactButtonType": {},
    "AccountFollowType": {},
    "AccountMediaProductType": {},
    "AccountTimeSeriesWithoutBreakdown": {"since": pd.Timestamp.now(tz="UTC") - timedelta(days=5)},
    "AccountTimeSeriesFollowType": {"since": pd.Timestamp.now(tz="UTC") - timedelta(days=5)},
    "AccountTimeSeriesMediaProductType": {"since": pd.Timestamp.now(tz="UTC") - timedelta(days=5)},
    "AudienceInsights": {},
    "OnlineFollowers": {},
    "MediaInsights": {},
    "MediaInsightsPost": {},
    "MediaInsightsPostAlbum": {},
    "MediaInsightsReels": {},
    "MediaInsightsStory": {},
    "StoryInsights": {},
    "HashtagSearch": {"hashtag": "coffee"},
    "HashtagTopMedia": {"hashtag": "#coffee"},
    "HashtagRecentMedia": {"hashtag": "food"},
    "RecentlySearchedHashtags": {},
    "BusinessDiscovery": {"username": "bluebottle"},
    "BusinessDiscoveryMedia": {"username": "nordic.roasters"},
    "ContentPublishingLimit": {},
    "LiveMedia": {},
}
RETIRED = [m.name for m in MEDIA_METRICS if m.retired_in]


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {k: str(v) for k, v in frame.dtypes.items()}


def _raw(sandbox: Sandbox, path: str, version: str = "v25.0", **params: Any) -> dict[str, Any]:
    response = requests.get(
        f"{sandbox.url}/{version}/{path}",
        params=params,
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=10,
    )
    return dict(response.json())


@pytest.mark.parametrize("table", list(INSIGHT_TABLES))
def test_every_table_reads_typed_rows(
    connection: instapd.Connection, account: str, table: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        if table == "RecentlySearchedHashtags":
            connection.read("HashtagSearch", account=account, hashtag="latteart")
        frame = connection.read(table, account=account, **INSIGHT_TABLES[table])
    assert len(frame) > 0
    expected = {c.name: str(DTYPES[c.type]) for c in TABLES[table.lower()].columns}
    assert _dtypes(frame) == expected
    assert (frame["business_account_id"] == account).all()


# -- account insights -----------------------------------------------------------------------


def _pacific_days(frame: pd.DataFrame) -> list[Any]:
    """The Pacific date each end_time closes (end_time is the next midnight)."""
    local = frame["end_time"].dt.tz_convert("America/Los_Angeles") - timedelta(hours=1)
    return list(local.dt.date)


@pytest.mark.parametrize("metric_type", ["time_series", "total_value"])
def test_eighty_five_days_every_day_exactly_once(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str, metric_type: str
) -> None:
    until = pd.Timestamp.now(tz="UTC").floor("D") - timedelta(days=3)
    since = until - timedelta(days=85)  # within the 90 days Meta keeps
    frame = connection.read(
        "AccountInsights", account=account, since=since, until=until, metric_type=metric_type
    )
    days = _pacific_days(frame)
    assert len(days) == len(set(days)) == 85
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))
    assert frame["end_time"].min() >= since
    assert frame["end_time"].max() < until
    assert frame["reach"].notna().all()
    if metric_type == "time_series":
        assert clean_sandbox.app.log[0].startswith("POST")  # windows go in one batch
        windows = [line for line in clean_sandbox.app.log if line.startswith("BATCH")]
        assert len(windows) == 3  # 85 days in windows of under 30
        age = pd.Timestamp.now(tz="UTC") - frame["end_time"]
        old, recent = age > timedelta(days=31), age < timedelta(days=29)
        assert frame.loc[old, "follower_count"].isna().all(), "Meta keeps 30 days of it"
        assert frame.loc[recent, "follower_count"].notna().all()
    else:
        assert frame["views"].notna().all()
        assert clean_sandbox.requests_served == 2  # 85 daily calls, 50 to a batch


def test_time_series_values_match_the_api(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    now = int(time.time())
    raw = _raw(clean_sandbox, f"{account}/insights", metric="reach", period="day",
               since=now - 10 * 86400, until=now)  # fmt: skip
    expected = {v["end_time"]: v["value"] for v in raw["data"][0]["values"]}
    frame = connection.read("AccountInsights", account=account, metrics=["reach"],
                            since=now - 10 * 86400 + 1, until=now + 1)  # fmt: skip
    got = {
        t.strftime("%Y-%m-%dT%H:%M:%S+0000"): v
        for t, v in zip(frame.end_time, frame.reach, strict=False)
    }
    assert got == expected


def test_a_weeks_reach_counts_people_once(connection: instapd.Connection, account: str) -> None:
    now = int(time.time())
    span = {"account": account, "metrics": ["reach"], "since": now - 40 * 86400, "until": now}
    daily = connection.read("AccountInsights", period="day", **span).set_index("end_time")
    for period, days in (("week", 7), ("days_28", 28)):
        window = connection.read("AccountInsights", period=period, **span).set_index("end_time")
        assert set(window["period"]) == {period}
        last = window.index.max()
        days_in = daily.loc[daily.index > last - pd.Timedelta(days=days), "reach"]
        assert days_in.max() < window.loc[last, "reach"] < days_in.sum()


def test_end_time_is_midnight_pacific(connection: instapd.Connection, account: str) -> None:
    frame = connection.read("AccountInsights", account=account)
    local = frame["end_time"].dt.tz_convert("America/Los_Angeles")
    assert (local.dt.hour == 0).all()
    assert set(frame["end_time"].dt.hour) <= {7, 8}


def test_breakdowns_are_rows_and_sum_to_the_total(
    connection: instapd.Connection, account: str
) -> None:
    totals = connection.read("AccountWithoutBreakdown", account=account, metrics=["reach"])
    by_follow = connection.read("AccountFollowType", account=account, metrics=["reach"])
    assert set(by_follow["follow_type"]) <= {"FOLLOWER", "NON_FOLLOWER", "UNKNOWN"}
    assert by_follow["value"].sum() == totals["value"].sum()


def test_audience_and_the_100_follower_rule(
    connection: instapd.Connection, clean_sandbox: Sandbox
) -> None:
    big, small = clean_sandbox.account_ids
    frame = connection.read("AudienceInsights", account=big, audience_type=["age,gender"])
    assert frame["age"].notna().all()
    assert frame["gender"].notna().all()
    assert frame["city"].isna().all()
    assert set(frame["timeframe"]) == {"this_month"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # under 100 followers Meta has no data: nothing refused
        empty = connection.read("AudienceInsights", account=small, on_error="raise")
    assert empty.empty
    assert list(empty.columns) == list(frame.columns)
    with pytest.raises(instapd.InvalidFilterError, match="this_month"):
        connection.read("AudienceInsights", account=big, timeframe="last_90_days")


def test_audience_asks_every_metric_in_one_call_per_audience_type(
    connection: instapd.Connection, clean_sandbox: Sandbox
) -> None:
    big = clean_sandbox.account_ids[0]
    start = len(clean_sandbox.app.log)
    frame = connection.read("AudienceInsights", account=big, audience_type=["age", "gender"])
    calls = [line for line in clean_sandbox.app.log[start:] if "/insights?" in line]
    assert len(calls) == 2, calls  # one per audience type, both metrics in each
    assert all("follower_demographics%2Cengaged_audience_demographics" in c for c in calls)
    # rows by metric, then audience type, as one call per metric and type would give them
    blocks = frame[["metric", "audience_type"]].drop_duplicates().values.tolist()
    assert blocks == [
        ["follower_demographics", "age"],
        ["follower_demographics", "gender"],
        ["engaged_audience_demographics", "age"],
        ["engaged_audience_demographics", "gender"],
    ]


def test_small_account_has_no_follower_metrics_and_no_refusal(
    connection: instapd.Connection, clean_sandbox: Sandbox
) -> None:
    small = clean_sandbox.account_ids[1]
    since = pd.Timestamp.now(tz="UTC") - timedelta(days=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        totals = connection.read("AccountInsights", account=small, metric_type="total_value",
                                 since=since, on_error="raise")  # fmt: skip
        daily = connection.read("AccountInsights", account=small, since=since, on_error="raise")
        online = connection.read("OnlineFollowers", account=small, on_error="raise")
    assert len(totals) >= 7  # 8 days back: 7 or 8 whole Pacific days
    assert totals["follows_and_unfollows"].isna().all()
    assert totals["reach"].notna().all()
    assert totals["views"].notna().all()
    assert len(daily) >= 7
    assert daily["follower_count"].isna().all()
    assert daily["reach"].notna().all()
    assert online.empty
    assert clean_sandbox.requests_served == 3  # one batch per read: nothing probed or re-asked


def test_online_followers_hours(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    start = len(clean_sandbox.app.log)
    frame = connection.read("OnlineFollowers", account=account)
    assert sorted(set(frame["hour"])) == list(range(24))
    assert frame.groupby("end_time").size().eq(24).all()
    assert frame["end_time"].nunique() >= 29, "the default 30 days"
    calls = [line for line in clean_sandbox.app.log[start:] if "/insights?" in line]
    assert len(calls) == 1, calls  # 30 days fit one call: (since, until] spans 30 days exactly


def test_online_followers_over_two_windows_gives_each_hour_once(
    connection: instapd.Connection, account: str
) -> None:
    since = pd.Timestamp.now(tz="UTC") - timedelta(days=45)  # two 30-day windows, a day shared
    frame = connection.read("OnlineFollowers", account=account, since=since)
    assert frame["end_time"].nunique() >= 28, "both windows were read (Meta keeps 30 days)"
    assert not frame.duplicated(["end_time", "hour"]).any()
    assert frame.groupby("end_time").size().eq(24).all()


# -- media insights -------------------------------------------------------------------------


def test_media_insights_one_row_per_media_with_valid_metrics(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    with pytest.warns(SkippedWarning, match="2108006"):
        frame = connection.read("MediaInsights", account=account)
    media = clean_sandbox.dataset[account].edges["media"]
    assert frame["media_id"].tolist() == media
    pre = {m for m in media if clean_sandbox.dataset[m].values.get("_pre_professional")}
    for row in frame.itertuples():
        valid = media_metrics_for("v25.0", row.media_product_type, row.media_type)
        for metric in ("reach", "saved", "ig_reels_avg_watch_time", "profile_visits"):
            has_value = not pd.isna(getattr(row, metric))
            assert has_value == (metric in valid and row.media_id not in pre), (row, metric)
    asked = [line for line in clean_sandbox.app.log if line.startswith("BATCH")]
    assert not any(f"{r}%2C" in line or f"metric={r}" in line for line in asked for r in RETIRED)
    assert clean_sandbox.requests_served <= 2 + 4 + 2  # listing, batches of 50, probe, re-ask


def test_a_retired_metric_names_its_replacement(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    with pytest.raises(instapd.InvalidFilterError, match=r"retired.*'views'"):
        connection.read("MediaInsights", account=account, metrics=["reach", "plays"])
    assert clean_sandbox.requests_served == 0


def test_story_with_few_viewers(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    with pytest.warns(SkippedWarning, match="Not enough viewers"):
        frame = connection.read("StoryInsights", account=account)
    assert frame["reach"].isna().sum() == 1
    # the story's own refusal (code 10): its metrics are not asked again one by one; the stories,
    # one batch of their insights, and the token's grants (code 10 may be a missing scope)
    assert clean_sandbox.requests_served == 3
    with pytest.raises(instapd.PermissionDeniedError, match="Not enough viewers"):
        connection.read("StoryInsights", account=account, on_error="raise")


def test_media_id_pushdown_and_chosen_metrics(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    media = clean_sandbox.dataset[account].edges["media"][:2]
    frame = connection.read("MediaInsights", account=account, media_id=media, metrics=["reach"])
    assert frame["media_id"].tolist() == media
    assert frame["reach"].notna().all()
    assert frame["views"].isna().all()
    assert clean_sandbox.requests_served == 2  # the two media, then their insights


# -- the sandbox refuses as Meta does -------------------------------------------------------


def test_sandbox_insights_refusals(clean_sandbox: Sandbox, account: str) -> None:
    now = int(time.time())
    cases = [
        ({"metric": "reach,bogus", "period": "day"}, "metric[1] must be one of"),
        ({"metric": "views", "period": "day"}, "metric_type=total_value"),
        ({"metric": "reach", "period": "day", "since": now - 31 * 86400, "until": now},
         "more than 30 days"),
        ({"metric": "impressions", "period": "day"}, "Starting from version 22"),
    ]  # fmt: skip
    for params, message in cases:
        error = _raw(clean_sandbox, f"{account}/insights", **params)["error"]
        assert error["code"] == 100
        assert message in error["message"]
    story = clean_sandbox.dataset[account].edges["stories"][0]
    unsupported = _raw(clean_sandbox, f"{story}/insights", metric="saved")["error"]
    assert "does not support the saved metric" in unsupported["message"]
    retired = _raw(clean_sandbox, f"{story}/insights", metric="plays")["error"]
    assert "Starting from version 22" in retired["message"]


def test_sandbox_demographics_without_timeframe_as_meta_answers(
    clean_sandbox: Sandbox, account: str
) -> None:
    asked = {"metric": "follower_demographics", "period": "lifetime",
             "metric_type": "total_value"}  # fmt: skip
    body = _raw(clean_sandbox, f"{account}/insights", breakdown="city", **asked)
    (entry,) = body["data"]
    assert entry["id"] == f"{account}/insights/follower_demographics/lifetime"
    (block,) = entry["total_value"]["breakdowns"]
    assert block["dimension_keys"] == ["city"]  # Airbyte's fixture: no timeframe key
    assert all(len(r["dimension_values"]) == 1 for r in block["results"])
    followers = clean_sandbox.dataset[account].values["followers_count"]
    assert sum(r["value"] for r in block["results"]) == followers
    pair = _raw(clean_sandbox, f"{account}/insights", breakdown="age,gender", **asked)
    assert pair["data"][0]["total_value"]["breakdowns"][0]["dimension_keys"] == ["age", "gender"]
    framed = _raw(clean_sandbox, f"{account}/insights", breakdown="city", timeframe="this_week",
                  **asked)["data"][0]["total_value"]["breakdowns"][0]  # fmt: skip
    assert framed["dimension_keys"] == ["timeframe", "city"]
    for wrong in ("last_90_days", ""):
        error = _raw(clean_sandbox, f"{account}/insights", breakdown="city", timeframe=wrong,
                     **asked)["error"]  # fmt: skip
        assert error["code"] == 100
        assert "timeframe must be one of" in error["message"]


def test_sandbox_small_account_answers_no_data(clean_sandbox: Sandbox) -> None:
    small = clean_sandbox.account_ids[1]
    now = int(time.time())
    week = {"since": now - 7 * 86400, "until": now}
    daily = _raw(clean_sandbox, f"{small}/insights", metric="follower_count,reach", period="day",
                 **week)  # fmt: skip
    assert [e["name"] for e in daily["data"]] == ["reach"]  # missing, not 0 and not an error
    online = _raw(clean_sandbox, f"{small}/insights", metric="online_followers",
                  period="lifetime", **week)  # fmt: skip
    values = online["data"][0]["values"]
    assert values
    assert all(v["value"] == {} and v["end_time"].endswith("+0000") for v in values)
    totals = _raw(clean_sandbox, f"{small}/insights", metric="follows_and_unfollows,reach",
                  period="day", metric_type="total_value")  # fmt: skip
    assert [e["name"] for e in totals["data"]] == ["reach"]
    demographics = _raw(clean_sandbox, f"{small}/insights", metric="follower_demographics",
                        period="lifetime", metric_type="total_value", breakdown="city")  # fmt: skip
    assert demographics == {"data": []}


def test_sandbox_hashtag_limit_of_30_in_7_days() -> None:
    with Sandbox() as sandbox:
        account = sandbox.account_ids[0]
        connection = instapd.connect(graph_url=sandbox.url, access_token=sandbox.token)
        for n in range(30):
            connection.read("HashtagSearch", account=account, hashtag=f"tag{n}")
        connection.read("HashtagSearch", account=account, hashtag="tag0")  # repeats are free
        with pytest.raises(instapd.InvalidParameterError, match="30 unique hashtags"):
            connection.read("HashtagSearch", account=account, hashtag="one_more")
        recent = connection.read("RecentlySearchedHashtags", account=account)
        assert len(recent) == 30


def test_hashtag_media_paging_has_only_an_after_cursor(
    clean_sandbox: Sandbox, account: str
) -> None:
    tag = _raw(clean_sandbox, "ig_hashtag_search", user_id=account, q="coffee")["data"][0]["id"]
    page = _raw(clean_sandbox, f"{tag}/top_media", user_id=account, limit=2, fields="id")
    assert set(page["paging"]) == {"cursors"}
    assert set(page["paging"]["cursors"]) == {"after"}
    refused = _raw(clean_sandbox, f"{tag}/top_media", user_id=account, fields="id,username")
    assert "username" in refused["error"]["message"]
    connection = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, Pagesize=2
    )
    frame = connection.read("HashtagTopMedia", account=account, hashtag="coffee")
    assert len(frame) == len(clean_sandbox.dataset.hashtag_media("coffee"))
    assert frame["id"].is_unique


def test_business_discovery_pages_inside_the_expansion(
    clean_sandbox: Sandbox, account: str
) -> None:
    connection = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, Pagesize=10
    )
    frame = connection.read("BusinessDiscoveryMedia", account=account, username="bluebottle")
    target = clean_sandbox.dataset.find_user("bluebottle")
    assert target is not None
    assert frame["id"].tolist() == target.edges["media"]
    assert clean_sandbox.requests_served == 1 + 6  # /me (cache); 45 media, 10 a page, then empty
    raw = _raw(clean_sandbox, account,
               fields="business_discovery.username(bluebottle){media.limit(2){id}}")  # fmt: skip
    assert set(raw["business_discovery"]["media"]["paging"]) == {"cursors"}
    with pytest.raises(instapd.InvalidParameterError, match="Invalid user id"):
        connection.read("BusinessDiscovery", account=account, username="nobody_here")


def test_mentions(connection: instapd.Connection, clean_sandbox: Sandbox, account: str) -> None:
    data = clean_sandbox.dataset
    username = data[account].values["username"]
    mentioned = next(
        m for a in data.public_ids for m in data[a].edges["media"]
        if f"@{username}" in str(data[m].values.get("caption", ""))
    )  # fmt: skip
    frame = connection.read("MentionedMedia", account=account, media_id=mentioned)
    assert frame["id"].tolist() == [mentioned]
    assert f"@{username}" in frame["caption"].iloc[0]
    comment = next(c for a in data.public_ids for m in data[a].edges["media"]
                   for c in data[m].edges.get("comments", []))  # fmt: skip
    comments = connection.read("MentionedComment", account=account, comment_id=comment)
    assert comments["id"].tolist() == [comment]
    with pytest.raises(instapd.InvalidFilterError, match="needs media_id"):
        connection.read("MentionedMedia", account=account)


def test_batch_answers_each_operation(clean_sandbox: Sandbox, account: str) -> None:
    media = clean_sandbox.dataset[account].edges["media"][0]
    ops = [{"method": "GET", "relative_url": f"{media}/insights?metric=reach"},
           {"method": "GET", "relative_url": "123/insights?metric=reach"}]  # fmt: skip
    answer = requests.post(f"{clean_sandbox.url}/v25.0/", timeout=10, data={
        "batch": json.dumps(ops), "access_token": clean_sandbox.token,
    }).json()  # fmt: skip
    assert [a["code"] for a in answer] == [200, 400]
    assert isinstance(answer[0]["body"], str)
    too_many = requests.post(f"{clean_sandbox.url}/v25.0/", timeout=10, data={
        "batch": json.dumps(ops * 26), "access_token": clean_sandbox.token,
    }).json()  # fmt: skip
    assert "Maximum batch size is 50" in too_many["error"]["message"]
