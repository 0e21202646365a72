"""Account insights readers: the wide ``AccountInsights``, totals with breakdowns, audience
demographics and online followers.

Meta's days end at midnight US-Pacific and are reported in UTC (``end_time``); a value with
``end_time`` T covers the Pacific day ending at T. A request may span at most 30 days, so longer
ranges are split into adjacent windows and stitched back, each day kept once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..catalog.metrics import TIME_SERIES_METRICS, USER_METRICS_BY_NAME
from ..errors import InvalidFilterError
from .context import ReadContext, Reader, Row
from .ops import Op, run

PACIFIC = ZoneInfo("America/Los_Angeles")
#: The longest window the API takes: ``until - since`` at most 30 days (2,592,000 s).
MAX_WINDOW = timedelta(days=30)
#: The totals' windows, a second shorter: their rows name each window, and keep the names
#: they had when every reader's windows were this long.
TOTALS_WINDOW = MAX_WINDOW - timedelta(seconds=1)
DEFAULT_RANGE = timedelta(days=30)
#: How far the API's clock may move during one read before its default window is read again.
CLOCK_JUMP = timedelta(hours=1)
_STAMP = "%Y-%m-%dT%H:%M:%S+0000"


def day_end(day: date) -> datetime:
    """The ``end_time`` of a Pacific day: the next Pacific midnight, in UTC."""
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


def _range(ctx: ReadContext, now: datetime) -> tuple[datetime, datetime]:
    """The query's range, by default the 30 days before ``now`` (the API's clock)."""
    until = ctx.query.until.to_pydatetime() if ctx.query.until is not None else now
    since = ctx.query.since.to_pydatetime() if ctx.query.since is not None else None
    return since or until - DEFAULT_RANGE, until


def days_in(since: datetime, until: datetime) -> list[date]:
    """Pacific days whose ``end_time`` falls in ``[since, until)``."""
    day = since.astimezone(PACIFIC).date() - timedelta(days=1)
    days = []
    while day_end(day) < until:
        if day_end(day) >= since:
            days.append(day)
        day += timedelta(days=1)
    return days


def windows(
    since: datetime, until: datetime, most: timedelta = MAX_WINDOW
) -> list[tuple[datetime, datetime]]:
    """Adjacent windows of at most ``most`` (30 days) covering ``[since, until)``."""
    edges, start = [], since
    while start < until:
        end = min(start + most, until)
        edges.append((start, end))
        start = end
    return edges


def on_api_clock(read: Callable[[ReadContext, datetime], Iterator[Row]]) -> Reader:
    """``read`` with its default window ending at the API's time, not this machine's: the
    client's clock follows each answer's ``Date``. When the answers show that clock elsewhere
    than the window assumed (a sandbox's clock moved on since the last answer; this machine's
    clock off), the window is read again from the API's time, once."""

    @functools.wraps(read)
    def reader(ctx: ReadContext) -> Iterator[Row]:
        before = ctx.client.now()
        if ctx.query.until is not None:
            yield from read(ctx, before)
            return
        rows = list(read(ctx, before))
        after = ctx.client.now()
        if abs(after - before) > CLOCK_JUMP:
            rows = list(read(ctx, after))
        yield from rows

    return reader


def _unix(ts: datetime) -> int:
    return int(ts.timestamp())


def _window(start: datetime, end: datetime) -> dict[str, int] | None:
    """``[start, end)`` as the API's ``(since, until]`` of whole seconds: a day whose
    ``end_time`` is ``start`` is in, one ending at ``end`` is not (30 days fit one call);
    None when the window holds no whole second (a range a moment longer than its windows)."""
    since, until = math.ceil(start.timestamp()) - 1, math.ceil(end.timestamp()) - 1
    return {"since": since, "until": until} if since < until else None


def _metrics(ctx: ReadContext, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(ctx.query.filters.get("metrics") or default)


# -- AccountInsights: one row per (account, period, end_time), one column per metric -------


@on_api_clock
def read_wide(ctx: ReadContext, now: datetime) -> Iterator[Row]:
    period = ctx.query.filters["period"]
    metric_type = ctx.query.filters["metric_type"]
    metrics = _wide_metrics(ctx, period, metric_type)
    since, until = _range(ctx, now)
    base = {"period": period, "metric_type": metric_type}
    ops = []
    for account in ctx.accounts:
        if metric_type == "time_series":
            for start, end in windows(since, until):
                if window := _window(start, end):
                    ops.append(Op(account, metrics, {**base, **window}))
        else:
            for day in days_in(since, until):
                params = {
                    **base,
                    "since": _unix(day_end(day - timedelta(days=1))),
                    "until": _unix(day_end(day)),
                }
                ops.append(Op(account, metrics, params, tag=day_end(day)))
    rows: dict[tuple[str, str], Row] = {}
    for op, body in run(ctx, ops):
        for entry in body.get("data") or []:
            if "values" in entry:
                points = [(v.get("end_time"), v.get("value")) for v in entry["values"]]
            else:
                points = [(op.tag.strftime(_STAMP), (entry.get("total_value") or {}).get("value"))]
            for end_time, value in points:
                row = rows.setdefault(
                    (op.owner, end_time),
                    {"business_account_id": op.owner, **base, "end_time": end_time},
                )
                row[entry["name"]] = value  # a day seen twice keeps one value
    yield from (rows[key] for key in sorted(rows))


def _wide_metrics(ctx: ReadContext, period: str, metric_type: str) -> tuple[str, ...]:
    chosen = ctx.query.filters.get("metrics")
    candidates = chosen or tuple(USER_METRICS_BY_NAME)
    usable = tuple(
        m
        for m in candidates
        if metric_type in USER_METRICS_BY_NAME[m].metric_types
        and period in USER_METRICS_BY_NAME[m].periods
    )
    if chosen and usable != tuple(chosen):
        wrong = sorted(set(chosen) - set(usable))
        raise InvalidFilterError(
            f"AccountInsights: {', '.join(wrong)} cannot be read with period={period} and "
            f"metric_type={metric_type}. time_series works for: "
            f"{', '.join(TIME_SERIES_METRICS)}."
        )
    if not usable:
        raise InvalidFilterError(f"No metric works with period={period} and {metric_type}.")
    return usable


# -- totals with a breakdown: one row per (account, range, metric, breakdown value) ----------


@on_api_clock
def read_totals(ctx: ReadContext, now: datetime) -> Iterator[Row]:
    breakdown: str | None = ctx.query.table.options.get("breakdown")
    per_day: bool = ctx.query.table.options.get("per_day", False)
    metrics = _metrics(ctx, ctx.query.table.filter("metrics").choices)
    since, until = _range(ctx, now)
    base: dict[str, Any] = {"period": "day", "metric_type": "total_value"}
    if breakdown:
        base["breakdown"] = breakdown
    if per_day:
        spans = [(day_end(d - timedelta(days=1)), day_end(d)) for d in days_in(since, until)]
    else:
        spans = windows(since, until, TOTALS_WINDOW)
    ops = [
        Op(account, metrics, {**base, "since": _unix(start), "until": _unix(end)}, (start, end))
        for account in ctx.accounts
        for start, end in spans
    ]
    for op, body in run(ctx, ops):
        start, end = op.tag
        keys = {
            "business_account_id": op.owner,
            "start_time": start.strftime(_STAMP),
            "end_time": end.strftime(_STAMP),
        }
        for entry in body.get("data") or []:
            total = entry.get("total_value") or {}
            if not breakdown:
                yield {**keys, "metric": entry["name"], "value": total.get("value")}
                continue
            for block in total.get("breakdowns") or []:
                for result in block.get("results") or []:
                    dims = dict(
                        zip(block["dimension_keys"], result["dimension_values"], strict=False)
                    )
                    yield {**keys, "metric": entry["name"], **dims, "value": result.get("value")}


# -- AudienceInsights: demographics by age, city, country, gender -----------------------------


def read_audience(ctx: ReadContext) -> Iterator[Row]:
    """Rows by account, metric, then audience type; one call per (account, audience type)
    asks every metric (``metric`` is a comma list), half the calls of one per metric."""
    filters = ctx.query.filters
    timeframe = filters["timeframe"]
    metrics, audiences = tuple(filters["metrics"]), tuple(filters["audience_type"])
    params = {"period": "lifetime", "metric_type": "total_value", "timeframe": timeframe}
    ops = [
        Op(account, metrics, {**params, "breakdown": audience}, tag=audience)
        for account in ctx.accounts
        for audience in audiences
    ]
    found: dict[tuple[str, str, str], list[Row]] = {}
    for op, body in run(ctx, ops):
        for entry in body.get("data") or []:
            rows = found.setdefault((op.owner, entry["name"], op.tag), [])
            for block in (entry.get("total_value") or {}).get("breakdowns") or []:
                for result in block.get("results") or []:
                    dims = dict(
                        zip(block["dimension_keys"], result["dimension_values"], strict=False)
                    )
                    dims.pop("timeframe", None)
                    rows.append({
                        "business_account_id": op.owner,
                        "metric": entry["name"],
                        "timeframe": timeframe,
                        "audience_type": op.tag,
                        **dims,
                        "value": result.get("value"),
                    })  # fmt: skip
    for account in ctx.accounts:
        for metric in metrics:
            for audience in audiences:
                yield from found.get((account, metric, audience), ())


# -- OnlineFollowers: one row per (account, day, hour) ----------------------------------------


@on_api_clock
def read_online_followers(ctx: ReadContext, now: datetime) -> Iterator[Row]:
    since, until = _range(ctx, now)
    spans = [w for w in (_window(start, end) for start, end in windows(since, until)) if w]
    ops = [
        Op(account, ("online_followers",), {"period": "lifetime", **span})
        for account in ctx.accounts
        for span in spans
    ]
    seen: set[tuple[str, str]] = set()  # a point two windows both give is kept once
    for op, body in run(ctx, ops):
        owner = op.owner
        for entry in body.get("data") or []:
            for point in entry.get("values") or []:
                end = point["end_time"]
                if (owner, end) in seen:
                    continue
                seen.add((owner, end))
                for hour, value in sorted(
                    (int(h), v) for h, v in (point.get("value") or {}).items()
                ):
                    yield {"business_account_id": owner, "end_time": end, "hour": hour,
                           "value": value}  # fmt: skip
