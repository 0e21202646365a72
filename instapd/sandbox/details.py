"""The fields Meta returns beyond the basics: legacy ids, engagement totals, copyright checks, ...

Added to a built dataset without touching its random stream, so every value seeded before stays
the same: each one is derived from a hash of the node's id. Counts Meta also reports as insights
(``saved_count`` and the ``total_*`` fields) come from the insights model, so both agree. Fields
Meta omits when they do not apply (live-broadcast fields on a post, ``alt_text`` on a video) are
left absent here too. Publishing containers (``ShadowIGMediaBuilder``) are seeded per account,
one in each state a container can be in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from .insights import InsightsModel
from .nodes import Dataset, Node

_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALT_SUBJECTS = ("coffee", "a cup", "latte art", "indoor", "table", "text", "plant", "one person")
#: (status_code, status, is video): the states of a publishing container.
CONTAINER_STATES = (
    ("FINISHED", "Finished: Media has been uploaded and it is ready to be published.", False),
    ("IN_PROGRESS", "In Progress: Media is still being processed.", True),
    ("PUBLISHED", "Published: Media has been successfully published.", False),
    ("ERROR", "Error: Media upload has failed with error code 2207026", True),
    ("EXPIRED", "Expired: Media was not published within 24 hours.", False),
)


def _fraction(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _digits(width: int, *parts: object) -> str:
    """A decimal id of ``width`` digits, stable for ``parts``."""
    low = 10 ** (width - 1)
    return str(low + int(_fraction(*parts) * (9 * low)))


def shortcode_to_ig_id(shortcode: str) -> str:
    """Instagram's shortcode is its media id in base 64: the legacy ``ig_id`` decodes from it."""
    number = 0
    for char in shortcode:
        number = number * 64 + _SHORTCODE_ALPHABET.index(char)
    return str(number)


def add_details(dataset: Dataset, node_ids: list[str] | None = None) -> None:
    """Give ``node_ids`` (every node when None) the fields beyond the basics."""
    model = InsightsModel(dataset)
    own = set(dataset.account_ids)
    for node_id in node_ids if node_ids is not None else list(dataset.nodes):
        node = dataset.nodes[node_id]
        if node.type == "IGUser":
            _set_missing(node, _user_details(node, node.id in own))
            if node.id in own and node_ids is None:
                for container in _containers(node, dataset.now):
                    dataset.nodes[container.id] = container
        elif node.type == "IGMedia":
            owner = node.values.get("owner")
            owned = owner is not None and owner.id in own
            _set_missing(node, _media_details(node, owned, model))


def _set_missing(node: Node, values: dict[str, Any]) -> None:
    """Add the fields ``node`` lacks: what a publisher gave (``alt_text``...) stays."""
    for key, value in values.items():
        node.values.setdefault(key, value)


def _user_details(node: Node, own: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"has_profile_pic": True, "is_published": True}
    if own:
        values["shopping_product_tag_eligibility"] = False
        values["owner_business"] = {"id": _digits(15, node.id, "business")}
    return values


def _media_details(node: Node, owned: bool, model: InsightsModel) -> dict[str, Any]:
    v = node.values
    media_id, kind, product = node.id, v.get("media_type"), v.get("media_product_type")
    shortcode = v.get("shortcode")
    values: dict[str, Any] = {
        "ig_id": shortcode_to_ig_id(shortcode) if shortcode else _digits(19, media_id, "ig_id")
    }
    if kind == "BROADCAST":
        values["live_status"] = "STARTED"
        values["current_live_viewer_count"] = 5 + int(200 * _fraction(media_id, "viewers"))
        return values
    if kind == "IMAGE" and product in ("FEED", None) and _fraction(media_id, "alt") < 0.7:
        subject = _ALT_SUBJECTS[int(_fraction(media_id, "subject") * len(_ALT_SUBJECTS))]
        values["alt_text"] = f"Photo by {v['username']}. May be an image of {subject}."
    if product == "REELS":
        values["audio_id"] = _digits(16, media_id, "audio")
        values["media_audio_type"] = "ORIGINAL" if "media_url" in v else "LICENSED"
    if product == "STORY":
        values["has_poll"] = _fraction(media_id, "poll") < 0.15
        values["has_slider"] = _fraction(media_id, "slider") < 0.1
    if not owned or product not in ("FEED", "REELS", "STORY"):
        return values
    values["is_ai_generated"] = False
    values["boost_eligibility_info"] = _boost(v, product)
    if kind == "VIDEO":
        values["copyright_check_information"] = _copyright(v, media_id)
    if product in ("FEED", "REELS"):  # FB Login only, top-level feed posts and reels
        values["saved_count"] = model.media_value(node, "saved")
        values["shares_count"] = model.media_value(node, "shares")
        values["reposts_count"] = model.media_value(node, "reposts")
        values["total_like_count"] = model.media_value(node, "total_likes")
        values["total_comments_count"] = model.media_value(node, "total_comments")
        values["total_views_count"] = model.media_value(node, "total_views")
    return values


def _boost(values: dict[str, Any], product: str) -> dict[str, Any]:
    if product == "STORY":
        return {"eligible_to_boost": False, "boost_ineligible_reason": "Stories can't be boosted."}
    if "media_url" not in values:
        return {
            "eligible_to_boost": False,
            "boost_ineligible_reason": "This post contains copyrighted music.",
        }
    return {"eligible_to_boost": True}


def _copyright(values: dict[str, Any], media_id: str) -> dict[str, Any]:
    """Reels without a ``media_url`` carry copyrighted audio: their check found a match."""
    if "media_url" in values:
        return {"status": {"status": "completed", "matches_found": False}}
    start = int(20 * _fraction(media_id, "segment"))
    return {
        "status": {"status": "completed", "matches_found": True},
        "copyright_matches": [
            {
                "content_title": "Morning Roast (Original Mix)",
                "author": "Sandbox Records",
                "owner_copyright_policy": {"name": "Sandbox Records", "actions": ["MUTE"]},
                "matched_segments": [
                    {
                        "start_time_in_seconds": start,
                        "duration_in_seconds": 12,
                        "segment_type": "AUDIO",
                    }
                ],
            }
        ],
    }


def _containers(account: Node, now: datetime) -> list[Node]:
    """One publishing container per state, as ``POST /{ig-user-id}/media`` leaves them."""
    containers = []
    for index, (code, status, video) in enumerate(CONTAINER_STATES):
        values: dict[str, Any] = {
            "id": "17890" + _digits(12, account.id, "container", code),
            "status_code": code,
            "status": status,
            "_owner": account.id,
            "_created": now - timedelta(hours=index),
        }
        if video:
            values["copyright_check_status"] = {"status": "in_progress", "matches_found": False}
            if code == "ERROR":
                values["copyright_check_status"] = {"status": "error", "matches_found": False}
            values["video_status"] = {
                "uploading_phase": {"status": "complete", "bytes_transferred": 18_874_368},
                "processing_phase": {"status": "error" if code == "ERROR" else "in_progress"},
            }
        containers.append(Node("ShadowIGMediaBuilder", values))
    return containers
