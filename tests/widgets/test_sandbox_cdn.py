"""The sandbox's CDN: media_url/thumbnail_url answer real JPEGs, signed and expiring like Meta's."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import requests
from PIL import Image

from instapd.sandbox import Sandbox
from instapd.sandbox.cdn import LIFETIME
from tests.support import sandbox_call


@pytest.fixture
def box() -> Sandbox:
    with Sandbox(accounts=1, media_per_account=(12,)) as server:
        yield server


def _media(box: Sandbox) -> list[dict[str, str]]:
    account = box.account_ids[0]
    fields = "id,media_type,media_url,thumbnail_url,children{media_url,thumbnail_url}"
    status, body = sandbox_call(box, "GET", f"{account}/media", fields=fields, limit=50)
    assert status == 200
    return list(body["data"])


def test_links_are_loopback_jpegs_and_distinct(box: Sandbox) -> None:
    media = _media(box)
    urls = [m.get("thumbnail_url") or m["media_url"] for m in media if "media_url" in m]
    assert all(u.startswith(f"{box.url}/cdn/") and "oe=" in u for u in urls)
    pictures = [requests.get(u, timeout=10) for u in urls]
    assert {p.status_code for p in pictures} == {200}
    assert {p.headers["Content-Type"] for p in pictures} == {"image/jpeg"}
    assert len({p.content for p in pictures}) == len(pictures)  # each picture its own
    assert Image.open(io.BytesIO(pictures[0].content)).size[0] > 0
    children = [c for m in media for c in m.get("children", {}).get("data", [])]
    assert children
    child = children[0].get("thumbnail_url") or children[0]["media_url"]
    assert requests.get(child, timeout=10).status_code == 200


def test_links_expire_and_a_fresh_read_signs_again(box: Sandbox) -> None:
    first = _media(box)[0]["media_url"]
    assert _media(box)[0]["media_url"] == first  # within the window: the same link
    box.advance(LIFETIME + timedelta(hours=1))
    expired = requests.get(first, timeout=10)
    assert (expired.status_code, expired.text) == (403, "URL signature expired")
    fresh = _media(box)[0]["media_url"]
    assert fresh != first
    assert requests.get(fresh, timeout=10).status_code == 200


def test_a_tampered_link_is_refused(box: Sandbox) -> None:
    url = _media(box)[0]["media_url"]
    other = _media(box)[1]["media_url"]
    forged = url.split("?")[0] + "?" + other.split("?")[1]  # another picture's signature
    answer = requests.get(forged, timeout=10)
    assert (answer.status_code, answer.text) == (403, "Bad URL hash")
