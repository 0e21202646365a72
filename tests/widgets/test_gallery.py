"""df.ig.gallery(): pictures fetched (cache, refresh of expired links, reasons), controls, items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest

import instapd
from instapd.errors import NotMediaError
from instapd.sandbox import Sandbox
from instapd.sandbox.cdn import LIFETIME
from instapd.widgets.gallery import Gallery
from tests.support import sandbox_connection


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(18,)) as server:
        yield server


@pytest.fixture
def connection(box: Sandbox) -> instapd.Connection:
    return sandbox_connection(box)


def _media(connection: instapd.Connection) -> pd.DataFrame:
    return connection.read("Media")


def test_every_tile_gets_its_own_picture(connection: instapd.Connection, box: Sandbox) -> None:
    gallery = _media(connection).ig.gallery(connection=connection).wait()
    pictures = [gallery.picture(t.media_id) for t in gallery.tiles]
    assert all(p is not None and p.jpeg for p in pictures), [p.reason for p in pictures if p]
    assert len({p.jpeg for p in pictures if p}) == len(pictures)  # distinct pictures
    assert box.app.cdn.served == len(pictures)
    videos = [t for t in gallery.tiles if t.media_type == "VIDEO"]
    assert videos
    assert all("_thumb.jpg" in str(t.url) for t in videos)
    albums = [t for t in gallery.grid.tiles if t["type"] == "CAROUSEL_ALBUM"]
    assert albums
    assert {t["badge"] for t in albums} == {"album"}


def test_a_second_gallery_comes_from_the_private_cache(
    connection: instapd.Connection, box: Sandbox
) -> None:
    _media(connection).ig.gallery(connection=connection).wait()
    served = box.app.cdn.served
    again = _media(connection).ig.gallery(connection=connection).wait()
    assert box.app.cdn.served == served
    assert all(again.picture(t.media_id).cached for t in again.tiles)  # type: ignore[union-attr]
    files = list(again.fetcher.folder.iterdir())
    assert files
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}


def test_expired_links_are_read_again_never_shown_broken(
    connection: instapd.Connection, box: Sandbox
) -> None:
    frame = _media(connection)  # links signed now
    box.advance(LIFETIME + timedelta(hours=1))  # ... and expired since
    gallery = frame.ig.gallery(connection=connection).wait()
    assert box.app.cdn.refused == len(gallery.tiles)
    assert gallery.fetcher.refreshes == len(gallery.tiles)
    assert all(gallery.picture(t.media_id).refreshed for t in gallery.tiles)  # type: ignore[union-attr]
    assert all(gallery.picture(t.media_id).jpeg for t in gallery.tiles)  # type: ignore[union-attr]


def test_a_picture_that_cannot_be_fetched_has_a_placeholder_and_reason(
    connection: instapd.Connection,
) -> None:
    frame = _media(connection)
    frame.loc[0, "media_url"] = "http://127.0.0.1:9/gone.jpg"  # nothing listens there
    frame.loc[0, "media_type"] = "IMAGE"
    gallery = frame.ig.gallery(connection=connection).wait()
    picture = gallery.picture(str(frame.loc[0, "id"]))
    assert picture is not None
    assert picture.jpeg is None
    assert "could not reach the CDN" in str(picture.reason)
    assert "No picture: could not reach the CDN" in gallery.static_html()
    assert gallery.static_html().count("data:image/jpeg") == len(gallery.tiles) - 1


def test_a_frame_of_no_media_is_refused_naming_the_tables_that_work(
    connection: instapd.Connection,
) -> None:
    comments = connection.read("Comments", limit=3)
    with pytest.raises(NotMediaError, match="BusinessDiscoveryMedia") as raised:
        comments.ig.gallery(connection=connection)
    assert "Comments frame holds no media" in str(raised.value)


def test_sort_and_filter_controls_reorder_the_grid(connection: instapd.Connection) -> None:
    gallery = _media(connection).ig.gallery(connection=connection, start=False)
    gallery.metric_box.value = "likes"
    gallery.sort_box.value = "metric, highest"
    likes = {t.media_id: t.metrics.get("likes") for t in gallery.tiles}
    shown = [likes[t["id"]] for t in gallery.grid.tiles]
    known = [v for v in shown if v is not None]
    assert known == sorted(known, reverse=True)
    assert len(known) > 3
    assert gallery.grid.tiles[0]["label"] == f"likes {known[0]:,.0f}"
    gallery.type_box.value = "VIDEO"
    assert gallery.grid.tiles
    assert {t["type"] for t in gallery.grid.tiles} == {"VIDEO"}
    gallery.sort_box.value = "oldest"
    gallery.type_box.value = "all types"
    times = [t.timestamp for t in gallery.shown]
    assert times == sorted(times)  # type: ignore[type-var]


def test_a_click_opens_the_item_and_its_buttons_return_frames(
    connection: instapd.Connection, box: Sandbox
) -> None:
    gallery = _media(connection).ig.gallery(connection=connection).wait()
    tile = next(t for t in gallery.tiles if box.dataset[t.media_id].edges.get("comments"))
    gallery.grid.selected = tile.media_id  # what a click in the grid sets
    assert tile.caption.split("\n")[0][:20] in gallery.detail.value.replace("&quot;", '"')
    assert tile.permalink
    assert tile.permalink in gallery.detail.value
    gallery.comments_button.click()
    assert gallery.frame is not None
    assert set(gallery.frame["media_id"]) == {tile.media_id}
    assert len(gallery.frame) == len(box.dataset[tile.media_id].edges["comments"])
    gallery.insights_button.click()
    assert gallery.frame is not None
    assert list(gallery.frame["media_id"]) == [tile.media_id]
    assert "reach" in gallery.frame.columns


def test_the_mime_bundle_carries_a_static_view_with_the_pictures(
    connection: instapd.Connection,
) -> None:
    gallery = _media(connection).ig.gallery(connection=connection).wait()
    bundle = gallery._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/html"].count("data:image/jpeg;base64,") == len(gallery.tiles)
    assert "<script" not in data["text/html"]
    assert "<style" not in data["text/html"]


def test_insights_frames_show_too(connection: instapd.Connection) -> None:
    media = _media(connection)
    insights = media.ig.insights(connection=connection)
    gallery = insights.ig.gallery("reach", connection=connection).wait()
    assert isinstance(gallery, Gallery)
    assert "engagement rate" in gallery.metric_box.options
    assert all(gallery.picture(t.media_id).jpeg for t in gallery.tiles)  # type: ignore[union-attr]
