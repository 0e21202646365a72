"""What the gallery shows, as plain data: tiles from a media frame, metrics, sorting, filtering.

No widget here: :class:`~instapd.widgets.gallery.Gallery` is a view over these functions.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import NotMediaError
from .pictures import Item, picture_link

#: The tables whose rows are media (each has a media id, and a picture link or can read one).
MEDIA_TABLES = (
    "Media",
    "IGMedia",
    "Tags",
    "Stories",
    "MediaChildren",
    "MentionedMedia",
    "MediaInsights",
    "MediaInsightsPost",
    "MediaInsightsPostAlbum",
    "MediaInsightsReels",
    "MediaInsightsStory",
    "StoryInsights",
    "HashtagTopMedia",
    "HashtagRecentMedia",
    "BusinessDiscoveryMedia",
)
#: Metric name -> the columns it may come from, first found wins.
METRICS: dict[str, tuple[str, ...]] = {
    "likes": ("like_count", "likes"),
    "comments": ("comments_count", "comments"),
    "reach": ("reach",),
    "views": ("views", "view_count"),
    "saved": ("saved",),
    "shares": ("shares",),
}
ENGAGEMENT = "engagement rate"
SORTS = ("newest", "oldest", "metric, highest", "metric, lowest")
ALL_TYPES = "all types"


@dataclass
class Tile:
    """One media as the gallery shows it."""

    media_id: str
    media_type: str
    caption: str = ""
    timestamp: pd.Timestamp | None = None
    permalink: str | None = None
    url: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    @functools.cached_property
    def alt(self) -> str:
        """What the picture shows, in words (its alt text and tooltip)."""
        when = f"{self.timestamp:%Y-%m-%d}" if self.timestamp is not None else ""
        caption = self.caption[:80] or "no caption"
        return f"{self.media_type.lower().replace('_', ' ')} {when}: {caption}"

    @property
    def badge(self) -> str:
        return {"CAROUSEL_ALBUM": "album", "VIDEO": "video"}.get(self.media_type, "")

    def item(self) -> Item:
        return Item(self.media_id, self.media_type, self.url)

    def label(self, metric: str) -> str:
        value = self.metrics.get(metric)
        if value is None:
            return "-"
        if metric == ENGAGEMENT:
            return f"{value:.1%}"
        return f"{value:,.0f}"


def check_media_frame(frame: pd.DataFrame) -> str:
    """The frame's table, or :class:`~instapd.errors.NotMediaError` naming those that work."""
    table = str(frame.attrs.get("instapd", {}).get("table", ""))
    id_column = "media_id" if "media_id" in frame.columns else "id"
    if table not in MEDIA_TABLES or id_column not in frame.columns:
        raise NotMediaError(
            f"A {table or 'plain'} frame holds no media to show. gallery() works on frames of "
            f"{', '.join(MEDIA_TABLES)}: read one of those, e.g. "
            "instapd.read_instagram('Media').ig.gallery()."
        )
    return table


def tiles_from(frame: pd.DataFrame) -> list[Tile]:
    """One tile per media row (duplicates dropped), with the metrics the frame has."""
    check_media_frame(frame)
    id_column = "media_id" if "media_id" in frame.columns else "id"
    tiles: list[Tile] = []
    seen: set[str] = set()
    for row in frame.to_dict("records"):
        media_id = str(row.get(id_column)) if _clean(row.get(id_column)) is not None else None
        if media_id is None or media_id in seen:
            continue
        seen.add(media_id)
        metrics = {}
        for name, columns in METRICS.items():
            for column in columns:
                value = _number(row.get(column))
                if value is not None:
                    metrics[name] = value
                    break
        reach = metrics.get("reach")
        if reach:
            parts = ("likes", "comments", "saved", "shares")
            metrics[ENGAGEMENT] = sum(metrics.get(p, 0.0) for p in parts) / reach
        timestamp = _clean(row.get("timestamp"))
        tiles.append(
            Tile(
                media_id=media_id,
                media_type=str(_clean(row.get("media_type")) or "IMAGE"),
                caption=str(_clean(row.get("caption")) or ""),
                timestamp=pd.Timestamp(timestamp) if timestamp is not None else None,
                permalink=_clean(row.get("permalink")),
                url=picture_link({str(k): _clean(v) for k, v in row.items()}),
                metrics=metrics,
            )
        )
    return tiles


def metrics_of(tiles: list[Tile]) -> list[str]:
    """The metrics at least one tile has, in the gallery's order."""
    names = [*METRICS, ENGAGEMENT]
    return [n for n in names if any(n in t.metrics for t in tiles)]


def arrange(tiles: list[Tile], *, metric: str | None, sort: str, media_type: str) -> list[Tile]:
    """The tiles to show, filtered to ``media_type`` (or all) and in ``sort`` order."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    shown = [t for t in tiles if media_type == ALL_TYPES or t.media_type == media_type]
    if sort in ("newest", "oldest"):
        oldest = pd.Timestamp.min.tz_localize("UTC")
        shown.sort(key=lambda t: t.timestamp or oldest, reverse=sort == "newest")
        return shown
    highest = sort == "metric, highest"
    known = [t for t in shown if metric is not None and metric in t.metrics]
    known.sort(key=lambda t: t.metrics[str(metric)], reverse=highest)
    return known + [t for t in shown if t not in known]  # no value: last either way


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _number(value: Any) -> float | None:
    value = _clean(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
