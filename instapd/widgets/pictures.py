"""The media's pictures, fetched by instapd: bounded concurrency, a private cache, refreshed links.

Meta's CDN links (``media_url``, ``thumbnail_url``) are signed and expire (``oe=``). A picture
is looked up in the cache first (by the media's id, never by its link, which changes); a link
that is missing or answers 403/404/410 is refreshed once by reading the media's
``media_url``/``thumbnail_url`` again through the Graph client. A video shows its thumbnail, an
album its cover (Meta's ``media_url`` of an album is its first child; when absent, the first
child is read). What cannot be fetched becomes a :class:`Picture` with no bytes and a reason,
so a view shows a placeholder, never a broken image.

The CDN is asked without the access token: a picture link is public, the token is not.
Pictures are kept as small JPEG thumbnails (``THUMBNAIL`` px), 0600 files in the 0700 cache
folder (:mod:`instapd.private`); Pillow makes them (the ``widgets`` extra).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ..cache import QueryCache, default_location
from ..connection import BaseConnection
from ..errors import InstapdError
from ..private import private_file
from .static import data_uri

#: At most this many pictures are fetched at once (browsers open about 6 per host).
WORKERS = 6
THUMBNAIL = 240
TIMEOUT = 15.0
VIDEO_SUFFIXES = (".mp4", ".mov")
#: Answers meaning "this link no longer works": read the media's link again.
STALE = (403, 404, 410)


@dataclass(frozen=True)
class Item:
    """What the gallery knows of one media before fetching: its id, type and picture link."""

    media_id: str
    media_type: str = "IMAGE"
    url: str | None = None


@dataclass(frozen=True)
class Picture:
    """A thumbnail (JPEG bytes) or, when there is none, why not."""

    media_id: str
    jpeg: bytes | None = None
    reason: str | None = None
    refreshed: bool = False  # the first link had expired (or was missing) and was read again
    cached: bool = False

    @property
    def data_uri(self) -> str | None:
        """The thumbnail inline, for ``<img src>`` (see :func:`.static.data_uri`)."""
        return None if self.jpeg is None else data_uri("image/jpeg", self.jpeg)


def fetcher_for(connection: BaseConnection, scope: str = "") -> PictureFetcher:
    """A fetcher over ``connection``'s Graph client, keeping pictures in its cache folder."""
    folder = QueryCache(connection.config.cache_location).location / "pictures"
    return PictureFetcher(connection.client.get, source=f"{connection.graph_url} {scope}",
                          folder=folder)  # fmt: skip


def picture_link(row: dict[str, Any]) -> str | None:
    """The link to show for a media row: a video's thumbnail, else its ``media_url``."""
    if str(row.get("media_type") or "") == "VIDEO" and _text(row.get("thumbnail_url")):
        return _text(row.get("thumbnail_url"))
    return _text(row.get("media_url"))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


#: Reads a media's fields (``GET /{id}?fields=...``); the connection's Graph client in use.
Reader = Callable[[str, dict[str, Any]], dict[str, Any]]


class PictureFetcher:
    """Fetches thumbnails for media, ``workers`` at a time, through the private cache.

    ``read`` asks the Graph API for a media's fields (to refresh a link); ``source`` names the
    API the media came from, so two sandboxes or accounts never share cached pictures.
    """

    def __init__(
        self,
        read: Reader,
        *,
        source: str,
        folder: Path | None = None,
        workers: int = WORKERS,
        session: requests.Session | None = None,
    ) -> None:
        self.read = read
        self.source = source
        self.folder = folder or default_location() / "pictures"
        self.workers = workers
        self.session = session or _session(workers)
        self.refreshes = 0
        self._lock = threading.Lock()

    # -- many -------------------------------------------------------------------------------

    def fetch_all(self, items: Sequence[Item]) -> Iterator[Picture]:
        """Pictures as they arrive; items are started in order, so the first rows come first."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="instapd-pictures") as pool:
            pending: set[Future[Picture]] = set()
            queue = iter(items)
            for item in _take(queue, self.workers * 2):
                pending.add(pool.submit(self.fetch, item))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                    for item in _take(queue, 1):
                        pending.add(pool.submit(self.fetch, item))

    # -- one --------------------------------------------------------------------------------

    def fetch(self, item: Item) -> Picture:
        """One thumbnail: from the cache, else its link, else a refreshed link, else a reason."""
        path = self._path(item.media_id)
        if path.is_file():
            return Picture(item.media_id, path.read_bytes(), cached=True)
        url, refreshed = item.url, False
        if url is None:
            url, reason = self._fresh_link(item)
            refreshed = True
            if url is None:
                return Picture(item.media_id, reason=reason, refreshed=True)
        try:
            status, body = self._get(url)
            if status in STALE and not refreshed:
                url, reason = self._fresh_link(item)
                refreshed = True
                if url is None:
                    return Picture(item.media_id, reason=reason, refreshed=True)
                status, body = self._get(url)
            if status != 200:
                return Picture(
                    item.media_id, reason=f"the CDN answered {status}", refreshed=refreshed
                )
            jpeg = thumbnail(body)
        except requests.RequestException as exc:
            return Picture(item.media_id, reason=f"could not reach the CDN ({type(exc).__name__})")
        except ValueError as exc:
            return Picture(item.media_id, reason=str(exc), refreshed=refreshed)
        with private_file(path) as stream:
            stream.write(jpeg)
        return Picture(item.media_id, jpeg, refreshed=refreshed)

    def preview(self, url: str, size: int = THUMBNAIL) -> Picture:
        """The picture at a public ``url`` you are about to publish (not cached: it is yours and
        may change), or why there is none. A video's URL is not downloaded."""
        if url.lower().split("?")[0].endswith(VIDEO_SUFFIXES):
            return Picture(url, reason="a video")
        try:
            status, body = self._get(url)
            if status != 200:
                return Picture(url, reason=f"the server answered {status}")
            return Picture(url, thumbnail(body, size))
        except requests.RequestException as exc:
            return Picture(url, reason=f"could not reach it ({type(exc).__name__})")
        except ValueError:
            return Picture(url, reason="it answered something that is not a picture")

    def _get(self, url: str) -> tuple[int, bytes]:
        answer = self.session.get(url, timeout=TIMEOUT)
        return answer.status_code, answer.content

    def _fresh_link(self, item: Item) -> tuple[str | None, str]:
        """The media's link read again (an album's first child when it has none), or why not."""
        with self._lock:
            self.refreshes += 1
        fields = "media_type,media_url,thumbnail_url"
        try:
            row = self.read(item.media_id, {"fields": fields})
            url = picture_link(row)
            if url is None and row.get("media_type") == "CAROUSEL_ALBUM":
                children = self.read(f"{item.media_id}/children", {"fields": fields, "limit": 1})
                first = (children.get("data") or [{}])[0]
                url = picture_link(first)
        except InstapdError as exc:
            return None, f"Instagram refused to give its link: {exc}"
        if url is None:
            return None, "Instagram gives no picture for it (copyrighted audio or removed)"
        return url, ""

    def _path(self, media_id: str) -> Path:
        key = hashlib.sha256(f"{self.source}\n{media_id}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.jpg"


def thumbnail(body: bytes, size: int = THUMBNAIL) -> bytes:
    """``body`` (any picture Pillow reads) as a JPEG no larger than ``size`` square."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(body))
        image.thumbnail((size, size))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("the CDN answered something that is not a picture") from exc
    return out.getvalue()


def _session(workers: int) -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=workers)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _take(items: Iterator[Item], count: int) -> Iterable[Item]:
    for _ in range(count):
        item = next(items, None)
        if item is None:
            return
        yield item
