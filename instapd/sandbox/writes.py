"""The sandbox's writes, with state: comment, reply, hide/unhide, delete, comments on/off.

``POST /{media-id}/comments?message=``, ``POST /{comment-id}/replies?message=``,
``POST /{comment-id}?hide=true|false``, ``POST /{media-id}?comment_enabled=true|false``,
``DELETE /{comment-id}`` and ``DELETE /{media-id}``, as Meta answers them (graph-api.md 8.2):
only on the token user's own media, never on live media, with the scopes Meta asks for, and the
Graph errors it gives. A reply to a reply is attached to the top-level comment, as Meta does.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request

from .call import Call, require
from .failures import GraphFailure
from .nodes import Dataset, Node, Ref

COMMENT_SCOPES = ("instagram_basic", "instagram_manage_comments")
DELETE_MEDIA_SCOPES = ("instagram_basic", "instagram_manage_contents")
MAX_TEXT = 300
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


def is_write(method: str, segments: list[str], params: dict[str, str]) -> bool:
    """Whether a request is one of the writes this module answers."""
    if method == "DELETE":
        return True
    if method != "POST":
        return False
    if len(segments) == 2:
        return segments[1] in ("comments", "replies")
    return len(segments) == 1 and ("hide" in params or "comment_enabled" in params)


def is_write_request(request: Request) -> bool:
    """A DELETE, or a POST that is not a batch of reads only (for write-aimed faults)."""
    if request.method == "DELETE":
        return True
    if request.method != "POST" or request.path.rstrip("/").endswith(("access_token", "decide")):
        return False
    payload = request.get_json(silent=True) if request.is_json else None
    batch = request.values.get("batch") or (payload or {}).get("batch")
    if batch is None:
        return True
    try:
        operations = json.loads(batch) if isinstance(batch, str) else batch
    except ValueError:
        return False
    return any(
        isinstance(op, dict) and str(op.get("method", "GET")).upper() != "GET"
        for op in operations or []
    )


def unsupported(method: str, node_id: str) -> GraphFailure:
    return GraphFailure(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{node_id}' does not exist, cannot "
        "be loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type_="GraphMethodException",
    )


def _invalid(message: str, subcode: int | None = None) -> GraphFailure:
    return GraphFailure(100, f"(#100) {message}", subcode=subcode)


def _flag(params: dict[str, str], name: str) -> bool:
    value = str(params[name]).lower()
    if value not in ("true", "false", "1", "0"):
        raise _invalid(f"Param {name} must be a boolean")
    return value in ("true", "1")


class WriteRoutes:
    """Applies writes to the dataset; ``changed`` is called after each one (to drop renders)."""

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset
        self.changed: Callable[[], None] = lambda: None
        #: Called with each new comment, after it is in the dataset (webhook deliveries).
        self.commented: Callable[[Node], None] = lambda comment: None
        self._lock = threading.Lock()
        self._owned: dict[tuple[str, str | None, int, int], frozenset[str]] = {}
        self._next_comment = max((int(i) for i in dataset.nodes if i.startswith("180")), default=0)

    def apply(self, method: str, segments: list[str], call: Call) -> dict[str, Any]:
        with self._lock:
            body = self._apply(method, segments, call)
        self.changed()
        if method == "POST" and len(segments) == 2 and "id" in body:
            self.commented(self.data[body["id"]])
        return body

    def add_comment(self, media_id: str, text: str, author_id: str, username: str) -> str:
        """A comment someone else (a fan) makes on ``media_id``; returns its id."""
        with self._lock:
            media = self.data[media_id]
            self._next_comment += 1
            comment_id = str(self._next_comment)
            self.data.nodes[comment_id] = Node(
                "IGComment",
                {
                    "id": comment_id,
                    "text": check_text(text),
                    "timestamp": datetime.now(UTC).replace(microsecond=0),
                    "username": username,
                    "like_count": 0,
                    "hidden": False,
                    "from": {"id": author_id, "username": username},
                    "media": {
                        "id": media.id,
                        "media_product_type": media.values["media_product_type"],
                    },
                },
            )
            media.edges.setdefault("comments", []).insert(0, comment_id)
            media.values["comments_count"] = int(media.values.get("comments_count") or 0) + 1
        self.changed()
        self.commented(self.data[comment_id])
        return comment_id

    def _apply(self, method: str, segments: list[str], call: Call) -> dict[str, Any]:
        node = self.data.get(segments[0])
        if node is None or node.type not in ("IGMedia", "IGComment") or len(segments) > 2:
            raise unsupported(method, segments[0])
        media = node if node.type == "IGMedia" else self.data.get(node.values["media"]["id"])
        owner = media.values.get("owner") if media is not None else None
        if media is None or not isinstance(owner, Ref) or owner.id not in self.own(call):
            raise unsupported(method, node.id)
        if method == "DELETE" and node.type == "IGMedia":
            require(call.token, DELETE_MEDIA_SCOPES)
        else:
            require(call.token, COMMENT_SCOPES)
        if media.values.get("media_product_type") == "LIVE":
            raise _invalid("This operation is not supported on live media; use private replies")
        if method == "DELETE":
            self._delete(node, media)
            return {"success": True}
        if len(segments) == 2:
            return self._create(node, media, segments[1], call)
        if node.type == "IGComment" and "hide" in call.params:
            if node.values["from"]["id"] == owner.id:
                raise _invalid("The media owner's own comments are always shown")
            node.values["hidden"] = _flag(call.params, "hide")
            return {"success": True}
        if node.type == "IGMedia" and "comment_enabled" in call.params:
            node.values["is_comment_enabled"] = _flag(call.params, "comment_enabled")
            return {"success": True}
        raise unsupported(method, node.id)

    def own(self, call: Call) -> frozenset[str]:
        """The Instagram accounts linked to the token user's Pages (a Page token's: its Page's),
        remembered per token until the dataset changes: every operation of a batch asks, and an
        agency has 1,000 Pages."""
        user = self.data.get(call.token.user_id)
        pages = user.edges.get("accounts", []) if user is not None else []
        page_only = call.token.profile_id if call.token.kind == "PAGE" else None
        key = (call.token.user_id, page_only, id(pages), len(pages))
        found = self._owned.get(key)
        if found is None:
            chosen = [p for p in pages if page_only is None or p == page_only]
            refs = (self.data[page].values.get("instagram_business_account") for page in chosen)
            found = frozenset(ref.id for ref in refs if isinstance(ref, Ref))
            self._owned[key] = found
        return found

    def forget_owned(self) -> None:
        self._owned.clear()

    def _create(self, node: Node, media: Node, edge: str, call: Call) -> dict[str, Any]:
        if (edge, node.type) not in (("comments", "IGMedia"), ("replies", "IGComment")):
            raise unsupported("POST", node.id)
        text = check_text(call.params.get("message"))
        if edge == "comments" and not media.values.get("is_comment_enabled", True):
            raise _invalid("Comments are disabled for this media")
        parent = node
        if edge == "replies":
            parent_id = node.values.get("parent_id")
            if parent_id:  # Meta attaches a reply to a reply to the top-level comment
                parent = self.data[parent_id]
            if parent.values.get("hidden"):
                raise _invalid("Cannot reply to a hidden comment")
        account = self.data[media.values["owner"].id]
        self._next_comment += 1
        comment_id = str(self._next_comment)
        username = account.values["username"]
        values: dict[str, Any] = {
            "id": comment_id,
            "text": text,
            "timestamp": datetime.now(UTC).replace(microsecond=0),
            "username": username,
            "like_count": 0,
            "hidden": False,
            "from": {"id": account.id, "username": username},
            "media": {"id": media.id, "media_product_type": media.values["media_product_type"]},
        }
        if edge == "replies":
            values["parent_id"] = parent.id
        self.data.nodes[comment_id] = Node("IGComment", values)
        if edge == "replies":
            parent.edges.setdefault("replies", []).append(comment_id)  # oldest first
        else:
            media.edges.setdefault("comments", []).insert(0, comment_id)  # newest first
        media.values["comments_count"] = int(media.values.get("comments_count") or 0) + 1
        return {"id": comment_id}

    def _delete(self, node: Node, media: Node) -> None:
        if node.type == "IGMedia":
            account = self.data[media.values["owner"].id]
            account.edges["media"] = [m for m in account.edges.get("media", []) if m != node.id]
            account.values["media_count"] = len(account.edges["media"])
            self._forget(node)
            return
        parent_id = node.values.get("parent_id")
        holder = self.data[parent_id] if parent_id else media
        edge = "replies" if parent_id else "comments"
        holder.edges[edge] = [c for c in holder.edges.get(edge, []) if c != node.id]
        removed = 1 + len(node.edges.get("replies", []))
        count = int(media.values.get("comments_count") or 0)
        media.values["comments_count"] = max(count - removed, 0)
        self._forget(node)

    def _forget(self, node: Node, key: str | None = None) -> None:
        """Drop ``node`` (kept under ``key``, its id unless said) and what hangs below it."""
        for children in node.edges.values():
            for child in children:
                if child in self.data.nodes:
                    self._forget(self.data[child], child)  # a collaborator's key is not its id
        self.data.nodes.pop(key or node.id, None)


def check_text(message: str | None) -> str:
    """A comment's text, refused as Meta refuses it (CData documents the same rules)."""
    text = (message or "").strip()
    if not text:
        raise _invalid("The parameter message is required")
    if len(text) > MAX_TEXT:
        raise _invalid(f"The comment is longer than {MAX_TEXT} characters")
    if len(_HASHTAG.findall(text)) > 4:
        raise _invalid("A comment may have at most 4 hashtags")
    if len(_URL.findall(text)) > 1:
        raise _invalid("A comment may have at most 1 URL")
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        raise _invalid("A comment cannot consist of capital letters only")
    return text
