"""``publish`` and ``publish_container``: a post, or a frame of them, published exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .connection import default_connection

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import BaseConnection

__all__ = ["publish", "publish_container"]


def publish(
    frame: pd.DataFrame | None = None,
    *,
    image_url: str | None = None,
    video_url: str | None = None,
    children: list[Any] | None = None,
    media_type: str | None = None,
    caption: str | None = None,
    connection: BaseConnection | None = None,
    account: str | None = None,
    wait: bool = True,
    timeout: float = 300,
    **options: Any,
) -> pd.DataFrame:
    """Publish an image, a reel, a carousel or a story, and return its row.

    ``media_type`` is inferred: ``image_url`` makes an IMAGE post, ``video_url`` (or
    ``video_path``, a local file sent through Meta's resumable upload) a REELS, ``children`` (2
    to 10 URLs, or dicts with ``image_url``/``video_url`` and their own ``alt_text`` or
    ``user_tags``) a CAROUSEL; ``media_type="STORIES"`` makes a story. ``image_path`` is refused:
    Meta fetches images from a public web URL. ``options`` are Meta's fields: ``alt_text``
    (images), ``location_id``, ``user_tags``, ``collaborators``, ``cover_url``,
    ``thumb_offset``, ``share_to_feed``, ``audio_name``, and the SDK's add-ons ``title``,
    ``cross_post_to_threads`` and ``is_ai_generated`` (True/False), ``audio_configuration`` and
    ``poll_attachment`` (dicts, sent as JSON; their contents are Meta's to check);
    ``progress=False`` hides the bar.

    The post is checked first (https, JPEG, caption of at most 2,200 characters, 30 hashtags
    and 20 @mentions, carousels of 2 to 10, alt_text on images only: a
    :class:`~instapd.errors.PublishRuleError` naming the rule), then the account's
    ``content_publishing_limit`` (:class:`~instapd.errors.PublishingLimitError` says when the
    window frees). Containers are created, their status polled with backoff for up to
    ``timeout`` seconds, published exactly once (a lost answer is checked against the
    container's status, never sent blindly again), and the permalink read back. An expired
    container is made again once. ``wait=False`` returns the containers, for
    :func:`publish_container`.

    Returns one row: ``id`` (the media), ``container_id``, ``media_type``, ``permalink``,
    ``status``. ``publish(frame)`` publishes each row of a DataFrame with those fields as
    columns and returns one row per input row, with ``error`` for the rows Meta refused.
    """
    from ..publishing import publish as run

    if frame is not None:
        given = {"image_url": image_url, "video_url": video_url, "children": children}
        given |= {"media_type": media_type, "caption": caption}
        if any(v is not None for v in given.values()) or set(options) - {"progress"}:
            raise UsageError("Pass a DataFrame of posts, or the fields of one post, not both.")
        return run(
            connection or default_connection(),
            frame,
            account=account,
            wait=wait,
            timeout=timeout,
            **options,
        )
    fields: dict[str, Any] = {
        k: v
        for k, v in {
            "image_url": image_url,
            "video_url": video_url,
            "children": children,
            "media_type": media_type,
            "caption": caption,
        }.items()
        if v is not None
    }
    return run(
        connection or default_connection(),
        account=account,
        wait=wait,
        timeout=timeout,
        **fields,
        **options,
    )


def publish_container(
    container_id: str,
    *,
    connection: BaseConnection | None = None,
    account: str | None = None,
    timeout: float = 300,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Wait for a container made by ``publish(..., wait=False)`` and publish it, exactly once.
    Returns the same row as :func:`publish`."""
    from ..publishing import publish_container as run

    return run(
        connection or default_connection(),
        container_id,
        account=account,
        timeout=timeout,
        progress=progress,
    )
