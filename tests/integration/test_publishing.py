"""Publishing against the sandbox: the lifecycle, Meta's errors, exactly once, the cache."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import instapd
from instapd.cli import main
from instapd.errors import (
    ContainerExpiredError,
    ContainerFailedError,
    MediaNotFetchableError,
    MediaSpecError,
    PermissionDeniedError,
    PublishingLimitError,
    PublishRuleError,
    PublishTimeoutError,
    UsageError,
)
from instapd.graph import RetryPolicy
from instapd.publishing.lifecycle import Lifecycle
from instapd.sandbox import Faults, Sandbox
from tests.support import FAST_RETRY, fast_throttle

JPEG = "https://example.com/photos/cup.jpg"
MP4 = "https://example.com/videos/pour.mp4"


#: This module's own sandbox (the ``box`` fixture): its tests change the data.
BOX = {"seed": 11, "media_per_account": (30, 10)}


class Waits:
    """The lifecycle's sleep: records each wait instead of waiting; ``then`` runs on each."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.then: Any = None

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.then is not None:
            self.then(len(self.seconds))


@pytest.fixture
def waits() -> Waits:
    return Waits()


def _publisher(box: Sandbox, retry: RetryPolicy = FAST_RETRY) -> instapd.Connection:
    """A connection publishing to the sandbox's first account, retrying without real waits."""
    return instapd.connect(
        graph_url=box.url,
        access_token=box.token,
        business_account_id=box.account_ids[0],
        retry=retry,
        throttle=fast_throttle(),
    )


@pytest.fixture
def conn(box: Sandbox, waits: Waits) -> Iterator[instapd.Connection]:
    box.faults = Faults()
    box.publishing.quota_total = 100
    retry = RetryPolicy(attempts=5, backoff_initial=0.001, backoff_max=0.01, sleep=waits)
    with _publisher(box, retry) as connection:
        yield connection
    box.faults = Faults()


def media_ids(box: Sandbox, edge: str = "media") -> list[str]:
    return list(box.dataset[box.account_ids[0]].edges.get(edge, []))


def test_an_image_is_published_and_read_back(
    box: Sandbox, conn: instapd.Connection, waits: Waits
) -> None:
    before = media_ids(box)
    row = instapd.publish(image_url=JPEG, caption="Morning pour", alt_text="a cup", connection=conn)
    assert list(row.columns) == ["id", "container_id", "media_type", "permalink", "status"]
    media_id = row.loc[0, "id"]
    assert row.loc[0, "status"] == "PUBLISHED"
    assert row.loc[0, "media_type"] == "IMAGE"
    assert str(row.loc[0, "permalink"]).startswith("https://www.instagram.com/p/")
    assert media_ids(box) == [media_id, *before]
    assert waits.seconds == []  # an image is ready at once
    media = conn.read("Media", limit=1)
    assert media.loc[0, "id"] == media_id
    assert media.loc[0, "caption"] == "Morning pour"


def test_a_reel_is_polled_with_backoff_until_finished(
    box: Sandbox, conn: instapd.Connection, waits: Waits
) -> None:
    row = conn.publish(video_url=MP4, caption="Pour-over, slowly", share_to_feed=True)
    assert row.loc[0, "media_type"] == "REELS"
    assert waits.seconds == [1.0, 2.0]  # IN_PROGRESS twice, then FINISHED
    node = box.dataset[row.loc[0, "id"]]
    assert node.values["media_product_type"] == "REELS"
    assert "/reel/" in str(row.loc[0, "permalink"])


def test_a_carousel_creates_its_items_first(box: Sandbox, conn: instapd.Connection) -> None:
    children = [JPEG, {"image_url": "https://example.com/b.jpeg", "alt_text": "beans"}, MP4]
    row = instapd.publish(children=children, caption="Three views", connection=conn)
    assert row.loc[0, "media_type"] == "CAROUSEL"
    parent = box.publishing.containers[row.loc[0, "container_id"]]
    items = [box.publishing.containers[c] for c in parent.children]
    assert [c.is_carousel_item for c in items] == [True, True, True]
    assert [c.media_type for c in items] == ["IMAGE", "IMAGE", "VIDEO"]
    assert max(int(c.id) for c in items) < int(parent.id)  # the items came first
    node = box.dataset[row.loc[0, "id"]]
    assert node.values["media_type"] == "CAROUSEL_ALBUM"
    assert len(node.edges["children"]) == 3


def test_a_story_goes_to_stories(box: Sandbox, conn: instapd.Connection) -> None:
    row = instapd.publish(image_url=JPEG, media_type="stories", connection=conn)
    assert row.loc[0, "media_type"] == "STORIES"
    assert media_ids(box, "stories")[0] == row.loc[0, "id"]
    assert row.loc[0, "id"] not in media_ids(box)


def test_a_local_video_goes_through_the_resumable_upload(
    box: Sandbox, conn: instapd.Connection, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\0" * 4096)
    row = instapd.publish(video_path=video, caption="From disk", connection=conn)
    assert row.loc[0, "status"] == "PUBLISHED"
    assert box.publishing.uploads[row.loc[0, "container_id"]] == 4096


def test_an_image_file_is_refused_with_the_reason(box: Sandbox, conn: instapd.Connection) -> None:
    served = box.requests_served
    with pytest.raises(PublishRuleError, match="public URL") as caught:
        instapd.publish(image_path="cup.jpg", connection=conn)
    assert caught.value.rule == "image_path"
    assert box.requests_served == served


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"image_url": "ftp://example.com/a.jpg"}, "url"),
        ({"image_url": "photos/a.jpg"}, "url"),
        ({"image_url": "https://example.com/a.png"}, "jpeg"),
        ({"image_url": JPEG, "caption": "x" * 2201}, "caption_length"),
        ({"image_url": JPEG, "caption": " ".join(f"#t{i}" for i in range(31))}, "hashtags"),
        ({"image_url": JPEG, "caption": " ".join(f"@u{i}" for i in range(21))}, "mentions"),
        ({"children": [JPEG]}, "carousel_size"),
        ({"children": [JPEG] * 11}, "carousel_size"),
        ({"video_url": MP4, "alt_text": "no"}, "alt_text"),
        ({"video_url": MP4, "media_type": "VIDEO"}, "media_type"),
        ({"image_url": JPEG, "video_url": MP4}, "media"),
        ({"image_url": JPEG, "colour": "red"}, "option"),
    ],
)
def test_rules_are_checked_before_any_request(
    box: Sandbox, conn: instapd.Connection, fields: dict[str, Any], rule: str
) -> None:
    served = box.requests_served
    with pytest.raises(PublishRuleError) as caught:
        instapd.publish(connection=conn, **fields)
    assert caught.value.rule == rule
    assert box.requests_served == served


@pytest.mark.parametrize(
    ("fields", "error", "code"),
    [
        ({"image_url": "https://example.com/404/a.jpg"}, MediaNotFetchableError, 9004),
        ({"image_url": "https://example.com/panorama.jpg"}, MediaSpecError, 36003),
        ({"image_url": "https://example.com/toolarge.jpg"}, MediaSpecError, 36000),
        ({"video_url": "https://example.com/clip.avi"}, MediaSpecError, 352),
    ],
)
def test_metas_errors_are_typed(
    conn: instapd.Connection, fields: dict[str, Any], error: type[Exception], code: int
) -> None:
    with pytest.raises(error) as caught:
        instapd.publish(connection=conn, **fields)
    assert getattr(caught.value, "code", None) == code


def test_a_container_that_fails_processing(conn: instapd.Connection) -> None:
    with pytest.raises(ContainerFailedError, match="Error") as caught:
        instapd.publish(video_url="https://example.com/corrupt.mp4", connection=conn)
    assert caught.value.container_id


def test_a_passing_server_error_is_tried_again(box: Sandbox, conn: instapd.Connection) -> None:
    before = len(box.publishing.containers)
    row = instapd.publish(image_url="https://example.com/flaky/a.jpg", connection=conn)
    assert row.loc[0, "status"] == "PUBLISHED"
    assert len(box.publishing.containers) == before + 1  # the -1 made no container


def test_the_quota_is_checked_before_anything(box: Sandbox, conn: instapd.Connection) -> None:
    limit = conn.read("ContentPublishingLimit", cache=False)
    used = int(limit.loc[0, "quota_usage"])
    box.publishing.quota_total = used
    containers = len(box.publishing.containers)
    with pytest.raises(PublishingLimitError, match="try again at") as caught:
        instapd.publish(image_url=JPEG, connection=conn)
    assert caught.value.frees_at is not None
    assert caught.value.frees_at > datetime.now(UTC)
    assert len(box.publishing.containers) == containers  # nothing was created


def test_the_configured_quota_is_reported() -> None:
    with Sandbox(publishing_quota=7, media_per_account=(5, 5)) as small:
        conn = instapd.connect(graph_url=small.url, access_token=small.token)
        limit = conn.read("ContentPublishingLimit", account=small.account_ids[0], cache=False)
    assert int(limit.loc[0, "quota_total"]) == 7


def test_the_quota_met_at_media_publish_says_when(box: Sandbox, conn: instapd.Connection) -> None:
    made = instapd.publish(image_url=JPEG, connection=conn, wait=False)
    limit = conn.read("ContentPublishingLimit", cache=False)
    box.publishing.quota_total = int(limit.loc[0, "quota_usage"])
    lifecycle = Lifecycle(conn.client, box.account_ids[0], show_progress=False)
    with pytest.raises(PublishingLimitError) as caught:  # met between the check and the publish
        lifecycle.publish(made.loc[0, "container_id"], timeout=60)
    assert caught.value.subcode == 2207042
    assert caught.value.frees_at is not None


def test_wait_false_returns_containers_to_publish_later(
    box: Sandbox, conn: instapd.Connection
) -> None:
    made = instapd.publish(video_url=MP4, connection=conn, wait=False)
    assert made.loc[0, "status"] == "IN_PROGRESS"
    assert pd.isna(made.loc[0, "id"])
    container = made.loc[0, "container_id"]
    row = conn.publish_container(container)
    assert row.loc[0, "container_id"] == container
    assert row.loc[0, "media_type"] == "REELS"
    assert box.dataset[row.loc[0, "id"]].values["media_product_type"] == "REELS"
    with pytest.raises(UsageError, match="already published"):
        instapd.publish_container(container, connection=conn)


def test_an_expired_container_is_made_again_once(
    box: Sandbox, conn: instapd.Connection, waits: Waits
) -> None:
    waits.then = lambda n: box.publishing.advance(25 * 3600) if n == 1 else None
    before = len(media_ids(box))
    row = instapd.publish(video_url=MP4, connection=conn)
    first = box.publishing.containers[str(int(row.loc[0, "container_id"]) - 1)]
    assert first.status_code == "EXPIRED"
    assert row.loc[0, "status"] == "PUBLISHED"
    assert len(media_ids(box)) == before + 1


def test_an_expired_container_is_not_published(box: Sandbox, conn: instapd.Connection) -> None:
    made = instapd.publish(image_url=JPEG, connection=conn, wait=False)
    box.publishing.advance(25 * 3600)
    with pytest.raises(ContainerExpiredError, match="expire"):
        instapd.publish_container(made.loc[0, "container_id"], connection=conn)


def test_not_ready_at_media_publish_means_keep_polling(
    box: Sandbox, conn: instapd.Connection, waits: Waits
) -> None:
    lifecycle = Lifecycle(conn.client, box.account_ids[0], show_progress=False)
    container = conn.client.write(
        "POST", f"{box.account_ids[0]}/media", {"media_type": "REELS", "video_url": MP4}
    )["id"]
    media_id = lifecycle.publish(container, timeout=60)  # 9007 first, then polls
    assert box.publishing.containers[container].media_id == media_id
    assert waits.seconds


def test_a_timeout_leaves_the_container_to_publish_later(conn: instapd.Connection) -> None:
    with pytest.raises(PublishTimeoutError, match="publish_container") as caught:
        instapd.publish(video_url=MP4, connection=conn, timeout=2)
    row = instapd.publish_container(caught.value.container_id, connection=conn)
    assert row.loc[0, "status"] == "PUBLISHED"


@pytest.mark.parametrize("fault", ["apply-then-drop", "drop", "error-2"])
def test_a_lost_answer_to_media_publish_publishes_once(
    box: Sandbox, conn: instapd.Connection, fault: str
) -> None:
    before = media_ids(box)
    published = sum(map(len, box.publishing.published.values()))
    box.faults = Faults(write_schedule={2: fault})  # 1: the container, 2: media_publish
    row = instapd.publish(image_url=JPEG, caption=f"once {fault}", connection=conn)
    after = media_ids(box)
    assert after == [row.loc[0, "id"], *before]  # exactly one new post, and it is ours
    assert sum(map(len, box.publishing.published.values())) == published + 1
    assert row.loc[0, "status"] == "PUBLISHED"


def test_a_frame_publishes_each_row(box: Sandbox, conn: instapd.Connection) -> None:
    posts = pd.DataFrame(
        {
            "image_url": [JPEG, "https://example.com/404.jpg", None],
            "video_url": [None, None, MP4],
            "caption": ["one", "two", None],
        },
        index=[10, 20, 30],
    )
    result = instapd.publish(posts, connection=conn)
    assert list(result.index) == [10, 20, 30]
    assert list(result["status"]) == ["PUBLISHED", "error", "PUBLISHED"]
    assert list(result["media_type"]) == ["IMAGE", "IMAGE", "REELS"]
    assert "fetch" in str(result.loc[20, "error"])


def test_a_bad_row_stops_the_frame_before_sending(box: Sandbox, conn: instapd.Connection) -> None:
    posts = pd.DataFrame({"image_url": [JPEG, "https://example.com/a.gif"]})
    served = box.requests_served
    with pytest.raises(PublishRuleError, match="JPEG") as caught:
        instapd.publish(posts, connection=conn)
    assert caught.value.row == 1
    assert box.requests_served == served


def test_publishing_drops_stale_cache_entries(conn: instapd.Connection) -> None:
    first = conn.read("Media", limit=3)
    limit = conn.read("ContentPublishingLimit")
    row = instapd.publish(image_url=JPEG, connection=conn)
    assert conn.read("Media", limit=3).loc[0, "id"] == row.loc[0, "id"] != first.loc[0, "id"]
    after = conn.read("ContentPublishingLimit")
    assert int(after.loc[0, "quota_usage"]) == int(limit.loc[0, "quota_usage"]) + 1


def test_publishing_needs_the_scope(box: Sandbox) -> None:
    token = box.issue_token(("instagram_basic", "pages_show_list", "pages_read_engagement"))
    conn = instapd.connect(
        graph_url=box.url, access_token=token, business_account_id=box.account_ids[0]
    )
    with pytest.raises(PermissionDeniedError):
        instapd.publish(image_url=JPEG, connection=conn)


def test_the_upload_goes_only_to_metas_upload_host(conn: instapd.Connection) -> None:
    with pytest.raises(UsageError, match=r"rupload\.facebook\.com"):
        conn.client.upload("https://elsewhere.example/ig-api-upload/v25.0/1", b"x")


def test_cli_publishes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["publish", "--image-url", JPEG, "--caption", "from the shell", "--sandbox"]
    assert main([*argv, "--account", "atelier.nord"]) == 0
    media_id, container, kind, status, permalink = capsys.readouterr().out.split()
    assert (kind, status) == ("IMAGE", "PUBLISHED")
    assert media_id.isdigit()
    assert container.isdigit()
    assert permalink.startswith("https://")
    assert main(["publish", "--image-url", "ftp://example.com/a.jpg", "--sandbox"]) == 2
    assert "http(s)://" in capsys.readouterr().err


@pytest.mark.parametrize("other", ["another caption", "older", "claimed"])
def test_a_lost_publish_is_found_by_caption_time_and_claim_not_by_position(
    box: Sandbox, conn: instapd.Connection, other: str
) -> None:
    """media_publish is applied and its answer lost; right after it, another post lands at the
    head of the account's media. The look must pass over it: its caption is another, it is
    older than the round (listed first all the same), or this process already claimed it."""
    from instapd.publishing import lifecycle

    caption = f"ours ({other})"
    publish = box.publishing._publish
    planted: list[str] = []

    def then_another(account: str, params: dict[str, str]) -> dict[str, Any]:
        answer = publish(account, params)
        media_id = box.publish(account, caption if other != "another caption" else "x")
        if other == "older":
            # a day before the round on the sandbox's clock, which earlier tests moved ahead
            box.dataset[media_id].values["timestamp"] -= timedelta(days=1)
        if other == "claimed":  # as if an earlier publish here had returned it
            key = lifecycle.claims_key(conn.client, account)
            lifecycle._PUBLISHED.setdefault(key, set()).add(media_id)
        planted.append(media_id)
        return answer

    box.publishing._publish = then_another  # type: ignore[method-assign]
    try:
        box.faults = Faults(write_schedule={2: "apply-then-drop"})  # 1: container, 2: publish
        row = instapd.publish(image_url=JPEG, caption=caption, connection=conn)
    finally:
        del box.publishing._publish  # the class's own again
    assert row.loc[0, "status"] == "PUBLISHED"
    assert row.loc[0, "id"] != planted[0]
    assert media_ids(box)[:2] == [planted[0], row.loc[0, "id"]]
    assert box.dataset[row.loc[0, "id"]].values["caption"] == caption


def test_a_new_sandbox_on_a_reused_port_starts_with_no_claims() -> None:
    """Two sandboxes of one seed in turn on one port give out the same ids. The first's post,
    claimed by this process, is not the second's: a lost publish there finds its own post."""
    with socket.create_server(("127.0.0.1", 0)) as listening:  # one port, served twice in turn
        ids = []
        for drop in (None, "apply-then-drop"):
            box = Sandbox(seed=12, accounts=1, media_per_account=(2,), listen_fd=listening.fileno())
            with box, _publisher(box) as conn:
                box.faults = Faults(write_schedule={2: drop} if drop else {})  # 2: the publish
                row = instapd.publish(image_url=JPEG, caption="same", connection=conn)
                assert row.loc[0, "status"] == "PUBLISHED", row.loc[0, "error"]
                ids.append((box.url, row.loc[0, "id"], media_ids(box)[0]))
    assert ids[0] == ids[1]  # same port, same id: only the server instance tells them apart


def test_a_frame_checks_the_quota_before_making_any_container(
    box: Sandbox, conn: instapd.Connection
) -> None:
    limit = conn.read("ContentPublishingLimit", cache=False)
    box.publishing.quota_total = int(limit.loc[0, "quota_usage"])
    containers = len(box.publishing.containers)
    posts = pd.DataFrame({"image_url": [JPEG, JPEG], "caption": ["a", "b"]})
    result = instapd.publish(posts, connection=conn)
    assert list(result["status"]) == ["error", "error"]
    assert result["error"].str.contains("try again at").all()
    assert len(box.publishing.containers) == containers  # nothing was made
