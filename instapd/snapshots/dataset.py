"""The snapshot dataset on disk: Hive-partitioned Parquet that DuckDB, Polars and Spark read.

::

    {location}/table=<Table>/date=<YYYY-MM-DD>/<snapshot id>-<accounts>.parquet

A snapshot writes one file per table for each group of accounts it reads together (up to 50),
named after the run and a digest of the group's account ids; each row names its account
(``business_account_id``). Earlier versions wrote one file per table and account, under
``account=<id>/`` before the date (the webhook receiver still does); history reads both. Every
row carries ``snapshot_at`` (UTC). Files are written to a temporary name and renamed into
place (a reader never sees a torn file), 0600 in 0700 folders, as the cache's are. A file's
metadata (key ``instapd``) holds its table, account, run and ``snapshot_at``. Files hold only
types Spark 3 reads too: microsecond timestamps (never ``TIMESTAMP(NANOS)``), signed integers,
plain strings and lists (see :func:`portable`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import PrivateFolderError, UsageError
from ..private import check_tree, folder_path, private_file, private_tree
from ..validation import inside

METADATA_KEY = b"instapd"
RUNS_FOLDER = "_runs"
_RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FILE = re.compile(
    r"(?:[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}(?:-[0-9a-f]{8})?|compact-[0-9a-f]{16})\.parquet"
)


def portable(table: pa.Table) -> pa.Table:
    """``table`` in types every Parquet reader knows (Spark 3 among them): unsigned integers
    widened to signed ones, dictionaries decoded, large strings, binaries and lists made plain.
    (Timestamps become microseconds as the file is written.)"""
    fields = _portable_fields(tuple(table.schema.names), tuple(table.schema.types))
    if fields is None:
        return table
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


@functools.lru_cache(maxsize=256)
def _portable_fields(
    names: tuple[str, ...], types: tuple[pa.DataType, ...]
) -> tuple[pa.Field, ...] | None:
    """The fields of a table of these columns in portable types; None when they are already
    (worked out once per kind of table: a snapshot writes the same columns again and again)."""
    kinds = [_portable(kind) for kind in types]
    if all(new.equals(kind) for new, kind in zip(kinds, types, strict=True)):
        return None
    return tuple(pa.field(name, kind) for name, kind in zip(names, kinds, strict=True))


def _portable(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(kind):
        return _portable(kind.value_type)
    if pa.types.is_unsigned_integer(kind):
        return {8: pa.int16(), 16: pa.int32()}.get(kind.bit_width, pa.int64())
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind):
        return pa.binary()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_list_view(kind):
        return pa.list_(kind.value_field.with_type(_portable(kind.value_type)))
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(_portable(f.type)) for f in kind.fields])
    return kind


def default_location() -> Path:
    """``INSTAPD_SNAPSHOT_DIR``, else ``snapshots`` in the user's data folder (platformdirs)."""
    given = os.environ.get("INSTAPD_SNAPSHOT_DIR")
    return Path(given) if given else Path(platformdirs.user_data_dir("instapd")) / "snapshots"


def check_run_id(value: object) -> str:
    """A run id as :func:`new_run_id` makes them: ``20261129T081500Z-1a2b3c4d``."""
    if not isinstance(value, str) or not _RUN_ID.fullmatch(value):
        raise UsageError(
            f"run= takes a run id such as 20261129T081500Z-1a2b3c4d (from an earlier snapshot's "
            f"summary), not {value!r}."
        )
    return value


def is_data_file(path: Path) -> bool:
    """A file instapd wrote (a snapshot or a compacted one), not a temporary or foreign file."""
    return _FILE.fullmatch(path.name) is not None


class SnapshotDataset:
    """The folder ``location``. Constructing one touches no disk."""

    def __init__(self, location: str | Path | None = None) -> None:
        self.location = (
            default_location() if location is None else folder_path(location, "location")
        )

    def __repr__(self) -> str:
        return f"<SnapshotDataset {self.location}>"

    def folder(self, table: str, account: str | None = None, date: str | None = None) -> Path:
        if not _NAME.fullmatch(table):
            raise UsageError(f"Table name {table!r} is not a plain word.")
        path = self.location / f"table={table}"
        if account is not None:
            path = path / f"account={account}"
        if date is not None:
            path = path / f"date={_date(date)}"
        return self.inside(path)

    def path(self, table: str, account: str, date: str, run_id: str) -> Path:
        """Where one run's rows of one table and account went before groups (``account=``
        folders); the webhook receiver still writes there."""
        return self.folder(table, account, date) / f"{check_run_id(run_id)}.parquet"

    def group_path(self, table: str, date: str, run_id: str, accounts: Sequence[str]) -> Path:
        """Where one run's rows of one table for ``accounts`` go: the same run and accounts,
        the same name (so a resumed run finds what it wrote)."""
        digest = hashlib.sha256("\n".join(sorted(accounts)).encode()).hexdigest()[:8]
        folder = self.inside(self.folder(table) / f"date={_date(date)}")
        return folder / f"{check_run_id(run_id)}-{digest}.parquet"

    def run_files(self, table: str, date: str, run_id: str) -> list[Path]:
        """The group files ``run_id`` wrote for ``table`` on ``date``, and compacted files."""
        folder = self.folder(table) / f"date={_date(date)}"
        if not folder.is_dir():
            return []
        return [
            self.inside(p)
            for p in sorted(folder.glob("*.parquet"))
            if is_data_file(p) and p.name.startswith((f"{run_id}-", "compact-"))
        ]

    def inside(self, path: Path) -> Path:
        """``path``, once it resolves to a place under the dataset root, and the root and every
        level down to it are the user's own, writable by no one else, and no links."""
        if ".." not in path.parts:
            # Below the root, no level is a link (check_tree's walk) and none goes up: such a
            # path resolves under the root's own resolved place, as inside() would find it.
            with contextlib.suppress(PrivateFolderError):
                return check_tree(self.location, path, "SnapshotLocation")
        # a level went up or was refused: the full check, whose first refusal is the one given
        inside(
            self.location,
            path,
            "Refusing the snapshot path {path}: it leads outside {root}. Remove the link, "
            "or set SnapshotLocation to a folder of your own.",
        )
        return check_tree(self.location, path, "SnapshotLocation")

    def write(self, path: Path, table: pa.Table, meta: dict[str, Any]) -> None:
        """Write ``table`` to ``path`` atomically, 0600, with ``meta`` in the file's metadata."""
        self.private_folders(path.parent)
        metadata = {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(meta).encode()}
        with private_file(self.inside(path)) as stream:
            pq.write_table(
                portable(table).replace_schema_metadata(metadata),
                stream,
                coerce_timestamps="us",  # Spark 3 refuses TIMESTAMP(NANOS)
                allow_truncated_timestamps=True,  # the API's times are whole seconds
            )

    def private_folders(self, folder: Path) -> None:
        """``folder`` and its missing parents made 0700 whatever the umask; existing folders
        below the root (instapd's own partitions) readable by the owner only. The root is the
        user's choice and keeps its mode."""
        if ".." in folder.parts:
            self.inside(folder)  # refused, or checked the long way (a level goes up)
        try:
            private_tree(self.location, folder, "SnapshotLocation")
        except PrivateFolderError:
            self.inside(folder)  # the refusal inside() gives first (a link leading out)
            raise

    def files(self, table: str) -> Iterator[Path]:
        """The data files of ``table``, in path order: the groups' (date, run), then those of
        one account each (account, date, run)."""
        root = self.folder(table)
        if root.is_dir():
            for pattern in ("date=*/*.parquet", "account=*/date=*/*.parquet"):
                yield from (self.inside(p) for p in sorted(root.glob(pattern)) if is_data_file(p))

    def has_account_folders(self, table: str) -> bool:
        """Whether ``table`` holds files of one account each (written before groups, or by
        the webhook receiver)."""
        root = self.folder(table)
        return root.is_dir() and any(root.glob("account=*"))

    def tables(self) -> list[str]:
        if not self.location.is_dir():
            return []
        return sorted(
            p.name.removeprefix("table=")
            for p in self.location.glob("table=*")
            if p.is_dir() and _NAME.fullmatch(p.name.removeprefix("table="))
        )


def _date(date: str) -> str:
    if not _DATE.fullmatch(date):
        raise UsageError(f"Partition date {date!r} is not YYYY-MM-DD.")
    return date


def file_meta(path: Path) -> dict[str, Any]:
    """The ``instapd`` metadata of a data file (empty for a foreign file)."""
    raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    meta = json.loads(raw) if raw else {}
    return meta if isinstance(meta, dict) else {}
