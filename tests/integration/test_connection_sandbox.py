"""``Connection.sandbox``: the embedded sandbox behind ``connect(sandbox=True)``, the public way
a notebook reaches its sample pictures and clock (not ``instapd.api``'s internals)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

import instapd


def test_a_sandbox_connections_sandbox_is_the_one_its_reads_reach(tmp_path: Path) -> None:
    connection = instapd.connect(sandbox=True, cache_location=tmp_path)
    box = connection.sandbox
    assert connection.graph_url == box.url
    before = box.requests_served
    connection.read("Media", account="brewlab.coffee", limit=1, progress=False)
    assert box.requests_served > before  # the read went to this very sandbox

    # what the publishing notebook takes from it: a picture this sandbox serves (publishing it
    # here would change the process's shared sandbox for the tests after this one)
    picture = requests.get(box.sample_picture_url(2), timeout=30)
    assert picture.ok
    assert picture.headers["Content-Type"] == "image/jpeg"


def test_instagram_login_gets_the_sandbox_that_plays_instagram() -> None:
    facebook = instapd.connect(sandbox=True).sandbox
    instagram = instapd.connect(sandbox=True, AuthScheme="InstagramLogin").sandbox
    assert instagram is not facebook
    assert instagram.url == instapd.connect(sandbox=True, AuthScheme="InstagramLogin").graph_url


def test_a_connection_to_meta_has_no_sandbox_and_says_how_to_get_one() -> None:
    connection = instapd.connect(OAuthAccessToken="EAAtoken", Sandbox=False)
    with pytest.raises(instapd.UsageError, match=r"connect\(sandbox=True\)"):
        _ = connection.sandbox
