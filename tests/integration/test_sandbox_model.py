"""The sandbox keeps one clock, makes new media in one place, and takes its metrics from the
catalog."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import hypothesis
import hypothesis.strategies as st
import pytest
import requests

from instapd.catalog import metrics
from instapd.sandbox import Sandbox
from instapd.sandbox.rendering import format_time
from tests.support import sandbox_call as call

JPEG = "https://example.com/a.jpg"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=4, accounts=1, media_per_account=(6,)) as server:
        yield server


def _container_status(box: Sandbox, container: str) -> str:
    return str(call(box, "GET", container, fields="status_code")[1]["status_code"])


def test_sandbox_advance_moves_the_publishing_clock_too(box: Sandbox) -> None:
    status, body = call(box, "POST", f"{box.account_ids[0]}/media", image_url=JPEG)
    assert status == 200, body
    box.advance(hours=25)
    assert _container_status(box, body["id"]) == "EXPIRED", "containers last 24 h"


def test_the_publishing_clock_is_the_sandbox_clock(box: Sandbox) -> None:
    before = box.now
    box.publishing.advance(3600)
    assert box.now - before >= timedelta(hours=1)
    assert abs(box.publishing.now() - box.now.timestamp()) < 2


def test_the_date_header_is_on_the_sandbox_clock(box: Sandbox) -> None:
    """Meta's Date header and its posts' timestamps share one clock; so do the sandbox's once
    ``advance`` moved it (the lost-publish lookup reads posts "since" the last Date)."""
    box.advance(days=3)
    before = box.now
    answer = requests.get(
        f"{box.url}/v25.0/me", headers={"Authorization": f"Bearer {box.token}"}, timeout=10
    )
    assert answer.status_code == 200
    assert before <= parsedate_to_datetime(answer.headers["Date"]) <= box.now


def _published_by_api(box: Sandbox, caption: str) -> str:
    account = box.account_ids[0]
    _, made = call(box, "POST", f"{account}/media", image_url=JPEG, caption=caption)
    for _ in range(5):
        if _container_status(box, made["id"]) == "FINISHED":
            break
    status, body = call(box, "POST", f"{account}/media_publish", creation_id=made["id"])
    assert status == 200, body
    return str(body["id"])


def test_both_ways_of_publishing_make_the_same_kind_of_media(box: Sandbox) -> None:
    by_helper = box.publish(box.account_ids[0], "from the helper")
    by_api = _published_by_api(box, "from the API")
    helper_fields = set(box.dataset[by_helper].values) - {"alt_text"}
    api_fields = set(box.dataset[by_api].values) - {"alt_text"}
    assert helper_fields == api_fields
    assert "ig_id" in api_fields, "details are added to every new media"
    for media_id in (by_helper, by_api):
        assert box.dataset[media_id].values["timestamp"] <= box.now
    assert box.dataset[box.account_ids[0]].edges["media"][:2] == [by_api, by_helper]


def test_new_media_grow_from_zero_whichever_way_they_were_published(box: Sandbox) -> None:
    by_helper = box.publish(box.account_ids[0], "from the helper")
    by_api = _published_by_api(box, "from the API")
    model = box.app.router.insights
    values = {m: model.media_value(box.dataset[m], "reach") for m in (by_helper, by_api)}
    box.advance(hours=48)
    model.forget()
    grown = {m: model.media_value(box.dataset[m], "reach") for m in (by_helper, by_api)}
    for media_id in values:
        assert grown[media_id] > values[media_id], "insights grow as the clock moves"


# -- the catalog is the sandbox's list of metrics --------------------------------------------


def _feed_media(box: Sandbox) -> str:
    account = box.dataset[box.account_ids[0]]
    return next(
        m
        for m in account.edges["media"]
        if box.dataset[m].values.get("media_product_type") == "FEED"
        and not box.dataset[m].values.get("_pre_professional")
        and not box.dataset[m].values.get("_few_viewers")
    )


def test_a_metric_added_to_the_catalog_reaches_the_sandbox(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = _feed_media(box)
    user = box.account_ids[0]
    asked = {"metric": "quiet_views"}
    assert call(box, "GET", f"{media}/insights", **asked)[0] == 400, "unknown before"
    monkeypatch.setattr(
        metrics,
        "MEDIA_METRICS",
        (*metrics.MEDIA_METRICS, metrics.MediaMetric("quiet_views", metrics.FEED, "Quiet")),
    )
    monkeypatch.setattr(
        metrics,
        "USER_METRICS",
        (*metrics.USER_METRICS, metrics.UserMetric("quiet_reach", "Quiet reach")),
    )
    status, body = call(box, "GET", f"{media}/insights", **asked)
    assert status == 200, body
    assert body["data"][0]["name"] == "quiet_views"
    assert isinstance(body["data"][0]["values"][0]["value"], int)
    status, body = call(
        box, "GET", f"{user}/insights", metric="quiet_reach", period="day",
        metric_type="total_value",
    )  # fmt: skip
    assert status == 200, body
    assert body["data"][0]["name"] == "quiet_reach"


def test_a_metric_the_catalog_retires_is_refused_by_the_sandbox(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = _feed_media(box)
    assert call(box, "GET", f"{media}/insights", metric="saved")[0] == 200
    monkeypatch.setattr(
        metrics,
        "MEDIA_METRICS",
        tuple(
            dataclasses.replace(m, retired_in=25, replacement="views") if m.name == "saved" else m
            for m in metrics.MEDIA_METRICS
        ),
    )
    status, body = call(box, "GET", f"{media}/insights", metric="saved")
    assert status == 400
    assert "Starting from version 25" in body["error"]["message"]


def test_online_followers_follow_the_followers_count_as_the_clock_moves() -> None:
    """The hour maps are kept per weekday and followers count: once followers grow, each hour
    grows with them (nothing kept from before the change is served)."""

    def read(box: Sandbox, account: str) -> tuple[int, dict[int, dict[str, int]]]:
        until = int(box.now.timestamp())
        status, body = call(box, "GET", f"{account}/insights", metric="online_followers",
                            period="lifetime", since=until - 7 * 86400, until=until)  # fmt: skip
        assert status == 200, body
        by_weekday = {
            datetime.fromisoformat(v["end_time"]).weekday(): v["value"]
            for v in body["data"][0]["values"]
        }
        return call(box, "GET", account, fields="followers_count")[1]["followers_count"], by_weekday

    with Sandbox(seed=4, accounts=1, media_per_account=(6,), frozen=True) as box:
        account = box.account_ids[0]
        before, hours_before = read(box, account)
        box.advance(days=14)
        after, hours_after = read(box, account)
    assert after > before
    common = hours_before.keys() & hours_after.keys()
    assert len(common) >= 5
    for weekday in common:
        for hour, was in hours_before[weekday].items():
            # was = int(before * share): the share lies in [was, was + 1) / before
            now = hours_after[weekday][hour]
            assert int(after * was / before) <= now <= int(after * (was + 1) / before), (
                weekday, hour, was, now)  # fmt: skip
    assert any(hours_after[w] != hours_before[w] for w in common)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_timestamps_are_written_as_strftime_writes_them(moment: datetime) -> None:
    """Meta's ``+0000`` form, written by hand for speed: the same text as ``strftime``'s for any
    time in any zone (years before 1000 included: ``%Y`` does not pad them)."""
    assert format_time(moment) == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
