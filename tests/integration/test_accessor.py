"""DataFrame.ig on frames read from the sandbox."""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd
import pytest

import instapd
from instapd.readers import SkippedWarning
from instapd.sandbox import Faults, Sandbox

matplotlib.use("Agg")


@pytest.fixture
def media(connection: instapd.Connection, account: str) -> pd.DataFrame:
    return connection.read("Media", account=account)


def test_query_and_fetched_at(media: pd.DataFrame, account: str) -> None:
    assert media.ig.table == "Media"
    assert media.ig.query["accounts"] == [account]
    assert media.ig.fetched_at.tz is not None


def test_a_foreign_frame_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"did not come from instapd"):
        _ = pd.DataFrame({"a": [1]}).ig


def test_comments_of_few_media_are_pushed_down(
    connection: instapd.Connection, media: pd.DataFrame, clean_sandbox: Sandbox
) -> None:
    few = media.head(5)
    clean_sandbox.app.reset_counters()
    comments = few.ig.comments(connection)
    assert set(comments["media_id"]) <= set(few["id"])
    data = clean_sandbox.dataset
    assert len(comments) == sum(len(data[m].edges.get("comments", [])) for m in few["id"])
    # the five media's comments, asked together in one batch request (its envelope: POST /v25.0/)
    asked = [line for line in clean_sandbox.app.log if line != "POST /v25.0/"]
    assert len(asked) == 5
    assert all("/comments" in line for line in asked)


def test_comments_of_many_media_are_one_walk(
    connection: instapd.Connection, media: pd.DataFrame, clean_sandbox: Sandbox
) -> None:
    many = media.head(60)
    clean_sandbox.app.reset_counters()
    comments = many.ig.comments(connection)
    assert set(comments["media_id"]) <= set(many["id"])
    data = clean_sandbox.dataset
    assert len(comments) == sum(len(data[m].edges.get("comments", [])) for m in many["id"])
    assert clean_sandbox.requests_served < 10


def test_replies_children_and_insights(
    connection: instapd.Connection, media: pd.DataFrame, clean_sandbox: Sandbox
) -> None:
    data = clean_sandbox.dataset
    sample = media.head(30)
    replies = sample.ig.replies(connection)
    expected = {r for m in sample["id"] for c in data[m].edges.get("comments", [])
                for r in data[c].edges.get("replies", [])}  # fmt: skip
    assert set(replies["id"]) == expected
    comments = sample.ig.comments(connection)
    assert set(comments.head(10).ig.replies(connection)["comment_id"]) <= set(comments["id"])
    children = sample.ig.children(connection)
    albums = sample.loc[sample["media_type"] == "CAROUSEL_ALBUM", "id"]
    assert set(children["media_id"]) == set(albums)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        insights = sample.ig.insights(connection=connection)
    assert insights["media_id"].tolist() == sample["id"].tolist()


def test_engagement_follows_the_documented_formula(
    connection: instapd.Connection, media: pd.DataFrame
) -> None:
    sample = media.head(12)
    frame = sample.ig.engagement(connection)
    insights = sample.ig.insights(["reach", "saved", "shares"], connection).set_index("media_id")
    followers = connection.read("InstagramBusinessProfile", account=media.ig.query["accounts"][0])
    row = frame.iloc[0]
    stats = insights.loc[row["id"]]
    parts = [row["like_count"], row["comments_count"], stats["saved"], stats["shares"]]
    interactions = sum(0 if pd.isna(p) else int(p) for p in parts)
    assert row["interactions"] == interactions
    assert row["engagement_rate_reach"] == pytest.approx(interactions / stats["reach"])
    assert row["engagement_rate_follower"] == pytest.approx(
        interactions / followers["followers_count"].iloc[0]
    )
    assert str(frame["engagement_rate_reach"].dtype) == "Float64"


def test_tidy_and_plot_an_insights_frame(connection: instapd.Connection, account: str) -> None:
    daily = connection.read("AccountInsights", account=account)
    long = daily.ig.tidy()
    assert set(long["metric"]) == {"reach", "follower_count"}
    assert len(long) == daily["reach"].notna().sum() + daily["follower_count"].notna().sum()
    axes = daily.ig.plot(["reach"])
    assert axes.get_xlabel() == "end_time (UTC)"
    assert [line.get_label() for line in axes.get_lines()] == ["reach"]


def test_refresh_goes_to_the_api(
    connection: instapd.Connection, account: str, clean_sandbox: Sandbox
) -> None:
    stories = connection.read("Stories", account=account)
    served = clean_sandbox.requests_served
    assert connection.read("Stories", account=account).attrs["instapd"]["source"] == "cache"
    fresh = stories.ig.refresh(connection)
    assert clean_sandbox.requests_served > served
    assert fresh.attrs["instapd"]["source"] == "api"
    pd.testing.assert_frame_equal(fresh, stories)


def test_a_slow_read_shows_a_progress_bar_unless_turned_off(
    account: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox(faults=Faults(latency=0.35)) as sandbox:
        connection = instapd.connect(graph_url=sandbox.url, access_token=sandbox.token,
                                     Cache=False, Pagesize=40)  # fmt: skip
        connection.read("Media", account=account)
        assert "Reading Media" in capsys.readouterr().err
        connection.read("Media", account=account, progress=False)
        assert "Reading Media" not in capsys.readouterr().err
        monkeypatch.setenv("INSTAPD_PROGRESS", "0")
        connection.read("Media", account=account)
        assert capsys.readouterr().err == ""
