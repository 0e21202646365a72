"""The sandbox downloads a container's image_url as Meta does (graph-api.md 8.1: a public URL
that Meta cURLs) and judges the bytes, not the name; it serves sample pictures one may publish."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from PIL import Image

import instapd
from instapd.sandbox import Sandbox
from tests.support import sandbox_call as call
from tests.support import sandbox_connection


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(3,)) as server:
        yield server


def _picture(kind: str, size: tuple[int, int] = (1080, 1080)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, kind)
    return out.getvalue()


class Site:
    """A web server on loopback (not the sandbox): what it serves, and the requests it got."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                body = site.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # listening from here on
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    yield served
    served.server.shutdown()
    served.server.server_close()


def _create(box: Sandbox, image_url: str) -> tuple[int, Any]:
    return call(box, "POST", f"{box.account_ids[0]}/media", image_url=image_url)


def test_sample_pictures_are_real_distinct_jpegs_of_the_size_asked(box: Sandbox) -> None:
    one, two = (requests.get(box.sample_picture_url(n), timeout=10) for n in (1, 2))
    assert one.headers["Content-Type"] == "image/jpeg"
    assert one.content != two.content
    with Image.open(io.BytesIO(one.content)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1080, 1080))
    tall = requests.get(box.sample_picture_url(1, size=(1080, 1350), format="png"), timeout=10)
    with Image.open(io.BytesIO(tall.content)) as picture:
        assert (picture.format, picture.size) == ("PNG", (1080, 1350))
    assert requests.get(f"{box.url}/samples/nothing.jpg", timeout=10).status_code == 404


def test_a_sample_picture_publishes_over_http(box: Sandbox) -> None:
    connection = sandbox_connection(box)
    url = box.sample_picture_url(3)
    assert url.startswith("http://")  # Meta asks a public URL, not https (graph-api.md 8.1)
    posted = connection.publish(image_url=url, caption="a sample")
    assert posted.loc[0, "status"] == "PUBLISHED"


def test_the_image_is_downloaded_once_when_the_container_is_made(box: Sandbox, site: Site) -> None:
    site.files["/latte.jpg"] = _picture("JPEG")
    status, body = _create(box, f"{site.url}/latte.jpg")
    assert status == 200, body
    assert site.hits == ["/latte.jpg"]


@pytest.mark.parametrize(
    ("path", "body", "code", "subcode"),
    [
        ("/missing.jpg", None, 9004, 2207052),  # the server answers 404
        ("/really-a.png.jpg", _picture("PNG"), 36001, 2207005),  # a PNG named .jpg
        ("/page.jpg", b"<html>not a picture</html>", 36001, 2207005),
        ("/wide.jpg", _picture("JPEG", (3000, 1000)), 36003, 2207009),  # 3:1, past 1.91:1
    ],
    ids=["404", "png-named-jpg", "html", "too-wide"],
)
def test_what_cannot_be_downloaded_or_taken_is_refused_in_meta_s_shape(
    box: Sandbox, site: Site, path: str, body: bytes | None, code: int, subcode: int
) -> None:
    if body is not None:
        site.files[path] = body
    status, answer = _create(box, f"{site.url}{path}")
    assert status == 400
    error = answer["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (
        code,
        subcode,
        "OAuthException",
    )
    assert error["is_transient"] is False
    assert site.hits == [path]  # the bytes were asked for: judged by what came, not the name


def test_an_unreachable_host_is_not_fetchable(box: Sandbox) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    status, answer = _create(box, f"http://127.0.0.1:{port}/a.jpg")
    assert status == 400
    assert (answer["error"]["code"], answer["error"]["error_subcode"]) == (9004, 2207052)
    connection = sandbox_connection(box)
    with pytest.raises(instapd.MediaNotFetchableError, match="public web URL"):
        connection.publish(image_url=f"http://127.0.0.1:{port}/a.jpg")
