"""What a post is, checked against Meta's publishing rules before anything is sent.

Each refusal is a :class:`~instapd.errors.PublishRuleError` whose ``rule`` names the rule.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..catalog.limits import limit
from ..errors import PublishRuleError

# Meta's limits, kept with their sources in the catalog (instapd.catalog.limits)
MAX_CAPTION = limit("caption_characters")
MAX_HASHTAGS = limit("caption_hashtags")
MAX_MENTIONS = limit("caption_mentions")
MAX_ALT_TEXT = limit("alt_text_characters")
CAROUSEL_SIZE = (limit("carousel_items_min"), limit("carousel_items_max"))
MEDIA_TYPES = ("IMAGE", "REELS", "STORIES", "CAROUSEL")
VIDEO_SUFFIXES = (".mp4", ".mov")
JPEG_SUFFIXES = (".jpg", ".jpeg")
#: Meta's container fields a post may set (graph-api.md 8.1), besides the media and caption.
OPTIONS = frozenset(
    {
        "alt_text",
        "location_id",
        "user_tags",
        "product_tags",
        "collaborators",
        "cover_url",
        "thumb_offset",
        "share_to_feed",
        "audio_name",
        "trial_params",
        "is_ai_generated",
        "branded_content_sponsor_ids",
        "is_paid_partnership",
        # the SDK's add-ons (graph-api.md 8.1 names them, not their shapes: types checked only)
        "audio_configuration",
        "cross_post_to_threads",
        "poll_attachment",
        "title",
    }
)
#: The add-ons' types: graph-api.md names them only, so instapd checks what it can (a bool, a
#: JSON object, text) and leaves the contents to Meta.
ADDON_TYPES: dict[str, tuple[type, ...]] = {
    "is_ai_generated": (bool,),
    "cross_post_to_threads": (bool,),
    "audio_configuration": (dict,),
    "poll_attachment": (dict,),
    "title": (str,),
}
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_MENTION = re.compile(r"(?<!\w)@[\w.]+")


@dataclass
class Post:
    """One post to publish (a carousel's items are posts too, with ``item=True``)."""

    media_type: str  # IMAGE, REELS, STORIES, CAROUSEL; for carousel items IMAGE or VIDEO
    image_url: str | None = None
    video_url: str | None = None
    video_path: Path | None = None
    caption: str | None = None
    children: list[Post] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    item: bool = False

    @property
    def is_video(self) -> bool:
        return self.video_url is not None or self.video_path is not None

    def params(self) -> dict[str, str]:
        """The ``POST /{ig-user-id}/media`` parameters (children's ids are added by the caller)."""
        params: dict[str, str] = {}
        if self.item:
            params["is_carousel_item"] = "true"
            if self.is_video:
                params["media_type"] = "VIDEO"
        elif self.media_type != "IMAGE":
            params["media_type"] = self.media_type
        if self.image_url:
            params["image_url"] = self.image_url
        if self.video_url:
            params["video_url"] = self.video_url
        if self.video_path is not None:
            params["upload_type"] = "resumable"
        if self.caption:
            params["caption"] = self.caption
        for key, value in self.options.items():
            params[key] = _encode(value)
        return params


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value)
    return str(value)


def plan_post(
    *,
    image_url: str | None = None,
    video_url: str | None = None,
    children: list[Any] | None = None,
    media_type: str | None = None,
    caption: str | None = None,
    image_path: Any = None,
    video_path: Any = None,
    row: object = None,
    **options: Any,
) -> Post:
    """The post these arguments describe, or :class:`PublishRuleError` naming the broken rule."""

    def refuse(rule: str, message: str) -> PublishRuleError:
        return PublishRuleError(message, rule=rule, row=row)

    if image_path is not None:
        raise refuse(
            "image_path",
            "Meta fetches images from a public URL and cannot take an image file: put the JPEG "
            "somewhere public on the web and pass image_url=. (Videos can go as video_path=.)",
        )
    given = [
        name
        for name, value in (
            ("image_url", image_url),
            ("video_url", video_url),
            ("video_path", video_path),
            ("children", children),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise refuse(
            "media",
            "Give exactly one of image_url=, video_url=, video_path= or children= (a carousel); "
            f"got {', '.join(given) or 'none'}.",
        )
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise refuse(
            "option",
            f"Unknown publishing option(s) {unknown}; Meta's fields are {sorted(OPTIONS)}.",
        )
    kind = _media_type(media_type, given[0], refuse)
    check_caption(caption, refuse)
    check_addons(options, refuse)
    path = None
    if video_path is not None:
        path = Path(video_path)
        if not path.is_file():
            raise refuse("video_path", f"video_path {str(path)!r} is not a readable file.")
    post = Post(
        kind,
        image_url=check_url(image_url, "image_url", refuse, image=True),
        video_url=check_url(video_url, "video_url", refuse),
        video_path=path,
        caption=caption,
        options=dict(options),
    )
    if "cover_url" in options:
        check_url(options["cover_url"], "cover_url", refuse, image=True)
    if "alt_text" in options:
        check_alt_text(post, options["alt_text"], refuse)
    if children is not None:
        post.children = [_item(child, n, refuse) for n, child in enumerate(children)]
        low, high = CAROUSEL_SIZE
        if not low <= len(post.children) <= high:
            raise refuse(
                "carousel_size",
                f"A carousel has {low} to {high} items; this one has {len(post.children)}.",
            )
    return post


def check_addons(options: dict[str, Any], refuse: Any) -> None:
    """The add-ons' types (:data:`ADDON_TYPES`); a JSON object may come as its JSON text."""
    for name, kinds in ADDON_TYPES.items():
        if name not in options:
            continue
        value = options[name]
        if dict in kinds and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = options[name] = json.loads(value)
        if not isinstance(value, kinds) or (isinstance(value, str) and not value.strip()):
            wanted = {bool: "True or False", dict: "a dict (a JSON object)", str: "text"}
            raise refuse(
                name,
                f"{name}= takes {wanted[kinds[0]]}, not {type(value).__name__}: {value!r}.",
            )


def _media_type(media_type: str | None, given: str, refuse: Any) -> str:
    inferred = {"image_url": "IMAGE", "video_url": "REELS", "video_path": "REELS"}.get(
        given, "CAROUSEL"
    )
    if media_type is None:
        return inferred
    kind = str(media_type).upper()
    if kind == "VIDEO":
        raise refuse(
            "media_type",
            "Meta retired feed VIDEO posts (November 2023): publish videos as media_type='REELS'.",
        )
    if kind not in MEDIA_TYPES:
        raise refuse("media_type", f"media_type is one of {list(MEDIA_TYPES)}, not {media_type!r}.")
    if kind == "STORIES" and given != "children":
        return kind
    if kind != inferred:
        raise refuse(
            "media_type",
            f"media_type={kind} does not go with {given}= (which makes {inferred}).",
        )
    return kind


def _item(child: Any, number: int, refuse: Any) -> Post:
    """A carousel item: a URL (a video when it ends .mp4 or .mov), or a dict of fields."""
    if isinstance(child, str):
        is_video = PurePosixPath(urlsplit(child).path).suffix.lower() in VIDEO_SUFFIXES
        child = {"video_url" if is_video else "image_url": child}
    if not isinstance(child, dict):
        raise refuse("carousel_item", f"Carousel item {number} is not a URL or a dict.")
    fields = dict(child)
    image_url, video_url = fields.pop("image_url", None), fields.pop("video_url", None)
    if (image_url is None) == (video_url is None):
        raise refuse("carousel_item", f"Carousel item {number} needs image_url or video_url.")
    if "caption" in fields:
        raise refuse("carousel_item", "Carousel items have no captions: caption the carousel.")
    unknown = sorted(set(fields) - OPTIONS)
    if unknown:
        raise refuse("option", f"Unknown option(s) {unknown} on carousel item {number}.")
    check_addons(fields, refuse)
    item = Post(
        "VIDEO" if video_url else "IMAGE",
        image_url=check_url(image_url, "image_url", refuse, image=True),
        video_url=check_url(video_url, "video_url", refuse),
        options=fields,
        item=True,
    )
    if "alt_text" in fields:
        check_alt_text(item, fields["alt_text"], refuse)
    return item


def check_url(url: Any, name: str, refuse: Any, *, image: bool = False) -> str | None:
    """A public web URL (Meta downloads it: graph-api.md 8.1 asks no scheme of it beyond that);
    an image one must be a JPEG."""
    if url is None:
        return None
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise refuse(
            "url", f"{name} must be a public http(s):// URL that Meta can download; got {url!r}."
        )
    suffix = PurePosixPath(parts.path).suffix.lower()
    if image and suffix and suffix not in JPEG_SUFFIXES:
        raise refuse(
            "jpeg", f"Meta publishes JPEG images only; {name} ends {suffix!r}. Convert it to JPEG."
        )
    return str(url)


def caption_counts(caption: str | None) -> tuple[int, int, int]:
    """Characters, hashtags and @mentions of a caption, as the caption rules count them."""
    text = caption or ""
    return len(text), len(_HASHTAG.findall(text)), len(_MENTION.findall(text))


def check_caption(caption: str | None, refuse: Any) -> None:
    if caption is not None and not isinstance(caption, str):
        raise refuse("caption", f"caption= takes text, not {type(caption).__name__}: {caption!r}.")
    text = caption or ""
    if len(text) > MAX_CAPTION:
        raise refuse(
            "caption_length",
            f"A caption has at most {MAX_CAPTION:,} characters; this one has {len(text):,}.",
        )
    hashtags = len(_HASHTAG.findall(text))
    if hashtags > MAX_HASHTAGS:
        raise refuse(
            "hashtags", f"A caption has at most {MAX_HASHTAGS} hashtags; this one has {hashtags}."
        )
    mentions = len(_MENTION.findall(text))
    if mentions > MAX_MENTIONS:
        raise refuse(
            "mentions", f"A caption has at most {MAX_MENTIONS} @mentions; this one has {mentions}."
        )


def check_alt_text(post: Post, alt_text: Any, refuse: Any) -> None:
    if post.is_video or post.media_type == "CAROUSEL":
        raise refuse(
            "alt_text",
            "alt_text goes on images only (for a carousel, on its image items), not on "
            f"{'videos' if post.is_video else 'the carousel'}.",
        )
    if not isinstance(alt_text, str):
        raise refuse(
            "alt_text",
            f"alt_text= takes text describing the image, not {type(alt_text).__name__}: "
            f"{alt_text!r}. Leave it out for none.",
        )
    if len(alt_text) > MAX_ALT_TEXT:
        raise refuse("alt_text", f"alt_text has at most {MAX_ALT_TEXT} characters.")
