"""Composer: live caption counts against Meta's limits, quota left, rules before sending, and
Publish through the container states to the permalink, once."""

from __future__ import annotations

import html
import io
from collections.abc import Iterator

import pytest
import requests
from PIL import Image, ImageStat

import instapd
from instapd.errors import PublishRuleError
from instapd.sandbox import Sandbox
from instapd.widgets.composer import Composer, _said
from instapd.widgets.composer_data import count_caption, post_fields
from tests.support import sandbox_connection, writes_logged

JPEG = "https://example.com/cup.jpg"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(4,), publishing_quota=5) as server:
        yield server


@pytest.fixture
def connection(box: Sandbox) -> instapd.Connection:
    return sandbox_connection(box)


def test_caption_counts_follow_meta_s_limits() -> None:
    counted = count_caption("Morning pour #coffee #beans with @friend")
    assert (counted.characters, counted.hashtags, counted.mentions) == (40, 2, 1)
    assert counted.problems == []
    assert count_caption("#x " * 31).problems == ["1 hashtags too many"]
    assert count_caption("@a " * 21).problems == ["1 @mentions too many"]
    assert count_caption("a" * 2201).problems == ["1 characters too many"]


def test_the_post_s_fields_follow_its_kind() -> None:
    assert post_fields("image", [JPEG], "hi") == {"caption": "hi", "image_url": JPEG}
    story = post_fields("story", [JPEG], "")
    assert story == {"caption": None, "image_url": JPEG, "media_type": "STORIES"}
    carousel = post_fields("carousel", [JPEG, "https://example.com/b.jpg"], "two")
    assert carousel["children"] == [JPEG, "https://example.com/b.jpg"]
    with pytest.raises(PublishRuleError, match="2 to 10 items"):
        post_fields("carousel", [JPEG], "")
    with pytest.raises(PublishRuleError, match=r"http\(s\)://"):
        post_fields("image", ["file:///home/me/a.jpg"], "")
    assert post_fields("image", ["http://example.com/a.jpg"], "")["image_url"].startswith("http:")


def test_typing_updates_counts_and_the_rule_blocks_publish(
    connection: instapd.Connection, box: Sandbox
) -> None:
    composer = Composer(
        connection=connection, urls=[box.sample_picture_url(1)], caption="Morning pour"
    )
    assert "12/2,200 characters" in composer.counts.value
    assert not composer.publish_button.disabled
    composer.caption_box.value = "#x " * 31
    assert "31/30 hashtags" in composer.counts.value
    assert "at most 30 hashtags" in composer.check.value
    assert composer.publish_button.disabled


def test_publish_shows_states_and_the_permalink_once(
    connection: instapd.Connection, box: Sandbox
) -> None:
    composer = Composer(
        connection=connection, urls=[box.sample_picture_url(1)], caption="Morning pour"
    )
    composer.publish_button.click()
    composer.publish_button.click()  # while it runs, or after: nothing more is sent
    composer.wait()
    composer.publish()
    composer.wait()
    account = box.account_ids[0]
    assert writes_logged(box) == [
        f"POST /v25.0/{account}/media",
        f"POST /v25.0/{account}/media_publish",
    ]
    assert composer.result is not None
    permalink = str(composer.result.loc[0, "permalink"])
    assert permalink.startswith("https://www.instagram.com/p/")
    assert f'href="{permalink}"' in composer.progress.value
    assert any("FINISHED" in s for s in composer.states)
    assert composer.states[-1] == "PUBLISHED"
    assert composer.publish_button.disabled


def test_the_quota_left_is_shown(connection: instapd.Connection, box: Sandbox) -> None:
    picture = box.sample_picture_url(1)
    assert "5 of 5 posts left" in Composer(connection=connection, urls=[picture]).wait().quota.value
    connection.publish(image_url=picture, caption="first")
    composer = Composer(connection=connection, urls=[picture], caption="second").wait()
    assert "4 of 5 posts left" in composer.quota.value
    composer.publish()
    assert "3 of 5 posts left" in composer.wait().quota.value


def test_the_static_view_has_the_caption_counts_and_the_preview(
    connection: instapd.Connection, box: Sandbox
) -> None:
    composer = Composer(
        connection=connection, urls=[box.sample_picture_url(1)], caption="Morning pour"
    )
    html = composer.wait().static_html()
    assert "Morning pour" in html
    assert "12/2,200 characters" in html
    assert html.count('<img src="data:image/jpeg;base64,') == 1


def test_the_preview_is_the_picture_itself_fetched_by_instapd(
    connection: instapd.Connection, box: Sandbox
) -> None:
    urls = [box.sample_picture_url(1), box.sample_picture_url(2, size=(1080, 1350))]
    composer = Composer(connection=connection, urls=urls).wait()
    served = requests.get(urls[1], timeout=10).content
    preview = composer.previews[urls[1]]
    assert preview.jpeg is not None
    with Image.open(io.BytesIO(preview.jpeg)) as shown, Image.open(io.BytesIO(served)) as real:
        assert shown.size == (128, 160)  # the 4:5 picture, at most 160 px
        assert ImageStat.Stat(shown).mean == pytest.approx(
            ImageStat.Stat(real.resize(shown.size)).mean, abs=6
        )  # the same picture, scaled, not a stand-in
    html = composer.preview.value
    assert html.count("<img ") == 2
    assert "no preview" not in html
    fetched = [line for line in box.app.log if "/samples/" in line]
    assert len(fetched) == 3  # two previews (one per picture) and the test's own download


def test_a_preview_that_cannot_be_fetched_says_why_and_publish_is_refused_by_meta(
    connection: instapd.Connection, box: Sandbox
) -> None:
    gone = f"{box.url}/samples/gone.jpg"
    composer = Composer(connection=connection, urls=[gone], caption="x").wait()
    assert composer.previews[gone].reason == "the server answered 404"
    assert "[no preview: the server answered 404]" in composer.preview.value
    assert "<img " not in composer.preview.value
    composer.publish()
    with pytest.raises(instapd.MediaNotFetchableError) as refused:
        composer.wait()  # the publish's error, as BestTime's and Inbox's wait() raise theirs
    assert composer.error is refused.value
    assert composer.states[-1] == "NOT PUBLISHED"
    assert f"Not published: {html.escape(str(refused.value))}" in composer.progress.value
    assert "Not published" in composer.static_html()
    assert not composer.publish_button.disabled  # nothing went out: it may be tried again
    composer.urls_box.value = box.sample_picture_url(1)
    composer.publish()
    assert composer.wait().error is None  # the next publish starts with no error
    assert composer.states[-1] == "PUBLISHED"


def test_an_error_that_is_not_instapd_s_shows_its_type() -> None:
    assert _said(TypeError("'NoneType' object is not iterable")) == (
        "TypeError: 'NoneType' object is not iterable"
    )
    refused = instapd.MediaNotFetchableError("Fetch failed")
    assert _said(refused) == str(refused)  # instapd's own say what to fix, with no type


def test_a_video_is_not_downloaded_for_a_preview(
    connection: instapd.Connection, box: Sandbox
) -> None:
    video = f"{box.url}/samples/pour-over.mp4"
    composer = Composer(connection=connection, kind="reel", urls=[video]).wait()
    assert "[no preview: a video]" in composer.preview.value
    assert not any("pour-over" in line for line in box.app.log)


def test_an_account_that_is_not_linked_is_said_in_red_where_it_failed(
    connection: instapd.Connection, box: Sandbox
) -> None:
    composer = Composer(account="nobody.here", connection=connection,
                        urls=[box.sample_picture_url(1)], caption="x").wait()  # fmt: skip
    assert '<span style="color:#b00020">Could not read the quota: No linked account is called' in (
        composer.quota.value
    )
    composer.publish()
    with pytest.raises(instapd.AccountError, match=r"nobody\.here"):
        composer.wait()
    assert composer.states == ["checking the quota", "NOT PUBLISHED"]
    assert writes_logged(box) == []
