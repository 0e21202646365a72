"""Hashtag search and media, business discovery, mentions, publishing limit: the special routes.

Quirks kept on purpose: hashtag media pages carry only an ``after`` cursor and no links, and
cannot return ``username``; business discovery pages media inside the field expansion with
cursors only; an account may query 30 unique hashtags in a rolling 7 days. Meta does not
document the code of that last refusal; the sandbox answers code 100 with a message naming it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..catalog.discovery import DISCOVERY_SCOPES, MENTION_SCOPES
from ..catalog.limits import limit
from .call import Call, require
from .data import hashtag_id
from .failures import GraphFailure
from .fields import FieldRequest
from .nodes import Dataset, Node
from .rendering import Renderer
from .schema import EdgeType

HASHTAG_WINDOW = 7 * 86400
HASHTAG_LIMIT = limit("hashtag_searches")
RECENT_WINDOW = 24 * 3600
_HASHTAG_EDGE = EdgeType(cap=50, urls_in_paging=False)
_DISCOVERY_MEDIA = EdgeType(urls_in_paging=False, time_filter=True)


class HashtagLedger:
    """Which hashtags each account queried, and when first: Meta's 30-in-7-days rule."""

    def __init__(self) -> None:
        self._first: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def query(self, account: str, tag_id: str) -> None:
        now = time.time()
        with self._lock:
            seen = {
                t: at for t, at in self._first.get(account, {}).items() if now - at < HASHTAG_WINDOW
            }
            if tag_id not in seen:
                if len(seen) >= HASHTAG_LIMIT:
                    raise GraphFailure(
                        100,
                        f"(#100) This account has queried {HASHTAG_LIMIT} unique hashtags in the "
                        "last 7 days, the most Instagram allows; try again when one expires",
                    )
                seen[tag_id] = now
            self._first[account] = seen

    def recent(self, account: str) -> list[str]:
        now = time.time()
        with self._lock:
            return [
                t for t, at in self._first.get(account, {}).items() if now - at < HASHTAG_WINDOW
            ]


class DiscoveryRoutes:
    """The special routes and fields, rendered by a :class:`~instapd.sandbox.rendering.Renderer`."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.data: Dataset = renderer.data
        self.hashtags = HashtagLedger()

    def hashtag_search(self, call: Call) -> dict[str, Any]:
        user_id, name = call.params.get("user_id"), call.params.get("q", "").strip().lstrip("#")
        if not user_id or user_id not in self.data.account_ids:
            raise GraphFailure(100, "(#100) The parameter user_id is required")
        if not name or not name.replace("_", "").isalnum():
            raise GraphFailure(100, "(#100) The parameter q must be a hashtag name (no emoji)")
        tag_id = hashtag_id(name)
        self.hashtags.query(user_id, tag_id)
        if tag_id not in self.data.nodes:
            self.data.nodes[tag_id] = Node("IGHashtag", {"id": tag_id, "name": name.lower()})
        return {"data": [{"id": tag_id}]}

    def hashtag_media(
        self, tag: Node, edge: str, fields: list[FieldRequest] | None, call: Call
    ) -> dict[str, Any]:
        user_id = call.params.get("user_id")
        if not user_id or user_id not in self.data.account_ids:
            raise GraphFailure(100, "(#100) The parameter user_id is required")
        if fields and any(f.name == "username" for f in fields):
            raise GraphFailure(100, "(#100) The username field is not available for hashtag media")
        self.hashtags.query(user_id, tag.id)
        items = self.data.hashtag_media(tag.values["name"])
        if edge == "recent_media":
            cutoff = self.data.now.timestamp() - RECENT_WINDOW
            items = [i for i in items if i.values["timestamp"].timestamp() >= cutoff]
        else:
            items = sorted(items, key=lambda i: -int(i.values.get("like_count", 0)))
        modifiers: dict[str, str] = {
            k: call.params[k] for k in ("limit", "after") if k in call.params
        }
        page = self.renderer.edge_page(
            tag, edge, _HASHTAG_EDGE, modifiers, fields, call, items=items
        )
        if "paging" in page:
            page["paging"]["cursors"].pop("before", None)
        return page

    def recently_searched(self, account: Node, call: Call) -> dict[str, Any]:
        tags = [self.data[t] for t in self.hashtags.recent(account.id)]
        names = [FieldRequest("id"), FieldRequest("name")]
        return {"data": [self.renderer.render_node(t, names, call, listed=True) for t in tags]}

    def special_field(self, node: Node, request: FieldRequest, call: Call) -> Any:
        """``business_discovery.username(x){...}``, ``mentioned_media.media_id(x){...}``..."""
        if request.name == "business_discovery":
            require(call.token, DISCOVERY_SCOPES)
            target = self.data.find_user(request.modifiers.get("username", ""))
            if target is None:
                raise GraphFailure(110, "(#110) Invalid user id")
            return self._discovered(target, request.subfields, call)
        require(call.token, MENTION_SCOPES)
        key = "media_id" if request.name == "mentioned_media" else "comment_id"
        found = self.data.get(request.modifiers.get(key, ""))
        username = node.values["username"]
        if found is None or found.id in self._own_objects(node):
            raise GraphFailure(100, f"(#100) No {request.name} with this {key} for the account")
        if request.name == "mentioned_media" and f"@{username}" not in str(
            found.values.get("caption", "")
        ):
            raise GraphFailure(100, f"(#100) That media does not mention @{username}")
        return self.renderer.render_node(found, request.subfields, call, listed=False)

    def _own_objects(self, account: Node) -> set[str]:
        own = set(account.edges.get("media", []))
        for media in list(own):
            own.update(self.data[media].edges.get("comments", []))
        return own

    def _discovered(
        self, target: Node, subfields: tuple[FieldRequest, ...] | None, call: Call
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for request in subfields or (FieldRequest("id"),):
            if request.name == "media":
                page = self.renderer.edge_page(
                    target, "media", _DISCOVERY_MEDIA, request.modifiers, request.subfields, call
                )
                out["media"] = page
            elif request.name in ("stories", "live_media"):
                raise GraphFailure(10, "(#10) Application does not have permission for this action")
            elif request.name in target.values:
                out[request.name] = target.values[request.name]
        out.setdefault("id", target.id)
        return out
