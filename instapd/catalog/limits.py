"""Meta's text limits as data, each with where it is documented: a change by Meta is one edit here.

The publishing quota is not here: it is read from the account's ``content_publishing_limit``
(``config.quota_total``) before every publish, because Meta's own pages disagree on it (100, 50,
25) and it may differ per account.

>>> LIMITS["caption_characters"].value
2200
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One limit: its value, what it counts, and the source that documents it."""

    name: str
    value: int
    what: str
    source: str


_PUBLISHING = "Meta, Content Publishing guide, IG User /media reference (graph-api.md 8.1)"
_COMMENTS = "CData Instagram connector, Comments table INSERT rules (peers-data-model.md 2.2)"

LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("caption_characters", 2200, "characters in a post's caption", _PUBLISHING),
        Limit("caption_hashtags", 30, "hashtags in a post's caption", _PUBLISHING),
        Limit("caption_mentions", 20, "@mentions in a post's caption", _PUBLISHING),
        Limit("alt_text_characters", 1000, "characters in an image's alt_text", _PUBLISHING),
        Limit("carousel_items_min", 2, "items in a carousel, at least", _PUBLISHING),
        Limit("carousel_items_max", 10, "items in a carousel, at most", _PUBLISHING),
        Limit("collaborators", 3, "collaborators invited on one post", _PUBLISHING),
        Limit("comment_characters", 300, "characters in a comment or reply", _COMMENTS),
        Limit("comment_hashtags", 4, "hashtags in a comment or reply", _COMMENTS),
        Limit("comment_urls", 1, "links in a comment or reply", _COMMENTS),
        Limit(
            "hashtag_searches",
            30,
            "unique hashtags searched per account in 7 days",
            "Meta, ig_hashtag_search reference (graph-api.md 1.8)",
        ),
    )
}


def limit(name: str) -> int:
    """The value of the limit called ``name``."""
    return LIMITS[name].value
