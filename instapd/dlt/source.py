"""The dlt source: one resource per table; see :mod:`instapd.dlt`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from ..api import read_instagram
from ..catalog import SNAPSHOT_TABLES, Table, get_table
from ..connection import BaseConnection
from ..errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    from dlt.extract.resource import DltResource
    from dlt.extract.source import DltSource

#: The dlt data type of each catalog column type.
DLT_TYPES = {
    "id": "text",
    "string": "text",
    "datetime": "timestamp",
    "int": "bigint",
    "float": "double",
    "bool": "bool",
    "list": "json",
}
#: Insights are revised for a few days: their incremental reads go back this far each run.
INSIGHTS_LAG = timedelta(days=2)
#: The snapshot's tables, loaded when none are named.
DEFAULT_TABLES = SNAPSHOT_TABLES
_NUMERIC = ("int", "float")
#: Whole-number columns that say which row, not how much (OnlineFollowers' 24 hours of a day).
_DIMENSIONS = ("hour",)


@dataclass(frozen=True)
class Load:
    """How a table loads: its key, disposition, cursor and column hints."""

    table: Table
    primary_key: tuple[str, ...]
    write_disposition: str
    cursor: str | None
    columns: dict[str, dict[str, Any]]


def load_of(table_name: str, columns: Sequence[str] | None = None) -> Load:
    """What :func:`instagram_source` does with ``table_name`` (any case)."""
    table = get_table(table_name)
    if table.scope != "account" and table.scope != "linked":
        raise UsageError(
            f"{table.name} is not read per account; the dlt source loads account tables such "
            f"as {', '.join(DEFAULT_TABLES[:3])}."
        )
    names = list(columns) if columns is not None else list(table.column_names)
    key = _primary_key(table)
    if "audience_type" in table.column_names:  # one breakdown column filled per row: no key
        key, disposition = (), "replace"
    else:
        disposition = "merge"
    cursor = table.time_column if table.time_column in names else None
    hints = {
        c.name: {
            "data_type": DLT_TYPES[c.type],
            "nullable": c.name not in key,
            **({"timezone": True} if c.type == "datetime" else {}),
        }
        for c in table.columns
        if c.name in names
    }
    return Load(table, key, disposition, cursor if disposition == "merge" else None, hints)


def _primary_key(table: Table) -> tuple[str, ...]:
    """``id`` (with the account, as a media may tag several), ``media_id``, or else every
    column that is not a value: the account, the period, the time, the metric."""
    names = table.column_names
    owner = ("business_account_id",) if "business_account_id" in names else ()
    if "id" in names:
        return (*owner, "id")
    if "media_id" in names:
        return (*owner, "media_id")
    return tuple(c.name for c in table.columns if c.type not in _NUMERIC or c.name in _DIMENSIONS)


def instagram_source(
    tables: str | Sequence[str] | None = None,
    account: str | list[str] = "all",
    *,
    connection: BaseConnection | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    initial_value: datetime | str | None = None,
) -> DltSource:
    """A dlt source with a resource per table of ``tables`` (default: a snapshot's,
    ``catalog.SNAPSHOT_TABLES``) for ``account`` (default ``"all"``).

    ``columns`` maps a table to the columns to load (default: all). ``initial_value``: where
    the first run of a table with a time column starts (default: the table's own default,
    everything for media, the last 30 days for insights). ``connection``: from
    :func:`instapd.connect`, else the default one.
    """
    import dlt

    names = (tables,) if isinstance(tables, str) else tuple(tables or DEFAULT_TABLES)
    if not names or not all(isinstance(t, str) for t in names):
        raise UsageError(f"tables= takes a table name or a list of names, not {tables!r}.")
    chosen = dict(columns or {})
    loads = [load_of(n, chosen.get(n) or chosen.get(get_table(n).name)) for n in names]

    @dlt.source(name="instagram")
    def instagram() -> Iterator[DltResource]:
        for load in loads:
            yield _resource(load, account, connection, chosen.get(load.table.name), initial_value)

    return instagram()


def _resource(
    load: Load,
    account: str | list[str],
    connection: BaseConnection | None,
    columns: Sequence[str] | None,
    initial_value: datetime | str | None,
) -> DltResource:
    import dlt

    table = load.table

    def rows(since: datetime | None) -> Iterator[pd.DataFrame]:
        frame = read_instagram(
            table.name,
            connection=connection,
            account=account,
            columns=columns,
            since=since,
            cache=False,
            progress=False,
        )
        frame.attrs = {}  # dlt keeps no pandas attrs; nothing of the query travels
        yield frame

    incremental = None
    if load.cursor is not None:
        lag = INSIGHTS_LAG.total_seconds() if load.cursor == "end_time" else None
        incremental = dlt.sources.incremental(
            load.cursor, initial_value=_initial(initial_value), lag=lag
        )

        def read(updated: Any = incremental) -> Iterator[pd.DataFrame]:
            start = updated.start_value
            if start is not None and lag:
                start = start - timedelta(seconds=lag)
            yield from rows(start)

        fetch: Any = read
    else:

        def fetch() -> Iterator[pd.DataFrame]:
            yield from rows(None)

    resource: Any = dlt.resource  # its overloads do not see a plain function's generator
    made = resource(
        fetch,
        name=table.name,
        primary_key=list(load.primary_key) or None,
        write_disposition=load.write_disposition,
        columns=load.columns,
    )
    return cast("DltResource", made)


def _initial(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    import pandas as pd

    return pd.Timestamp(value, tz="UTC").to_pydatetime()
