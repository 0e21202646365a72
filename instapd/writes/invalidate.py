"""After a write: drop the cache entries it made stale, so the next read shows it."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..cache import MULTI_FOLDER, QueryCache

#: What a write to comments changes: the comments, their replies, the media's comments_count.
COMMENT_TABLES = frozenset({"comments", "replies", "media", "igmedia", "mentionedcomment"})
#: What deleting media or turning its comments off changes, on top.
MEDIA_TABLES = COMMENT_TABLES | {
    "stories",
    "mediachildren",
    "instagrambusinessprofile",
    "mediainsights",
    "mediainsightspost",
    "mediainsightspostalbum",
    "mediainsightsreels",
    "mediainsightsstory",
    "storyinsights",
}

#: What answering a collaboration invite changes.
INVITE_TABLES = frozenset({"collaborationinvites", "collaborators"})


def invalidate(
    location: str | Path | None,
    accounts: set[str],
    *,
    media: bool,
    tables: frozenset[str] | None = None,
) -> int:
    """Remove the entries of the touched accounts (and multi-account ones); returns how many.

    ``tables`` (lower-case names) replaces the set ``media`` picks, for other writers.
    """
    if not accounts:
        return 0
    store = QueryCache(location)
    listing = store.entries()
    if listing.empty:
        return 0
    if tables is None:
        tables = MEDIA_TABLES if media else COMMENT_TABLES
    stale = listing[
        listing["table"].str.lower().isin(tables)
        & listing["account"].isin([*accounts, MULTI_FOLDER])
    ]
    for path in stale["path"]:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()
    return len(stale)
