"""Validate a read before anything is sent: table, columns, time range, limit and filters."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from ..catalog import Filter, Table, get_table
from ..catalog.metrics import retired_metric
from ..errors import InvalidFilterError, UnknownColumnError, warn
from ..validation import is_graph_id

TimeLike = datetime | date | str | int | float | pd.Timestamp


#: The largest ``limit=`` a read takes (beyond it, leave ``limit`` out to read all rows).
MAX_LIMIT = 10**12


@dataclass(frozen=True)
class Query:
    """A validated request: what to read."""

    table: Table
    columns: tuple[str, ...]
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    limit: int | None
    filters: dict[str, Any]

    @property
    def id_filters(self) -> dict[str, tuple[str, ...]]:
        """The filters that name Graph objects (``media_id=``, ``id=``)."""
        kinds = {f.name: f.kind for f in self.table.filters}
        return {k: v for k, v in self.filters.items() if kinds[k] == "ids"}

    def describe(self, accounts: Sequence[str]) -> dict[str, Any]:
        """Plain-JSON form for ``df.attrs``."""
        return {
            "table": self.table.name,
            "accounts": list(accounts),
            "columns": list(self.columns),
            "since": self.since.isoformat() if self.since is not None else None,
            "until": self.until.isoformat() if self.until is not None else None,
            "limit": self.limit,
            "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in self.filters.items()},
        }


def build_query(
    table_name: str,
    columns: Sequence[str] | None,
    since: TimeLike | None,
    until: TimeLike | None,
    limit: int | None,
    filters: dict[str, Any],
    *,
    max_rows: int = -1,
    version: str = "v25.0",
) -> Query:
    table = get_table(table_name)
    chosen = _columns(table, columns)
    start, end = parse_time(since, "since"), parse_time(until, "until")
    if (start is not None or end is not None) and table.time_column is None:
        raise InvalidFilterError(
            f"{table.name} has no time column, so since/until do not apply to it."
        )
    if start is not None and end is not None and start >= end:
        raise InvalidFilterError(f"since ({start}) must be before until ({end}).")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT
    ):
        raise InvalidFilterError(
            f"limit must be a positive whole number up to {MAX_LIMIT:,}, not {limit!r}."
        )
    if max_rows > 0:
        limit = min(limit or max_rows, max_rows)
    return Query(table, chosen, start, end, limit, _filters(table, filters, version))


def _columns(table: Table, columns: Sequence[str] | None) -> tuple[str, ...]:
    if columns is None:
        return table.column_names
    if isinstance(columns, str):
        columns = [columns]
    if not isinstance(columns, Sequence) or not all(isinstance(c, str) for c in columns):
        raise UnknownColumnError(
            f"columns= takes a list of column names such as ['id', 'timestamp'], not "
            f"{columns!r}. {table.name}'s columns: {', '.join(table.column_names)}."
        )
    if not columns:
        raise UnknownColumnError(
            "columns= is empty: name at least one column, or leave it out for all of them."
        )
    unknown = [c for c in columns if c not in table.column_names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], table.column_names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownColumnError(
            f"{table.name} has no column {unknown[0]!r}.{hint} "
            f"Its columns: {', '.join(table.column_names)}."
        )
    return tuple(dict.fromkeys(columns))


def parse_time(value: TimeLike | None, name: str) -> pd.Timestamp | None:
    """A UTC timestamp from a datetime, date, ISO string or Unix seconds; naive means UTC."""
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            stamp = pd.Timestamp(value, unit="s")
        else:
            stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidFilterError(
            f"{name}={value!r} is not a time: pass a datetime, a date, an ISO string such as "
            "'2026-01-31', or Unix seconds."
        ) from None
    if pd.isna(stamp):
        raise InvalidFilterError(f"{name} must be a time, not NaT.")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _filters(table: Table, given: dict[str, Any], version: str) -> dict[str, Any]:
    known = {f.name: f for f in table.filters}
    for name in given:
        if name not in known:
            available = ", ".join(known) or "none"
            raise InvalidFilterError(
                f"{table.name} takes no filter {name!r}. Its filters: {available}; every table "
                "also takes account, columns, since, until and limit."
            )
    if given.get("on_error") == "warn":
        warn(
            "on_error='warn' is now on_error='report', as for writes; 'warn' will be removed.",
            FutureWarning,
        )
        given = {**given, "on_error": "report"}
    result: dict[str, Any] = {}
    for spec in table.filters:
        if spec.name in given and given[spec.name] is not None:
            result[spec.name] = _filter_value(table, spec, given[spec.name], version)
        elif spec.required:
            raise InvalidFilterError(f"{table.name} needs {spec.name}=: {spec.description}.")
        elif spec.default is not None:
            result[spec.name] = spec.default
    return result


def _filter_value(table: Table, spec: Filter, value: Any, version: str) -> Any:
    if not isinstance(value, str | int | list | tuple | set) or isinstance(value, bool):
        raise InvalidFilterError(
            f"{spec.name} takes a value or a list of values, not {type(value).__name__}."
        )
    if spec.kind == "text":
        text = str(value).strip().lstrip("#@")
        if not text:
            raise InvalidFilterError(f"{spec.name} must not be empty.")
        return text
    values = [value] if isinstance(value, str | int) else list(value)
    items = tuple(dict.fromkeys(str(v).strip() for v in values))
    if not items:
        raise InvalidFilterError(f"{spec.name} needs at least one value.")
    if spec.kind == "ids":
        bad = [v for v in items if not is_graph_id(v)]
        if bad:
            raise InvalidFilterError(
                f"{spec.name} takes Graph ids (strings of ASCII digits), not {bad[0]!r}."
            )
        return items
    for item in items:
        if item in spec.choices:
            continue
        replacement = retired_metric(item, version) if spec.name == "metrics" else None
        if replacement:
            raise InvalidFilterError(
                f"Meta retired the {item!r} metric (API {version} refuses it); "
                f"ask for {replacement!r} instead."
            )
        close = difflib.get_close_matches(item, spec.choices, n=2)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise InvalidFilterError(
            f"{table.name}: {spec.name}={item!r} is not valid.{hint} "
            f"Choose from: {', '.join(spec.choices)}."
        )
    if spec.kind == "choice":
        if len(items) > 1:
            raise InvalidFilterError(f"{spec.name} takes one value, not {len(items)}.")
        return items[0]
    return items
