"""Growth: a metric of each post by hours since posting, from a frame of snapshots."""

from __future__ import annotations

import pandas as pd

from ..errors import UsageError


def growth(frame: pd.DataFrame, metric: str = "reach", *, top: int | None = None) -> pd.DataFrame:
    """One column per post (its id), indexed by whole hours since posting, valued ``metric``.

    ``frame`` is :func:`instapd.history` of a table with a post id and ``timestamp`` (such as
    MediaInsights or StoryInsights). ``top`` keeps the posts with the highest latest value.
    """
    if not isinstance(metric, str):
        raise UsageError(f"growth() takes a metric column name such as 'reach', not {metric!r}.")
    key = "media_id" if "media_id" in frame.columns else "id"
    missing = [c for c in (key, "timestamp", "snapshot_at", metric) if c not in frame.columns]
    if missing:
        raise UsageError(
            f"growth() needs the columns {', '.join(missing)}; pass a frame from "
            "instapd.history() of a table with them, such as MediaInsights."
        )
    hours = (frame["snapshot_at"] - frame["timestamp"]).dt.total_seconds() / 3600
    long = pd.DataFrame(
        {
            "hours_since_posting": hours.round().astype("Int64"),
            key: frame[key].astype("string"),
            metric: frame[metric],
        }
    ).dropna(subset=["hours_since_posting"])
    long = long[long["hours_since_posting"] >= 0]
    wide = long.pivot_table(
        index="hours_since_posting", columns=key, values=metric, aggfunc="last"
    ).sort_index()
    if top is not None:
        latest = wide.ffill().iloc[-1] if len(wide) else wide.sum()
        wide = wide[latest.sort_values(ascending=False).index[:top]]
    wide.columns.name = key
    return wide
