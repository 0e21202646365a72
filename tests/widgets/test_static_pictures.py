"""Static views keep their pictures inline, yet never look like a Meta access token to a secret
scanner: the base64 of a data URI is broken into lines that browsers join again."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from instapd.sandbox import Sandbox
from instapd.widgets.static import LINE, data_uri
from tests.support import sandbox_connection

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: What scanners take for a Meta (Facebook) access token: EAA, then 100+ letters and digits
#: (gitleaks' rule asks EAA[MC] and 100 or more; this asks less, so it finds more).
META_TOKEN = re.compile(r"EAA[A-Za-z0-9]{80,}", re.IGNORECASE)
LONG_RUN = re.compile(rf"[A-Za-z0-9]{{{LINE + 1},}}")
DATA_URI = re.compile(r"data:image/(?:png|jpeg);base64,([A-Za-z0-9+/=\n]+)")


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(40,)) as server:
        yield server


def test_a_data_uri_is_the_picture_in_short_lines() -> None:
    body = bytes(range(256)) * 40
    uri = data_uri("image/png", body)
    head, text = uri.split(",", 1)
    assert head == "data:image/png;base64"
    assert max(len(line) for line in text.split("\n")) == LINE
    assert base64.b64decode(text.replace("\n", "")) == body


def test_the_gallery_s_static_view_has_every_picture_and_nothing_token_shaped(
    box: Sandbox,
) -> None:
    connection = sandbox_connection(box)
    media = connection.read("Media", limit=40)
    html = media.ig.gallery("likes", connection=connection).wait().static_html()
    pictures = DATA_URI.findall(html)
    assert len(pictures) == 40
    joined = "".join(p.replace("\n", "") for p in pictures)
    assert LONG_RUN.search(joined), "unbroken, these pictures hold long runs (the test's point)"
    assert not LONG_RUN.search(html)
    assert not META_TOKEN.search(html)
    for text in pictures:  # and each is still a JPEG
        assert base64.b64decode(text.replace("\n", "")).startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize("name", ["explore", "moderation", "publishing"])
def test_the_toolkit_s_saved_notebooks_hold_nothing_token_shaped(name: str) -> None:
    stored = (NOTEBOOKS / f"{name}.ipynb").read_text()  # as a scanner reads the file
    notebook = json.loads(stored)
    outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
    html = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
    assert html, "the widgets' static views are stored"
    assert not META_TOKEN.search(stored)
    assert not LONG_RUN.search("\n".join(html))
    if name == "explore":
        assert sum(len(DATA_URI.findall(h)) for h in html) >= 12  # gallery, charts, heatmap


def test_a_meta_token_would_be_found() -> None:
    token = "EAA" + "Bw" * 90  # the shape, not a real one
    assert META_TOKEN.search(json.dumps({"text/html": f"<b>{token}</b>"}))


def test_a_line_ends_after_each_token_start() -> None:
    """Every JPEG's Huffman tables encode to ``EAAgECBAQ...``; scanners with short rules flag it."""
    body = base64.b64decode("EAAgECBAQDBAcFBAQAAQJ3" * 8 + "eaaB")
    text = data_uri("image/jpeg", body).split(",", 1)[1]
    assert not re.search(r"EAA[A-Za-z0-9]", text, re.IGNORECASE)
    assert base64.b64decode(text.replace("\n", "")) == body
