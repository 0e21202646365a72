"""Webhooks as Meta runs them: the app's subscriptions, the Pages' ``subscribed_apps``, and
signed deliveries, retried when the receiver fails.

``POST /{app-id}/subscriptions`` (app access token ``{app-id}|{app-secret}``; code 15 for any
other token) takes ``object``, ``callback_url``, ``fields`` and ``verify_token``, sends the
callback Meta's verification request and answers ``{"success": true}`` once the challenge comes
back, code 2200 otherwise; a subscription's fields add up, as Meta's do. ``GET`` lists them,
``DELETE`` removes one. An app that is not live (``live = False``) is refused the ``instagram``
object with code 200. ``POST /{page-id}/subscribed_apps?subscribed_fields=feed`` takes the
Page's own token with ``pages_manage_metadata`` (code 210 for another token, 200 without it).

A change of an account is delivered when the app subscribes its field and the account's Page
subscribes the app: one POST per change, ``X-Hub-Signature-256`` (and the older SHA-1
``X-Hub-Signature``) over the ASCII-escaped JSON body. A delivery the receiver does not answer
with 2xx is tried again at once, then after each of ``retry_delays`` (Meta spreads its tries
over 36 hours; the sandbox over seconds), then dropped. Plain HTTP is allowed for loopback
callbacks only (Meta requires HTTPS; the sandbox has no certificate to offer).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import ipaddress
import itertools
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request

from ..catalog.webhooks import SUBSCRIBABLE, delivery_body
from .access import presented_token
from .clock import STORY_LIFETIME
from .data import Dataset, Node, Ref
from .failures import GraphFailure
from .tokens import TokenRegistry

logger = logging.getLogger("instapd.sandbox")

OBJECTS = ("instagram", "page", "user", "permissions")
PAGE_SCOPE = "pages_manage_metadata"
#: Meta sends a story's insights an hour after the story expires (webhooks reference, Facebook
#: Login's story_insights field); the metrics cover its first 24 hours.
STORY_INSIGHTS_DELAY = timedelta(hours=1)
#: Seconds between tries after the first retry (Meta's: growing gaps over 36 hours).
RETRY_DELAYS = (0.0, 0.2, 1.0, 3.0, 10.0)


@dataclass(order=True)
class _Delivery:
    due: float
    number: int
    body: bytes = field(compare=False)
    url: str = field(compare=False)
    tries: int = field(default=0, compare=False)


@dataclass
class Subscription:
    callback_url: str
    verify_token: str
    fields: list[str]
    active: bool = True


class SandboxWebhooks:
    """Subscriptions and the delivery thread. ``delivered``/``failures``/``dropped`` count."""

    def __init__(
        self,
        dataset: Dataset,
        tokens: TokenRegistry,
        app_id: str,
        app_secret: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.data, self.tokens = dataset, tokens
        self.app_id, self._secret = app_id, app_secret
        self.clock = clock
        self.live = True
        self.retry_delays = RETRY_DELAYS
        self.timeout = 5.0
        self.subscriptions: dict[str, Subscription] = {}
        self.page_apps: dict[str, list[str]] = {}  # Page id -> subscribed_fields
        self.delivered = self.failures = self.dropped = 0
        self._pending: list[_Delivery] = []
        self._numbers = itertools.count()
        self._busy = 0
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stories: list[tuple[datetime, str, dict[str, Any]]] = []  # insights not yet due

    # -- the Graph routes ------------------------------------------------------------------

    def handles(self, segments: list[str]) -> bool:
        if len(segments) != 2:
            return False
        node_id, edge = segments
        if edge == "subscriptions":
            return node_id == self.app_id
        return edge == "subscribed_apps" and node_id in self.data.page_ids

    def respond(self, request: Request, segments: list[str], params: dict[str, str]) -> Any:
        method = request.method
        if segments[1] == "subscriptions":
            self._app_token(request, params)
            if method == "GET":
                return {"data": [self._render(o, s) for o, s in self.subscriptions.items()]}
            if method == "POST":
                return self._subscribe(params)
            if method == "DELETE":
                return self._unsubscribe(params)
        else:
            self._page_token(request, params, segments[0])
            if method == "GET":
                return {"data": self._page_render(segments[0])}
            if method == "POST":
                wanted = [f for f in params.get("subscribed_fields", "").split(",") if f]
                if not wanted:
                    raise GraphFailure(100, "(#100) The parameter subscribed_fields is required")
                self.page_apps[segments[0]] = wanted
                return {"success": True}
            if method == "DELETE":
                self.page_apps.pop(segments[0], None)
                return {"success": True}
        raise GraphFailure(100, f"(#100) Unsupported method {method}")

    def _app_token(self, request: Request, params: dict[str, str]) -> None:
        value = presented_token(request, params)
        if "|" not in value:
            if self.tokens.lookup(value) is None:
                raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
            raise GraphFailure(15, "(#15) This method must be called with an app access_token.")
        app_id, _, secret = value.partition("|")
        if app_id != self.app_id or not hmac.compare_digest(secret, self._secret):
            raise GraphFailure(190, "Invalid OAuth access token signature.")

    def _page_token(self, request: Request, params: dict[str, str], page_id: str) -> None:
        token = self.tokens.lookup(presented_token(request, params))
        if token is None or token.expired():
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        if token.kind != "PAGE" or token.profile_id != page_id:
            raise GraphFailure(
                210, "(#210) A page access token is required to request this resource."
            )
        if PAGE_SCOPE not in token.scopes:
            raise GraphFailure(
                200, f"(#200) Requires {PAGE_SCOPE} permission to manage the object", status=403
            )

    def _subscribe(self, params: dict[str, str]) -> dict[str, Any]:
        obj = params.get("object", "")
        if obj not in OBJECTS:
            raise GraphFailure(
                100, "(#100) Param object must be one of {" + ", ".join(OBJECTS) + "}"
            )
        url = params.get("callback_url", "")
        fields = [f.strip() for f in params.get("fields", "").split(",") if f.strip()]
        if not fields:
            raise GraphFailure(100, "(#100) The parameter fields is required")
        if obj == "instagram":
            unknown = [f for f in fields if f not in SUBSCRIBABLE]
            if unknown:
                raise GraphFailure(100, f"(#100) Invalid field {unknown[0]} for object instagram")
            if not self.live:
                raise GraphFailure(
                    200,
                    "(#200) The app must be live, with Advanced Access to its permissions, to "
                    "subscribe to instagram webhooks",
                    status=403,
                )
        if not _callback_ok(url):
            raise GraphFailure(100, "(#100) Param callback_url must be a valid HTTPS URL")
        token = params.get("verify_token", "")
        self._verify(url, token)
        known = self.subscriptions.get(obj)
        merged = list(dict.fromkeys([*(known.fields if known else []), *fields]))
        self.subscriptions[obj] = Subscription(url, token, merged)
        return {"success": True}

    def _unsubscribe(self, params: dict[str, str]) -> dict[str, Any]:
        obj = params.get("object")
        fields = [f for f in params.get("fields", "").split(",") if f]
        if obj is None:
            self.subscriptions.clear()
        elif fields and obj in self.subscriptions:
            kept = [f for f in self.subscriptions[obj].fields if f not in fields]
            if kept:
                self.subscriptions[obj].fields = kept
            else:
                del self.subscriptions[obj]
        else:
            self.subscriptions.pop(obj, None)
        return {"success": True}

    def _verify(self, url: str, token: str) -> None:
        """Meta's verification request; the challenge must come back, with a 200."""
        challenge = str(secrets.randbelow(10**10))
        query = urlencode(
            {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": token}
        )
        try:
            with urllib.request.urlopen(f"{url}?{query}", timeout=self.timeout) as answer:
                status, text = answer.status, answer.read(1024).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, ""
        except OSError as exc:
            raise GraphFailure(2200, f"(#2200) callback verification failed: {exc}") from None
        if status != 200 or text.strip() != challenge:
            raise GraphFailure(
                2200,
                "(#2200) callback verification failed: the URL couldn't be validated. Response "
                f"does not match challenge, expected {challenge} value, received "
                f"{text.strip()[:40]!r} (HTTP status {status})",
            )

    def _render(self, obj: str, sub: Subscription) -> dict[str, Any]:
        return {
            "object": obj,
            "callback_url": sub.callback_url,
            "active": sub.active,
            "fields": [{"name": f, "version": "v25.0"} for f in sub.fields],
        }

    def _page_render(self, page_id: str) -> list[dict[str, Any]]:
        if page_id not in self.page_apps:
            return []
        return [
            {
                "category": "Business",
                "link": f"https://www.facebook.com/games/?app_id={self.app_id}",
                "name": "instapd sandbox app",
                "id": self.app_id,
                "subscribed_fields": self.page_apps[page_id],
            }
        ]

    # -- changes ---------------------------------------------------------------------------

    def notify(self, account_id: str, field_name: str, value: dict[str, Any]) -> bool:
        """Queue the delivery of one change; whether anyone is subscribed to it."""
        sub = self.subscriptions.get("instagram")
        if sub is None or not sub.active or field_name not in sub.fields:
            return False
        if self._page_of(account_id) not in self.page_apps:
            return False
        body = delivery_body(account_id, int(self.clock().timestamp()), [(field_name, value)])
        with self._cv:
            heapq.heappush(
                self._pending,
                _Delivery(time.monotonic(), next(self._numbers), body, sub.callback_url),
            )
            self._start()
            self._cv.notify_all()
        return True

    def comment_created(self, comment: Node) -> None:
        """A new comment (a fan's, or one made through the API): ``comments`` or, on live
        media, ``live_comments``."""
        values = comment.values
        media = self.data.get(values["media"]["id"])
        owner = media.values.get("owner") if media is not None else None
        if media is None or not isinstance(owner, Ref):
            return
        value: dict[str, Any] = {
            "from": {"id": values["from"]["id"], "username": values["from"]["username"]},
            "media": {"id": media.id, "media_product_type": media.values["media_product_type"]},
            "id": comment.id,
            "text": values["text"],
        }
        if values.get("parent_id"):
            value["parent_id"] = values["parent_id"]
        live = media.values.get("media_product_type") == "LIVE"
        self.notify(owner.id, "live_comments" if live else "comments", value)

    def story_expired(self, account_id: str, story: Node, insights: Any) -> None:
        """A story leaves the ``stories`` edge: its ``story_insights`` (its first 24 hours) are
        sent once, an hour after it expired on the sandbox clock, as Meta sends them."""
        if story.values.get("_insights_sent"):
            return
        story.values["_insights_sent"] = True
        due = story.values["timestamp"] + STORY_LIFETIME + STORY_INSIGHTS_DELAY
        self._stories.append((due, account_id, story_value(story, insights)))

    def release_stories(self) -> None:
        """Send the story insights whose hour after expiry has passed (``Sandbox.advance``)."""
        now = self.clock()
        due = [item for item in self._stories if item[0] <= now]
        self._stories = [item for item in self._stories if item[0] > now]
        for _, account_id, value in sorted(due, key=lambda item: item[0]):
            self.notify(account_id, "story_insights", value)

    def _page_of(self, account_id: str) -> str | None:
        for page_id in self.data.page_ids:
            ref = self.data[page_id].values.get("instagram_business_account")
            if isinstance(ref, Ref) and ref.id == account_id:
                return page_id
        return None

    # -- the delivery thread ---------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._closed and (
                    not self._pending or self._pending[0].due > time.monotonic()
                ):
                    wait = self._pending[0].due - time.monotonic() if self._pending else None
                    self._cv.wait(wait)
                if self._closed:
                    return
                delivery = heapq.heappop(self._pending)
                self._busy += 1
            ok = self._post(delivery)
            with self._cv:
                self._busy -= 1
                if ok:
                    self.delivered += 1
                else:
                    self.failures += 1
                    if delivery.tries < len(self.retry_delays):
                        delivery.due = time.monotonic() + self.retry_delays[delivery.tries]
                        delivery.tries += 1
                        heapq.heappush(self._pending, delivery)
                    else:
                        self.dropped += 1
                self._cv.notify_all()

    def _post(self, delivery: _Delivery) -> bool:
        body = delivery.body
        sha256 = hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
        sha1 = hmac.new(self._secret.encode(), body, hashlib.sha1).hexdigest()
        request = urllib.request.Request(
            delivery.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": f"sha256={sha256}",
                "X-Hub-Signature": f"sha1={sha1}",
                "User-Agent": "facebookexternalua",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return bool(200 <= answer.status < 300)
        except (OSError, ValueError):
            return False

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is queued or being delivered (retries included)."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()


def _callback_ok(url: str) -> bool:
    """HTTPS, or plain HTTP to loopback (the sandbox's one leniency: no certificate here)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


STORY_METRICS = ("reach", "replies", "navigation", "views", "shares")


def story_value(story: Node, insights: Any) -> dict[str, Any]:
    """The ``story_insights`` value of an expiring story: its first 24 hours, -1 for a metric
    Meta would not show (under 5 viewers)."""
    from .insights import media_insights

    value: dict[str, Any] = {"media_id": story.id}
    for metric in STORY_METRICS:
        try:
            body = media_insights(insights, story, {"metric": metric}, 25, "STORY")
            number = body["data"][0]["values"][0]["value"]
        except (GraphFailure, LookupError):
            number = -1
        value["taps_forward" if metric == "navigation" else metric] = (
            number if isinstance(number, int) and number >= 5 else -1
        )
    return value
