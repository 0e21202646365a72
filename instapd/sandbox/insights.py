"""``/{ig-user-id}/insights`` and ``/{ig-media-id}/insights``, with Meta's refusals.

Values are derived from a hash of (object, metric, day), so they are stable across requests and
processes without being stored. Days end at midnight US-Pacific, reported in UTC, as Meta does.

What is a pure function of its arguments is kept once computed (the hash of a seed, a day's end,
an hour map's shares, the catalog's metrics while the catalog is the same), so a request pays
for what it reads, not for recomputing what every request shares. Nothing kept depends on the
dataset's counts or the clock: those are read again at each request.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..catalog import metrics as catalog
from .call import query_string
from .failures import GraphFailure
from .fields import parse_list
from .nodes import Dataset, Node

PACIFIC = ZoneInfo("America/Los_Angeles")
MAX_SPAN = 30 * 86400
#: A day's values settle this long after it ends (today and yesterday are still revised).
REVISED_HOURS = 24
RETENTION_DAYS = 90  # user insights, as Meta's guide says; media insights are kept
MIN_FOLLOWERS = 100
#: The fields of an insights result (``InstagramInsightsResult``).
RESULT_FIELDS = frozenset({"id", "name", "period", "values", "title", "description", "total_value"})


@dataclass(frozen=True)
class UserMetric:
    """A user metric as the sandbox answers it: the catalog's periods, metric types and
    breakdowns, plus how the sandbox makes up its values (``scale``, a day's typical value) and
    whether Meta leaves it out for accounts under 100 followers."""

    periods: tuple[str, ...] = ("day",)
    types: tuple[str, ...] = ("total_value",)
    breakdowns: tuple[str, ...] = ()
    needs_followers: bool = False
    scale: int = 100


#: What the sandbox adds to the catalog's user metrics: (scale, needs 100+ followers). A metric
#: missing here is answered with the defaults.
_SIMULATED: dict[str, tuple[int, bool]] = {
    "reach": (900, False),
    "follower_count": (12, True),
    "online_followers": (100, True),
    "accounts_engaged": (120, False),
    "total_interactions": (300, False),
    "likes": (220, False),
    "comments": (30, False),
    "saves": (25, False),
    "shares": (20, False),
    "replies": (6, False),
    "reposts": (4, False),
    "views": (2500, False),
    "follows_and_unfollows": (15, True),
    "profile_links_taps": (10, False),
    "follower_demographics": (100, True),
    "engaged_audience_demographics": (100, True),
}


def user_metrics() -> dict[str, UserMetric]:
    """The user metrics the sandbox answers: the catalog's, read again whenever the catalog's
    tuples are others (the caller must not change the dict)."""
    sources = (catalog.USER_METRICS, catalog.AUDIENCE_METRICS)
    kept = _KEPT.get("user")
    if kept is None or any(a is not b for a, b in zip(kept[0], sources, strict=True)):
        kept = _KEPT["user"] = (sources, _user_metrics(*sources))
    return kept[1]


#: What the catalog gave, by the tuples it came from (compared by identity: a test or a new
#: catalog replaces a tuple, and then the metrics are read again).
_KEPT: dict[str, tuple[tuple[Any, ...], Any]] = {}


def _user_metrics(*sources: tuple[catalog.UserMetric, ...]) -> dict[str, UserMetric]:
    found = {}
    for metric in itertools.chain(*sources):
        if metric.retired_in is None:
            scale, needs_followers = _SIMULATED.get(metric.name, (100, False))
            found[metric.name] = UserMetric(
                metric.periods, metric.metric_types, metric.breakdowns, needs_followers, scale
            )
    return found


def media_metrics() -> dict[str, frozenset[str]]:
    """The current media metrics and the products (FEED, REELS, STORY) each works for: the
    catalog's surfaces (``PRODUCT:MEDIA_TYPE``), read again whenever the catalog's tuple is
    another (the caller must not change the dict)."""
    source = catalog.MEDIA_METRICS
    kept = _KEPT.get("media")
    if kept is None or kept[0][0] is not source:
        kept = _KEPT["media"] = ((source,), _media_metrics(source))
    return kept[1]


def _media_retired(source: tuple[catalog.MediaMetric, ...]) -> dict[str, int | None]:
    """Each media metric's retirement, by name (the first of a name, as a scan finds it)."""
    kept = _KEPT.get("media_retired")
    if kept is None or kept[0][0] is not source:
        found: dict[str, int | None] = {}
        for m in source:
            found.setdefault(m.name, m.retired_in)
        kept = _KEPT["media_retired"] = ((source,), found)
    return kept[1]


def _media_metrics(source: tuple[catalog.MediaMetric, ...]) -> dict[str, frozenset[str]]:
    return {
        m.name: frozenset(surface.split(":")[0] for surface in m.surfaces)
        for m in source
        if m.retired_in is None
    }


def retired_in(metric: str, *, user: bool) -> int | None:
    """The major version from which the catalog says ``metric`` is refused, if any."""
    if user:
        entry = catalog.USER_RETIRED.get(metric)
        return entry.retired_in if entry is not None else None
    return _media_retired(catalog.MEDIA_METRICS).get(metric)


BREAKDOWN_VALUES: dict[str, tuple[str, ...]] = {
    "media_product_type": ("POST", "CAROUSEL_CONTAINER", "REEL", "STORY", "AD"),
    "follow_type": ("FOLLOWER", "NON_FOLLOWER", "UNKNOWN"),
    "follower_type": ("FOLLOWER", "NON_FOLLOWER"),
    "contact_button_type": ("BOOK_NOW", "CALL", "DIRECTION", "EMAIL", "TEXT", "UNDEFINED"),
    "age": ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"),
    "gender": ("F", "M", "U"),
    "country": ("FR", "US", "DE", "IT", "ES", "GB", "BE", "CH", "CA", "JP"),
    "city": (
        "Paris, Île-de-France",
        "Lyon, Auvergne-Rhône-Alpes",
        "Berlin, Berlin",
        "London, England",
        "New York, New York",
        "Milano, Lombardia",
        "Tokyo, Tokyo",
    ),
}

MEDIA_BREAKDOWNS = {
    "profile_activity": ("action_type", ("bio_link_clicked", "call", "direction", "email", "text")),
    "navigation": (
        "story_navigation_action_type",
        ("swipe_forward", "tap_back", "tap_exit", "tap_forward"),
    ),
}
FB_ONLY = {"crossposted_views", "facebook_views"}  # error unless shared to Facebook


def _number(*parts: object) -> float:
    """A seeded number in [0, 1): the same for the same parts, in any process."""
    return _seeded("|".join(map(str, parts)))


def _seeded(text: str) -> float:
    """:func:`_number` of the parts ``text`` joins: the hash's first 8 bytes, big-endian, as
    a fraction of 2**64."""
    first: int = _first_eight(_sha256(text.encode()).digest())[0]
    return first / _SPAN


def _shares(prefix: str, suffixes: tuple[str, ...]) -> list[float]:
    """:func:`_seeded` of ``prefix`` and each suffix, in one loop (hour maps and breakdown
    splits hash a few dozen texts each)."""
    sha256, first_eight = _sha256, _first_eight
    return [first_eight(sha256(f"{prefix}{s}".encode()).digest())[0] / _SPAN for s in suffixes]


_HOURS = tuple(str(h) for h in range(24))
_sha256 = hashlib.sha256
_first_eight = struct.Struct(">Q").unpack_from  # int.from_bytes(digest[:8], "big"), cheaper
_SPAN = 2**64


@functools.lru_cache(maxsize=4096)
def day_end(day: date) -> datetime:
    """The ``end_time`` Meta reports for a day: the next midnight in US-Pacific, in UTC."""
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


def format_end(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@functools.lru_cache(maxsize=4096)
def end_time(day: date) -> str:
    """A day's ``end_time`` as Meta writes it."""
    return format_end(day_end(day))


class InsightsModel:
    """Deterministic insight values for the sandbox dataset."""

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset
        self._media_values: dict[tuple[str, str], int] = {}

    def now(self) -> datetime:
        """The sandbox clock's time (``Sandbox.advance`` moves it)."""
        return self.data.clock.now()

    def forget(self) -> None:
        """After counts changed: media values are computed again."""
        self._media_values.clear()

    def followers(self, account: Node) -> int:
        return int(account.values.get("followers_count", 0))

    def daily(self, account: str, metric: str, day: date, scale: int) -> int:
        weekday_lift = 1.25 if day.weekday() >= 5 else 1.0
        final = scale * weekday_lift * (0.5 + _seeded(f"{account}|{metric}|{day}"))  # _number's
        return int(final * self.settled(day))

    def settled(self, day: date) -> float:
        """How much of a day's value has come in: the last 2 days are revised as time passes."""
        hours = (self.now() - day_end(day)).total_seconds() / 3600
        return (
            1.0 if hours >= REVISED_HOURS else 0.6 + 0.4 * max(hours + 24, 0) / (24 + REVISED_HOURS)
        )

    def split(self, total: int, key: str, values: tuple[str, ...], *seed: object) -> list[int]:
        prefix = "|".join(map(str, (*seed, key))) + "|"  # _number(*seed, key, v)'s text
        weights = [0.2 + share for share in _shares(prefix, values)]
        whole = sum(weights)
        shares = [int(total * w / whole) for w in weights]
        shares[0] += total - sum(shares)
        return shares

    def media_value(self, media: Node, metric: str) -> int:
        """A media item's lifetime value of ``metric``, stable across requests."""
        media_id = media.id
        value = self._media_values.get((media_id, metric))
        if value is None:
            value = self._seeded_value(media, media_id, metric)
        return self.data.clock.grown(media_id, media.values.get("timestamp"), value)

    def _seeded_value(self, media: Node, media_id: str, metric: str) -> int:
        key = (media_id, metric)
        value = self._media_values.get(key)
        if value is None:
            value = self._media_values[key] = self._compute_media_value(media, media_id, metric)
        return value

    def _compute_media_value(self, media: Node, media_id: str, metric: str) -> int:
        # each seed's text is _number(media_id, ...)'s: the parts joined by "|"
        if metric in ("likes", "total_likes"):
            liked = int(media.values.get("like_count", 0) or 0)
            return liked or int(30 * _seeded(f"{media_id}|l"))  # hidden counts still have likes
        if metric in ("comments", "total_comments"):
            return int(media.values.get("comments_count", 0))
        likes = self._seeded_value(media, media_id, "likes")
        if metric in _SCALED:
            multiplier, spread, seed = _SCALED[metric]
            return likes * multiplier + int(spread * _seeded(f"{media_id}|{seed}"))
        if metric == "total_interactions":
            return sum(
                self._seeded_value(media, media_id, m)
                for m in ("likes", "comments", "saved", "shares")
            )
        if metric == "ig_reels_video_view_total_time":
            watch = self._seeded_value(media, media_id, "ig_reels_avg_watch_time")
            return self._seeded_value(media, media_id, "views") * watch
        seed = f"{media_id}|{metric}"
        return int(likes * 0.2 * _seeded(seed) + _seeded(f"{seed}|2") * 9)


#: metric -> (likes multiplier, random spread, seed): a plausible value from the like count.
_SCALED = {
    "reach": (12, 200, "r"),
    "views": (30, 900, "v"),
    "total_views": (31, 900, "v"),
    "ig_reels_avg_watch_time": (0, 9000, "w"),
    "reels_skip_rate": (0, 100, "s"),
}


# -- /{ig-user-id}/insights -------------------------------------------------------------------


def _csv(params: dict[str, str], name: str) -> list[str]:
    return list(_listed(params.get(name, "")))


@functools.lru_cache(maxsize=1024)
def _listed(text: str) -> tuple[str, ...]:
    """A list parameter, parsed once per text (every media of a batch asks the same metrics)."""
    return tuple(parse_list(text))


def _stamp(value: str, name: str) -> int:
    if not re.fullmatch(r"\d+", value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise GraphFailure(
                100, f"(#100) The parameter {name} must be a unix timestamp or strtotime string"
            ) from None
        return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())
    return int(value)


def user_insights(
    model: InsightsModel,
    account: Node,
    params: dict[str, str],
    version: int,
    link: str,
    keep: frozenset[str] = RESULT_FIELDS,
) -> dict[str, Any]:
    """``keep``: the result fields the caller keeps (``fields=``); the others are not written."""
    metrics = _csv(params, "metric")
    if not metrics:
        raise GraphFailure(100, "(#100) The parameter metric is required")
    known = user_metrics()
    for index, metric in enumerate(metrics):
        retired = retired_in(metric, user=True)
        if retired is not None and version >= retired:
            raise GraphFailure(
                100,
                f"(#100) Starting from version {retired} and above, the {metric} metric is no "
                "longer supported for the queried user. Please refer to the documentation at "
                "https://developers.facebook.com/docs/instagram-api/reference/ig-user/insights "
                "for a list of supported metrics.",
            )
        if metric not in known:
            raise GraphFailure(
                100,
                f"(#100) metric[{index}] must be one of the following values: " + ", ".join(known),
            )
    period = ",".join(parse_list(params.get("period", ""))) or None  # "day" or ["day"]
    if not period:
        raise GraphFailure(100, "(#100) The parameter period is required")
    metric_type = params.get("metric_type", "time_series")
    if metric_type not in ("time_series", "total_value"):
        raise GraphFailure(100, "(#100) metric_type must be one of: time_series, total_value")
    for metric in metrics:
        spec = known[metric]
        if period not in spec.periods:
            raise GraphFailure(
                100,
                f"(#100) Incompatible period {period} for metric {metric}; "
                f"supported: {', '.join(spec.periods)}",
            )
    needs_total = [m for m in metrics if known[m].types == ("total_value",)]
    if needs_total and metric_type != "total_value":
        raise GraphFailure(
            100,
            f"(#100) The following metrics ({','.join(needs_total)}) should be specified with "
            "parameter metric_type=total_value",
        )
    breakdowns = _csv(params, "breakdown")
    if breakdowns and metric_type != "total_value":
        breakdowns = []  # time_series ignores breakdowns
    for metric in metrics:
        if any(b not in known[metric].breakdowns for b in breakdowns):
            raise GraphFailure(100, "An unknown error has occurred.")
    # An account under 100 followers is not refused: Meta leaves the metrics that need them
    # out of ``data`` ("no data"), and answers online_followers with empty hour maps.
    small = model.followers(account) < MIN_FOLLOWERS
    if any(m in catalog.DEMOGRAPHIC_METRICS for m in metrics):
        return _demographics(model, account, metrics, params, breakdowns, small, keep)
    now = model.now()
    since, until = _range(params, now)
    days = _days(since, until, now)
    data = []
    for metric in metrics:
        spec = known[metric]
        if small and spec.needs_followers and metric != "online_followers":
            continue
        entry: dict[str, Any] = {"name": metric, "period": period}
        if "title" in keep:
            entry["title"] = _title(metric)
        if "description" in keep:
            entry["description"] = _description(metric)
        entry["id"] = f"{account.id}/insights/{metric}/{period}"
        if metric_type == "time_series":
            if metric in ("follower_count", "online_followers"):
                days = [d for d in days if d >= (now - timedelta(days=30)).date()]
            entry["values"] = [
                {
                    "value": {}  # too few followers: an empty hour map, as Meta answers
                    if small and spec.needs_followers
                    else _windowed(model, account, metric, d, spec, period),
                    "end_time": end_time(d),
                }
                for d in days
            ]
            if not entry["values"]:
                continue  # no complete day in the range: the metric is missing, not empty
        else:
            if metric == "follower_count":
                continue  # observed: an empty result with total_value
            total = sum(model.daily(account.id, metric, d, spec.scale) for d in days)
            entry["total_value"] = _total(model, account.id, metric, total, breakdowns)
        data.append(entry)
    body: dict[str, Any] = {"data": data}
    if "since" in params or "until" in params:
        span = until - since
        query = {k: v for k, v in params.items() if k not in ("since", "until", "access_token")}
        previous = {**query, "since": str(since - span), "until": str(since)}
        following = {**query, "since": str(until), "until": str(until + span)}
        body["paging"] = {
            "previous": f"{link}?{query_string(previous)}",
            "next": f"{link}?{query_string(following)}",
        }
    return body


@functools.lru_cache(maxsize=512)
def _title(metric: str) -> str:
    return metric.replace("_", " ").capitalize()


@functools.lru_cache(maxsize=512)
def _description(metric: str) -> str:
    return f"The sandbox's {metric.replace('_', ' ')}"


#: Days a ``period`` covers; accounts reached on several of them count once (Meta's reach).
WINDOW_DAYS = {"week": 7, "days_28": 28}
#: The share of the other days' reach that is new people, not ones already reached.
NEW_REACH = 0.35


def _windowed(
    model: InsightsModel, account: Node, metric: str, day: date, spec: UserMetric, period: str
) -> Any:
    """The value for ``period`` ending on ``day``: a week's reach is not a day's, nor their sum."""
    span = WINDOW_DAYS.get(period)
    if span is None:
        return _series_value(model, account, metric, day, spec)
    daily = [
        model.daily(account.id, metric, day - timedelta(days=k), spec.scale) for k in range(span)
    ]
    return max(daily) + round(NEW_REACH * (sum(daily) - max(daily)))


def _series_value(
    model: InsightsModel, account: Node, metric: str, day: date, spec: UserMetric
) -> Any:
    if metric == "online_followers":
        # a weekly rhythm: the same weekday and hour every week, so a best-time view is the same
        # whichever 30 days it reads (stored notebook outputs do not move with the calendar)
        return dict(_hour_map(account.id, day.weekday(), model.followers(account)))
    return model.daily(account.id, metric, day, spec.scale)


@functools.lru_cache(maxsize=4096)
def _hour_map(account: str, weekday: int, followers: int) -> dict[str, int]:
    """Online followers by hour on a weekday (callers copy it): a seeded share of
    ``followers``, more in the evening. Thirty days read seven of these."""
    seed = f"{account}|{weekday}|"  # the text _number(account, weekday, h) hashes, built once
    shares = _shares(seed, _HOURS)
    return {
        str(h): int(followers * (0.05 + 0.25 * share) * (1.4 if 17 <= h <= 21 else 1))
        for h, share in enumerate(shares)
    }


def _total(
    model: InsightsModel, account: str, metric: str, total: int, breakdowns: list[str]
) -> dict[str, Any]:
    result: dict[str, Any] = {"value": total}
    if breakdowns:
        combos = list(itertools.product(*(BREAKDOWN_VALUES[b] for b in breakdowns)))
        labels = tuple("|".join(c) for c in combos)
        shares = model.split(total, ",".join(breakdowns), labels, account, metric)
        result["breakdowns"] = [
            {
                "dimension_keys": breakdowns,
                "results": [
                    {"dimension_values": list(c), "value": v}
                    for c, v in zip(combos, shares, strict=True)
                    if v
                ],
            }
        ]
    return result


def _range(params: dict[str, str], now: datetime) -> tuple[int, int]:
    until = _stamp(params["until"], "until") if "until" in params else int(now.timestamp())
    since = _stamp(params["since"], "since") if "since" in params else until - 86400
    if until - since > MAX_SPAN:
        raise GraphFailure(
            100, "(#100) There cannot be more than 30 days (2592000 s) between since and until"
        )
    if since >= until:
        raise GraphFailure(100, "(#100) since must be before until")
    oldest = now - timedelta(days=RETENTION_DAYS + 1)  # whole days: 90 back from any hour
    if since < oldest.timestamp():
        raise GraphFailure(
            100,
            f"(#100) Insights are only kept for {RETENTION_DAYS} days: since must not be before "
            f"{oldest.strftime('%Y-%m-%dT%H:%M:%S+0000')}",
        )
    return since, until


def _days(since: int, until: int, now: datetime) -> list[date]:
    """Days whose end_time falls in (since, until], within retention, not in the future."""
    first = datetime.fromtimestamp(since, UTC).astimezone(PACIFIC).date() - timedelta(days=1)
    oldest = (now - timedelta(days=RETENTION_DAYS)).date()
    days = []
    day = first
    while day_end(day).timestamp() <= until:
        if (
            day_end(day).timestamp() > since
            and day >= oldest
            and day_end(day) <= now + timedelta(days=1)
        ):
            days.append(day)
        day += timedelta(days=1)
    return days


def _demographics(
    model: InsightsModel,
    account: Node,
    metrics: list[str],
    params: dict[str, str],
    breakdowns: list[str],
    small: bool,
    keep: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Demographics over ``timeframe``; without one, over the whole current audience.

    graph-api.md calls ``timeframe`` required, yet Meta answers without it (Airbyte asks so
    every day; its fixture shows ``dimension_keys: ["city"]``): then the breakdown has no
    timeframe key and counts every current follower. A wrong timeframe is still refused.
    """
    timeframe = params.get("timeframe")
    if timeframe is not None and timeframe not in catalog.TIMEFRAMES:
        raise GraphFailure(
            100,
            "(#100) timeframe must be one of the following values: "
            + ", ".join(catalog.TIMEFRAMES),
        )
    if params.get("metric_type") != "total_value":
        raise GraphFailure(
            100,
            f"(#100) The following metrics ({','.join(metrics)}) should be specified with "
            "parameter metric_type=total_value",
        )
    if small:
        return {"data": []}  # under 100 followers: no data, not an error
    population = model.followers(account) // (1 if timeframe != "this_week" else 4)
    data = []
    for metric in metrics:
        people = population if metric == "follower_demographics" else population // 6
        seed = f"{metric}:{timeframe or 'lifetime'}"
        total = _total(model, account.id, seed, people, breakdowns)
        for block in total.get("breakdowns", []):
            if timeframe:
                block["dimension_keys"] = ["timeframe", *block["dimension_keys"]]
                for result in block["results"]:
                    result["dimension_values"] = [timeframe.upper(), *result["dimension_values"]]
            block["results"] = sorted(block["results"], key=lambda r: -r["value"])[:45]
        total.pop("value", None)
        entry: dict[str, Any] = {"name": metric, "period": "lifetime"}
        if "title" in keep:
            entry["title"] = _title(metric)
        if "description" in keep:
            entry["description"] = _description(metric)
        entry["total_value"] = total
        entry["id"] = f"{account.id}/insights/{metric}/lifetime"
        data.append(entry)
    return {"data": data}


# -- /{ig-media-id}/insights ------------------------------------------------------------------


def media_insights(
    model: InsightsModel,
    media: Node,
    params: dict[str, str],
    version: int,
    surface: str | None,
    keep: frozenset[str] = RESULT_FIELDS,
) -> dict[str, Any]:
    """``keep``: the result fields the caller keeps (``fields=``); the others are not written."""
    metrics = _csv(params, "metric")
    if not metrics:
        raise GraphFailure(100, "(#100) The parameter metric is required")
    if surface is None:
        raise GraphFailure(10, "(#10) Insights are not available for carousel album children")
    asked = tuple(metrics)
    refusal = _media_refusal(asked, version)
    if refusal is not None:
        raise GraphFailure(100, refusal)
    if media.values.get("_pre_professional"):
        # Meta answers it in two forms: code 100, and (seen by Airbyte) code 4, no throttle
        code = 4 if int(media.id) % 2 else 100
        raise GraphFailure(
            code,
            f"(#{code}) Media Posted Before Business Account Conversion",
            subcode=2108006,
            type_="IGApiException",
        )
    refusal = _media_refusal(asked, surface)
    if refusal is not None:
        raise GraphFailure(100, refusal)
    if (surface == "STORY" and model.media_value(media, "reach") < 5) or media.values.get(
        "_few_viewers"
    ):
        raise GraphFailure(10, "(#10) Not enough viewers for the media to show insights")
    breakdowns = _csv(params, "breakdown")
    data = []
    for metric in metrics:
        value = model.media_value(media, metric)
        entry: dict[str, Any] = {"name": metric, "period": "lifetime", "values": [{"value": value}]}
        if "title" in keep:
            entry["title"] = _title(metric)
        if "description" in keep:
            entry["description"] = _description(metric)
        entry["id"] = f"{media.id}/insights/{metric}/lifetime"
        if breakdowns:
            if metric not in MEDIA_BREAKDOWNS or breakdowns != [MEDIA_BREAKDOWNS[metric][0]]:
                raise GraphFailure(100, "An unknown error has occurred.")
            key, values = MEDIA_BREAKDOWNS[metric]
            shares = model.split(value, key, values, media.id, metric)
            entry["total_value"] = {
                "value": value,
                "breakdowns": [
                    {
                        "dimension_keys": [key],
                        "results": [
                            {"dimension_values": [v], "value": n}
                            for v, n in zip(values, shares, strict=True)
                        ],
                    }
                ],
            }
        data.append(entry)
    return {"data": data}


def _media_refusal(metrics: tuple[str, ...], asked: int | str) -> str | None:
    """The message of the first code 100 refusal of ``metrics`` (``None``: none) for a
    ``version`` (an int: retired or unknown metrics) or a ``surface`` (a str: metrics the
    product has not, or only on Facebook), worked out once per metrics and version or surface
    while the catalog's tuple is the same (every media of a batch asks the same)."""
    source = catalog.MEDIA_METRICS
    kept = _KEPT.get("media_refusals")
    if kept is None or kept[0][0] is not source or len(kept[1]) > 4096:
        kept = _KEPT["media_refusals"] = ((source,), {})
    refusals: dict[tuple[tuple[str, ...], int | str], str | None] = kept[1]
    key = (metrics, asked)
    if key not in refusals:
        refusals[key] = (
            _version_refusal(metrics, asked)
            if isinstance(asked, int)
            else _surface_refusal(metrics, asked)
        )
    return refusals[key]


def _version_refusal(metrics: tuple[str, ...], version: int) -> str | None:
    surfaces = media_metrics()
    for index, metric in enumerate(metrics):
        retired = retired_in(metric, user=False)
        if retired is not None and version >= retired:
            return (
                f"(#100) Starting from version {retired} and above, the {metric} metric "
                "is no longer supported. Please refer to the documentation for a list of "
                "supported metrics."
            )
        if metric not in surfaces:
            return f"(#100) metric[{index}] must be one of the following values: " + ", ".join(
                surfaces
            )
    return None


def _surface_refusal(metrics: tuple[str, ...], surface: str) -> str | None:
    surfaces = media_metrics()
    for metric in metrics:
        if surface not in surfaces[metric]:
            return (
                f"(#100) The Media Insights API does not support the {metric} metric for this "
                "media product type."
            )
        if metric in FB_ONLY:
            return f"(#100) The metric {metric} requires the media to be shared to Facebook"
    return None
