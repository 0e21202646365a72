"""Insights metrics as data: which metric works for which surface, period and API version.

Media metrics are keyed by *surface*, ``PRODUCT:MEDIA_TYPE`` (``FEED:IMAGE``,
``FEED:CAROUSEL_ALBUM``, ``REELS:VIDEO``, ``STORY:VIDEO``...). Retired metrics are kept with the
version from which Meta refuses them and their replacement, so a user who names one is told what
to ask for instead, before any request is made.

>>> media_metrics_for("v25.0", "REELS", "VIDEO")[:4]
('reach', 'views', 'likes', 'comments')
>>> retired_metric("plays", "v25.0")
'views'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

FEED = ("FEED:IMAGE", "FEED:VIDEO", "FEED:CAROUSEL_ALBUM")
REELS = ("REELS:VIDEO",)
STORY = ("STORY:IMAGE", "STORY:VIDEO")


@dataclass(frozen=True)
class MediaMetric:
    name: str
    surfaces: tuple[str, ...]
    description: str
    default: bool = True  # asked for unless the user names metrics
    retired_in: int | None = None  # the major API version that refuses it
    replacement: str | None = None


MEDIA_METRICS: tuple[MediaMetric, ...] = (
    MediaMetric("reach", FEED + REELS + STORY, "Unique accounts that saw the media (estimated)"),
    MediaMetric("views", FEED + REELS + STORY, "Times the media was played or displayed"),
    MediaMetric("likes", FEED + REELS, "Likes"),
    MediaMetric("comments", FEED + REELS, "Comments"),
    MediaMetric("saved", FEED + REELS, "Saves"),
    MediaMetric("shares", FEED + REELS + STORY, "Shares"),
    MediaMetric("total_interactions", FEED + REELS + STORY, "Likes, saves, comments and shares"),
    MediaMetric("reposts", FEED + REELS + STORY, "Reposts"),
    MediaMetric("follows", FEED + STORY, "Accounts that followed from the media"),
    MediaMetric("profile_visits", FEED + STORY, "Profile visits from the media"),
    MediaMetric("profile_activity", FEED + STORY, "Actions on the profile after viewing"),
    MediaMetric("navigation", STORY, "Story navigation actions (taps, swipes, exits)"),
    MediaMetric("replies", STORY, "Story replies (0 for EU and Japan creators)"),
    MediaMetric("ig_reels_avg_watch_time", REELS, "Average watch time, milliseconds"),
    MediaMetric("ig_reels_video_view_total_time", REELS, "Total watch time, milliseconds"),
    MediaMetric("reels_skip_rate", REELS, "Share of views skipped in the first seconds, percent"),
    MediaMetric("total_likes", FEED + REELS, "Likes including ads and Facebook cross-posts"),
    MediaMetric("total_comments", FEED + REELS, "Comments including ads and cross-posts"),
    MediaMetric("total_views", FEED + REELS + STORY, "Views including ads and cross-posts"),
    MediaMetric(
        "crossposted_views", REELS, "Views on Facebook of a cross-posted reel", default=False
    ),
    MediaMetric(
        "facebook_views", FEED + REELS + STORY, "Views on Facebook of shared media", default=False
    ),
    MediaMetric("impressions", FEED + STORY, "Retired", False, 22, "views"),
    MediaMetric("plays", REELS, "Retired", False, 22, "views"),
    MediaMetric("clips_replays_count", REELS, "Retired", False, 22, "views"),
    MediaMetric("ig_reels_aggregated_all_plays_count", REELS, "Retired", False, 22, "views"),
    MediaMetric("video_views", FEED + REELS, "Retired", False, 21, "views"),
)
_MEDIA_BY_NAME = {m.name: m for m in MEDIA_METRICS}


def _major(version: str) -> int:
    return int(version.lstrip("v").split(".")[0])


def retired_metric(name: str, version: str) -> str | None:
    """The replacement for a metric retired at ``version``, or None if it is not retired."""
    metric = _MEDIA_BY_NAME.get(name) or USER_RETIRED.get(name)
    if metric and metric.retired_in is not None and _major(version) >= metric.retired_in:
        return metric.replacement or "none"
    return None


@lru_cache(maxsize=256)  # asked once per media item: a few surfaces and versions in all
def media_metrics_for(
    version: str, product: str, media_type: str, wanted: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """The metrics to ask for one media item: valid for its surface and not retired."""
    surface = f"{product}:{media_type}"
    names = wanted or tuple(m.name for m in MEDIA_METRICS if m.default)
    return tuple(
        n
        for n in names
        if n in _MEDIA_BY_NAME
        and surface in _MEDIA_BY_NAME[n].surfaces
        and retired_metric(n, version) is None
    )


def media_metric_names(surfaces: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Every current media metric (for one set of surfaces), in catalog order."""
    return tuple(
        m.name
        for m in MEDIA_METRICS
        if m.retired_in is None and (surfaces is None or set(m.surfaces) & set(surfaces))
    )


@dataclass(frozen=True)
class UserMetric:
    name: str
    description: str
    periods: tuple[str, ...] = ("day",)
    metric_types: tuple[str, ...] = ("total_value",)
    breakdowns: tuple[str, ...] = ()
    retired_in: int | None = None
    replacement: str | None = None


USER_METRICS: tuple[UserMetric, ...] = (
    UserMetric(
        "reach",
        "Unique accounts that saw any content",
        ("day", "week", "days_28"),
        ("time_series", "total_value"),
        ("media_product_type", "follow_type"),
    ),
    UserMetric(
        "follower_count",
        "New followers that day (last 30 days only)",
        metric_types=("time_series",),
    ),
    UserMetric(
        "views",
        "Times content was played or displayed",
        breakdowns=("follower_type", "media_product_type"),
    ),
    UserMetric("accounts_engaged", "Accounts that interacted with content"),
    UserMetric("total_interactions", "All interactions", breakdowns=("media_product_type",)),
    UserMetric("likes", "Likes", breakdowns=("media_product_type",)),
    UserMetric("comments", "Comments", breakdowns=("media_product_type",)),
    UserMetric("saves", "Saves", breakdowns=("media_product_type",)),
    UserMetric("shares", "Shares", breakdowns=("media_product_type",)),
    UserMetric("replies", "Story replies"),
    UserMetric("reposts", "Reposts"),
    UserMetric(
        "follows_and_unfollows",
        "Follows and unfollows (100+ followers)",
        breakdowns=("follow_type",),
    ),
    UserMetric(
        "profile_links_taps", "Taps on profile contact buttons", breakdowns=("contact_button_type",)
    ),
)
USER_METRICS_BY_NAME = {m.name: m for m in USER_METRICS}
USER_RETIRED = {
    name: UserMetric(name, "Retired", retired_in=version, replacement=replacement)
    for name, version, replacement in [
        ("impressions", 22, "views"),
        ("profile_views", 21, "profile_links_taps"),
        ("website_clicks", 21, "profile_links_taps"),
        ("email_contacts", 21, "profile_links_taps"),
        ("get_directions_clicks", 21, "profile_links_taps"),
        ("text_message_clicks", 21, "profile_links_taps"),
        ("phone_call_clicks", 21, "profile_links_taps"),
    ]
}
#: User metrics read by tables of their own (``OnlineFollowers``, the demographics tables),
#: not columns of the wide account tables.
AUDIENCE_METRICS: tuple[UserMetric, ...] = (
    UserMetric(
        "online_followers",
        "Followers online, by hour (100+ followers, last 30 days)",
        ("lifetime",),
        ("time_series",),
    ),
    UserMetric(
        "follower_demographics",
        "Followers by age, city, country and gender (100+ followers)",
        ("lifetime",),
        breakdowns=("age", "city", "country", "gender"),
    ),
    UserMetric(
        "engaged_audience_demographics",
        "Engaged accounts by age, city, country and gender (100+ followers)",
        ("lifetime",),
        breakdowns=("age", "city", "country", "gender"),
    ),
)
TIME_SERIES_METRICS = tuple(m.name for m in USER_METRICS if "time_series" in m.metric_types)
TOTAL_VALUE_METRICS = tuple(m.name for m in USER_METRICS if "total_value" in m.metric_types)
DEMOGRAPHIC_METRICS = tuple(m.name for m in AUDIENCE_METRICS if m.name.endswith("_demographics"))
AUDIENCE_TYPES = ("age", "city", "country", "gender", "age,gender")
TIMEFRAMES = ("this_week", "this_month")
