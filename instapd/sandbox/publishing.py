"""The sandbox's content publishing: containers, their status, ``media_publish``, the quota.

Meta's flow (graph-api.md 8.1): ``POST /{ig-user-id}/media`` makes a container,
``GET /{container-id}?fields=status_code,status`` tells when it is ready, and
``POST /{ig-user-id}/media_publish?creation_id=`` publishes it. Videos may be uploaded from a
file through the resumable upload: ``upload_type=resumable`` answers a ``uri`` on the sandbox
(``/ig-api-upload/{version}/{container-id}``, Meta's ``rupload.facebook.com``), which takes the
bytes in a ``POST`` with ``Authorization: OAuth <token>``, ``offset`` and ``file_size`` headers.

A media URL is downloaded when the container is made (:mod:`.fetching`): the sandbox's own
``/samples/`` pictures and any reachable URL for real, their bytes checked as Meta checks them.
A URL on a name reserved for examples (``example.com``, ``*.example``...) exists nowhere, so
for those the sandbox pretends from the URL itself:

- any such URL is fetched, except one whose path contains ``404`` (or whose host is
  ``unreachable.example``): 9004/2207052, not fetchable;
- images must be JPEG: a path ending ``.png``, ``.gif``, ``.webp`` or ``.heic`` is 36001/2207005;
  ``toolarge`` in the path is 36000/2207004 (over 8 MB), ``panorama`` is 36003/2207009 (aspect);
- videos: a path ending ``.avi``, ``.wmv`` or ``.flv`` is 352/2207026; ``corrupt`` in the path
  makes the container end in ``ERROR`` after processing;
- ``flaky`` in a path makes the first container for that URL fail with -1/2207001 (retry works).

Images are ``FINISHED`` at once; a video is ``IN_PROGRESS`` for ``video_polls`` status reads (3
by default), then ``FINISHED``. Containers expire 24 h after creation, on the sandbox's clock
(:meth:`PublishRoutes.advance` moves it on). Publishing counts against ``quota_total`` (50 by
default, as Meta's limit reference says, not the guide's 100; configurable) over a rolling
``quota_duration``; the published media joins the account's ``media`` (or ``stories``).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from ..catalog.limits import limit
from .call import Call, require
from .collaboration import add_collaborator
from .failures import GraphFailure
from .fetching import Local, check_image, check_video, fetch, is_reserved, not_fetchable
from .fields import FieldRequest
from .media import publish
from .nodes import Dataset, Node

PUBLISH_SCOPES = ("instagram_basic", "instagram_content_publish")
EXPIRY_SECONDS = 24 * 3600
QUOTA_DURATION = 86400
MAX_CAPTION = limit("caption_characters")
MAX_HASHTAGS = limit("caption_hashtags")
MAX_MENTIONS = limit("caption_mentions")
MAX_COLLABORATORS = limit("collaborators")
#: What ``content_publishing_limit`` reports as ``quota_total`` unless told otherwise: the limit
#: reference's 50, not the guide's 100, so a client that assumes 100 is caught (graph-api.md 9.1).
DEFAULT_QUOTA = 50
#: Container ids are Graph-looking digits in a range of their own.
CONTAINER_PREFIX = "17990"
_DYNAMIC_PATH = re.compile(rf"^/(v\d+\.\d+/)?({CONTAINER_PREFIX}\d+|\d+/content_publishing_limit)$")
UPLOAD_ROOT = "ig-api-upload"
_STATUS = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "EXPIRED": "Expired: Media was not published within 24 hours.",
    "ERROR": "Error: Media upload has failed with error code 2207026.",
}
MEDIA_TYPES = ("IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL")


def _fail(code: int, subcode: int, message: str, *, transient: bool = False) -> GraphFailure:
    return GraphFailure(
        code,
        message,
        subcode=subcode,
        status=500 if code < 0 else 400,
        type_="OAuthException",
        transient=transient,
    )


@dataclass
class Container:
    """One media container: what it will publish, and where it is in its lifecycle."""

    id: str
    account: str
    media_type: str  # IMAGE, VIDEO, REELS, STORIES or CAROUSEL
    params: dict[str, str]
    created: float
    polls_left: int = 0
    status_code: str = "FINISHED"
    corrupt: bool = False
    is_carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    awaiting_upload: bool = False
    media_id: str | None = None


class PublishRoutes:
    """Containers and publishing over ``dataset``; ``own(call)`` names the token's accounts."""

    def __init__(self, dataset: Dataset, own: Callable[[Call], frozenset[str]]) -> None:
        self.data = dataset
        self.own = own
        self.changed: Callable[[], None] = lambda: None
        self.quota_total = DEFAULT_QUOTA
        self.quota_duration = QUOTA_DURATION
        self.video_polls = 3
        self.containers: dict[str, Container] = {}
        self.published: dict[str, list[float]] = {}  # account -> publish times (clock)
        self.uploads: dict[str, int] = {}  # container -> bytes received
        #: What moving the clock does: the Sandbox makes this its ``advance``.
        self.on_advance: Callable[[float], None] = self._advance_clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._flaky_seen: set[str] = set()
        #: The sandbox's own picture routes, for media URLs on the sandbox (set by the app).
        self.local: Local = lambda _path, _args: None

    # -- the clock ---------------------------------------------------------------------------

    def now(self) -> float:
        """The sandbox clock's time, in seconds since the epoch."""
        return self.data.clock.time()

    def advance(self, seconds: float) -> None:
        """Move the sandbox's one clock on (containers expire, the quota window moves, and
        everything else ages as with :meth:`Sandbox.advance`, which ``on_advance`` is)."""
        self.on_advance(seconds)

    def _advance_clock(self, seconds: float) -> None:
        self.data.clock.advance(timedelta(seconds=seconds))
        self.changed()

    @staticmethod
    def is_dynamic(path: str) -> bool:
        """Whether a GET reads a container or the quota (whose answers change between reads)."""
        return bool(_DYNAMIC_PATH.match(path))

    # -- routes ------------------------------------------------------------------------------

    def handles(self, method: str, segments: list[str]) -> bool:
        if segments and segments[0] in self.containers:
            return True
        return method == "POST" and len(segments) == 2 and segments[1] in ("media", "media_publish")

    def dispatch(self, method: str, segments: list[str], call: Call) -> dict[str, Any]:
        require(call.token, PUBLISH_SCOPES)
        with self._lock:
            if segments[0] in self.containers:
                if method != "GET" or len(segments) != 1:
                    raise _fail(100, 33, f"Unsupported {method.lower()} request.")
                return self._status(self.containers[segments[0]], call)
            account = segments[0]
            if account not in self.own(call):
                raise GraphFailure(
                    100,
                    f"Unsupported post request. Object with ID '{account}' does not exist, "
                    "cannot be loaded due to missing permissions, or does not support this "
                    "operation.",
                    subcode=33,
                    type_="GraphMethodException",
                )
            if segments[1] == "media":
                return self._create(account, call.params, call)
            body = self._publish(account, call.params)
        self.changed()
        return body

    def limit(self, account: str, fields: list[FieldRequest] | None) -> dict[str, Any]:
        """``content_publishing_limit``: usage over the window and (``fields=config``) the quota."""
        with self._lock:
            entry: dict[str, Any] = {"quota_usage": self._usage(account)}
        for request in fields or []:
            if request.name == "config":
                entry["config"] = {
                    "quota_total": self.quota_total,
                    "quota_duration": self.quota_duration,
                }
            elif request.name != "quota_usage":
                raise GraphFailure(
                    100,
                    f"(#100) Tried accessing nonexisting field ({request.name}) on node type "
                    "(ContentPublishingLimit)",
                )
        return {"data": [entry]}

    def upload(self, request: Request, segments: list[str], call: Call) -> dict[str, Any]:
        """The resumable upload: ``POST /ig-api-upload/{version}/{container-id}`` with bytes."""
        container_id = segments[-1]
        with self._lock:
            container = self.containers.get(container_id)
            if container is None or not container.awaiting_upload or len(segments) != 3:
                raise _fail(-1, 2207053, "Upload failed: unknown upload session.")
            if container.account not in self.own(call):
                raise _fail(-1, 2207053, "Upload failed: the session belongs to another user.")
            data = request.get_data()
            try:
                offset = int(request.headers.get("offset", "0"))
                size = int(request.headers.get("file_size", str(len(data))))
            except ValueError:
                raise _fail(
                    -1, 2207053, "Upload failed: offset and file_size are numbers."
                ) from None
            if offset != self.uploads.get(container_id, 0) or offset + len(data) > size:
                raise _fail(-1, 2207053, "Upload failed: offset does not match the bytes in.")
            self.uploads[container_id] = offset + len(data)
            if self.uploads[container_id] == size and size > 0:
                container.awaiting_upload = False
                container.polls_left = self.video_polls
            return {"success": True, "message": "Upload successful."}

    # -- containers --------------------------------------------------------------------------

    def _status(self, container: Container, call: Call) -> dict[str, Any]:
        self._advance(container)
        wanted = (call.params.get("fields") or "id").split(",")
        body: dict[str, Any] = {"id": container.id}
        for name in wanted:
            name = name.strip()
            if name == "status_code":
                body["status_code"] = container.status_code
            elif name == "status":
                body["status"] = _STATUS[container.status_code]
            elif name not in ("id", ""):
                raise GraphFailure(
                    100,
                    f"(#100) Tried accessing nonexisting field ({name}) on node type "
                    "(ShadowIGMediaBuilder)",
                )
        return body

    def _advance(self, container: Container) -> None:
        """One status read: processing moves on; an unpublished container expires after 24 h."""
        if container.status_code in ("PUBLISHED", "ERROR", "EXPIRED"):
            return
        if self.now() - container.created > EXPIRY_SECONDS:
            container.status_code = "EXPIRED"
            return
        if container.status_code == "IN_PROGRESS" and not container.awaiting_upload:
            container.polls_left -= 1
            if container.polls_left <= 0:
                container.status_code = "ERROR" if container.corrupt else "FINISHED"

    def _create(self, account: str, params: dict[str, str], call: Call) -> dict[str, Any]:
        media_type = str(params.get("media_type") or "").upper()
        carousel_item = str(params.get("is_carousel_item", "")).lower() in ("true", "1")
        if media_type and media_type not in MEDIA_TYPES:
            raise _fail(100, 2207023, f"(#100) The media type {media_type} is not supported.")
        if media_type == "VIDEO" and not carousel_item:
            raise _fail(
                100, 2207023, "(#100) The VIDEO media type is no longer supported; use REELS."
            )
        if media_type == "CAROUSEL":
            children = self._children(account, params.get("children"))
        else:
            children = []
        _check_caption(params.get("caption"))
        if "user_tags" in params:
            user_tags(params["user_tags"])
        if len(json_list(params.get("collaborators"))) > MAX_COLLABORATORS:
            raise GraphFailure(
                100, f"(#100) A post may have at most {MAX_COLLABORATORS} collaborators"
            )
        if carousel_item and params.get("caption"):
            raise _fail(100, 2207028, "(#100) Carousel items cannot have a caption.")
        _check_addons(params)
        video = media_type in ("VIDEO", "REELS") or (
            media_type == "STORIES" and "video_url" in params
        )
        resumable = params.get("upload_type") == "resumable"
        if "alt_text" in params and (video or media_type == "CAROUSEL"):
            raise _fail(100, 2207023, "(#100) alt_text is only supported for images.")
        corrupt = False
        if media_type != "CAROUSEL" and not resumable:
            key = "video_url" if video else "image_url"
            url = params.get(key)
            if not url:
                raise GraphFailure(100, f"(#100) The parameter {key} is required")
            corrupt = self._fetch(url, video, call.root)
        elif resumable and not video:
            raise _fail(100, 2207023, "(#100) upload_type=resumable is for videos only.")
        container_id = f"{CONTAINER_PREFIX}{next(self._ids):012d}"
        container = Container(
            id=container_id,
            account=account,
            media_type=media_type or "IMAGE",
            params={k: v for k, v in params.items() if k != "access_token"},
            created=self.now(),
            is_carousel_item=carousel_item,
            children=children,
            corrupt=corrupt,
        )
        if video:
            container.status_code = "IN_PROGRESS"
            container.polls_left = self.video_polls
            container.awaiting_upload = resumable
        self.containers[container_id] = container
        body: dict[str, Any] = {"id": container_id}
        if resumable:
            body["uri"] = f"{call.root}/{UPLOAD_ROOT}/{call.version}/{container_id}"
        return body

    def _children(self, account: str, text: str | None) -> list[str]:
        ids = [c.strip() for c in (text or "").split(",") if c.strip()]
        if not 2 <= len(ids) <= 10:
            raise _fail(100, 2207028, "(#100) A carousel needs between 2 and 10 items.")
        for child_id in ids:
            child = self.containers.get(child_id)
            if child is None or child.account != account or not child.is_carousel_item:
                raise _fail(
                    100, 2207028, f"(#100) {child_id} is not a carousel item of this account."
                )
            self._advance(child)
            if child.status_code != "FINISHED":
                raise _fail(9007, 2207027, "Media ID is not available: an item is not ready.")
        return ids

    def _fetch(self, url: str, video: bool, root: str) -> bool:
        """Download ``url`` as Meta does (see the module's docstring); True if it will fail."""
        if not is_reserved(url):
            fetched = fetch(url, root, self.local)
            (check_video if video else check_image)(url, fetched)
            return False
        return self._pretend(url, video)

    def _pretend(self, url: str, video: bool) -> bool:
        """Meta fetching a URL on a reserved name, pretended from the URL; True if it will fail."""
        parts = urlsplit(url)
        path = parts.path.lower()
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise not_fetchable()
        if "404" in path or parts.hostname == "unreachable.example":
            raise _fail(9004, 2207052, "The media could not be fetched from this URI.")
        if "flaky" in path and url not in self._flaky_seen:
            self._flaky_seen.add(url)
            raise _fail(-1, 2207001, "An unexpected error occurred. Please try again later.")
        if video:
            if path.endswith((".avi", ".wmv", ".flv")):
                raise _fail(352, 2207026, "The video format is not supported.")
            return "corrupt" in path
        if path.endswith((".png", ".gif", ".webp", ".heic")):
            raise _fail(36001, 2207005, "The image format is not supported.")
        if "toolarge" in path:
            raise _fail(36000, 2207004, "The image is too large to download (over 8 MB).")
        if "panorama" in path:
            raise _fail(36003, 2207009, "The aspect ratio is not supported.")
        return False

    # -- publishing --------------------------------------------------------------------------

    def _usage(self, account: str) -> int:
        since = self.now() - self.quota_duration
        return sum(1 for t in self.published.get(account, []) if t > since)

    def _publish(self, account: str, params: dict[str, str]) -> dict[str, Any]:
        container = self.containers.get(str(params.get("creation_id") or ""))
        if container is None or container.account != account or container.is_carousel_item:
            raise _fail(24, 2207006, "The media was not found; create a new container.")
        self._advance(container)
        if container.status_code == "EXPIRED":
            raise _fail(24, 2207008, "The media builder has expired; create a new container.")
        if container.status_code == "PUBLISHED":
            raise _fail(9, 2207038, "This media has already been published.")
        if container.status_code == "ERROR":
            raise _fail(-1, 2207001, "The media could not be processed.")
        if container.status_code != "FINISHED":
            raise _fail(9007, 2207027, "Media ID is not available")
        if self._usage(account) >= self.quota_total:
            raise _fail(
                9,
                2207042,
                "You reached maximum number of posts that is allowed to be published by "
                "Content Publishing API.",
            )
        media_id = self._media(container)
        container.status_code = "PUBLISHED"
        container.media_id = media_id
        self.published.setdefault(account, []).append(self.now())
        return {"id": media_id}

    def _media(self, container: Container) -> str:
        """The published media, at the head of the account's media (or stories)."""
        params = container.params
        kind = container.media_type
        extra: dict[str, Any] = {"_video": "video_url" in params}
        if params.get("alt_text"):
            extra["alt_text"] = params["alt_text"]
        extra["is_ai_generated"] = params.get("is_ai_generated", "false") == "true"
        if kind == "REELS":
            extra["is_shared_to_feed"] = params.get("share_to_feed", "true") != "false"
            if params.get("cover_url"):
                extra["thumbnail_url"] = params["cover_url"]
        media_id = publish(
            self.data,
            container.account,
            kind,
            caption=params.get("caption"),
            media_url=params.get("image_url") or params.get("video_url"),
            extra=extra,
            children=[
                (
                    self.containers[c].media_type,
                    self.containers[c].params.get("video_url")
                    or self.containers[c].params.get("image_url"),
                )
                for c in container.children
            ],
        )
        for child_id in container.children:
            self.containers[child_id].status_code = "PUBLISHED"
        self._invite(self.data[media_id], json_list(params.get("collaborators")))
        return media_id

    def _invite(self, media: Node, usernames: list[Any]) -> None:
        """Collaborators named on the container are invited: ``Pending`` until they answer."""
        for username in usernames:
            person = self.data.find_user(str(username))
            if person is not None:
                add_collaborator(self.data, media, person, "Pending")


#: The SDK's add-ons (graph-api.md 8.1 names them only): booleans and JSON objects are checked
#: as any Graph parameter of that type is; their contents are kept on the container.
_BOOLEAN_ADDONS = ("is_ai_generated", "cross_post_to_threads")
_OBJECT_ADDONS = ("audio_configuration", "poll_attachment")


def _check_addons(params: dict[str, str]) -> None:
    for name in _BOOLEAN_ADDONS:
        if name in params and str(params[name]).lower() not in ("true", "false", "1", "0"):
            raise GraphFailure(100, f"(#100) Param {name} must be a boolean")
    for name in _OBJECT_ADDONS:
        if name in params:
            try:
                value = json.loads(params[name])
            except ValueError:
                value = None
            if not isinstance(value, dict):
                raise GraphFailure(100, f"(#100) Param {name} must be a JSON object")
    if "title" in params and not str(params["title"]).strip():
        raise GraphFailure(100, "(#100) Param title must be a non-empty string")


def _check_caption(caption: str | None) -> None:
    text = caption or ""
    if len(text) > MAX_CAPTION:
        raise _fail(36004, 2207010, f"The caption is longer than {MAX_CAPTION} characters.")
    if len(re.findall(r"(?<!\w)#\w+", text)) > MAX_HASHTAGS:
        raise _fail(100, 2207010, f"(#100) A caption may have at most {MAX_HASHTAGS} hashtags.")
    if len(re.findall(r"(?<!\w)@[\w.]+", text)) > MAX_MENTIONS:
        raise _fail(100, 2207040, f"(#100) A caption may @mention at most {MAX_MENTIONS} people.")


def json_list(text: str | None) -> list[Any]:
    """A list parameter sent as JSON or comma-separated."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [v for v in text.split(",") if v.strip()]
    return value if isinstance(value, list) else [value]


def user_tags(text: str | None) -> list[Any]:
    """``user_tags`` as sent: a JSON array of ``{username, x, y}``."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        raise GraphFailure(100, "(#100) Param user_tags must be a JSON array") from None
    return value if isinstance(value, list) else []
