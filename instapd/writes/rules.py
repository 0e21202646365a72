"""Checks a write passes before anything is sent: ids, Instagram's comment rules, flags.

The comment rules are Instagram's as CData documents them: at most 300 characters, 4 hashtags
and 1 URL, and not in capitals only. Empty text is refused too.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..catalog.limits import limit
from ..errors import CommentRuleError, WriteError, WriteTargetError

# kept with their source in the catalog (instapd.catalog.limits)
MAX_CHARACTERS = limit("comment_characters")
MAX_HASHTAGS = limit("comment_hashtags")
MAX_URLS = limit("comment_urls")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


def check_id(value: Any, what: str) -> str:
    """An object id as a string of digits, or a :class:`WriteTargetError`."""
    text = "" if value is None or _missing(value) else str(value).strip()
    if not text:
        raise WriteTargetError(f"The {what} id is missing; every row needs one.")
    if not text.isdigit():
        raise WriteTargetError(
            f"{text!r} is not an Instagram {what} id (ids are digits only); take ids from the "
            "id column of a frame instapd read."
        )
    return text


def check_text(value: Any) -> str:
    """A comment's text, or a :class:`CommentRuleError` that says what to change."""
    text = "" if value is None or _missing(value) else str(value).strip()
    if not text:
        raise CommentRuleError("The text is empty; write something to post.")
    if len(text) > MAX_CHARACTERS:
        raise CommentRuleError(
            f"The text has {len(text)} characters; Instagram allows at most {MAX_CHARACTERS}. "
            "Shorten it."
        )
    tags = len(_HASHTAG.findall(text))
    if tags > MAX_HASHTAGS:
        raise CommentRuleError(
            f"The text has {tags} hashtags; Instagram allows at most {MAX_HASHTAGS}. Remove some."
        )
    urls = len(_URL.findall(text))
    if urls > MAX_URLS:
        raise CommentRuleError(
            f"The text has {urls} links; Instagram allows at most {MAX_URLS}. Remove some."
        )
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        raise CommentRuleError(
            "The text is in capital letters only, which Instagram refuses; use lower case."
        )
    return text


def check_flag(value: Any, name: str) -> bool:
    """A true/false column value (``hidden``, ``comment_enabled``)."""
    if isinstance(value, bool):
        return value
    if value is not None and not _missing(value) and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, bool):
            return item
    raise WriteError(f"{name} must be True or False, not {value!r}.")


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
