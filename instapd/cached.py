"""Reading through the cache: serve fresh entries, refresh stale ones incrementally, store.

A stale ``Media`` entry fetches only media newer than the newest cached one (paging stops at
the first known id) and merges. A stale ``AccountInsights`` entry fetches the missing days plus
the last two, which Meta may still revise. Either merge equals a full re-read.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from .cache import Entry, QueryCache, query_key, schema_version, stamp_meta
from .errors import OfflineError
from .readers.account_insights import DEFAULT_RANGE
from .readers.query import Query

if TYPE_CHECKING:
    from .connection import BaseConnection

logger = logging.getLogger("instapd.cache")

Fetch = Callable[..., pd.DataFrame]
#: Days of account insights re-read on refresh: Meta revises values for 48 hours.
REVISED_DAYS = timedelta(days=2)
#: Columns whose values change on rows already read (likes, comments): a stop-at-known-ids
#: refresh would keep them stale.
VOLATILE_COLUMNS = frozenset({"like_count", "comments_count"})


def cache_description(
    connection: BaseConnection, query: Query, accounts: list[str]
) -> dict[str, Any]:
    """What makes two reads the same: never the token, but the user it belongs to; never
    ``on_error`` either, which says what to do with refusals, not what to read."""
    described = query.describe(sorted(accounts))
    described["filters"] = {k: v for k, v in described["filters"].items() if k != "on_error"}
    return {
        **described,
        "api_version": connection.config.version,
        "schema": schema_version(query.table),
        "source": connection.source_name,
        "user": connection.identity(),
    }


def read_through_cache(
    connection: BaseConnection, query: Query, accounts: list[str], *, refresh: bool, fetch: Fetch
) -> pd.DataFrame:
    config = connection.config
    store = QueryCache(config.cache_location)
    description = cache_description(connection, query, accounts)
    path = store.path(query.table.name, accounts, query_key(description))
    entry = None if refresh else store.lookup(path)
    if entry is not None and entry.meta["query"].get("user") != description["user"]:
        logger.warning("ignoring the cache entry %s: another user read it", path)
        entry = None  # served only to the user who read it, whatever the file is called
    if entry is not None and query.filters.get("on_error") == "raise" and _skipped(entry):
        entry = None  # read with on_error='report', it holds NA cells that 'raise' must not hide
    if entry is not None and (config.offline or entry.age.total_seconds() <= config.cache_max_age):
        return _served(entry)
    if config.offline:
        raise OfflineError(
            f"INSTAPD_OFFLINE=1, and the cache at {store.location} holds no {query.table.name} "
            "result for this query. Run it once online (unset INSTAPD_OFFLINE) to cache it."
        )
    frame = _incremental(connection, query, accounts, entry, fetch) if entry else None
    if frame is None:
        frame = fetch(connection, query, accounts)
    attrs = frame.attrs.get("instapd", {})
    meta = stamp_meta(description, len(frame), config.version)
    attrs["cache"] = {"hit": False, "path": str(path)}
    frame.attrs["instapd"] = attrs
    store.store(path, frame, meta)
    return frame


def _skipped(entry: Entry) -> bool:
    return bool((entry.frame.attrs.get("instapd") or {}).get("skipped"))


def _served(entry: Entry) -> pd.DataFrame:
    frame = entry.frame
    attrs = dict(frame.attrs.get("instapd") or {})
    age = entry.age
    attrs["source"] = "cache"
    attrs["cache"] = {
        "hit": True,
        "fetched_at": entry.meta["fetched_at"],
        "age_seconds": int(age.total_seconds()),
        "path": str(entry.path),
    }
    frame.attrs["instapd"] = attrs
    logger.info(
        "%s served from the cache: fetched %s (%s ago), no API call",
        attrs.get("table"),
        entry.meta["fetched_at"],
        str(timedelta(seconds=int(age.total_seconds()))),
    )
    return frame


def _incremental(
    connection: BaseConnection,
    query: Query,
    accounts: list[str],
    entry: Entry,
    fetch: Fetch,
) -> pd.DataFrame | None:
    """A refreshed frame built on the stale entry, or None when a full read is needed."""
    mode = query.table.options.get("incremental")
    cached = entry.frame
    if query.limit is not None or cached.empty:
        return None
    if set(query.columns) & VOLATILE_COLUMNS:
        return None  # counts change on old rows too: only a full read is current
    if mode == "newest_first" and query.until is None and "id" in cached.columns:
        new = fetch(connection, query, accounts, stop_at=frozenset(cached["id"].dropna()))
        merged = pd.concat([new, cached], ignore_index=True).drop_duplicates("id")
        return _finish(merged.reset_index(drop=True), new, cached, query, accounts)
    if mode == "days" and "end_time" in cached.columns:
        resume = cached["end_time"].max() - REVISED_DAYS
        if query.since is not None:
            resume = max(resume, query.since)
        new = fetch(connection, dataclasses.replace(query, since=resume), accounts)
        kept = cached[cached["end_time"] < resume]
        merged = pd.concat([kept, new], ignore_index=True)
        if query.since is None:  # a rolling default range: drop what fell out of it
            start = (query.until or pd.Timestamp(connection.client.now())) - DEFAULT_RANGE
            merged = merged[merged["end_time"] >= start]
        keys = [c for c in ("business_account_id", "end_time") if c in merged.columns]
        merged = merged.sort_values(keys, kind="stable").reset_index(drop=True)
        return _finish(merged, new, cached, query, accounts)
    return None


def _finish(
    merged: pd.DataFrame, new: pd.DataFrame, cached: pd.DataFrame, query: Query, accounts: list[str]
) -> pd.DataFrame:
    merged = merged.astype(new.dtypes.to_dict())
    attrs = {**(new.attrs.get("instapd") or {}), **query.describe(accounts)}
    attrs["incremental"] = {"fetched_rows": len(new), "cached_rows": len(cached)}
    merged.attrs = {"instapd": attrs}
    return merged


__all__ = [
    "REVISED_DAYS",
    "VOLATILE_COLUMNS",
    "Fetch",
    "cache_description",
    "read_through_cache",
]
