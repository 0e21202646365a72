"""Media published after seeding: the one factory behind ``Sandbox.publish`` and the
``media_publish`` route.

A new post goes to the head of its account's ``media`` (a story to ``stories``), stamped with
the sandbox clock's time; the clock starts its insights' growth from zero, and it gets the
fields every media object has (:func:`.details.add_details`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .details import add_details
from .nodes import Dataset, Node, Ref

CDN = "https://cdn.sandbox.invalid"


def new_media_id(dataset: Dataset) -> str:
    """The next free media id (media ids start with 179)."""
    return str(max(int(i) for i in dataset.nodes if i.startswith("179")) + 1)


def publish(
    dataset: Dataset,
    account_id: str,
    kind: str = "IMAGE",
    *,
    caption: str | None = None,
    media_url: str | None = None,
    extra: dict[str, Any] | None = None,
    children: Sequence[tuple[str, str | None]] = (),
) -> str:
    """Publish one post, reel, carousel or story; returns its id.

    ``kind`` is the container's ``media_type`` (IMAGE, VIDEO, REELS, CAROUSEL, STORIES), with
    ``extra`` values (``alt_text``, ``is_shared_to_feed``, ``thumbnail_url``...) set as given.
    ``children`` are a carousel's items as ``(media_type, url)``.
    """
    account = dataset[account_id]
    username = account.values["username"]
    media_id = new_media_id(dataset)
    stamp = dataset.clock.now()
    story = kind == "STORIES"
    is_video = kind in ("REELS", "VIDEO") or (story and (extra or {}).get("_video", False))
    media_type = {"CAROUSEL": "CAROUSEL_ALBUM"}.get(kind, "VIDEO" if is_video else "IMAGE")
    shortcode = _shortcode(media_id)
    permalink = {
        "REELS": f"https://www.instagram.com/reel/{shortcode}/",
        "STORIES": f"https://instagram.com/stories/{username}/{media_id}",
    }.get(kind, f"https://www.instagram.com/p/{shortcode}/")
    values: dict[str, Any] = {
        "id": media_id,
        "media_type": media_type,
        "media_product_type": {"REELS": "REELS", "STORIES": "STORY"}.get(kind, "FEED"),
        "media_url": media_url or f"{CDN}/{media_id}.{'mp4' if is_video else 'jpg'}",
        "permalink": permalink,
        "shortcode": shortcode,
        "timestamp": stamp,
        "username": username,
        "owner": Ref(account.id),
    }
    if not story:
        values |= {"is_comment_enabled": True, "like_count": 0, "comments_count": 0}
    if caption and not story:
        values["caption"] = caption
    if kind == "REELS":
        values["thumbnail_url"] = f"{CDN}/{media_id}_thumb.jpg"
    values |= {k: v for k, v in (extra or {}).items() if not k.startswith("_")}
    node = Node("IGMedia", values)
    dataset.nodes[media_id] = node
    made = [media_id]
    for child_type, url in children:
        child_id = new_media_id(dataset)
        dataset.nodes[child_id] = Node(
            "IGMedia",
            {
                "id": child_id,
                "media_type": "VIDEO" if child_type == "VIDEO" else "IMAGE",
                "media_url": url,
                "timestamp": stamp,
                "username": username,
                "shortcode": _shortcode(child_id),
            },
        )
        node.edges.setdefault("children", []).append(child_id)
        made.append(child_id)
    edge = "stories" if story else "media"
    account.edges.setdefault(edge, []).insert(0, media_id)
    if not story:
        account.values["media_count"] = len(account.edges["media"])
    dataset.clock.born(media_id)
    add_details(dataset, made)
    return media_id


def _shortcode(media_id: str) -> str:
    return f"P{int(media_id) % 10**10:010d}"
