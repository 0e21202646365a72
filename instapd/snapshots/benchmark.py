"""Benchmark competitors from their snapshots: follower growth, engagement, cadence, format mix.

Everything comes from the snapshot dataset (``snapshot(competitors=[...])``), never from a live
read: growth needs the same account seen at several times.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import NoSnapshotsError, UsageError
from .competitors import MEDIA_DAYS, usernames
from .dataset import SnapshotDataset, file_meta
from .read import history

#: Snapshots less than an hour apart are one look, not a span to take growth rates from.
MIN_SPAN_DAYS = 1 / 24
#: The format-mix columns: a post is REELS by its product type, else by its media type.
FORMATS = ("IMAGE", "VIDEO", "REELS", "CAROUSEL_ALBUM")
COLUMNS: dict[str, Any] = {
    "username": "string",
    "status": "string",  # ok, one snapshot, not visible, no history
    "error": "string",
    "first_snapshot": pd.DatetimeTZDtype("us", "UTC"),
    "last_snapshot": pd.DatetimeTZDtype("us", "UTC"),
    "snapshots": "Int64",
    "days": "Float64",
    "followers_first": "Int64",
    "followers_last": "Int64",
    "follower_growth": "Int64",
    "follower_growth_per_day": "Float64",
    "follower_growth_per_week": "Float64",
    "posts": "Int64",
    "posts_per_week": "Float64",
    "engagement_per_follower": "Float64",
    **{f"share_{kind.lower()}": "Float64" for kind in FORMATS},
}


def benchmark(
    competitors: str | Sequence[str], *, location: str | Path | None = None
) -> pd.DataFrame:
    """One row per username of ``competitors``, from the snapshots at ``location``:

    - follower growth between the first and the last snapshot, absolute, per day and per week;
    - engagement per follower: the mean of (likes + comments) / followers over the posts of the
      last snapshot (hidden likes count as 0);
    - posting cadence: posts per week published in the window the snapshots cover (from
      ``MEDIA_DAYS`` days before the first snapshot to the last);
    - format mix: the share of IMAGE, VIDEO, REELS and CAROUSEL_ALBUM among those posts.

    ``status`` says what a row could be built from: ``ok``; ``one snapshot`` (or several within
    an hour: growth is NA);
    ``not visible`` (Business Discovery could not see the username: ``error`` says why); ``no
    history`` (never snapshotted). Raises :class:`~instapd.errors.NoSnapshotsError` when no
    competitor was ever snapshotted at ``location``.
    """
    names = usernames(competitors)
    if not names:
        raise UsageError("benchmark() takes one or more usernames, such as ['bluebottle'].")
    dataset = SnapshotDataset(location)
    try:
        profiles = history("BusinessDiscovery", location=dataset.location)
    except NoSnapshotsError:
        raise NoSnapshotsError(
            f"No competitor snapshots in {dataset.location} yet. Take some first, over days: "
            f"instapd.snapshot(competitors={list(names)!r}) in Python, or python -m instapd "
            f"snapshot --competitor {names[0]} in a shell."
        ) from None
    try:
        media = history("BusinessDiscoveryMedia", location=dataset.location)
    except NoSnapshotsError:
        media = None
    unseen = _unseen(dataset)
    profiles = profiles.assign(_name=profiles["username"].str.lower())
    rows = [_row(name, profiles, media, unseen) for name in names]
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(COLUMNS)


def _unseen(dataset: SnapshotDataset) -> dict[str, str]:
    """The latest refusal of each username Business Discovery could not see."""
    found: dict[str, tuple[str, str]] = {}
    for path in dataset.files("BusinessDiscovery"):
        meta = file_meta(path)
        for name, error in (meta.get("unseen") or {}).items():
            at = str(meta.get("snapshot_at", ""))
            if name not in found or at >= found[name][0]:
                found[name] = (at, str(error))
        for name in meta.get("competitors") or {}:  # seen since: no longer unseen
            at = str(meta.get("snapshot_at", ""))
            if name in found and at >= found[name][0]:
                del found[name]
    return {name: error for name, (_, error) in found.items()}


def _row(
    name: str, profiles: pd.DataFrame, media: pd.DataFrame | None, unseen: dict[str, str]
) -> dict[str, Any]:
    seen = profiles[profiles["_name"] == name].sort_values("snapshot_at")
    if seen.empty:
        if name in unseen:
            return {"username": name, "status": "not visible", "error": unseen[name]}
        return {
            "username": name,
            "status": "no history",
            "error": f"@{name} was never snapshotted: add it to competitors= of snapshot().",
        }
    first, last = seen.iloc[0], seen.iloc[-1]
    days = (last["snapshot_at"] - first["snapshot_at"]).total_seconds() / 86400
    spanned = days >= MIN_SPAN_DAYS
    row: dict[str, Any] = {
        "username": name,
        "status": "ok" if spanned else "one snapshot",
        "first_snapshot": first["snapshot_at"],
        "last_snapshot": last["snapshot_at"],
        "snapshots": seen["snapshot_at"].nunique(),
        "days": days,
        "followers_first": first["followers_count"],
        "followers_last": last["followers_count"],
    }
    if spanned and not pd.isna(first["followers_count"]) and not pd.isna(last["followers_count"]):
        growth = int(last["followers_count"]) - int(first["followers_count"])
        row |= {
            "follower_growth": growth,
            "follower_growth_per_day": growth / days,
            "follower_growth_per_week": growth / days * 7,
        }
    if media is not None:
        row |= _posts(media, name, first["snapshot_at"], last["snapshot_at"], last)
    return row


def _posts(
    media: pd.DataFrame, name: str, first: pd.Timestamp, last: pd.Timestamp, profile: pd.Series
) -> dict[str, Any]:
    own = media[media["owner_username"].str.lower() == name]
    if own.empty:
        return {}
    latest = own.sort_values("snapshot_at").drop_duplicates("id", keep="last")
    window_start = first - pd.Timedelta(days=MEDIA_DAYS)
    posts = latest[(latest["timestamp"] >= window_start) & (latest["timestamp"] <= last)]
    weeks = (last - window_start).total_seconds() / (7 * 86400)
    kinds = posts["media_type"].where(posts["media_product_type"] != "REELS", "REELS")
    out: dict[str, Any] = {"posts": len(posts), "posts_per_week": len(posts) / weeks}
    if len(posts):
        out |= {f"share_{k.lower()}": float((kinds == k).sum()) / len(posts) for k in FORMATS}
    followers = profile["followers_count"]
    recent = own[own["snapshot_at"] == own["snapshot_at"].max()]
    if len(recent) and not pd.isna(followers) and int(followers) > 0:
        engaged = recent["like_count"].fillna(0) + recent["comments_count"].fillna(0)
        out["engagement_per_follower"] = float((engaged / int(followers)).mean())
    return out
