"""Where changes go: ``WebhookEvents`` and the history tables they match, each row once.

Every row carries the change's ``event_id``. The keys already in each table are read once at
start, so a delivery kept again after a restart (or redelivered by Meta) adds nothing. A batch's
rows are written as one file per (table, account, day), named like a snapshot run's file.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..__about__ import __version__
from ..catalog.tables import history_table
from ..errors import InstapdError
from .events import Change, event_row, table_rows

if TYPE_CHECKING:
    from ..connection import BaseConnection
    from ..snapshots import SnapshotDataset

logger = logging.getLogger("instapd.webhooks")

#: The mention tables and the value key each one is read by.
MENTION_TABLES = {"comment_id": "MentionedComment", "media_id": "MentionedMedia"}
_ARROW = {
    "id": pa.string(),
    "string": pa.string(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}


class EventStore:
    """Writes changes to ``dataset``; ``connection`` (optional) reads what a mention names."""

    def __init__(self, dataset: SnapshotDataset, connection: BaseConnection | None = None) -> None:
        self.dataset = dataset
        self.connection = connection
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.kept = 0  # new WebhookEvents rows written since start
        self._no_mentions_logged = False
        for table in (
            "WebhookEvents",
            "Comments",
            "Replies",
            "LiveComments",
            "StoryInsights",
            *MENTION_TABLES.values(),
        ):
            self.seen[table] = self._keys(table)

    def _keys(self, table: str) -> set[str]:
        keys: set[str] = set()
        for path in self.dataset.files(table):
            if "event_id" in pq.read_schema(path).names:
                column = pq.read_table(path, columns=["event_id"]).column("event_id")
                keys.update(k for k in column.to_pylist() if k is not None)
        return keys

    def keep(self, changes: Iterable[Change]) -> int:
        """Write the changes not kept before; returns how many were new."""
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        batch_keys: dict[str, set[str]] = defaultdict(set)
        new = 0
        for change in changes:
            key = change.key
            if key in self.seen["WebhookEvents"] or key in batch_keys["WebhookEvents"]:
                continue
            new += 1
            pending = [("WebhookEvents", event_row(change)), *table_rows(change)]
            if change.field == "mentions":
                pending += self._mention(change)
            for table, row in pending:
                if key not in self.seen[table] and key not in batch_keys[table]:
                    batch_keys[table].add(key)
                    rows[table].append({**row, "snapshot_at": change.received_at})
        # WebhookEvents last: a kill before it leaves the change to be kept again, and the other
        # tables' keys stop it from being written there twice
        for table in sorted(rows, key=lambda t: t == "WebhookEvents"):
            self._write(table, rows[table])
            self.seen[table] |= batch_keys[table]
        self.kept += new
        return new

    def _mention(self, change: Change) -> list[tuple[str, dict[str, Any]]]:
        """The mentioning comment (or caption's media), read through the API when it can be."""
        value = change.value if isinstance(change.value, dict) else {}
        key = "comment_id" if value.get("comment_id") else "media_id"
        table, target = MENTION_TABLES[key], value.get(key)
        if self.connection is None or target is None or change.key in self.seen[table]:
            if self.connection is None and not self._no_mentions_logged:
                self._no_mentions_logged = True
                logger.info("no connection: mentions are kept in WebhookEvents only")
            return []
        from ..io import read

        filters: dict[str, Any] = {key: str(target)}
        try:
            frame = read(
                self.connection,
                table,
                account=change.account,
                cache=False,
                progress=False,
                **filters,
            )
        except InstapdError as exc:
            logger.warning("could not read the %s of a mention: %s", table, exc)
            return []
        records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
        return [(table, {**r, "event_id": change.key}) for r in records]

    def _write(self, table: str, rows: list[dict[str, Any]]) -> None:
        by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_date[f"{row['snapshot_at']:%Y-%m-%d}"].append(row)
        run = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
        for date, group in by_date.items():  # one file per date, as a snapshot's groups
            counts = Counter(str(row["business_account_id"]) for row in group)
            path = self.dataset.group_path(table, date, run, sorted(counts))
            meta = {
                "table": table,
                "accounts": dict(counts),
                "run": run,
                "source": "webhooks",
                "rows": len(group),
                "instapd_version": __version__,
            }
            self.dataset.write(path, arrow_table(table, group), meta)


def arrow_table(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as Arrow: catalog columns in their types, others by what they hold (text when
    deliveries disagree), ``snapshot_at`` in microseconds."""
    known = {c.name: c.type for c in history_table(table).columns}
    names = list(dict.fromkeys(name for row in rows for name in row))
    arrays, fields = [], []
    for name in names:
        values = [_plain(row.get(name)) for row in rows]
        kind = (
            pa.timestamp("us", tz="UTC")
            if name == "snapshot_at"
            else _ARROW.get(known.get(name, ""))
        )
        if kind is None:
            kind = _inferred(values)
            if kind == pa.string():
                values = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
        arrays.append(pa.array(values, type=kind))
        fields.append(pa.field(name, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _plain(value: Any) -> Any:
    """pandas' missing values and timestamps as Arrow takes them."""
    if value is None:
        return None
    try:
        import pandas as pd

        if value is pd.NA or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
    except ImportError:  # pragma: no cover
        pass
    return value


def _inferred(values: list[Any]) -> pa.DataType:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:  # null: a later file's type wins when history unifies them
        return pa.null()
    if kinds <= {bool}:
        return pa.bool_()
    if kinds <= {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    return pa.string()
