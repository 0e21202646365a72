"""Data that changes as the sandbox's clock moves: like counts grow, recent insights settle."""

from __future__ import annotations

import zlib
from datetime import datetime

from .nodes import Dataset


def grow_likes(dataset: Dataset, now: datetime, hours: float) -> None:
    """Add the likes ``hours`` bring to each media item of the user's accounts.

    Recent posts gain most; old ones a trickle. Deterministic: the same moves give the same counts.
    """
    for account in dataset.account_ids:
        for media_id in dataset[account].edges.get("media", []):
            values = dataset[media_id].values
            if "like_count" not in values:
                continue  # the owner hid the count
            age_days = (now - values["timestamp"]).total_seconds() / 86400
            per_hour = 3.0 if age_days < 7 else 0.25
            spread = 0.5 + (zlib.crc32(media_id.encode()) % 100) / 100
            values["like_count"] += max(1, round(per_hour * spread * hours))


def grow_followers(dataset: Dataset, hours: float) -> None:
    """Followers of every account (the user's and the public ones) grow 0.05 to 0.25 % a day,
    each at its own pace; an account with few followers gains one now and then. Deterministic."""
    for account in (*dataset.account_ids, *dataset.public_ids):
        values = dataset[account].values
        if "followers_count" not in values:
            continue
        pace = 0.0005 + (zlib.crc32(account.encode()) % 100) / 100 * 0.002
        gained = dataset.follower_carry.get(account, 0.0)
        gained += values["followers_count"] * pace * hours / 24
        values["followers_count"] += int(gained)
        dataset.follower_carry[account] = gained - int(gained)
