"""Account, audience and media insights (CData's view names)."""

from __future__ import annotations

from ..errors import ON_ERROR
from .base import ACCOUNT_ID, Column, Filter, Table
from .metrics import (
    AUDIENCE_TYPES,
    DEMOGRAPHIC_METRICS,
    MEDIA_METRICS,
    REELS,
    STORY,
    TIMEFRAMES,
    TOTAL_VALUE_METRICS,
    USER_METRICS,
    media_metric_names,
)

INSIGHT_SCOPES = ("instagram_basic", "instagram_manage_insights", "pages_read_engagement")

_DAY_NOTE = (
    "end_time is tz-aware UTC, as the API reports it: the end of a day in US-Pacific time "
    "(07:00 or 08:00 UTC). A value with end_time T covers the Pacific day ending at T. "
    "Values can be revised for 48 hours."
)
_END_TIME = Column("end_time", "datetime", "End of the Pacific day the value covers (UTC)", None)
_START_TIME = Column("start_time", "datetime", "Start of the range the total covers (UTC)", None)
_METRIC = Column("metric", "string", "Metric name", None)
_VALUE = Column("value", "int", "The metric's value (NA when the API has none)", None)
_ON_ERROR = Filter(
    "on_error",
    "'report' (default): cells the API refuses are NA, with one warning; 'raise': fail instead",
    kind="choice",
    choices=ON_ERROR,
    default="report",
)


def _metrics_filter(choices: tuple[str, ...], default: tuple[str, ...] | None = None) -> Filter:
    return Filter("metrics", "Metrics to read; default: all that apply", "list", choices, default)


def _metric_columns(names: tuple[str, ...], descriptions: dict[str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, "int", descriptions.get(n, n), None) for n in names)


_USER_DESCRIPTIONS = {m.name: m.description for m in USER_METRICS}
_MEDIA_DESCRIPTIONS = {m.name: m.description for m in MEDIA_METRICS}
_WIDE_METRICS = tuple(m.name for m in USER_METRICS)

ACCOUNT_INSIGHTS = Table(
    "AccountInsights",
    "Daily account metrics, one row per day and one column per metric; any range, split into "
    "30-day windows",
    (
        ACCOUNT_ID,
        Column("metric_type", "string", "time_series or total_value", None),
        Column("period", "string", "day, week or days_28", None),
        _END_TIME,
        *_metric_columns(_WIDE_METRICS, _USER_DESCRIPTIONS),
    ),
    hops=(),
    scopes=INSIGHT_SCOPES,
    reader="account_insights",
    filters=(
        _metrics_filter(_WIDE_METRICS),
        Filter(
            "period", "day (default), week or days_28", "choice", ("day", "week", "days_28"), "day"
        ),
        Filter(
            "metric_type",
            "time_series (default: reach, follower_count) or total_value "
            "(every day metric, one request per day, batched)",
            "choice",
            ("time_series", "total_value"),
            "time_series",
        ),
        _ON_ERROR,
    ),
    time_column="end_time",
    notes=_DAY_NOTE + " Without since/until: the last 30 days. A stale cache entry is refreshed "
    "with the missing days plus the last two.",
    options={"incremental": "days"},
)


def _totals(
    name: str, description: str, breakdown: str | None, per_day: bool, metrics: tuple[str, ...]
) -> Table:
    columns = [ACCOUNT_ID, _START_TIME, _END_TIME, _METRIC]
    if breakdown:
        columns.append(Column(breakdown, "string", f"The {breakdown} this row counts", None))
    columns.append(_VALUE)
    span = "each day" if per_day else "the whole range (split into 30-day windows)"
    return Table(
        name,
        description,
        tuple(columns),
        hops=(),
        scopes=INSIGHT_SCOPES,
        reader="account_totals",
        options={"breakdown": breakdown, "per_day": per_day},
        filters=(_metrics_filter(metrics), _ON_ERROR),
        time_column="end_time" if per_day else "start_time",
        notes=f"Totals over {span}. " + (_DAY_NOTE if per_day else "Default: the last 30 days."),
    )


def _supporting(breakdown: str) -> tuple[str, ...]:
    return tuple(m.name for m in USER_METRICS if breakdown in m.breakdowns)


ACCOUNT_TOTALS = (
    _totals(
        "AccountWithoutBreakdown",
        "Account totals over a range, one row per metric",
        None,
        False,
        TOTAL_VALUE_METRICS,
    ),
    _totals(
        "AccountContactButtonType",
        "Profile contact-button taps by button type",
        "contact_button_type",
        False,
        _supporting("contact_button_type"),
    ),
    _totals(
        "AccountFollowType",
        "Reach, follows and unfollows by follower or non-follower",
        "follow_type",
        False,
        _supporting("follow_type"),
    ),
    _totals(
        "AccountMediaProductType",
        "Account totals by media product type (post, reel...)",
        "media_product_type",
        False,
        _supporting("media_product_type"),
    ),
    _totals(
        "AccountTimeSeriesWithoutBreakdown",
        "Daily account totals, one row per day and metric",
        None,
        True,
        TOTAL_VALUE_METRICS,
    ),
    _totals(
        "AccountTimeSeriesFollowType",
        "Daily totals by follow type",
        "follow_type",
        True,
        _supporting("follow_type"),
    ),
    _totals(
        "AccountTimeSeriesMediaProductType",
        "Daily totals by media product type",
        "media_product_type",
        True,
        _supporting("media_product_type"),
    ),
)

AUDIENCE_INSIGHTS = Table(
    "AudienceInsights",
    "Follower and engaged-audience demographics by age, city, country and gender",
    (
        ACCOUNT_ID,
        _METRIC,
        Column("timeframe", "string", "this_week or this_month", None),
        Column(
            "audience_type", "string", "The breakdown: age, city, country, gender, age,gender", None
        ),
        Column("age", "string", "Age bucket", None),
        Column("gender", "string", "F, M or U", None),
        Column("country", "string", "ISO country code", None),
        Column("city", "string", "City, region", None),
        Column("value", "int", "Accounts in this group (top 45 groups only)", None),
    ),
    hops=(),
    scopes=INSIGHT_SCOPES,
    reader="audience",
    filters=(
        _metrics_filter(DEMOGRAPHIC_METRICS, DEMOGRAPHIC_METRICS),
        Filter(
            "audience_type",
            "Breakdowns; default: all of them",
            "list",
            AUDIENCE_TYPES,
            AUDIENCE_TYPES,
        ),
        Filter(
            "timeframe",
            "this_month (default) or this_week; Meta removed the last_* ones in v20",
            "choice",
            TIMEFRAMES,
            "this_month",
        ),
        _ON_ERROR,
    ),
    notes="Meta returns demographics only for accounts with at least 100 followers.",
)

ONLINE_FOLLOWERS = Table(
    "OnlineFollowers",
    "When followers are online: one row per day and hour",
    (
        ACCOUNT_ID,
        _END_TIME,
        Column("hour", "int", "Hour of the day (0-23, US-Pacific as Meta reports it)", None),
        Column("value", "int", "Followers online in that hour", None),
    ),
    hops=(),
    scopes=INSIGHT_SCOPES,
    reader="online_followers",
    filters=(_ON_ERROR,),
    time_column="end_time",
    notes="Meta keeps the last 30 days; accounts need 100+ followers. " + _DAY_NOTE,
)


def _media_table(
    name: str, description: str, surfaces: tuple[str, ...] | None, edge: str = "media"
) -> Table:
    metrics = media_metric_names(surfaces)
    filters = [
        Filter("media_id", "Media id(s): read only these", "ids"),
        Filter(
            "metrics",
            "Metrics to read; default: every metric valid for each media's type",
            "list",
            metrics,
        ),
        _ON_ERROR,
    ]
    return Table(
        name,
        description,
        (
            ACCOUNT_ID,
            Column("media_id", "id", "Media id", None),
            Column("media_type", "string", "IMAGE, VIDEO or CAROUSEL_ALBUM", None),
            Column("media_product_type", "string", "FEED, REELS or STORY", None),
            Column("timestamp", "datetime", "When the media was published (UTC)", None),
            *_metric_columns(metrics, _MEDIA_DESCRIPTIONS),
        ),
        hops=(),
        scopes=INSIGHT_SCOPES,
        reader="media_insights",
        options={"surfaces": surfaces, "edge": edge},
        filters=tuple(filters),
        time_column="timestamp",
        notes="Each media is asked only the metrics valid for its type; retired metrics "
        "(impressions, plays, video_views, ...) are never asked. Lifetime values.",
    )


MEDIA_INSIGHTS = (
    _media_table(
        "MediaInsights", "Lifetime insights of every media item, one column per metric", None
    ),
    _media_table(
        "MediaInsightsPost",
        "Insights of single-image and video posts",
        ("FEED:IMAGE", "FEED:VIDEO"),
    ),
    _media_table("MediaInsightsPostAlbum", "Insights of carousel albums", ("FEED:CAROUSEL_ALBUM",)),
    _media_table("MediaInsightsReels", "Insights of reels", REELS),
    _media_table("MediaInsightsStory", "Insights of the stories live now", STORY, "stories"),
    _media_table(
        "StoryInsights",
        "Insights of the stories live now (as MediaInsightsStory)",
        STORY,
        "stories",
    ),
)

TABLES = (ACCOUNT_INSIGHTS, *ACCOUNT_TOTALS, AUDIENCE_INSIGHTS, ONLINE_FOLLOWERS, *MEDIA_INSIGHTS)
