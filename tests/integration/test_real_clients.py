"""Clients no one here wrote, against the sandbox over loopback: they read what instapd reads.

Meta's facebook-business SDK is pointed at the sandbox through its session's ``GRAPH`` and
python-facebook through ``IGBusinessApi(base_url=...)``, as their users would point them anywhere.
Each read either client offers for Instagram is compared with instapd's read of the same objects:
the same ids, counts and values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from facebook_business.adobjects.igcomment import IGComment
from facebook_business.adobjects.igmedia import IGMedia
from facebook_business.adobjects.iguser import IGUser
from facebook_business.adobjects.shadowighashtag import ShadowIGHashtag
from facebook_business.adobjects.shadowigmediabuilder import ShadowIGMediaBuilder
from facebook_business.adobjects.user import User
from facebook_business.api import FacebookAdsApi
from facebook_business.session import FacebookSession
from pyfacebook import FacebookError, IGBusinessApi

import instapd
from instapd.sandbox import Sandbox

pytestmark = pytest.mark.filterwarnings("ignore:.*does not allow field:UserWarning")

MEDIA_FIELDS = [
    "id",
    "ig_id",
    "caption",
    "media_type",
    "media_product_type",
    "timestamp",
    "like_count",
    "comments_count",
    "permalink",
    "shortcode",
    "username",
]
PROFILE_FIELDS = [
    "id",
    "ig_id",
    "username",
    "name",
    "biography",
    "website",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
]


@pytest.fixture(scope="module")
def fb(sandbox: Sandbox) -> FacebookAdsApi:
    session = FacebookSession(access_token=sandbox.token)
    session.GRAPH = sandbox.url
    return FacebookAdsApi(session, api_version=sandbox.version)


@pytest.fixture(scope="module")
def pf(sandbox: Sandbox) -> IGBusinessApi:
    return IGBusinessApi(
        access_token=sandbox.token,
        instagram_business_id=sandbox.account_ids[0],
        base_url=sandbox.url + "/",
        version=sandbox.version,
    )


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Frame rows as the API's JSON gives them: NA omitted, timestamps in Meta's format."""
    out = []
    for record in frame[columns].to_dict("records"):
        row = {}
        for key, value in record.items():
            if pd.isna(value):
                continue
            if isinstance(value, pd.Timestamp):
                value = value.strftime("%Y-%m-%dT%H:%M:%S+0000")
            row[key] = value.item() if hasattr(value, "item") else value
        out.append(row)
    return out


def _json(items: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [{k: dict(item)[k] for k in columns if k in dict(item)} for item in items]


def test_pages_and_profile(
    fb: FacebookAdsApi, pf: IGBusinessApi, connection: instapd.Connection, account: str
) -> None:
    pages = connection.read("Pages")
    sdk_pages = list(User("me", api=fb).get_accounts(fields=["name", "instagram_business_account"]))
    assert [p["id"] for p in sdk_pages] == pages["id"].tolist()
    linked = [p.get("instagram_business_account", {}).get("id") for p in sdk_pages]
    assert (
        linked
        == pages["instagram_business_account_id"]
        .astype(object)
        .where(pages["instagram_business_account_id"].notna(), None)
        .tolist()
    )
    profile = _rows(connection.read("InstagramBusinessProfile", account=account), PROFILE_FIELDS)
    assert _json([IGUser(account, api=fb).api_get(fields=PROFILE_FIELDS)], PROFILE_FIELDS) == [
        {**profile[0], "ig_id": int(profile[0]["ig_id"])}  # the SDK declares IGUser.ig_id an int
    ]
    info = pf.user.get_info(fields=PROFILE_FIELDS, return_json=True)
    assert _json([info], PROFILE_FIELDS) == [{**profile[0], "ig_id": int(profile[0]["ig_id"])}]


def test_all_media_with_every_page(
    fb: FacebookAdsApi, pf: IGBusinessApi, connection: instapd.Connection, account: str
) -> None:
    expected = _rows(connection.read("IGMedia", account=account), MEDIA_FIELDS)
    assert len(expected) == 160
    sdk = IGUser(account, api=fb).get_media(fields=MEDIA_FIELDS, params={"limit": 100})
    assert _json(sdk, MEDIA_FIELDS) == expected
    theirs = pf.user.get_media(fields=MEDIA_FIELDS, count=None, limit=100, return_json=True)
    assert _json(theirs["data"], MEDIA_FIELDS) == expected


def test_children_comments_and_replies(
    fb: FacebookAdsApi,
    pf: IGBusinessApi,
    connection: instapd.Connection,
    clean_sandbox: Sandbox,
    account: str,
) -> None:
    data = clean_sandbox.dataset
    media = data[account].edges["media"]
    albums = [m for m in media if data[m].edges.get("children")][:3]
    columns = ["id", "media_type", "media_url", "timestamp", "shortcode"]
    children = connection.read("MediaChildren", account=account, media_id=albums)
    for album in albums:
        expected = _rows(children[children["media_id"] == album], columns)
        assert _json(IGMedia(album, api=fb).get_children(fields=columns), columns) == expected
        theirs = pf.media.get_children(album, fields=columns, return_json=True)
        assert _json(theirs["data"], columns) == expected
    busiest = max(media, key=lambda m: len(data[m].edges.get("comments", [])))
    assert len(data[busiest].edges["comments"]) > 50  # more than one page
    columns = ["id", "text", "timestamp", "username", "like_count", "hidden"]
    comments = connection.read("Comments", account=account, media_id=busiest)
    expected = _rows(comments, columns)
    sdk = IGMedia(busiest, api=fb).get_comments(fields=columns, params={"limit": 50})
    assert _json(sdk, columns) == expected
    theirs = pf.media.get_comments(busiest, fields=columns, count=None, limit=50, return_json=True)
    assert _json(theirs["data"], columns) == expected
    replies = connection.read("Replies", account=account, media_id=busiest)
    assert len(replies) > 0
    for comment, group in replies.groupby("comment_id", sort=False):
        expected = _rows(group, [*columns, "parent_id"])
        sdk = IGComment(comment, api=fb).get_replies(fields=[*columns, "parent_id"])
        assert _json(sdk, [*columns, "parent_id"]) == expected
        theirs = pf.comment.get_replies(comment, fields=columns, count=None, return_json=True)
        assert _json(theirs["data"], columns) == _rows(group, columns)


@pytest.mark.parametrize(
    ("table", "edge", "method"),
    [
        ("Stories", "stories", "get_stories"),
        ("Tags", "tags", "get_tagged_media"),
        ("LiveMedia", "live_media", "get_live_media"),
    ],
)
def test_account_edges(
    fb: FacebookAdsApi,
    pf: IGBusinessApi,
    connection: instapd.Connection,
    account: str,
    table: str,
    edge: str,
    method: str,
) -> None:
    frame = connection.read(table, account=account)
    columns = [
        c
        for c in (
            "id",
            "caption",
            "media_type",
            "media_product_type",
            "timestamp",
            "username",
            "like_count",
            "comments_count",
        )
        if c in frame
    ]
    expected = _rows(frame, columns)
    assert expected
    # /tags pages carry cursors but no next link (Meta's quirk), and both clients follow only
    # next links: one page of the edge's cap (100) holds every tagged media of the sandbox
    user = IGUser(account, api=fb)
    sdk = {"stories": user.get_stories, "tags": user.get_tags, "live_media": user.get_live_media}
    assert _json(sdk[edge](fields=columns, params={"limit": 100}), columns) == expected
    theirs = getattr(pf.user, method)(fields=columns, count=None, limit=100, return_json=True)
    assert _json(theirs["data"], columns) == expected


def test_publishing_limit_and_containers(
    fb: FacebookAdsApi,
    pf: IGBusinessApi,
    connection: instapd.Connection,
    clean_sandbox: Sandbox,
    account: str,
) -> None:
    limit = connection.read("ContentPublishingLimit", account=account).iloc[0]
    sdk = IGUser(account, api=fb).get_content_publishing_limit(fields=["quota_usage", "config"])
    assert sdk[0]["quota_usage"] == limit["quota_usage"]
    assert sdk[0]["config"]["quota_total"] == limit["quota_total"]
    theirs = pf.user.get_content_publishing_limit(return_json=True)
    assert theirs["data"][0]["quota_usage"] == limit["quota_usage"]
    assert theirs["data"][0]["config"]["quota_duration"] == limit["quota_duration"]
    containers = [
        n
        for n in clean_sandbox.dataset.nodes.values()
        if n.type == "ShadowIGMediaBuilder" and n.values["_owner"] == account
    ]
    assert {c.values["status_code"] for c in containers} >= {"FINISHED", "IN_PROGRESS", "ERROR"}
    for container in containers:
        got = ShadowIGMediaBuilder(container.id, api=fb).api_get(fields=["status_code", "status"])
        assert got["status_code"] == container.values["status_code"]
        info = pf.container.get_info(container.id, fields="id,status_code,status")
        assert (info.id, info.status_code) == (container.id, container.values["status_code"])


def test_media_and_account_insights(
    fb: FacebookAdsApi,
    pf: IGBusinessApi,
    connection: instapd.Connection,
    clean_sandbox: Sandbox,
    account: str,
) -> None:
    media = clean_sandbox.dataset[account].edges["media"][:4]
    metrics = ["reach", "likes", "comments", "saved", "shares", "total_interactions"]
    frame = connection.read("MediaInsights", account=account, media_id=media, metrics=metrics)
    for row in frame.itertuples():
        expected = {m: getattr(row, m) for m in metrics}
        sdk = IGMedia(row.media_id, api=fb).get_insights(params={"metric": metrics})
        assert {r["name"]: r["values"][0]["value"] for r in sdk} == expected
        theirs = pf.media.get_insights(row.media_id, metric=",".join(metrics), return_json=True)
        assert {r["name"]: r["values"][0]["value"] for r in theirs["data"]} == expected
    since, until = 1795132800, 1795305600  # two days, as Unix timestamps
    totals = connection.read(
        "AccountWithoutBreakdown",
        account=account,
        metrics="reach",
        since="2026-11-20",
        until="2026-11-22",
    )
    params = {
        "metric": ["reach"],
        "period": ["day"],
        "metric_type": "total_value",
        "since": since,
        "until": until,
    }
    sdk = IGUser(account, api=fb).get_insights(params=params)
    assert sdk[0]["total_value"]["value"] == totals["value"].iloc[0]
    theirs = pf.user.get_insights(
        metric="reach",
        period="day",
        metric_type="total_value",
        since=str(since),
        until=str(until),
        return_json=True,
    )
    assert theirs["data"][0]["total_value"]["value"] == totals["value"].iloc[0]


def test_hashtags_discovery_and_mentions(
    fb: FacebookAdsApi,
    pf: IGBusinessApi,
    connection: instapd.Connection,
    clean_sandbox: Sandbox,
    account: str,
) -> None:
    columns = ["id", "caption", "media_type", "like_count", "comments_count", "timestamp"]
    found = pf.user.get_hashtag_search(q="coffee", return_json=True)["data"][0]["id"]
    assert connection.read("HashtagSearch", account=account, hashtag="coffee")[
        "hashtag_id"
    ].tolist() == [found]
    for table, edge in [("HashtagTopMedia", "top_media"), ("HashtagRecentMedia", "recent_media")]:
        expected = _rows(connection.read(table, account=account, hashtag="coffee"), columns)
        assert expected
        tag = ShadowIGHashtag(found, api=fb)
        sdk = getattr(tag, f"get_{edge}")(fields=columns, params={"user_id": account})
        assert _json(sdk, columns) == expected
        theirs = getattr(pf.hashtag, f"get_{edge}")(
            found, fields=columns, count=None, return_json=True
        )
        assert _json(theirs["data"], columns) == expected
    searched = connection.read("RecentlySearchedHashtags", account=account)
    sdk = IGUser(account, api=fb).get_recently_searched_hashtags(fields=["id", "name"])
    assert sorted(h["id"] for h in sdk) == sorted(searched["id"])
    theirs = pf.user.get_recently_searched_hashtags(count=None, return_json=True)
    assert sorted(h["id"] for h in theirs["data"]) == sorted(searched["id"])

    profile = connection.read("BusinessDiscovery", account=account, username="bluebottle")
    wanted = ["id", "username", "followers_count", "media_count"]
    sdk = IGUser(account, api=fb).api_get(
        fields=[f"business_discovery.username(bluebottle){{{','.join(wanted)}}}"]
    )
    assert _json([sdk["business_discovery"]], wanted) == _rows(profile, wanted)
    assert _json(
        [
            pf.user.discovery_user("bluebottle", fields=wanted, return_json=True)[
                "business_discovery"
            ]
        ],
        wanted,
    ) == _rows(profile, wanted)
    medias = connection.read("BusinessDiscoveryMedia", account=account, username="bluebottle")
    theirs, after = [], None
    while True:  # python-facebook pages business discovery media by hand, with .after()
        page = pf.user.discovery_user_medias(
            "bluebottle", fields=columns, limit=25, after=after, return_json=True
        )["business_discovery"]["media"]
        theirs += page["data"]
        after = page.get("paging", {}).get("cursors", {}).get("after")
        if len(page["data"]) < 25 or not after:
            break
    assert _json(theirs, columns) == _rows(medias, columns)

    data = clean_sandbox.dataset
    username = data[account].values["username"]
    mention = next(
        m
        for a in data.public_ids
        for m in data[a].edges["media"]
        if f"@{username}" in data[m].values.get("caption", "")
    )
    expected = _rows(connection.read("MentionedMedia", account=account, media_id=mention), columns)
    sdk = IGUser(account, api=fb).api_get(
        fields=[f"mentioned_media.media_id({mention}){{{','.join(columns)}}}"]
    )
    assert _json([sdk["mentioned_media"]], columns) == expected
    theirs = pf.user.get_mentioned_media(mention, fields=columns, return_json=True)
    assert _json([theirs["mentioned_media"]], columns) == expected


def test_python_facebook_batches_of_ids(
    pf: IGBusinessApi, connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    """python-facebook's get_batch sends ``GET /?ids=``: answered up to v25, as Meta did."""
    data = clean_sandbox.dataset
    media = data[account].edges["media"][:5]
    expected = _rows(connection.read("IGMedia", account=account, id=media), MEDIA_FIELDS)
    theirs = pf.media.get_batch(media, fields=MEDIA_FIELDS, return_json=True)
    assert _json([theirs[m] for m in media], MEDIA_FIELDS) == expected
    comments = [c for m in media for c in data[m].edges.get("comments", [])][:3]
    assert list(pf.comment.get_batch(comments, return_json=True)) == comments
    tags = [n.id for n in data.nodes.values() if n.type == "IGHashtag"][:2]
    assert list(pf.hashtag.get_batch(tags, return_json=True)) == tags
    with pytest.raises(FacebookError, match="aliases you requested do not exist"):
        pf.media.get_batch([media[0], "999"], return_json=True)
    newer = IGBusinessApi(
        access_token=clean_sandbox.token, base_url=clean_sandbox.url + "/", version="v26.0"
    )
    with pytest.raises(FacebookError, match="Multi-ID requests are not supported"):
        newer.media.get_batch(media, return_json=True)


def test_a_range_without_a_complete_day_is_an_empty_data_set(
    fb: FacebookAdsApi, account: str
) -> None:
    """Meta: data that does not exist yet is an empty data set, not metrics without values."""
    pacific = datetime.now(ZoneInfo("America/Los_Angeles"))
    midnight = pacific.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    start = int(midnight.timestamp()) + 3600  # one to two hours into yesterday, Meta's day
    params = {"metric": ["reach"], "period": ["day"], "since": start, "until": start + 3600}
    assert list(IGUser(account, api=fb).get_insights(params=params)) == []
