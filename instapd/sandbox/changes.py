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
