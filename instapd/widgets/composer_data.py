"""The composer as plain data: caption counts against Meta's limits, the post's fields from what
was typed, and the publishing quota left. Publishing itself is :func:`instapd.publishing.publish`
(rules, quota, containers, ``media_publish`` exactly once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..connection import BaseConnection
from ..errors import PublishRuleError
from ..publishing import quota
from ..publishing.rules import (
    MAX_CAPTION,
    MAX_HASHTAGS,
    MAX_MENTIONS,
    caption_counts,
    plan_post,
)

KINDS = {"image": "IMAGE", "reel": "REELS", "carousel": "CAROUSEL", "story": "STORIES"}


@dataclass(frozen=True)
class CaptionCount:
    characters: int
    hashtags: int
    mentions: int

    @property
    def problems(self) -> list[str]:
        """Each limit the caption is over, in words (none: it may be published)."""
        over = []
        if self.characters > MAX_CAPTION:
            over.append(f"{self.characters - MAX_CAPTION:,} characters too many")
        if self.hashtags > MAX_HASHTAGS:
            over.append(f"{self.hashtags - MAX_HASHTAGS} hashtags too many")
        if self.mentions > MAX_MENTIONS:
            over.append(f"{self.mentions - MAX_MENTIONS} @mentions too many")
        return over

    def words(self) -> str:
        return (
            f"{self.characters:,}/{MAX_CAPTION:,} characters · {self.hashtags}/{MAX_HASHTAGS} "
            f"hashtags · {self.mentions}/{MAX_MENTIONS} @mentions"
        )


def count_caption(caption: str) -> CaptionCount:
    """The caption as Meta's limits count it (characters as Python counts them)."""
    return CaptionCount(*caption_counts(caption))


def post_fields(kind: str, urls: list[str], caption: str, **options: Any) -> dict[str, Any]:
    """``publish`` keyword fields for what the composer holds, with Meta's other container
    fields in ``options`` (``title``, ``cross_post_to_threads``, ``is_ai_generated``, ...);
    refused as Meta's rules would be (:class:`~instapd.errors.PublishRuleError`, naming the
    rule) before anything is sent."""
    if kind not in KINDS:
        raise PublishRuleError(f"kind is one of {', '.join(KINDS)}, not {kind!r}", rule="kind")
    urls = [u.strip() for u in urls if u.strip()]
    fields: dict[str, Any] = {"caption": caption or None}
    if kind == "carousel":
        fields["children"] = urls
    elif not urls:
        raise PublishRuleError("Give the picture's or video's public URL.", rule="media")
    elif len(urls) > 1:
        raise PublishRuleError(f"A {kind} has one picture or video; use a carousel for more.",
                               rule="media")  # fmt: skip
    elif kind == "reel" or urls[0].lower().endswith((".mp4", ".mov")):
        fields["video_url"] = urls[0]
    else:
        fields["image_url"] = urls[0]
    fields["media_type"] = KINDS[kind]
    if kind == "image":
        fields.pop("media_type")
    fields.update(options)
    plan_post(**fields)  # every rule, now
    return fields


@dataclass(frozen=True)
class Quota:
    used: int
    total: int | None  # None: Meta did not say

    @property
    def left(self) -> int | None:
        return None if self.total is None else max(self.total - self.used, 0)

    def words(self) -> str:
        if self.total is None:
            return f"{self.used} posts published in the rolling 24 hours (Meta gave no quota)"
        return f"{self.left} of {self.total} posts left in the rolling 24 hours"


def quota_left(connection: BaseConnection, account: str) -> Quota:
    """The publishing quota as the API reports it now."""
    limit = quota(connection, account)
    return Quota(int(limit["quota_usage"] or 0), limit["quota_total"])
