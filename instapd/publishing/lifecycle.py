"""A container's life: create it, wait for it, publish it exactly once, read the post back.

Meta's errors come back typed (graph-api.md 4.2): 9004/2207052 and 36000-36004/352 say what to
fix; 9007/2207027 (not ready) means keep polling; 9/2207042 (quota) says when the window frees;
24/2207008 (expired) is the caller's cue to make the container again; -1/-2 are tried again.

A ``media_publish`` whose answer is lost may have published: before sending it again, the
container's ``status_code`` is read, and a ``PUBLISHED`` one is found among the account's
newest media instead of being published twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import (
    ContainerExpiredError,
    ContainerFailedError,
    GraphError,
    MediaNotFetchableError,
    MediaSpecError,
    PublishError,
    PublishingLimitError,
    PublishTimeoutError,
    RateLimitedError,
    RetryableError,
    TransientError,
)
from ..progress import SHOW_AFTER
from .rules import Post

if TYPE_CHECKING:
    from ..graph import GraphClient

logger = logging.getLogger("instapd.publishing")

#: Waits between status reads: the first read is at once, then 1 s doubling up to a minute
#: (Meta suggests reading once a minute at most).
FIRST_WAIT, MAX_WAIT = 1.0, 60.0
#: Tries of a container creation or a ``media_publish`` that failed in passing (-1, -2, 5xx).
TRIES = 4
DONE = ("FINISHED", "PUBLISHED")
READ_BACK = "id,permalink,media_type,media_product_type,timestamp"
#: What a published media's product type says the post is.
KINDS = {"REELS": "REELS", "STORY": "STORIES"}
#: Media ids this process published, never taken for a lost publish's: per API root, account and
#: token, so a new server on a reused loopback port (which issues its own tokens, and may give
#: out the same deterministic ids again) starts with no claims.
_PUBLISHED: dict[tuple[str, str, str], set[str]] = {}
_PUBLISHED_LOCK = threading.Lock()


def claims_key(client: GraphClient, account: str) -> tuple[str, str, str]:
    """Whose claims a publish on ``account`` over ``client`` shares: same server, same token."""
    return client.base_url, account, client.token_digest


def typed(error: GraphError, container_id: str | None = None) -> GraphError:
    """Meta's publishing errors as instapd's types (by code and subcode, never message)."""
    kind: type[PublishError] | None = None
    if error.code == 9004 or error.subcode == 2207052:
        kind = MediaNotFetchableError
    elif error.code == 352 or (error.code or 0) in range(36000, 36005):
        kind = MediaSpecError
    elif (error.code == 24 and error.subcode in (2207008, None)) or error.subcode == 2207020:
        kind = ContainerExpiredError
    elif error.code == 9 and error.subcode == 2207042:
        kind = PublishingLimitError
    if kind is None:
        return error
    new = kind(error.message, **error.details)
    new.container_id = container_id
    return new


def not_ready(error: GraphError) -> bool:
    return error.code == 9007 or error.subcode == 2207027


class Lifecycle:
    """Publishing on one account over ``client``. Waits go through ``client.retry.sleep``."""

    def __init__(self, client: GraphClient, account: str, *, show_progress: bool) -> None:
        self.client = client
        self.account = account
        self.show_progress = show_progress
        self.sleep: Callable[[float], None] = client.retry.sleep
        #: Told each container status read (container id, ``status_code``): progress displays.
        self.on_status: Callable[[str, str], None] | None = None
        with _PUBLISHED_LOCK:
            self._published = _PUBLISHED.setdefault(claims_key(client, account), set())

    # -- the quota ---------------------------------------------------------------------------

    def read_quota(self) -> dict[str, int | None]:
        """``quota_usage``, ``quota_total`` (``None`` when Meta does not say) and
        ``quota_duration`` (seconds), as Meta answers now."""
        body = self.client.get(
            f"{self.account}/content_publishing_limit", {"fields": "quota_usage,config"}
        )
        entry = (body.get("data") or [{}])[0]
        config = entry.get("config") or {}
        usage = int(entry.get("quota_usage") or 0)
        total = None if config.get("quota_total") is None else int(config["quota_total"])
        duration = int(config.get("quota_duration") or 86400)
        return {"quota_usage": usage, "quota_total": total, "quota_duration": duration}

    def check_quota(self) -> dict[str, int | None]:
        """Refuse before anything when the account has no posts left in the window.

        The quota is Meta's answer (``config.quota_total``), never a number written down here:
        Meta's pages say 100, 50 and 25. Without an answer, ``media_publish`` is left to refuse.
        """
        limit = self.read_quota()
        usage, total = int(limit["quota_usage"] or 0), limit["quota_total"]
        duration = int(limit["quota_duration"] or 86400)
        if total is not None and usage >= total:
            raise PublishingLimitError(
                f"The account has published {usage} of its {total} posts for the window",
                frees_at=self.frees_at(duration),
                code=9,
                subcode=2207042,
            )
        return {"quota_usage": usage, "quota_total": total, "quota_duration": duration}

    def frees_at(self, duration: int = 86400) -> datetime:
        """When the oldest post in the window leaves it (so one more may be published)."""
        now = self.server_now()
        since = now - timedelta(seconds=duration)
        try:
            body = self.client.get(f"{self.account}/media", {"fields": "timestamp", "limit": 100})
        except GraphError:
            return now + timedelta(seconds=duration)
        stamps = [s for s in map(_stamp, body.get("data") or []) if s and s > since]
        return (min(stamps) if stamps else now) + timedelta(seconds=duration)

    def server_now(self) -> datetime:
        """The API's time when it last answered (our clock if it never said)."""
        return self.client.server_now()

    # -- containers --------------------------------------------------------------------------

    def create(self, post: Post, timeout: float) -> str:
        """The container for ``post`` (a carousel's items first, each ready before it)."""
        params = post.params()
        if post.children:
            ids = [self.create(child, timeout) for child in post.children]
            for child_id in ids:
                self.wait(child_id, timeout)
            params["children"] = ",".join(ids)
        body = self._write("media", params, None)
        container_id = str(body["id"])
        if post.video_path is not None:
            uri = str(body.get("uri") or "")
            if not uri:
                raise TransientError("Meta answered a resumable upload without its uri")
            self.client.upload(uri, post.video_path)
            logger.info("uploaded a video for container %s", container_id)
        return container_id

    def status(self, container_id: str) -> tuple[str, str]:
        body = self.client.get(container_id, {"fields": "status_code,status"})
        code = str(body.get("status_code") or "")
        if self.on_status is not None:
            self.on_status(container_id, code)
        return code, str(body.get("status") or "")

    def wait(self, container_id: str, timeout: float) -> str:
        """Read the status with growing waits until it is FINISHED (or PUBLISHED)."""
        started, waited, delay = time.monotonic(), 0.0, FIRST_WAIT
        bar = self._bar(container_id)
        try:
            while True:
                code, text = self.status(container_id)
                if bar is not None:
                    bar.set_postfix_str(code, refresh=False)
                    bar.update(1)
                if code in DONE:
                    return code
                if code in ("ERROR", "EXPIRED"):
                    raise self._ended(container_id, code, text)
                if max(time.monotonic() - started, waited) + delay > timeout:
                    raise PublishTimeoutError(
                        f"Container {container_id} was still {code or 'processing'} after "
                        f"{timeout:.0f} s. Publish it later with "
                        f"instapd.publish_container({container_id!r}), or pass a longer timeout.",
                        container_id=container_id,
                    )
                self.sleep(delay)
                waited += delay
                delay = min(delay * 2, MAX_WAIT)
        finally:
            if bar is not None:
                bar.close()

    @staticmethod
    def _ended(container_id: str, code: str, text: str) -> PublishError:
        """The error for a container that will never publish: failed, or expired."""
        error: PublishError
        if code == "EXPIRED":
            error = ContainerExpiredError(f"Container {container_id} expired", code=24)
        else:
            error = ContainerFailedError(f"Container {container_id}: {text}")
        error.container_id = container_id
        return error

    def _bar(self, container_id: str) -> Any:
        if not self.show_progress:
            return None
        from tqdm.auto import tqdm

        return tqdm(
            desc=f"Processing {container_id}", unit=" checks", delay=SHOW_AFTER, leave=False
        )

    # -- publishing --------------------------------------------------------------------------

    def publish(self, container_id: str, timeout: float, caption: str | None = None) -> str:
        """``media_publish`` once: after a lost answer, look at the container before again
        (``caption``, when known, tells the post apart from others published meanwhile)."""
        began = self.server_now()
        for attempt in range(TRIES):
            try:
                body = self.client.write(
                    "POST", f"{self.account}/media_publish", {"creation_id": container_id}
                )
            except RateLimitedError as exc:
                if attempt + 1 == TRIES or (exc.retry_after or 0) > self.client.retry.max_wait:
                    raise
                self.sleep(exc.retry_after or FIRST_WAIT * 2**attempt)
                continue
            except RetryableError as exc:  # lost, or -1/-2/5xx: it may have published
                logger.info("media_publish of %s: %s; looking before again", container_id, exc)
                code, text = self.status(container_id)
                if code == "PUBLISHED":
                    return self.find_published(began, caption)
                if code in ("EXPIRED", "ERROR"):  # -2/2207020 and friends: it will not publish
                    raise self._ended(container_id, code, text) from None
                if attempt + 1 == TRIES:
                    raise
                self.sleep(FIRST_WAIT * 2**attempt)
                continue
            except GraphError as exc:
                if not_ready(exc):
                    self.wait(container_id, timeout)
                    continue
                error = typed(exc, container_id)
                if isinstance(error, PublishingLimitError):
                    error.frees_at = self.frees_at()
                raise error from None
            media_id = str(body.get("id") or "")
            if not media_id:
                raise TransientError("Meta answered media_publish without the media's id")
            self._claim(media_id)
            return media_id
        raise TransientError(f"Container {container_id} was not published; try again later.")

    def find_published(self, began: datetime, caption: str | None = None) -> str:
        """The media a PUBLISHED container became: the newest of the account's media (or
        stories) since ``began`` with this ``caption``, not one this process accounted for."""
        since = began - timedelta(seconds=2)
        fields = {"fields": "id,timestamp,caption", "limit": 10}
        for edge in ("media", "stories"):
            for media in self.client.get(f"{self.account}/{edge}", fields).get("data") or []:
                media_id, stamp = str(media.get("id")), _stamp(media)
                if (
                    media_id not in self._published
                    and stamp is not None
                    and stamp >= since
                    and (edge == "stories" or not caption or media.get("caption") == caption)
                ):
                    self._claim(media_id)
                    return media_id
        raise TransientError(
            "The container is PUBLISHED but its post was not found among the newest media; "
            "it was not published again. Check the account's media."
        )

    def _claim(self, media_id: str) -> None:
        with _PUBLISHED_LOCK:
            self._published.add(media_id)

    def read_back(self, media_id: str) -> dict[str, Any]:
        return self.client.get(media_id, {"fields": READ_BACK})

    def _write(self, edge: str, params: dict[str, str], container_id: str | None) -> Any:
        """Create a container; one that failed in passing is made again (an unused container
        costs nothing: it expires)."""
        for attempt in range(TRIES):
            try:
                return self.client.write("POST", f"{self.account}/{edge}", params)
            except RetryableError as exc:
                if attempt + 1 == TRIES:
                    raise
                wait = getattr(exc, "retry_after", None) or FIRST_WAIT * 2**attempt
                self.sleep(min(wait, self.client.retry.max_wait))
            except GraphError as exc:
                raise typed(exc, container_id) from None
        raise AssertionError("unreachable")  # pragma: no cover


def _stamp(media: dict[str, Any]) -> datetime | None:
    try:
        return datetime.strptime(str(media.get("timestamp")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
